#include "cli/language_source.hpp"

#include <fmt/format.h>

#include "automata/languages.hpp"
#include "automata/regex.hpp"

namespace parallax::cli {

void LanguageSource::add_to(CLI::App& cmd) {
  cmd.add_option("--language", language, "A built-in language (see `parallax languages`), e.g. parity, count-mod:5, word:S5");
  cmd.add_option("--automaton", automaton, "An automaton file: DFA, NFA, WFA or PFA JSON (docs/automata-json.md)");
  cmd.add_option("--regex", regex,
                 "A regular expression: | * + ? ( ) [abc] [a-c] [^a] . and \\ escapes; one character per symbol");
  cmd.add_option("--alphabet", alphabet,
                 "With --regex: the alphabet as a string of symbols, e.g. ab (default: the regex's literal symbols)");
}

automata::Automaton LanguageSource::load() const {
  const int given = !language.empty() + !automaton.empty() + !regex.empty();
  if (given != 1) throw CliError(kBadInput, "give exactly one of --language, --automaton and --regex");
  if (!alphabet.empty() && regex.empty()) throw CliError(kBadInput, "--alphabet applies to --regex only");
  automata::Automaton a;
  try {
    if (!language.empty()) {
      a.dfa = automata::language(language);
    } else if (!automaton.empty()) {
      a = automata::load_automaton(automaton);
    } else {
      std::vector<std::string> al;
      for (char c : alphabet) al.emplace_back(1, c);
      a.dfa = automata::regex_to_dfa(regex, al);
    }
  } catch (const automata::RegexError& e) {
    throw CliError(kBadInput, fmt::format("--regex '{}': {}", regex, e.what()));
  } catch (const automata::AutomatonError& e) {
    throw CliError(kBadInput, e.what());
  } catch (const std::invalid_argument& e) {  // a bad --alphabet, or a built-in language name
    throw CliError(kBadInput, fmt::format("{}: {}", !language.empty() ? "--language" : !alphabet.empty() ? "--alphabet" : "--regex",
                                          e.what()));
  }
  return a;
}

}  // namespace parallax::cli
