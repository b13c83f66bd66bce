#pragma once
// Evaluation of an LrnnSpec at scalar type T, sequentially or by a parallel
// scan (included by models/lrnn.hpp). One template for every precision.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace parallax::models {

namespace detail {

/// θ(x) = θ_0 + Σ_k x_k θ_k for an input-driven model (exact).
Transition combine(const LrnnSpec& spec, const std::vector<Exact>& x);

template <class T>
std::vector<T> convert(const std::vector<Exact>& v) {
  std::vector<T> r;
  r.reserve(v.size());
  for (const auto& q : v) r.push_back(numeric::from_exact<T>(q));
  return r;
}

template <class T>
LrnnRun<T> read_out(const LrnnSpec& spec, std::vector<T> h) {
  LrnnRun<T> run{std::move(h), numeric::zero<T>(), numeric::Sign::Zero};
  if (!spec.has_readout()) return run;
  T acc = numeric::from_exact<T>(spec.c0);
  for (std::size_t i = 0; i < spec.d; ++i) acc = acc + numeric::from_exact<T>(spec.c[i]) * run.h[i];
  run.accept = numeric::sign(acc);
  run.score = std::move(acc);
  return run;
}

/// A DPLR transition as a LowRankAffine element at scalar T.
template <class T>
typename kernels::LowRankAffine<T>::element lowrank_element(const Transition& tr) {
  typename kernels::LowRankAffine<T>::element e;
  for (const auto& f : tr.factors) {
    typename kernels::LowRankAffine<T>::factor g;
    g.D = convert<T>(f.D);
    g.rank = f.u.size();
    for (const auto& u : f.u)
      for (const auto& x : u) g.U.push_back(numeric::from_exact<T>(x));
    for (const auto& v : f.v)
      for (const auto& x : v) g.V.push_back(numeric::from_exact<T>(x));
    e.factors.push_back(std::move(g));
  }
  e.b = convert<T>(tr.b);
  return e;
}

/// Throws ModelError naming the first token index outside the model's alphabet.
inline void check_tokens(const LrnnSpec& spec, std::span<const std::uint32_t> tokens) {
  for (std::size_t t = 0; t < tokens.size(); ++t)
    if (tokens[t] >= spec.tokens.size())
      throw ModelError("token index " + std::to_string(tokens[t]) + " at position " + std::to_string(t) +
                       " is outside the alphabet of model '" + spec.name + "'");
}

/// Runs op over elems[index(t)], t < n, from h0 (sequentially for operators
/// without composition); sink(t, h_t) receives every state (kernels/scan.hpp).
template <class Op, class Index, class Sink>
typename Op::state evaluate(const Op& op, const std::vector<typename Op::element>& elems, Index&& index, std::size_t n,
                            typename Op::state h0, bool parallel, const kernels::ScanOptions& so, Sink&& sink) {
  auto src = [&](std::size_t t) -> const typename Op::element& { return elems[index(t)]; };
  if constexpr (kernels::AffineOperator<Op>) {
    if (parallel) return kernels::run_parallel(op, src, n, std::move(h0), sink, so);
  }
  if (!so.poll) return kernels::run_sequential(op, src, n, std::move(h0), sink);
  // the poll every 2^16 steps (the parallel scan polls between its blocks)
  return kernels::run_sequential(op, src, n, std::move(h0), [&](std::size_t t, const typename Op::state& h) {
    if ((t & 0xffff) == 0) so.poll();
    sink(t, h);
  });
}

/// Evaluates the recurrence whose step t uses transitions[index(t)];
/// sink(t, h_t) receives every state (kernels::no_sink: none).
template <class T, class Index, class Sink>
LrnnRun<T> run_transitions(const LrnnSpec& spec, const std::vector<const Transition*>& transitions, Index&& index,
                           std::size_t n, bool parallel, const kernels::ScanOptions& so, Sink&& sink) {
  const std::size_t d = spec.d;
  std::vector<T> h0 = convert<T>(spec.h0);
  std::vector<T> h;
  switch (spec.structure) {
    case Structure::Diagonal: {
      kernels::DiagAffine<T> op{d};
      std::vector<typename kernels::DiagAffine<T>::element> es;
      for (const auto* tr : transitions) es.push_back({convert<T>(tr->a), convert<T>(tr->b)});
      h = evaluate(op, es, index, n, std::move(h0), parallel, so, sink);
      break;
    }
    case Structure::Complex: {
      // λ = re + i·im acting on (x, y) pairs: [[re, −im], [im, re]]
      kernels::BlockDiagAffine<T> op{2, d / 2};
      std::vector<typename kernels::BlockDiagAffine<T>::element> es;
      for (const auto* tr : transitions) {
        typename kernels::BlockDiagAffine<T>::element e;
        for (std::size_t q = 0; q < d / 2; ++q) {
          const T re = numeric::from_exact<T>(tr->a[2 * q]), im = numeric::from_exact<T>(tr->a[2 * q + 1]);
          e.m.push_back(re);
          e.m.push_back(-im);
          e.m.push_back(im);
          e.m.push_back(re);
        }
        e.b = convert<T>(tr->b);
        es.push_back(std::move(e));
      }
      h = evaluate(op, es, index, n, std::move(h0), parallel, so, sink);
      break;
    }
    case Structure::PermutationDiagonal: {
      kernels::PDAffine<T> op{d};
      std::vector<typename kernels::PDAffine<T>::element> es;
      for (const auto* tr : transitions) es.push_back({tr->p, convert<T>(tr->a), convert<T>(tr->b)});
      h = evaluate(op, es, index, n, std::move(h0), parallel, so, sink);
      break;
    }
    case Structure::Dense: {
      kernels::DenseAffine<T> op{d};
      std::vector<typename kernels::DenseAffine<T>::element> es;
      for (const auto* tr : transitions) es.push_back({convert<T>(tr->a), convert<T>(tr->b)});
      h = evaluate(op, es, index, n, std::move(h0), parallel, so, sink);
      break;
    }
    case Structure::Dplr: {
      kernels::LowRankAffine<T> lr{d};
      std::vector<typename kernels::LowRankAffine<T>::element> es;
      for (const auto* tr : transitions) es.push_back(lowrank_element<T>(*tr));
      if (!parallel) {
        h = evaluate(lr, es, index, n, std::move(h0), false, so, sink);
      } else {
        // products of DPLR maps are dense: scan dense maps
        kernels::DenseAffine<T> op{d};
        std::vector<typename kernels::DenseAffine<T>::element> dense;
        for (const auto& e : es) dense.push_back(lr.to_dense(e));
        h = evaluate(op, dense, index, n, std::move(h0), true, so, sink);
      }
      break;
    }
  }
  return read_out(spec, std::move(h));
}

}  // namespace detail

/// Runs the model on a token sequence (indices into spec.alphabet).
template <class T>
LrnnRun<T> run_lrnn(const LrnnSpec& spec, std::span<const std::uint32_t> tokens, bool parallel,
                    const kernels::ScanOptions& so = {}) {
  detail::check_tokens(spec, tokens);
  std::vector<const Transition*> trs;
  for (const auto& tr : spec.tokens) trs.push_back(&tr);
  return detail::run_transitions<T>(spec, trs, [&](std::size_t t) { return tokens[t]; }, tokens.size(), parallel, so,
                                    kernels::no_sink);
}

/// run_lrnn, handing every state to sink(t, h_t) (h_t: the state after token
/// t, t = 0 … n−1, as a std::vector<T> of at least spec.d entries) without
/// keeping them: memory O(d) however long the input. The sequential run calls
/// the sink in order; the parallel scan calls it from its threads, once per t,
/// in no particular order (a sink writes slot t of its own storage).
template <class T, class Sink>
LrnnRun<T> run_lrnn_each(const LrnnSpec& spec, std::span<const std::uint32_t> tokens, bool parallel, Sink&& sink,
                         const kernels::ScanOptions& so = {}) {
  detail::check_tokens(spec, tokens);
  std::vector<const Transition*> trs;
  for (const auto& tr : spec.tokens) trs.push_back(&tr);
  return detail::run_transitions<T>(spec, trs, [&](std::size_t t) { return tokens[t]; }, tokens.size(), parallel, so,
                                    sink);
}

/// Runs the model on real-valued inputs x_1 … x_n (each of spec.input_dim entries).
template <class T>
LrnnRun<T> run_lrnn_inputs(const LrnnSpec& spec, const std::vector<std::vector<Exact>>& xs, bool parallel,
                           const kernels::ScanOptions& so = {}) {
  if (spec.input_dim == 0) throw ModelError("model '" + spec.name + "' takes tokens, not real-valued inputs");
  std::vector<Transition> steps;
  steps.reserve(xs.size());
  for (const auto& x : xs) steps.push_back(detail::combine(spec, x));
  std::vector<const Transition*> trs;
  for (const auto& tr : steps) trs.push_back(&tr);
  return detail::run_transitions<T>(spec, trs, [](std::size_t t) { return t; }, xs.size(), parallel, so, kernels::no_sink);
}

/// Every state and score of a run: states holds h_1 … h_n (row t, d entries:
/// the state after step t) and, with a readout, scores every ⟨c, h_t⟩ + c0.
template <class T>
struct LrnnStates {
  std::vector<T> states;
  std::vector<T> scores;
};

/// run_lrnn, keeping every state (tokens) or, with `xs`, run_lrnn_inputs.
/// Instantiated for the native floats (instances_float.cpp, instances_double.cpp).
template <class T>
LrnnRun<T> run_lrnn_states(const LrnnSpec& spec, std::span<const std::uint32_t> tokens,
                           const std::vector<std::vector<Exact>>* xs, bool parallel, const kernels::ScanOptions& so,
                           LrnnStates<T>& out) {
  const std::size_t n = xs ? xs->size() : tokens.size(), d = spec.d;
  out.states.assign(n * d, numeric::zero<T>());
  auto sink = [&out, d](std::size_t t, const std::vector<T>& h) {
    std::copy(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(d), out.states.begin() + static_cast<std::ptrdiff_t>(t * d));
  };
  std::vector<Transition> steps;
  std::vector<const Transition*> trs;
  LrnnRun<T> run;
  if (xs) {
    if (spec.input_dim == 0) throw ModelError("model '" + spec.name + "' takes tokens, not real-valued inputs");
    steps.reserve(n);
    for (const auto& x : *xs) steps.push_back(detail::combine(spec, x));
    for (const auto& tr : steps) trs.push_back(&tr);
    run = detail::run_transitions<T>(spec, trs, [](std::size_t t) { return t; }, n, parallel, so, sink);
  } else {
    detail::check_tokens(spec, tokens);
    for (const auto& tr : spec.tokens) trs.push_back(&tr);
    run = detail::run_transitions<T>(spec, trs, [&](std::size_t t) { return tokens[t]; }, n, parallel, so, sink);
  }
  out.scores.clear();
  if (spec.has_readout()) {
    out.scores.reserve(n);
    const std::vector<T> c = detail::convert<T>(spec.c);
    const T c0 = numeric::from_exact<T>(spec.c0);
    for (std::size_t t = 0; t < n; ++t) {
      T acc = c0;  // the order of read_out's sum
      for (std::size_t i = 0; i < d; ++i) acc = acc + c[i] * out.states[t * d + i];
      out.scores.push_back(acc);
    }
  }
  return run;
}

}  // namespace parallax::models

// Every scalar type of the numeric module is instantiated once, in the models
// library (instances_*.cpp), so that callers compile quickly.
#include "numeric/all.hpp"

#define PARALLAX_LRNN_INSTANCES(EXTERN, T)                                                                       \
  EXTERN template ::parallax::models::LrnnRun<T> parallax::models::run_lrnn<T>(                                  \
      const ::parallax::models::LrnnSpec&, std::span<const std::uint32_t>, bool,                        \
      const ::parallax::kernels::ScanOptions&);                                                                  \
  EXTERN template ::parallax::models::LrnnRun<T> parallax::models::run_lrnn_inputs<T>(                           \
      const ::parallax::models::LrnnSpec&, const std::vector<std::vector<::parallax::numeric::Exact>>&, bool,    \
      const ::parallax::kernels::ScanOptions&);

PARALLAX_LRNN_INSTANCES(extern, double)
PARALLAX_LRNN_INSTANCES(extern, float)

#define PARALLAX_LRNN_STATES_INSTANCES(EXTERN, T)                                                              \
  EXTERN template ::parallax::models::LrnnRun<T> parallax::models::run_lrnn_states<T>(                         \
      const ::parallax::models::LrnnSpec&, std::span<const std::uint32_t>,                                       \
      const std::vector<std::vector<::parallax::numeric::Exact>>*, bool, const ::parallax::kernels::ScanOptions&, \
      ::parallax::models::LrnnStates<T>&);

PARALLAX_LRNN_STATES_INSTANCES(extern, double)
PARALLAX_LRNN_STATES_INSTANCES(extern, float)
PARALLAX_LRNN_INSTANCES(extern, ::parallax::numeric::EmuFloat)
PARALLAX_LRNN_INSTANCES(extern, ::parallax::numeric::BigFloat)
PARALLAX_LRNN_INSTANCES(extern, ::parallax::numeric::Fixed)
PARALLAX_LRNN_INSTANCES(extern, ::parallax::numeric::Exact)
PARALLAX_LRNN_INSTANCES(extern, ::parallax::numeric::Interval)
