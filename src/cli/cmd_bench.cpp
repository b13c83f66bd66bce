// `parallax bench scan`: scan throughput on this machine, all figures from one
// run (bench/scan_bench.hpp); with --device cuda the device's scans against
// its copy bandwidth (bench/scan_bench_cuda.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <unistd.h>

#include "bench/scan_bench.hpp"
#include "bench/scan_bench_cuda.hpp"
#include "experiment/options.hpp"
#include "cli/common.hpp"
#include "cli/device.hpp"
#include "numeric/limits.hpp"

namespace parallax::cli {

namespace {

/// The CPU figures' sizes, before any array is made: lengths from 1 to
/// limits::kMaxLength (--n-exact: limits::kMaxBenchExactLength, its left fold
/// takes quadratic time, and at most limits::kMaxListItems of them), --threads
/// up to limits::kMaxThreads, and their arrays within the memory limit.
void check_bench_scan_sizes(const bench::ScanBenchOptions& b) {
  using limits::add;
  using limits::mul;
  if (b.n_scalar == 0 || b.n_struct == 0) throw CliError(kBadInput, "--n-scalar and --n-struct must be ≥ 1");
  limits::check_count(b.n_scalar, limits::kMaxLength, "--n-scalar");
  limits::check_count(b.n_struct, limits::kMaxLength, "--n-struct");
  limits::check_count(b.n_exact.size(), limits::kMaxListItems, "--n-exact (the number of lengths)");
  for (const std::size_t n : b.n_exact) {
    if (n == 0) throw CliError(kBadInput, "--n-exact: lengths must be ≥ 1");
    limits::check_count(n, limits::kMaxBenchExactLength, "--n-exact: a length");
  }
  limits::check_count(static_cast<std::uint64_t>(std::max(b.threads, 0)), limits::kMaxThreads, "--threads");
  if (b.quick) return;  // --quick caps every size (bench/scan_bench.cpp)
  std::uint64_t exact = 0;
  for (const std::size_t n : b.n_exact) exact = std::max<std::uint64_t>(exact, n);
  // fp32 arrays a, b, h, the reference and the SIMD copies, then the model's tokens (the arrays are freed first); a dense 4×4 or PD d = 8 map and its heap blocks; four
  // exact integers and their limbs (the products' bits grow linearly with the length)
  const std::uint64_t bytes = std::max({mul(b.n_scalar, 32), mul(b.n_struct, 400), mul(exact, 256)});
  limits::check_memory(bytes, fmt::format("bench scan (--n-scalar {}, --n-struct {}, --n-exact up to {})", b.n_scalar, b.n_struct, exact));
}

/// `bench scan --device cuda`: the device's figures, as a table after the
/// device's line, or as rows with the device's line in each.
void run_bench_scan_cuda(const bench::CudaScanBenchOptions& c, bool check, Format f) {
  bench::CudaScanBench b;
  try {
    b = with_cuda_errors([&] { return bench::run_cuda_scan_bench(c); });
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
  Records r({"name", "elements", "bytes", "ms", "gelem_per_s", "gb_per_s", "pct_of_copy", "max_abs_err", "goal", "meets_goal"});
  const double goal = bench::kCudaScanGoalPercent;
  for (const auto& x : b.rows) {
    const bool pct = std::isfinite(x.pct_of_copy);
    if (f == Format::Table)
      r.add({{"name", x.name}, {"elements", x.elements}, {"bytes", x.bytes}, {"ms", fmt::format("{:.4f}", x.ms)},
             {"gelem_per_s", fmt::format("{:.2f}", x.gelem_per_s)}, {"gb_per_s", fmt::format("{:.1f}", x.gb_per_s)},
             {"pct_of_copy", pct ? fmt::format("{:.1f}%", x.pct_of_copy) : "—"}, {"max_abs_err", fmt::format("{:.3g}", x.max_abs_err)},
             {"goal", x.goal ? fmt::format(">= {:.0f}%", goal) : ""}, {"meets_goal", x.goal ? (x.meets_goal ? "yes" : "NO") : ""}});
    else
      r.add({{"name", x.name}, {"elements", x.elements}, {"bytes", x.bytes}, {"ms", x.ms}, {"gelem_per_s", x.gelem_per_s},
             {"gb_per_s", x.gb_per_s}, {"pct_of_copy", pct ? nlohmann::ordered_json(x.pct_of_copy) : nlohmann::ordered_json()},
             {"max_abs_err", x.max_abs_err}, {"goal", x.goal ? nlohmann::ordered_json(goal) : nlohmann::ordered_json()},
             {"meets_goal", x.goal ? nlohmann::ordered_json(x.meets_goal) : nlohmann::ordered_json()}, {"gpu", b.gpu}});
  }
  if (f == Format::Table) fmt::print("device: {}\n", b.gpu);
  r.print(f);
  if (check && !b.all_goals_met())
    throw CliError(kFailure, fmt::format("bench scan --device cuda: an fp32 diagonal scan is below {:.0f}% of the copy bandwidth", goal));
}

}  // namespace

void add_bench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Benchmarks (figures measured in one run on this machine)");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand(
      "scan",
      "Scan throughput: fp32 scalar affine recurrence (sequential loop vs parallel scan vs elementwise pass), "
      "the diagonal model 'parity' on --n-scalar tokens (as `scan -m parity -p fp32` runs it), "
      "dense 4x4 and PD d=8 scans (1 vs N threads), exact 2x2 integer matrix products (tree vs left fold); "
      "with --device cuda every GPU scan kind against the GPU's copy bandwidth");
  struct Opts {
    FormatFlags fmt;
    bench::ScanBenchOptions b;
    bool check = false;
    std::string device = "cpu";
    std::size_t elements = std::size_t(1) << 28;
  };
  auto o = std::make_shared<Opts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--n-scalar", o->b.n_scalar, "Length of the fp32 scalar recurrence and of the parity model's token sequence")->capture_default_str();
  cmd->add_option("--n-struct", o->b.n_struct, "Length of the dense 4x4 and PD d=8 scans")->capture_default_str();
  cmd->add_option("--n-exact", o->b.n_exact, "Lengths of the exact 2x2 matrix products")->delimiter(',');
  cmd->add_option("--threads", o->b.threads, "Threads of the parallel figures (1 thread is always measured)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--repeats", o->b.repeats, "Runs per figure; the best is reported")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quick", o->b.quick, "Small sizes (seconds), for a smoke test");
  cmd->add_flag("--check", o->check, "Exit 1 if a figure misses its target");
  add_device_option(*cmd, o->device);
  cmd->add_option("--elements", o->elements, "--device cuda: affine elements per scan figure (default 2^28; --quick 2^24)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 34));
  cmd->callback([o, cmd] {
    limits::check_count(static_cast<std::uint64_t>(std::max(o->b.repeats, 0)), limits::kMaxRepeats, "--repeats");
    if (o->device == "cuda") {
      for (const char* cpu_only : {"--n-scalar", "--n-struct", "--n-exact", "--threads"})
        if (cmd->count(cpu_only) > 0)
          throw CliError(kBadInput, fmt::format("{} is for the CPU figures; with --device cuda use --elements and --repeats", cpu_only));
      bench::CudaScanBenchOptions c;
      c.elements = cmd->count("--elements") > 0 ? o->elements : o->b.quick ? std::size_t(1) << 24 : std::size_t(1) << 28;
      c.repeats = cmd->count("--repeats") > 0 ? o->b.repeats : o->b.quick ? 2 : 5;
      run_bench_scan_cuda(c, o->check, o->fmt.format());
      return;
    }
    if (cmd->count("--elements") > 0) throw CliError(kBadInput, "--elements is for the --device cuda figures; the CPU's take --n-scalar, --n-struct and --n-exact");
    check_bench_scan_sizes(o->b);
    const bool tty = isatty(fileno(stderr));
    auto progress = [tty](const std::string& what) {
      if (tty) std::cerr << "\r\033[K" << what << std::flush;
    };
    const auto records = bench::run_scan_bench(o->b, progress);
    if (tty) std::cerr << "\r\033[K" << std::flush;
    Records r({"bench", "variant", "n", "threads", "seconds", "elements_per_s", "ratio", "baseline", "target", "meets_target", "note"});
    bool all_met = true;
    for (const auto& x : records) {
      all_met = all_met && x.meets_target;
      nlohmann::ordered_json row = {{"bench", x.bench},     {"variant", x.variant},
                                    {"n", x.n},             {"threads", x.threads},
                                    {"seconds", x.seconds}, {"elements_per_s", x.elements_per_s},
                                    {"ratio", x.ratio},     {"baseline", x.baseline},
                                    {"target", x.target},   {"meets_target", x.meets_target},
                                    {"note", x.note}};
      if (o->fmt.format() == Format::Table) {
        row["seconds"] = fmt::format("{:.4f}", x.seconds);
        row["elements_per_s"] = fmt::format("{:.3g}", x.elements_per_s);
        row["ratio"] = fmt::format("{:.2f}x", x.ratio);
        row["target"] = x.target > 0 ? fmt::format(">= {:.2f}x", x.target) : "";
        row["meets_target"] = x.target > 0 ? (x.meets_target ? "yes" : "NO") : "";
      }
      r.add(row);
    }
    r.print(o->fmt.format());
    if (o->check && !all_met) throw CliError(kFailure, "bench scan: a figure missed its target (see the meets_target column)");
  });
  add_bench_monoid(*bench);
  add_bench_solve(*bench);
  add_bench_argru(*bench);
}

}  // namespace parallax::cli
