// Decision problems (reductions/problem.hpp): the catalogue, instances drawn
// by the generators, the reference solvers, and a construction's reduction
// of an instance to a model and tokens (which parallax.scan then runs).
#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "automata/taxonomy.hpp"
#include "numeric/limits.hpp"
#include "reductions/problem.hpp"

namespace parallax::python {

using namespace nb::literals;

namespace {

nb::dict construction_dict(const reductions::ConstructionInfo& c) {
  nb::dict d;
  d["name"] = c.name;
  d["architecture"] = automata::to_string(c.architecture);
  d["description"] = c.description;
  return d;
}

nb::dict info_dict(const reductions::ProblemInfo& info) {
  nb::dict d;
  d["name"] = info.name;
  d["family"] = info.family;
  d["class"] = automata::to_string(info.complexity);
  d["claim"] = info.claim;
  d["instance_format"] = info.instance_format;
  nb::list cs;
  for (const auto& c : info.constructions) cs.append(construction_dict(c));
  d["constructions"] = cs;
  return d;
}

/// A checked instance: its JSON form, validated by the problem.
reductions::Instance instance_of(const reductions::Problem& p, nb::handle instance) {
  reductions::Instance in = from_python(instance, "instance");
  in.erase("answer");  // what generate() adds; not part of the instance
  p.validate(in);
  return in;
}

}  // namespace

void bind_problems(nb::module_& m) {
  m.def("problem_catalog", [] {
    nb::list l;
    for (const auto& info : reductions::problem_catalog()) l.append(info_dict(info));
    return l;
  });
  m.def("problem_info", [](const std::string& name) { return info_dict(reductions::make_problem(name)->info()); },
        "name"_a);
  m.def(
      "problem_generate",
      [](const std::string& name, std::size_t n, std::uint64_t seed, bool yes) {
        limits::check_count(n, limits::kMaxLength, "n");
        const auto p = reductions::make_problem(name);
        reductions::Instance in;
        {
          nb::gil_scoped_release release;
          in = p->generate(n, seed, yes);
          in["answer"] = p->solve(in);
        }
        return to_python(in);
      },
      "name"_a, "n"_a, "seed"_a, "yes"_a);
  m.def(
      "problem_solve",
      [](const std::string& name, nb::handle instance) {
        const auto p = reductions::make_problem(name);
        const auto in = instance_of(*p, instance);
        nb::gil_scoped_release release;
        return p->solve(in);
      },
      "name"_a, "instance"_a);
  m.def(
      "problem_encode",
      [](const std::string& name, nb::handle instance, const std::string& construction) {
        const auto p = reductions::make_problem(name);
        const auto in = instance_of(*p, instance);
        const auto enc = p->encode(in, construction.empty() ? p->info().constructions.front().name : construction);
        return nb::make_tuple(ModelHandle{enc.model->model}, enc.tokens, enc.model->exact_max_length,
                              enc.model->description);
      },
      "name"_a, "instance"_a, "construction"_a);
}

}  // namespace parallax::python
