#pragma once
// Associative operators of linear recurrences h_t = A_t h_{t-1} + b_t.
//
// Every operator here is a *monoid* of affine maps, plus an *action* on states
// (kernels/concepts.hpp states the members as the concepts ScanOperator,
// StateAction and AffineOperator; tests/test_concepts.cpp checks each operator):
//
//   using element = ...;   // one map (A, b), owning storage
//   using state   = ...;   // one state vector h, owning storage
//   element identity() const;
//   state   make_state() const;                                  // zeros, right size
//   void compose(const element& first, const element& second, element& out) const;
//        // out = second ∘ first  (apply `first`, then `second`); out aliases neither
//   void apply(const element& e, const state& in, state& out) const;
//        // out = A in + b; out does not alias in
//
// Composition:  (A₂, b₂) ∘ (A₁, b₁) = (A₂A₁, A₂b₁ + b₂).
// Scans (kernels/scan.hpp) need only compose/identity; recurrences also apply.
// Operators are templates over the scalar and use only + - * and the
// numeric:: free functions, so every precision instantiates the same code.
// Their formulas live in kernels/affine_math.hpp, shared with the CUDA
// element types (kernels/cuda/elements.hpp).
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/affine_math.hpp"
#include "kernels/concepts.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::kernels {

/// Scalar affine maps x ↦ a x + b (one channel).
template <numeric::Scalar T>
struct ScalarAffine {
  struct element {
    T a, b;
  };
  using state = T;
  using scalar = T;

  element identity() const { return {numeric::one<T>(), numeric::zero<T>()}; }
  state make_state() const { return numeric::zero<T>(); }
  void compose(const element& first, const element& second, element& out) const {
    math::scalar_compose(first.a, first.b, second.a, second.b, out.a, out.b);
  }
  void apply(const element& e, const state& in, state& out) const { out = e.a * in + e.b; }
};

/// Diagonal affine maps on d channels: h ↦ a ⊙ h + b.
template <numeric::Scalar T>
struct DiagAffine {
  struct element {
    std::vector<T> a, b;
  };
  using state = std::vector<T>;
  using scalar = T;
  std::size_t d = 1;

  element identity() const { return {std::vector<T>(d, numeric::one<T>()), std::vector<T>(d, numeric::zero<T>())}; }
  state make_state() const { return state(d, numeric::zero<T>()); }
  void compose(const element& first, const element& second, element& out) const {
    out.a.resize(d);
    out.b.resize(d);
    for (std::size_t i = 0; i < d; ++i) math::scalar_compose(first.a[i], first.b[i], second.a[i], second.b[i], out.a[i], out.b[i]);
  }
  void apply(const element& e, const state& in, state& out) const {
    out.resize(d);
    for (std::size_t i = 0; i < d; ++i) out[i] = e.a[i] * in[i] + e.b[i];
  }
};

/// Block-diagonal affine maps: `blocks` blocks of size k×k (row-major, block
/// after block). k = 2 with rotation-scaling blocks [[r·c, −r·s], [r·s, r·c]]
/// is the real form of a complex diagonal LRNN.
template <numeric::Scalar T>
struct BlockDiagAffine {
  struct element {
    std::vector<T> m;  // blocks·k·k entries
    std::vector<T> b;  // blocks·k entries
  };
  using state = std::vector<T>;
  using scalar = T;
  std::size_t k = 2;
  std::size_t blocks = 1;

  std::size_t dim() const { return k * blocks; }
  element identity() const {
    element e{std::vector<T>(blocks * k * k, numeric::zero<T>()), std::vector<T>(dim(), numeric::zero<T>())};
    for (std::size_t q = 0; q < blocks; ++q)
      for (std::size_t i = 0; i < k; ++i) e.m[q * k * k + i * k + i] = numeric::one<T>();
    return e;
  }
  state make_state() const { return state(dim(), numeric::zero<T>()); }
  void compose(const element& first, const element& second, element& out) const {
    out.m.resize(blocks * k * k);
    out.b.resize(dim());
    for (std::size_t q = 0; q < blocks; ++q)
      math::block_compose(k, &first.m[q * k * k], &first.b[q * k], &second.m[q * k * k], &second.b[q * k],
                          &out.m[q * k * k], &out.b[q * k]);
  }
  void apply(const element& e, const state& in, state& out) const {
    out.resize(dim());
    for (std::size_t q = 0; q < blocks; ++q) math::block_apply(k, &e.m[q * k * k], &e.b[q * k], &in[q * k], &out[q * k]);
  }
};

/// Permutation-diagonal affine maps A = P·D, P column one-hot: column j of A
/// has its single entry D[j] in row p[j]. p is any function [d] → [d] (not
/// only a permutation), so a PD map can run any DFA (Terzić et al. 2025).
///   (A h)[i] = Σ_{j : p[j] = i} D[j] h[j]
/// Composition stays in PD form in O(d): p = p₂∘p₁, D[j] = D₂[p₁[j]]·D₁[j].
template <numeric::Scalar T>
struct PDAffine {
  struct element {
    std::vector<std::uint32_t> p;
    std::vector<T> D;
    std::vector<T> b;
  };
  using state = std::vector<T>;
  using scalar = T;
  std::size_t d = 1;

  element identity() const {
    element e{std::vector<std::uint32_t>(d), std::vector<T>(d, numeric::one<T>()), std::vector<T>(d, numeric::zero<T>())};
    for (std::size_t j = 0; j < d; ++j) e.p[j] = static_cast<std::uint32_t>(j);
    return e;
  }
  state make_state() const { return state(d, numeric::zero<T>()); }
  void compose(const element& first, const element& second, element& out) const {
    out.p.resize(d);
    out.D.resize(d);
    out.b.resize(d);
    math::pd_compose(d, first.p.data(), first.D.data(), first.b.data(), second.p.data(), second.D.data(),
                     second.b.data(), out.p.data(), out.D.data(), out.b.data());
  }
  void apply(const element& e, const state& in, state& out) const {
    out.resize(d);
    math::pd_apply(d, e.p.data(), e.D.data(), e.b.data(), in.data(), out.data());
  }
};

/// Dense affine maps on d channels, A row-major d×d. O(d³) per composition.
template <numeric::Scalar T>
struct DenseAffine {
  struct element {
    std::vector<T> A;  // d·d, row-major
    std::vector<T> b;  // d
  };
  using state = std::vector<T>;
  using scalar = T;
  std::size_t d = 1;

  element identity() const {
    element e{std::vector<T>(d * d, numeric::zero<T>()), std::vector<T>(d, numeric::zero<T>())};
    for (std::size_t i = 0; i < d; ++i) e.A[i * d + i] = numeric::one<T>();
    return e;
  }
  state make_state() const { return state(d, numeric::zero<T>()); }
  void compose(const element& first, const element& second, element& out) const {
    out.A.resize(d * d);
    out.b.resize(d);
    math::block_compose(d, first.A.data(), first.b.data(), second.A.data(), second.b.data(), out.A.data(), out.b.data());
  }
  void apply(const element& e, const state& in, state& out) const {
    out.resize(d);
    math::block_apply(d, e.A.data(), e.b.data(), in.data(), out.data());
  }
};

/// Products of diagonal-plus-low-rank factors followed by a bias:
///   h ↦ F_k ⋯ F_1 h + b,   F = diag(D) + Σ_r u_r v_rᵀ,
/// which covers generalized Householder products Π (I − β k kᵀ). apply costs
/// O(d · Σ rank); there is no compose (products of DPLR maps are not DPLR in
/// general): parallel evaluation uses `to_dense` and DenseAffine.
template <numeric::Scalar T>
struct LowRankAffine {
  struct factor {
    std::vector<T> D;  // d
    std::vector<T> U;  // r·d, row q = u_q
    std::vector<T> V;  // r·d, row q = v_q
    std::size_t rank = 0;
  };
  struct element {
    std::vector<factor> factors;  // applied first to last
    std::vector<T> b;             // d
  };
  using state = std::vector<T>;
  using scalar = T;
  std::size_t d = 1;

  state make_state() const { return state(d, numeric::zero<T>()); }
  void apply_factor(const factor& f, const state& in, state& out) const {
    out.resize(d);
    for (std::size_t i = 0; i < d; ++i) out[i] = f.D[i] * in[i];
    for (std::size_t q = 0; q < f.rank; ++q) {
      T dot = f.V[q * d] * in[0];
      for (std::size_t j = 1; j < d; ++j) dot = dot + f.V[q * d + j] * in[j];
      for (std::size_t i = 0; i < d; ++i) out[i] = out[i] + f.U[q * d + i] * dot;
    }
  }
  void apply(const element& e, const state& in, state& out) const {
    state cur = in, nxt = make_state();
    for (const auto& f : e.factors) {
      apply_factor(f, cur, nxt);
      std::swap(cur, nxt);
    }
    out.resize(d);
    for (std::size_t i = 0; i < d; ++i) out[i] = cur[i] + e.b[i];
  }
  /// The same map as a dense affine map (A column j = F_k ⋯ F_1 e_j).
  typename DenseAffine<T>::element to_dense(const element& e) const {
    typename DenseAffine<T>::element r{std::vector<T>(d * d, numeric::zero<T>()), e.b};
    state col = make_state(), nxt = make_state();
    for (std::size_t j = 0; j < d; ++j) {
      col.assign(d, numeric::zero<T>());
      col[j] = numeric::one<T>();
      for (const auto& f : e.factors) {
        apply_factor(f, col, nxt);
        std::swap(col, nxt);
      }
      for (std::size_t i = 0; i < d; ++i) r.A[i * d + j] = col[i];
    }
    return r;
  }
};

/// Any associative operator given as an identity and a binary function
/// f(first, second) (string concatenation, matrix products, …). Has no action.
template <class V, class F>
struct Monoid {
  using element = V;
  V unit;
  F fn;
  element identity() const { return unit; }
  void compose(const element& first, const element& second, element& out) const { out = fn(first, second); }
};
template <class V, class F>
Monoid<V, F> make_monoid(V identity, F fn) {
  return Monoid<V, F>{std::move(identity), std::move(fn)};
}

}  // namespace parallax::kernels
