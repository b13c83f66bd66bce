// The Newton-type solvers of newton.hpp, instantiated for the floating-point
// scalars that have elementary functions.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>
#include <stdexcept>

#include "kernels/kalman.hpp"
#include "kernels/operators.hpp"
#include "numeric/big_float.hpp"
#include "numeric/emu_float.hpp"
#include "numeric/enum_names.hpp"
#include "solve/jacobian.hpp"
#include "solve/newton.hpp"
#include "solve/structured_scan.hpp"

namespace parallax::solve {

namespace {
constexpr numeric::EnumName<Method> kMethods[] = {{Method::Sequential, "sequential"}, {Method::Jacobi, "jacobi"},
                                                  {Method::Deer, "deer"},             {Method::QuasiDeer, "quasi-deer"},
                                                  {Method::Newton, "newton"},         {Method::Elk, "elk"},
                                                  {Method::QuasiElk, "quasi-elk"}};
}  // namespace

const char* method_name(Method m) { return numeric::name_of(kMethods, m); }
std::vector<std::string> method_names() { return numeric::names_of(kMethods); }
Method parse_method(const std::string& name) {
  if (auto m = numeric::value_of(kMethods, name)) return *m;
  throw std::invalid_argument(fmt::format("unknown method '{}' (valid: {})", name, numeric::names_joined(kMethods)));
}

bool supports_precision(const numeric::Precision& p) {
  using K = numeric::Precision::Kind;
  return p.kind == K::Fp64 || p.kind == K::Fp32 || p.kind == K::Float || p.kind == K::Log || p.kind == K::Poly;
}

InitSpec InitSpec::parse(const std::string& text) {
  if (text == "zeros") return {Kind::Zeros, 0};
  if (text == "f0") return {Kind::F0, 0};
  if (text.rfind("jacobi:", 0) == 0) {
    const std::string k = text.substr(7);
    std::size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(k, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == k.size() && v >= 0 && v <= 1000000) return {Kind::Jacobi, v};
    throw std::invalid_argument(fmt::format("initial guess '{}': K in jacobi:K must be an integer in 0..1000000", text));
  }
  throw std::invalid_argument(fmt::format("unknown initial guess '{}' (valid: zeros, f0, jacobi:K)", text));
}
std::string InitSpec::to_string() const {
  switch (kind) {
    case Kind::Zeros: return "zeros";
    case Kind::F0: return "f0";
    case Kind::Jacobi: return fmt::format("jacobi:{}", sweeps);
    default: return "given";
  }
}

namespace {

/// A state entry beyond this magnitude counts as exploded for the reset policy.
constexpr double kExploded = 1e10;

template <class T>
double dbl(const T& x) {
  return numeric::to_double(x);
}

/// Everything one solve keeps between iterations.
template <class T>
struct Solver {
  const models::Cell& cell;
  const SolveOptions& o;
  CellEval<T> ev;
  std::size_t len, n, m;
  const std::vector<T>& X;
  const std::vector<T>& h0;
  std::size_t k_cell;    ///< block size of the cell's own structure
  std::size_t k_method;  ///< block size of A_t (0: Jacobi)

  Solver(const models::Cell& c, const SolveOptions& opt, std::size_t T_len, const std::vector<T>& x,
         const std::vector<T>& h)
      : cell(c), o(opt), ev(c), len(T_len), n(c.state_dim()), m(c.input), X(x), h0(h) {
    k_cell = c.structure().block_size(n);
    switch (o.method) {
      case Method::Jacobi: k_method = 0; break;
      case Method::QuasiDeer:
      case Method::QuasiElk: k_method = 1; break;
      case Method::Deer:
      case Method::Elk: k_method = n; break;
      default: k_method = k_cell; break;
    }
  }

  const T* prev(const std::vector<T>& H, std::size_t t) const { return t == 0 ? h0.data() : &H[(t - 1) * n]; }

  /// F[t] = f(H_{t−1}, x_t) for every t, in parallel.
  void eval_f(const std::vector<T>& H, std::vector<T>& F) const {
    parallel_chunks(o.scan, len, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t t = lo; t < hi; ++t) ev.f(prev(H, t), &X[t * m], &F[t * n]);
    });
  }

  /// F[t] and A[t] (block size k_method, projected from the cell's structure).
  double eval_f_jac(const std::vector<T>& H, std::vector<T>& F, std::vector<T>& A, bool check) const {
    const std::size_t km = k_method;
    // a hand-written diagonal (quasi methods on dense cells) saves n passes
    const std::size_t kc = km == 1 && ev.has_jacobian(1) && !check ? 1 : k_cell;
    double violation = 0;
    std::mutex mu;
    parallel_chunks(o.scan, len, [&](std::size_t lo, std::size_t hi) {
      auto s = ev.scratch();
      std::vector<T> Jc(n * kc);
      double worst = 0;
      for (std::size_t t = lo; t < hi; ++t) {
        const T* hp = prev(H, t);
        const T* xt = &X[t * m];
        ev.f_jac(hp, xt, kc, &F[t * n], Jc.data(), s);
        if (check) worst = std::max(worst, structure_violation(ev, hp, xt, kc));
        T* At = &A[t * n * km];
        if (km == kc) {
          std::copy(Jc.begin(), Jc.end(), At);
          continue;
        }
        std::fill(At, At + n * km, numeric::zero<T>());
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t q = 0; q < kc; ++q) {
            const std::size_t j = (i / kc) * kc + q;  // column of the entry
            if (km == 1 && j != i) continue;          // diagonal only
            if (km > 1 && i / km != j / km) continue;
            At[(i / km) * km * km + (i % km) * km + (j % km)] = Jc[(i / kc) * kc * kc + (i % kc) * kc + q];
          }
      }
      std::lock_guard<std::mutex> lock(mu);
      violation = std::max(violation, worst);
    });
    return violation;
  }

  /// B[t] = F[t] − A[t] H_{t−1}.
  void offsets(const std::vector<T>& H, const std::vector<T>& F, const std::vector<T>& A, std::vector<T>& B) const {
    const std::size_t k = k_method;
    parallel_chunks(o.scan, len, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t t = lo; t < hi; ++t) {
        const T* hp = prev(H, t);
        const T* At = &A[t * n * k];
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t b = i / k, r = i % k;
          T acc = F[t * n + i];
          for (std::size_t q = 0; q < k; ++q) acc = acc - At[b * k * k + r * k + q] * hp[b * k + q];
          B[t * n + i] = acc;
        }
      }
    });
  }

  double residual(const std::vector<T>& H, const std::vector<T>& F) const {
    double r = 0;
    for (std::size_t i = 0; i < len * n; ++i) {
      const double e = std::fabs(dbl(H[i]) - dbl(F[i]));
      if (!(e <= r)) r = e;  // NaN propagates
      if (std::isnan(e)) return e;
    }
    return r;
  }
};

}  // namespace

template <class T>
void run_sequential(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                    std::vector<T>& H) {
  CellEval<T> ev(cell);
  const std::size_t n = cell.state_dim(), m = cell.input;
  H.resize(len * n);
  for (std::size_t t = 0; t < len; ++t) ev.f(t == 0 ? h0.data() : &H[(t - 1) * n], &X[t * m], &H[t * n]);
}

template <class T>
SolveReport solve(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                  std::vector<T>& H, const SolveOptions& o) {
  models::validate(cell);
  const std::size_t n = cell.state_dim(), m = cell.input;
  if (X.size() != len * m) throw std::invalid_argument(fmt::format("inputs: {} values, expected T·m = {}", X.size(), len * m));
  if (h0.size() != n) throw std::invalid_argument(fmt::format("initial state: {} values, expected {}", h0.size(), n));
  SolveReport rep;
  if (o.method == Method::Sequential) {
    run_sequential(cell, X, len, h0, H);
    rep.converged = true;
    return rep;
  }
  Solver<T> s(cell, o, len, X, h0);
  std::vector<T> F(len * n), Hn(len * n);
  // ---- the initial guess ----
  if (o.init.kind == InitSpec::Kind::Given) {
    if (H.size() != len * n) throw std::invalid_argument(fmt::format("initial guess: {} values, expected T·n = {}", H.size(), len * n));
  } else {
    H.assign(len * n, numeric::zero<T>());
    if (o.init.kind == InitSpec::Kind::F0) {
      const std::vector<T> zeros(n, numeric::zero<T>());
      parallel_chunks(o.scan, len, [&](std::size_t lo, std::size_t hi) {
        for (std::size_t t = lo; t < hi; ++t) s.ev.f(zeros.data(), &X[t * m], &H[t * n]);
      });
    } else if (o.init.kind == InitSpec::Kind::Jacobi) {
      for (int k = 0; k < o.init.sweeps; ++k) {
        s.eval_f(H, F);
        std::swap(H, F);
      }
    }
  }
  // The reset policy restores exploded entries to the initial guess.
  const std::vector<T> H_init = o.reset ? H : std::vector<T>{};
  const int max_iter = o.fixed_iters > 0 ? o.fixed_iters : o.max_iter > 0 ? o.max_iter : static_cast<int>(len) + 1;
  const std::size_t k = s.k_method;
  std::vector<T> A(k == 0 ? 0 : len * n * k), B(k == 0 ? 0 : len * n);
  auto finite = [&](const std::vector<T>& V) {
    for (const T& v : V)
      if (!std::isfinite(dbl(v))) return false;
    return true;
  };
  auto bounded = [&](const std::vector<T>& V) {
    for (const T& v : V)
      if (!(std::fabs(dbl(v)) <= kExploded)) return false;
    return true;
  };
  double r0 = -1;
  for (int it = 1; it <= max_iter; ++it) {
    if (o.scan.poll) o.scan.poll();  // may throw: the run stops here
    // ---- linearise at H ----
    if (k == 0) {
      s.eval_f(H, F);
    } else {
      const double v = s.eval_f_jac(H, F, A, o.check_structure && it == 1);
      rep.structure_violation = std::max(rep.structure_violation, v);
    }
    const double r = s.residual(H, F);
    rep.residual.push_back(r);
    if (r0 < 0) r0 = std::isfinite(r) ? std::max(r, 1e-300) : 1.0;
    if (!std::isfinite(r) || r > 1e10 * r0) {
      rep.diverged = true;
      rep.diverged_at = it - 1;
      rep.divergence = std::isfinite(r) ? fmt::format("residual {:.3g} grew past 1e10 × its first value {:.3g}", r, r0)
                                        : "non-finite residual";
      return rep;
    }
    // ---- the linear solve ----
    if (k == 0) {
      Hn = F;
    } else {
      s.offsets(H, F, A, B);
      if (o.method == Method::Elk || o.method == Method::QuasiElk) {
        kernels::KalmanProblem<T> p{len, n / k, k, A.data(), B.data(), H.data(), h0.data(), numeric::from_double<T>(o.sigma2)};
        kernels::kalman_smooth_parallel(p, Hn.data(), o.scan);
      } else {
        structured_scan(len, n, k, A, B, h0, Hn, o.scan);
      }
    }
    rep.iterations = it;
    // ---- divergence, convergence ----
    if (!finite(Hn) || (o.reset && !bounded(Hn))) {
      if (!o.reset) {
        rep.diverged = true;
        rep.diverged_at = it;
        rep.divergence = "non-finite state after the update";
        return rep;  // H keeps the last finite iterate
      }
      for (std::size_t i = 0; i < Hn.size(); ++i)
        if (!(std::fabs(dbl(Hn[i])) <= kExploded)) Hn[i] = H_init[i];
      ++rep.resets;
    }
    double delta = 0;
    bool within = true;
    for (std::size_t i = 0; i < Hn.size(); ++i) {
      const double a = dbl(Hn[i]), e = std::fabs(a - dbl(H[i]));
      delta = std::max(delta, e);
      if (!(e <= o.atol + o.rtol * std::fabs(a))) within = false;
    }
    rep.delta.push_back(delta);
    std::swap(H, Hn);
    if (o.fixed_iters == 0 && within) {
      rep.converged = true;
      break;
    }
  }
  s.eval_f(H, F);
  rep.residual.push_back(s.residual(H, F));
  if (o.fixed_iters > 0) rep.converged = std::isfinite(rep.residual.back());
  if (rep.converged && o.fixed_iters == 0) {
    double hmax = 0;
    for (const T& v : H) hmax = std::max(hmax, std::fabs(dbl(v)));
    if (!(rep.residual.back() <= 1e4 * (o.atol + o.rtol * hmax))) rep.converged = false, rep.stalled = true;
  }
  return rep;
}

template <class T>
double lyapunov_exponent(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                         const std::vector<T>& H, std::uint64_t seed) {
  if (len == 0) return 0;
  const std::size_t n = cell.state_dim(), m = cell.input;
  CellEval<double> ev(cell);
  auto s = ev.scratch();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> v(n), jv(n), hp(n), x(m);
  double norm = 0;
  for (auto& e : v) e = g(rng), norm += e * e;
  for (auto& e : v) e /= std::sqrt(norm);
  double sum = 0;
  for (std::size_t t = 0; t < len; ++t) {
    for (std::size_t i = 0; i < n; ++i) hp[i] = dbl(t == 0 ? h0[i] : H[(t - 1) * n + i]);
    for (std::size_t j = 0; j < m; ++j) x[j] = dbl(X[t * m + j]);
    ev.jvp(hp.data(), x.data(), v.data(), nullptr, jv.data(), s);
    double q = 0;
    for (double e : jv) q += e * e;
    q = std::sqrt(q);
    if (!(q > 0) || !std::isfinite(q)) return q == 0 ? -INFINITY : NAN;
    sum += std::log(q);
    for (std::size_t i = 0; i < n; ++i) v[i] = jv[i] / q;
  }
  return sum / static_cast<double>(len);
}

#define PARALLAX_SOLVE_INSTANTIATE(T)                                                                                 \
  template SolveReport solve<T>(const models::Cell&, const std::vector<T>&, std::size_t, const std::vector<T>&,       \
                                std::vector<T>&, const SolveOptions&);                                                 \
  template void run_sequential<T>(const models::Cell&, const std::vector<T>&, std::size_t, const std::vector<T>&,     \
                                  std::vector<T>&);                                                                    \
  template double lyapunov_exponent<T>(const models::Cell&, const std::vector<T>&, std::size_t, const std::vector<T>&, \
                                       const std::vector<T>&, std::uint64_t);
PARALLAX_SOLVE_INSTANTIATE(double)
PARALLAX_SOLVE_INSTANTIATE(float)
PARALLAX_SOLVE_INSTANTIATE(numeric::EmuFloat)
PARALLAX_SOLVE_INSTANTIATE(numeric::BigFloat)

}  // namespace parallax::solve
