// `parallax bench solve`: the command-line adapter of the sweep of
// experiment/solve_bench.hpp, whose configurations run as child `parallax
// solve --json` processes (their peak memory is getrusage of the child);
// `--device cuda` runs the device's sweep (run_device_bench, in this process).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/device.hpp"
#include "cli/progress.hpp"
#include "experiment/child_process.hpp"
#include "experiment/solve_bench.hpp"

namespace parallax::cli {
namespace {

namespace xs = experiment::solve;

struct BenchSolveOpts {
  FormatFlags fmt;
  xs::BenchOptions b;
  std::string device = "cpu";
  xs::DeviceBenchOptions cuda;  ///< --device cuda
};

void run_bench_solve(const BenchSolveOpts& o) {
  ProgressBar bar("configs");
  xs::BenchHooks hooks;
  hooks.run_solve = [](const std::vector<std::string>& args) {
    const auto r = experiment::run_child_capture(args);
    return xs::BenchRun{r.out, r.code, r.peak_mib};
  };
  hooks.progress = [&](std::size_t done, std::size_t total, const std::string& what) { bar.update(done, total, what); };
  Records rec(xs::bench_columns());
  for (const auto& row : xs::run_bench(o.b, hooks)) rec.add(xs::to_json(row));
  rec.print(o.fmt.format());
}

/// The device's sweep: a table (times, speed-ups and errors as text, "—" where
/// absent) after the device's line and with the setting below it, or rows
/// with the device's line in each.
void run_bench_solve_cuda(const xs::DeviceBenchOptions& o, Format f) {
  ProgressBar bar("configs");
  xs::DeviceBench b;
  try {
    b = with_cuda_errors([&] {
      return xs::run_device_bench(o, [&](std::size_t done, std::size_t total, const std::string& what) { bar.update(done, total, what); });
    });
  } catch (const xs::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
  bar.clear();
  Records rec(xs::device_bench_columns());
  for (const auto& x : b.rows) {
    nlohmann::ordered_json row = xs::to_json(x);
    if (f != Format::Table) {
      row["gpu"] = b.gpu;
      rec.add(row);
      continue;
    }
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
    const bool goal = row.contains("goal");  // the goal's row, when it ran
    row["goal"] = goal ? fmt::format(">= {:.0f}x", xs::kDeviceGoalSpeedup) : "";
    row["meets_goal"] = goal ? (x.meets_goal ? "yes" : "NO") : "";
    rec.add(row);
  }
  if (f == Format::Table)
    fmt::print("device: {}\nprecision {}; ParaGRU / ParaLSTM with hidden {}, batch {} (chosen), input {}; GRU by quasi-DEER at "
               "DEER's setting (input 2, batch 16); times are the device's kernels; CPU sequential only where T·batch·d ≤ 2^22\n",
               b.gpu, b.precision, o.hidden, o.batch, o.input);
  rec.print(f);
}

}  // namespace

void add_bench_solve(CLI::App& bench) {
  auto o = std::make_shared<BenchSolveOpts>();
  auto* cmd = bench.add_subcommand("solve", "Newton solvers vs the sequential recurrence: iterations, time, speed-up, peak memory");
  cmd->add_flag("--quick", o->b.quick, "Small sizes (seconds), for a smoke test");
  cmd->add_option("--max-length", o->b.max_length, "Longest sequence of the sweeps")->capture_default_str()->check(CLI::Range(100, 10000000));
  cmd->add_option("--threads", o->b.threads, "Thread counts to compare")->capture_default_str()->check(CLI::PositiveNumber);
  add_device_option(*cmd, o->device);
  cmd->add_option("--hidden", o->cuda.hidden, "--device cuda: ParaGRU / ParaLSTM hidden units")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--batch", o->cuda.batch, "--device cuda: ParaGRU / ParaLSTM sequences")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--input-size", o->cuda.input, "--device cuda: ParaGRU / ParaLSTM input size")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--iters", o->cuda.iters, "--device cuda: exactly this many Newton iterations (0: to the precision's tolerance)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--precision", o->cuda.precision, "--device cuda: fp32 or fp64")->capture_default_str()->check(CLI::IsMember({"fp32", "fp64"}));
  cmd->add_option("--seed", o->cuda.seed, "--device cuda: seed of the random weights and inputs")->capture_default_str();
  o->fmt.add_to(*cmd);
  cmd->callback([o, cmd] {
    const char* cuda_only[] = {"--hidden", "--batch", "--input-size", "--iters", "--precision", "--seed"};
    if (o->device == "cuda") {
      for (const char* cpu_only : {"--max-length", "--threads"})
        if (cmd->count(cpu_only) > 0)
          throw CliError(kBadInput, fmt::format("{} goes with the CPU sweep; --device cuda has its own sizes (--quick for small ones)", cpu_only));
      o->cuda.quick = o->b.quick;
      run_bench_solve_cuda(o->cuda, o->fmt.format());
      return;
    }
    for (const char* opt : cuda_only)
      if (cmd->count(opt) > 0) throw CliError(kBadInput, fmt::format("{} goes with --device cuda", opt));
    run_bench_solve(*o);
  });
}

}  // namespace parallax::cli
