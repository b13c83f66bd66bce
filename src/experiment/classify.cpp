// The classify experiment (classify.hpp).
#include "experiment/classify.hpp"

#include <fmt/format.h>

#include "automata/minimize.hpp"
#include "automata/monoid.hpp"
#include "experiment/records.hpp"
#include "numeric/output.hpp"

namespace parallax::experiment::classify {
namespace {

/// The most monoid elements a Cayley graph is drawn for.
constexpr std::size_t kMaxCayleyElements = 20000;

/// Runs read() on a nested object of a record, prefixing a RecordFieldError with its place.
template <class Read>
auto nested(const std::string& place, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const RecordFieldError& e) {
    throw RecordFieldError(fmt::format("{}: {}", place, e.what()));
  }
}

}  // namespace

void Options::validate(const OptionNames& names) const { source.validate(names); }

nlohmann::ordered_json to_json(const Record& r) {
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& g : r.groups) groups.push_back({{"order", g.order}, {"solvable", g.solvable}, {"name", g.name}});
  nlohmann::ordered_json j = {{"language", r.language},
                              {"states", r.states},
                              {"monoid_size", r.monoid_size},
                              {"idempotents", r.idempotents},
                              {"groups", groups},
                              {"aperiodic", r.aperiodic},
                              {"quasi_aperiodic", r.quasi_aperiodic},
                              {"stability_index", r.stability_index},
                              {"stable_semigroup_size", r.stable_semigroup_size},
                              {"max_period", r.max_period},
                              {"class", automata::to_string(r.circuit_class)}};
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  for (const auto& x : r.predictions)
    p[std::string(automata::names(x.architecture).prediction_key)] = {
        {"architecture", std::string(automata::names(x.architecture).prediction_label)},
        {"verdict", x.verdict},
        {"reason", x.reason},
        {"citation", x.citation}};
  j["predictions"] = p;
  return j;
}

Record record_from_json(const nlohmann::json& j) { return record_from_json(nlohmann::ordered_json(j)); }

Record record_from_json(const nlohmann::ordered_json& ordered) {
  const nlohmann::json j = ordered;  // RecordFields reads a plain object; the predictions' order is read from `ordered`
  const RecordFields f(j);
  Record r;
  r.language = f.text("language");
  r.states = f.count("states");
  r.monoid_size = f.count("monoid_size");
  r.idempotents = f.count("idempotents");
  const auto groups = j.find("groups");
  if (groups == j.end() || !groups->is_array()) f.fail("groups", "an array of groups");
  for (std::size_t i = 0; i < groups->size(); ++i)
    r.groups.push_back(nested(fmt::format("groups[{}]", i), [&] {
      const RecordFields g((*groups)[i]);
      automata::GroupSummary s;
      s.order = g.count("order");
      s.solvable = g.flag("solvable");
      s.name = g.text("name");
      return s;
    }));
  r.aperiodic = f.flag("aperiodic");
  r.quasi_aperiodic = f.flag("quasi_aperiodic");
  r.stability_index = f.count("stability_index");
  r.stable_semigroup_size = f.count("stable_semigroup_size");
  r.max_period = f.count("max_period");
  const auto cls = automata::parse_complexity_class(f.text("class"));
  if (!cls) f.fail("class", "a complexity class (AC0, ACC0, NC1-complete, …)");
  r.circuit_class = *cls;
  const auto predictions = ordered.find("predictions");
  if (predictions == ordered.end() || !predictions->is_object()) f.fail("predictions", "an object of predictions");
  for (auto it = predictions->begin(); it != predictions->end(); ++it) {
    const std::string key = it.key();
    const nlohmann::json value = it.value();
    const std::string place = "predictions." + key;
    automata::Prediction p{};
    const automata::ArchitectureNames* row = nullptr;
    for (const auto& a : automata::kArchitectures)
      if (a.prediction_key == key) row = &a;
    if (!row) throw RecordFieldError(fmt::format("{}: not the key of an architecture's prediction", place));
    p.architecture = row->architecture;
    nested(place, [&] {
      const RecordFields x(value);
      if (x.text("architecture") != row->prediction_label)
        x.fail("architecture", fmt::format("\"{}\"", row->prediction_label));
      p.verdict = x.text("verdict");
      p.reason = x.text("reason");
      p.citation = x.text("citation");
    });
    r.predictions.push_back(std::move(p));
  }
  return r;
}

Record run(const Options& o, const OptionNames& names) {
  o.validate(names);
  if (!o.cayley.empty()) io::check_output_path(o.cayley, names("cayley"));  // before any work
  const auto a = o.source.load(names);
  if (a.weighted())
    throw OptionError("automaton", fmt::format("{}: classify needs a regular language (a DFA, NFA, regex or built-in "
                                               "language), not a {}",
                                               o.source.automaton, automata::to_string(a.kind)));
  const automata::Dfa minimal = automata::minimize(a.dfa);
  automata::MonoidSummary s;
  try {
    s = automata::summarize(minimal, o.max_monoid);
  } catch (const automata::MonoidTooLarge& e) {
    throw TooLarge(fmt::format("{}: {}", a.dfa.name, e.what()));
  }
  Record r;
  r.language = a.dfa.name;
  r.states = minimal.states;
  r.monoid_size = s.monoid_size;
  r.idempotents = s.idempotents;
  r.groups = s.groups;
  r.aperiodic = s.aperiodic;
  r.quasi_aperiodic = s.quasi_aperiodic;
  r.stability_index = s.stability_index;
  r.stable_semigroup_size = s.stable_semigroup_size;
  r.max_period = s.max_period;
  r.circuit_class = s.circuit_class;
  r.predictions = automata::predict(minimal, s);
  if (!o.cayley.empty()) {
    const auto m = automata::transition_monoid_of(minimal, o.max_monoid);
    if (m.size() > kMaxCayleyElements)
      throw OptionError("cayley", fmt::format("{}: the monoid has {} elements; a drawing is useful up to {}",
                                              names("cayley"), m.size(), kMaxCayleyElements));
    io::write_file_atomic(o.cayley, automata::cayley_dot(minimal, m));
  }
  return r;
}

}  // namespace parallax::experiment::classify
