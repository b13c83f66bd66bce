#pragma once
// The scalar affine recurrence h_t = a_t h_{t−1} + b_t over native float or
// double arrays, by the chained block scan with SIMD lanes.
//
// Same algorithm as chained_scan (kernels/cpu/scan.hpp), on its prefix path:
// blocks chained across threads, each block cut into lanes; pass A keeps every
// lane-local prefix, pass B derives the lanes' starts, pass C applies each
// prefix to its lane's start. The lanes are processed W at a time in one
// 16-byte vector (W = 4 floats or 2 doubles); W×W register transposes turn W
// lanes × W consecutive steps, read as contiguous vectors, into W steps × W
// lanes, so every arithmetic operation advances W lanes. Within W steps the
// prefixes are formed first and then composed with the running carry, so the
// carry's dependency chain advances once per W steps. Each product and sum is
// rounded as in ScalarAffine<T> (no contraction); only the grouping differs.
// GCC vector extensions: SSE2 on x86-64, NEON on AArch64.
#include <cstring>
#include <type_traits>

#include "kernels/cpu/scan.hpp"

namespace parallax::kernels::cpu {

namespace simd {

typedef float v4f __attribute__((vector_size(16)));
typedef double v2d __attribute__((vector_size(16)));
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = v4f;
};
template <>
struct VecOf<double> {
  using type = v2d;
};
template <class T>
using Vec = typename VecOf<T>::type;
template <class T>
inline constexpr std::size_t kWidth = 16 / sizeof(T);
/// Vectors of lanes per block step. One is enough: the carry advances once per
/// W steps (see reduce), and fewer lanes mean fewer concurrent memory streams.
inline constexpr std::size_t kGroups = 1;
/// Elements ahead of each lane's loads that pass A prefetches.
inline constexpr std::size_t kPrefetchBytes = 256;

template <class T>
inline Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store(T* p, Vec<T> v) {
  std::memcpy(p, &v, sizeof v);
}

/// r[j][s] ↦ r[s][j] for a W×W tile held in W vectors.
inline void transpose(Vec<float> (&r)[4]) {
  using M = int __attribute__((vector_size(16)));
  const Vec<float> t0 = __builtin_shuffle(r[0], r[1], M{0, 4, 1, 5});
  const Vec<float> t1 = __builtin_shuffle(r[0], r[1], M{2, 6, 3, 7});
  const Vec<float> t2 = __builtin_shuffle(r[2], r[3], M{0, 4, 1, 5});
  const Vec<float> t3 = __builtin_shuffle(r[2], r[3], M{2, 6, 3, 7});
  r[0] = __builtin_shuffle(t0, t2, M{0, 1, 4, 5});
  r[1] = __builtin_shuffle(t0, t2, M{2, 3, 6, 7});
  r[2] = __builtin_shuffle(t1, t3, M{0, 1, 4, 5});
  r[3] = __builtin_shuffle(t1, t3, M{2, 3, 6, 7});
}
inline void transpose(Vec<double> (&r)[2]) {
  using M = long long __attribute__((vector_size(16)));
  const Vec<double> c0 = __builtin_shuffle(r[0], r[1], M{0, 2});
  const Vec<double> c1 = __builtin_shuffle(r[0], r[1], M{1, 3});
  r[0] = c0;
  r[1] = c1;
}

}  // namespace simd

/// h[t] = a[t]·h[t−1] + b[t] for t < n with h[−1] = h0; returns h[n−1] (h0 if n = 0).
template <class T>
T run_affine_arrays(const T* a, const T* b, T* h, std::size_t n, T h0, const ScanOptions& opts) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "native float or double");
  constexpr std::size_t W = simd::kWidth<T>, G = simd::kGroups, L = W * G;  // lanes per block
  using V = simd::Vec<T>;
  constexpr std::size_t kPrefetch = simd::kPrefetchBytes / sizeof(T);
  if (n == 0) return h0;
  // Blocks of about 256 KiB of (a, b); lane length an odd multiple of 16 (see block_size).
  const std::size_t B = std::min(opts.block > 0 ? opts.block : block_size<T[2]>(opts, L), n);
  const std::size_t nblocks = block_count(n, B);
  const int threads = static_cast<int>(std::min<std::size_t>(std::max(1, thread_count(opts)), nblocks));

  struct Worker {
    const T *a, *b;
    T* h;
    std::size_t n, B;
    std::size_t lo = 0, hi = 0, len = 0;  // lane l covers [lo + l·len, lo + (l+1)·len); [lo + L·len, hi) is the tail
    T ta[L], tb[L], tail_a = 1, tail_b = 0;  // lane totals, tail total
    T start[L + 1];                           // lane starts, then the tail's start
    std::vector<V> pre_a, pre_b;              // lane-local prefixes, W lanes per vector

    void reduce(std::size_t k) {
      lo = k * B;
      hi = std::min(n, lo + B);
      len = (hi - lo) / L / W * W;
      V A[G], Bv[G];
      for (std::size_t g = 0; g < G; ++g) A[g] = V{} + T(1), Bv[g] = V{};
      for (std::size_t i = 0; i < len; i += W) {
        for (std::size_t g = 0; g < G; ++g) {
          V ra[W], rb[W];
          for (std::size_t j = 0; j < W; ++j) {
            const std::size_t t = lo + (g * W + j) * len + i;
            ra[j] = simd::load(a + t);
            rb[j] = simd::load(b + t);
            // many concurrent streams: help the hardware prefetcher
            __builtin_prefetch(a + t + kPrefetch);
            __builtin_prefetch(b + t + kPrefetch);
          }
          simd::transpose(ra);
          simd::transpose(rb);
          V* pa = pre_a.data() + ((i / W) * G + g) * W;
          V* pb = pre_b.data() + ((i / W) * G + g) * W;
          // prefixes within these W steps first (independent of the carry,
          // so they overlap with the previous steps), then each composed with
          // the carry: the carry's dependency chain is one step per W steps
          V la[W], lb[W];
          la[0] = ra[0];
          lb[0] = rb[0];
          for (std::size_t s = 1; s < W; ++s) {  // compose: (A, B) ↦ (a·A, a·B + b)
            la[s] = ra[s] * la[s - 1];
            lb[s] = ra[s] * lb[s - 1] + rb[s];
          }
          for (std::size_t s = 0; s < W; ++s) {
            pa[s] = la[s] * A[g];
            pb[s] = la[s] * Bv[g] + lb[s];
          }
          A[g] = pa[W - 1];
          Bv[g] = pb[W - 1];
        }
      }
      for (std::size_t g = 0; g < G; ++g)
        for (std::size_t j = 0; j < W; ++j) ta[g * W + j] = A[g][j], tb[g * W + j] = Bv[g][j];
      tail_a = 1;
      tail_b = 0;
      for (std::size_t t = lo + L * len; t < hi; ++t) {
        tail_a = a[t] * tail_a;
        tail_b = a[t] * tail_b + b[t];
      }
    }
    T advance(std::size_t, const T& in) {
      start[0] = in;
      for (std::size_t l = 0; l < L; ++l) start[l + 1] = ta[l] * start[l] + tb[l];
      return tail_a * start[L] + tail_b;
    }
    void emit(std::size_t) {
      // every output is its lane-local prefix applied to the lane's start: no
      // dependency chain, and no second pass over a and b
      V S[G];
      for (std::size_t g = 0; g < G; ++g)
        for (std::size_t j = 0; j < W; ++j) S[g][j] = start[g * W + j];
      for (std::size_t i = 0; i < len; i += W) {
        for (std::size_t g = 0; g < G; ++g) {
          const V* pa = pre_a.data() + ((i / W) * G + g) * W;
          const V* pb = pre_b.data() + ((i / W) * G + g) * W;
          V out[W];
          for (std::size_t s = 0; s < W; ++s) out[s] = pa[s] * S[g] + pb[s];
          simd::transpose(out);
          for (std::size_t j = 0; j < W; ++j) simd::store(h + lo + (g * W + j) * len + i, out[j]);
        }
      }
      T x = start[L];
      for (std::size_t t = lo + L * len; t < hi; ++t) {
        x = a[t] * x + b[t];
        h[t] = x;
      }
    }
  };
  return chain_blocks(nblocks, h0, threads, [&] {
    return Worker{a, b, h, n, B, 0, 0, 0, {}, {}, 1, 0, {}, std::vector<V>(B / W + 1), std::vector<V>(B / W + 1)};
  }, opts.poll);
}

}  // namespace parallax::kernels::cpu
