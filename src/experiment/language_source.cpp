// The language of an experiment from a built-in name, a file or a regex
// (language_source.hpp).
#include "experiment/language_source.hpp"

#include <exception>
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "automata/languages.hpp"
#include "automata/regex.hpp"

namespace parallax::experiment {

void LanguageSource::validate(const OptionNames& names) const {
  const bool has_automaton = !automaton.empty() || !automaton_json.empty();
  const int given = !language.empty() + !automaton.empty() + !automaton_json.empty() + !regex.empty();
  if (given != 1)
    throw OptionError(given == 0 || regex.empty() ? has_automaton ? "automaton" : "language" : "regex",
                      fmt::format("give exactly one of {}, {} and {}", names("language"), names("automaton"), names("regex")));
  if (!alphabet.empty() && regex.empty())
    throw OptionError("alphabet", fmt::format("{} applies to {} only", names("alphabet"), names("regex")));
}

automata::Automaton LanguageSource::load(const OptionNames& names) const {
  validate(names);
  automata::Automaton a;
  try {
    if (!language.empty()) {
      a.dfa = automata::language(language);
    } else if (!automaton.empty()) {
      a = automata::load_automaton(automaton);
    } else if (!automaton_json.empty()) {
      a = automata::automaton_from_json_text(automaton_json, names("automaton"));
    } else {
      std::vector<std::string> al;
      for (char c : alphabet) al.emplace_back(1, c);
      a.dfa = automata::regex_to_dfa(regex, al);
    }
  } catch (const automata::RegexError& e) {
    // nested: a caller that wants the position (the Python package) finds the RegexError inside
    std::throw_with_nested(OptionError("regex", fmt::format("{} '{}': {}", names("regex"), regex, e.what())));
  } catch (const automata::AutomatonError& e) {
    throw OptionError("automaton", e.what());
  } catch (const std::invalid_argument& e) {  // a bad alphabet, or a built-in language name
    const char* option = !language.empty() ? "language" : !alphabet.empty() ? "alphabet" : "regex";
    throw OptionError(option, fmt::format("{}: {}", names(option), e.what()));
  }
  return a;
}

}  // namespace parallax::experiment
