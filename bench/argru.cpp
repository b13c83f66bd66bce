// The autoregressive-GRU benchmark (argru.hpp): training by teacher forcing
// with backpropagation through time and Adam, then the parallel solvers on
// the autoregressive run.
#include "bench/argru.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>

#include "experiment/json_number.hpp"
#include "numeric/limits.hpp"
#include "numeric/random.hpp"
#include "solve/gradient.hpp"
#include "solve/newton.hpp"

namespace parallax::bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

std::vector<double> flatten_params(const ArGruTraining& m) {
  std::vector<double> th;
  for (const auto& p : m.gru.params) th.insert(th.end(), p.values.begin(), p.values.end());
  th.insert(th.end(), m.w_o.begin(), m.w_o.end());
  th.push_back(m.b_o);
  return th;
}

void set_params(ArGruTraining& m, const std::vector<double>& th) {
  std::size_t k = 0;
  std::size_t count = m.w_o.size() + 1;
  for (const auto& p : m.gru.params) count += p.values.size();
  if (th.size() != count) throw std::invalid_argument(fmt::format("argru: {} parameters given, expected {}", th.size(), count));
  for (auto& p : m.gru.params)
    for (double& v : p.values) v = th[k++];
  for (double& v : m.w_o) v = th[k++];
  m.b_o = th[k++];
}

double argru_loss(const ArGruTraining& m, const std::vector<double>& y, std::vector<double>* grad) {
  if (y.size() < 2) throw std::invalid_argument("argru: a training sequence needs at least 2 samples");
  const std::size_t d = m.gru.hidden, L = y.size() - 1;
  const double scale = double(L);
  const std::vector<double> X(y.begin(), y.end() - 1);
  std::vector<double> H;
  solve::run_sequential<double>(m.gru, X, L, m.gru.h0, H);
  std::vector<double> G(L * d);
  double loss = 0, db = 0;
  std::vector<double> dw(d, 0.0);
  for (std::size_t t = 0; t < L; ++t) {
    double pred = m.b_o;
    for (std::size_t i = 0; i < d; ++i) pred += m.w_o[i] * H[t * d + i];
    const double e = pred - y[t + 1];
    loss += e * e;
    const double c = 2 * e / scale;  // ∂L/∂ŷ_{t+1}
    for (std::size_t i = 0; i < d; ++i) {
      G[t * d + i] = c * m.w_o[i];
      dw[i] += c * H[t * d + i];
    }
    db += c;
  }
  if (grad) {
    const auto g = solve::backprop_sequential<double>(m.gru, X, L, m.gru.h0, G);
    grad->clear();
    for (const auto& p : g.dparams) grad->insert(grad->end(), p.begin(), p.end());
    grad->insert(grad->end(), dw.begin(), dw.end());
    grad->push_back(db);
  }
  return loss / scale;
}

ArGruOptions effective_options(const ArGruOptions& in) {
  ArGruOptions o = in;
  if (!o.quick) return o;
  o.train_steps = std::min(o.train_steps, 100);
  o.train_length = std::min<std::size_t>(o.train_length, 100);
  o.eval_length = std::min<std::size_t>(o.eval_length, 1000);
  o.max_iter = std::min(o.max_iter, 500);
  if (o.sigma2.size() > 1) o.sigma2 = {o.sigma2[o.sigma2.size() / 2]};
  return o;
}

models::Cell ArGruTraining::argru() const {
  models::Cell c;
  c.kind = models::CellKind::ArGru;
  c.hidden = gru.hidden;
  c.input = 1;
  c.params = models::cell_param_shapes(models::CellKind::ArGru, gru.hidden, 1);
  for (std::size_t p = 0; p < gru.params.size(); ++p) c.params[p].values = gru.params[p].values;
  c.params[gru.params.size()].values = w_o;
  c.params[gru.params.size() + 1].values = {b_o};
  c.h0 = gru.h0;
  models::validate(c);
  return c;
}

std::vector<double> ArGruTraining::predict(const std::vector<double>& y) const {
  if (y.size() < 2) return {};
  const std::size_t d = gru.hidden, L = y.size() - 1;
  const std::vector<double> X(y.begin(), y.end() - 1);
  std::vector<double> H;
  solve::run_sequential<double>(gru, X, L, gru.h0, H);
  std::vector<double> pred(L);
  for (std::size_t t = 0; t < L; ++t) {
    double p = b_o;
    for (std::size_t i = 0; i < d; ++i) p += w_o[i] * H[t * d + i];
    pred[t] = p;
  }
  return pred;
}

std::vector<double> noisy_sine(std::size_t count, double period, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uphase(0.0, 2 * std::numbers::pi);
  std::normal_distribution<double> g;
  const double phase = uphase(rng);
  std::vector<double> y(count);
  for (std::size_t t = 0; t < count; ++t) y[t] = std::sin(2 * std::numbers::pi * double(t) / period + phase) + noise * g(rng);
  return y;
}

ArGruTraining train_argru(const ArGruOptions& in) {
  const ArGruOptions o = effective_options(in);
  if (o.hidden == 0 || o.train_length == 0 || o.batch == 0) throw std::invalid_argument("argru: hidden, train_length and batch must be ≥ 1");
  if (!(o.period > 0)) throw std::invalid_argument("argru: period must be > 0");
  ArGruTraining m;
  m.gru = models::random_cell(models::CellKind::Gru, o.hidden, 1, o.seed, o.gain);
  {
    std::mt19937_64 rng(numeric::SplitMix::at(o.seed, 1));
    std::normal_distribution<double> g(0.0, 1.0 / std::sqrt(double(o.hidden)));
    m.w_o.resize(o.hidden);
    for (double& v : m.w_o) v = g(rng);
    m.b_o = 0;
  }
  std::vector<double> th = flatten_params(m), mom(th.size(), 0.0), var(th.size(), 0.0);
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  std::vector<std::vector<double>> grads(o.batch);
  std::vector<double> losses(o.batch);
  for (int step = 0; step < o.train_steps; ++step) {
    // every sequence of every step has its own seed: the data do not depend on the thread count
#pragma omp parallel for schedule(dynamic) num_threads(o.threads > 0 ? o.threads : omp_get_max_threads())
    for (std::size_t b = 0; b < o.batch; ++b) {
      const auto y = noisy_sine(o.train_length + 1, o.period, o.train_noise,
                                numeric::SplitMix::at(o.seed, 2 + std::uint64_t(step) * o.batch + b));
      losses[b] = argru_loss(m, y, &grads[b]);
    }
    double loss = 0;
    std::vector<double> grad(th.size(), 0.0);
    for (std::size_t b = 0; b < o.batch; ++b) {  // fixed order
      loss += losses[b] / double(o.batch);
      for (std::size_t i = 0; i < th.size(); ++i) grad[i] += grads[b][i] / double(o.batch);
    }
    m.loss_history.push_back(loss);
    if (!std::isfinite(loss)) throw std::runtime_error(fmt::format("argru: training loss is not finite at step {}", step));
    double norm = 0;
    for (double v : grad) norm += v * v;
    norm = std::sqrt(norm);
    const double shrink = o.clip > 0 && norm > o.clip ? o.clip / norm : 1.0;
    const double c1 = 1 - std::pow(beta1, step + 1), c2 = 1 - std::pow(beta2, step + 1);
    for (std::size_t i = 0; i < th.size(); ++i) {
      const double gi = grad[i] * shrink;
      mom[i] = beta1 * mom[i] + (1 - beta1) * gi;
      var[i] = beta2 * var[i] + (1 - beta2) * gi * gi;
      th[i] -= o.learning_rate * (mom[i] / c1) / (std::sqrt(var[i] / c2) + eps);
    }
    set_params(m, th);
  }
  return m;
}

std::vector<double> argru_inputs(const ArGruOptions& in) {
  const ArGruOptions o = effective_options(in);
  std::mt19937_64 rng(numeric::SplitMix::at(o.seed, 0));
  std::normal_distribution<double> g;
  std::vector<double> x(o.eval_length);
  for (double& v : x) v = o.sample_noise * g(rng);
  return x;
}

ArGruResult evaluate_argru(const ArGruTraining& training, const ArGruOptions& in,
                           const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  ArGruResult r;
  r.options = effective_options(in);
  const ArGruOptions& o = r.options;
  r.training = training;
  const models::Cell cell = training.argru();
  const std::size_t T = o.eval_length, d = cell.hidden;
  r.inputs = argru_inputs(o);
  const std::vector<double> h0 = cell.h0;

  say(fmt::format("sequential run, T = {}", T));
  std::vector<double> ref;
  const auto t0 = Clock::now();
  solve::run_sequential<double>(cell, r.inputs, T, h0, ref);
  r.seconds_sequential = seconds_since(t0);
  r.outputs.resize(T);
  for (std::size_t t = 0; t < T; ++t) {
    double p = training.b_o;
    for (std::size_t i = 0; i < d; ++i) p += training.w_o[i] * ref[t * d + i];
    r.outputs[t] = p;
  }
  r.lyapunov = solve::lyapunov_exponent<double>(cell, r.inputs, T, h0, ref, o.seed);

  auto run = [&](solve::Method method, double sigma2) {
    const char* name = solve::method_name(method);
    say(std::isnan(sigma2) ? fmt::format("{}", name) : fmt::format("{}, sigma2 = {:g}", name, sigma2));
    solve::SolveOptions so;
    so.method = method;
    so.atol = o.atol;
    so.rtol = o.rtol;
    so.max_iter = o.max_iter;
    so.init = solve::InitSpec::parse(o.init);
    if (!std::isnan(sigma2)) so.sigma2 = sigma2;
    so.scan.threads = o.threads;
    std::vector<double> H;
    const auto t1 = Clock::now();
    const auto rep = solve::solve<double>(cell, r.inputs, T, h0, H, so);
    ArGruRow row;
    row.seconds = seconds_since(t1);
    row.method = name;
    row.sigma2 = sigma2;
    row.iterations = rep.iterations;
    row.converged = false;
    row.diverged = rep.diverged;
    row.diverged_at = rep.diverged_at;
    row.divergence = rep.divergence;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (rep.diverged) {
      row.max_error = nan;
      row.final_residual = nan;
    } else {
      double e = 0;
      for (std::size_t i = 0; i < ref.size(); ++i) {
        const double a = std::fabs(H[i] - ref[i]);
        if (!(a <= e)) e = a;  // NaN propagates
      }
      row.max_error = e;
      row.final_residual = rep.residual.empty() ? nan : rep.residual.back();
      row.converged = rep.converged && row.final_residual <= o.residual_tol;
      row.stalled = rep.stalled || (rep.converged && !row.converged);
      while (row.prefix < T) {
        bool close = true;
        for (std::size_t i = 0; i < d; ++i) close = close && std::fabs(H[row.prefix * d + i] - ref[row.prefix * d + i]) <= 1e-6;
        if (!close) break;
        ++row.prefix;
      }
    }
    r.rows.push_back(row);
  };
  const double na = std::numeric_limits<double>::quiet_NaN();
  run(solve::Method::Deer, na);
  run(solve::Method::QuasiDeer, na);
  for (double s2 : o.sigma2) run(solve::Method::Elk, s2);
  for (double s2 : o.sigma2) run(solve::Method::QuasiElk, s2);
  return r;
}

ArGruResult run_argru_bench(const ArGruOptions& o, const std::function<void(const std::string&)>& progress) {
  if (progress) progress(fmt::format("training the GRU ({} steps)", effective_options(o).train_steps));
  const auto t0 = Clock::now();
  ArGruTraining tr = train_argru(o);
  const double secs = seconds_since(t0);
  ArGruResult r = evaluate_argru(tr, o, progress);
  r.seconds_training = secs;
  return r;
}

void check_argru_sizes(const ArGruOptions& o) {
  using limits::add;
  using limits::mul;
  limits::check_count(static_cast<std::uint64_t>(std::max(o.threads, 0)), limits::kMaxThreads, "--threads");
  limits::check_count(o.sigma2.size(), limits::kMaxListItems, "--sigma2 (the number of values)");
  const ArGruOptions a = effective_options(o);
  const std::uint64_t d = a.hidden, T = a.eval_length, L = a.train_length;
  const std::uint64_t params = add(mul(3, add(mul(d, d), mul(2, d))), add(d, 1));
  const std::uint64_t threads = std::min<std::uint64_t>(a.batch, a.threads > 0 ? std::uint64_t(a.threads) : std::uint64_t(omp_get_max_threads()));
  const std::uint64_t training = mul(mul(threads, L), mul(add(mul(3, params), mul(32, d)), 32));
  const std::uint64_t solving = mul(mul(T, add(mul(2, mul(d, d)), mul(10, d))), 8);
  const std::uint64_t bytes = std::max(training, solving);
  limits::check_memory(add(bytes, bytes / 4), fmt::format("bench argru (--hidden {}, --eval-length {}, --train-length {})", d, T, L));
}

std::vector<std::string> argru_columns() {
  return {"method", "sigma2", "iterations", "outcome", "diverged_at", "max_error", "final_residual", "seconds",
          "speedup", "hidden", "T", "lyapunov", "loss_first", "loss_last"};
}

nlohmann::ordered_json to_json(const ArGruRow& r, const ArGruResult& result) {
  using experiment::number_or_null;
  const auto& h = result.training.loss_history;
  nlohmann::ordered_json row;
  row["method"] = r.method;
  row["sigma2"] = number_or_null(r.sigma2);
  row["iterations"] = r.iterations;
  row["outcome"] = r.diverged ? "diverged" : r.converged ? "converged" : r.stalled ? "stalled" : "not converged";
  row["diverged_at"] = r.diverged ? nlohmann::ordered_json(r.diverged_at) : nlohmann::ordered_json();
  row["max_error"] = number_or_null(r.max_error);
  row["final_residual"] = number_or_null(r.final_residual);
  row["seconds"] = r.seconds;
  row["speedup"] = r.seconds > 0 ? result.seconds_sequential / r.seconds : 0.0;
  row["hidden"] = result.options.hidden;
  row["T"] = result.options.eval_length;
  row["lyapunov"] = result.lyapunov;
  row["loss_first"] = h.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(h.front());
  row["loss_last"] = h.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(h.back());
  return row;
}

}  // namespace parallax::bench
