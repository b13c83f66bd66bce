#pragma once
// The language an experiment works on, given one of three ways: a built-in
// language (automata/languages.hpp), an automaton file (DFA, NFA, WFA or PFA
// JSON, docs/automata-json.md) or a regular expression over an alphabet.
// `parallax classify` and `parallax recognize` take it as --language,
// --automaton, or --regex with --alphabet.
#include <string>

#include "automata/automaton_json.hpp"
#include "experiment/options.hpp"

namespace parallax::experiment {

struct LanguageSource {
  std::string language;   ///< a built-in language, e.g. parity, count-mod:5, word:S5 …
  std::string automaton;  ///< … or an automaton file …
  std::string regex;      ///< … or a regular expression, one character per symbol
  std::string alphabet;   ///< with regex: its symbols as a string ("ab"); empty: the regex's literal symbols
  /// An automaton's JSON text instead of its file (a program's, e.g. a dict
  /// given to the Python package); errors name it as the automaton option.
  std::string automaton_json;

  /// Exactly one of language, automaton and regex; alphabet only with regex.
  /// Throws OptionError naming the option.
  void validate(const OptionNames& names = {}) const;
  /// validate(), then the automaton. For an unweighted source the result's
  /// dfa is filled (not minimized). A bad name, file, regex or alphabet
  /// throws OptionError naming the option that gave it.
  automata::Automaton load(const OptionNames& names = {}) const;
};

}  // namespace parallax::experiment
