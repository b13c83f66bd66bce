#pragma once
// The reduction experiment: for a problem and one of its constructions, per
// length n and precision, generate trials (half yes, half no), reduce each to
// the construction's model and tokens, decide it sequentially and by the
// parallel scan, and compare with the reference solver. For a stepwise
// problem the model's output after every position is compared with the
// reference label too (experiment/steps.hpp; ReduceRecord::steps). Trial k
// of length n uses the seed trial_seed(seed, n, k), so a failing trial is
// reproduced by `parallax problems --example P --n N --seed SEED`; results do
// not depend on the number of jobs.
//
//   Options (validate() names the bad option) → run(problem, options, hooks)
//   → Report: ReduceRecord, MinBitsRecord (experiment/records.hpp)
//
// `parallax reduce` is the command-line adapter; `parallax run` builds the
// Options of a [[reduce]] suite entry with options_from_json.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiment/options.hpp"
#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "experiment/sweep.hpp"
#include "reductions/problem.hpp"

namespace parallax::experiment::reduce {

/// The lengths of a sweep when none are given.
inline constexpr const char* kDefaultLengths = "16,64,256";

struct Options : SweepOptions {
  std::string problem;       ///< a problem of `parallax problems`, e.g. word:S5
  std::string construction;  ///< one of its constructions (empty: its first)
  int jobs = 1;              ///< threads over trials (the records do not depend on it)

  /// Throws OptionError naming the option: an unknown problem or
  /// construction, jobs out of range, then the checks of every sweep
  /// (SweepOptions::validate_sweep: trials and search widths out of range, a
  /// sweep above the work budget or the memory, a precision that does not
  /// resolve at one of the lengths). What `parallax reduce` and a suite's
  /// [[reduce]] entry both check before any work.
  void validate(const OptionNames& names = {}) const;
};

/// The options of a suite's [[reduce]] entry (its keys: problem,
/// construction, jobs, and the keys of every sweep, SweepOptions::read_sweep_keys),
/// each read and range-checked as the command line reads it; errors are
/// OptionError naming the key.
Options options_from_json(const nlohmann::ordered_json& keys);

struct Report {
  std::vector<ReduceRecord> records;
  std::vector<MinBitsRecord> min_bits;
};

/// Where a sweep stands, for a progress display: work is counted in tokens
/// (n · trials per length and precision, and per minimum-bits search).
struct Progress {
  double done = 0, total = 0;
  std::string stage;  ///< e.g. "n = 64, fp32"
};

/// Hooks of a sweep (every one may be empty). A result the store already
/// holds is reused and not recomputed: that is how a sweep resumes.
struct Hooks {
  std::function<std::optional<ReduceRecord>(std::size_t n, const std::string& precision)> stored_record;
  std::function<std::optional<std::vector<MinBitsRecord>>(std::size_t n)> stored_min_bits;
  /// Called (from the calling thread) as soon as a result is complete.
  std::function<void(const ReduceRecord&)> on_record;
  std::function<void(std::size_t n, const std::vector<MinBitsRecord>&)> on_min_bits;
  std::function<void(const Progress&)> progress;
  /// Called often (after each trial, and each width a minimum-bits search
  /// tries) from the calling thread, never concurrently; it may throw to stop
  /// the sweep (e.g. on an interrupt): the trials in flight finish, no new
  /// ones start, and the exception leaves run(). Results already handed to
  /// on_record / on_min_bits stay written, so a store resumes from them.
  std::function<void()> poll;
};

/// Hooks that resume a sweep from a run of a store and write each result
/// to it as soon as it is complete (one transaction each); stored records are
/// checked field by field and against their key (StoredRecordError).
Hooks store_hooks(const RunResults& run);

/// The generator seed of trial k at length n.
std::uint64_t trial_seed(std::uint64_t seed, std::size_t n, std::size_t k);

/// Runs the sweep (options validated) over `problem`, the problem the
/// options name, with their construction (not empty).
Report run(const reductions::Problem& problem, const Options& o, const Hooks& hooks = {});

/// The configuration that determines a sweep's results (not its lengths,
/// precisions or jobs, which only choose which results to compute): the
/// problem's name, the construction, trials, seed, the scan check and the
/// minimum-bits search. (A run stored before stepwise problems existed is
/// resumed: its records read back without a per-position check.)
nlohmann::json config(const reductions::Problem& problem, const Options& o);

}  // namespace parallax::experiment::reduce
