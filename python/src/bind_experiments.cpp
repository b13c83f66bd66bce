// parallax.reduce, parallax.recognize and parallax.circuit: the experiments
// of `parallax reduce`, `recognize` and `circuit` (experiment/<kind>.hpp),
// their options given as keyword arguments (the long options, underscores
// for dashes) and read by the kind's options_from_json, checked by its
// validate() with messages naming the keyword. Records come back as the
// command line's --json prints them; `store` writes them to a result store
// as --store does (a rerun resumes).
#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "experiment/circuit.hpp"
#include "experiment/recognize.hpp"
#include "experiment/reduce.hpp"
#include "experiment/store_run.hpp"
#include "interrupt.hpp"
#include "reductions/problem.hpp"

namespace parallax::python {

using namespace nb::literals;
namespace ex = experiment;

namespace {

const ex::OptionNames kNames{false};  // keyword names: max_bits


/// {"record": kind, tags…, fields…}
nlohmann::ordered_json tagged(const char* kind, const nlohmann::ordered_json& tags, const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json row = {{"record", kind}};
  for (auto it = tags.begin(); it != tags.end(); ++it) row[it.key()] = it.value();
  for (auto it = fields.begin(); it != fields.end(); ++it) row[it.key()] = it.value();
  return row;
}

/// The min_bits rows, then the growth laws fitted to them (min_bits_fit), as `--json` prints them.
nb::list min_bits_rows(const std::vector<ex::MinBitsRecord>& records, const nlohmann::ordered_json& tags) {
  nb::list out;
  for (const auto& m : records) out.append(to_python(tagged("min_bits", tags, ex::to_json(m))));
  for (const auto& x : ex::fit_min_bits(records)) out.append(to_python(tagged("min_bits_fit", tags, ex::to_json(x))));
  return out;
}

}  // namespace

void bind_experiments(nb::module_& m) {
  m.def(
      "reduce",
      [](nb::dict kwargs, const std::string& store) {
        auto o = ex::reduce::options_from_json(keyword_keys(kwargs));
        o.validate(kNames);
        const auto problem = reductions::make_problem(o.problem);
        if (o.construction.empty()) o.construction = problem->info().constructions.front().name;
        ex::StoreRun link;
        ex::reduce::Hooks hooks;
        if (!store.empty()) {
          link.open(store, "reduce", ex::reduce::config(*problem, o), o.seed, PARALLAX_VERSION);
          hooks = ex::reduce::store_hooks(link.results("reduce"));
        }
        hooks.poll = signal_poll();
        const auto rep = without_gil([&] { return ex::reduce::run(*problem, o, hooks); });
        link.finish();
        nb::list out;
        for (const auto& r : rep.records) out.append(to_python(tagged("accuracy", {}, ex::to_json(r))));
        const nlohmann::ordered_json tags = {{"problem", problem->info().name}, {"construction", o.construction}};
        out.extend(min_bits_rows(rep.min_bits, tags));
        return out;
      },
      "options"_a, "store"_a);

  m.def(
      "recognize",
      [](nb::dict kwargs, const std::string& language, const std::string& automaton, const std::string& automaton_json,
         const std::string& regex, const std::string& alphabet, const std::string& store) {
        const ex::LanguageSource source{language, automaton, regex, alphabet, automaton_json};
        const auto target = ex::recognize::make_target(source.load(kNames));
        auto o = ex::recognize::options_from_json(keyword_keys(kwargs));
        const auto model = ex::recognize::compile_model(target, o.model, kNames);
        o.validate(kNames);
        ex::StoreRun link;
        ex::recognize::Hooks hooks;
        if (!store.empty()) {
          link.open(store, "recognize", ex::recognize::store_config(o, source, target.name), o.seed, PARALLAX_VERSION);
          hooks = ex::recognize::store_hooks(link.results("recognize"));
        }
        hooks.poll = signal_poll();
        const auto rep = without_gil([&] { return ex::recognize::run(target, model, o, hooks); });
        link.finish();
        nb::list out;
        for (const auto& r : rep.records) out.append(to_python(tagged("accuracy", {}, ex::to_json(r))));
        out.extend(min_bits_rows(rep.min_bits, {{"language", target.name}, {"model", o.model}}));
        return nb::make_tuple(out, rep.model_description);
      },
      "options"_a, "language"_a, "automaton"_a, "automaton_json"_a, "regex"_a, "alphabet"_a, "store"_a);

  m.def(
      "circuit",
      [](nb::dict kwargs, const std::string& store) {
        const auto o = ex::circuit::options_from_json(keyword_keys(kwargs));
        o.validate(kNames);
        ex::StoreRun link;
        ex::circuit::Hooks hooks;
        if (!store.empty()) {
          link.open(store, "circuit", ex::circuit::config(o), o.seed, PARALLAX_VERSION);
          hooks = ex::circuit::store_hooks(link.results("circuit"));
        }
        hooks.poll = signal_poll();
        const auto rows = without_gil([&] { return ex::circuit::run(o, hooks); });
        link.finish();
        nb::list out;
        for (const auto& r : rows) out.append(to_python(ex::to_json(r)));
        return out;
      },
      "options"_a, "store"_a);
}

}  // namespace parallax::python
