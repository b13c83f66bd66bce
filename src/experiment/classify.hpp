#pragma once
// The classify experiment behind `parallax classify`: a regular language's
// syntactic monoid (the transition monoid of its minimal DFA), its circuit
// class (AC0 / ACC0 / NC1-complete, automata/classify.hpp) and what the
// theory predicts each architecture manages (automata/predict.hpp);
// optionally the right Cayley graph of the monoid as Graphviz DOT.
//
//   Options (validate() names the bad option) → run(options) → Record
//
// `parallax classify` is the command-line adapter and prints the record as a
// table, CSV, or JSON (to_json). Classify records are not stored.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "automata/classify.hpp"
#include "automata/predict.hpp"
#include "automata/taxonomy.hpp"
#include "experiment/language_source.hpp"
#include "experiment/options.hpp"

namespace parallax::experiment::classify {

/// A bad option (the CLI's exit 2): what() is the message, `option` the
/// option's name without dashes ("language", "regex", "cayley").
using experiment::OptionError;  // experiment/options.hpp

/// The monoid has more elements than Options::max_monoid (the CLI's exit 1);
/// what() starts with the language's name.
struct TooLarge : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  LanguageSource source;           ///< a built-in language, an automaton file or a regex; not weighted
  std::size_t max_monoid = 1000000;  ///< give up past this many monoid elements
  std::string cayley;              ///< also write the right Cayley graph as DOT to this file (empty: none)

  /// The language source's checks (exactly one source; an alphabet only with
  /// a regex); throws OptionError naming the option.
  void validate(const OptionNames& names = {}) const;
};

/// One language's classification: the `parallax classify --json` line.
struct Record {
  std::string language;  ///< the automaton's name (the built-in name, the regex, the file's name)
  std::size_t states = 0;  ///< of the minimal DFA
  std::size_t monoid_size = 0;
  std::size_t idempotents = 0;
  /// One per regular D-class with a non-trivial maximal subgroup, largest first.
  std::vector<automata::GroupSummary> groups;
  bool aperiodic = true;
  bool quasi_aperiodic = true;
  std::size_t stability_index = 1;
  std::size_t stable_semigroup_size = 0;
  std::size_t max_period = 1;
  automata::ComplexityClass circuit_class = automata::ComplexityClass::AC0;  ///< "class"
  /// One per architecture, in automata::predict's order; keyed in the JSON by
  /// names(architecture).prediction_key.
  std::vector<automata::Prediction> predictions;
};

/// The JSON record, fields in the order `parallax classify --json` prints them.
nlohmann::ordered_json to_json(const Record& r);
/// A record read back, the predictions in the order written; throws
/// experiment::RecordFieldError naming a missing or malformed field (a
/// group's or a prediction's field with its place, e.g. "groups[1]: field
/// 'order' …", "predictions.pd: …").
Record record_from_json(const nlohmann::ordered_json& j);
/// The same from an unordered object: the predictions come in key order.
Record record_from_json(const nlohmann::json& j);

/// Loads the language, minimizes it, summarizes its syntactic monoid and
/// predicts per architecture; with Options::cayley writes the Cayley graph
/// (automata::cayley_dot) atomically. Throws OptionError for a bad source
/// (or a weighted automaton, or a monoid too large to draw), io::WriteError
/// for an output path that cannot be written, TooLarge past max_monoid.
Record run(const Options& options, const OptionNames& names = {});

}  // namespace parallax::experiment::classify
