#pragma once
// What the accuracy sweeps share (experiment::reduce and experiment::recognize):
// their common options and the keys a suite gives them, the checks and the
// work estimate made before a sweep starts, the decision of a compiled model
// at a precision, and the minimum-precision search with its growth-law fits.
//
// Minimum precision: the smallest significand width M such that float:M:E
// decides every trial correctly (E = `exponent_bits`, wider than fp32's),
// separately for the sequential evaluation and the parallel scan; with
// interval arithmetic, the smallest endpoint width at which every output
// interval excludes the threshold (certified). Correctness need not be
// monotone in M (rounding can snap a rotation onto an exactly periodic orbit
// at one width and not at the next), so widths up to `linear_bits` are tried
// one by one and the first that works is reported; above that, doubling and
// bisection assume monotonicity.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "automata/compile.hpp"
#include "experiment/fit.hpp"
#include "experiment/options.hpp"
#include "experiment/records.hpp"
#include "models/model.hpp"
#include "numeric/context.hpp"
#include "numeric/precision.hpp"

namespace parallax::experiment {

/// Parameters of a minimum-precision search.
struct MinBitsSearch {
  int exponent_bits = 10, linear_bits = 64, max_bits = 2048;
  bool scan = true;       ///< also search for the parallel scan
  bool interval = false;  ///< also the certified interval width
};

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

/// The options every sweep has: per length and precision, `trials` trials
/// from the seed, each decided sequentially and (check_scan) by the parallel
/// scan; with min_bits, the minimum-precision search at each length. Each
/// sweep's Options derives from it and adds its own.
struct SweepOptions {
  std::vector<std::size_t> lengths;
  std::vector<numeric::Precision> precisions;
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  bool min_bits = false;
  int exponent_bits = 10;   ///< E of float:M:E in the minimum-precision search (range 2^±511, fp32's is 2^±127)
  int max_bits = 2048;      ///< search cap
  int linear_bits = 64;     ///< widths tried one by one before doubling
  bool check_scan = true;   ///< also run the parallel scan and compare
  bool allow_long = false;  ///< run a sweep estimated above the work budget

  /// The minimum-precision search of these options: its widths, the scan
  /// when check_scan, the certified interval width when a precision is an
  /// interval.
  MinBitsSearch search() const;
  /// What the sweep computes, for its estimate; `exact_reference`: an exact
  /// run of every trial besides the precisions (reduce's reference scores).
  SweepWork work(bool exact_reference) const;
  /// The checks every sweep's validate() makes, each an OptionError naming
  /// the option: trials from 1 to limits::kMaxTrials, exponent_bits from 2
  /// to 30 and max_bits from 2 to numeric::kMaxPrecisionBits, the work (when
  /// `estimate`) within the budget unless allow_long and within the memory
  /// (check_sweep_work, naming "lengths"), and each precision resolving at
  /// every length (log:C and poly:K, naming "precision" and n).
  void validate_sweep(const OptionNames& names, bool exact_reference, bool estimate = true) const;
  /// Reads the keys of a suite entry that every sweep has: lengths
  /// (`default_lengths` when absent), precision (fp32 when absent), trials,
  /// seed, min_bits, exponent_bits, max_bits, no_scan, allow_long; each read
  /// and range-checked as the command line reads it (OptionError naming the key).
  void read_sweep_keys(const OptionKeys& keys, const char* default_lengths);
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

/// The decision of a compiled model on a word at precision p (Undecided: an
/// interval straddling the threshold). `score` (may be null) receives the
/// readout score ⟨c, h_n⟩ + c0 as a double (an interval's midpoint), when
/// there is one.
models::Verdict decide(const automata::CompiledModel& model, const std::vector<std::uint32_t>& word,
                       const numeric::Precision& p, bool parallel, numeric::Status* status = nullptr, double* score = nullptr);

/// Whether every trial is decided correctly at a precision (sequentially or
/// by the scan); records overflow in the status.
using AllCorrect = std::function<bool(const numeric::Precision&, bool parallel, numeric::Status*)>;
/// The smallest width in [lo, cap] with ok(width): every width up to
/// `linear` in turn (exact even where ok is not monotone), then doubling and
/// bisection.
std::optional<int> smallest_bits(int lo, int linear, int cap, const std::function<bool(int)>& ok);
/// Minimum-bits records of one length: float (and interval) × (sequential, scan).
std::vector<MinBitsRecord> search_min_bits(std::size_t n, const MinBitsSearch& s, const AllCorrect& all_correct,
                                           void (*progress)(const std::string&) = nullptr);

/// A growth law of minimum bits against n for one (arithmetic, mode) series.
struct MinBitsFit {
  std::string arithmetic, mode;
  std::size_t points = 0;
  LawFit fit;
};
/// One fit per (arithmetic, mode) with at least 3 lengths n ≥ 1 where a width was found.
std::vector<MinBitsFit> fit_min_bits(const std::vector<MinBitsRecord>& records);
/// A fit as the "min_bits_fit" rows of reduce and recognize print it:
/// arithmetic, mode, points, law, a (3 decimals), b (4), rss (3).
nlohmann::ordered_json to_json(const MinBitsFit& fit);

}  // namespace parallax::experiment
