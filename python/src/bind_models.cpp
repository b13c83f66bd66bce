// Models and scans: parallax.Model (any kind: LRNN, ReLU RNN, transformer,
// nonlinear cell), the named models, model files, scan() of a model on tokens
// or real inputs at any precision, and affine_scan() of numpy arrays by the
// SIMD chained scan (the kernel behind `parallax bench scan`'s simd-scan).
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "bindings.hpp"
#include "convert.hpp"
#include "interrupt.hpp"
#include "kernels/cpu/affine_simd.hpp"
#include "models/model.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/limits.hpp"

namespace parallax::python {

using namespace nb::literals;
using models::Model;
using Handle = ModelHandle;

namespace {

/// The token names of a model that reads tokens (empty for a cell).
std::vector<std::string> alphabet_of(const Model& m) {
  if (const auto* l = std::get_if<models::LrnnSpec>(&m)) return l->alphabet;
  if (const auto* t = std::get_if<models::TransformerSpec>(&m)) return t->vocab;
  if (const auto* r = std::get_if<models::ReluRnn>(&m)) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < r->token_input.size(); ++i) names.push_back(std::to_string(i));
    return names;
  }
  return {};
}

std::string name_of(const Model& m) {
  if (const auto* l = std::get_if<models::LrnnSpec>(&m)) return l->name;
  if (const auto* t = std::get_if<models::TransformerSpec>(&m)) return t->name;
  if (const auto* c = std::get_if<models::Cell>(&m)) return models::cell_kind_name(c->kind);
  return "relu-rnn";
}

std::size_t state_size(const Model& m) {
  if (const auto* l = std::get_if<models::LrnnSpec>(&m)) return l->d;
  if (const auto* t = std::get_if<models::TransformerSpec>(&m)) return t->d_model;
  if (const auto* c = std::get_if<models::Cell>(&m)) return c->state_dim();
  return std::get<models::ReluRnn>(m).d;
}

std::invalid_argument outside_alphabet(std::size_t position, std::int64_t index, std::size_t size) {
  return std::invalid_argument(
      fmt::format("tokens[{}]: index {} is outside the alphabet (0 … {})", position, index, size == 0 ? 0 : size - 1));
}

/// Token indices from a string (the model's own parser), a sequence of names,
/// or a sequence / array of indices; every index is checked against the alphabet.
std::vector<std::uint32_t> token_indices(const Model& m, nb::handle tokens) {
  if (nb::isinstance<nb::str>(tokens)) {
    const auto text = nb::cast<std::string>(tokens);
    if (const auto* l = std::get_if<models::LrnnSpec>(&m)) return models::parse_tokens(*l, text, "tokens");
    if (const auto* t = std::get_if<models::TransformerSpec>(&m)) return models::parse_transformer_tokens(*t, text, "tokens");
    throw std::invalid_argument("tokens: a string of token names needs a model with named tokens (LRNN, transformer)");
  }
  const auto names = alphabet_of(m);
  std::vector<std::uint32_t> ids;
  std::size_t t = 0;
  for (nb::handle x : tokens) {
    if (nb::isinstance<nb::str>(x)) {
      const auto name = nb::cast<std::string>(x);
      const auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end())
        throw std::invalid_argument(fmt::format("tokens[{}]: '{}' is not a token of the model (its tokens: {})", t,
                                                name, fmt::join(names, " ")));
      ids.push_back(std::uint32_t(it - names.begin()));
    } else {
      long long v;
      try {
        v = nb::cast<long long>(x.attr("__index__")());
      } catch (const std::exception&) {
        throw std::invalid_argument(
            fmt::format("tokens[{}]: a token is a name or an index, not {}", t, nb::type_name(x.type()).c_str()));
      }
      if (v < 0 || std::size_t(v) >= names.size()) throw outside_alphabet(t, v, names.size());
      ids.push_back(std::uint32_t(v));
    }
    ++t;
  }
  return ids;
}

struct ScanResult {
  std::vector<double> state;             ///< the final state, rounded to double
  std::vector<std::string> state_exact;  ///< the same, each as its exact text
  std::optional<double> score;
  std::optional<std::string> score_exact;
  std::string verdict;
  std::string precision;
  std::vector<std::string> events;
  std::size_t n = 0;
  // with keep_states: every state (n × d) and every score (n), as doubles
  std::vector<double> all_states, all_scores;
  std::size_t d = 0;
};

template <class T>
void keep_state(ScanResult& r, const std::vector<T>& h) {
  for (const auto& x : h) {
    r.state.push_back(numeric::to_double(x));
    r.state_exact.push_back(numeric::to_string(x));
  }
}

/// Real-valued inputs (n × m) for an LRNN with input_dim m, read exactly.
using InputRows = std::vector<std::vector<numeric::Exact>>;

ScanResult scan_tokens(const Model& model, std::span<const std::uint32_t> tokens, const InputRows* inputs,
                       const numeric::Precision& spec, bool parallel, int threads, bool keep_states) {
  const std::size_t len = inputs ? inputs->size() : tokens.size();
  const numeric::Precision p = spec.resolve(std::max<std::size_t>(len, 1));
  ScanResult r;
  r.n = len;
  r.precision = p.to_string();
  numeric::Status status;
  numeric::dispatch(
      p,
      [&]<class T>(numeric::Tag<T>) {
        if (const auto* l = std::get_if<models::LrnnSpec>(&model)) {
          const kernels::ScanOptions so{threads, 0, signal_poll()};  // Ctrl-C between scan blocks
          models::LrnnRun<T> run;
          if (keep_states) {
            if constexpr (numeric::is_native_float_v<T>) {
              models::LrnnStates<T> all;
              run = models::run_lrnn_states<T>(*l, tokens, inputs, parallel, so, all);
              r.all_states.assign(all.states.begin(), all.states.end());
              r.all_scores.assign(all.scores.begin(), all.scores.end());
              r.d = l->d;
            } else {
              throw std::invalid_argument("states: every state is kept in fp32 and fp64 runs, not in " + p.to_string());
            }
          } else {
            run = inputs ? models::run_lrnn_inputs<T>(*l, *inputs, parallel, so) : models::run_lrnn<T>(*l, tokens, parallel, so);
          }
          keep_state(r, run.h);
          if (l->has_readout()) {
            r.score = numeric::to_double(run.score);
            r.score_exact = numeric::to_string(run.score);
          }
          r.verdict = l->has_readout() ? models::to_string(models::verdict_of(run.accept)) : "none";
        } else {
          if (keep_states) throw std::invalid_argument("states: every state is kept for LRNNs only");
          const auto d = models::decide<T>(model, std::vector<std::uint32_t>(tokens.begin(), tokens.end()), parallel);
          r.verdict = models::to_string(d.verdict);
          if (d.score) {
            r.score = numeric::to_double(*d.score);
            r.score_exact = numeric::to_string(*d.score);
          }
        }
      },
      &status);
  r.events = status.events();
  return r;
}

/// Every scan entry point's last step: the thread count checked, then the run
/// with the GIL released.
ScanResult run_scan(const Model& model, std::span<const std::uint32_t> tokens, const InputRows* inputs,
                    const numeric::Precision& precision, bool parallel, int threads, bool keep_states) {
  limits::check_count(threads < 0 ? 0 : std::uint64_t(threads), limits::kMaxThreads, "threads");
  return without_gil([&] { return scan_tokens(model, tokens, inputs, precision, parallel, threads, keep_states); });
}

/// h[t] = a[t]·h[t−1] + b[t] over 1-D arrays of one dtype, written into `out`.
template <class T>
T affine_arrays(nb::ndarray<const T, nb::ndim<1>, nb::c_contig> a, nb::ndarray<const T, nb::ndim<1>, nb::c_contig> b,
                nb::ndarray<T, nb::ndim<1>, nb::c_contig> out, double h0, int threads, std::size_t block) {
  const std::size_t n = a.shape(0);
  if (b.shape(0) != n) throw std::invalid_argument(fmt::format("b: {} entries, a has {}", b.shape(0), n));
  if (out.shape(0) != n) throw std::invalid_argument(fmt::format("out: {} entries, a has {}", out.shape(0), n));
  nb::gil_scoped_release release;
  return kernels::cpu::run_affine_arrays(a.data(), b.data(), out.data(), n, T(h0), kernels::ScanOptions{threads, block});
}

}  // namespace

void bind_models(nb::module_& m) {
  nb::class_<Handle>(m, "Model", "A model of any kind: an LRNN, a ReLU RNN, a transformer or a nonlinear cell.")
      .def_prop_ro("kind", [](const Handle& x) { return models::kind_name(x.model); },
                   "'lrnn', 'relu-rnn', 'transformer' or 'cell'.")
      .def_prop_ro("name", [](const Handle& x) { return name_of(x.model); })
      .def_prop_ro("state_size", [](const Handle& x) { return state_size(x.model); },
                   "Entries of the state (a transformer's d_model).")
      .def_prop_ro("alphabet", [](const Handle& x) { return alphabet_of(x.model); }, "The token names (empty for a cell).")
      .def_prop_ro("has_readout", [](const Handle& x) { return models::has_readout(x.model); })
      .def("to_dict", [](const Handle& x) { return to_python(nlohmann::ordered_json::parse(models::model_to_json(x.model))); },
           "The model file's JSON form as a dict (load_model reads it back; a ReLU RNN has none: ValueError).")
      .def("to_json", [](const Handle& x) { return models::model_to_json(x.model); },
           "The model file's JSON text (a ReLU RNN has none: ValueError).")
      .def("__repr__", [](const Handle& x) {
        return fmt::format("<parallax.Model {} '{}', state size {}>", models::kind_name(x.model), name_of(x.model),
                           state_size(x.model));
      });

  m.def("model_from_json",
        [](const std::string& text, const std::string& source) { return Handle{models::model_from_json_text(text, source)}; },
        "text"_a, "source"_a = "<model>");
  m.def("load_model_file", [](const std::string& path) { return Handle{models::load_model(path)}; }, "path"_a);
  m.def("named_model", [](const std::string& name) { return Handle{models::named_model(name)}; }, "name"_a);
  m.def("named_models", []() {
    std::vector<std::pair<std::string, std::string>> r;
    for (const auto& x : models::named_models()) r.emplace_back(x.name, x.description);
    return r;
  });
  m.def("random_cell",
        [](const std::string& kind, std::size_t hidden, std::size_t input, std::uint64_t seed, double gain) {
          limits::check_count(hidden, limits::kMaxModelDim, "hidden");
          limits::check_count(input, limits::kMaxModelDim, "input");
          return Handle{models::random_cell(models::parse_cell_kind(kind), hidden, input, seed, gain)};
        },
        "kind"_a, "hidden"_a, "input"_a, "seed"_a, "gain"_a);

  nb::class_<ScanResult>(m, "ScanResult")
      .def_prop_ro(
          "state",
          [](const ScanResult& r) { return to_numpy(std::vector<double>(r.state), {r.state.size()}); },
          "The final state as a float64 array (each entry rounded from the run's arithmetic).")
      .def_prop_ro(
          "states",
          [](const ScanResult& r) -> nb::object {
            if (r.d == 0) return nb::none();
            return to_numpy(std::vector<double>(r.all_states), {r.n, r.d});
          },
          "With states=True: every state h_1 … h_n as an (n, d) float64 array (row t: after step t); else None.")
      .def_prop_ro(
          "scores",
          [](const ScanResult& r) -> nb::object {
            if (r.d == 0 || r.all_scores.empty()) return nb::none();
            return to_numpy(std::vector<double>(r.all_scores), {r.n});
          },
          "With states=True and a readout: every readout score <c, h_t> + c0 as an (n,) float64 array; else None.")
      .def_ro("state_exact", &ScanResult::state_exact)
      .def_prop_ro(
          "state_fractions",
          [](const ScanResult& r) {
            if (r.precision != "exact")
              throw std::invalid_argument("state_fractions: the run was in " + r.precision +
                                          ", not exact (state_exact has each entry's text)");
            nb::object fraction = nb::module_::import_("fractions").attr("Fraction");
            nb::list l;
            for (const auto& x : r.state_exact) l.append(fraction(x));
            return l;
          },
          "The final state as fractions.Fraction values (runs in exact arithmetic only).")
      .def_ro("score", &ScanResult::score)
      .def_ro("score_exact", &ScanResult::score_exact)
      .def_ro("verdict", &ScanResult::verdict)
      .def_ro("precision", &ScanResult::precision)
      .def_ro("events", &ScanResult::events)
      .def_ro("n", &ScanResult::n);

  m.def(
      "scan_tokens",
      [](const Handle& model, nb::handle tokens, const numeric::Precision& precision, bool parallel, int threads, bool states) {
        const auto ids = token_indices(model.model, tokens);
        return run_scan(model.model, ids, nullptr, precision, parallel, threads, states);
      },
      "model"_a, "tokens"_a, "precision"_a, "parallel"_a, "threads"_a, "states"_a);
  m.def(
      "scan_token_array",
      [](const Handle& model, nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu> tokens,
         const numeric::Precision& precision, bool parallel, int threads, bool states) {
        const std::size_t size = alphabet_of(model.model).size();
        limits::check_count(tokens.shape(0), limits::kMaxLength, "tokens: length");
        std::vector<std::uint32_t> ids(tokens.shape(0));
        for (std::size_t t = 0; t < ids.size(); ++t) {
          const std::int64_t v = tokens(t);
          if (v < 0 || std::uint64_t(v) >= size) throw outside_alphabet(t, v, size);
          ids[t] = std::uint32_t(v);
        }
        return run_scan(model.model, ids, nullptr, precision, parallel, threads, states);
      },
      "model"_a, "tokens"_a, "precision"_a, "parallel"_a, "threads"_a, "states"_a);
  m.def(
      "scan_token_array_u32",  // read in place: an LRNN's run checks every index itself, in its one pass
      [](const Handle& model, nb::ndarray<const std::uint32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu> tokens,
         const numeric::Precision& precision, bool parallel, int threads, bool states) {
        limits::check_count(tokens.shape(0), limits::kMaxLength, "tokens: length");
        const std::span<const std::uint32_t> ids(tokens.data(), tokens.shape(0));
        if (!std::holds_alternative<models::LrnnSpec>(model.model)) {
          const std::size_t size = alphabet_of(model.model).size();
          for (std::size_t t = 0; t < ids.size(); ++t)
            if (ids[t] >= size) throw outside_alphabet(t, ids[t], size);
        }
        return run_scan(model.model, ids, nullptr, precision, parallel, threads, states);
      },
      "model"_a, "tokens"_a, "precision"_a, "parallel"_a, "threads"_a, "states"_a);
  m.def(
      "scan_inputs",
      [](const Handle& model, nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu> inputs,
         const numeric::Precision& precision, bool parallel, int threads, bool states) {
        const auto* l = std::get_if<models::LrnnSpec>(&model.model);
        if (!l || l->input_dim == 0)
          throw std::invalid_argument("inputs: real-valued inputs need an LRNN with input_dim > 0 (docs/lrnn-json.md); "
                                      "this model reads tokens");
        if (inputs.shape(1) != l->input_dim)
          throw std::invalid_argument(fmt::format("inputs: shape ({}, {}); the model reads {} values per step",
                                                  inputs.shape(0), inputs.shape(1), l->input_dim));
        limits::check_count(inputs.shape(0), limits::kMaxLength, "inputs: steps");
        InputRows rows(inputs.shape(0));
        for (std::size_t t = 0; t < rows.size(); ++t)
          for (std::size_t k = 0; k < inputs.shape(1); ++k) {
            const double v = inputs(t, k);
            if (!std::isfinite(v)) throw std::invalid_argument(fmt::format("inputs[{}, {}]: {} is not finite", t, k, v));
            rows[t].emplace_back(v);  // exactly the double's value
          }
        return run_scan(model.model, {}, &rows, precision, parallel, threads, states);
      },
      "model"_a, "inputs"_a, "precision"_a, "parallel"_a, "threads"_a, "states"_a);

  m.def("affine_scan_f32", &affine_arrays<float>, "a"_a, "b"_a, "out"_a, "h0"_a, "threads"_a, "block"_a);
  m.def("affine_scan_f64", &affine_arrays<double>, "a"_a, "b"_a, "out"_a, "h0"_a, "threads"_a, "block"_a);
}

}  // namespace parallax::python
