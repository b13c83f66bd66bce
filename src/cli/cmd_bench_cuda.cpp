// `parallax bench scan --device cuda` and `parallax bench solve --device cuda`:
// GPU figures measured in one run (kernels/cuda/api.hpp).
//
// bench scan: every device scan kind on device-resident random data, against
// a device-to-device copy of the same bytes in the same run; the goal is
// ≥ 80 % of the copy's bandwidth for the parallel fp32 diagonal scans (cub,
// layered).
//
// bench solve: the Newton solve on the device against the device's
// sequential recurrence (and the CPU's where that takes seconds): ParaGRU and
// ParaLSTM over T = 2^12 … 2^20 (hidden and batch chosen: 64 and 8 by
// default; the goal is ParaRNN's reported ≥ 665× over sequential application
// at the largest T), and the GRU by quasi-DEER at DEER's setting (input 2,
// batch 16, d = 1 … 64, T = 2^14 … 2^17).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "cli/device.hpp"
#include "cli/progress.hpp"
#include "experiment/solve.hpp"
#include "numeric/limits.hpp"
#include "solve/device.hpp"
#include "solve/jacobian.hpp"
#include "solve/newton.hpp"

namespace parallax::cli {

namespace cuda = kernels::cuda;

namespace {
constexpr double kScanGoalPercent = 80;   ///< fp32 diagonal scans: % of the copy bandwidth
constexpr double kSolveGoalSpeedup = 665;  ///< ParaRNN's speed-up over sequential application
/// CPU sequential runs only where T·batch·d is at most this (seconds).
constexpr double kCpuBudget = double(1 << 22);

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace

void run_bench_scan_cuda(const BenchScanCudaOptions& o, Format f) {
  if (o.elements == 0) throw CliError(kBadInput, "--elements must be ≥ 1");
  if (o.repeats < 1) throw CliError(kBadInput, "--repeats must be ≥ 1");
  limits::check_count(static_cast<std::uint64_t>(o.repeats), limits::kMaxRepeats, "--repeats");
  require_cuda();
  const std::string gpu = cuda::device_status();
  const auto figs = with_cuda_errors([&] { return cuda::bench_scans(o.elements, o.repeats); });
  double copy_gbs = 0;
  for (const auto& x : figs)
    if (x.name == "copy-d2d") copy_gbs = x.gb_per_s;
  if (copy_gbs <= 0)
    for (const auto& x : figs)
      if (starts_with(x.name, "copy")) copy_gbs = x.gb_per_s;
  Records r({"name", "elements", "bytes", "ms", "gelem_per_s", "gb_per_s", "pct_of_copy", "max_abs_err", "goal", "meets_goal"});
  bool all_met = true;
  for (const auto& x : figs) {
    // the goal is the parallel fp32 diagonal scans' (not the sequential baseline's)
    const bool goal = starts_with(x.name, "diag-fp32/") && x.name != "diag-fp32/sequential";
    const double pct = copy_gbs > 0 ? 100 * x.gb_per_s / copy_gbs : NAN;
    const bool met = !goal || pct >= kScanGoalPercent;
    all_met = all_met && met;
    nlohmann::ordered_json row = {{"name", x.name},
                                  {"elements", x.elements},
                                  {"bytes", x.bytes},
                                  {"ms", x.ms},
                                  {"gelem_per_s", x.gelem_per_s},
                                  {"gb_per_s", x.gb_per_s},
                                  {"pct_of_copy", std::isfinite(pct) ? nlohmann::ordered_json(pct) : nlohmann::ordered_json()},
                                  {"max_abs_err", x.max_abs_err},
                                  {"goal", goal ? nlohmann::ordered_json(kScanGoalPercent) : nlohmann::ordered_json()},
                                  {"meets_goal", goal ? nlohmann::ordered_json(met) : nlohmann::ordered_json()}};
    if (f == Format::Table) {
      row["ms"] = fmt::format("{:.4f}", x.ms);
      row["gelem_per_s"] = fmt::format("{:.2f}", x.gelem_per_s);
      row["gb_per_s"] = fmt::format("{:.1f}", x.gb_per_s);
      row["pct_of_copy"] = std::isfinite(pct) ? fmt::format("{:.1f}%", pct) : "—";
      row["max_abs_err"] = fmt::format("{:.3g}", x.max_abs_err);
      row["goal"] = goal ? fmt::format(">= {:.0f}%", kScanGoalPercent) : "";
      row["meets_goal"] = goal ? (met ? "yes" : "NO") : "";
    } else {
      row["gpu"] = gpu;
    }
    r.add(row);
  }
  if (f == Format::Table) fmt::print("device: {}\n", gpu);
  r.print(f);
  if (o.check && !all_met)
    throw CliError(kFailure, fmt::format("bench scan --device cuda: an fp32 diagonal scan is below {:.0f}% of the copy bandwidth",
                                         kScanGoalPercent));
}

namespace {

struct SolveConfig {
  std::string group;
  models::CellKind kind;
  std::string method;
  std::size_t hidden, input, batch, length;
  bool goal = false;  ///< the row that carries the speed-up goal
};

std::vector<SolveConfig> solve_configs(const BenchSolveCudaOptions& o) {
  std::vector<SolveConfig> v;
  const std::vector<std::size_t> para_T = o.quick ? std::vector<std::size_t>{1u << 10, 1u << 12}
                                                   : std::vector<std::size_t>{1u << 12, 1u << 14, 1u << 16, 1u << 18, 1u << 20};
  for (const auto kind : {models::CellKind::ParaGru, models::CellKind::ParaLstm})
    for (std::size_t T : para_T)
      v.push_back({"pararnn", kind, "newton", o.hidden, o.input, o.batch, T, T == para_T.back()});
  const std::vector<std::size_t> gru_d = o.quick ? std::vector<std::size_t>{1, 8} : std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64};
  const std::vector<std::size_t> gru_T = o.quick ? std::vector<std::size_t>{1u << 10, 1u << 12}
                                                  : std::vector<std::size_t>{1u << 14, 1u << 15, 1u << 16, 1u << 17};
  for (std::size_t d : gru_d)
    for (std::size_t T : gru_T) v.push_back({"deer", models::CellKind::Gru, "quasi-deer", d, 2, 16, T, false});
  return v;
}

template <class T>
void bench_one(const BenchSolveCudaOptions& o, const SolveConfig& c, const numeric::Precision& p, nlohmann::ordered_json& row) {
  const models::Cell cell = models::random_cell(c.kind, c.hidden, c.input, o.seed, o.gain);
  const std::size_t n = cell.state_dim(), m = cell.input, B = c.batch, len = c.length;
  const auto w = solve::device_weights<T>(cell);
  std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  std::normal_distribution<double> g;
  std::vector<T> X(B * len * m), h0(B * n);
  for (auto& x : X) x = static_cast<T>(g(rng));
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t i = 0; i < n; ++i) h0[b * n + i] = static_cast<T>(cell.h0[i]);
  solve::SolveOptions so;
  so.method = solve::parse_method(c.method);
  so.init = solve::InitSpec::parse("f0");
  so.atol = so.rtol = experiment::solve::default_tol(p, len);
  so.fixed_iters = o.iters;
  so.max_iter = 200;
  const auto dopt = solve::device_newton_options(so);
  std::vector<T> H(B * len * n), Hs(B * len * n);
  const auto nr = cuda::newton_solve<T>(w, X.data(), h0.data(), B, len, H.data(), dopt);
  const auto ts = cuda::sequential_cell<T>(w, X.data(), h0.data(), B, len, Hs.data());
  double err = 0;
  for (std::size_t i = 0; i < H.size(); ++i) {
    const double a = H[i], r = Hs[i];
    if (a != r) err = std::max(err, std::isfinite(a) && std::isfinite(r) ? std::fabs(a - r) : INFINITY);
  }
  int iters = 0, conv = 0;
  for (std::size_t b = 0; b < B; ++b) {
    iters = std::max(iters, b < nr.iterations.size() ? nr.iterations[b] : 0);
    conv += b < nr.converged.size() && nr.converged[b] ? 1 : 0;
  }
  double cpu_ms = NAN;
  if (double(len) * double(B) * double(c.hidden) <= kCpuBudget) {
    const std::vector<T> h0one(h0.begin(), h0.begin() + n);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t b = 0; b < B; ++b) {
      const std::vector<T> Xb(X.begin() + b * len * m, X.begin() + (b + 1) * len * m);
      std::vector<T> ref;
      solve::run_sequential(cell, Xb, len, h0one, ref);
    }
    cpu_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  const double speedup = nr.timing.kernel_ms > 0 ? ts.kernel_ms / nr.timing.kernel_ms : NAN;
  row["iterations"] = iters;
  row["converged"] = fmt::format("{}/{}", conv, B);
  row["newton_ms"] = nr.timing.kernel_ms;
  row["newton_total_ms"] = nr.timing.total_ms;
  row["sequential_ms"] = ts.kernel_ms;
  row["speedup"] = speedup;
  row["cpu_sequential_ms"] = std::isfinite(cpu_ms) ? nlohmann::ordered_json(cpu_ms) : nlohmann::ordered_json();
  row["speedup_vs_cpu"] = std::isfinite(cpu_ms) && nr.timing.kernel_ms > 0 ? nlohmann::ordered_json(cpu_ms / nr.timing.kernel_ms)
                                                                            : nlohmann::ordered_json();
  row["max_error_vs_sequential"] = err;
  if (c.goal) {
    row["goal"] = kSolveGoalSpeedup;
    row["meets_goal"] = speedup >= kSolveGoalSpeedup;
  }
}

}  // namespace

void run_bench_solve_cuda(const BenchSolveCudaOptions& o, Format f) {
  numeric::Precision p;
  try {
    p = numeric::Precision::parse(o.precision);
  } catch (const numeric::PrecisionError& e) {
    throw CliError(kBadInput, e.what());
  }
  if (p.kind != numeric::Precision::Kind::Fp32 && p.kind != numeric::Precision::Kind::Fp64)
    throw CliError(kBadInput, fmt::format("--precision {}: the device solves in fp32 and fp64", o.precision));
  if (o.hidden == 0 || o.batch == 0 || o.input == 0) throw CliError(kBadInput, "--hidden, --batch and --input-size must be ≥ 1");
  if (o.iters < 0) throw CliError(kBadInput, "--iters must be ≥ 0");
  limits::check_count(o.hidden, limits::kMaxModelDim, "--hidden");
  limits::check_count(o.input, limits::kMaxModelDim, "--input-size");
  limits::check_count(static_cast<std::uint64_t>(o.iters), limits::kMaxIterations, "--iters");
  {  // the largest ParaRNN configuration: a ParaLSTM's weights, and X, H and the sequential H of every sequence on the host
    using limits::add;
    using limits::mul;
    std::uint64_t params = 0;
    for (const auto& q : models::cell_param_shapes(models::CellKind::ParaLstm, o.hidden, o.input))
      params = add(params, mul(q.rows, q.cols));
    limits::check_count(params, limits::kMaxParameters, fmt::format("--hidden {} with --input-size {}: the parameters of a paralstm cell", o.hidden, o.input));
    const std::uint64_t T = o.quick ? std::uint64_t(1) << 12 : std::uint64_t(1) << 20, n = mul(2, o.hidden);
    const std::uint64_t bytes = mul(mul(mul(o.batch, T), add(o.input, mul(2, n))), p.kind == numeric::Precision::Kind::Fp64 ? 8 : 4);
    limits::check_memory(add(add(bytes, bytes / 4), mul(params, 32)),
                         fmt::format("bench solve --device cuda (--batch {} × T up to {} with --hidden {})", o.batch, T, o.hidden));
  }
  require_cuda();
  const std::string gpu = cuda::device_status();
  const auto cfgs = solve_configs(o);
  Records rec({"group", "cell", "method", "hidden", "batch", "T", "iterations", "converged", "newton_ms", "sequential_ms",
               "speedup", "cpu_sequential_ms", "speedup_vs_cpu", "max_error_vs_sequential", "goal", "meets_goal"});
  ProgressBar bar("configs");
  std::size_t done = 0;
  for (const auto& c : cfgs) {
    bar.update(done, cfgs.size(), fmt::format("{} d={} B={} T={}", models::cell_kind_name(c.kind), c.hidden, c.batch, c.length));
    nlohmann::ordered_json row;
    row["group"] = c.group;
    row["cell"] = models::cell_kind_name(c.kind);
    row["method"] = c.method;
    row["hidden"] = c.hidden;
    row["input"] = c.input;
    row["batch"] = c.batch;
    row["T"] = c.length;
    row["precision"] = p.to_string();
    try {
      with_cuda_errors([&] {
        if (p.kind == numeric::Precision::Kind::Fp32) bench_one<float>(o, c, p, row);
        else bench_one<double>(o, c, p, row);
      });
    } catch (const CliError& e) {
      if (e.code == kBadInput) throw;  // the device went away
      row["converged"] = std::string("failed: ") + e.what();
    } catch (const std::exception& e) {  // a refused size, host memory: this row only
      row["converged"] = std::string("failed: ") + e.what();
    }
    if (f == Format::Table) {
      auto num = [&](const char* k, const char* spec) {
        if (row.contains(k) && row[k].is_number()) row[k] = fmt::format(fmt::runtime(spec), row[k].get<double>());
        else if (!row.contains(k) || row[k].is_null()) row[k] = "—";
      };
      num("newton_ms", "{:.3f}");
      num("sequential_ms", "{:.3f}");
      num("speedup", "{:.1f}x");
      num("cpu_sequential_ms", "{:.1f}");
      num("speedup_vs_cpu", "{:.1f}x");
      num("max_error_vs_sequential", "{:.2e}");
      if (row.contains("goal")) {
        row["goal"] = fmt::format(">= {:.0f}x", kSolveGoalSpeedup);
        row["meets_goal"] = row["meets_goal"].get<bool>() ? "yes" : "NO";
      } else {
        row["goal"] = "", row["meets_goal"] = "";
      }
    } else {
      row["gpu"] = gpu;
    }
    rec.add(row);
    ++done;
  }
  bar.update(done, cfgs.size(), "done");
  bar.clear();
  if (f == Format::Table)
    fmt::print("device: {}\nprecision {}; ParaGRU / ParaLSTM with hidden {}, batch {} (chosen), input {}; GRU by quasi-DEER at "
               "DEER's setting (input 2, batch 16); times are the device's kernels; CPU sequential only where T·batch·d ≤ 2^22\n",
               gpu, p.to_string(), o.hidden, o.batch, o.input);
  rec.print(f);
}

}  // namespace parallax::cli
