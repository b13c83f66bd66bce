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
#include "interrupt.hpp"
#include "experiment/solve.hpp"
#include "models/model.hpp"
#include "numeric/limits.hpp"
#include "solve/gradient.hpp"

namespace parallax::python {

using namespace nb::literals;
namespace es = experiment::solve;

namespace {

using Inputs = nb::ndarray<const double, nb::c_contig, nb::device::cpu>;

/// The options from a dict of keyword arguments (the long options of
/// `parallax solve`, underscores for dashes), read by the suite's reader so
/// that names, types and ranges are checked as there.
es::Options options_of(nb::dict kwargs) { return es::options_from_json(keyword_keys(kwargs)); }

using Array2 = nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

void check_shape(const Array2& a, std::size_t rows, std::size_t cols, const char* name) {
  if (a.shape(0) != rows || a.shape(1) != cols)
    throw experiment::OptionError(name, fmt::format("{}: shape ({}, {}), expected ({}, {})", name, a.shape(0), a.shape(1),
                                                    rows, cols));
}

}  // namespace

void bind_solve(nb::module_& m) {
  m.def(
      "solve_gradients",
      [](const ModelHandle& model, Array2 inputs, Array2 states, Array2 grad_states, const std::string& method,
         int threads) {
        const auto* cell = std::get_if<models::Cell>(&model.model);
        if (!cell)
          throw experiment::OptionError("cell", fmt::format("cell: a {} model is not a nonlinear cell",
                                                            models::kind_name(model.model)));
        models::validate(*cell);
        if (method != "implicit" && method != "bptt")
          throw experiment::OptionError("method", fmt::format("method '{}': valid values are implicit, bptt", method));
        limits::check_count(threads < 0 ? 0 : std::uint64_t(threads), limits::kMaxThreads, "threads");
        const std::size_t len = inputs.shape(0), m_in = cell->input, n = cell->state_dim();
        if (len == 0) throw experiment::OptionError("inputs", "inputs: no steps");
        check_shape(inputs, len, m_in, "inputs");
        check_shape(states, len, n, "states");
        check_shape(grad_states, len, n, "grad_states");
        for (const auto* a : {&inputs, &states, &grad_states})
          for (std::size_t i = 0; i < a->size(); ++i)
            if (!std::isfinite(a->data()[i]))
              throw experiment::OptionError(a == &inputs ? "inputs" : a == &states ? "states" : "grad_states",
                                            fmt::format("value {} is not finite", i));
        const std::vector<double> X(inputs.data(), inputs.data() + inputs.size());
        const std::vector<double> H(states.data(), states.data() + states.size());
        const std::vector<double> G(grad_states.data(), grad_states.data() + grad_states.size());
        std::vector<double> h0 = cell->h0.empty() ? std::vector<double>(n, 0.0) : cell->h0;
        const kernels::ScanOptions so{threads, 0, signal_poll()};
        auto g = without_gil([&] {
          return method == "implicit" ? parallax::solve::implicit_gradients(*cell, X, len, h0, H, G, so)
                                      : parallax::solve::backprop_sequential(*cell, X, len, h0, G);
        });
        nb::dict r;
        r["dx"] = to_numpy(std::move(g.dx), {len, m_in});
        r["dh0"] = to_numpy(std::move(g.dh0), {n});
        nb::dict params;
        for (std::size_t q = 0; q < g.dparams.size(); ++q) {
          const auto& p = cell->params[q];
          params[p.name.c_str()] = to_numpy(std::move(g.dparams[q]), {p.rows, p.cols});
        }
        r["dparams"] = params;
        return r;
      },
      "cell"_a, "inputs"_a, "states"_a, "grad_states"_a, "method"_a, "threads"_a);

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
        es::Hooks hooks;
        hooks.poll = signal_poll();  // Ctrl-C between iterations and scan blocks
        es::Result r = without_gil([&] { return es::run(o, hooks); });
        nb::object states = nb::none();
        if (keep_states && !r.states.empty()) {
          const std::size_t n = r.state_dim, len = r.record.length, batch = r.states.size() / (len * n);
          states = to_numpy(std::move(r.states), {batch, len, n});
        }
        return nb::make_tuple(to_python(es::to_json(r.record)), states);
      },
      "cell"_a, "inputs"_a.none(), "options"_a, "keep_states"_a);
}

}  // namespace parallax::python
