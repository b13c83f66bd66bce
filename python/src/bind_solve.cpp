// parallax.solve: a nonlinear cell evaluated by a Newton-type parallel solver,
// the experiment of `parallax solve` (experiment/solve.hpp) with its options
// as keyword arguments, numpy inputs in and the solved states out.
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "experiment/solve.hpp"
#include "models/model.hpp"

namespace parallax::python {

using namespace nb::literals;
namespace es = experiment::solve;

namespace {

using Inputs = nb::ndarray<const double, nb::c_contig, nb::device::cpu>;

/// The options from a dict of keyword arguments (the long options of
/// `parallax solve`, underscores for dashes), read by the suite's reader so
/// that names, types and ranges are checked as there.
es::Options options_of(nb::dict kwargs) {
  nlohmann::ordered_json entry = nlohmann::ordered_json::object();
  for (auto [k, v] : kwargs) {
    const std::string key = nb::cast<std::string>(k);
    if (v.is_none()) continue;
    entry[key] = from_python(v, key);
  }
  return es::options_from_json(entry);
}

}  // namespace

void bind_solve(nb::module_& m) {
  m.def(
      "solve",
      [](nb::object cell, std::optional<Inputs> inputs, nb::dict kwargs, bool keep_states) {
        es::Options o;
        if (nb::isinstance<ModelHandle>(cell)) {
          const auto& model = nb::cast<const ModelHandle&>(cell).model;
          const auto* c = std::get_if<models::Cell>(&model);
          if (!c)
            throw experiment::OptionError(
                "cell", fmt::format("cell: a {} model is not a nonlinear cell (load a cell file, or give a cell kind)",
                                    models::kind_name(model)));
          kwargs["cell"] = "paragru";  // a placeholder the value replaces
          o = options_of(kwargs);
          o.cell_value = *c;
          o.hidden = c->hidden, o.input = c->input;
        } else {
          kwargs["cell"] = cell;
          o = options_of(kwargs);
        }
        if (inputs) {
          const auto& a = *inputs;
          if (a.ndim() != 2 && a.ndim() != 3)
            throw experiment::OptionError("inputs", fmt::format("inputs: an array of shape (T, m) or (B, T, m), not of "
                                                                "{} dimensions",
                                                                a.ndim()));
          es::Options::InputView v;
          v.data = a.data();
          v.batch = a.ndim() == 3 ? a.shape(0) : 1;
          v.length = a.shape(a.ndim() - 2);
          v.width = a.shape(a.ndim() - 1);
          o.input_values = v;
        }
        o.keep_states = keep_states;
        es::Result r;
        {
          nb::gil_scoped_release release;
          r = es::run(o);
        }
        nb::object states = nb::none();
        if (keep_states && !r.states.empty()) {
          auto* data = new std::vector<double>(std::move(r.states));
          nb::capsule owner(data, [](void* p) noexcept { delete static_cast<std::vector<double>*>(p); });
          const std::size_t n = r.state_dim, total = data->size();
          const std::size_t len = r.record.length, batch = total / (len * n);
          states = nb::cast(nb::ndarray<nb::numpy, double, nb::ndim<3>>(data->data(), {batch, len, n}, owner));
        }
        return nb::make_tuple(to_python(es::to_json(r.record)), states);
      },
      "cell"_a, "inputs"_a.none(), "options"_a, "keep_states"_a);
}

}  // namespace parallax::python
