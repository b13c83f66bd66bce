#pragma once
// The parts of parallax._core, one function per area (bind_*.cpp).
#include <nanobind/nanobind.h>
// every type caster any file uses, so that each nb::cast<T> means one thing in every file
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "models/model.hpp"

namespace parallax::python {

namespace nb = nanobind;

/// parallax.Model: a models::Model held in a struct, so that nanobind binds
/// it as a class (a std::variant would meet nanobind's variant caster).
struct ModelHandle {
  models::Model model;
};

void bind_numeric(nb::module_& m);
void bind_models(nb::module_& m);
void bind_solve(nb::module_& m);
void bind_automata(nb::module_& m);
void bind_problems(nb::module_& m);
void bind_experiments(nb::module_& m);
void bind_store(nb::module_& m);
void bind_suite(nb::module_& m);
void bind_dataset(nb::module_& m);

}  // namespace parallax::python
