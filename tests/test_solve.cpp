// Nonlinear cells, their automatic Jacobians, and the Newton-type solvers:
// against finite differences, the dense Jacobian, the sequential recurrence,
// and high-precision MPFR runs.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "models/cell.hpp"
#include "numeric/dispatch.hpp"
#include "solve/gradient.hpp"
#include "solve/jacobian.hpp"
#include "solve/newton.hpp"

using namespace parallax;
using models::CellKind;

namespace {

const CellKind kAll[] = {CellKind::Elman, CellKind::Gru, CellKind::Lstm, CellKind::ParaGru, CellKind::ParaLstm, CellKind::ArGru};

/// Input size m, or 1 for the autoregressive GRU.
std::size_t m_for(CellKind k, std::size_t m) { return k == CellKind::ArGru ? 1 : m; }

std::vector<double> random_inputs(std::size_t len, std::size_t m, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> x(len * m);
  for (auto& v : x) v = g(rng);
  return x;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double e = 0;
  for (std::size_t i = 0; i < a.size(); ++i) e = std::max(e, std::fabs(a[i] - b[i]));
  return e;
}

template <class T>
std::vector<T> convert(const std::vector<double>& v) {
  std::vector<T> r;
  for (double x : v) r.push_back(numeric::from_double<T>(x));
  return r;
}

template <class T>
std::vector<double> to_doubles(const std::vector<T>& v) {
  std::vector<double> r;
  for (const T& x : v) r.push_back(numeric::to_double(x));
  return r;
}

}  // namespace

TEST_CASE("automatic Jacobians equal central finite differences for every cell", "[quick][solve]") {
  for (CellKind kind : kAll) {
    const auto cell = models::random_cell(kind, 5, m_for(kind, 3), 11, 0.9);
    const std::size_t n = cell.state_dim();
    solve::CellEval<double> ev(cell);
    auto s = ev.scratch();
    const auto h = random_inputs(1, n, 3), x = random_inputs(1, cell.input, 4);
    std::vector<double> J(n * n), fp(n), fm(n), hp = h, f(n);
    ev.f_jac(h.data(), x.data(), n, f.data(), J.data(), s);
    std::vector<double> f_plain(n);
    ev.f(h.data(), x.data(), f_plain.data());
    CHECK(max_abs_diff(f, f_plain) == 0);
    const double eps = 1e-6;
    for (std::size_t j = 0; j < n; ++j) {
      auto up = h, dn = h;
      up[j] += eps, dn[j] -= eps;
      ev.f(up.data(), x.data(), fp.data());
      ev.f(dn.data(), x.data(), fm.data());
      for (std::size_t i = 0; i < n; ++i) CHECK(J[i * n + j] == Approx((fp[i] - fm[i]) / (2 * eps)).margin(1e-8));
    }
  }
}

TEST_CASE("compressed structured Jacobians equal the dense one, and a wrong structure is detected", "[quick][solve]") {
  for (CellKind kind : kAll) {
    const auto cell = models::random_cell(kind, 6, m_for(kind, 2), 5, 0.8);
    const std::size_t n = cell.state_dim(), k = cell.structure().block_size(n);
    solve::CellEval<double> ev(cell);
    auto s = ev.scratch();
    const auto h = random_inputs(1, n, 8), x = random_inputs(1, cell.input, 9);
    std::vector<double> D(n * n), S(n * k);
    ev.f_jac(h.data(), x.data(), n, nullptr, D.data(), s);
    ev.f_jac_auto(h.data(), x.data(), k, nullptr, S.data(), s);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t q = 0; q < k; ++q) CHECK(S[(i / k) * k * k + (i % k) * k + q] == D[i * n + (i / k) * k + q]);
    CHECK(solve::structure_violation(ev, h.data(), x.data(), k) == 0);
    // a diagonal declaration is wrong for every cell but ParaGRU
    const double v = solve::structure_violation(ev, h.data(), x.data(), 1);
    if (kind == CellKind::ParaGru) CHECK(v == 0);
    else CHECK(v > 1e-6);
  }
}

namespace {
struct Case {
  std::size_t d, len;
};
/// T for a (method, cell, d): dense d×d scans cost O(d³) per combine.
std::size_t length_for(solve::Method method, CellKind kind, std::size_t d) {
  const bool dense_cell = kind != CellKind::ParaGru && kind != CellKind::ParaLstm;
  const bool dense_scan = method == solve::Method::Deer || method == solve::Method::Elk ||
                          (method == solve::Method::Newton && dense_cell);
  if (dense_scan) return d == 1 ? 100000 : d == 4 ? 5000 : d == 16 ? 300 : 40;
  if (dense_cell) return d == 1 ? 100000 : d == 4 ? 20000 : d == 16 ? 3000 : 300;  // O(d²) steps, O(d) Jacobian passes
  return d <= 4 ? 100000 : d == 16 ? 20000 : 5000;
}
}  // namespace

TEST_CASE("hand-written Jacobians of ParaGRU and ParaLSTM equal the automatic ones", "[quick][solve]") {
  for (CellKind kind : {CellKind::ParaGru, CellKind::ParaLstm}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      const auto cell = models::random_cell(kind, 7, 3, seed, 0.3 * double(seed));
      const std::size_t n = cell.state_dim(), k = cell.structure().block_size(n);
      solve::CellEval<double> ev(cell);
      auto s = ev.scratch();
      const auto h = random_inputs(1, n, seed + 100), x = random_inputs(1, 3, seed + 200);
      std::vector<double> fa(n), fh(n), fs(n), Ja(n * k), Jh(n * k);
      ev.f_jac_auto(h.data(), x.data(), k, fa.data(), Ja.data(), s);
      ev.f_jac(h.data(), x.data(), k, fh.data(), Jh.data(), s);
      ev.f(h.data(), x.data(), fs.data());
      CHECK(fh == fs);  // the same expressions as the step: bit for bit
      CHECK(fa == fs);
      for (std::size_t i = 0; i < Ja.size(); ++i) CHECK(Jh[i] == Approx(Ja[i]).epsilon(1e-13).margin(1e-15));
    }
  }
}

TEST_CASE("hand-written Jacobian diagonals of Elman, GRU and ArGRU equal the automatic dense diagonal", "[quick][solve]") {
  for (CellKind kind : {CellKind::Elman, CellKind::Gru, CellKind::ArGru}) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      const auto cell = models::random_cell(kind, 6, m_for(kind, 2), seed, 0.4 * double(seed));
      const std::size_t n = cell.state_dim();
      solve::CellEval<double> ev(cell);
      REQUIRE(ev.has_jacobian(1));
      auto s = ev.scratch();
      const auto h = random_inputs(1, n, seed + 300), x = random_inputs(1, cell.input, seed + 400);
      std::vector<double> fd(n), fs(n), D(n * n), diag(n);
      ev.f_jac_auto(h.data(), x.data(), n, nullptr, D.data(), s);
      ev.f_jac(h.data(), x.data(), 1, fd.data(), diag.data(), s);
      ev.f(h.data(), x.data(), fs.data());
      CHECK(fd == fs);
      for (std::size_t i = 0; i < n; ++i) CHECK(diag[i] == Approx(D[i * n + i]).epsilon(1e-13).margin(1e-15));
    }
  }
}

TEST_CASE("every method reproduces the sequential states on contractive cells in fp64", "[extreme][solve]") {
  const solve::Method methods[] = {solve::Method::Jacobi, solve::Method::Deer, solve::Method::QuasiDeer,
                                   solve::Method::Newton, solve::Method::Elk, solve::Method::QuasiElk};
  for (CellKind kind : kAll) {
    for (std::size_t d : {1, 4, 16, 64}) {
      const auto cell = models::random_cell(kind, d, m_for(kind, 2), 100 + d, 0.5);
      for (solve::Method method : methods) {
        const std::size_t len = length_for(method, kind, d);
        const auto X = random_inputs(len, cell.input, d);
        std::vector<double> h0(cell.state_dim(), 0.0), ref, H;
        solve::run_sequential(cell, X, len, h0, ref);
        solve::SolveOptions o;
        o.method = method;
        o.atol = o.rtol = 1e-11;
        o.max_iter = 200;
        o.scan.threads = 2;
        const auto rep = solve::solve(cell, X, len, h0, H, o);
        INFO(models::cell_kind_name(kind) << " d=" << d << " T=" << len << " " << solve::method_name(method)
                                          << " iterations " << rep.iterations);
        REQUIRE(rep.converged);
        CHECK_FALSE(rep.diverged);
        // Converged to Δ ≤ τ (τ = 1e-11 absolute + relative), contraction
        // bounds the distance to the fixed point by a small multiple of τ,
        // plus rounding of O(T) operations at ε = 2^-53 along the chain.
        CHECK(max_abs_diff(H, ref) <= 1e-9);
        CHECK(rep.residual.back() <= 1e-9);
      }
    }
  }
}

TEST_CASE("Newton and DEER reach the sequential solution within T iterations in high precision", "[quick][precision][solve]") {
  for (CellKind kind : kAll) {
    const auto cell = models::random_cell(kind, 3, m_for(kind, 2), 21, 1.3);
    const std::size_t len = 12;
    const auto Xd = random_inputs(len, cell.input, 5);
    solve::dispatch_float(numeric::Precision::parse("float:300:0"), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto X = convert<T>(Xd);
      const std::vector<T> h0(cell.state_dim(), numeric::zero<T>());
      std::vector<T> ref, H;
      solve::run_sequential(cell, X, len, h0, ref);
      for (solve::Method method : {solve::Method::Newton, solve::Method::Deer}) {
        solve::SolveOptions o;
        o.method = method;
        o.init = solve::InitSpec::parse("zeros");
        o.fixed_iters = static_cast<int>(len);
        const auto rep = solve::solve(cell, X, len, h0, H, o);
        INFO(models::cell_kind_name(kind) << " " << solve::method_name(method));
        CHECK(rep.iterations == static_cast<int>(len));
        CHECK(max_abs_diff(to_doubles(H), to_doubles(ref)) <= 1e-80);
        // and after k < T iterations the first k states are already exact
        o.fixed_iters = 5;
        solve::solve(cell, X, len, h0, H, o);
        std::vector<T> head(H.begin(), H.begin() + 5 * cell.state_dim()), rhead(ref.begin(), ref.begin() + 5 * cell.state_dim());
        CHECK(max_abs_diff(to_doubles(head), to_doubles(rhead)) <= 1e-80);
      }
    });
  }
}

TEST_CASE("emulated floats: Newton at float:30:8 agrees with its own sequential run and the MPFR reference", "[quick][precision][solve]") {
  for (CellKind kind : {CellKind::ParaGru, CellKind::Gru}) {
    const auto cell = models::random_cell(kind, 4, 2, 13, 0.8);
    const std::size_t len = 300, n = cell.state_dim();
    const auto Xd = random_inputs(len, 2, 6);
    std::vector<double> ref_hi, seq_lo, newton_lo;
    solve::dispatch_float(numeric::Precision::parse("float:200:0"), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<T> H;
      solve::run_sequential(cell, convert<T>(Xd), len, std::vector<T>(n, numeric::zero<T>()), H);
      ref_hi = to_doubles(H);
    });
    numeric::Status st;
    int iterations = 0;
    solve::dispatch_float(
        numeric::Precision::parse("float:30:8"),
        [&](auto tag) {
          using T = typename decltype(tag)::type;
          CHECK(std::string(numeric::scalar_name<T>()) == "emufloat");
          const auto X = convert<T>(Xd);
          const std::vector<T> h0(n, numeric::zero<T>());
          std::vector<T> H;
          solve::run_sequential(cell, X, len, h0, H);
          seq_lo = to_doubles(H);
          solve::SolveOptions o;
          o.method = kind == CellKind::Gru ? solve::Method::QuasiDeer : solve::Method::Newton;
          o.atol = o.rtol = std::ldexp(1.0, -26);
          const auto rep = solve::solve(cell, X, len, h0, H, o);
          CHECK(rep.converged);
          iterations = rep.iterations;
          newton_lo = to_doubles(H);
        },
        &st);
    INFO(models::cell_kind_name(kind) << " iterations " << iterations);
    const double u = std::ldexp(1.0, -30);  // unit roundoff of a 30-bit significand
    CHECK(max_abs_diff(seq_lo, ref_hi) <= 1e3 * u);
    CHECK(max_abs_diff(newton_lo, ref_hi) <= 1e3 * u);
    CHECK(max_abs_diff(newton_lo, seq_lo) > 0);  // a different computation, not a copy of the sequential one
    CHECK_FALSE(st.overflow);
  }
}

TEST_CASE("Jacobi needs T sweeps on a chained cell, Newton far fewer", "[quick][solve]") {
  // h_t = tanh(h_{t−1} + x_t) with small inputs: tanh' ≈ 1 along the whole
  // trajectory, so an error in any state survives to the end of the chain.
  // Jacobi repeats the sequential step's operations, so it fixes exactly one
  // more state per sweep and its states become bit-identical after T sweeps.
  models::Cell cell = models::random_cell(CellKind::Elman, 1, 1, 3, 1.0);
  cell.params[0].values = {1.0};  // W
  cell.params[1].values = {1.0};  // U
  cell.params[2].values = {0.0};  // b
  const std::size_t len = 200;
  auto X = random_inputs(len, 1, 7);
  for (auto& x : X) x *= 0.01;
  std::vector<double> h0{0.0}, ref, H;
  solve::run_sequential(cell, X, len, h0, ref);
  solve::SolveOptions o;
  o.method = solve::Method::Jacobi;
  o.init = solve::InitSpec::parse("zeros");
  o.atol = o.rtol = 0;
  o.max_iter = 1000;
  auto rep = solve::solve(cell, X, len, h0, H, o);
  CHECK(rep.converged);
  CHECK(rep.iterations == static_cast<int>(len) + 1);  // T sweeps, and one more that changes nothing
  CHECK(H == ref);
  // stopping one sweep early leaves the last state wrong
  o.fixed_iters = static_cast<int>(len) - 1;
  solve::solve(cell, X, len, h0, H, o);
  CHECK(H.back() != ref.back());
  CHECK(std::equal(H.begin(), H.end() - 1, ref.begin()));
  for (solve::Method method : {solve::Method::Deer, solve::Method::Newton}) {
    o.method = method;
    o.fixed_iters = 0;
    o.atol = o.rtol = 1e-13;
    rep = solve::solve(cell, X, len, h0, H, o);
    CHECK(rep.converged);
    CHECK(rep.iterations <= 5);
    CHECK(max_abs_diff(H, ref) <= 1e-12);
  }
}

TEST_CASE("ParaRNN's cells: a few Newton iterations from f(0, x) reach fp32 accuracy", "[quick][precision][solve]") {
  for (CellKind kind : {CellKind::ParaGru, CellKind::ParaLstm}) {
    const auto cell = models::random_cell(kind, 16, 4, 9, 0.9);
    const std::size_t len = 4096;
    const auto Xd = random_inputs(len, 4, 1);
    std::vector<double> ref64;
    solve::run_sequential(cell, Xd, len, std::vector<double>(cell.state_dim(), 0.0), ref64);
    const std::vector<float> X = convert<float>(Xd), h0(cell.state_dim(), 0.0f);
    std::vector<float> H, ref;
    solve::run_sequential(cell, X, len, h0, ref);
    const double seq_err = max_abs_diff(to_doubles(ref), ref64);
    solve::SolveOptions o;
    o.method = solve::Method::Newton;
    std::vector<double> err;
    for (int k = 1; k <= 6; ++k) {
      o.fixed_iters = k;
      const auto rep = solve::solve(cell, X, len, h0, H, o);
      REQUIRE(rep.iterations == k);
      err.push_back(max_abs_diff(to_doubles(H), ref64));
    }
    INFO(models::cell_kind_name(kind) << " fp32 sequential error " << seq_err << ", Newton after 1..6 iterations: "
                                      << err[0] << " " << err[1] << " " << err[2] << " " << err[3] << " " << err[4] << " " << err[5]);
    // quadratic convergence: the error falls at least 10× per iteration until
    // it reaches fp32's own sequential error, and stays there
    for (std::size_t i = 0; i + 1 < err.size(); ++i) CHECK((err[i + 1] <= err[i] / 10 || err[i + 1] <= 4 * std::max(seq_err, 1e-7)));
    CHECK(err[4] <= 4 * std::max(seq_err, 1e-7));
  }
}

TEST_CASE("gain well above 1: DEER blows up, ELK stays finite and converges", "[quick][solve]") {
  const auto cell = models::random_cell(CellKind::Elman, 8, 2, 17, 3.0);
  const std::size_t len = 100;
  auto X = random_inputs(len, 2, 4);
  for (auto& x : X) x *= 0.1;
  std::vector<double> h0(8, 0.0), ref, H;
  solve::run_sequential(cell, X, len, h0, ref);
  solve::SolveOptions o;
  o.atol = o.rtol = 1e-10;
  o.max_iter = 1000;
  o.method = solve::Method::Deer;
  const auto deer = solve::solve(cell, X, len, h0, H, o);
  INFO("deer: diverged " << deer.diverged << " at " << deer.diverged_at << ": " << deer.divergence);
  CHECK(deer.diverged);  // the products of the Jacobians overflow the first linear solve's scale
  for (auto [method, sigma2] : {std::pair{solve::Method::Elk, 1e8}, std::pair{solve::Method::QuasiElk, 1e4}}) {
    o.method = method;
    o.sigma2 = sigma2;
    const auto rep = solve::solve(cell, X, len, h0, H, o);
    INFO(solve::method_name(method) << " iterations " << rep.iterations);
    CHECK_FALSE(rep.diverged);
    CHECK(rep.converged);
    for (double r : rep.residual) CHECK(std::isfinite(r));
    CHECK(max_abs_diff(H, ref) <= 1e-8);
  }
}

TEST_CASE("the Lyapunov estimate is log|a| for a scalar linear recurrence", "[quick][solve]") {
  // ParaGRU with z ≡ 1 and a_h = 0 … is not linear; use Elman with tiny
  // weights instead: f ≈ tanh(w h) near 0 has Jacobian ≈ w.
  models::Cell cell = models::random_cell(CellKind::Elman, 1, 1, 1, 0.5);
  cell.params[0].values = {0.5};  // W
  cell.params[1].values = {0.0};  // U
  cell.params[2].values = {0.0};  // b
  const std::size_t len = 50;
  std::vector<double> X(len, 0.0), h0{0.0}, H;
  solve::run_sequential(cell, X, len, h0, H);  // stays at 0, where tanh' = 1
  CHECK(solve::lyapunov_exponent(cell, X, len, h0, H) == Approx(std::log(0.5)).epsilon(1e-12));
}

TEST_CASE("implicit gradients equal backpropagation through time and finite differences", "[quick][solve]") {
  for (CellKind kind : kAll) {
    const auto cell = models::random_cell(kind, 3, m_for(kind, 2), 31, 0.8);
    const std::size_t len = 40, n = cell.state_dim();
    const auto X = random_inputs(len, cell.input, 2);
    const auto G = random_inputs(len, n, 3);  // L = Σ_t G_t · h_t
    std::vector<double> h0 = random_inputs(1, n, 4), H;
    const auto bptt = solve::backprop_sequential(cell, X, len, h0, G, &H);
    kernels::ScanOptions so;
    so.threads = 2;
    const auto imp = solve::implicit_gradients(cell, X, len, h0, H, G, so);
    INFO(models::cell_kind_name(kind));
    CHECK(max_abs_diff(imp.dx, bptt.dx) <= 1e-12);
    CHECK(max_abs_diff(imp.dh0, bptt.dh0) <= 1e-12);
    for (std::size_t p = 0; p < cell.params.size(); ++p) CHECK(max_abs_diff(imp.dparams[p], bptt.dparams[p]) <= 1e-11);
    // finite differences of the loss
    auto loss = [&](const models::Cell& c, const std::vector<double>& x, const std::vector<double>& h) {
      std::vector<double> S;
      solve::run_sequential(c, x, len, h, S);
      double l = 0;
      for (std::size_t i = 0; i < S.size(); ++i) l += G[i] * S[i];
      return l;
    };
    const double eps = 1e-6;
    for (std::size_t j : {std::size_t{0}, std::size_t{7}, len * cell.input - 1}) {
      auto up = X, dn = X;
      up[j] += eps, dn[j] -= eps;
      CHECK(imp.dx[j] == Approx((loss(cell, up, h0) - loss(cell, dn, h0)) / (2 * eps)).margin(1e-6));
    }
    for (std::size_t i = 0; i < n; ++i) {
      auto up = h0, dn = h0;
      up[i] += eps, dn[i] -= eps;
      CHECK(imp.dh0[i] == Approx((loss(cell, X, up) - loss(cell, X, dn)) / (2 * eps)).margin(1e-6));
    }
    for (std::size_t p = 0; p < cell.params.size(); ++p) {
      auto up = cell, dn = cell;
      up.params[p].values[0] += eps, dn.params[p].values[0] -= eps;
      CHECK(imp.dparams[p][0] == Approx((loss(up, X, h0) - loss(dn, X, h0)) / (2 * eps)).margin(1e-6));
    }
  }
}

TEST_CASE("divergence is reported with its iteration, never returned as a result", "[quick][solve]") {
  // DEER on a strongly chaotic cell over a long sequence blows up.
  const auto cell = models::random_cell(CellKind::Elman, 8, 2, 17, 6.0);
  const std::size_t len = 3000;
  const auto X = random_inputs(len, 2, 4);
  std::vector<double> h0(8, 0.0), H;
  solve::SolveOptions o;
  o.method = solve::Method::QuasiDeer;
  o.max_iter = 100;
  const auto rep = solve::solve(cell, X, len, h0, H, o);
  if (rep.diverged) {
    CHECK(rep.diverged_at >= 0);
    CHECK_FALSE(rep.divergence.empty());
    CHECK_FALSE(rep.converged);
    for (double v : H) CHECK(std::isfinite(v));  // the last finite iterate, not garbage
  } else {
    WARN("quasi-DEER did not diverge here; iterations " << rep.iterations);
    CHECK_FALSE(rep.converged);  // it cannot have converged within 100 iterations on a chaotic chain
  }
  o.reset = true;
  const auto rep2 = solve::solve(cell, X, len, h0, H, o);
  CHECK_FALSE(rep2.diverged);
  for (double v : H) CHECK(std::isfinite(v));
}

TEST_CASE("cell files round-trip and bad files name the field", "[quick][errors][solve]") {
  const auto cell = models::random_cell(CellKind::ParaLstm, 3, 2, 4, 0.7);
  const std::string path = "test_solve_cell.json";
  {
    std::ofstream(path) << models::cell_to_json(cell);
  }
  const auto back = models::load_cell(path);
  CHECK(back.kind == cell.kind);
  REQUIRE(back.params.size() == cell.params.size());
  for (std::size_t p = 0; p < cell.params.size(); ++p) CHECK(back.params[p].values == cell.params[p].values);
  const CellKind gru = CellKind::Gru;
  CHECK_THROWS_WITH(models::load_cell(path, &gru), Catch::Contains("'paralstm'") && Catch::Contains("'gru'"));
  std::ofstream(path) << "{\"cell\": \"gru\", \"hidden\": 1, \"input\": 1, \"weights\": {\"W_z\": [[1]]}}";
  CHECK_THROWS_WITH(models::load_cell(path), Catch::Contains(path) && Catch::Contains("missing weight 'W_r'"));
  std::ofstream(path) << "{\"cell\": \"elman\", \"hidden\": 2, \"input\": 1,\n \"weights\": {\"W\": [[1, 2], [3]], \"U\": [[1],[1]], \"b\": [0, 0]}}";
  CHECK_THROWS_WITH(models::load_cell(path), Catch::Contains(path + ":2") && Catch::Contains("/weights/W/1"));
  std::ofstream(path) << "{\"cell\": \"tanh\"}";
  CHECK_THROWS_WITH(models::load_cell(path), Catch::Contains("unknown cell 'tanh'") && Catch::Contains("paragru"));
  std::remove(path.c_str());
}
