// `parallax classify`: the syntactic monoid of a regular language, its
// circuit class (AC0 / ACC0 / NC1-complete) and what each architecture is
// predicted to manage.
#include <fmt/format.h>

#include <sstream>

#include "automata/classify.hpp"
#include "automata/minimize.hpp"
#include "automata/monoid.hpp"
#include "automata/predict.hpp"
#include "cli/common.hpp"
#include "cli/language_source.hpp"
#include "numeric/output.hpp"

namespace parallax::cli {
namespace {

struct ClassifyOpts {
  LanguageSource source;
  FormatFlags fmt;
  std::size_t max_monoid = 1000000;
  std::string cayley;
};

/// The right Cayley graph as Graphviz DOT: one node per monoid element,
/// labelled by a shortest word, one edge per letter.
void write_cayley(const automata::Dfa& minimal, std::size_t max_size, const std::string& path) {
  const auto m = automata::transition_monoid_of(minimal, max_size);
  if (m.size() > 20000)
    throw CliError(kBadInput, fmt::format("--cayley: the monoid has {} elements; a drawing is useful up to 20000", m.size()));
  std::ostringstream out;
  out << "digraph cayley {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (std::uint32_t e = 0; e < m.size(); ++e) {
    std::string label;
    for (auto g : m.word(e)) label += minimal.alphabet[g].size() == 1 ? minimal.alphabet[g] : "[" + minimal.alphabet[g] + "]";
    if (label.empty()) label = "1";
    std::string escaped;
    for (char c : label) escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    out << fmt::format("  e{} [label=\"{}\"{}];\n", e, escaped, automata::is_idempotent(m, e) ? ", style=bold" : "");
  }
  for (std::uint32_t e = 0; e < m.size(); ++e)
    for (std::size_t g = 0; g < minimal.alphabet.size(); ++g) {
      std::string letter;
      for (char c : minimal.alphabet[g]) letter += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
      out << fmt::format("  e{} -> e{} [label=\"{}\"];\n", e, m.right[e][g], letter);
    }
  out << "}\n";
  io::write_file_atomic(path, out.str());
}

void run(const ClassifyOpts& o) {
  if (!o.cayley.empty()) io::check_output_path(o.cayley, "--cayley");  // before any work
  const auto a = o.source.load();
  if (a.weighted())
    throw CliError(kBadInput, fmt::format("{}: classify needs a regular language (a DFA, NFA, regex or built-in "
                                          "language), not a {}",
                                          o.source.automaton, automata::to_string(a.kind)));
  const automata::Dfa minimal = automata::minimize(a.dfa);
  automata::MonoidSummary s;
  try {
    s = automata::summarize(minimal, o.max_monoid);
  } catch (const automata::MonoidTooLarge& e) {
    throw CliError(kFailure, fmt::format("{}: {}", a.dfa.name, e.what()));
  }
  const auto preds = automata::predict(minimal, s);
  if (!o.cayley.empty()) write_cayley(minimal, o.max_monoid, o.cayley);
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& g : s.groups) groups.push_back({{"order", g.order}, {"solvable", g.solvable}, {"name", g.name}});
  if (o.fmt.format() != Format::Table) {
    nlohmann::ordered_json j = {{"language", a.dfa.name},
                                {"states", minimal.states},
                                {"monoid_size", s.monoid_size},
                                {"idempotents", s.idempotents},
                                {"groups", groups},
                                {"aperiodic", s.aperiodic},
                                {"quasi_aperiodic", s.quasi_aperiodic},
                                {"stability_index", s.stability_index},
                                {"stable_semigroup_size", s.stable_semigroup_size},
                                {"max_period", s.max_period},
                                {"class", automata::to_string(s.circuit_class)}};
    nlohmann::ordered_json p = nlohmann::ordered_json::object();
    for (const auto& x : preds)
      p[std::string(automata::names(x.architecture).prediction_key)] = {
          {"architecture", std::string(automata::names(x.architecture).prediction_label)},
          {"verdict", x.verdict},
          {"reason", x.reason},
          {"citation", x.citation}};
    j["predictions"] = p;
    if (o.fmt.format() == Format::Json) {
      fmt::print("{}\n", j.dump());
      return;
    }
  }
  std::string gs;
  for (const auto& g : s.groups)
    gs += fmt::format("{}{} (order {}, {})", gs.empty() ? "" : ", ", g.name, g.order, g.solvable ? "solvable" : "non-solvable");
  if (gs.empty()) gs = "none (only trivial groups)";
  Records facts({"property", "value"});
  facts.add({{"property", "language"}, {"value", a.dfa.name}});
  facts.add({{"property", "minimal DFA states"}, {"value", minimal.states}});
  facts.add({{"property", "monoid size"}, {"value", s.monoid_size}});
  facts.add({{"property", "idempotents"}, {"value", s.idempotents}});
  facts.add({{"property", "maximal subgroups"}, {"value", gs}});
  facts.add({{"property", "aperiodic"}, {"value", s.aperiodic ? "yes" : "no"}});
  facts.add({{"property", "stability index"}, {"value", s.stability_index}});
  facts.add({{"property", "stable semigroup size"}, {"value", s.stable_semigroup_size}});
  facts.add({{"property", "quasi-aperiodic"}, {"value", s.quasi_aperiodic ? "yes" : "no"}});
  facts.add({{"property", "class"}, {"value", automata::to_string(s.circuit_class)}});
  Records table({"architecture", "prediction", "reason", "citation"});
  for (const auto& x : preds)
    table.add({{"architecture", std::string(automata::names(x.architecture).prediction_label)},
               {"prediction", x.verdict},
               {"reason", x.reason},
               {"citation", x.citation}});
  if (o.fmt.format() == Format::Csv) {
    facts.print(Format::Csv);
    table.print(Format::Csv);
    return;
  }
  facts.print(Format::Table);
  fmt::print("\n");
  table.print(Format::Table);
}

}  // namespace

void add_classify(CLI::App& app) {
  auto* cmd = app.add_subcommand("classify",
                                 "Classify a regular language by its syntactic monoid (AC0 / ACC0 / NC1-complete) and "
                                 "print what each architecture is predicted to recognize");
  auto o = std::make_shared<ClassifyOpts>();
  o->source.add_to(*cmd);
  cmd->add_option("--max-monoid", o->max_monoid, "Give up when the monoid has more elements than this")->capture_default_str();
  cmd->add_option("--cayley", o->cayley,
                  "Also write the right Cayley graph of the syntactic monoid as Graphviz DOT (nodes: shortest words, "
                  "idempotents in bold)");
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
