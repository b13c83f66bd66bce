#pragma once
// `parallax bench solve`: iterations, wall time and peak memory of the Newton
// solvers against the sequential recurrence, over sequence lengths, cells,
// methods, regimes (contractive / large gain) and thread counts.
//
// Every configuration is one `parallax solve --json` run in a process of its
// own (BenchHooks::run_solve), so that its peak resident memory belongs to
// that configuration alone, and a configuration that fails cannot take the
// others down.
//
// `bench solve --device cuda` (run_device_bench) is the device's sweep, in
// this process: the Newton solve on the device against the device's
// sequential recurrence (and the CPU's where that takes seconds): ParaGRU and
// ParaLSTM over T = 2^12 … 2^20 (hidden and batch chosen: 64 and 8 by
// default; the goal is ParaRNN's reported ≥ 665× over sequential application
// at the largest T), and the GRU by quasi-DEER at DEER's setting (input 2,
// batch 16, d = 1 … 64, T = 2^14 … 2^17).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/solve.hpp"
#include "models/cell.hpp"

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

// ---- the device's sweep (`bench solve --device cuda`) ------------------------

/// ParaRNN's reported speed-up over sequential application: the goal of the
/// largest ParaRNN configurations.
inline constexpr double kDeviceGoalSpeedup = 665;

struct DeviceBenchOptions {
  bool quick = false;       ///< small sizes (seconds), for a smoke test
  std::size_t hidden = 64;  ///< ParaGRU / ParaLSTM units
  std::size_t batch = 8;    ///< ParaGRU / ParaLSTM sequences
  std::size_t input = 2;    ///< ParaGRU / ParaLSTM input size
  int iters = 0;            ///< > 0: exactly this many Newton iterations, else to the precision's tolerance
  std::string precision = "fp32";  ///< fp32 or fp64
  std::uint64_t seed = 1;   ///< of the random weights and inputs
  double gain = 0.9;
  /// OptionError naming --precision (not fp32 or fp64), --hidden, --batch,
  /// --input-size or --iters; limits::LimitError for sizes past
  /// numeric/limits.hpp, and for the largest configuration's host arrays
  /// past the memory limit.
  void validate() const;
};

/// One configuration of the device's sweep: one device solve of `batch` sequences.
struct DeviceBenchConfig {
  std::string group;  ///< pararnn, deer
  models::CellKind kind{};
  std::string method;
  std::size_t hidden = 0, input = 0, batch = 0, length = 0;
  bool goal = false;  ///< the row that carries the speed-up goal (ParaRNN's largest T)
};

/// Every configuration, in the order they run: ParaGRU then ParaLSTM by
/// exact Newton over the lengths, then the GRU by quasi-DEER over d and T.
std::vector<DeviceBenchConfig> device_bench_configs(const DeviceBenchOptions& o);

struct DeviceBenchRow {
  DeviceBenchConfig config;
  std::string precision;
  std::string failure;  ///< why the configuration failed on the device (the rest unset); empty when it ran
  int iterations = 0;   ///< the largest over the sequences
  std::size_t converged = 0;  ///< sequences
  double newton_ms = 0, newton_total_ms = 0, sequential_ms = 0;  ///< kernels (total: with transfers)
  double speedup = 0;  ///< sequential_ms ÷ newton_ms (NaN when newton_ms is 0)
  std::optional<double> cpu_sequential_ms;  ///< the CPU's sequential run, only where T·batch·d ≤ 2^22
  std::optional<double> speedup_vs_cpu;
  double max_error_vs_sequential = 0;  ///< against the device's sequential run
  bool meets_goal = false;             ///< config.goal: speedup ≥ kDeviceGoalSpeedup
};

/// The columns of the table, in order.
std::vector<std::string> device_bench_columns();
/// A row as JSON: the configuration, then the outcome (`converged` is
/// "C/B", or "failed: …" with nothing after it), `goal` and `meets_goal` on
/// the goal's rows.
nlohmann::ordered_json to_json(const DeviceBenchRow& r);

struct DeviceBench {
  std::string gpu;        ///< kernels::cuda::device_status()
  std::string precision;  ///< as run
  std::vector<DeviceBenchRow> rows;
};

/// Validates, requires the device (kernels::cuda::Unavailable without one,
/// also when it goes away mid-sweep) and runs every configuration; one that
/// fails (kernels::cuda::CudaError, a refused size, host memory) is reported
/// in its row and the others go on. progress as BenchHooks::progress.
DeviceBench run_device_bench(const DeviceBenchOptions& o,
                             const std::function<void(std::size_t done, std::size_t total, const std::string& what)>& progress = {});

}  // namespace parallax::experiment::solve
