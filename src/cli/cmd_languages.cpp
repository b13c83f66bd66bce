// `parallax languages`: the built-in regular languages.
#include <fmt/format.h>

#include "automata/languages.hpp"
#include "cli/common.hpp"

namespace parallax::cli {

void add_languages(CLI::App& app) {
  auto* cmd = app.add_subcommand("languages", "List the built-in regular languages (for --language)");
  auto flags = std::make_shared<FormatFlags>();
  flags->add_to(*cmd);
  cmd->callback([flags] {
    Records r({"name", "example", "states", "alphabet", "description"});
    for (const auto& l : automata::language_catalog()) {
      const auto dfa = automata::language(l.example);
      const std::string alphabet = dfa.alphabet.size() <= 8 ? fmt::format("{}", fmt::join(dfa.alphabet, " "))
                                                            : fmt::format("{} letters", dfa.alphabet.size());
      r.add({{"name", l.name}, {"example", l.example}, {"states", dfa.states}, {"alphabet", alphabet}, {"description", l.description}});
    }
    r.print(flags->format());
  });
}

}  // namespace parallax::cli
