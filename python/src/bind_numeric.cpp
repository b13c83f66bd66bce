// Precision specs: parallax.Precision and parallax.precisions().
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "numeric/precision.hpp"

namespace parallax::python {

using numeric::Precision;
using namespace nb::literals;

void bind_numeric(nb::module_& m) {
  nb::class_<Precision>(m, "Precision",
                        "A precision spec as --precision reads it: fp64, fp32, bf16, fp16, float:M:E, fixed:I.F, "
                        "log:C, poly:K, exact, interval:M (parallax.precisions() lists the forms).")
      .def("__init__", [](Precision* p, const std::string& spec) { new (p) Precision(Precision::parse(spec)); },
           "spec"_a, "Parses a spec; ValueError names it and lists the valid forms.")
      .def_prop_ro("resolved", &Precision::resolved, "False for log:C and poly:K until resolve(n).")
      .def("resolve", &Precision::resolve, "n"_a,
           "The format at input length n: log:C and poly:K become float:M:0; other specs are returned unchanged.")
      .def_prop_ro("significand_bits", &Precision::significand_bits,
                   "Significand bits of a float format (53 for fp64, M for float:M:E); 0 for fixed, exact and "
                   "unresolved specs.")
      .def_prop_ro("description", [](const Precision& p) { return numeric::describe(p); },
                   "One line describing the format.")
      .def("__str__", &Precision::to_string)
      .def("__repr__", [](const Precision& p) { return "Precision('" + p.to_string() + "')"; })
      .def("__eq__", [](const Precision& a, const Precision& b) { return a.to_string() == b.to_string(); })
      .def("__hash__", [](const Precision& p) { return std::hash<std::string>{}(p.to_string()); });
  nb::implicitly_convertible<std::string, Precision>();

  m.def(
      "precision_forms",
      []() {
        std::vector<std::vector<std::string>> r;
        for (const auto& f : numeric::precision_forms()) r.push_back({f.syntax, f.example, f.description});
        return r;
      },
      "Every accepted precision form as [syntax, example, description].");
}

}  // namespace parallax::python
