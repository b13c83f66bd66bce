// The autoregressive-GRU benchmark (bench/argru.hpp): the training gradient
// against central finite differences of the loss, training against the
// signal's variance and the persistence predictor on held-out data, the
// CellKind::ArGru cell against a hand-written autoregressive loop, and the
// benchmark rows against the sequential reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "bench/argru.hpp"
#include "solve/newton.hpp"

using namespace parallax;

namespace {

/// Small sizes shared by the fast tests.
bench::ArGruOptions small_options() {
  bench::ArGruOptions o;
  o.quick = true;
  o.hidden = 8;
  o.threads = 1;  // the solvers' thread paths are tested elsewhere; one thread keeps a busy machine fast
  return o;
}

/// One trained model for the fast tests (trained once).
const bench::ArGruTraining& trained() {
  static const bench::ArGruTraining tr = bench::train_argru(small_options());
  return tr;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

}  // namespace

TEST_CASE("argru loss gradient matches central finite differences", "[quick][argru]") {
  bench::ArGruOptions o = small_options();
  const bench::ArGruTraining m0 = [&] {  // an untrained model: random weights and readout
    bench::ArGruOptions u = o;
    u.train_steps = 0;
    return bench::train_argru(u);
  }();
  REQUIRE(m0.loss_history.empty());
  const auto y = bench::noisy_sine(41, o.period, o.train_noise, 7);
  std::vector<double> grad;
  bench::argru_loss(m0, y, &grad);
  const auto theta = bench::flatten_params(m0);
  REQUIRE(grad.size() == theta.size());
  // every parameter array is sampled: a stride through the flattened vector, plus w_o and b_o at the end
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < theta.size(); i += 7) idx.push_back(i);
  idx.push_back(theta.size() - 2);
  idx.push_back(theta.size() - 1);
  const double eps = 1e-6;
  for (std::size_t i : idx) {
    bench::ArGruTraining m = m0;
    auto th = theta;
    th[i] = theta[i] + eps;
    bench::set_params(m, th);
    const double lp = bench::argru_loss(m, y);
    th[i] = theta[i] - eps;
    bench::set_params(m, th);
    const double lm = bench::argru_loss(m, y);
    const double fd = (lp - lm) / (2 * eps);
    INFO("parameter " << i << ": gradient " << grad[i] << ", finite difference " << fd);
    CHECK(std::fabs(grad[i] - fd) <= 1e-6 + 1e-5 * std::fabs(fd));
  }
}

TEST_CASE("argru training fits the noisy sine and beats the persistence predictor", "[quick][argru]") {
  const auto o = bench::effective_options(small_options());
  const auto& tr = trained();
  REQUIRE(tr.loss_history.size() == std::size_t(o.train_steps));
  const double first = tr.loss_history.front();
  // the last steps' mean (single steps are noisy: each has its own data)
  const std::vector<double> tail(tr.loss_history.end() - 10, tr.loss_history.end());
  const double last = mean(tail);
  INFO("loss " << first << " -> " << last);
  CHECK(last < first / 5);
  // the signal's variance is 1/2 + noise²; the best possible one-step loss is about noise²
  CHECK(last < 0.1 * (0.5 + o.train_noise * o.train_noise));

  // held-out data (a seed the training never uses, a longer sequence)
  const auto y = bench::noisy_sine(2001, o.period, o.train_noise, 987654321);
  const auto pred = tr.predict(y);
  REQUIRE(pred.size() == y.size() - 1);
  const std::size_t skip = 50;  // the state's warm-up from h = 0
  double model = 0, persist = 0;
  for (std::size_t t = skip; t + 1 < y.size(); ++t) {
    model += (pred[t] - y[t + 1]) * (pred[t] - y[t + 1]);
    persist += (y[t] - y[t + 1]) * (y[t] - y[t + 1]);
  }
  INFO("one-step MSE: model " << model / double(y.size() - 1 - skip) << ", persistence " << persist / double(y.size() - 1 - skip));
  CHECK(model < 0.8 * persist);
  // predict agrees with the loss function's own predictions
  CHECK(std::fabs(bench::argru_loss(tr, y) - [&] {
          double s = 0;
          for (std::size_t t = 0; t + 1 < y.size(); ++t) s += (pred[t] - y[t + 1]) * (pred[t] - y[t + 1]);
          return s / double(y.size() - 1);
        }()) <= 1e-12);
}

TEST_CASE("argru cell sequential run equals a hand-written autoregressive loop", "[quick][argru]") {
  const auto& tr = trained();
  const models::Cell cell = tr.argru();
  REQUIRE(cell.kind == models::CellKind::ArGru);
  REQUIRE(cell.input == 1);
  const std::size_t d = cell.hidden, T = 1000;
  bench::ArGruOptions o = small_options();
  o.eval_length = T;
  const auto x = bench::argru_inputs(o);
  REQUIRE(x.size() == T);
  std::vector<double> H;
  solve::run_sequential<double>(cell, x, T, cell.h0, H);

  // (1) the GRU cell's own step with the readout fed back by hand: bit for bit
  const auto P = tr.gru.params_as<double>([](double v) { return v; });
  std::vector<double> h(d, 0.0), next(d);
  bool same = true;
  for (std::size_t t = 0; t < T; ++t) {
    double u = tr.b_o;
    for (std::size_t i = 0; i < d; ++i) u = u + tr.w_o[i] * h[i];
    u = u + x[t];
    tr.gru.step(P, h.data(), &u, next.data());
    h = next;
    for (std::size_t i = 0; i < d; ++i) same = same && h[i] == H[t * d + i];
  }
  CHECK(same);

  // (2) the GRU equations written out from the named weights, over a short horizon
  auto W = [&](const char* name) -> const std::vector<double>& {
    for (const auto& p : tr.gru.params)
      if (p.name == name) return p.values;
    FAIL("no weight " << name);
    return tr.gru.params[0].values;
  };
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  std::fill(h.begin(), h.end(), 0.0);
  double worst = 0;
  for (std::size_t t = 0; t < 50; ++t) {
    double u = tr.b_o + x[t];
    for (std::size_t i = 0; i < d; ++i) u += tr.w_o[i] * h[i];
    std::vector<double> z(d), r(d);
    for (std::size_t i = 0; i < d; ++i) {
      double az = W("b_z")[i] + W("U_z")[i] * u, ar = W("b_r")[i] + W("U_r")[i] * u;
      for (std::size_t j = 0; j < d; ++j) az += W("W_z")[i * d + j] * h[j], ar += W("W_r")[i * d + j] * h[j];
      z[i] = sig(az), r[i] = sig(ar);
    }
    for (std::size_t i = 0; i < d; ++i) {
      double ac = W("b_h")[i] + W("U_h")[i] * u;
      for (std::size_t j = 0; j < d; ++j) ac += W("W_h")[i * d + j] * (r[j] * h[j]);
      next[i] = (1 - z[i]) * h[i] + z[i] * std::tanh(ac);
    }
    h = next;
    for (std::size_t i = 0; i < d; ++i) worst = std::max(worst, std::fabs(h[i] - H[t * d + i]));
  }
  CHECK(worst <= 1e-12);
}

TEST_CASE("argru quick benchmark rows agree with the sequential run", "[quick][argru]") {
  bench::ArGruOptions o = small_options();
  o.eval_length = 200;
  o.max_iter = 120;
  o.sigma2 = {1e2, 1e6};
  o.quick = false;  // keep both σ²; the sizes above are small already
  o.train_steps = 100;
  o.train_length = 100;
  const auto r = bench::evaluate_argru(trained(), o);
  REQUIRE(r.rows.size() == 2 + 2 * o.sigma2.size());
  CHECK(r.rows[0].method == "deer");
  CHECK(r.rows[1].method == "quasi-deer");
  CHECK(std::isnan(r.rows[0].sigma2));
  CHECK(r.rows[2].method == "elk");
  CHECK(r.rows[2].sigma2 == o.sigma2[0]);
  CHECK(r.rows.back().method == "quasi-elk");
  REQUIRE(r.outputs.size() == o.eval_length);
  CHECK(std::isfinite(r.lyapunov));
  int converged = 0;
  for (const auto& row : r.rows) {
    INFO(row.method << " sigma2 " << row.sigma2 << ": " << row.iterations << " iterations, error " << row.max_error
                    << ", residual " << row.final_residual << ", " << row.divergence);
    CHECK(row.iterations <= o.max_iter);
    CHECK(!(row.converged && row.diverged));
    CHECK(!(row.converged && row.stalled));
    if (row.converged) {
      ++converged;
      CHECK(row.max_error <= 1e-6);
      CHECK(row.prefix == o.eval_length);
      CHECK(row.final_residual <= o.residual_tol);
    }
    if (row.diverged) {
      CHECK(row.diverged_at >= 1);
      CHECK(row.diverged_at <= row.iterations + 1);
      CHECK(!row.divergence.empty());
      CHECK(std::isnan(row.max_error));
    } else {
      CHECK(std::isfinite(row.final_residual));
      CHECK(row.prefix <= o.eval_length);
    }
    if (!row.converged && !row.diverged && !row.stalled) CHECK(row.iterations == o.max_iter);
  }
  CHECK(converged >= 1);  // at least one parallel method solves this short sequence
}

TEST_CASE("argru training does not depend on the thread count", "[quick][argru]") {
  bench::ArGruOptions o = small_options();
  o.train_steps = 4;
  o.batch = 5;
  o.threads = 1;
  const auto a = bench::train_argru(o);
  o.threads = 3;
  const auto b = bench::train_argru(o);
  CHECK(a.loss_history == b.loss_history);
  CHECK(bench::flatten_params(a) == bench::flatten_params(b));
}

TEST_CASE("argru options and inputs are reproducible", "[quick][argru]") {
  bench::ArGruOptions o;
  o.quick = true;
  const auto e = bench::effective_options(o);
  CHECK(e.eval_length <= 1000);
  CHECK(e.train_steps <= 100);
  o.eval_length = 200;
  const auto a = bench::argru_inputs(o), b = bench::argru_inputs(o);
  CHECK(a == b);
  // the sampling noise has the requested scale (200 draws: within a loose band)
  double s2 = 0;
  for (double v : a) s2 += v * v;
  const double sd = std::sqrt(s2 / double(a.size()));
  CHECK(sd > 0.7 * o.sample_noise);
  CHECK(sd < 1.3 * o.sample_noise);
  // noisy_sine without noise is the sine itself
  const auto y = bench::noisy_sine(100, 25, 0.0, 3);
  for (std::size_t t = 0; t + 25 < y.size(); ++t) CHECK(std::fabs(y[t] - y[t + 25]) <= 1e-12);
}
