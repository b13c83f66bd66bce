#pragma once
// Fixed-size affine elements for the CUDA scans: plain structs whose size is
// known at compile time, so that a thread keeps them in registers and CUB's
// block primitives can move them. Their arithmetic is kernels/affine_math.hpp,
// the same formulas as the CPU operators of kernels/operators.hpp.
//
// Every element type E provides (all PARALLAX_HD):
//   static E identity();
//   static E compose(const E& first, const E& second);  // second ∘ first
//   static E constant(const E& e, const T* h);          // the map x ↦ e(h): A = 0, b = A h + b
//   T state(int i) const;                               // b[i]: the state when the scan began with constant()
//   const T* states() const;                            // &b[0]
// A scan whose first element is constant(e_0, h0) has the states h_t as the b
// of its prefixes; that is how the device scans start from h0.
// This header compiles under g++ too: the CPU tests run the same element code.
#include <cstdint>

#include "kernels/affine_math.hpp"
#include "kernels/hd.hpp"

namespace parallax::kernels::cuda {

/// h ↦ a h + b, one channel.
template <class T>
struct DiagElem {
  using scalar = T;
  static constexpr int dim = 1;
  T a, b;
  PARALLAX_HD static DiagElem identity() { return {T(1), T(0)}; }
  PARALLAX_HD static DiagElem compose(const DiagElem& first, const DiagElem& second) {
    DiagElem r;
    math::scalar_compose(first.a, first.b, second.a, second.b, r.a, r.b);
    return r;
  }
  PARALLAX_HD static DiagElem constant(const DiagElem& e, const T* h) { return {T(0), e.a * h[0] + e.b}; }
  PARALLAX_HD T state(int) const { return b; }
  PARALLAX_HD const T* states() const { return &b; }
};

/// h ↦ M h + b with M a K×K matrix (row-major): one block of a block-diagonal
/// LRNN, or a whole dense LRNN with d = K.
template <class T, int K>
struct BlockElem {
  using scalar = T;
  static constexpr int dim = K;
  T m[K * K];
  T b[K];
  PARALLAX_HD static BlockElem identity() {
    BlockElem e;
    for (int i = 0; i < K * K; ++i) e.m[i] = T(0);
    for (int i = 0; i < K; ++i) e.m[i * K + i] = T(1), e.b[i] = T(0);
    return e;
  }
  PARALLAX_HD static BlockElem compose(const BlockElem& first, const BlockElem& second) {
    BlockElem r;
    math::block_compose<T>(K, first.m, first.b, second.m, second.b, r.m, r.b);
    return r;
  }
  PARALLAX_HD static BlockElem constant(const BlockElem& e, const T* h) {
    BlockElem r;
    math::block_apply<T>(K, e.m, e.b, h, r.b);
    for (int i = 0; i < K * K; ++i) r.m[i] = T(0);
    return r;
  }
  PARALLAX_HD T state(int i) const { return b[i]; }
  PARALLAX_HD const T* states() const { return b; }
};

/// h ↦ P·D·h + b, column j's entry D[j] in row p[j] (p any map of [D] to itself).
template <class T, int D>
struct PDElem {
  using scalar = T;
  static constexpr int dim = D;
  static_assert(D <= 256, "PD indices are stored in one byte");
  std::uint8_t p[D];
  T d[D];
  T b[D];
  PARALLAX_HD static PDElem identity() {
    PDElem e;
    for (int j = 0; j < D; ++j) e.p[j] = static_cast<std::uint8_t>(j), e.d[j] = T(1), e.b[j] = T(0);
    return e;
  }
  PARALLAX_HD static PDElem compose(const PDElem& first, const PDElem& second) {
    PDElem r;
    math::pd_compose<T, std::uint8_t>(D, first.p, first.d, first.b, second.p, second.d, second.b, r.p, r.d, r.b);
    return r;
  }
  PARALLAX_HD static PDElem constant(const PDElem& e, const T* h) {
    PDElem r;
    math::pd_apply<T, std::uint8_t>(D, e.p, e.d, e.b, h, r.b);
    for (int j = 0; j < D; ++j) r.p[j] = static_cast<std::uint8_t>(j), r.d[j] = T(0);
    return r;
  }
  PARALLAX_HD T state(int i) const { return b[i]; }
  PARALLAX_HD const T* states() const { return b; }
};

/// The binary operator CUB's primitives call: op(earlier, later) = later ∘ earlier.
struct ComposeOp {
  template <class E>
  PARALLAX_HD E operator()(const E& first, const E& second) const {
    return E::compose(first, second);
  }
};

}  // namespace parallax::kernels::cuda
