#pragma once
// The options that give an experiment's language (experiment/language_source.hpp):
// --language NAME (a built-in), --automaton FILE (DFA, NFA, WFA or PFA JSON)
// or --regex RE (with --alphabet). Shared by `parallax classify` and
// `parallax recognize`.
#include "automata/automaton_json.hpp"
#include "cli/common.hpp"
#include "experiment/language_source.hpp"

namespace parallax::cli {

/// Registers --language, --automaton, --regex and --alphabet, landing in `source`.
void add_language_source(CLI::App& cmd, experiment::LanguageSource& source);

/// source.load(), its OptionError a CliError(kBadInput) with the same message.
automata::Automaton load_language(const experiment::LanguageSource& source);

}  // namespace parallax::cli
