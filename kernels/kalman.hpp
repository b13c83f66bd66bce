#pragma once
// Smoothed means of a linear-Gaussian state-space model, sequentially
// (Kalman filter + Rauch–Tung–Striebel smoother) and in parallel over time
// (associative scans, Särkkä & García-Fernández, IEEE TAC 2021).
//
// Model (t = 1 … len, x_0 known exactly):
//   x_t = F_t x_{t−1} + c_t + w_t,  w_t ~ N(0, I)
//   y_t = x_t + v_t,                v_t ~ N(0, σ² I).
// The smoothed means E[x_t | y_1 … y_len] are the minimiser of
//   Σ_t ‖x_t − F_t x_{t−1} − c_t‖² + (1/σ²) Σ_t ‖x_t − y_t‖²
// (negative log posterior up to a constant), which is the Levenberg–Marquardt
// step of ELK for nonlinear RNNs (F_t Jacobians, c_t offsets, y_t the current
// iterate, 1/σ² the damping).
//
// Layout. F_t is block-diagonal, `blocks` blocks of k×k (row-major, block
// after block: the layout of BlockDiagAffine); n = blocks·k. Arrays are
// time-major: step t (0-based, meaning x_{t+1}) of F starts at t·blocks·k·k,
// of c, y and out at t·n. Q = I and R = σ²I are block-diagonal too, so the
// posterior factorises over blocks: every block is an independent problem of
// dimension k, solved on its own.
//
// Sequential reference (per block): the covariance-form Kalman filter
//   m⁻ = F m + c, P⁻ = F P F^T + I (m⁻ = F x_0 + c, P⁻ = I at t = 1),
//   S = P⁻ + σ²I, K = P⁻ S⁻¹, m = m⁻ + K (y − m⁻), P = σ² K
// (P⁻ − K P⁻ = P⁻ S⁻¹ (S − P⁻) = σ² K: no cancellation when σ² is small),
// then the RTS pass x^s_t = m_t + G_t (x^s_{t+1} − m⁻_{t+1}),
// G_t = P_t F_{t+1}^T (P⁻_{t+1})⁻¹.
//
// Parallel algorithm (per block). Each step is a filtering element
// (A, b, C, η, J): with κ = 1/(1+σ²), ω = σ²κ,
//   t ≥ 2:  A = ωF, b = ωc + κy, C = ωI, η = κF^T(y − c), J = κF^T F
//   t = 1:  A = 0,  b = ωm⁻ + κy (m⁻ = F x_0 + c), C = ωI, η = 0, J = 0,
// which is the general element (S = (1+σ²)I, K = κI) with Q = H = I. The
// elements compose associatively (i earlier, j later; W = I + C_i J_j):
//   A = A_j W⁻¹ A_i,  b = A_j W⁻¹ (b_i + C_i η_j) + b_j,
//   C = A_j W⁻¹ C_i A_j^T + C_j,
//   η = A_i^T W⁻ᵀ (η_j − J_j b_i) + η_i,  J = A_i^T W⁻ᵀ J_j A_i + J_i
// ((I + J_j C_i)⁻¹ = W⁻ᵀ since C and J are symmetric). The prefix e_t ∘ … ∘ e_1
// (KalmanFilterOp::compose(first, second) = second ∘ first, first = earlier,
// so the scans of kernels/scan.hpp fold in exactly this order) has A = 0 and
// holds the filtered mean m_t = b and covariance P_t = C. From them the
// smoother is the affine recurrence run backwards in time
//   x^s_t = E_t x^s_{t+1} + g_t,  E_t = P_t F^T (F P_t F^T + I)⁻¹,
//   g_t = m_t − E_t (F m_t + c)   (F, c of step t+1),  E_len = 0, g_len = m_len,
// (E_t = G_t, g_t = m_t − G_t m⁻_{t+1}: the RTS step rewritten), which runs
// with ScalarAffine (k = 1) or DenseAffine (k > 1) by run_parallel over the
// reversed index.
//
// Scheduling. The scans over time do about four times the work of the
// sequential reference per step, so when 4·blocks ≥ threads the blocks
// themselves are the parallelism, each block by the sequential reference;
// otherwise the blocks run one after the other, each by the scans over time
// on all threads. KalmanSchedule forces either; both give the same means up
// to rounding.
//
// Scalars: only + − * / and unary −, numeric::zero/one; pivots of the small
// LU factorisations (partial pivoting) compare numeric::to_double
// magnitudes. The matrices inverted (S, P⁻, I + C J) are nonsingular for
// σ² ≥ 0: S and P⁻ are ≥ I, and C J has nonnegative eigenvalues. For k ≤ 4
// the filter elements and all scratch are fixed-size arrays (trivially
// copyable when T is), so for k = 1 nothing allocates per step; for k > 1 the
// backward run's DenseAffine elements are vectors, and for k > 4 everything is.
#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/operators.hpp"
#include "kernels/scan.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::kernels {

template <class T>
struct KalmanProblem {
  std::size_t len = 0;     ///< time steps (x_1 … x_len)
  std::size_t blocks = 1;  ///< diagonal blocks of F_t
  std::size_t k = 1;       ///< block size; state dimension n = blocks·k
  const T* F = nullptr;    ///< len · blocks·k·k
  const T* c = nullptr;    ///< len · n
  const T* y = nullptr;    ///< len · n
  const T* x0 = nullptr;   ///< n
  T sigma2{};              ///< observation variance σ² ≥ 0

  std::size_t n() const { return blocks * k; }
};

/// How kalman_smooth_parallel spreads the work over threads.
enum class KalmanSchedule {
  Auto,        ///< OverBlocks when 4·blocks ≥ threads, else OverTime
  OverTime,    ///< blocks one after the other, each by associative scans over time
  OverBlocks,  ///< blocks on different threads, each by the sequential filter/smoother
};

namespace kalman_detail {

template <class T>
double mag(const T& x) {
  return std::fabs(numeric::to_double(x));
}

/// Storage for a k×k matrix (or a k-vector, over-sized): inline for K > 0.
template <class T, std::size_t K>
using mat_t = std::conditional_t<(K > 0), std::array<T, (K > 0 ? K * K : 1)>, std::vector<T>>;
template <class T, std::size_t K>
using vec_t = std::conditional_t<(K > 0), std::array<T, (K > 0 ? K : 1)>, std::vector<T>>;

template <class V>
void ensure(V& v, std::size_t size) {
  if constexpr (requires { v.resize(size); }) {
    if (v.size() != size) v.resize(size);
  } else {
    assert(v.size() >= size);
  }
}
template <class T, std::size_t K>
mat_t<T, K> make_mat(std::size_t d) {
  mat_t<T, K> m{};
  ensure(m, d * d);
  return m;
}

/// c (r×m) = a (r×n) · b (n×m); c aliases neither.
template <class T>
void gemm(const T* a, const T* b, T* c, std::size_t r, std::size_t n, std::size_t m) {
  for (std::size_t i = 0; i < r; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      T acc = a[i * n] * b[j];
      for (std::size_t l = 1; l < n; ++l) acc = acc + a[i * n + l] * b[l * m + j];
      c[i * m + j] = acc;
    }
}
/// y (r) = a (r×n) · x (n) [+ add (r)]; y aliases neither.
template <class T>
void gemv(const T* a, const T* x, T* y, std::size_t r, std::size_t n, const T* add = nullptr) {
  for (std::size_t i = 0; i < r; ++i) {
    T acc = a[i * n] * x[0];
    for (std::size_t l = 1; l < n; ++l) acc = acc + a[i * n + l] * x[l];
    y[i] = add ? acc + add[i] : acc;
  }
}
/// y (m) = a^T x [+ add], a n×m.
template <class T>
void gemv_t(const T* a, const T* x, T* y, std::size_t n, std::size_t m, const T* add = nullptr) {
  for (std::size_t j = 0; j < m; ++j) {
    T acc = a[j] * x[0];
    for (std::size_t l = 1; l < n; ++l) acc = acc + a[l * m + j] * x[l];
    y[j] = add ? acc + add[j] : acc;
  }
}
/// Symmetric c (d×d) = a b^T [+ add], a and b d×d; upper triangle computed, mirrored.
template <class T>
void sym_abt(const T* a, const T* b, T* c, std::size_t d, const T* add = nullptr) {
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      T acc = a[i * d] * b[j * d];
      for (std::size_t l = 1; l < d; ++l) acc = acc + a[i * d + l] * b[j * d + l];
      if (add) acc = acc + add[i * d + j];
      c[i * d + j] = acc;
      c[j * d + i] = acc;
    }
}
/// Symmetric c (d×d) = a^T b [+ add], a and b d×d; upper triangle computed, mirrored.
template <class T>
void sym_atb(const T* a, const T* b, T* c, std::size_t d, const T* add = nullptr) {
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      T acc = a[i] * b[j];
      for (std::size_t l = 1; l < d; ++l) acc = acc + a[l * d + i] * b[l * d + j];
      if (add) acc = acc + add[i * d + j];
      c[i * d + j] = acc;
      c[j * d + i] = acc;
    }
}

/// In-place LU with partial pivoting, P W = L U (L unit lower): at step c
/// rows c and piv[c] were swapped.
template <class T, class Piv>
void lu_factor(T* a, Piv& piv, std::size_t d) {
  for (std::size_t c = 0; c < d; ++c) {
    std::size_t p = c;
    double best = mag(a[c * d + c]);
    for (std::size_t r = c + 1; r < d; ++r)
      if (const double v = mag(a[r * d + c]); v > best) best = v, p = r;
    piv[c] = p;
    if (p != c)
      for (std::size_t j = 0; j < d; ++j) std::swap(a[c * d + j], a[p * d + j]);
    for (std::size_t r = c + 1; r < d; ++r) {
      const T l = a[r * d + c] / a[c * d + c];
      a[r * d + c] = l;
      for (std::size_t j = c + 1; j < d; ++j) a[r * d + j] = a[r * d + j] - l * a[c * d + j];
    }
  }
}
/// Solves W X = B in place (B d×m row-major) from lu_factor's output.
template <class T, class Piv>
void lu_solve(const T* lu, const Piv& piv, std::size_t d, T* x, std::size_t m) {
  for (std::size_t c = 0; c < d; ++c)
    if (piv[c] != c)
      for (std::size_t j = 0; j < m; ++j) std::swap(x[c * m + j], x[piv[c] * m + j]);
  for (std::size_t i = 1; i < d; ++i)  // L (unit)
    for (std::size_t l = 0; l < i; ++l)
      for (std::size_t j = 0; j < m; ++j) x[i * m + j] = x[i * m + j] - lu[i * d + l] * x[l * m + j];
  for (std::size_t i = d; i-- > 0;) {  // U
    for (std::size_t l = i + 1; l < d; ++l)
      for (std::size_t j = 0; j < m; ++j) x[i * m + j] = x[i * m + j] - lu[i * d + l] * x[l * m + j];
    for (std::size_t j = 0; j < m; ++j) x[i * m + j] = x[i * m + j] / lu[i * d + i];
  }
}
/// Solves W^T X = B in place: W^T = U^T L^T P.
template <class T, class Piv>
void lu_solve_t(const T* lu, const Piv& piv, std::size_t d, T* x, std::size_t m) {
  for (std::size_t i = 0; i < d; ++i) {  // U^T (lower, diagonal from U)
    for (std::size_t l = 0; l < i; ++l)
      for (std::size_t j = 0; j < m; ++j) x[i * m + j] = x[i * m + j] - lu[l * d + i] * x[l * m + j];
    for (std::size_t j = 0; j < m; ++j) x[i * m + j] = x[i * m + j] / lu[i * d + i];
  }
  for (std::size_t i = d; i-- > 0;)  // L^T (unit upper)
    for (std::size_t l = i + 1; l < d; ++l)
      for (std::size_t j = 0; j < m; ++j) x[i * m + j] = x[i * m + j] - lu[l * d + i] * x[l * m + j];
  for (std::size_t c = d; c-- > 0;)  // P^T: the swaps in reverse order
    if (piv[c] != c)
      for (std::size_t j = 0; j < m; ++j) std::swap(x[c * m + j], x[piv[c] * m + j]);
}

template <std::size_t K>
using piv_t = std::conditional_t<(K > 0), std::array<std::size_t, (K > 0 ? K : 1)>, std::vector<std::size_t>>;
template <std::size_t K>
piv_t<K> make_piv(std::size_t d) {
  piv_t<K> p{};
  ensure(p, d);
  return p;
}

/// Smoother element of one block: E = P F^T (F P F^T + I)⁻¹, g = m − E (F m + c),
/// with F, c of the next step.
template <class T, std::size_t K>
void smoother_element(const T* F, const T* c, const T* m, const T* P, std::size_t d, T* E, T* g) {
  if constexpr (K == 1) {
    const T fp = F[0] * P[0];
    E[0] = fp / (fp * F[0] + numeric::one<T>());
    g[0] = m[0] - E[0] * (F[0] * m[0] + c[0]);
  } else {
    auto FP = make_mat<T, K>(d), Pp = make_mat<T, K>(d), mp = make_mat<T, K>(d);
    auto piv = make_piv<K>(d);
    gemm(F, P, FP.data(), d, d, d);
    sym_abt(FP.data(), F, Pp.data(), d);
    for (std::size_t i = 0; i < d; ++i) Pp[i * d + i] = Pp[i * d + i] + numeric::one<T>();
    lu_factor(Pp.data(), piv, d);
    lu_solve(Pp.data(), piv, d, FP.data(), d);  // FP ← (P⁻)⁻¹ F P = E^T
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j) E[i * d + j] = FP[j * d + i];
    gemv(F, m, mp.data(), d, d, c);
    for (std::size_t i = 0; i < d; ++i) {
      T acc = m[i];
      for (std::size_t l = 0; l < d; ++l) acc = acc - E[i * d + l] * mp[l];
      g[i] = acc;
    }
  }
}

/// Pointers of block q at step t.
template <class T>
struct BlockView {
  const KalmanProblem<T>& p;
  std::size_t q;
  const T* F(std::size_t t) const { return p.F + t * p.blocks * p.k * p.k + q * p.k * p.k; }
  const T* c(std::size_t t) const { return p.c + t * p.n() + q * p.k; }
  const T* y(std::size_t t) const { return p.y + t * p.n() + q * p.k; }
  const T* x0() const { return p.x0 + q * p.k; }
};

/// Sequential Kalman filter of block q: filtered means to m (step t at
/// m + t·mstride) and, when P is not null, covariances to P (t·k·k).
template <class T, std::size_t K>
void filter_block_sequential(const KalmanProblem<T>& p, std::size_t q, T* m, std::size_t mstride, T* P) {
  const std::size_t d = K > 0 ? K : p.k, len = p.len;
  const BlockView<T> v{p, q};
  const T one = numeric::one<T>();
  if constexpr (K == 1) {
    T mt = v.x0()[0], Pt = numeric::zero<T>();
    for (std::size_t t = 0; t < len; ++t) {
      const T f = v.F(t)[0];
      const T mp = f * mt + v.c(t)[0];
      const T Pp = t == 0 ? one : f * Pt * f + one;
      const T gain = Pp / (Pp + p.sigma2);
      mt = mp + gain * (v.y(t)[0] - mp);
      Pt = p.sigma2 * gain;
      m[t * mstride] = mt;
      if (P) P[t] = Pt;
    }
  } else {
    auto mt = make_mat<T, K>(d), Pt = make_mat<T, K>(d), mp = make_mat<T, K>(d), Pp = make_mat<T, K>(d),
         FP = make_mat<T, K>(d), S = make_mat<T, K>(d), Kt = make_mat<T, K>(d);
    auto piv = make_piv<K>(d);
    for (std::size_t i = 0; i < d; ++i) mt[i] = v.x0()[i];
    for (std::size_t t = 0; t < len; ++t) {
      const T* F = v.F(t);
      gemv(F, mt.data(), mp.data(), d, d, v.c(t));
      if (t == 0) {
        for (std::size_t i = 0; i < d * d; ++i) Pp[i] = numeric::zero<T>();
      } else {
        gemm(F, Pt.data(), FP.data(), d, d, d);
        sym_abt(FP.data(), F, Pp.data(), d);
      }
      for (std::size_t i = 0; i < d; ++i) Pp[i * d + i] = Pp[i * d + i] + one;
      S = Pp;
      for (std::size_t i = 0; i < d; ++i) S[i * d + i] = S[i * d + i] + p.sigma2;
      Kt = Pp;
      lu_factor(S.data(), piv, d);
      lu_solve(S.data(), piv, d, Kt.data(), d);  // Kt = S⁻¹ P⁻ = K^T
      const T* y = v.y(t);
      for (std::size_t i = 0; i < d; ++i) {
        T acc = mp[i];
        for (std::size_t l = 0; l < d; ++l) acc = acc + Kt[l * d + i] * (y[l] - mp[l]);
        mt[i] = acc;
        m[t * mstride + i] = acc;
      }
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = i; j < d; ++j) Pt[i * d + j] = Pt[j * d + i] = p.sigma2 * Kt[j * d + i];
      if (P) std::copy(Pt.begin(), Pt.begin() + d * d, P + t * d * d);
    }
  }
}

/// Sequential Kalman filter + RTS smoother of block q into out (stride n).
/// P: scratch of len·k·k.
template <class T, std::size_t K>
void smooth_block_sequential(const KalmanProblem<T>& p, std::size_t q, T* out, T* P) {
  const std::size_t d = K > 0 ? K : p.k, n = p.n(), len = p.len;
  const BlockView<T> v{p, q};
  T* x = out + q * d;
  filter_block_sequential<T, K>(p, q, x, n, P);
  // RTS: x_t ← m_t + G (x_{t+1} − m⁻_{t+1}), G = P_t F^T (P⁻)⁻¹, in place over the means
  if constexpr (K == 1) {
    for (std::size_t t = len - 1; t-- > 0;) {
      const T f = v.F(t + 1)[0];
      const T mp = f * x[t * n] + v.c(t + 1)[0];
      const T fp = f * P[t];
      const T G = fp / (fp * f + numeric::one<T>());
      x[t * n] = x[t * n] + G * (x[(t + 1) * n] - mp);
    }
  } else {
    auto mp = make_mat<T, K>(d), Pp = make_mat<T, K>(d), FP = make_mat<T, K>(d), r = make_mat<T, K>(d);
    auto piv = make_piv<K>(d);
    for (std::size_t t = len - 1; t-- > 0;) {
      const T* F = v.F(t + 1);
      gemv(F, x + t * n, mp.data(), d, d, v.c(t + 1));
      gemm(F, P + t * d * d, FP.data(), d, d, d);
      sym_abt(FP.data(), F, Pp.data(), d);
      for (std::size_t i = 0; i < d; ++i) Pp[i * d + i] = Pp[i * d + i] + numeric::one<T>();
      lu_factor(Pp.data(), piv, d);
      lu_solve(Pp.data(), piv, d, FP.data(), d);  // FP = G^T
      for (std::size_t i = 0; i < d; ++i) r[i] = x[(t + 1) * n + i] - mp[i];
      for (std::size_t i = 0; i < d; ++i) {
        T acc = x[t * n + i];
        for (std::size_t l = 0; l < d; ++l) acc = acc + FP[l * d + i] * r[l];
        x[t * n + i] = acc;
      }
    }
  }
}

}  // namespace kalman_detail

/// The associative operator of Kalman filtering elements (A, b, C, η, J) of
/// one block of size k (K = k fixed at compile time, or K = 0 and the size in
/// `k`). compose(first, second) = second ∘ first, first the earlier steps.
template <class T, std::size_t K>
struct KalmanFilterOp {
  using mat = kalman_detail::mat_t<T, K>;
  using vec = kalman_detail::vec_t<T, K>;
  struct element {
    mat A;    ///< k×k
    vec b;    ///< k
    mat C;    ///< k×k, symmetric
    vec eta;  ///< k
    mat J;    ///< k×k, symmetric
  };
  using scalar = T;
  std::size_t k = K;

  std::size_t dim() const { return K > 0 ? K : k; }

  element identity() const {
    const std::size_t d = dim();
    element e;
    size(e);
    for (std::size_t i = 0; i < d * d; ++i) e.A[i] = e.C[i] = e.J[i] = numeric::zero<T>();
    for (std::size_t i = 0; i < d; ++i) {
      e.b[i] = e.eta[i] = numeric::zero<T>();
      e.A[i * d + i] = numeric::one<T>();
    }
    return e;
  }

  void size(element& e) const {
    const std::size_t d = dim();
    kalman_detail::ensure(e.A, d * d);
    kalman_detail::ensure(e.C, d * d);
    kalman_detail::ensure(e.J, d * d);
    kalman_detail::ensure(e.b, d);
    kalman_detail::ensure(e.eta, d);
  }

  void compose(const element& i, const element& j, element& out) const {
    using namespace kalman_detail;
    if constexpr (K == 1) {
      const T w = numeric::one<T>() / (numeric::one<T>() + i.C[0] * j.J[0]);
      out.A[0] = j.A[0] * (w * i.A[0]);
      out.b[0] = j.A[0] * (w * (i.b[0] + i.C[0] * j.eta[0])) + j.b[0];
      out.C[0] = j.A[0] * (w * i.C[0]) * j.A[0] + j.C[0];
      out.eta[0] = i.A[0] * (w * (j.eta[0] - j.J[0] * i.b[0])) + i.eta[0];
      out.J[0] = i.A[0] * (w * j.J[0]) * i.A[0] + i.J[0];
    } else {
      const std::size_t d = dim();
      size(out);
      auto W = make_mat<T, K>(d), X = make_mat<T, K>(d), Y = make_mat<T, K>(d), Z = make_mat<T, K>(d),
           tmp = make_mat<T, K>(d);
      auto u = make_mat<T, K>(d), r = make_mat<T, K>(d);
      auto piv = make_piv<K>(d);
      gemm(i.C.data(), j.J.data(), W.data(), d, d, d);  // W = I + C_i J_j
      for (std::size_t a = 0; a < d; ++a) W[a * d + a] = W[a * d + a] + numeric::one<T>();
      lu_factor(W.data(), piv, d);
      X = i.A;
      lu_solve(W.data(), piv, d, X.data(), d);  // X = W⁻¹ A_i
      Y = i.C;
      lu_solve(W.data(), piv, d, Y.data(), d);  // Y = W⁻¹ C_i
      gemv(i.C.data(), j.eta.data(), u.data(), d, d, i.b.data());
      lu_solve(W.data(), piv, d, u.data(), 1);  // u = W⁻¹ (b_i + C_i η_j)
      Z = j.J;
      lu_solve_t(W.data(), piv, d, Z.data(), d);  // Z = W⁻ᵀ J_j
      gemv(j.J.data(), i.b.data(), r.data(), d, d);
      for (std::size_t a = 0; a < d; ++a) r[a] = j.eta[a] - r[a];
      lu_solve_t(W.data(), piv, d, r.data(), 1);  // r = W⁻ᵀ (η_j − J_j b_i)

      gemm(j.A.data(), X.data(), out.A.data(), d, d, d);
      gemv(j.A.data(), u.data(), out.b.data(), d, d, j.b.data());
      gemm(j.A.data(), Y.data(), tmp.data(), d, d, d);
      sym_abt(tmp.data(), j.A.data(), out.C.data(), d, j.C.data());
      gemv_t(i.A.data(), r.data(), out.eta.data(), d, d, i.eta.data());
      gemm(Z.data(), i.A.data(), tmp.data(), d, d, d);
      sym_atb(i.A.data(), tmp.data(), out.J.data(), d, i.J.data());
    }
  }

  /// The element of step t of block q (kappa = 1/(1+σ²), omega = σ²·kappa).
  void make(const KalmanProblem<T>& p, std::size_t q, std::size_t t, const T& kappa, const T& omega,
            element& e) const {
    const std::size_t d = dim();
    size(e);
    const kalman_detail::BlockView<T> v{p, q};
    const T* F = v.F(t);
    const T* c = v.c(t);
    const T* y = v.y(t);
    const T zero = numeric::zero<T>();
    if constexpr (K == 1) {
      e.C[0] = omega;
      if (t == 0) {
        e.A[0] = e.eta[0] = e.J[0] = zero;
        e.b[0] = omega * (F[0] * v.x0()[0] + c[0]) + kappa * y[0];
      } else {
        e.A[0] = omega * F[0];
        e.b[0] = omega * c[0] + kappa * y[0];
        e.eta[0] = kappa * (F[0] * (y[0] - c[0]));
        e.J[0] = kappa * (F[0] * F[0]);
      }
      return;
    }
    for (std::size_t a = 0; a < d * d; ++a) e.C[a] = zero;
    for (std::size_t a = 0; a < d; ++a) e.C[a * d + a] = omega;
    if (t == 0) {
      for (std::size_t a = 0; a < d * d; ++a) e.A[a] = e.J[a] = zero;
      for (std::size_t a = 0; a < d; ++a) {
        T mp = c[a];
        for (std::size_t l = 0; l < d; ++l) mp = mp + F[a * d + l] * v.x0()[l];
        e.b[a] = omega * mp + kappa * y[a];
        e.eta[a] = zero;
      }
      return;
    }
    for (std::size_t a = 0; a < d * d; ++a) e.A[a] = omega * F[a];
    for (std::size_t a = 0; a < d; ++a) e.b[a] = omega * c[a] + kappa * y[a];
    // η = κ F^T (y − c), J = κ F^T F
    for (std::size_t a = 0; a < d; ++a) {
      T acc = F[a] * (y[0] - c[0]);
      for (std::size_t l = 1; l < d; ++l) acc = acc + F[l * d + a] * (y[l] - c[l]);
      e.eta[a] = kappa * acc;
    }
    kalman_detail::sym_atb(F, F, e.J.data(), d);
    for (std::size_t a = 0; a < d * d; ++a) e.J[a] = kappa * e.J[a];
  }
};

namespace kalman_detail {

/// Calls f(integral_constant<K>) with K = k for k ≤ 4, K = 0 otherwise.
template <class F>
void with_block_size(std::size_t k, F&& f) {
  switch (k) {
    case 1: f(std::integral_constant<std::size_t, 1>{}); break;
    case 2: f(std::integral_constant<std::size_t, 2>{}); break;
    case 3: f(std::integral_constant<std::size_t, 3>{}); break;
    case 4: f(std::integral_constant<std::size_t, 4>{}); break;
    default: f(std::integral_constant<std::size_t, 0>{}); break;
  }
}

/// The filter scan of block q; sink(t, element) gets the prefix of steps 0 … t.
template <class T, std::size_t K, class Sink>
void filter_block_scan(const KalmanProblem<T>& p, std::size_t q, Sink&& sink, const ScanOptions& o) {
  using Op = KalmanFilterOp<T, K>;
  const Op op{p.k};
  const T kappa = numeric::one<T>() / (numeric::one<T>() + p.sigma2);
  const T omega = p.sigma2 * kappa;
  auto src = [&](std::size_t t) {
    typename Op::element e;
    op.make(p, q, t, kappa, omega, e);
    return e;
  };
  scan_parallel(op, src, p.len, sink, o);
}

/// Associative-scan smoother of block q into out; E (len·k·k), g (len·k) scratch.
template <class T, std::size_t K>
void smooth_block_scan(const KalmanProblem<T>& p, std::size_t q, T* out, T* E, T* g, const ScanOptions& o) {
  const std::size_t d = K > 0 ? K : p.k, n = p.n(), len = p.len;
  const BlockView<T> v{p, q};
  filter_block_scan<T, K>(
      p, q,
      [&](std::size_t t, const typename KalmanFilterOp<T, K>::element& e) {
        if (t + 1 < len) {
          smoother_element<T, K>(v.F(t + 1), v.c(t + 1), e.b.data(), e.C.data(), d, E + t * d * d, g + t * d);
        } else {
          for (std::size_t a = 0; a < d * d; ++a) E[t * d * d + a] = numeric::zero<T>();
          for (std::size_t a = 0; a < d; ++a) g[t * d + a] = e.b[a];
        }
      },
      o);
  // x^s_t = E_t x^s_{t+1} + g_t over the reversed index s = len − 1 − t
  if constexpr (K == 1) {
    const ScalarAffine<T> op;
    auto src = [&](std::size_t s) {
      const std::size_t t = len - 1 - s;
      return typename ScalarAffine<T>::element{E[t], g[t]};
    };
    run_parallel(op, src, len, op.make_state(), [&](std::size_t s, const T& h) { out[(len - 1 - s) * n + q] = h; }, o);
  } else {
    const DenseAffine<T> op{d};
    auto src = [&](std::size_t s) {
      const std::size_t t = len - 1 - s;
      return typename DenseAffine<T>::element{std::vector<T>(E + t * d * d, E + (t + 1) * d * d),
                                              std::vector<T>(g + t * d, g + (t + 1) * d)};
    };
    run_parallel(
        op, src, len, op.make_state(),
        [&](std::size_t s, const std::vector<T>& h) { std::copy(h.begin(), h.end(), out + (len - 1 - s) * n + q * d); },
        o);
  }
}

inline bool over_blocks(std::size_t blocks, const ScanOptions& o, KalmanSchedule s) {
  if (s != KalmanSchedule::Auto) return s == KalmanSchedule::OverBlocks;
  // the scans over time cost about four times the sequential filter/smoother
  // per step (element construction and composition twice, plus the backward
  // run), so they pay only with several threads per block
  const std::size_t threads = static_cast<std::size_t>(std::max(1, cpu::thread_count(o)));
  return 4 * blocks >= threads;
}

/// Runs body(q, scratch) for every block on min(threads, blocks) threads.
template <class T, class Body>
void for_blocks(const KalmanProblem<T>& p, const ScanOptions& o, std::size_t scratch, Body&& body) {
  const int threads =
      static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, cpu::thread_count(o))), p.blocks));
  cpu::run_team(threads, [&](std::size_t tid, std::size_t nt, const cpu::ErrorSlot& errors) {
    std::vector<T> buf(scratch, numeric::zero<T>());
    for (std::size_t q = tid; q < p.blocks && !errors.failed(); q += nt) body(q, buf.data());
  });
}

}  // namespace kalman_detail

/// Filtered means E[x_t | y_1 … y_t] by the sequential Kalman filter; out: len·n.
template <class T>
void kalman_filter_sequential(const KalmanProblem<T>& p, T* out) {
  if (p.len == 0 || p.n() == 0) return;
  kalman_detail::with_block_size(p.k, [&](auto kc) {
    constexpr std::size_t K = decltype(kc)::value;
    for (std::size_t q = 0; q < p.blocks; ++q)
      kalman_detail::filter_block_sequential<T, K>(p, q, out + q * p.k, p.n(), nullptr);
  });
}

/// Filtered means by the associative scan over time (every block in turn); out: len·n.
template <class T>
void kalman_filter_parallel(const KalmanProblem<T>& p, T* out, const ScanOptions& o = {}) {
  if (p.len == 0 || p.n() == 0) return;
  kalman_detail::with_block_size(p.k, [&](auto kc) {
    constexpr std::size_t K = decltype(kc)::value;
    const std::size_t n = p.n(), k = p.k;
    for (std::size_t q = 0; q < p.blocks; ++q)
      kalman_detail::filter_block_scan<T, K>(
          p, q,
          [&](std::size_t t, const typename KalmanFilterOp<T, K>::element& e) {
            std::copy(e.b.begin(), e.b.begin() + k, out + t * n + q * k);
          },
          o);
  });
}

/// Smoothed means E[x_t | y_1 … y_len] by the Kalman filter and the RTS
/// smoother, one block after the other; out: len·n.
template <class T>
void kalman_smooth_sequential(const KalmanProblem<T>& p, T* out) {
  if (p.len == 0 || p.n() == 0) return;
  std::vector<T> P(p.len * p.k * p.k, numeric::zero<T>());
  kalman_detail::with_block_size(p.k, [&](auto kc) {
    constexpr std::size_t K = decltype(kc)::value;
    for (std::size_t q = 0; q < p.blocks; ++q) kalman_detail::smooth_block_sequential<T, K>(p, q, out, P.data());
  });
}

/// Smoothed means on several threads (o.threads): blocks spread over the
/// threads, or the associative scans over time, per `schedule`; out: len·n.
template <class T>
void kalman_smooth_parallel(const KalmanProblem<T>& p, T* out, const ScanOptions& o = {},
                            KalmanSchedule schedule = KalmanSchedule::Auto) {
  if (p.len == 0 || p.n() == 0) return;
  const std::size_t k = p.k;
  kalman_detail::with_block_size(k, [&](auto kc) {
    constexpr std::size_t K = decltype(kc)::value;
    if (kalman_detail::over_blocks(p.blocks, o, schedule)) {
      kalman_detail::for_blocks(p, o, p.len * k * k, [&](std::size_t q, T* P) {
        kalman_detail::smooth_block_sequential<T, K>(p, q, out, P);
      });
    } else {
      std::vector<T> E(p.len * k * k, numeric::zero<T>()), g(p.len * k, numeric::zero<T>());
      for (std::size_t q = 0; q < p.blocks; ++q)
        kalman_detail::smooth_block_scan<T, K>(p, q, out, E.data(), g.data(), o);
    }
  });
}

}  // namespace parallax::kernels

// The entry points are instantiated once per scalar type of the numeric
// module, in the kernels library (kernels/kalman_*.cpp), so that callers (the
// ELK solver, the tests) compile quickly.
#include "numeric/all.hpp"

#define PARALLAX_KALMAN_INSTANCES(EXTERN, T)                                                                          \
  EXTERN template void parallax::kernels::kalman_filter_sequential<T>(const ::parallax::kernels::KalmanProblem<T>&,    \
                                                                      T*);                                            \
  EXTERN template void parallax::kernels::kalman_filter_parallel<T>(const ::parallax::kernels::KalmanProblem<T>&, T*, \
                                                                    const ::parallax::kernels::ScanOptions&);         \
  EXTERN template void parallax::kernels::kalman_smooth_sequential<T>(const ::parallax::kernels::KalmanProblem<T>&,    \
                                                                      T*);                                            \
  EXTERN template void parallax::kernels::kalman_smooth_parallel<T>(const ::parallax::kernels::KalmanProblem<T>&, T*, \
                                                                    const ::parallax::kernels::ScanOptions&,          \
                                                                    ::parallax::kernels::KalmanSchedule);

PARALLAX_KALMAN_INSTANCES(extern, double)
PARALLAX_KALMAN_INSTANCES(extern, float)
PARALLAX_KALMAN_INSTANCES(extern, ::parallax::numeric::EmuFloat)
PARALLAX_KALMAN_INSTANCES(extern, ::parallax::numeric::BigFloat)
PARALLAX_KALMAN_INSTANCES(extern, ::parallax::numeric::Exact)
