#pragma once
// `parallax bench solve`: iterations, wall time and peak memory of the Newton
// solvers against the sequential recurrence, over sequence lengths, cells,
// methods, regimes (contractive / large gain) and thread counts.
//
// Every configuration is one `parallax solve --json` run in a process of its
// own (BenchHooks::run_solve), so that its peak resident memory belongs to
// that configuration alone, and a configuration that fails cannot take the
// others down.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/solve.hpp"

namespace parallax::experiment::solve {

struct BenchOptions {
  bool quick = false;              ///< small sizes (seconds), for a smoke test
  std::size_t max_length = 1000000;  ///< the longest sequence of the sweeps
  std::vector<int> threads{1, 2};  ///< thread counts to compare
  /// limits::LimitError for more than limits::kMaxListItems thread counts or
  /// one above limits::kMaxThreads.
  void validate() const;
};

/// One configuration: one solve.
struct BenchConfig {
  std::string group;  ///< what the row belongs to
  std::string cell;
  std::size_t hidden, input, length, batch;
  std::string method;
  double gain;
  int threads;
  std::string extra;  ///< more solve options
  int max_iter = 500;
  /// The arguments of its `parallax solve … --json` run.
  std::vector<std::string> solve_args() const;
};

/// Every configuration of the sweep, in the order they run: ParaRNN's cells,
/// the dense GRU (quasi-DEER, DEER), a large gain (DEER, quasi-DEER, ELK,
/// quasi-ELK), predictability (contractive and chaotic Elman cells), DEER's
/// demo setting and ELK's GRU sweep.
std::vector<BenchConfig> bench_configs(const BenchOptions& o);

/// How one configuration's process ended: its standard output, exit status and peak memory.
struct BenchRun {
  std::string out;
  int exit_code = 0;
  double peak_mib = 0;
};

struct BenchHooks {
  /// Runs `parallax ARGS…` to completion (required).
  std::function<BenchRun(const std::vector<std::string>& args)> run_solve;
  /// Before each configuration and at the end (may be empty).
  std::function<void(std::size_t done, std::size_t total, const std::string& what)> progress;
};

struct BenchRow {
  BenchConfig config;
  std::optional<Record> record;  ///< the solve's record; none when the process printed none
  int exit_code = 0;
  double peak_mib = 0;
};

/// The columns of the table, in order.
std::vector<std::string> bench_columns();
/// A row of the table: the configuration, the outcome (yes, no, stalled,
/// diverged or "failed (exit N)"), the times, the error and the peak memory.
nlohmann::ordered_json to_json(const BenchRow& r);

std::vector<BenchRow> run_bench(const BenchOptions& o, const BenchHooks& hooks);

}  // namespace parallax::experiment::solve
