#pragma once
// The automaton-recognition harness: does a compiled model recognize its
// language, at which lengths and precisions, and with how few bits?
//
// For each length n: `trials` words, half accepted and half rejected where
// the language has both at length n, drawn by counting paths in the minimal
// DFA (automata/sample.hpp), deterministic in the seed. Each word is run
// through the model at every precision, sequentially and by the parallel
// scan, and its decision compared with the automaton's. A weighted automaton
// has no path counts to sample by: its words are uniform, labelled by the
// exact weight f(w) against the cut-point.
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
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "automata/automaton_json.hpp"
#include "automata/compile.hpp"
#include "automata/dfa.hpp"
#include "automata/wfa.hpp"
#include "experiment/fit.hpp"
#include "experiment/options.hpp"
#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "numeric/context.hpp"
#include "numeric/precision.hpp"

namespace parallax::experiment {

/// What is recognized: a DFA (minimal) or a weighted automaton.
struct RecognitionTarget {
  std::string name;
  bool weighted = false;
  automata::Dfa dfa;                   ///< minimal DFA (unweighted targets)
  automata::Wfa<numeric::Exact> wfa;   ///< weighted targets
  const std::vector<std::string>& alphabet() const { return weighted ? wfa.alphabet : dfa.alphabet; }
  bool accepts(const std::vector<std::uint32_t>& w) const;
};

struct RecognizeOptions {
  std::string model;  ///< the model kind as given (e.g. "pd"): the records' "model"
  std::vector<std::size_t> lengths;
  std::vector<numeric::Precision> precisions;
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  bool min_bits = false;
  int exponent_bits = 10;   ///< E of float:M:E in the minimum-precision search (range 2^±511, fp32's is 2^±127)
  int max_bits = 2048;      ///< search cap
  int linear_bits = 64;     ///< widths tried one by one before doubling
  bool check_scan = true;   ///< also run the parallel scan and compare
  std::optional<std::vector<std::vector<std::uint32_t>>> strings;  ///< user words instead of sampled ones
  bool allow_long = false;  ///< run a sweep estimated above the work budget

  /// Throws OptionError naming the option: trials or search widths out of
  /// range, a sweep of sampled words above the work budget or the memory, a
  /// precision that does not resolve at one of the lengths. What `parallax
  /// recognize` and a suite's [[recognize]] entry both check before any work
  /// (with compile_model).
  void validate(const OptionNames& names = {}) const;
};

/// The lengths of a sweep when none are given.
inline constexpr const char* kDefaultRecognizeLengths = "10,100,1000";

/// The options of a suite's [[recognize]] entry (its keys: model, lengths,
/// precision, trials, seed, min_bits, exponent_bits, max_bits, no_scan,
/// allow_long), read as the command line reads them; errors are OptionError
/// naming the key. The language is the entry's `language` (recognition_target).
RecognizeOptions recognize_options_from_json(const nlohmann::ordered_json& keys);

/// The target of an automaton: a weighted one as it is, a DFA minimized.
RecognitionTarget recognition_target(const automata::Automaton& a);

/// Compiles the target to the model kind `model` (e.g. "pd"); an unknown kind
/// or a language the kind cannot express is an OptionError naming "model".
automata::CompiledModel compile_model(const RecognitionTarget& target, const std::string& model,
                                      const OptionNames& names = {});

struct RecognizeReport {
  std::string model_description;
  std::vector<RecognizeRecord> records;
  std::vector<MinBitsRecord> min_bits;
};

/// Parameters of a minimum-precision search.
struct MinBitsSearch {
  int exponent_bits = 10, linear_bits = 64, max_bits = 2048;
  bool scan = true;       ///< also search for the parallel scan
  bool interval = false;  ///< also the certified interval width
};
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

/// The words of a words file (`--strings`): one word per line over the
/// alphabet, '#' starts a comment, blank lines skipped. Throws
/// std::invalid_argument naming SOURCE:LINE, or SOURCE when it has no words.
std::vector<std::vector<std::uint32_t>> parse_words(const std::string& text, const std::vector<std::string>& alphabet,
                                                    const std::string& source);

/// The words of trial set for length n (sampled, or the user's words of that length).
std::vector<std::vector<std::uint32_t>> trial_words(const RecognitionTarget& target, std::size_t n, std::size_t trials,
                                                    std::uint64_t seed);

/// Runs the harness. `progress` (may be null) receives one line per step.
RecognizeReport recognize(const RecognitionTarget& target, const automata::CompiledModel& model,
                          const RecognizeOptions& opts, void (*progress)(const std::string&) = nullptr);

/// Hooks of a sweep that resumes from a store (both needed): a result the
/// store already holds is reused and not recomputed.
struct RecognizeHooks {
  /// The stored accuracy record of (n, format), checked, or nullopt.
  std::function<std::optional<RecognizeRecord>(std::size_t n, const std::string& format)> stored_record;
  std::function<std::optional<std::vector<MinBitsRecord>>(std::size_t n)> stored_min_bits;
  /// The new results of one length (min_bits null when none were searched),
  /// stored in one transaction; a record whose key is stored already is left out.
  std::function<void(std::size_t n, const std::vector<RecognizeRecord>& records, const std::vector<MinBitsRecord>* min_bits)>
      on_length;
};

/// Hooks over a run of a store: stored records checked field by field and
/// against their key (StoredRecordError); a length's new results written in
/// one transaction.
RecognizeHooks recognize_store_hooks(const RunResults& run);

/// The harness one length at a time, through a store: per length, what the
/// store holds is read back, the rest computed and handed to on_length; the
/// report's records are then read back for every precision (a record
/// stored under its format answers every spec that resolves to it).
RecognizeReport recognize(const RecognitionTarget& target, const automata::CompiledModel& model,
                          const RecognizeOptions& opts, const RecognizeHooks& hooks,
                          void (*progress)(const std::string&) = nullptr);

/// The decision of a compiled model on a word at precision p (Undecided: an
/// interval straddling the threshold). `score` (may be null) receives the
/// readout score ⟨c, h_n⟩ + c0 as a double (an interval's midpoint), when
/// there is one.
models::Verdict decide(const automata::CompiledModel& model, const std::vector<std::uint32_t>& word,
                       const numeric::Precision& p, bool parallel, numeric::Status* status = nullptr, double* score = nullptr);

}  // namespace parallax::experiment
