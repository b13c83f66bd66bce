#pragma once
// The reduction runner: for a problem and one of its constructions, per
// length n and precision, generate trials (half yes, half no), reduce each to
// the construction's model and tokens, decide it sequentially and by the
// parallel scan, and compare with the reference solver. Trial k of length n
// uses the seed trial_seed(seed, n, k), so a failing trial is reproduced by
// `parallax problems --example P --n N --seed SEED`; results do not depend
// on the number of jobs.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiment/options.hpp"
#include "experiment/recognize.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"

namespace parallax::experiment {

struct SweepWork;

/// The lengths of a sweep when none are given.
inline constexpr const char* kDefaultReduceLengths = "16,64,256";

struct ReduceOptions {
  std::string problem;       ///< a problem of `parallax problems`, e.g. word:S5
  std::string construction;  ///< one of its constructions (empty: its first)
  std::vector<std::size_t> lengths;
  std::vector<numeric::Precision> precisions;
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  int jobs = 1;
  bool min_bits = false;
  MinBitsSearch search;
  bool check_scan = true;
  bool allow_long = false;  ///< run a sweep estimated above the work budget

  /// Throws OptionError naming the option: an unknown problem or
  /// construction, trials, jobs or search widths out of range, a sweep above
  /// the work budget or the memory (check_sweep), a precision that does not
  /// resolve at one of the lengths. What `parallax reduce` and a suite's
  /// [[reduce]] entry both check before any work.
  void validate(const OptionNames& names = {}) const;
  /// What the sweep computes, for its estimate.
  SweepWork work() const;
};

/// The options of a suite's [[reduce]] entry (its keys: problem,
/// construction, lengths, precision, trials, seed, jobs, min_bits,
/// exponent_bits, max_bits, no_scan, allow_long), each read and range-checked
/// as the command line reads it; errors are OptionError naming the key.
ReduceOptions reduce_options_from_json(const nlohmann::ordered_json& keys);

struct ReduceReport {
  std::vector<ReduceRecord> records;
  std::vector<MinBitsRecord> min_bits;
};

/// Where a sweep stands, for a progress display: work is counted in tokens
/// (n · trials per length and precision, and per minimum-bits search).
struct ReduceProgress {
  double done = 0, total = 0;
  std::string stage;  ///< e.g. "n = 64, fp32"
};

/// Hooks of a sweep (every one may be empty). A result the store already
/// holds is reused and not recomputed: that is how a sweep resumes.
struct ReduceHooks {
  std::function<std::optional<ReduceRecord>(std::size_t n, const std::string& precision)> stored_record;
  std::function<std::optional<std::vector<MinBitsRecord>>(std::size_t n)> stored_min_bits;
  /// Called (from the calling thread) as soon as a result is complete.
  std::function<void(const ReduceRecord&)> on_record;
  std::function<void(std::size_t n, const std::vector<MinBitsRecord>&)> on_min_bits;
  std::function<void(const ReduceProgress&)> progress;
};

/// Hooks that resume a sweep from a run of a store and write each result
/// to it as soon as it is complete (one transaction each); stored records are
/// checked field by field and against their key (StoredRecordError).
ReduceHooks reduce_store_hooks(const RunResults& run);

/// The generator seed of trial k at length n.
std::uint64_t trial_seed(std::uint64_t seed, std::size_t n, std::size_t k);

ReduceReport reduce(const reductions::Problem& problem, const ReduceOptions& o, const ReduceHooks& hooks = {});

// --- work before a sweep ------------------------------------------------------

/// What a sweep will compute, for its estimate.
struct SweepWork {
  std::vector<std::size_t> lengths;
  std::size_t trials = 0;
  std::vector<numeric::Precision> precisions;
  bool scan = true;             ///< each precision also by the parallel scan
  bool exact_reference = true;  ///< an exact run of every trial (reduce's reference scores)
  bool min_bits = false;
  MinBitsSearch search;
  std::size_t bytes_per_token = 8;  ///< memory one token of one trial holds while its length runs
};

/// Estimated nanoseconds per token of a small model (a 5 × 5 PD-LRNN) in the
/// arithmetic of p at length n: about 0.1 µs native, 2 µs emulated floats and
/// fixed point, 20 µs exact, 30 µs intervals and 40 µs MPFR floats (growing
/// with the width beyond 64 bits).
double token_nanoseconds(const numeric::Precision& p, std::size_t n);

/// The estimated seconds of a sweep: per length n, n times the trials times
/// the cost of each evaluation (the exact reference, every precision, twice
/// with the scan), plus the minimum-bits search (its widths once, the widths
/// around the minimum with every trial). Larger models take longer; it is an
/// order of magnitude, for refusing a typo such as 1e9 for 1e3.
double sweep_seconds(const SweepWork& w);

/// Refuses a sweep before it starts: limits::LimitError naming `option`
/// (e.g. "--lengths"), the estimate and how to go on when sweep_seconds
/// exceeds limits::kMaxSweepSeconds (unless allow_long; `allow_hint` says
/// how to allow it, e.g. "Give --allow-long"), and when the trials of its
/// largest length would not fit in memory (limits::check_memory).
void check_sweep_work(const SweepWork& w, bool allow_long, const std::string& option, const std::string& allow_hint);

// --- checks that reduce and recognize share (OptionError naming the option) ----

/// trials from 1 to limits::kMaxTrials.
void check_trials(std::size_t trials, const OptionNames& names);
/// The minimum-bits search: exponent_bits from 2 to 30, max_bits from 2 to numeric::kMaxPrecisionBits.
void check_search_widths(int exponent_bits, int max_bits, const OptionNames& names);
/// check_sweep_work, naming "lengths".
void check_sweep(const SweepWork& w, bool allow_long, const OptionNames& names);
/// Resolves log:C and poly:K at every length, so that a width above the cap
/// is refused before any work (naming "precision" and n).
void check_precisions_resolve(const std::vector<numeric::Precision>& precisions, const std::vector<std::size_t>& lengths,
                              const OptionNames& names);

/// The configuration that determines a sweep's results (not its lengths,
/// precisions or jobs, which only choose which results to compute).
nlohmann::json result_config(const std::string& problem, const ReduceOptions& o);

}  // namespace parallax::experiment
