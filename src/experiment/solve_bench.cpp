// `bench solve` (solve_bench.hpp): the CPU's sweep of child processes, and
// the device's sweep (kernels/cuda/api.hpp) in this process.
#include "experiment/solve_bench.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "kernels/cuda/api.hpp"
#include "numeric/limits.hpp"
#include "solve/device.hpp"
#include "solve/jacobian.hpp"

namespace parallax::experiment::solve {

void BenchOptions::validate() const {
  limits::check_count(threads.size(), limits::kMaxListItems, "--threads (the number of thread counts)");
  for (const int t : threads) limits::check_count(static_cast<std::uint64_t>(std::max(t, 0)), limits::kMaxThreads, "--threads");
}

std::vector<std::string> BenchConfig::solve_args() const {
  std::vector<std::string> args{"solve", "--cell", cell, "--hidden", std::to_string(hidden), "--input-size",
                                std::to_string(input), "--length", std::to_string(length), "--batch",
                                std::to_string(batch), "--method", method, "--gain", fmt::format("{}", gain),
                                "--threads", std::to_string(threads), "--reference", "off", "--json", "--max-iter",
                                std::to_string(max_iter)};
  for (std::size_t a = 0, b; a < extra.size(); a = b + 1) {
    b = extra.find(' ', a);
    if (b == std::string::npos) b = extra.size();
    if (b > a) args.push_back(extra.substr(a, b - a));
  }
  return args;
}

std::vector<BenchConfig> bench_configs(const BenchOptions& o) {
  std::vector<BenchConfig> v;
  std::vector<std::size_t> lengths;
  const std::size_t longest = o.quick ? std::min<std::size_t>(10000, o.max_length) : o.max_length;
  for (std::size_t T = 100; T <= longest; T *= 10) lengths.push_back(T);
  auto sweep = [&](const std::string& group, const std::string& cell, std::size_t d, const std::string& method, double gain,
                   std::size_t max_T, const std::string& extra = "") {
    for (std::size_t T : lengths)
      if (T <= max_T)
        for (int th : o.threads) v.push_back({group, cell, d, 2, T, 1, method, gain, th, extra});
  };
  // ParaRNN's cells with their exact structured Newton (3 iterations, as ParaRNN runs it, and to tolerance)
  sweep("pararnn", "paragru", 16, "newton", 0.9, o.max_length, "--iters 3");
  sweep("pararnn", "paragru", 16, "newton", 0.9, o.max_length);
  sweep("pararnn", "paralstm", 16, "newton", 0.9, o.max_length);
  // dense GRU: quasi-DEER (diagonal), and full DEER for a small d
  const std::size_t tenth = std::max<std::size_t>(100, o.max_length / 10);
  sweep("gru", "gru", 16, "quasi-deer", 0.9, tenth);
  sweep("gru", "gru", 4, "deer", 0.9, tenth);
  // large gain: what DEER and quasi-DEER do, and ELK
  sweep("large-gain", "gru", 8, "quasi-deer", 3.0, o.quick ? 1000 : 100000);
  sweep("large-gain", "gru", 8, "deer", 3.0, o.quick ? 1000 : 10000);
  sweep("large-gain", "gru", 8, "quasi-elk", 3.0, o.quick ? 1000 : 100000, "--sigma2 1e4");
  sweep("large-gain", "gru", 8, "elk", 3.0, o.quick ? 1000 : 10000);
  // predictability: a contractive (largest Lyapunov exponent < 0) and a
  // chaotic (> 0) Elman network with weak inputs; iterations vs T
  for (double gain : {0.5, 2.0})
    for (std::size_t T : lengths)
      if (T <= (gain < 1 ? std::min<std::size_t>(o.max_length, 100000) : std::size_t{1000}))
        v.push_back({"predictability", "elman", 64, 2, T, 1, "quasi-elk", gain, o.threads.back(),
                     "--input-scale 0.1 --sigma2 1e4", static_cast<int>(std::max<std::size_t>(500, 2 * T + 10))});
  // DEER's demo setting: GRU, input 2, batch 16, T = 10⁴
  for (std::size_t d : o.quick ? std::vector<std::size_t>{1, 4} : std::vector<std::size_t>{1, 4, 8, 32})
    for (int th : o.threads)
      v.push_back({"deer-demo", "gru", d, 2, std::min<std::size_t>(o.quick ? 1000 : 10000, longest), 16, d <= 8 ? "deer" : "quasi-deer",
                   0.9, th, ""});
  // ELK's setting: untrained GRU, d ∈ {8, 16, 32, 64}, T up to 10⁶ (quasi-ELK: diagonal)
  for (std::size_t d : o.quick ? std::vector<std::size_t>{8} : std::vector<std::size_t>{8, 16, 32, 64})
    for (std::size_t T : lengths)
      if (T >= 1000 && T <= (d <= 16 ? o.max_length : o.max_length / 10))
        v.push_back({"elk", "gru", d, 2, T, 1, "quasi-elk", 0.9, o.threads.back(), ""});
  return v;
}

std::vector<std::string> bench_columns() {
  return {"group", "cell", "hidden", "T", "batch", "method", "gain", "threads", "iterations", "converged",
          "seconds_sequential", "seconds_solve", "speedup", "peak_MiB", "max_error", "lyapunov"};
}

nlohmann::ordered_json to_json(const BenchRow& r) {
  const BenchConfig& c = r.config;
  nlohmann::ordered_json row;
  row["group"] = c.group + (c.extra.empty() ? "" : " " + c.extra);
  row["cell"] = c.cell;
  row["hidden"] = c.hidden;
  row["T"] = c.length;
  row["batch"] = c.batch;
  row["method"] = c.method;
  row["gain"] = c.gain;
  row["threads"] = c.threads;
  if (const auto& s = r.record) {
    if (!s->device) row["threads"] = s->threads;  // those the solve used (at most one per 16 steps)
    row["iterations"] = s->iterations;
    row["converged"] = s->diverged ? "diverged" : s->converged ? "yes" : s->stalled ? "stalled" : "no";
    row["seconds_sequential"] = s->seconds_sequential;
    row["seconds_solve"] = s->seconds_solve;
    row["speedup"] = s->speedup;
    row["max_error"] = s->max_error_vs_sequential;
    row["lyapunov"] = s->lyapunov;
  } else {
    for (const char* k : {"iterations", "converged", "seconds_sequential", "seconds_solve", "speedup", "max_error", "lyapunov"})
      row[k] = nullptr;
    row["converged"] = fmt::format("failed (exit {})", r.exit_code);
  }
  row["peak_MiB"] = std::round(r.peak_mib * 10) / 10;
  return row;
}

std::vector<BenchRow> run_bench(const BenchOptions& o, const BenchHooks& hooks) {
  o.validate();
  const auto cfgs = bench_configs(o);
  std::vector<BenchRow> rows;
  for (const auto& c : cfgs) {
    if (hooks.progress) hooks.progress(rows.size(), cfgs.size(), fmt::format("{} {} d={} T={}", c.cell, c.method, c.hidden, c.length));
    const BenchRun run = hooks.run_solve(c.solve_args());
    BenchRow row{c, std::nullopt, run.exit_code, run.peak_mib};
    try {
      row.record = record_from_json(nlohmann::json::parse(run.out));
    } catch (const std::exception&) {  // no record: the row says how the process ended
    }
    rows.push_back(std::move(row));
  }
  if (hooks.progress) hooks.progress(rows.size(), cfgs.size(), "done");
  return rows;
}

// ---- the device's sweep ------------------------------------------------------

namespace {
namespace cuda = kernels::cuda;
/// CPU sequential runs only where T·batch·d is at most this (seconds).
constexpr double kCpuBudget = double(1 << 22);
}  // namespace

void DeviceBenchOptions::validate() const {
  numeric::Precision p;
  try {
    p = numeric::Precision::parse(precision);
  } catch (const numeric::PrecisionError& e) {
    throw OptionError("precision", e.what());
  }
  if (p.kind != numeric::Precision::Kind::Fp32 && p.kind != numeric::Precision::Kind::Fp64)
    throw OptionError("precision", fmt::format("--precision {}: the device solves in fp32 and fp64", precision));
  if (hidden == 0 || batch == 0 || input == 0)
    throw OptionError(hidden == 0 ? "hidden" : batch == 0 ? "batch" : "input_size", "--hidden, --batch and --input-size must be ≥ 1");
  if (iters < 0) throw OptionError("iters", "--iters must be ≥ 0");
  limits::check_count(hidden, limits::kMaxModelDim, "--hidden");
  limits::check_count(input, limits::kMaxModelDim, "--input-size");
  limits::check_count(static_cast<std::uint64_t>(iters), limits::kMaxIterations, "--iters");
  // the largest ParaRNN configuration: a ParaLSTM's weights, and X, H and the sequential H of every sequence on the host
  using limits::add;
  using limits::mul;
  std::uint64_t params = 0;
  for (const auto& q : models::cell_param_shapes(models::CellKind::ParaLstm, hidden, input)) params = add(params, mul(q.rows, q.cols));
  limits::check_count(params, limits::kMaxParameters, fmt::format("--hidden {} with --input-size {}: the parameters of a paralstm cell", hidden, input));
  const std::uint64_t T = quick ? std::uint64_t(1) << 12 : std::uint64_t(1) << 20, n = mul(2, hidden);
  const std::uint64_t bytes = mul(mul(mul(batch, T), add(input, mul(2, n))), p.kind == numeric::Precision::Kind::Fp64 ? 8 : 4);
  limits::check_memory(add(add(bytes, bytes / 4), mul(params, 32)),
                       fmt::format("bench solve --device cuda (--batch {} × T up to {} with --hidden {})", batch, T, hidden));
}

std::vector<DeviceBenchConfig> device_bench_configs(const DeviceBenchOptions& o) {
  std::vector<DeviceBenchConfig> v;
  const std::vector<std::size_t> para_T = o.quick ? std::vector<std::size_t>{1u << 10, 1u << 12}
                                                   : std::vector<std::size_t>{1u << 12, 1u << 14, 1u << 16, 1u << 18, 1u << 20};
  for (const auto kind : {models::CellKind::ParaGru, models::CellKind::ParaLstm})
    for (std::size_t T : para_T) v.push_back({"pararnn", kind, "newton", o.hidden, o.input, o.batch, T, T == para_T.back()});
  const std::vector<std::size_t> gru_d = o.quick ? std::vector<std::size_t>{1, 8} : std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64};
  const std::vector<std::size_t> gru_T = o.quick ? std::vector<std::size_t>{1u << 10, 1u << 12}
                                                  : std::vector<std::size_t>{1u << 14, 1u << 15, 1u << 16, 1u << 17};
  for (std::size_t d : gru_d)
    for (std::size_t T : gru_T) v.push_back({"deer", models::CellKind::Gru, "quasi-deer", d, 2, 16, T, false});
  return v;
}

namespace {

template <class T>
void device_bench_one(const DeviceBenchOptions& o, const numeric::Precision& p, DeviceBenchRow& row) {
  const DeviceBenchConfig& c = row.config;
  const models::Cell cell = models::random_cell(c.kind, c.hidden, c.input, o.seed, o.gain);
  const std::size_t n = cell.state_dim(), m = cell.input, B = c.batch, len = c.length;
  const auto w = parallax::solve::device_weights<T>(cell);
  std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  std::normal_distribution<double> g;
  std::vector<T> X(B * len * m), h0(B * n);
  for (auto& x : X) x = static_cast<T>(g(rng));
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t i = 0; i < n; ++i) h0[b * n + i] = static_cast<T>(cell.h0[i]);
  parallax::solve::SolveOptions so;
  so.method = parallax::solve::parse_method(c.method);
  so.init = parallax::solve::InitSpec::parse("f0");
  so.atol = so.rtol = default_tol(p, len);
  so.fixed_iters = o.iters;
  so.max_iter = 200;
  const auto dopt = parallax::solve::device_newton_options(so);
  std::vector<T> H(B * len * n), Hs(B * len * n);
  const auto nr = cuda::newton_solve<T>(w, X.data(), h0.data(), B, len, H.data(), dopt);
  const auto ts = cuda::sequential_cell<T>(w, X.data(), h0.data(), B, len, Hs.data());
  double err = 0;
  for (std::size_t i = 0; i < H.size(); ++i) {
    const double a = H[i], r = Hs[i];
    if (a != r) err = std::max(err, std::isfinite(a) && std::isfinite(r) ? std::fabs(a - r) : INFINITY);
  }
  int iters = 0;
  std::size_t conv = 0;
  for (std::size_t b = 0; b < B; ++b) {
    iters = std::max(iters, b < nr.iterations.size() ? nr.iterations[b] : 0);
    conv += b < nr.converged.size() && nr.converged[b] ? 1 : 0;
  }
  std::optional<double> cpu_ms;
  if (double(len) * double(B) * double(c.hidden) <= kCpuBudget) {
    const std::vector<T> h0one(h0.begin(), h0.begin() + n);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t b = 0; b < B; ++b) {
      const std::vector<T> Xb(X.begin() + b * len * m, X.begin() + (b + 1) * len * m);
      std::vector<T> ref;
      parallax::solve::run_sequential(cell, Xb, len, h0one, ref);
    }
    cpu_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  row.iterations = iters;
  row.converged = conv;
  row.newton_ms = nr.timing.kernel_ms;
  row.newton_total_ms = nr.timing.total_ms;
  row.sequential_ms = ts.kernel_ms;
  row.speedup = nr.timing.kernel_ms > 0 ? ts.kernel_ms / nr.timing.kernel_ms : NAN;
  if (cpu_ms && std::isfinite(*cpu_ms)) {
    row.cpu_sequential_ms = cpu_ms;
    if (nr.timing.kernel_ms > 0) row.speedup_vs_cpu = *cpu_ms / nr.timing.kernel_ms;
  }
  row.max_error_vs_sequential = err;
  row.meets_goal = c.goal && row.speedup >= kDeviceGoalSpeedup;
}

}  // namespace

std::vector<std::string> device_bench_columns() {
  return {"group", "cell", "method", "hidden", "batch", "T", "iterations", "converged", "newton_ms", "sequential_ms",
          "speedup", "cpu_sequential_ms", "speedup_vs_cpu", "max_error_vs_sequential", "goal", "meets_goal"};
}

nlohmann::ordered_json to_json(const DeviceBenchRow& r) {
  const DeviceBenchConfig& c = r.config;
  nlohmann::ordered_json row;
  row["group"] = c.group;
  row["cell"] = models::cell_kind_name(c.kind);
  row["method"] = c.method;
  row["hidden"] = c.hidden;
  row["input"] = c.input;
  row["batch"] = c.batch;
  row["T"] = c.length;
  row["precision"] = r.precision;
  if (!r.failure.empty()) {
    row["converged"] = "failed: " + r.failure;
    return row;
  }
  row["iterations"] = r.iterations;
  row["converged"] = fmt::format("{}/{}", r.converged, c.batch);
  row["newton_ms"] = r.newton_ms;
  row["newton_total_ms"] = r.newton_total_ms;
  row["sequential_ms"] = r.sequential_ms;
  row["speedup"] = r.speedup;
  row["cpu_sequential_ms"] = r.cpu_sequential_ms ? nlohmann::ordered_json(*r.cpu_sequential_ms) : nlohmann::ordered_json();
  row["speedup_vs_cpu"] = r.speedup_vs_cpu ? nlohmann::ordered_json(*r.speedup_vs_cpu) : nlohmann::ordered_json();
  row["max_error_vs_sequential"] = r.max_error_vs_sequential;
  if (c.goal) {
    row["goal"] = kDeviceGoalSpeedup;
    row["meets_goal"] = r.meets_goal;
  }
  return row;
}

DeviceBench run_device_bench(const DeviceBenchOptions& o,
                             const std::function<void(std::size_t done, std::size_t total, const std::string& what)>& progress) {
  o.validate();
  const numeric::Precision p = numeric::Precision::parse(o.precision);
  cuda::require_device();
  DeviceBench out;
  out.gpu = cuda::device_status();
  out.precision = p.to_string();
  const auto cfgs = device_bench_configs(o);
  for (const auto& c : cfgs) {
    if (progress)
      progress(out.rows.size(), cfgs.size(), fmt::format("{} d={} B={} T={}", models::cell_kind_name(c.kind), c.hidden, c.batch, c.length));
    DeviceBenchRow row;
    row.config = c;
    row.precision = out.precision;
    try {
      if (p.kind == numeric::Precision::Kind::Fp32) device_bench_one<float>(o, p, row);
      else device_bench_one<double>(o, p, row);
    } catch (const cuda::Unavailable&) {  // the device went away
      throw;
    } catch (const cuda::CudaError& e) {
      row.failure = std::string("CUDA error: ") + e.what();
    } catch (const std::exception& e) {  // a refused size, host memory: this row only
      row.failure = e.what();
    }
    out.rows.push_back(std::move(row));
  }
  if (progress) progress(out.rows.size(), cfgs.size(), "done");
  return out;
}

}  // namespace parallax::experiment::solve
