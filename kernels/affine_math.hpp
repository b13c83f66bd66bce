#pragma once
// The formulas of affine-map composition and application, on raw arrays, as
// PARALLAX_HD templates over the scalar: the one definition used by the CPU
// operators (kernels/operators.hpp) and the CUDA element types
// (kernels/cuda/elements.hpp). `first` is applied first:
//   (A₂, b₂) ∘ (A₁, b₁) = (A₂A₁, A₂b₁ + b₂).
// Outputs alias no input. Sizes are runtime values; the device code passes
// compile-time constants, so its loops unroll.
#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"

namespace parallax::kernels::math {

/// x ↦ a x + b, one channel.
template <class T>
PARALLAX_HD void scalar_compose(const T& a1, const T& b1, const T& a2, const T& b2, T& ao, T& bo) {
  ao = a2 * a1;
  bo = a2 * b1 + b2;
}

/// k×k blocks, row-major: mo = m2·m1, bo = m2·b1 + b2 (one block).
template <class T>
PARALLAX_HD void block_compose(std::size_t k, const T* m1, const T* b1, const T* m2, const T* b2, T* mo, T* bo) {
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      T acc = m2[i * k] * m1[j];
      for (std::size_t l = 1; l < k; ++l) acc = acc + m2[i * k + l] * m1[l * k + j];
      mo[i * k + j] = acc;
    }
    T acc = b2[i];
    for (std::size_t l = 0; l < k; ++l) acc = acc + m2[i * k + l] * b1[l];
    bo[i] = acc;
  }
}

/// out = m·in + b (one k×k block).
template <class T>
PARALLAX_HD void block_apply(std::size_t k, const T* m, const T* b, const T* in, T* out) {
  for (std::size_t i = 0; i < k; ++i) {
    T acc = b[i];
    for (std::size_t l = 0; l < k; ++l) acc = acc + m[i * k + l] * in[l];
    out[i] = acc;
  }
}

/// Permutation-diagonal maps A = P·D with column j's entry D[j] in row p[j]:
/// p = p₂∘p₁, D[j] = D₂[p₁[j]]·D₁[j], b = b₂ + A₂ b₁.
template <class T, class Index>
PARALLAX_HD void pd_compose(std::size_t d, const Index* p1, const T* D1, const T* b1, const Index* p2, const T* D2,
                            const T* b2, Index* po, T* Do, T* bo) {
  for (std::size_t i = 0; i < d; ++i) bo[i] = b2[i];
  for (std::size_t j = 0; j < d; ++j) {
    const Index mid = p1[j];
    po[j] = p2[mid];
    Do[j] = D2[mid] * D1[j];
    bo[p2[j]] = bo[p2[j]] + D2[j] * b1[j];
  }
}

/// out = P·D·in + b.
template <class T, class Index>
PARALLAX_HD void pd_apply(std::size_t d, const Index* p, const T* D, const T* b, const T* in, T* out) {
  for (std::size_t i = 0; i < d; ++i) out[i] = b[i];
  for (std::size_t j = 0; j < d; ++j) out[p[j]] = out[p[j]] + D[j] * in[j];
}

}  // namespace parallax::kernels::math
