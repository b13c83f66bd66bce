#pragma once
// A cell ready to run at scalar T: its parameters converted once, and the
// step, its structured Jacobian and Jacobian-vector products by forward-mode
// automatic differentiation (numeric::Dual<T>).
//
// Compressed seeding. If ∂f/∂h is block diagonal with k×k blocks on
// contiguous entries (diagonal: k = 1; dense: k = n), seeding the tangent of
// every state entry j with j mod k = q and reading the output tangent of
// entry i gives column q of i's block: k forward passes give every nonzero.
// A declared structure the Jacobian does not have would silently drop
// entries, so check_structure compares with the dense Jacobian (n passes).
//
// Layout of a structured Jacobian with block size k over n entries:
// (n/k) blocks, each k×k row-major, block after block (kernels::BlockDiagAffine;
// diagonal: n entries; dense: n×n row-major).
#include <cmath>
#include <vector>

#include "models/cell.hpp"
#include "numeric/autodiff.hpp"

namespace parallax::solve {

/// v rounded to T, correctly for every type (the CLI's callers still spell it solve::from_double).
using numeric::from_double;

template <numeric::Scalar T>
class CellEval {
 public:
  using Dual = numeric::Dual<T>;

  explicit CellEval(const models::Cell& c)
      : cell_(c), n_(c.state_dim()), m_(c.input) {
    P_ = c.params_as<T>([](double v) { return numeric::from_double<T>(v); });
    PD_.resize(P_.size());
    for (std::size_t i = 0; i < P_.size(); ++i)
      for (const T& v : P_[i]) PD_[i].push_back(Dual::constant(v));
  }

  const models::Cell& cell() const { return cell_; }
  std::size_t n() const { return n_; }
  std::size_t m() const { return m_; }
  const std::vector<std::vector<T>>& params() const { return P_; }

  /// Per-thread scratch of the forward-mode passes.
  struct Scratch {
    std::vector<Dual> h, x, out;
    std::vector<T> fbuf;
  };
  Scratch scratch() const { return Scratch{std::vector<Dual>(n_), std::vector<Dual>(m_), std::vector<Dual>(n_), {}}; }

  /// out = f(h, x).
  void f(const T* h, const T* x, T* out) const { cell_.step(P_, h, x, out); }

  /// f(h, x) into fout (if not null) and the Jacobian with block size k into
  /// J (layout above): the cell's hand-written Jacobian when it has one of
  /// this block size (and hand-written ones are not turned off), else k
  /// forward passes.
  void f_jac(const T* h, const T* x, std::size_t k, T* fout, T* J, Scratch& s) const {
    if (handwritten_ && cell_.has_step_jacobian(k)) {
      if (!fout) s.fbuf.resize(n_), fout = s.fbuf.data();
      cell_.step_jacobian(P_, h, x, fout, J, k);
      return;
    }
    f_jac_auto(h, x, k, fout, J, s);
  }

  /// Use (default) or ignore the hand-written Jacobians.
  void use_handwritten(bool on) { handwritten_ = on; }
  /// Whether f_jac with block size k is exact: k a multiple-free structure of
  /// the cell (its own block size, or n), or a hand-written Jacobian of size k.
  bool has_jacobian(std::size_t k) const {
    return k == n_ || k == cell_.structure().block_size(n_) || (handwritten_ && cell_.has_step_jacobian(k));
  }

  /// f_jac by automatic differentiation only.
  void f_jac_auto(const T* h, const T* x, std::size_t k, T* fout, T* J, Scratch& s) const {
    const T zero = numeric::zero<T>(), one = numeric::one<T>();
    for (std::size_t j = 0; j < m_; ++j) s.x[j] = Dual::constant(x[j]);
    for (std::size_t q = 0; q < k; ++q) {
      for (std::size_t j = 0; j < n_; ++j) s.h[j] = Dual(h[j], j % k == q ? one : zero);
      cell_.step(PD_, s.h.data(), s.x.data(), s.out.data());
      for (std::size_t i = 0; i < n_; ++i) {
        const std::size_t b = i / k, r = i % k;
        J[b * k * k + r * k + q] = s.out[i].d;
      }
      if (q == 0 && fout)
        for (std::size_t i = 0; i < n_; ++i) fout[i] = s.out[i].v;
    }
  }

  /// f(h, x) into fout (if not null) and J v into jv: one forward pass.
  void jvp(const T* h, const T* x, const T* v, T* fout, T* jv, Scratch& s) const {
    for (std::size_t j = 0; j < m_; ++j) s.x[j] = Dual::constant(x[j]);
    for (std::size_t j = 0; j < n_; ++j) s.h[j] = Dual(h[j], v[j]);
    cell_.step(PD_, s.h.data(), s.x.data(), s.out.data());
    for (std::size_t i = 0; i < n_; ++i) {
      if (fout) fout[i] = s.out[i].v;
      jv[i] = s.out[i].d;
    }
  }

 private:
  const models::Cell& cell_;
  std::size_t n_, m_;
  std::vector<std::vector<T>> P_;
  std::vector<std::vector<Dual>> PD_;
  bool handwritten_ = true;
};

/// Largest |entry| of the dense Jacobian at (h, x) outside the blocks of
/// size k: zero when the structure is right.
template <class T>
double structure_violation(const CellEval<T>& ev, const T* h, const T* x, std::size_t k) {
  const std::size_t n = ev.n();
  std::vector<T> J(n * n);
  auto s = ev.scratch();
  ev.f_jac_auto(h, x, n, nullptr, J.data(), s);
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i / k != j / k) worst = std::max(worst, std::fabs(numeric::to_double(J[i * n + j])));
  return worst;
}

}  // namespace parallax::solve
