#pragma once
// Multithreaded CPU scans (OpenMP): a single-pass, cache-blocked chained scan
// and parallel / tree reductions. Use them through kernels/scan.hpp.
//
// Chained scan. The input is cut into cache blocks of B elements; thread k
// takes blocks k, k + T, k + 2T, … in order. For each block it
//   A. reduces the block to its composition, as L interleaved lanes (L
//      independent dependency chains keep the FPU busy instead of waiting on
//      one chain's latency);
//   B. waits for the carry (state, or prefix) at the end of the previous
//      block, derives the carry at the start of every lane from the lane
//      totals, and publishes the carry at the end of its block at once;
//   C. re-reads the block (now in cache) and runs the L lanes from their
//      start carries, handing every prefix to the sink. Without a sink
//      (kernels::no_sink) over native floats, pass C is skipped: the final
//      carry comes from B alone, and native floats record no events that the
//      states of pass C could raise.
// Each element is read from memory once and composed twice (A, C): the work
// is O(n) (work-efficient), and the only serial part is one carry step per
// block. The carry is a state (recurrences) or an element (prefix scans).
//
// Every OpenMP worker installs the caller's numeric Context, so emulated
// formats and event recording behave as in the calling thread. An exception
// thrown by the source, sink or operator is rethrown in the caller.
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/concepts.hpp"
#include "numeric/context.hpp"

namespace parallax::kernels {

struct ScanOptions {
  int threads = 0;        ///< worker threads; 0 = OpenMP's default (all available)
  std::size_t block = 0;  ///< elements per cache block; 0 = chosen from the element size
  /// Called on the calling thread between blocks of a chained scan (and
  /// between iterations of the Newton solvers, every 2^16 steps of a model's
  /// sequential run); it may throw to stop the run, and the exception reaches
  /// the caller (Ctrl-C in the Python package). Empty: never called.
  std::function<void()> poll = {};
};

namespace cpu {

/// The sink that ignores its arguments (kernels::no_sink).
struct NoSink {
  template <class X>
  void operator()(std::size_t, const X&) const {}
};

/// Whether pass C can be skipped: nothing reads its carries, and the
/// operator's scalar is a native float (no per-operation events to lose).
template <class Op, class Sink>
constexpr bool skips_emit() {
  if constexpr (!std::is_same_v<std::remove_cvref_t<Sink>, NoSink>) {
    return false;
  } else if constexpr (requires { typename Op::scalar; }) {
    return std::is_floating_point_v<typename Op::scalar>;
  } else {
    return false;
  }
}

/// Independent chains per block (instruction-level parallelism).
inline constexpr std::size_t kLanes = 8;

inline int thread_count(const ScanOptions& o) { return o.threads > 0 ? o.threads : omp_get_max_threads(); }

/// ⌈n / B⌉ without the overflow of (n + B − 1) / B (a block of 2^64 − 1
/// elements would wrap to zero blocks); B ≥ 1.
inline std::size_t block_count(std::size_t n, std::size_t B) { return n / B + (n % B != 0); }

template <class Element>
std::size_t block_size(const ScanOptions& o, std::size_t lanes = kLanes) {
  if (o.block > 0) return o.block;
  // About 64 KiB of elements per block: stays in L2 between passes A and C.
  // About 256 KiB of elements per block: stays in L2 between passes A and C.
  // Lane length an odd multiple of 16, so that for 4- and 8-byte scalars the
  // lanes' streams in the caller's arrays fall into different L1 sets and are
  // never a multiple of 4 KiB apart (4K aliasing stalls loads behind stores).
  const std::size_t b = (std::size_t(1) << 18) / std::max<std::size_t>(1, sizeof(Element));
  const std::size_t len0 = std::clamp<std::size_t>(b, 64 * lanes, 1 << 16) / lanes;
  return lanes * ((len0 & ~std::size_t(31)) + 16);
}

/// Calls f(integral_constant<J>) for J = 0 … kLanes−1, unrolled, so that lane
/// variables of small elements live in registers.
template <class F, std::size_t... J>
inline void for_lanes_impl(F& f, std::index_sequence<J...>) {
  (f(std::integral_constant<std::size_t, J>{}), ...);
}
template <class F>
inline void for_lanes(F&& f) {
  for_lanes_impl(f, std::make_index_sequence<kLanes>{});
}

/// Collects the first exception thrown by any worker.
class ErrorSlot {
 public:
  template <class F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_);
      if (!err_) err_ = std::current_exception();
      failed_.store(true, std::memory_order_release);
    }
  }
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  void rethrow() const {
    if (err_) std::rethrow_exception(err_);
  }

 private:
  std::mutex m_;
  std::exception_ptr err_;
  std::atomic<bool> failed_{false};
};

/// Runs body(tid, nt, errors) on a team of `threads` OpenMP threads, each
/// with the caller's numeric Context installed; the first exception thrown by
/// any of them is rethrown in the caller.
template <class Body>
void run_team(int threads, Body&& body) {
  ErrorSlot errors;
  if (threads <= 1) {  // no team to start (and no futex traffic) for one thread
    errors.run([&] { body(std::size_t{0}, std::size_t{1}, errors); });
    errors.rethrow();
    return;
  }
  const numeric::Context ctx = numeric::current_context();
#pragma omp parallel num_threads(threads)
  {
    numeric::ContextGuard guard(ctx);
    const std::size_t tid = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t nt = static_cast<std::size_t>(omp_get_num_threads());
    errors.run([&] { body(tid, nt, errors); });
    // OpenMP tasks the body spawned run at this barrier, still under the guard
#pragma omp barrier
  }
  errors.rethrow();
}

/// Small trivially copyable elements take the prefix path (see chained_scan).
template <class Element, class Carry>
inline constexpr bool kPrefixPath = std::is_trivially_copyable_v<Element> && sizeof(Element) <= 32 &&
                                    std::is_trivially_copyable_v<Carry> && sizeof(Carry) <= 32;

/// The chain of blocks shared by the chained scans: blocks 0 … nblocks−1 are
/// dealt to `threads` threads round-robin; each thread builds one worker
/// (make_worker(), its scratch) and for each of its blocks calls
///   w.reduce(k)               pass A, no dependency on other blocks
///   w.advance(k, in) → out    pass B: the carry at the block's end from the one at its start
///   w.emit(k)                 pass C
/// The carry at a block's end is published as soon as it is known. Workers
/// install the caller's numeric Context; exceptions reach the caller. The
/// calling thread (thread 0) calls `poll` before each of its blocks.
template <class Carry, class MakeWorker>
Carry chain_blocks(std::size_t nblocks, Carry init, int threads, MakeWorker&& make_worker,
                   const std::function<void()>& poll = {}) {
  struct Slot {
    std::atomic<bool> ready{false};
    Carry carry;
  };
  std::unique_ptr<Slot[]> slots(new Slot[nblocks]);
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), nblocks));
  run_team(threads, [&](std::size_t tid, std::size_t nt, const ErrorSlot& errors) {
    auto w = make_worker();
    for (std::size_t k = tid; k < nblocks; k += nt) {
      if (tid == 0 && poll) poll();
      w.reduce(k);
      if (k > 0) {
        for (unsigned spin = 0; !slots[k - 1].ready.load(std::memory_order_acquire); ++spin) {
          if (errors.failed()) return;
          if (spin > 64) std::this_thread::yield();
        }
      }
      slots[k].carry = w.advance(k, k == 0 ? init : slots[k - 1].carry);
      slots[k].ready.store(true, std::memory_order_release);
      w.emit(k);
    }
  });
  return std::move(slots[nblocks - 1].carry);
}

/// The chained scan. adv(carry_in, element, carry_out) advances a carry by
/// one element; sink(t, carry after element t). Returns the final carry.
///
/// Two variants of passes A and C:
///  * prefix path (small trivially copyable elements, e.g. scalar affine
///    maps): pass A stores every lane-local prefix composition in a per-thread
///    buffer, and pass C applies each prefix to its lane's start carry. Pass C
///    has no dependency chain (it vectorizes) and reads the source only once.
///  * general path: pass C re-reads the source and advances the lanes'
///    carries step by step.
template <ScanOperator Op, class Carry, class Source, class Advance, class Sink>
Carry chained_scan(const Op& op, Source&& src, std::size_t n, Carry init, Advance&& adv, Sink&& sink,
                   const ScanOptions& opts) {
  using element = typename Op::element;
  constexpr bool emits = !skips_emit<Op, Sink>();
  constexpr bool prefix_path = kPrefixPath<element, Carry> && emits;
  if (n == 0) return init;
  // a block longer than the input is the input (and no scratch of B elements for it)
  const std::size_t B = std::min(block_size<element>(opts), n);
  const std::size_t nblocks = block_count(n, B);
  const int threads = static_cast<int>(std::min<std::size_t>(std::max(1, thread_count(opts)), nblocks));

  struct Worker {
    const Op& op;
    Source& src;
    Advance& adv;
    Sink& sink;
    std::size_t n, B;
    std::array<element, kLanes> tot, tmp;
    std::array<Carry, kLanes> cur, nxt;
    std::array<Carry, kLanes + 1> start;
    std::vector<element> pre;
    element ident;
    std::size_t lo = 0, hi = 0, len = 0;

    void reduce(std::size_t k) {  // A. lane totals (and, on the prefix path, every lane-local prefix)
      lo = k * B;
      hi = std::min(n, lo + B);
      len = (hi - lo) / kLanes;  // every lane's common length; the last lane takes the rest
      // locals: lanes of small elements stay in registers; larger ones keep
      // their buffers (moved here and back, reset by copy: no allocation)
      std::array<element, kLanes> acc = std::move(tot), scratch = std::move(tmp);
      element* p = pre.data();
      const std::size_t lo_ = lo, len_ = len;
      for (std::size_t j = 0; j < kLanes; ++j) acc[j] = ident;
      for (std::size_t i = 0; i < len_; ++i) {
        for_lanes([&](auto j) {
          op.compose(acc[j], src(lo_ + j * len_ + i), scratch[j]);
          std::swap(acc[j], scratch[j]);
          if constexpr (prefix_path) p[j * len_ + i] = acc[j];
        });
      }
      for (std::size_t t = lo_ + kLanes * len_; t < hi; ++t) {
        op.compose(acc[kLanes - 1], src(t), scratch[0]);
        std::swap(acc[kLanes - 1], scratch[0]);
        if constexpr (prefix_path) p[t - lo_] = acc[kLanes - 1];
      }
      tot = std::move(acc);
      tmp = std::move(scratch);
    }
    Carry advance(std::size_t, const Carry& in) {  // B. lane starts from the block's start
      start[0] = in;
      for (std::size_t j = 0; j < kLanes; ++j) adv(start[j], tot[j], start[j + 1]);
      return start[kLanes];
    }
    void emit(std::size_t) {  // C. every carry of the block
      if constexpr (!emits) {
        return;
      } else if constexpr (prefix_path) {
        for (std::size_t j = 0; j < kLanes; ++j) {
          const std::size_t a = j * len, b = j + 1 < kLanes ? a + len : hi - lo;
          const Carry s = start[j];
          const element* p = pre.data();
          for (std::size_t i = a; i < b; ++i) {
            Carry out;
            adv(s, p[i], out);
            sink(lo + i, out);
          }
        }
      } else {
        std::array<Carry, kLanes> c = std::move(cur), x = std::move(nxt);  // local: registers when small
        const std::size_t lo_ = lo, len_ = len;
        for (std::size_t j = 0; j < kLanes; ++j) c[j] = start[j];
        for (std::size_t i = 0; i < len_; ++i) {
          for_lanes([&](auto j) {
            const std::size_t t = lo_ + j * len_ + i;
            adv(c[j], src(t), x[j]);
            std::swap(c[j], x[j]);
            sink(t, c[j]);
          });
        }
        for (std::size_t t = lo_ + kLanes * len_; t < hi; ++t) {
          adv(c[kLanes - 1], src(t), x[0]);
          std::swap(c[kLanes - 1], x[0]);
          sink(t, c[kLanes - 1]);
        }
        cur = std::move(c);
        nxt = std::move(x);
      }
    }
  };
  return chain_blocks(nblocks, init, threads, [&] {
    Worker w{op, src, adv, sink, n, B, {}, {}, {}, {}, {}, std::vector<element>(prefix_path ? B : 0), op.identity()};
    for (std::size_t j = 0; j < kLanes; ++j) w.tot[j] = w.tmp[j] = w.ident, w.cur[j] = w.nxt[j] = init;
    return w;
  }, opts.poll);
}

/// Left fold of [lo, hi) as kLanes interleaved chains combined in order.
template <ScanOperator Op, class Source>
typename Op::element reduce_range(const Op& op, Source& src, std::size_t lo, std::size_t hi) {
  using element = typename Op::element;
  const std::size_t len = (hi - lo) / kLanes;
  std::vector<element> tot(kLanes, op.identity()), tmp(kLanes, op.identity());
  for (std::size_t i = 0; i < len; ++i) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      op.compose(tot[j], src(lo + j * len + i), tmp[j]);
      std::swap(tot[j], tmp[j]);
    }
  }
  for (std::size_t t = lo + kLanes * len; t < hi; ++t) {
    op.compose(tot[kLanes - 1], src(t), tmp[0]);
    std::swap(tot[kLanes - 1], tmp[0]);
  }
  element acc = std::move(tot[0]);
  for (std::size_t j = 1; j < kLanes; ++j) {
    op.compose(acc, tot[j], tmp[0]);
    std::swap(acc, tmp[0]);
  }
  return acc;
}

/// e_{n-1} ∘ … ∘ e_0: each thread folds one contiguous chunk, chunks combined in order.
template <ScanOperator Op, class Source>
typename Op::element reduce_parallel(const Op& op, Source&& src, std::size_t n, const ScanOptions& opts) {
  using element = typename Op::element;
  if (n == 0) return op.identity();
  const int threads = static_cast<int>(std::min<std::size_t>(std::max(1, thread_count(opts)), n));
  std::vector<element> part(static_cast<std::size_t>(threads), op.identity());
  run_team(threads, [&](std::size_t tid, std::size_t nt, const ErrorSlot&) {
    const std::size_t lo = n * tid / nt, hi = n * (tid + 1) / nt;
    part[tid] = reduce_range(op, src, lo, hi);
  });
  element acc = std::move(part[0]), tmp = op.identity();
  for (std::size_t i = 1; i < part.size(); ++i) {
    op.compose(acc, part[i], tmp);
    std::swap(acc, tmp);
  }
  return acc;
}

/// e_{n-1} ∘ … ∘ e_0 by a balanced binary tree: depth ⌈log₂ n⌉, and operands
/// of equal size meet (what makes exact products fast). Subtrees at the top
/// `spawn_levels` levels run as OpenMP tasks when called inside a parallel
/// region.
template <ScanOperator Op, class Source>
typename Op::element reduce_tree(const Op& op, Source& src, std::size_t lo, std::size_t hi, int spawn_levels = 0) {
  using element = typename Op::element;
  if (hi - lo == 1) return element(src(lo));
  auto out = op.identity();
  if (hi - lo == 2) {  // compose the leaves in place, without copying them
    op.compose(src(lo), src(lo + 1), out);
    return out;
  }
  const std::size_t mid = lo + (hi - lo) / 2;
  if (spawn_levels <= 0) {
    const element left = reduce_tree(op, src, lo, mid);
    const element right = reduce_tree(op, src, mid, hi);
    op.compose(left, right, out);
    return out;
  }
  element left{}, right{};
  std::exception_ptr left_error, right_error;  // exceptions must not leave a task
#pragma omp task shared(left, left_error, op, src) firstprivate(lo, mid, spawn_levels)
  {
    try {
      left = reduce_tree(op, src, lo, mid, spawn_levels - 1);
    } catch (...) {
      left_error = std::current_exception();
    }
  }
  try {
    right = reduce_tree(op, src, mid, hi, spawn_levels - 1);
  } catch (...) {
    right_error = std::current_exception();
  }
#pragma omp taskwait
  if (left_error) std::rethrow_exception(left_error);
  if (right_error) std::rethrow_exception(right_error);
  op.compose(left, right, out);
  return out;
}

/// The balanced tree with its top levels spread over the caller's threads.
template <ScanOperator Op, class Source>
typename Op::element reduce_tree_parallel(const Op& op, Source& src, std::size_t n, const ScanOptions& opts) {
  if (n == 0) return op.identity();
  const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, thread_count(opts))), n));
  if (threads == 1 || n < 4) return reduce_tree(op, src, 0, n);
  int levels = 0;
  while ((std::size_t(1) << levels) < 4 * std::size_t(threads) && levels < 16) ++levels;  // a few tasks per thread
  typename Op::element result = op.identity();
  // thread 0 starts the tree; the others run its tasks at the team's barrier
  run_team(threads, [&](std::size_t tid, std::size_t, const ErrorSlot&) {
    if (tid == 0) result = reduce_tree(op, src, 0, n, levels);
  });
  return result;
}

}  // namespace cpu
}  // namespace parallax::kernels
