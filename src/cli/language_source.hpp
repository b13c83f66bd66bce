#pragma once
// The language a command works on: --language NAME (a built-in), --automaton
// FILE (DFA, NFA, WFA or PFA JSON) or --regex RE (with --alphabet). Shared by
// `parallax classify` and `parallax recognize`.
#include <string>

#include "automata/automaton_json.hpp"
#include "cli/common.hpp"

namespace parallax::cli {

struct LanguageSource {
  std::string language, automaton, regex, alphabet;

  void add_to(CLI::App& cmd);
  /// Exactly one source must be given; errors become CliError(kBadInput).
  /// For unweighted sources the result's dfa is filled (not minimized).
  automata::Automaton load() const;
};

}  // namespace parallax::cli
