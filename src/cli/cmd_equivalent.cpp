// `parallax equivalent`: do two automata, regexes or built-in languages
// accept the same words? Prints a shortest word on which they differ
// (experiment/equivalent.hpp).
#include <fmt/format.h>

#include "cli/common.hpp"
#include "experiment/equivalent.hpp"

namespace parallax::cli {
namespace {

namespace eq = experiment::equivalent;

struct EquivalentOpts {
  eq::Options options;
  FormatFlags fmt;
};

void run(const EquivalentOpts& o) {
  eq::Record r;
  try {
    r = eq::run(o.options);
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
  if (o.fmt.format() == Format::Table) {
    if (r.equivalent)
      fmt::print("equivalent: both accept the same words (minimal DFAs of {} states)\n", r.states_a);
    else
      fmt::print("not equivalent: the shortest word on which they differ is {}, accepted by {} only\n",
                 *r.counterexample, *r.accepted_by == "a" ? r.a : r.b);
  } else {
    Records table({"a", "b", "equivalent", "states_a", "states_b", "counterexample", "accepted_by"});
    table.add(eq::to_json(r));
    table.print(o.fmt.format());
  }
  if (!r.equivalent) throw CliError(kFailure, "");
}

}  // namespace

void add_equivalent(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "equivalent",
      "Check whether two languages are equal; if not, print a shortest word accepted by exactly one (exit 1). "
      "Each side is a built-in language, an automaton file, or re:REGEX");
  auto o = std::make_shared<EquivalentOpts>();
  cmd->add_option("A", o->options.a, "First language: NAME, FILE or re:REGEX")->required();
  cmd->add_option("B", o->options.b, "Second language: NAME, FILE or re:REGEX")->required();
  cmd->add_option("--alphabet", o->options.alphabet, "Alphabet of the regexes, as a string of symbols (e.g. ab)");
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
