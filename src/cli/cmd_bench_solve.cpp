// `parallax bench solve`: iterations, wall time and peak memory of the Newton
// solvers against the sequential recurrence, over sequence lengths, cells,
// methods, regimes (contractive / large gain) and thread counts.
//
// Every configuration runs as its own `parallax solve --json` child process,
// so that its peak resident memory (getrusage of the child) belongs to that
// configuration alone, and a configuration that fails cannot take the others
// down.
#include <fmt/format.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/child_process.hpp"
#include "cli/common.hpp"
#include "cli/device.hpp"
#include "cli/progress.hpp"
#include "numeric/limits.hpp"

extern char** environ;

namespace parallax::cli {
namespace {

struct BenchSolveOpts {
  FormatFlags fmt;
  bool quick = false;
  std::size_t max_length = 1000000;
  std::vector<int> threads{1, 2};
  std::string device = "cpu";
  BenchSolveCudaOptions cuda;  ///< --device cuda
};

struct Config {
  std::string group;  ///< what the row belongs to
  std::string cell;
  std::size_t hidden, input, length, batch;
  std::string method;
  double gain;
  int threads;
  std::string extra;  ///< more solve options
  int max_iter = 500;
};

std::vector<Config> configs(const BenchSolveOpts& o) {
  std::vector<Config> v;
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

void run_bench_solve(const BenchSolveOpts& o) {
  const auto cfgs = configs(o);
  Records rec({"group", "cell", "hidden", "T", "batch", "method", "gain", "threads", "iterations", "converged",
               "seconds_sequential", "seconds_solve", "speedup", "peak_MiB", "max_error", "lyapunov"});
  ProgressBar bar("configs");
  std::size_t done = 0;
  for (const auto& c : cfgs) {
    bar.update(done, cfgs.size(), fmt::format("{} {} d={} T={}", c.cell, c.method, c.hidden, c.length));
    std::vector<std::string> args{"solve", "--cell", c.cell, "--hidden", std::to_string(c.hidden), "--input-size",
                                  std::to_string(c.input), "--length", std::to_string(c.length), "--batch",
                                  std::to_string(c.batch), "--method", c.method, "--gain", fmt::format("{}", c.gain),
                                  "--threads", std::to_string(c.threads), "--reference", "off", "--json", "--max-iter",
                                  std::to_string(c.max_iter)};
    for (std::size_t a = 0, b; a < c.extra.size(); a = b + 1) {
      b = c.extra.find(' ', a);
      if (b == std::string::npos) b = c.extra.size();
      if (b > a) args.push_back(c.extra.substr(a, b - a));
    }
    const CapturedChild r = run_child_capture(args);
    nlohmann::ordered_json row;
    row["group"] = c.group + (c.extra.empty() ? "" : " " + c.extra);
    row["cell"] = c.cell;
    row["hidden"] = c.hidden;
    row["T"] = c.length;
    row["batch"] = c.batch;
    row["method"] = c.method;
    row["gain"] = c.gain;
    row["threads"] = c.threads;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(r.out);
    } catch (const std::exception&) {
      j = nlohmann::json::object();
    }
    if (!j.is_object() || !j.contains("iterations")) {
      for (const char* k : {"iterations", "converged", "seconds_sequential", "seconds_solve", "speedup", "max_error", "lyapunov"})
        row[k] = nullptr;
      row["converged"] = fmt::format("failed (exit {})", r.code);
    } else {
      if (j.contains("threads")) row["threads"] = j["threads"];  // those the solve used (at most one per 16 steps)
      row["iterations"] = j["iterations"];
      row["converged"] = j["diverged"].get<bool>() ? "diverged" : j["converged"].get<bool>() ? "yes" : j.value("stalled", false) ? "stalled" : "no";
      row["seconds_sequential"] = j["seconds_sequential"];
      row["seconds_solve"] = j["seconds_solve"];
      row["speedup"] = j["speedup"];
      row["max_error"] = j["max_error_vs_sequential"];
      row["lyapunov"] = j["lyapunov"];
    }
    row["peak_MiB"] = std::round(r.peak_mib * 10) / 10;
    rec.add(row);
    ++done;
  }
  bar.update(done, cfgs.size(), "done");
  rec.print(o.fmt.format());
}

}  // namespace

void add_bench_solve(CLI::App& bench) {
  auto o = std::make_shared<BenchSolveOpts>();
  auto* cmd = bench.add_subcommand("solve", "Newton solvers vs the sequential recurrence: iterations, time, speed-up, peak memory");
  cmd->add_flag("--quick", o->quick, "Small sizes (seconds), for a smoke test");
  cmd->add_option("--max-length", o->max_length, "Longest sequence of the sweeps")->capture_default_str()->check(CLI::Range(100, 10000000));
  cmd->add_option("--threads", o->threads, "Thread counts to compare")->capture_default_str()->check(CLI::PositiveNumber);
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
      o->cuda.quick = o->quick;
      run_bench_solve_cuda(o->cuda, o->fmt.format());
      return;
    }
    for (const char* opt : cuda_only)
      if (cmd->count(opt) > 0) throw CliError(kBadInput, fmt::format("{} goes with --device cuda", opt));
    limits::check_count(o->threads.size(), limits::kMaxListItems, "--threads (the number of thread counts)");
    for (const int t : o->threads) limits::check_count(static_cast<std::uint64_t>(std::max(t, 0)), limits::kMaxThreads, "--threads");
    run_bench_solve(*o);
  });
}

}  // namespace parallax::cli
