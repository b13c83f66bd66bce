#pragma once
// The linear recurrences of the Newton iterations and of the adjoint pass:
//   h_t = A_t h_{t−1} + b_t,  t = 0..len−1,  h_{−1} = h0,
// with every A_t block diagonal with k×k blocks (k = 1: diagonal, k = n:
// dense; layout of solve/jacobian.hpp), by the parallel scans of kernels/.
#include <algorithm>
#include <vector>

#include "kernels/operators.hpp"
#include "kernels/scan.hpp"

namespace parallax::solve {

/// body(lo, hi) over a split of [0, len) across the scan's threads (each
/// thread with the caller's numeric context). With so.poll, each thread's
/// part runs in 64 pieces and the calling thread polls between its pieces
/// (the others stop at their next piece once a poll has thrown).
template <class Body>
void parallel_chunks(const kernels::ScanOptions& so, std::size_t len, Body&& body) {
  const std::size_t want = static_cast<std::size_t>(std::max(1, kernels::cpu::thread_count(so)));
  const int threads = static_cast<int>(std::max<std::size_t>(1, std::min(want, len / 16)));
  kernels::cpu::run_team(threads, [&](std::size_t tid, std::size_t nt, const kernels::cpu::ErrorSlot& errors) {
    const std::size_t lo = len * tid / nt, hi = len * (tid + 1) / nt;
    if (!so.poll) return body(lo, hi);
    constexpr std::size_t kPieces = 64;
    for (std::size_t q = 0; q < kPieces; ++q) {
      if (tid == 0) so.poll();
      if (errors.failed()) return;
      const std::size_t a = lo + (hi - lo) * q / kPieces, b = lo + (hi - lo) * (q + 1) / kPieces;
      if (a < b) body(a, b);
    }
  });
}

/// H[t·n ..] = the state after step t. A: len·n·k values, B: len·n.
template <class T>
void structured_scan(std::size_t len, std::size_t n, std::size_t k, const std::vector<T>& A, const std::vector<T>& B,
                     const std::vector<T>& h0, std::vector<T>& H, const kernels::ScanOptions& so) {
  H.resize(len * n);
  if (k == 1) {  // n independent scalar recurrences: the fast path of the scans
    kernels::ScalarAffine<T> op;
    using E = typename kernels::ScalarAffine<T>::element;
    for (std::size_t i = 0; i < n; ++i) {
      auto src = [&](std::size_t t) { return E{A[t * n + i], B[t * n + i]}; };
      auto sink = [&](std::size_t t, const T& h) { H[t * n + i] = h; };
      kernels::run_parallel(op, src, len, h0[i], sink, so);
    }
    return;
  }
  kernels::BlockDiagAffine<T> op;
  op.k = k;
  op.blocks = n / k;
  using E = typename kernels::BlockDiagAffine<T>::element;
  // Elements are built from A and B when the scan asks for them (twice per
  // step: reduce, then apply) rather than stored for all t, which would
  // double the memory of the iteration for a small saving in copies.
  auto src = [&](std::size_t t) {
    return E{std::vector<T>(A.begin() + t * n * k, A.begin() + (t + 1) * n * k),
             std::vector<T>(B.begin() + t * n, B.begin() + (t + 1) * n)};
  };
  auto sink = [&](std::size_t t, const std::vector<T>& h) { std::copy(h.begin(), h.end(), H.begin() + t * n); };
  kernels::run_parallel(op, src, len, h0, sink, so);
}

}  // namespace parallax::solve
