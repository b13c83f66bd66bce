#pragma once
// Scans of an associative operator (kernels/operators.hpp): prefix
// compositions, reductions, and runs of the recurrence h_t = e_t(h_{t-1}).
//
// PROVISIONAL: sequential reference implementations; the parallel entry
// points have their final signatures but run sequentially for now.
//
// A Source is a callable t ↦ element (by value or const reference), t in [0, n).
// A Sink is a callable (t, const X&) invoked once per t; the parallel versions
// call it concurrently for distinct t.
#include <cstddef>
#include <utility>

namespace parallax::kernels {

struct ScanOptions {
  int threads = 0;         ///< worker threads; 0 = all available
  std::size_t block = 0;   ///< elements per cache block; 0 = chosen by the policy
};

/// A sink that ignores its arguments.
inline constexpr auto no_sink = [](std::size_t, const auto&) {};

/// sink(t, e_t ∘ … ∘ e_0) for every t; returns the total composition.
template <class Op, class Source, class Sink>
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

template <class Op, class Source, class Sink>
typename Op::element scan_parallel(const Op& op, Source&& src, std::size_t n, Sink&& sink, const ScanOptions& = {}) {
  return scan_sequential(op, std::forward<Source>(src), n, std::forward<Sink>(sink));
}

/// e_{n-1} ∘ … ∘ e_0 by a left fold.
template <class Op, class Source>
typename Op::element reduce_sequential(const Op& op, Source&& src, std::size_t n) {
  return scan_sequential(op, std::forward<Source>(src), n, no_sink);
}

template <class Op, class Source>
typename Op::element reduce_parallel(const Op& op, Source&& src, std::size_t n, const ScanOptions& = {}) {
  return reduce_sequential(op, std::forward<Source>(src), n);
}

/// e_{n-1} ∘ … ∘ e_0 by a balanced binary tree (depth ⌈log₂ n⌉).
template <class Op, class Source>
typename Op::element reduce_tree(const Op& op, Source&& src, std::size_t n) {
  return reduce_sequential(op, std::forward<Source>(src), n);
}

/// Runs h_{t+1} = e_t(h_t) from h0; sink(t, h_{t+1}); returns h_n.
template <class Op, class Source, class Sink>
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

template <class Op, class Source, class Sink>
typename Op::state run_parallel(const Op& op, Source&& src, std::size_t n, typename Op::state h0, Sink&& sink,
                                const ScanOptions& = {}) {
  return run_sequential(op, std::forward<Source>(src), n, std::move(h0), std::forward<Sink>(sink));
}

}  // namespace parallax::kernels
