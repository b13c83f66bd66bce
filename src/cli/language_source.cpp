#include "cli/language_source.hpp"

namespace parallax::cli {

void add_language_source(CLI::App& cmd, experiment::LanguageSource& source) {
  cmd.add_option("--language", source.language,
                 "A built-in language (see `parallax languages`), e.g. parity, count-mod:5, word:S5");
  cmd.add_option("--automaton", source.automaton, "An automaton file: DFA, NFA, WFA or PFA JSON (docs/automata-json.md)");
  cmd.add_option("--regex", source.regex,
                 "A regular expression: | * + ? ( ) [abc] [a-c] [^a] . and \\ escapes; one character per symbol");
  cmd.add_option("--alphabet", source.alphabet,
                 "With --regex: the alphabet as a string of symbols, e.g. ab (default: the regex's literal symbols)");
}

automata::Automaton load_language(const experiment::LanguageSource& source) {
  try {
    return source.load();
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
}

}  // namespace parallax::cli
