#pragma once
// The automaton-recognition experiment: does a compiled model recognize its
// language, at which lengths and precisions, and with how few bits
// (experiment/sweep.hpp: the minimum-precision search)?
//
// For each length n: `trials` words, half accepted and half rejected where
// the language has both at length n, drawn by counting paths in the minimal
// DFA (automata/sample.hpp), deterministic in the seed. Each word is run
// through the model at every precision, sequentially and by the parallel
// scan, and its decision compared with the automaton's. A weighted automaton
// has no path counts to sample by: its words are uniform, labelled by the
// exact weight f(w) against the cut-point.
//
//   Options (validate() names the bad option) → run(target, model, options, hooks)
//   → Report: RecognizeRecord, MinBitsRecord (experiment/records.hpp)
//
// `parallax recognize` is the command-line adapter; `parallax run` builds the
// Options of a [[recognize]] suite entry with options_from_json.
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "automata/automaton_json.hpp"
#include "automata/compile.hpp"
#include "automata/dfa.hpp"
#include "automata/wfa.hpp"
#include "experiment/language_source.hpp"
#include "experiment/options.hpp"
#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "experiment/sweep.hpp"
#include "numeric/precision.hpp"

namespace parallax::experiment::recognize {

/// What is recognized: a DFA (minimal) or a weighted automaton.
struct Target {
  std::string name;
  bool weighted = false;
  automata::Dfa dfa;                   ///< minimal DFA (unweighted targets)
  automata::Wfa<numeric::Exact> wfa;   ///< weighted targets
  const std::vector<std::string>& alphabet() const { return weighted ? wfa.alphabet : dfa.alphabet; }
  bool accepts(const std::vector<std::uint32_t>& w) const;
};

/// The lengths of a sweep when none are given.
inline constexpr const char* kDefaultLengths = "10,100,1000";

struct Options : SweepOptions {
  std::string model;  ///< the model kind as given (e.g. "pd"): the records' "model"
  std::optional<std::vector<std::vector<std::uint32_t>>> strings;  ///< user words instead of sampled ones

  /// Throws OptionError naming the option: the checks of every sweep
  /// (SweepOptions::validate_sweep: trials or search widths out of range, a
  /// sweep of sampled words above the work budget or the memory, a precision
  /// that does not resolve at one of the lengths). What `parallax recognize`
  /// and a suite's [[recognize]] entry both check before any work (with
  /// compile_model).
  void validate(const OptionNames& names = {}) const;
};

/// The options of a suite's [[recognize]] entry (its keys: model and the
/// keys of every sweep, SweepOptions::read_sweep_keys), read as the command
/// line reads them; errors are OptionError naming the key. The language is
/// the entry's `language` (make_target).
Options options_from_json(const nlohmann::ordered_json& keys);

/// The target of an automaton: a weighted one as it is, a DFA minimized.
Target make_target(const automata::Automaton& a);

/// Compiles the target to the model kind `model` (e.g. "pd"); an unknown kind
/// or a language the kind cannot express is an OptionError naming "model".
automata::CompiledModel compile_model(const Target& target, const std::string& model, const OptionNames& names = {});

struct Report {
  std::string model_description;
  std::vector<RecognizeRecord> records;
  std::vector<MinBitsRecord> min_bits;
};

/// The words of a words file (`--strings`): one word per line over the
/// alphabet, '#' starts a comment, blank lines skipped. Throws
/// std::invalid_argument naming SOURCE:LINE, or SOURCE when it has no words.
std::vector<std::vector<std::uint32_t>> parse_words(const std::string& text, const std::vector<std::string>& alphabet,
                                                    const std::string& source);

/// The words of trial set for length n (sampled, or the user's words of that length).
std::vector<std::vector<std::uint32_t>> trial_words(const Target& target, std::size_t n, std::size_t trials,
                                                    std::uint64_t seed);

/// Runs the sweep (options validated). `progress` (may be null) receives one line per step.
Report run(const Target& target, const automata::CompiledModel& model, const Options& opts,
           void (*progress)(const std::string&) = nullptr);

/// Hooks of a sweep that resumes from a store (each may be empty): a result
/// the store already holds is reused and not recomputed.
struct Hooks {
  /// The stored accuracy record of (n, format), checked, or nullopt.
  std::function<std::optional<RecognizeRecord>(std::size_t n, const std::string& format)> stored_record;
  std::function<std::optional<std::vector<MinBitsRecord>>(std::size_t n)> stored_min_bits;
  /// The new results of one length (min_bits null when none were searched),
  /// stored in one transaction; a record whose key is stored already is left out.
  std::function<void(std::size_t n, const std::vector<RecognizeRecord>& records, const std::vector<MinBitsRecord>* min_bits)>
      on_length;
  /// Called often (before each word and each width a minimum-bits search
  /// tries) from the calling thread; it may throw to stop the sweep (e.g. on
  /// an interrupt). Lengths already handed to on_length stay written.
  std::function<void()> poll;
};

/// Hooks over a run of a store: stored records checked field by field and
/// against their key (StoredRecordError); a length's new results written in
/// one transaction.
Hooks store_hooks(const RunResults& run);

/// The sweep one length at a time, through a store: per length, what the
/// store holds is read back, the rest computed and handed to on_length; the
/// report's records are then read back for every precision (a record
/// stored under its format answers every spec that resolves to it).
Report run(const Target& target, const automata::CompiledModel& model, const Options& opts, const Hooks& hooks,
           void (*progress)(const std::string&) = nullptr);

/// The configuration that determines a sweep's records, but for its language
/// (which the caller adds: its name and where it came from): the model,
/// trials, seed, the scan check and the minimum-bits search (not the lengths
/// or precisions, which only choose which records are computed).
nlohmann::json config(const Options& o);

/// The configuration of a stored run: config(o) with the language, by its
/// name (`language`) and where it came from (the hash of an automaton's file
/// or JSON text; a regex and its alphabet).
nlohmann::json store_config(const Options& o, const LanguageSource& source, const std::string& language);

}  // namespace parallax::experiment::recognize
