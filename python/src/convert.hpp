#pragma once
// Conversions between the library's values and Python's: JSON documents
// (records, model files) as dicts and lists, and numpy arrays checked for
// dtype, shape and layout before any work.
#include <nanobind/nanobind.h>
// every type caster any file uses, so that each nb::cast<T> means one thing in every file
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>
#include <nanobind/ndarray.h>

#include <nlohmann/json.hpp>
#include <initializer_list>
#include <string>
#include <vector>

namespace parallax::python {

namespace nb = nanobind;

/// A JSON value as Python objects: null → None, numbers → int / float,
/// arrays → list, objects → dict (key order kept).
nb::object to_python(const nlohmann::ordered_json& j);
nb::object to_python(const nlohmann::json& j);

/// A Python value (dict, list, str, int, float, bool, None; fractions.Fraction
/// as its "p/q" text) as JSON; anything else is a ValueError naming `where`.
nlohmann::json from_python(nb::handle h, const std::string& where);

/// A numpy float64 array of the given shape that owns the vector's data (no copy).
nb::object to_numpy(std::vector<double>&& v, std::initializer_list<std::size_t> shape);

/// Keyword arguments as the keys of a suite entry (what each experiment's
/// options_from_json reads); None means "not given" and is left out.
nlohmann::ordered_json keyword_keys(nb::dict kwargs);

}  // namespace parallax::python
