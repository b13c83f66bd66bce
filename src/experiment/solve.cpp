// The solve experiment (solve.hpp): options, checks, estimates, records and
// the CPU path; the device path is solve_device.cpp.
#include "experiment/solve.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "experiment/npy.hpp"
#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "models/json_positions.hpp"
#include "numeric/limits.hpp"
#include "solve/device.hpp"
#include "solve/gradient.hpp"
#include "solve/jacobian.hpp"

namespace parallax::experiment::solve {

namespace ps = parallax::solve;

namespace {

bool is_cell_kind(const std::string& name) {
  for (const auto& k : models::cell_kind_names())
    if (k == name) return true;
  return false;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Bytes of one scalar of the solve's arithmetic (BigFloat: MPFR's struct and limbs).
std::uint64_t scalar_bytes(const numeric::Precision& p) {
  using K = numeric::Precision::Kind;
  if (p.kind == K::Fp64) return 8;
  if (p.kind == K::Fp32) return 4;
  if (p.kind == K::Float && p.mantissa <= 53 && p.exponent >= 2 && p.exponent <= 11) return 16;
  return limits::add(64, std::uint64_t(std::max(p.significand_bits(), 64)) / 8);
}

std::size_t method_block(const models::Cell& cell, ps::Method m) {
  const std::size_t n = cell.state_dim();
  switch (m) {
    case ps::Method::Sequential:
    case ps::Method::Jacobi: return 0;
    case ps::Method::QuasiDeer:
    case ps::Method::QuasiElk: return 1;
    case ps::Method::Deer:
    case ps::Method::Elk: return n;
    default: return cell.structure().block_size(n);
  }
}

/// A limit of docs/limits.md on one option, as an OptionError naming it.
void check_limit(std::uint64_t value, std::uint64_t max, const char* option) {
  try {
    limits::check_count(value, max, std::string("--") + option);
  } catch (const limits::LimitError& e) {
    throw OptionError(option, e.what());
  }
}

}  // namespace

void Options::validate() const {
  // sizes and counts (before a random cell's weights are drawn; a cell file is bounded by its reader)
  check_limit(hidden, limits::kMaxModelDim, "hidden");
  check_limit(input, limits::kMaxModelDim, "input-size");
  check_limit(length, limits::kMaxLength, "length");
  check_limit(batch, limits::kMaxTrials, "batch");
  check_limit(static_cast<std::uint64_t>(std::max(threads, 0)), limits::kMaxThreads, "threads");
  check_limit(static_cast<std::uint64_t>(std::max(iters, 0)), limits::kMaxIterations, "iters");
  check_limit(static_cast<std::uint64_t>(std::max(max_iter, 0)), limits::kMaxIterations, "max-iter");
  if (tol >= 1)
    throw OptionError("tol", fmt::format("--tol {}: a tolerance of 1 or more accepts any iterate (a relative change of "
                                         "100 %); give one below 1, or 0 for the precision's default",
                                         tol));
  if (!cell_value && is_cell_kind(cell) && weights.empty()) {
    const auto kind = models::parse_cell_kind(cell);
    const std::size_t m = kind == models::CellKind::ArGru && !given.input ? 1 : input;
    std::uint64_t count = 0;
    for (const auto& p : models::cell_param_shapes(kind, hidden, m)) count = limits::add(count, limits::mul(p.rows, p.cols));
    if (count > limits::kMaxParameters)
      throw OptionError("hidden", fmt::format("--hidden {} with --input-size {}: a random {} cell of {} parameters, above the "
                                              "limit of {} (docs/limits.md)",
                                              hidden, m, cell, count, limits::kMaxParameters));
  }
  // what the command line's own checks hold for its callers (a suite, a program)
  auto non_negative = [](double v, const char* option) {
    if (!(std::isfinite(v) && v >= 0)) throw OptionError(option, fmt::format("--{} {}: give a finite number ≥ 0", option, v));
  };
  non_negative(tol, "tol");
  non_negative(gain, "gain");
  non_negative(input_scale, "input-scale");
  if (!(std::isfinite(sigma2) && sigma2 > 0)) throw OptionError("sigma2", fmt::format("--sigma2 {}: give a finite number > 0", sigma2));
  for (const auto& [v, option] : {std::pair{threads, "threads"}, std::pair{iters, "iters"}, std::pair{max_iter, "max-iter"}})
    if (v < 0) throw OptionError(option, fmt::format("--{} {}: give a number ≥ 0", option, v));
  if (hidden == 0) throw OptionError("hidden", "--hidden must be ≥ 1");
  if (input == 0) throw OptionError("input-size", "--input-size must be ≥ 1");
  if (device != "cpu" && device != "cuda")
    throw OptionError("device", fmt::format("--device '{}': valid values are cpu, cuda", device));
  if (input_values) {
    if (!inputs.empty()) throw OptionError("inputs", "inputs are given twice: from a file and in memory");
    const auto& v = *input_values;
    if (v.batch == 0 || v.length == 0 || v.width == 0)
      throw OptionError("inputs", fmt::format("empty inputs (shape ({}, {}, {}))", v.batch, v.length, v.width));
    check_limit(v.length, limits::kMaxLength, "length");
    check_limit(v.batch, limits::kMaxTrials, "batch");
    check_limit(v.width, limits::kMaxModelDim, "input-size");
  }
  // the cell's name
  if (cell_value) {
    if (!weights.empty()) throw OptionError("weights", "a cell given as a value already holds its weights");
  } else if (!is_cell_kind(cell)) {
    if (!weights.empty()) throw OptionError("weights", "--weights goes with a cell kind; --cell FILE already holds the weights");
    if (cell.find('.') == std::string::npos && cell.find('/') == std::string::npos)
      throw OptionError("cell", fmt::format("--cell: unknown cell '{}' (valid: {}, or a cell JSON file, docs/cells-json.md)",
                                            cell, fmt::join(models::cell_kind_names(), ", ")));
  }
  if (length == 0) throw OptionError("length", "--length must be ≥ 1");
  if (batch == 0) throw OptionError("batch", "--batch must be ≥ 1");
  ps::SolveOptions so = solver_options(*this);  // method, initial guess
  numeric::Precision prec;
  try {
    prec = numeric::Precision::parse(precision);
  } catch (const std::invalid_argument& e) {
    throw OptionError("precision", e.what());
  }
  const bool native = prec.kind == numeric::Precision::Kind::Fp64 || prec.kind == numeric::Precision::Kind::Fp32;
  if (device == "cuda") {
    if (!native) throw OptionError("precision", fmt::format("--precision {}: --device cuda solves in fp32 and fp64", precision));
    try {
      (void)ps::device_newton_options(so);
    } catch (const std::invalid_argument& e) {
      throw OptionError("device", std::string("--device cuda: ") + e.what());
    }
    if (history) throw OptionError("history", "--history: the device keeps no residual history (run on the CPU for it)");
    if (given.sigma2) throw OptionError("sigma2", "--sigma2 is ELK's damping; the device runs newton and quasi-deer");
  } else {
    if (grad && !native) throw OptionError("grad", "--grad runs in fp64 and fp32");
    if (!ps::supports_precision(prec))
      throw OptionError("precision", fmt::format("--precision {}: nonlinear cells need exp and tanh; use fp64, fp32, bf16, "
                                                 "fp16, float:M:E or log:C",
                                                 precision));
  }
  if (reference != "on" && reference != "off" && reference != "auto")
    throw OptionError("reference", fmt::format("--reference '{}': valid values are auto, on, off", reference));
}

Options options_from_json(const nlohmann::ordered_json& entry) {
  Options o;
  for (const auto& item : entry.items()) {
    // named, not structured bindings: the lambdas below capture them (C++20 allows it, clang 14 does not)
    const std::string key = item.key();
    const auto& v = item.value();
    std::string name = key;
    std::replace(name.begin(), name.end(), '_', '-');
    auto fail = [&](const std::string& what) { throw OptionError(key, fmt::format("{}: {} {}", key, v.dump(), what)); };
    auto text = [&]() -> std::string {
      if (!v.is_string()) fail("is not a string");
      return v.get<std::string>();
    };
    // numbers as TOML writes them, or as text (the command line's form, which the suite runner passes on)
    auto count = [&]() -> std::uint64_t {
      if (v.is_number_unsigned()) return v.get<std::uint64_t>();
      if (v.is_number_integer() && v.get<long long>() >= 0) return std::uint64_t(v.get<long long>());
      if (v.is_string()) {
        const auto& t = v.get_ref<const std::string&>();
        if (!t.empty() && t.size() <= 19 && t.find_first_not_of("0123456789") == std::string::npos) return std::stoull(t);
      }
      fail("is not an integer ≥ 0");
      return 0;
    };
    auto integer = [&]() -> int {
      const std::uint64_t c = count();
      if (c > std::uint64_t(std::numeric_limits<int>::max())) fail("is too large");
      return int(c);
    };
    auto number = [&]() -> double {
      if (v.is_number()) return v.get<double>();
      if (v.is_string()) {
        const auto& t = v.get_ref<const std::string&>();
        char* end = nullptr;
        const double x = std::strtod(t.c_str(), &end);
        if (!t.empty() && end == t.c_str() + t.size()) return x;
      }
      fail("is not a number");
      return 0;
    };
    auto flag = [&]() -> bool {
      if (!v.is_boolean()) fail("is not true or false");
      return v.get<bool>();
    };
    if (name == "cell") {
      o.cell = text();
      namespace fs = std::filesystem;
      if (!is_cell_kind(o.cell) && !fs::exists(o.cell))
        throw OptionError(key, fmt::format("cell '{}' is neither a cell kind ({}) nor a file", o.cell,
                                           fmt::join(models::cell_kind_names(), ", ")));
    } else if (name == "hidden") {
      o.hidden = count(), o.given.hidden = true;
    } else if (name == "input-size") {
      o.input = count(), o.given.input = true;
    } else if (name == "length") {
      o.given.length = true;
      o.length = 0;
      for (const auto& x : v.is_array() ? v : nlohmann::ordered_json::array({v})) {
        if (!x.is_number_integer() || x.get<long long>() < 1 || std::uint64_t(x.get<long long>()) > limits::kMaxLength)
          throw OptionError(key, fmt::format("{}: {} is not an integer from 1 to {}", key, x.dump(), limits::kMaxLength));
        o.length = std::max<std::size_t>(o.length, x.get<long long>());
      }
    } else if (name == "batch") {
      o.batch = count(), o.given.batch = true;
    } else if (name == "method") {
      o.method = text();
      try {
        ps::parse_method(o.method);
      } catch (const std::exception& e) {
        throw OptionError(key, fmt::format("{}: {}", key, e.what()));
      }
    } else if (name == "tol") {
      o.tol = number();
    } else if (name == "iters") {
      o.iters = integer();
    } else if (name == "max-iter") {
      o.max_iter = integer();
    } else if (name == "init") {
      o.init = text();
    } else if (name == "precision") {
      o.precision = text();
      numeric::Precision p;
      try {
        p = numeric::Precision::parse(o.precision);
      } catch (const std::exception& e) {
        throw OptionError(key, fmt::format("{}: {}", key, e.what()));
      }
      if (!ps::supports_precision(p))
        throw OptionError(key, fmt::format("precision {} is impossible for a nonlinear cell (it needs exp and tanh): use "
                                           "fp64, fp32, bf16, fp16, float:M:E or log:C",
                                           p.to_string()));
    } else if (name == "threads") {
      o.threads = integer();
    } else if (name == "seed") {
      o.seed = count();
    } else if (name == "gain") {
      o.gain = number();
    } else if (name == "input-scale") {
      o.input_scale = number();
    } else if (name == "grad") {
      o.grad = flag();
    } else if (name == "sigma2") {
      o.sigma2 = number(), o.given.sigma2 = true;
    } else if (name == "reset") {
      o.reset = flag();
    } else if (name == "check-structure") {
      o.check_structure = flag();
    } else if (name == "allow-long") {
      o.allow_long = flag();
    } else if (name == "history") {
      o.history = flag();
    } else if (name == "weights") {
      o.weights = text();
    } else if (name == "inputs") {
      o.inputs = text();
    } else if (name == "reference") {
      o.reference = text();
    } else if (name == "device") {
      o.device = text();
    } else {
      throw OptionError(key, fmt::format("'{}' is not an option of solve", key));
    }
  }
  return o;
}

models::Cell make_cell(const Options& o) {
  try {
    if (o.cell_value) {
      models::validate(*o.cell_value);
      return *o.cell_value;
    }
    models::Cell c;
    const bool is_kind = is_cell_kind(o.cell);
    if (!is_kind) {
      c = models::load_cell(o.cell);
    } else if (!o.weights.empty()) {
      const auto kind = models::parse_cell_kind(o.cell);
      c = models::load_cell(o.weights, &kind);
    } else {
      const auto kind = models::parse_cell_kind(o.cell);
      // the autoregressive GRU takes one external input (added to its fed-back readout)
      const std::size_t m = kind == models::CellKind::ArGru && !o.given.input ? 1 : o.input;
      c = models::random_cell(kind, o.hidden, m, o.seed, o.gain);
      for (const auto& p : c.params)
        for (const double v : p.values)
          if (!std::isfinite(v))
            throw OptionError("gain", fmt::format("--gain {}: the random weights overflow (weight '{}' is not a finite "
                                                  "number); give a smaller gain",
                                                  o.gain, p.name));
    }
    if (!is_kind || !o.weights.empty()) {
      if (o.given.hidden && c.hidden != o.hidden)
        throw OptionError("hidden", fmt::format("--hidden {} disagrees with the cell file's hidden size {}", o.hidden, c.hidden));
      if (o.given.input && c.input != o.input)
        throw OptionError("input-size", fmt::format("--input-size {} disagrees with the cell file's input size {}", o.input, c.input));
    }
    models::validate(c);
    return c;
  } catch (const models::CellError& e) {
    throw OptionError(o.weights.empty() ? "cell" : "weights", e.what());
  }
}

std::vector<double> make_inputs(const Options& o, const models::Cell& c, std::size_t& batch, std::size_t& len) {
  if (o.input_values) {
    const auto& v = *o.input_values;
    if (v.width != c.input)
      throw OptionError("inputs", fmt::format("inputs must have shape (T, {}) or (B, T, {}) for this cell; they have width {}",
                                              c.input, c.input, v.width));
    if (o.given.length && v.length != o.length)
      throw OptionError("length", fmt::format("length {} disagrees with the inputs' T = {}", o.length, v.length));
    if (o.given.batch && v.batch != o.batch)
      throw OptionError("batch", fmt::format("batch {} disagrees with the inputs' B = {}", o.batch, v.batch));
    const std::size_t count = v.batch * v.length * v.width;
    for (std::size_t i = 0; i < count; ++i)
      if (!std::isfinite(v.data[i])) throw OptionError("inputs", fmt::format("input value {} is not finite", i));
    batch = v.batch, len = v.length;
    return std::vector<double>(v.data, v.data + count);
  }
  if (o.inputs.empty()) {
    std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
    std::normal_distribution<double> g;
    std::vector<double> x(batch * len * c.input);
    for (auto& v : x) {
      v = o.input_scale * g(rng);
      if (!std::isfinite(v))
        throw OptionError("input-scale", fmt::format("--input-scale {}: the random inputs overflow (a draw times the scale "
                                                     "is not a finite number); give a smaller scale",
                                                     o.input_scale));
    }
    return x;
  }
  NpyArray a;
  try {
    a = read_npy(o.inputs);
  } catch (const NpyError& e) {
    throw OptionError("inputs", e.what());
  }
  const auto& s = a.shape;
  if ((s.size() != 2 && s.size() != 3) || s.back() != c.input)
    throw OptionError("inputs", fmt::format("{}: inputs must have shape (T, {}) or (B, T, {}) for this cell; the file has shape ({})",
                                            o.inputs, c.input, c.input, fmt::join(s, ", ")));
  const std::size_t B = s.size() == 3 ? s[0] : 1, T = s[s.size() - 2];
  if (T == 0 || B == 0) throw OptionError("inputs", fmt::format("{}: empty inputs (shape ({}))", o.inputs, fmt::join(s, ", ")));
  if (o.given.length && T != len) throw OptionError("length", fmt::format("--length {} disagrees with the inputs' T = {}", len, T));
  if (o.given.batch && B != batch) throw OptionError("batch", fmt::format("--batch {} disagrees with the inputs' B = {}", batch, B));
  for (std::size_t i = 0; i < a.data.size(); ++i)
    if (!std::isfinite(a.data[i])) throw OptionError("inputs", fmt::format("{}: input value {} is not finite", o.inputs, i));
  batch = B, len = T;
  return a.data;
}

void describe_solve(Record& rec, const models::Cell& cell, std::size_t len, std::size_t batch,
                    const ps::SolveOptions& so, const numeric::Precision& p) {
  rec.cell = models::cell_kind_name(cell.kind);
  rec.hidden = cell.hidden;
  rec.input = cell.input;
  rec.structure = cell.structure().name();
  rec.length = len;
  rec.batch = batch;
  rec.method = ps::method_name(so.method);
  rec.init = so.init.to_string();
  rec.precision = p.to_string();
  rec.tol = so.atol;
}

ps::SolveOptions solver_options(const Options& o) {
  ps::SolveOptions so;
  try {
    so.method = ps::parse_method(o.method);
  } catch (const std::invalid_argument& e) {
    throw OptionError("method", e.what());
  }
  try {
    so.init = ps::InitSpec::parse(o.init);
  } catch (const std::invalid_argument& e) {
    throw OptionError("init", e.what());
  }
  so.fixed_iters = o.iters;
  so.max_iter = o.max_iter;
  so.sigma2 = o.sigma2;
  so.reset = o.reset;
  so.check_structure = o.check_structure;
  so.scan.threads = o.threads;
  return so;
}

bool reference_on(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len) {
  const double n = double(cell.state_dim()), m = double(cell.input);
  return o.reference == "on" || (o.reference == "auto" && double(len) * n * (n + m) * double(batch) <= 2e6);
}

int threads_used(const Options& o, std::size_t len) {
  const std::size_t want = static_cast<std::size_t>(o.threads > 0 ? o.threads : omp_get_max_threads());
  return static_cast<int>(std::max<std::size_t>(1, std::min(want, len / 16)));
}

double default_tol(const numeric::Precision& p, std::size_t len) {
  const int M = p.resolve(std::max<std::size_t>(len, 2)).significand_bits();
  return std::max(std::ldexp(1.0, -static_cast<int>(0.8 * M)), 1e-300);
}

int reference_bits(const numeric::Precision& p) { return std::max(200, 4 * p.significand_bits()); }

double reference_error(const models::Cell& cell, const std::vector<double>& Xd, std::size_t len, const std::vector<double>& Hd,
                       int bits) {
  double e = 0;
  ps::dispatch_float(numeric::Precision::parse(fmt::format("float:{}:0", bits)), [&](auto tag) {
    using R = typename decltype(tag)::type;
    std::vector<R> XR, h0R, refR;
    for (double v : Xd) XR.push_back(ps::from_double<R>(v));
    for (double v : cell.h0) h0R.push_back(ps::from_double<R>(v));
    ps::run_sequential(cell, XR, len, h0R, refR);
    for (std::size_t i = 0; i < refR.size(); ++i) e = std::max(e, std::fabs(Hd[i] - numeric::to_double(refR[i])));
  });
  return e;
}

// --- estimates -----------------------------------------------------------------

std::uint64_t estimated_bytes(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                              const ps::SolveOptions& so, const numeric::Precision& p, bool reference, bool device) {
  using limits::add;
  using limits::mul;
  const std::uint64_t s = scalar_bytes(p), n = cell.state_dim(), m = cell.input, T = len, B = batch;
  const std::uint64_t k = method_block(cell, so.method), P = cell.param_count();
  const std::uint64_t threads = std::max<std::uint64_t>(1, o.threads > 0 ? std::uint64_t(o.threads) : std::uint64_t(omp_get_max_threads()));
  const std::uint64_t Tn = mul(T, n), Tm = mul(T, m);
  // the cell: its weights, and as T and dual numbers in a few evaluators
  std::uint64_t bytes = mul(P, add(8, mul(12, s)));
  // all sequences at once: the inputs (doubles), the kept states, one record each
  bytes = add(bytes, mul(mul(B, Tm), 8));
  if (o.keep_states) bytes = add(bytes, mul(mul(B, Tn), 8));
  bytes = add(bytes, mul(B, 512));
  // one sequence at a time: X, the sequential reference run, H, F, the next iterate, the offsets and the reset copy
  std::uint64_t seq = mul(add(Tm, mul(Tn, o.reset ? 6 : 5)), s);
  seq = add(seq, mul(mul(Tn, k), s));  // A_t: len·n·k
  if (so.method == ps::Method::Elk || so.method == ps::Method::QuasiElk) {
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

void check_memory(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len, const ps::SolveOptions& so,
                  const numeric::Precision& p, bool reference, bool device) {
  const std::size_t k = method_block(cell, so.method);
  limits::check_memory(
      estimated_bytes(o, cell, batch, len, so, p, reference, device),
      fmt::format("the solve of --batch {} × --length {} with --hidden {} (state {}, {}{}{}{})", batch, len, cell.hidden,
                  cell.state_dim(), ps::method_name(so.method),
                  k > 1 ? fmt::format(": {}×{} Jacobian blocks per step", k, k) : "", o.grad ? ", --grad" : "",
                  reference ? ", the MPFR reference (--reference off leaves it out)" : ""));
}

double estimated_seconds(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                         const ps::SolveOptions& so, const numeric::Precision& p, bool reference, int& iterations) {
  using K = numeric::Precision::Kind;
  const double n = double(cell.state_dim()), m = double(cell.input), k = double(method_block(cell, so.method));
  const double T = double(len), B = double(batch);
  // flops of one step: the cell (a few gate matrices) and, for Newton-type
  // methods, the scan's composition of k×k Jacobian blocks
  const double step = 6 * n * (n + m) + 2 * n * k * k;
  if (so.method == ps::Method::Sequential) iterations = 1;
  else if (so.fixed_iters > 0) iterations = so.fixed_iters;
  else {
    const double cap = so.max_iter > 0 ? double(so.max_iter) : T + 1;
    iterations = int(std::min(cap, 2 + std::ceil(std::log2(T + 1))));
  }
  // measured on this project's solver (fp64, one thread): about 1e8 flop/s
  // for dense DEER; emulated floats about 10× and MPFR about 50× slower
  const bool native = p.kind == K::Fp64 || p.kind == K::Fp32;
  const bool emulated = p.kind == K::Float && p.mantissa <= 53 && p.exponent >= 2 && p.exponent <= 11;
  const double rate = (native ? 1e8 : emulated ? 1e7 : 2e6) * double(threads_used(o, len));
  double seconds = B * T * step * double(iterations) / rate;
  if (reference) seconds += B * T * 6 * n * (n + m) / 2e6;
  return seconds;
}

void check_time(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len, const ps::SolveOptions& so,
                const numeric::Precision& p, bool reference) {
  if (o.allow_long) return;
  int iterations = 0;
  const double seconds = estimated_seconds(o, cell, batch, len, so, p, reference, iterations);
  if (seconds <= double(limits::kMaxSweepSeconds)) return;
  const std::string took = seconds < 2 * 86400 ? fmt::format("{:.1f} hours", seconds / 3600)
                                               : fmt::format("{:.0f} days", seconds / 86400);
  throw limits::LimitError(fmt::format(
      "--hidden {} --length {} --batch {} --method {} --precision {}: the solve would take at least about {} ({} "
      "iteration{} of {} steps{}), more than the {} hours allowed without --allow-long; give --allow-long to run it "
      "anyway, or a smaller --hidden / --length (docs/limits.md)",
      cell.hidden, len, batch, ps::method_name(so.method), p.to_string(), took, iterations, iterations == 1 ? "" : "s",
      len, method_block(cell, so.method) > 1 ? fmt::format(" with {0}×{0} Jacobian blocks", method_block(cell, so.method)) : "",
      limits::kMaxSweepSeconds / 3600));
}

// --- records -------------------------------------------------------------------

nlohmann::json store_config(const Options& o, const models::Cell& cell, std::size_t batch, const numeric::Precision& prec) {
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
      if (const auto text = models::read_text_file(path)) j[field] = content_hash(*text);
  if (o.cell_value) j["cell_fnv1a"] = content_hash(models::cell_to_json(*o.cell_value));
  if (o.input_values) {
    const auto& v = *o.input_values;
    j["inputs_fnv1a"] = content_hash(std::string_view(reinterpret_cast<const char*>(v.data), v.batch * v.length * v.width * sizeof(double)));
  }
  return j;
}

std::string record_key(std::size_t length) { return fmt::format("solve/T={}", length); }

std::optional<Result> stored_result(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                                    const numeric::Precision& prec, const Hooks& hooks) {
  if (!hooks.stored) return std::nullopt;
  auto stored = hooks.stored(store_config(o, cell, batch, prec), record_key(len));
  if (!stored) return std::nullopt;
  Result result;
  result.record = std::move(*stored);
  result.resumed = true;
  result.state_dim = cell.state_dim();
  return result;
}

nlohmann::ordered_json to_json(const Record& r) {
  nlohmann::ordered_json j;
  if (r.device) {
    j["device"] = "cuda";
    j["gpu"] = r.device->gpu;
  }
  j["cell"] = r.cell;
  j["hidden"] = r.hidden;
  j["input"] = r.input;
  j["structure"] = r.structure;
  j["length"] = r.length;
  j["batch"] = r.batch;
  j["method"] = r.method;
  j["init"] = r.init;
  j["precision"] = r.precision;
  j["tol"] = r.tol;
  if (const auto& d = r.device) {
    if (d->fixed_iters) j["fixed_iters"] = *d->fixed_iters;
    j["iterations"] = r.iterations;
    j["iterations_per_sequence"] = d->iterations_per_sequence;
    j["converged"] = r.converged;
    j["converged_sequences"] = d->converged_sequences;
    j["diverged"] = r.diverged;
    j["nonfinite_sequences"] = d->nonfinite_sequences;
    if (r.divergence) j["divergence"] = *r.divergence;
    j["max_error_vs_sequential"] = r.max_error_vs_sequential;
    j["max_error_vs_device_sequential"] = d->max_error_vs_device_sequential;
    j["device_sequential_vs_cpu"] = d->device_sequential_vs_cpu;
    if (r.max_error_vs_reference) j["max_error_vs_reference"] = *r.max_error_vs_reference;
    j["ms_newton"] = d->ms_newton;
    j["ms_newton_total"] = d->ms_newton_total;
    j["ms_sequential"] = d->ms_sequential;
    j["ms_sequential_total"] = d->ms_sequential_total;
    j["seconds_solve"] = r.seconds_solve;
    j["seconds_sequential"] = r.seconds_sequential;
    j["seconds_sequential_cpu"] = d->seconds_sequential_cpu;
    j["speedup"] = r.speedup;
    j["speedup_vs_cpu"] = d->speedup_vs_cpu;
    if (r.gradient_max_diff_vs_bptt) {
      j["gradient_max_diff_vs_bptt"] = *r.gradient_max_diff_vs_bptt;
      j["gradient_max_abs"] = r.gradient_max_abs.value_or(NAN);
      j["adjoint_max_diff_vs_cpu"] = d->adjoint_max_diff_vs_cpu.value_or(NAN);
      j["ms_adjoint"] = d->ms_adjoint.value_or(NAN);
      j["ms_adjoint_total"] = d->ms_adjoint_total.value_or(NAN);
      j["seconds_gradient_host"] = d->seconds_gradient_host.value_or(NAN);
      j["seconds_gradient_bptt"] = r.seconds_gradient_bptt.value_or(NAN);
    }
    return j;
  }
  j["threads"] = r.threads;
  j["iterations"] = r.iterations;
  j["converged"] = r.converged;
  j["diverged"] = r.diverged;
  j["stalled"] = r.stalled;
  if (r.divergence) j["divergence"] = *r.divergence;
  if (r.resets) j["resets"] = *r.resets;
  j["residual"] = r.residual;
  j["residual_history"] = r.residual_history;
  j["max_error_vs_sequential"] = r.max_error_vs_sequential;
  if (r.max_error_vs_reference) j["max_error_vs_reference"] = *r.max_error_vs_reference;
  j["lyapunov"] = r.lyapunov;
  if (r.structure_violation) j["structure_violation"] = *r.structure_violation;
  if (r.gradient_max_diff_vs_bptt) {
    j["gradient_max_diff_vs_bptt"] = *r.gradient_max_diff_vs_bptt;
    j["gradient_max_abs"] = r.gradient_max_abs.value_or(NAN);
    j["seconds_gradient_implicit"] = r.seconds_gradient_implicit.value_or(NAN);
    j["seconds_gradient_bptt"] = r.seconds_gradient_bptt.value_or(NAN);
  }
  j["seconds_sequential"] = r.seconds_sequential;
  j["seconds_solve"] = r.seconds_solve;
  j["speedup"] = r.speedup;
  if (!r.events.empty()) j["events"] = r.events;
  return j;
}

SolvePoint solve_point_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  SolvePoint p;
  p.cell = f.text("cell");
  p.method = f.text_or_null("method").value_or("");
  p.precision = f.text_or_null("precision").value_or("");
  p.hidden = f.count_or_null("hidden").value_or(0);
  p.length = f.count("length");
  p.iterations = f.number_or_null("iterations");
  p.status = f.flag_or_null("converged").value_or(false)  ? "converged"
             : f.flag_or_null("diverged").value_or(false) ? "diverged"
             : f.flag_or_null("stalled").value_or(false)  ? "stalled"
                                                          : "not converged";
  p.residual = f.number_or_null("residual");
  p.max_error = f.number_or_null("max_error_vs_sequential");
  p.speedup = f.number_or_null("speedup");
  return p;
}

Record record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  // a measurement: a number, or null where it was not finite
  auto measured = [&](const char* field) {
    if (!j.contains(field)) f.fail(field, "a number or null");
    return f.number_or_null(field).value_or(NAN);
  };
  auto optional_measured = [&](const char* field) -> std::optional<double> {
    if (!j.contains(field)) return std::nullopt;
    return f.number_or_null(field).value_or(NAN);
  };
  auto integer = [&](const char* field) {
    const auto v = f.count(field);
    if (v > std::uint64_t(std::numeric_limits<int>::max())) f.fail(field, "an integer of at most 2^31 − 1");
    return int(v);
  };
  auto numbers = [&](const char* field) {
    std::vector<double> out;
    if (!j.contains(field) || !j.at(field).is_array()) f.fail(field, "an array of numbers");
    for (const auto& x : j.at(field)) {
      if (!x.is_number() && !x.is_null()) f.fail(field, "an array of numbers");
      out.push_back(x.is_null() ? NAN : x.get<double>());
    }
    return out;
  };
  Record r;
  r.cell = f.text("cell");
  r.hidden = f.count("hidden");
  r.input = f.count("input");
  r.structure = f.text("structure");
  r.length = f.count("length");
  r.batch = f.count("batch");
  r.method = f.text("method");
  r.init = f.text("init");
  r.precision = f.text("precision");
  r.tol = f.number("tol");
  r.iterations = integer("iterations");
  r.converged = f.flag("converged");
  r.diverged = f.flag("diverged");
  r.divergence = f.text_or_null("divergence");
  r.max_error_vs_sequential = measured("max_error_vs_sequential");
  r.max_error_vs_reference = optional_measured("max_error_vs_reference");
  r.seconds_sequential = measured("seconds_sequential");
  r.seconds_solve = measured("seconds_solve");
  r.speedup = measured("speedup");
  r.gradient_max_diff_vs_bptt = optional_measured("gradient_max_diff_vs_bptt");
  r.gradient_max_abs = optional_measured("gradient_max_abs");
  r.seconds_gradient_bptt = optional_measured("seconds_gradient_bptt");
  if (j.contains("device")) {
    if (f.text("device") != "cuda") f.fail("device", "\"cuda\"");
    Record::Device d;
    d.gpu = f.text("gpu");
    if (j.contains("fixed_iters")) d.fixed_iters = integer("fixed_iters");
    if (!j.contains("iterations_per_sequence") || !j.at("iterations_per_sequence").is_array())
      f.fail("iterations_per_sequence", "an array of integers");
    for (const auto& x : j.at("iterations_per_sequence")) {
      if (!x.is_number_integer()) f.fail("iterations_per_sequence", "an array of integers");
      d.iterations_per_sequence.push_back(x.get<int>());
    }
    d.converged_sequences = integer("converged_sequences");
    d.nonfinite_sequences = integer("nonfinite_sequences");
    d.max_error_vs_device_sequential = measured("max_error_vs_device_sequential");
    d.device_sequential_vs_cpu = measured("device_sequential_vs_cpu");
    d.ms_newton = measured("ms_newton");
    d.ms_newton_total = measured("ms_newton_total");
    d.ms_sequential = measured("ms_sequential");
    d.ms_sequential_total = measured("ms_sequential_total");
    d.seconds_sequential_cpu = measured("seconds_sequential_cpu");
    d.speedup_vs_cpu = measured("speedup_vs_cpu");
    d.adjoint_max_diff_vs_cpu = optional_measured("adjoint_max_diff_vs_cpu");
    d.ms_adjoint = optional_measured("ms_adjoint");
    d.ms_adjoint_total = optional_measured("ms_adjoint_total");
    d.seconds_gradient_host = optional_measured("seconds_gradient_host");
    r.device = std::move(d);
    return r;
  }
  r.threads = integer("threads");
  r.stalled = f.flag("stalled");
  if (j.contains("resets")) r.resets = integer("resets");
  r.residual = measured("residual");
  r.residual_history = numbers("residual_history");
  r.lyapunov = measured("lyapunov");
  r.structure_violation = optional_measured("structure_violation");
  r.seconds_gradient_implicit = optional_measured("seconds_gradient_implicit");
  if (j.contains("events")) {
    if (!j.at("events").is_array()) f.fail("events", "an array of strings");
    for (const auto& x : j.at("events")) {
      if (!x.is_string()) f.fail("events", "an array of strings");
      r.events.push_back(x.get<std::string>());
    }
  }
  return r;
}

// --- the run on CPU threads ----------------------------------------------------

namespace {

struct BatchResult {
  ps::SolveReport rep;
  double err_seq = 0, err_ref = NAN, lyapunov = NAN;
  double grad_diff = NAN, grad_scale = NAN, t_grad = 0, t_bptt = 0;
};

}  // namespace

Result run(const Options& o, const Hooks& hooks) {
  o.validate();
  if (o.device == "cuda") return run_on_device(o, hooks);
  const models::Cell cell = make_cell(o);
  std::size_t batch = o.batch, len = o.length;
  const numeric::Precision prec = numeric::Precision::parse(o.precision);
  ps::SolveOptions so = solver_options(o);
  so.scan.poll = hooks.poll;
  auto check_sizes = [&] {  // the sizes of the options (and again those of an inputs file)
    check_memory(o, cell, batch, len, so, prec.resolve(std::max<std::size_t>(len, 2)), reference_on(o, cell, batch, len), false);
    check_time(o, cell, batch, len, so, prec.resolve(std::max<std::size_t>(len, 2)), reference_on(o, cell, batch, len));
  };
  if (o.input_values) batch = o.input_values->batch, len = o.input_values->length;  // sizes known before the copy
  if (o.inputs.empty()) check_sizes();
  const std::vector<double> Xall = make_inputs(o, cell, batch, len);
  if (!o.inputs.empty()) check_sizes();
  const numeric::Precision p = prec.resolve(len);
  so.atol = so.rtol = o.tol > 0 ? o.tol : default_tol(p, len);
  const std::size_t n = cell.state_dim(), m = cell.input;
  const bool reference = reference_on(o, cell, batch, len);

  if (auto stored = stored_result(o, cell, batch, len, prec, hooks)) return std::move(*stored);
  Result result;
  result.state_dim = n;
  std::vector<BatchResult> results(batch);
  std::vector<double>& states = result.states;
  states.assign(o.keep_states ? batch * len * n : 0, 0.0);
  double t_seq = 0, t_solve = 0;
  numeric::Status status;
  ps::dispatch_float(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        std::vector<T> h0;
        for (double v : cell.h0) h0.push_back(ps::from_double<T>(v));
        for (std::size_t b = 0; b < batch; ++b) {
          if (hooks.poll) hooks.poll();
          std::vector<T> X;
          X.reserve(len * m);
          for (std::size_t i = 0; i < len * m; ++i) X.push_back(ps::from_double<T>(Xall[b * len * m + i]));
          std::vector<T> ref, H;
          auto t0 = std::chrono::steady_clock::now();
          ps::run_sequential(cell, X, len, h0, ref);
          t_seq += seconds_since(t0);
          t0 = std::chrono::steady_clock::now();
          BatchResult& r = results[b];
          r.rep = ps::solve(cell, X, len, h0, H, so);
          t_solve += seconds_since(t0);
          for (std::size_t i = 0; i < H.size(); ++i)
            r.err_seq = std::max(r.err_seq, std::fabs(numeric::to_double(H[i]) - numeric::to_double(ref[i])));
          r.lyapunov = ps::lyapunov_exponent(cell, X, len, h0, ref);
          if constexpr (ps::has_gradients_v<T>) {
            if (o.grad && !r.rep.diverged) {  // L = Σ_t Σ_i h_t,i
              const std::vector<T> G(len * n, numeric::one<T>());
              auto t1 = std::chrono::steady_clock::now();
              const auto gi = ps::implicit_gradients(cell, X, len, h0, H, G, so.scan);
              r.t_grad = seconds_since(t1);
              t1 = std::chrono::steady_clock::now();
              const auto gb = ps::backprop_sequential(cell, X, len, h0, G);
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
            if (hooks.poll) hooks.poll();
            std::vector<double> Hd(H.size());
            for (std::size_t i = 0; i < H.size(); ++i) Hd[i] = numeric::to_double(H[i]);
            std::vector<double> Xd(X.size());
            for (std::size_t i = 0; i < X.size(); ++i) Xd[i] = numeric::to_double(X[i]);
            r.err_ref = reference_error(cell, Xd, len, Hd, reference_bits(p));
          }
        }
      },
      &status);

  // ---- the record ----
  Record& rec = result.record;
  describe_solve(rec, cell, len, batch, so, p);
  rec.threads = threads_used(o, len);
  rec.converged = true;
  double err_ref = reference ? 0 : NAN;
  int resets = 0;
  for (const auto& r : results) {
    rec.iterations = std::max(rec.iterations, r.rep.iterations);
    rec.converged = rec.converged && r.rep.converged;
    rec.stalled = rec.stalled || r.rep.stalled;
    if (r.rep.diverged && !rec.diverged)
      rec.divergence = fmt::format("sequence {}: {} (iteration {})", &r - results.data(), r.rep.divergence, r.rep.diverged_at);
    rec.diverged = rec.diverged || r.rep.diverged;
    rec.max_error_vs_sequential = std::max(rec.max_error_vs_sequential, r.err_seq);
    if (reference) err_ref = std::max(err_ref, r.err_ref);
    rec.lyapunov += r.lyapunov / double(batch);
    if (!r.rep.residual.empty()) rec.residual = std::max(rec.residual, r.rep.residual.back());
    rec.structure_violation = std::max(rec.structure_violation.value_or(0), r.rep.structure_violation);
    resets += r.rep.resets;
  }
  if (!so.check_structure) rec.structure_violation.reset();
  if (so.reset) rec.resets = resets;
  if (reference) rec.max_error_vs_reference = err_ref;
  rec.residual_history = results[0].rep.residual;
  if (o.grad) {
    double gd = 0, gs = 0, tg = 0, tb = 0;
    for (const auto& r : results) gd = std::max(gd, r.grad_diff), gs = std::max(gs, r.grad_scale), tg += r.t_grad, tb += r.t_bptt;
    rec.gradient_max_diff_vs_bptt = gd;
    rec.gradient_max_abs = gs;
    rec.seconds_gradient_implicit = tg;
    rec.seconds_gradient_bptt = tb;
  }
  rec.seconds_sequential = t_seq;
  rec.seconds_solve = t_solve;
  rec.speedup = t_solve > 0 ? t_seq / t_solve : 0.0;
  rec.events = status.events();
  if (hooks.on_record) hooks.on_record(record_key(len), rec);
  return result;
}

}  // namespace parallax::experiment::solve
