// Implicit and sequential gradients (gradient.hpp).
#include "solve/gradient.hpp"

#include <fmt/format.h>

#include <mutex>
#include <stdexcept>

#include "numeric/autodiff.hpp"
#include "numeric/big_float.hpp"
#include "numeric/emu_float.hpp"
#include "solve/jacobian.hpp"
#include "solve/structured_scan.hpp"

namespace parallax::solve {

namespace {

template <class T>
using Var = numeric::Var<T>;

/// One recorded step: leaves h (n), x (m), parameters (in order), then the
/// step's operations. Returns the output variables.
template <class T>
struct StepTape {
  std::vector<Var<T>> h, x, out;
  std::vector<std::vector<Var<T>>> P;
  std::vector<T> adj;

  void record(const models::Cell& cell, const std::vector<std::vector<T>>& params, const T* hp, const T* xt) {
    auto& tape = numeric::Tape<T>::current();
    tape.clear();
    const std::size_t n = cell.state_dim(), m = cell.input;
    h.resize(n), x.resize(m), out.resize(n);
    for (std::size_t i = 0; i < n; ++i) h[i] = Var<T>::input(hp[i]);
    for (std::size_t j = 0; j < m; ++j) x[j] = Var<T>::input(xt[j]);
    P.resize(params.size());
    for (std::size_t p = 0; p < params.size(); ++p) {
      P[p].resize(params[p].size());
      for (std::size_t q = 0; q < params[p].size(); ++q) P[p][q] = Var<T>::input(params[p][q]);
    }
    cell.step(P, h.data(), x.data(), out.data());
  }
  /// Adjoints of every node for the cotangent w of the outputs.
  void backward(const T* w) {
    auto& tape = numeric::Tape<T>::current();
    adj.assign(tape.size(), numeric::zero<T>());
    for (std::size_t i = 0; i < out.size(); ++i)
      if (out[i].id != numeric::Tape<T>::kNone) adj[out[i].id] = adj[out[i].id] + w[i];
    tape.backward(adj);
  }
  T adjoint(const Var<T>& v) const { return v.id == numeric::Tape<T>::kNone ? numeric::zero<T>() : adj[v.id]; }
};

template <class T>
void check_sizes(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                 const std::vector<T>& G) {
  models::validate(cell);
  const std::size_t n = cell.state_dim(), m = cell.input;
  if (X.size() != len * m) throw std::invalid_argument(fmt::format("inputs: {} values, expected T·m = {}", X.size(), len * m));
  if (h0.size() != n) throw std::invalid_argument(fmt::format("initial state: {} values, expected {}", h0.size(), n));
  if (G.size() != len * n) throw std::invalid_argument(fmt::format("loss gradient: {} values, expected T·n = {}", G.size(), len * n));
}

template <class T>
Gradients<T> zero_gradients(const models::Cell& cell, std::size_t len) {
  Gradients<T> g;
  g.dx.assign(len * cell.input, numeric::zero<T>());
  g.dh0.assign(cell.state_dim(), numeric::zero<T>());
  for (const auto& p : cell.params) g.dparams.emplace_back(p.values.size(), numeric::zero<T>());
  return g;
}

}  // namespace

template <class T>
std::vector<T> adjoint_states(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                              const std::vector<T>& H, const std::vector<T>& G, const kernels::ScanOptions& so) {
  check_sizes(cell, X, len, h0, G);
  const std::size_t n = cell.state_dim(), m = cell.input;
  if (H.size() != len * n) throw std::invalid_argument(fmt::format("states: {} values, expected T·n = {}", H.size(), len * n));
  if (len == 0) return {};
  CellEval<T> ev(cell);
  const std::size_t k = cell.structure().block_size(n);
  // Reversed time s = len−1−t: μ_s = λ_{len−1−s} = G_{len−1−s} + J_{len−s}ᵀ μ_{s−1},
  // J_{len−s} the Jacobian of the step that produced state len−s (from state len−1−s).
  std::vector<T> A(len * n * k, numeric::zero<T>()), B(len * n), mu;
  parallel_chunks(so, len, [&](std::size_t lo, std::size_t hi) {
    auto s = ev.scratch();
    std::vector<T> J(n * k);
    for (std::size_t r = lo; r < hi; ++r) {
      const std::size_t t = len - 1 - r;
      std::copy(G.begin() + t * n, G.begin() + (t + 1) * n, B.begin() + r * n);
      if (r == 0) continue;  // no step after the last state
      // the step t → t+1 reads state t (H row t) and input t+1
      ev.f_jac(&H[t * n], &X[(t + 1) * m], k, nullptr, J.data(), s);
      T* Ar = &A[r * n * k];
      for (std::size_t b = 0; b < n / k; ++b)
        for (std::size_t i = 0; i < k; ++i)
          for (std::size_t j = 0; j < k; ++j) Ar[b * k * k + i * k + j] = J[b * k * k + j * k + i];
    }
  });
  const std::vector<T> zero(n, numeric::zero<T>());
  structured_scan(len, n, k, A, B, zero, mu, so);
  // back to time order: λ_t = μ_{len−1−t}
  std::vector<T> lambda(len * n);
  for (std::size_t t = 0; t < len; ++t)
    std::copy(mu.begin() + (len - 1 - t) * n, mu.begin() + (len - t) * n, lambda.begin() + t * n);
  return lambda;
}

template <class T>
Gradients<T> gradients_from_adjoints(const models::Cell& cell, const std::vector<T>& X, std::size_t len,
                                     const std::vector<T>& h0, const std::vector<T>& H, const std::vector<T>& lambda,
                                     const kernels::ScanOptions& so) {
  models::validate(cell);
  const std::size_t n = cell.state_dim(), m = cell.input;
  if (X.size() != len * m) throw std::invalid_argument(fmt::format("inputs: {} values, expected T·m = {}", X.size(), len * m));
  if (h0.size() != n) throw std::invalid_argument(fmt::format("initial state: {} values, expected {}", h0.size(), n));
  if (H.size() != len * n) throw std::invalid_argument(fmt::format("states: {} values, expected T·n = {}", H.size(), len * n));
  if (lambda.size() != len * n)
    throw std::invalid_argument(fmt::format("adjoints: {} values, expected T·n = {}", lambda.size(), len * n));
  Gradients<T> g = zero_gradients<T>(cell, len);
  if (len == 0) return g;
  CellEval<T> ev(cell);
  // Vector-Jacobian products of every step with its λ_t, in parallel.
  std::mutex mu_lock;
  const auto params = ev.params();
  parallel_chunks(so, len, [&](std::size_t lo, std::size_t hi) {
    StepTape<T> st;
    Gradients<T> local = zero_gradients<T>(cell, 0);
    for (std::size_t t = lo; t < hi; ++t) {
      st.record(cell, params, t == 0 ? h0.data() : &H[(t - 1) * n], &X[t * m]);
      st.backward(&lambda[t * n]);
      for (std::size_t j = 0; j < m; ++j) g.dx[t * m + j] = st.adjoint(st.x[j]);
      if (t == 0)
        for (std::size_t i = 0; i < n; ++i) g.dh0[i] = st.adjoint(st.h[i]);
      for (std::size_t p = 0; p < st.P.size(); ++p)
        for (std::size_t q = 0; q < st.P[p].size(); ++q) local.dparams[p][q] = local.dparams[p][q] + st.adjoint(st.P[p][q]);
    }
    numeric::Tape<T>::current().clear();
    std::lock_guard<std::mutex> lock(mu_lock);  // chunks are summed in completion order
    for (std::size_t p = 0; p < g.dparams.size(); ++p)
      for (std::size_t q = 0; q < g.dparams[p].size(); ++q) g.dparams[p][q] = g.dparams[p][q] + local.dparams[p][q];
  });
  return g;
}

template <class T>
Gradients<T> implicit_gradients(const models::Cell& cell, const std::vector<T>& X, std::size_t len,
                                const std::vector<T>& h0, const std::vector<T>& H, const std::vector<T>& G,
                                const kernels::ScanOptions& so) {
  const std::vector<T> lambda = adjoint_states(cell, X, len, h0, H, G, so);
  return gradients_from_adjoints(cell, X, len, h0, H, lambda, so);
}

template <class T>
Gradients<T> backprop_sequential(const models::Cell& cell, const std::vector<T>& X, std::size_t len,
                                 const std::vector<T>& h0, const std::vector<T>& G, std::vector<T>* H) {
  check_sizes(cell, X, len, h0, G);
  const std::size_t n = cell.state_dim(), m = cell.input;
  auto& tape = numeric::Tape<T>::current();
  tape.clear();
  CellEval<T> ev(cell);
  std::vector<Var<T>> h(n), x(len * m), states(len * n);
  for (std::size_t i = 0; i < n; ++i) h[i] = Var<T>::input(h0[i]);
  for (std::size_t j = 0; j < len * m; ++j) x[j] = Var<T>::input(X[j]);
  std::vector<std::vector<Var<T>>> P(ev.params().size());
  for (std::size_t p = 0; p < P.size(); ++p)
    for (const T& v : ev.params()[p]) P[p].push_back(Var<T>::input(v));
  for (std::size_t t = 0; t < len; ++t)
    cell.step(P, t == 0 ? h.data() : &states[(t - 1) * n], &x[t * m], &states[t * n]);
  std::vector<T> adj(tape.size(), numeric::zero<T>());
  for (std::size_t i = 0; i < len * n; ++i)
    if (states[i].id != numeric::Tape<T>::kNone) adj[states[i].id] = adj[states[i].id] + G[i];
  tape.backward(adj);
  auto a = [&](const Var<T>& v) { return v.id == numeric::Tape<T>::kNone ? numeric::zero<T>() : adj[v.id]; };
  Gradients<T> g = zero_gradients<T>(cell, len);
  for (std::size_t j = 0; j < len * m; ++j) g.dx[j] = a(x[j]);
  for (std::size_t i = 0; i < n; ++i) g.dh0[i] = a(h[i]);
  for (std::size_t p = 0; p < P.size(); ++p)
    for (std::size_t q = 0; q < P[p].size(); ++q) g.dparams[p][q] = a(P[p][q]);
  if (H) {
    H->resize(len * n);
    for (std::size_t i = 0; i < len * n; ++i) (*H)[i] = states[i].v;
  }
  tape.clear();
  return g;
}

#define PARALLAX_GRADIENT_INSTANTIATE(T)                                                                             \
  template std::vector<T> adjoint_states<T>(const models::Cell&, const std::vector<T>&, std::size_t,                \
                                            const std::vector<T>&, const std::vector<T>&, const std::vector<T>&,    \
                                            const kernels::ScanOptions&);                                            \
  template Gradients<T> gradients_from_adjoints<T>(const models::Cell&, const std::vector<T>&, std::size_t,         \
                                                   const std::vector<T>&, const std::vector<T>&,                    \
                                                   const std::vector<T>&, const kernels::ScanOptions&);             \
  template Gradients<T> implicit_gradients<T>(const models::Cell&, const std::vector<T>&, std::size_t,              \
                                              const std::vector<T>&, const std::vector<T>&, const std::vector<T>&,  \
                                              const kernels::ScanOptions&);                                          \
  template Gradients<T> backprop_sequential<T>(const models::Cell&, const std::vector<T>&, std::size_t,             \
                                               const std::vector<T>&, const std::vector<T>&, std::vector<T>*);
PARALLAX_GRADIENT_INSTANTIATE(double)
PARALLAX_GRADIENT_INSTANTIATE(float)
static_assert(has_gradients_v<double> && has_gradients_v<float>, "has_gradients_v names the instantiated types");

}  // namespace parallax::solve
