// `bench solve` (solve_bench.hpp).
#include "experiment/solve_bench.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "numeric/limits.hpp"

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

}  // namespace parallax::experiment::solve
