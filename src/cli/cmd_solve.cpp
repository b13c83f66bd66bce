// `parallax solve`: evaluate a nonlinear RNN by a Newton-type parallel solver
// (src/solve) and compare it, in the same run, with the sequential
// recurrence: iterations, residual history, error, Lyapunov exponent, time
// and speed-up.
#include <fmt/format.h>

#include <omp.h>

#include <chrono>
#include <cmath>
#include <random>

#include "cli/common.hpp"
#include "cli/device.hpp"
#include "cli/solve_cli.hpp"
#include "cli/store_link.hpp"
#include "experiment/store.hpp"
#include "models/json_positions.hpp"
#include "experiment/npy.hpp"
#include "models/cell.hpp"
#include "numeric/limits.hpp"
#include "numeric/output.hpp"
#include "numeric/precision.hpp"
#include "solve/gradient.hpp"
#include "solve/jacobian.hpp"
#include "solve/newton.hpp"

namespace parallax::cli {
namespace solve_cli {

/// The configuration of a stored solve: every option that changes the
/// record's values except the length (its result key) and the thread count.
nlohmann::json store_config(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, const numeric::Precision& prec) {
  nlohmann::json j;
  j["cell"] = models::cell_kind_name(cell.kind);
  j["hidden"] = cell.hidden;
  j["input"] = cell.input;
  j["batch"] = batch;
  j["method"] = o.method;
  j["tol"] = o.tol;
  j["iters"] = o.iters;
  j["max_iter"] = o.max_iter;
  j["init"] = o.init;
  j["precision"] = prec.to_string();
  j["seed"] = o.seed;
  j["gain"] = o.gain;
  j["input_scale"] = o.input_scale;
  j["sigma2"] = o.sigma2;
  j["reset"] = o.reset;
  j["reference"] = o.reference;
  j["grad"] = o.grad;
  j["check_structure"] = o.check_structure;
  if (o.device != "cpu") j["device"] = o.device;  // CPU configurations keep their earlier form
  for (const auto& [field, path] : {std::pair{"weights_fnv1a", o.weights}, std::pair{"inputs_fnv1a", o.inputs}})
    if (!path.empty())
      if (const auto text = models::read_text_file(path)) j[field] = experiment::content_hash(*text);
  return j;
}

bool resume_stored_solve(StoreLink& link, const SolveCliOpts& o, const models::Cell& cell, std::size_t batch,
                         const numeric::Precision& prec, const std::string& key) {
  if (o.store.empty()) return false;
  if (!o.dump_states.empty()) throw CliError(kBadInput, "--store keeps the solve's record; give --dump-states without --store");
  link.open(o.store, "solve", store_config(o, cell, batch, prec), o.seed);
  const auto* stored = link.find(key);
  if (!stored) return false;
  // resumed: solved before with this configuration
  if (o.fmt.format() == Format::Json) fmt::print("{}\n", stored->dump());
  else fmt::print("stored      {} (run {}): {} iterations, {}, speed-up {:.2f}×\n", o.store, link.run(),
                  stored->at("iterations").dump(), stored->at("converged").get<bool>() ? "converged" : "not converged",
                  stored->at("speedup").is_number() ? stored->at("speedup").get<double>() : 0.0);
  link.finish();
  if (stored->value("diverged", false)) throw CliError(kFailure, "the solver diverged (stored result)");
  return true;
}

nlohmann::ordered_json solve_record_head(const models::Cell& cell, std::size_t len, std::size_t batch,
                                         const solve::SolveOptions& so, const numeric::Precision& p) {
  nlohmann::ordered_json j;
  j["cell"] = models::cell_kind_name(cell.kind);
  j["hidden"] = cell.hidden;
  j["input"] = cell.input;
  j["structure"] = cell.structure().name();
  j["length"] = len;
  j["batch"] = batch;
  j["method"] = solve::method_name(so.method);
  j["init"] = so.init.to_string();
  j["precision"] = p.to_string();
  j["tol"] = so.atol;
  return j;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void check_solve_options(const SolveCliOpts& o, bool input_given) {
  limits::check_count(o.hidden, limits::kMaxModelDim, "--hidden");
  limits::check_count(o.input, limits::kMaxModelDim, "--input-size");
  limits::check_count(o.length, limits::kMaxLength, "--length");
  limits::check_count(o.batch, limits::kMaxTrials, "--batch");
  limits::check_count(static_cast<std::uint64_t>(std::max(o.threads, 0)), limits::kMaxThreads, "--threads");
  limits::check_count(static_cast<std::uint64_t>(std::max(o.iters, 0)), limits::kMaxIterations, "--iters");
  limits::check_count(static_cast<std::uint64_t>(std::max(o.max_iter, 0)), limits::kMaxIterations, "--max-iter");
  if (o.tol >= 1)
    throw CliError(kBadInput, fmt::format("--tol {}: a tolerance of 1 or more accepts any iterate (a relative change of "
                                          "100 %); give one below 1, or 0 for the precision's default",
                                          o.tol));
  // a random cell's weights, before they are drawn (a cell file is bounded by its reader)
  for (const auto& k : models::cell_kind_names()) {
    if (k != o.cell || !o.weights.empty()) continue;
    const auto kind = models::parse_cell_kind(o.cell);
    const std::size_t m = kind == models::CellKind::ArGru && !input_given ? 1 : o.input;
    std::uint64_t count = 0;
    for (const auto& p : models::cell_param_shapes(kind, o.hidden, m)) count = limits::add(count, limits::mul(p.rows, p.cols));
    if (count > limits::kMaxParameters)
      throw limits::LimitError(fmt::format("--hidden {} with --input-size {}: a random {} cell of {} parameters, above the "
                                           "limit of {} (docs/limits.md)",
                                           o.hidden, m, o.cell, count, limits::kMaxParameters));
  }
}

namespace {

/// Bytes of one scalar of the solve's arithmetic (BigFloat: MPFR's struct and limbs).
std::uint64_t scalar_bytes(const numeric::Precision& p) {
  using K = numeric::Precision::Kind;
  if (p.kind == K::Fp64) return 8;
  if (p.kind == K::Fp32) return 4;
  if (p.kind == K::Float && p.mantissa <= 53 && p.exponent >= 2 && p.exponent <= 11) return 16;
  return limits::add(64, std::uint64_t(std::max(p.significand_bits(), 64)) / 8);
}

std::size_t method_block(const models::Cell& cell, solve::Method m) {
  const std::size_t n = cell.state_dim();
  switch (m) {
    case solve::Method::Sequential:
    case solve::Method::Jacobi: return 0;
    case solve::Method::QuasiDeer:
    case solve::Method::QuasiElk: return 1;
    case solve::Method::Deer:
    case solve::Method::Elk: return n;
    default: return cell.structure().block_size(n);
  }
}

}  // namespace

bool reference_on(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len) {
  const double n = double(cell.state_dim()), m = double(cell.input);
  return o.reference == "on" || (o.reference == "auto" && double(len) * n * (n + m) * double(batch) <= 2e6);
}

int solve_threads_used(const SolveCliOpts& o, std::size_t len) {
  const std::size_t want = static_cast<std::size_t>(o.threads > 0 ? o.threads : omp_get_max_threads());
  return static_cast<int>(std::max<std::size_t>(1, std::min(want, len / 16)));
}

std::uint64_t solve_bytes(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                          const solve::SolveOptions& so, const numeric::Precision& p, bool reference, bool device) {
  using limits::add;
  using limits::mul;
  const std::uint64_t s = scalar_bytes(p), n = cell.state_dim(), m = cell.input, T = len, B = batch;
  const std::uint64_t k = method_block(cell, so.method), P = cell.param_count();
  const std::uint64_t threads = std::max<std::uint64_t>(1, o.threads > 0 ? std::uint64_t(o.threads) : std::uint64_t(omp_get_max_threads()));
  const std::uint64_t Tn = mul(T, n), Tm = mul(T, m);
  // the cell: its weights, and as T and dual numbers in a few evaluators
  std::uint64_t bytes = mul(P, add(8, mul(12, s)));
  // all sequences at once: the inputs (doubles), --dump-states, one record each
  bytes = add(bytes, mul(mul(B, Tm), 8));
  if (!o.dump_states.empty()) bytes = add(bytes, mul(mul(B, Tn), 8));
  bytes = add(bytes, mul(B, 512));
  // one sequence at a time: X, the sequential reference run, H, F, the next iterate, the offsets and the reset copy
  std::uint64_t seq = mul(add(Tm, mul(Tn, o.reset ? 6 : 5)), s);
  seq = add(seq, mul(mul(Tn, k), s));  // A_t: len·n·k
  if (so.method == solve::Method::Elk || so.method == solve::Method::QuasiElk) {
    const std::uint64_t blocks = k == 0 ? 1 : n / k;  // Kalman scratch: per block (over threads) or one over time
    seq = add(seq, add(mul(mul(mul(T, mul(k, k)), std::min(threads, std::max<std::uint64_t>(blocks, 1))), s), mul(mul(T, k), s)));
  }
  if (so.check_structure) seq = add(seq, mul(mul(threads, mul(n, n)), s));
  if (o.grad) {  // implicit: G, adjoints, Jacobians, dx; backprop through time: one tape node per operation of every step
    seq = add(seq, mul(add(add(mul(Tn, add(4, k)), Tm), P), s));
    const std::uint64_t nodes = mul(T, add(mul(3, P), mul(32, n)));
    seq = add(seq, mul(nodes, add(8, mul(3, s))));
    seq = add(seq, mul(add(Tn, Tm), add(8, s)));
  }
  if (reference) {  // the MPFR run: inputs and states at reference_bits
    const std::uint64_t rb = add(64, std::uint64_t(reference_bits(p)) / 8);
    seq = add(seq, add(mul(add(Tn, Tm), rb), mul(add(Tn, Tm), 8)));
  }
  bytes = add(bytes, seq);
  if (device) bytes = add(bytes, mul(mul(B, add(Tm, mul(Tn, o.grad ? 4 : 2))), s));  // X, H, the device's sequential H; G, λ
  return add(bytes, bytes / 4);  // a margin: allocator slack, vectors grown by doubling, the thread stacks
}

void check_solve_memory(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                        const solve::SolveOptions& so, const numeric::Precision& p, bool reference, bool device) {
  const std::size_t k = method_block(cell, so.method);
  limits::check_memory(
      solve_bytes(o, cell, batch, len, so, p, reference, device),
      fmt::format("the solve of --batch {} × --length {} with --hidden {} (state {}, {}{}{}{})", batch, len, cell.hidden,
                  cell.state_dim(), solve::method_name(so.method),
                  k > 1 ? fmt::format(": {}×{} Jacobian blocks per step", k, k) : "", o.grad ? ", --grad" : "",
                  reference ? ", the MPFR reference (--reference off leaves it out)" : ""));
}

double solve_seconds(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                     const solve::SolveOptions& so, const numeric::Precision& p, bool reference, int& iterations) {
  using K = numeric::Precision::Kind;
  const double n = double(cell.state_dim()), m = double(cell.input), k = double(method_block(cell, so.method));
  const double T = double(len), B = double(batch);
  // flops of one step: the cell (a few gate matrices) and, for Newton-type
  // methods, the scan's composition of k×k Jacobian blocks
  const double step = 6 * n * (n + m) + 2 * n * k * k;
  if (so.method == solve::Method::Sequential) iterations = 1;
  else if (so.fixed_iters > 0) iterations = so.fixed_iters;
  else {
    const double cap = so.max_iter > 0 ? double(so.max_iter) : T + 1;
    iterations = int(std::min(cap, 2 + std::ceil(std::log2(T + 1))));
  }
  // measured on this project's solver (fp64, one thread): about 1e8 flop/s
  // for dense DEER; emulated floats about 10× and MPFR about 50× slower
  const bool native = p.kind == K::Fp64 || p.kind == K::Fp32;
  const bool emulated = p.kind == K::Float && p.mantissa <= 53 && p.exponent >= 2 && p.exponent <= 11;
  const double rate = (native ? 1e8 : emulated ? 1e7 : 2e6) * double(solve_threads_used(o, len));
  double seconds = B * T * step * double(iterations) / rate;
  if (reference) seconds += B * T * 6 * n * (n + m) / 2e6;
  return seconds;
}

void check_solve_time(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                      const solve::SolveOptions& so, const numeric::Precision& p, bool reference) {
  if (o.allow_long) return;
  int iterations = 0;
  const double seconds = solve_seconds(o, cell, batch, len, so, p, reference, iterations);
  if (seconds <= double(limits::kMaxSweepSeconds)) return;
  const std::string took = seconds < 2 * 86400 ? fmt::format("{:.1f} hours", seconds / 3600)
                                               : fmt::format("{:.0f} days", seconds / 86400);
  throw limits::LimitError(fmt::format(
      "--hidden {} --length {} --batch {} --method {} --precision {}: the solve would take at least about {} ({} "
      "iteration{} of {} steps{}), more than the {} hours allowed without --allow-long; give --allow-long to run it "
      "anyway, or a smaller --hidden / --length (docs/limits.md)",
      cell.hidden, len, batch, solve::method_name(so.method), p.to_string(), took, iterations, iterations == 1 ? "" : "s",
      len, method_block(cell, so.method) > 1 ? fmt::format(" with {0}×{0} Jacobian blocks", method_block(cell, so.method)) : "",
      limits::kMaxSweepSeconds / 3600));
}

models::Cell make_cell(const SolveCliOpts& o, bool hidden_given, bool input_given) {
  try {
    models::Cell c;
    const bool is_kind = [&] {
      for (const auto& k : models::cell_kind_names())
        if (k == o.cell) return true;
      return false;
    }();
    if (!is_kind) {
      if (!o.weights.empty()) throw CliError(kBadInput, "--weights goes with a cell kind; --cell FILE already holds the weights");
      if (o.cell.find('.') == std::string::npos && o.cell.find('/') == std::string::npos)
        throw CliError(kBadInput, fmt::format("--cell: unknown cell '{}' (valid: {}, or a cell JSON file, docs/cells-json.md)", o.cell,
                                              fmt::join(models::cell_kind_names(), ", ")));
      c = models::load_cell(o.cell);
    } else if (!o.weights.empty()) {
      const auto kind = models::parse_cell_kind(o.cell);
      c = models::load_cell(o.weights, &kind);
    } else {
      const auto kind = models::parse_cell_kind(o.cell);
      // the autoregressive GRU takes one external input (added to its fed-back readout)
      const std::size_t m = kind == models::CellKind::ArGru && !input_given ? 1 : o.input;
      c = models::random_cell(kind, o.hidden, m, o.seed, o.gain);
      for (const auto& p : c.params)
        for (const double v : p.values)
          if (!std::isfinite(v))
            throw CliError(kBadInput, fmt::format("--gain {}: the random weights overflow (weight '{}' is not a finite "
                                                  "number); give a smaller gain",
                                                  o.gain, p.name));
    }
    if (!is_kind || !o.weights.empty()) {
      if (hidden_given && c.hidden != o.hidden)
        throw CliError(kBadInput, fmt::format("--hidden {} disagrees with the cell file's hidden size {}", o.hidden, c.hidden));
      if (input_given && c.input != o.input)
        throw CliError(kBadInput, fmt::format("--input-size {} disagrees with the cell file's input size {}", o.input, c.input));
    }
    models::validate(c);
    return c;
  } catch (const models::CellError& e) {
    throw CliError(kBadInput, e.what());
  }
}

/// Inputs B × T × m: random N(0, 1) from the seed, or a .npy file of shape
/// (T, m) or (B, T, m).
std::vector<double> make_inputs(const SolveCliOpts& o, const models::Cell& c, std::size_t& batch, std::size_t& len,
                                bool length_given, bool batch_given) {
  if (o.inputs.empty()) {
    std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
    std::normal_distribution<double> g;
    std::vector<double> x(batch * len * c.input);
    for (auto& v : x) {
      v = o.input_scale * g(rng);
      if (!std::isfinite(v))
        throw CliError(kBadInput, fmt::format("--input-scale {}: the random inputs overflow (a draw times the scale is not "
                                              "a finite number); give a smaller scale",
                                              o.input_scale));
    }
    return x;
  }
  experiment::NpyArray a;
  try {
    a = experiment::read_npy(o.inputs);
  } catch (const experiment::NpyError& e) {
    throw CliError(kBadInput, e.what());
  }
  const auto& s = a.shape;
  if ((s.size() != 2 && s.size() != 3) || s.back() != c.input)
    throw CliError(kBadInput, fmt::format("{}: inputs must have shape (T, {}) or (B, T, {}) for this cell; the file has shape ({})",
                                          o.inputs, c.input, c.input, fmt::join(s, ", ")));
  const std::size_t B = s.size() == 3 ? s[0] : 1, T = s[s.size() - 2];
  if (T == 0 || B == 0) throw CliError(kBadInput, fmt::format("{}: empty inputs (shape ({}))", o.inputs, fmt::join(s, ", ")));
  if (length_given && T != len) throw CliError(kBadInput, fmt::format("--length {} disagrees with the inputs' T = {}", len, T));
  if (batch_given && B != batch) throw CliError(kBadInput, fmt::format("--batch {} disagrees with the inputs' B = {}", batch, B));
  for (std::size_t i = 0; i < a.data.size(); ++i)
    if (!std::isfinite(a.data[i])) throw CliError(kBadInput, fmt::format("{}: input value {} is not finite", o.inputs, i));
  batch = B, len = T;
  return a.data;
}

solve::SolveOptions parse_solve_options(const SolveCliOpts& o, numeric::Precision& precision) {
  solve::SolveOptions so;
  try {
    so.method = solve::parse_method(o.method);
    so.init = solve::InitSpec::parse(o.init);
    precision = numeric::Precision::parse(o.precision);
  } catch (const std::invalid_argument& e) {
    throw CliError(kBadInput, e.what());
  }
  so.fixed_iters = o.iters;
  so.max_iter = o.max_iter;
  so.sigma2 = o.sigma2;
  so.reset = o.reset;
  so.check_structure = o.check_structure;
  return so;
}

double default_tol(const numeric::Precision& p, std::size_t len) {
  const int M = p.resolve(std::max<std::size_t>(len, 2)).significand_bits();
  return std::max(std::ldexp(1.0, -static_cast<int>(0.8 * M)), 1e-300);
}

int reference_bits(const numeric::Precision& p) { return std::max(200, 4 * p.significand_bits()); }

double reference_error(const models::Cell& cell, const std::vector<double>& Xd, std::size_t len, const std::vector<double>& Hd,
                       int bits) {
  double e = 0;
  solve::dispatch_float(numeric::Precision::parse(fmt::format("float:{}:0", bits)), [&](auto tag) {
    using R = typename decltype(tag)::type;
    std::vector<R> XR, h0R, refR;
    for (double v : Xd) XR.push_back(solve::from_double<R>(v));
    for (double v : cell.h0) h0R.push_back(solve::from_double<R>(v));
    solve::run_sequential(cell, XR, len, h0R, refR);
    for (std::size_t i = 0; i < refR.size(); ++i) e = std::max(e, std::fabs(Hd[i] - numeric::to_double(refR[i])));
  });
  return e;
}

}  // namespace solve_cli

namespace {

using namespace solve_cli;

struct BatchResult {
  solve::SolveReport rep;
  double err_seq = 0, err_ref = NAN, lyapunov = NAN;
  double grad_diff = NAN, grad_scale = NAN, t_grad = 0, t_bptt = 0;
};

void run_solve(const SolveCliOpts& o, bool hidden_given, bool input_given, bool length_given, bool batch_given) {
  check_solve_options(o, input_given);
  const models::Cell cell = make_cell(o, hidden_given, input_given);
  std::size_t batch = o.batch, len = o.length;
  if (len == 0) throw CliError(kBadInput, "--length must be ≥ 1");
  if (batch == 0) throw CliError(kBadInput, "--batch must be ≥ 1");
  numeric::Precision prec;
  solve::SolveOptions so = parse_solve_options(o, prec);
  auto check_memory = [&] {  // the sizes of the options (and again those of an --inputs file)
    if (!solve::supports_precision(prec)) return;  // refused below, with its message
    check_solve_memory(o, cell, batch, len, so, prec.resolve(std::max<std::size_t>(len, 2)),
                       reference_on(o, cell, batch, len), false);
    check_solve_time(o, cell, batch, len, so, prec.resolve(std::max<std::size_t>(len, 2)), reference_on(o, cell, batch, len));
  };
  if (o.inputs.empty()) check_memory();
  const std::vector<double> Xall = make_inputs(o, cell, batch, len, length_given, batch_given);
  if (!o.inputs.empty()) check_memory();
  if (o.grad && prec.kind != numeric::Precision::Kind::Fp64 && prec.kind != numeric::Precision::Kind::Fp32)
    throw CliError(kBadInput, "--grad runs in fp64 and fp32");
  if (!solve::supports_precision(prec))
    throw CliError(kBadInput, fmt::format("--precision {}: nonlinear cells need exp and tanh; use fp64, fp32, bf16, fp16, float:M:E or log:C", o.precision));
  const numeric::Precision p = prec.resolve(len);
  so.atol = so.rtol = o.tol > 0 ? o.tol : default_tol(p, len);
  so.scan.threads = o.threads;
  const std::size_t n = cell.state_dim(), m = cell.input;
  const bool reference = reference_on(o, cell, batch, len);
  if (o.reference != "on" && o.reference != "off" && o.reference != "auto")
    throw CliError(kBadInput, fmt::format("--reference '{}': valid values are auto, on, off", o.reference));

  StoreLink link;
  const std::string key = fmt::format("solve/T={}", len);
  if (resume_stored_solve(link, o, cell, batch, prec, key)) return;
  std::vector<BatchResult> results(batch);
  std::vector<double> states(o.dump_states.empty() ? 0 : batch * len * n);
  double t_seq = 0, t_solve = 0;
  numeric::Status status;
  solve::dispatch_float(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        std::vector<T> h0;
        for (double v : cell.h0) h0.push_back(solve::from_double<T>(v));
        for (std::size_t b = 0; b < batch; ++b) {
          std::vector<T> X;
          X.reserve(len * m);
          for (std::size_t i = 0; i < len * m; ++i) X.push_back(solve::from_double<T>(Xall[b * len * m + i]));
          std::vector<T> ref, H;
          auto t0 = std::chrono::steady_clock::now();
          solve::run_sequential(cell, X, len, h0, ref);
          t_seq += seconds_since(t0);
          t0 = std::chrono::steady_clock::now();
          BatchResult& r = results[b];
          r.rep = solve::solve(cell, X, len, h0, H, so);
          t_solve += seconds_since(t0);
          for (std::size_t i = 0; i < H.size(); ++i)
            r.err_seq = std::max(r.err_seq, std::fabs(numeric::to_double(H[i]) - numeric::to_double(ref[i])));
          r.lyapunov = solve::lyapunov_exponent(cell, X, len, h0, ref);
          if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
            if (o.grad && !r.rep.diverged) {  // L = Σ_t Σ_i h_t,i
              const std::vector<T> G(len * n, numeric::one<T>());
              auto t1 = std::chrono::steady_clock::now();
              const auto gi = solve::implicit_gradients(cell, X, len, h0, H, G, so.scan);
              r.t_grad = seconds_since(t1);
              t1 = std::chrono::steady_clock::now();
              const auto gb = solve::backprop_sequential(cell, X, len, h0, G);
              r.t_bptt = seconds_since(t1);
              double diff = 0, scale = 0;
              auto cmp = [&](const std::vector<T>& a, const std::vector<T>& b) {
                for (std::size_t i = 0; i < a.size(); ++i) {
                  diff = std::max(diff, std::fabs(double(a[i]) - double(b[i])));
                  scale = std::max(scale, std::fabs(double(b[i])));
                }
              };
              cmp(gi.dx, gb.dx);
              cmp(gi.dh0, gb.dh0);
              for (std::size_t q = 0; q < gi.dparams.size(); ++q) cmp(gi.dparams[q], gb.dparams[q]);
              r.grad_diff = diff, r.grad_scale = scale;
            }
          }
          if (!states.empty())
            for (std::size_t i = 0; i < H.size(); ++i) states[b * len * n + i] = numeric::to_double(H[i]);
          if (reference) {  // the same inputs (as rounded to T) in 4× the significand, ≥ 200 bits
            std::vector<double> Hd(H.size());
            for (std::size_t i = 0; i < H.size(); ++i) Hd[i] = numeric::to_double(H[i]);
            std::vector<double> Xd(X.size());
            for (std::size_t i = 0; i < X.size(); ++i) Xd[i] = numeric::to_double(X[i]);
            r.err_ref = reference_error(cell, Xd, len, Hd, reference_bits(p));
          }
        }
      },
      &status);

  if (!o.dump_states.empty()) {
    try {
      experiment::write_npy(o.dump_states, {batch, len, n}, states.data(), p.kind == numeric::Precision::Kind::Fp32);
    } catch (const experiment::NpyError& e) {  // the path was checked before the solve: a failed write (exit 1)
      throw CliError(kFailure, fmt::format("error: {}", e.what()));
    }
  }
  // ---- report ----
  int iters = 0;
  bool converged = true, diverged = false, stalled = false;
  double err_seq = 0, err_ref = reference ? 0 : NAN, lyap = 0, resid = 0, violation = 0;
  int resets = 0;
  std::string divergence;
  for (const auto& r : results) {
    iters = std::max(iters, r.rep.iterations);
    converged = converged && r.rep.converged;
    stalled = stalled || r.rep.stalled;
    if (r.rep.diverged && !diverged)
      divergence = fmt::format("sequence {}: {} (iteration {})", &r - results.data(), r.rep.divergence, r.rep.diverged_at);
    diverged = diverged || r.rep.diverged;
    err_seq = std::max(err_seq, r.err_seq);
    if (reference) err_ref = std::max(err_ref, r.err_ref);
    lyap += r.lyapunov / double(batch);
    if (!r.rep.residual.empty()) resid = std::max(resid, r.rep.residual.back());
    violation = std::max(violation, r.rep.structure_violation);
    resets += r.rep.resets;
  }
  const auto& hist = results[0].rep.residual;
  nlohmann::ordered_json j = solve_record_head(cell, len, batch, so, p);
  j["threads"] = solve_threads_used(o, len);  // used (at most one per 16 steps), not the requested count
  j["iterations"] = iters;
  j["converged"] = converged;
  j["diverged"] = diverged;
  j["stalled"] = stalled;
  if (diverged) j["divergence"] = divergence;
  if (so.reset) j["resets"] = resets;
  j["residual"] = resid;
  j["residual_history"] = hist;
  j["max_error_vs_sequential"] = err_seq;
  if (reference) j["max_error_vs_reference"] = err_ref;
  j["lyapunov"] = lyap;
  if (so.check_structure) j["structure_violation"] = violation;
  if (o.grad) {
    double gd = 0, gs = 0, tg = 0, tb = 0;
    for (const auto& r : results) gd = std::max(gd, r.grad_diff), gs = std::max(gs, r.grad_scale), tg += r.t_grad, tb += r.t_bptt;
    j["gradient_max_diff_vs_bptt"] = gd;
    j["gradient_max_abs"] = gs;
    j["seconds_gradient_implicit"] = tg;
    j["seconds_gradient_bptt"] = tb;
  }
  j["seconds_sequential"] = t_seq;
  j["seconds_solve"] = t_solve;
  j["speedup"] = t_solve > 0 ? t_seq / t_solve : 0.0;
  const std::vector<std::string> events = status.events();
  if (!events.empty()) j["events"] = events;
  if (link.active()) {
    link.put("solve", key, j);
    link.finish();
  }
  if (o.fmt.format() == Format::Json) {
    fmt::print("{}\n", j.dump());
  } else if (o.fmt.format() == Format::Csv) {
    Records r({"cell", "hidden", "length", "batch", "method", "precision", "iterations", "converged", "residual",
               "max_error_vs_sequential", "lyapunov", "seconds_sequential", "seconds_solve", "speedup"});
    nlohmann::ordered_json row;
    for (const char* k : {"cell", "hidden", "length", "batch", "method", "precision", "iterations", "converged", "residual",
                          "max_error_vs_sequential", "lyapunov", "seconds_sequential", "seconds_solve", "speedup"})
      row[k] = j[k];
    r.add(row);
    r.print(Format::Csv);
  } else {
    fmt::print("cell        {} (hidden {}, input {}, Jacobian {})\n", j["cell"].get<std::string>(), cell.hidden, cell.input,
               cell.structure().name());
    fmt::print("sequences   {} × T = {}\n", batch, len);
    fmt::print("method      {} from {}, tol {:.3g}, {} threads, {}\n", j["method"].get<std::string>(), so.init.to_string(),
               so.atol, j["threads"].get<int>(), p.to_string());
    fmt::print("iterations  {}{}\n", iters,
               diverged ? "  DIVERGED" : converged ? "  converged" : stalled ? "  stalled: small steps, residual not small" : "  not converged");
    std::vector<std::string> h;
    const std::size_t show = o.show_history ? hist.size() : std::min<std::size_t>(hist.size(), 12);
    for (std::size_t i = 0; i < show; ++i) h.push_back(fmt::format("{:.2e}", hist[i]));
    if (show < hist.size()) h.push_back(fmt::format("… {:.2e}", hist.back()));
    fmt::print("residual    {}\n", fmt::join(h, " "));
    fmt::print("error       {:.3e} vs sequential at {}", err_seq, p.to_string());
    if (reference) fmt::print(", {:.3e} vs a {}-bit MPFR run", err_ref, reference_bits(p));
    fmt::print("\n");
    fmt::print("lyapunov    {:.4f} per step (largest exponent along the sequential trajectory)\n", lyap);
    if (so.check_structure) fmt::print("structure   largest Jacobian entry outside the {} structure: {:.3g}\n", cell.structure().name(), violation);
    fmt::print("time        sequential {:.6f} s, {} {:.6f} s, speed-up {:.2f}×\n", t_seq, j["method"].get<std::string>(), t_solve,
               j["speedup"].get<double>());
    if (o.grad)
      fmt::print("gradient    of Σ h: implicit {:.6f} s, backprop through time {:.6f} s, largest difference {:.3e} (largest entry {:.3e})\n",
                 j["seconds_gradient_implicit"].get<double>(), j["seconds_gradient_bptt"].get<double>(),
                 j["gradient_max_diff_vs_bptt"].get<double>(), j["gradient_max_abs"].get<double>());
    if (!events.empty()) fmt::print("events      {}\n", fmt::join(events, ", "));
    if (diverged) fmt::print("divergence  {}\n", divergence);
  }
  if (diverged) throw CliError(kFailure, "the solver diverged: " + divergence + " (try --method elk, a smaller --gain, or --reset)");
  if (so.check_structure && violation > 0)
    throw CliError(kFailure, fmt::format("the cell's Jacobian has entries outside its declared {} structure (largest {:.3g})",
                                         cell.structure().name(), violation));
}

}  // namespace

void add_solve(CLI::App& app) {
  auto o = std::make_shared<SolveCliOpts>();
  const CLI::Range kSize(std::size_t{1}, std::size_t{1} << 40);
  auto* cmd = app.add_subcommand("solve", "Evaluate a nonlinear RNN in parallel by Newton's method (DEER, ELK, ParaRNN) and compare with the sequential run");
  cmd->add_option("--cell", o->cell,
                  "elman, gru, lstm, paragru, paralstm, argru (random weights from --seed and --gain, or --weights FILE), or a cell JSON file (docs/cells-json.md)")
      ->capture_default_str();
  auto* hid = cmd->add_option("--hidden,-d", o->hidden, "Hidden units")->capture_default_str()->check(kSize);
  auto* inp = cmd->add_option("--input-size,-m", o->input, "Input size")->capture_default_str()->check(kSize);
  auto* len = cmd->add_option("--length,-T", o->length, "Sequence length")->capture_default_str()->check(kSize);
  auto* bat = cmd->add_option("--batch,-B", o->batch, "Independent sequences")->capture_default_str()->check(kSize);
  cmd->add_option("--method", o->method, "sequential, jacobi, deer, quasi-deer, newton, elk, quasi-elk")->capture_default_str();
  cmd->add_option("--tol", o->tol, "Stop when |Δh| ≤ tol + tol·|h| everywhere (default: 2^(−0.8·M) for an M-bit significand)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--iters", o->iters, "Run exactly this many iterations (ParaRNN runs 3), no tolerance test")->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-iter", o->max_iter, "Give up after this many iterations (default T + 1)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--init", o->init, "Initial guess: zeros, f0 (f(0, x_t) at every t) or jacobi:K")->capture_default_str();
  cmd->add_option("--precision,-p", o->precision, "fp64, fp32, bf16, fp16, float:M:E or log:C (see `parallax precisions`)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o->seed, "Seed of the random weights and inputs")->capture_default_str();
  cmd->add_option("--gain", o->gain, "Scale of the random recurrent weights: < 1 contractive, ≫ 1 chaotic")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--input-scale", o->input_scale, "Standard deviation of the random inputs")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--grad", o->grad, "Also the gradient of L = Σ_t Σ_i h_t,i by implicit differentiation at the solution, against backpropagation through time (fp64, fp32)");
  cmd->add_option("--sigma2", o->sigma2, "ELK: damping λ = 1/σ²")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--reset", o->reset, "On divergence reset non-finite or exploded states to the initial guess and go on");
  cmd->add_flag("--allow-long", o->allow_long,
                "Run a solve estimated to take more than 8 hours (refused otherwise, docs/limits.md)");
  cmd->add_flag("--check-structure", o->check_structure, "Verify the cell's declared Jacobian structure against the dense Jacobian");
  cmd->add_option("--weights", o->weights, "Weights of the --cell kind from a cell JSON file");
  cmd->add_option("--inputs", o->inputs, "Inputs as a .npy array of shape (T, m) or (B, T, m)");
  cmd->add_option("--dump-states", o->dump_states, "Write the solved states as a .npy array of shape (B, T, n)");
  cmd->add_option("--reference", o->reference, "Error against a high-precision MPFR sequential run: auto (small runs), on, off")->capture_default_str();
  cmd->add_flag("--history", o->show_history, "Print the whole residual history");
  cmd->add_option("--store", o->store,
                  "SQLite result store (docs/store.md): the record is stored under its length; a rerun of the same "
                  "configuration prints the stored record instead of solving again (resume)");
  add_device_option(*cmd, o->device);
  o->fmt.add_to(*cmd);
  cmd->callback([o, hid, inp, len, bat, cmd] {
    SolveGiven given;
    given.hidden = hid->count() > 0, given.input = inp->count() > 0, given.length = len->count() > 0,
    given.batch = bat->count() > 0, given.sigma2 = cmd->count("--sigma2") > 0, given.threads = cmd->count("--threads") > 0;
    if (!o->dump_states.empty()) io::check_output_path(o->dump_states, "--dump-states");  // before the solve
    if (o->device == "cuda") return run_solve_cuda(*o, given);
    run_solve(*o, given.hidden, given.input, given.length, given.batch);
  });
}

}  // namespace parallax::cli
