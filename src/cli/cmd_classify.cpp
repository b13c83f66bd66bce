// `parallax classify`: the syntactic monoid of a regular language, its
// circuit class (AC0 / ACC0 / NC1-complete) and what each architecture is
// predicted to manage (experiment/classify.hpp).
#include <fmt/format.h>

#include "cli/common.hpp"
#include "cli/language_source.hpp"
#include "experiment/classify.hpp"

namespace parallax::cli {
namespace {

namespace cl = experiment::classify;

struct ClassifyOpts {
  cl::Options options;
  FormatFlags fmt;
};

/// The facts and the predictions as two tables (or two CSV blocks).
void print_tables(const cl::Record& r, Format f) {
  std::string gs;
  for (const auto& g : r.groups)
    gs += fmt::format("{}{} (order {}, {})", gs.empty() ? "" : ", ", g.name, g.order, g.solvable ? "solvable" : "non-solvable");
  if (gs.empty()) gs = "none (only trivial groups)";
  Records facts({"property", "value"});
  facts.add({{"property", "language"}, {"value", r.language}});
  facts.add({{"property", "minimal DFA states"}, {"value", r.states}});
  facts.add({{"property", "monoid size"}, {"value", r.monoid_size}});
  facts.add({{"property", "idempotents"}, {"value", r.idempotents}});
  facts.add({{"property", "maximal subgroups"}, {"value", gs}});
  facts.add({{"property", "aperiodic"}, {"value", r.aperiodic ? "yes" : "no"}});
  facts.add({{"property", "stability index"}, {"value", r.stability_index}});
  facts.add({{"property", "stable semigroup size"}, {"value", r.stable_semigroup_size}});
  facts.add({{"property", "quasi-aperiodic"}, {"value", r.quasi_aperiodic ? "yes" : "no"}});
  facts.add({{"property", "class"}, {"value", automata::to_string(r.circuit_class)}});
  Records table({"architecture", "prediction", "reason", "citation"});
  for (const auto& x : r.predictions)
    table.add({{"architecture", std::string(automata::names(x.architecture).prediction_label)},
               {"prediction", x.verdict},
               {"reason", x.reason},
               {"citation", x.citation}});
  if (f == Format::Csv) {
    facts.print(Format::Csv);
    table.print(Format::Csv);
    return;
  }
  facts.print(Format::Table);
  fmt::print("\n");
  table.print(Format::Table);
}

void run(const ClassifyOpts& o) {
  cl::Record r;
  try {
    r = cl::run(o.options);
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  } catch (const cl::TooLarge& e) {
    throw CliError(kFailure, e.what());
  }
  if (o.fmt.format() == Format::Json)
    fmt::print("{}\n", cl::to_json(r).dump());
  else
    print_tables(r, o.fmt.format());
}

}  // namespace

void add_classify(CLI::App& app) {
  auto* cmd = app.add_subcommand("classify",
                                 "Classify a regular language by its syntactic monoid (AC0 / ACC0 / NC1-complete) and "
                                 "print what each architecture is predicted to recognize");
  auto o = std::make_shared<ClassifyOpts>();
  add_language_source(*cmd, o->options.source);
  cmd->add_option("--max-monoid", o->options.max_monoid, "Give up when the monoid has more elements than this")
      ->capture_default_str();
  cmd->add_option("--cayley", o->options.cayley,
                  "Also write the right Cayley graph of the syntactic monoid as Graphviz DOT (nodes: shortest words, "
                  "idempotents in bold)");
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
