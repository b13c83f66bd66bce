#pragma once
// Sources and sinks of the scans from memory (CUDA only; layouts in api.hpp).
// A source folds h0 into element 0 of its segment (E::constant), so the
// prefixes' b are the states.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "kernels/cuda/elements.hpp"

namespace parallax::kernels::cuda {

/// Diagonal elements (a, b) in [segment][t], stored as S (T, bf16 or fp16).
template <class T, class S = T>
struct DiagArraySource {
  const S* a;
  const S* b;
  const T* h0;
  std::size_t len;
  __device__ DiagElem<T> operator()(std::size_t seg, std::size_t t) const {
    const std::size_t k = seg * len + t;
    const DiagElem<T> e{static_cast<T>(a[k]), static_cast<T>(b[k])};
    return t == 0 ? DiagElem<T>::constant(e, h0 + seg) : e;
  }
};

/// k×k blocks in [segment][t][k·k] (b in [segment][t][k]), zero-padded to K.
template <class T, int K>
struct BlockArraySource {
  const T* m;
  const T* b;
  const T* h0;
  std::size_t len;
  int k;
  __device__ BlockElem<T, K> operator()(std::size_t seg, std::size_t t) const {
    const std::size_t at = seg * len + t;
    BlockElem<T, K> e;
#pragma unroll
    for (int i = 0; i < K; ++i) {
#pragma unroll
      for (int j = 0; j < K; ++j) e.m[i * K + j] = i < k && j < k ? m[at * k * k + i * k + j] : T(0);
      e.b[i] = i < k ? b[at * k + i] : T(0);
    }
    if (t != 0) return e;
    T h[K];
#pragma unroll
    for (int i = 0; i < K; ++i) h[i] = i < k ? h0[seg * k + i] : T(0);
    return BlockElem<T, K>::constant(e, h);
  }
};

/// PD maps in [sequence][t][d], padded to D with p[j] = j, D[j] = 0, b[j] = 0
/// (padded coordinates stay 0 and never reach the first d).
template <class T, int D>
struct PDArraySource {
  const std::uint32_t* p;
  const T* dg;
  const T* b;
  const T* h0;
  std::size_t len;
  int d;
  __device__ PDElem<T, D> operator()(std::size_t seg, std::size_t t) const {
    const std::size_t at = (seg * len + t) * d;
    PDElem<T, D> e;
#pragma unroll
    for (int j = 0; j < D; ++j) {
      e.p[j] = static_cast<std::uint8_t>(j < d ? p[at + j] : j);
      e.d[j] = j < d ? dg[at + j] : T(0);
      e.b[j] = j < d ? b[at + j] : T(0);
    }
    if (t != 0) return e;
    T h[D];
#pragma unroll
    for (int j = 0; j < D; ++j) h[j] = j < d ? h0[seg * d + j] : T(0);
    return PDElem<T, D>::constant(e, h);
  }
};

/// Writes the first k state entries of every prefix to h [segment][t][k].
template <class T>
struct StateSink {
  T* h;
  std::size_t len;
  int k;
  template <class E>
  __device__ void operator()(std::size_t seg, std::size_t t, const E& e) const {
    T* out = h + (seg * len + t) * k;
    for (int i = 0; i < k; ++i) out[i] = e.state(i);
  }
};

}  // namespace parallax::kernels::cuda
