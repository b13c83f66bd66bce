#pragma once
// The equivalence check behind `parallax equivalent`: do two regular
// languages accept the same words? Each side is a built-in language, an
// automaton file (DFA or NFA), or re:REGEX. When they differ, the record
// holds a shortest word accepted by exactly one of them.
//
//   Options (validate() names the bad option) → run(options) → Record
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "experiment/options.hpp"

namespace parallax::experiment::equivalent {

using experiment::OptionError;  // experiment/options.hpp

struct Options {
  std::string a, b;      ///< a built-in language, a DFA or NFA file, or re:REGEX
  /// The alphabet of the regexes as a string of symbols ("ab"). When empty, a
  /// regex takes the other side's alphabet, or (both regexes) the symbols of both.
  std::string alphabet;

  /// Both sides given; throws OptionError naming "a" or "b".
  void validate(const OptionNames& names = {}) const;
};

/// The `parallax equivalent --json` line.
struct Record {
  std::string a, b;  ///< the sides as given
  bool equivalent = true;
  std::size_t states_a = 0, states_b = 0;  ///< of the minimal DFAs
  /// A shortest word on which they differ ("(empty word)" for the empty
  /// word, letters of several characters in brackets); none when equivalent.
  std::optional<std::string> counterexample;
  std::optional<std::string> accepted_by;  ///< "a" or "b": the side that accepts it
};

/// The JSON record; counterexample and accepted_by are null when equivalent.
nlohmann::ordered_json to_json(const Record& r);
/// A record read back; throws experiment::RecordFieldError naming a missing
/// or malformed field.
Record record_from_json(const nlohmann::json& j);

/// Loads, minimizes and compares both sides. A side that cannot be loaded,
/// and alphabets that differ (letters and their order), throw OptionError
/// naming the side ("a", "b").
Record run(const Options& options, const OptionNames& names = {});

}  // namespace parallax::experiment::equivalent
