#pragma once
// Scans of an associative operator (kernels/operators.hpp): prefix
// compositions, reductions, and runs of the recurrence h_t = e_t(h_{t-1}).
//
// A Source is a callable t ↦ element (by value or const reference), t in [0, n).
// A Sink is a callable (t, const X&) invoked once per t; the parallel versions
// call it concurrently for distinct t.
//
// The sequential versions are the reference: a left fold in time order. The
// parallel versions (kernels/cpu/scan.hpp) regroup the same compositions, so
// over exact scalars they give identical results and in floating point they
// differ only by rounding.
#include <cstddef>
#include <utility>

#include "kernels/concepts.hpp"
#include "kernels/cpu/scan.hpp"

namespace parallax::kernels {

/// A sink that ignores its arguments (the parallel scans skip work no sink reads).
inline constexpr cpu::NoSink no_sink{};

/// sink(t, e_t ∘ … ∘ e_0) for every t; returns the total composition.
template <ScanOperator Op, class Source, class Sink>
typename Op::element scan_sequential(const Op& op, Source&& src, std::size_t n, Sink&& sink) {
  auto acc = op.identity();
  auto tmp = op.identity();
  for (std::size_t t = 0; t < n; ++t) {
    op.compose(acc, src(t), tmp);
    std::swap(acc, tmp);
    sink(t, acc);
  }
  return acc;
}

/// As scan_sequential, by the multithreaded chained scan.
template <ScanOperator Op, class Source, class Sink>
typename Op::element scan_parallel(const Op& op, Source&& src, std::size_t n, Sink&& sink, const ScanOptions& o = {}) {
  using element = typename Op::element;
  auto adv = [&op](const element& in, const element& e, element& out) { op.compose(in, e, out); };
  return cpu::chained_scan(op, src, n, op.identity(), adv, sink, o);
}

/// e_{n-1} ∘ … ∘ e_0 by a left fold.
template <ScanOperator Op, class Source>
typename Op::element reduce_sequential(const Op& op, Source&& src, std::size_t n) {
  return scan_sequential(op, std::forward<Source>(src), n, no_sink);
}

/// e_{n-1} ∘ … ∘ e_0, one contiguous chunk per thread.
template <ScanOperator Op, class Source>
typename Op::element reduce_parallel(const Op& op, Source&& src, std::size_t n, const ScanOptions& o = {}) {
  return cpu::reduce_parallel(op, src, n, o);
}

/// e_{n-1} ∘ … ∘ e_0 by a balanced binary tree (depth ⌈log₂ n⌉).
template <ScanOperator Op, class Source>
typename Op::element reduce_tree(const Op& op, Source&& src, std::size_t n) {
  if (n == 0) return op.identity();
  return cpu::reduce_tree(op, src, 0, n);
}

/// The same tree, its top levels computed by several threads (OpenMP tasks).
template <ScanOperator Op, class Source>
typename Op::element reduce_tree_parallel(const Op& op, Source&& src, std::size_t n, const ScanOptions& o = {}) {
  return cpu::reduce_tree_parallel(op, src, n, o);
}

/// Runs h_{t+1} = e_t(h_t) from h0; sink(t, h_{t+1}); returns h_n.
template <StateAction Op, class Source, class Sink>
typename Op::state run_sequential(const Op& op, Source&& src, std::size_t n, typename Op::state h0, Sink&& sink) {
  auto h = std::move(h0);
  auto next = op.make_state();
  for (std::size_t t = 0; t < n; ++t) {
    op.apply(src(t), h, next);
    std::swap(h, next);
    sink(t, h);
  }
  return h;
}

/// As run_sequential, by the multithreaded chained scan.
template <AffineOperator Op, class Source, class Sink>
typename Op::state run_parallel(const Op& op, Source&& src, std::size_t n, typename Op::state h0, Sink&& sink,
                                const ScanOptions& o = {}) {
  using element = typename Op::element;
  using state = typename Op::state;
  auto adv = [&op](const state& in, const element& e, state& out) { op.apply(e, in, out); };
  return cpu::chained_scan(op, src, n, std::move(h0), adv, sink, o);
}

}  // namespace parallax::kernels
