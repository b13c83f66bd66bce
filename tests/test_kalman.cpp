// Kalman smoothing (kernels/kalman.hpp): both smoothers equal the minimiser
// of the least-squares objective, solved by brute force (normal equations in
// long double); the associative-scan smoother equals the sequential one on
// long sequences; the limits σ² → ∞ / σ² → 0 give the undamped recurrence /
// the observations; reduced precisions stay close to double.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/kalman.hpp"
#include "numeric/dispatch.hpp"

using namespace parallax;
using kernels::KalmanProblem;
using kernels::KalmanSchedule;
using kernels::ScanOptions;

namespace {

/// A random problem in double; F entries uniform in [−fmax, fmax].
struct Data {
  std::size_t len = 0, blocks = 1, k = 1;
  std::vector<double> F, c, y, x0;
  double sigma2 = 1;

  std::size_t n() const { return blocks * k; }
  KalmanProblem<double> problem() const { return {len, blocks, k, F.data(), c.data(), y.data(), x0.data(), sigma2}; }
};

Data make_data(std::size_t len, std::size_t blocks, std::size_t k, double sigma2, double fmax, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uf(-fmax, fmax), uv(-1.0, 1.0);
  Data d;
  d.len = len, d.blocks = blocks, d.k = k, d.sigma2 = sigma2;
  d.F.resize(len * blocks * k * k);
  d.c.resize(len * blocks * k);
  d.y.resize(len * blocks * k);
  d.x0.resize(blocks * k);
  for (auto& v : d.F) v = uf(rng);
  for (auto& v : d.c) v = uv(rng);
  for (auto& v : d.y) v = 2 * uv(rng);
  for (auto& v : d.x0) v = uv(rng);
  return d;
}

/// Entry (i, j) of the dense n×n matrix F_t.
double dense_F(const Data& d, std::size_t t, std::size_t i, std::size_t j) {
  const std::size_t qi = i / d.k, qj = j / d.k;
  if (qi != qj) return 0;
  return d.F[t * d.n() * d.k + qi * d.k * d.k + (i % d.k) * d.k + (j % d.k)];
}

/// Minimiser of Σ‖x_t − F_t x_{t−1} − c_t‖² + σ⁻² Σ‖x_t − y_t‖² from the
/// normal equations (D^T D + σ⁻² I) x = D^T r + σ⁻² y, x = (x_1 … x_len) and
/// D x − r the stacked residuals; Gaussian elimination with partial pivoting
/// in long double. Only the first `len` steps of d are used.
std::vector<double> brute_force(const Data& d, std::size_t len) {
  using L = long double;
  const std::size_t n = d.n(), N = len * n;
  std::vector<L> D(N * N, 0), r(N, 0);
  for (std::size_t t = 0; t < len; ++t)
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t row = t * n + i;
      D[row * N + row] = 1;
      L rhs = d.c[t * n + i];
      for (std::size_t j = 0; j < n; ++j) {
        if (t == 0) rhs += static_cast<L>(dense_F(d, 0, i, j)) * d.x0[j];
        else D[row * N + (t - 1) * n + j] = -static_cast<L>(dense_F(d, t, i, j));
      }
      r[row] = rhs;
    }
  const L inv = 1 / static_cast<L>(d.sigma2);
  std::vector<L> H(N * N, 0), b(N, 0);
  for (std::size_t a = 0; a < N; ++a) {
    for (std::size_t e = 0; e < N; ++e) {
      L acc = 0;
      for (std::size_t row = 0; row < N; ++row) acc += D[row * N + a] * D[row * N + e];
      H[a * N + e] = acc;
    }
    L acc = 0;
    for (std::size_t row = 0; row < N; ++row) acc += D[row * N + a] * r[row];
    H[a * N + a] += inv;
    b[a] = acc + inv * d.y[a];
  }
  for (std::size_t col = 0; col < N; ++col) {
    std::size_t piv = col;
    for (std::size_t row = col + 1; row < N; ++row)
      if (std::fabs(H[row * N + col]) > std::fabs(H[piv * N + col])) piv = row;
    for (std::size_t j = 0; j < N; ++j) std::swap(H[col * N + j], H[piv * N + j]);
    std::swap(b[col], b[piv]);
    for (std::size_t row = col + 1; row < N; ++row) {
      const L f = H[row * N + col] / H[col * N + col];
      for (std::size_t j = col; j < N; ++j) H[row * N + j] -= f * H[col * N + j];
      b[row] -= f * b[col];
    }
  }
  std::vector<double> x(N);
  std::vector<L> xl(N);
  for (std::size_t row = N; row-- > 0;) {
    L acc = b[row];
    for (std::size_t j = row + 1; j < N; ++j) acc -= H[row * N + j] * xl[j];
    xl[row] = acc / H[row * N + row];
    x[row] = static_cast<double>(xl[row]);
  }
  return x;
}

/// max |a − b| / max(max |b|, 1e-300): norm-wise relative error.
template <class A>
double rel_err(const std::vector<A>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double err = 0, scale = 1e-300;
  for (std::size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::fabs(numeric::to_double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return err / scale;
}

std::vector<double> smooth_seq(const Data& d) {
  std::vector<double> out(d.len * d.n(), std::nan(""));
  kernels::kalman_smooth_sequential(d.problem(), out.data());
  return out;
}
std::vector<double> smooth_par(const Data& d, const ScanOptions& o, KalmanSchedule s) {
  std::vector<double> out(d.len * d.n(), std::nan(""));
  kernels::kalman_smooth_parallel(d.problem(), out.data(), o, s);
  return out;
}

const KalmanSchedule kSchedules[] = {KalmanSchedule::Auto, KalmanSchedule::OverTime, KalmanSchedule::OverBlocks};

struct Shape {
  std::size_t k, blocks;
};

}  // namespace

TEST_CASE("kalman: smoothers and filters equal the brute-force least-squares solution", "[quick][kalman][scan]") {
  std::mt19937_64 rng(11);
  for (const Shape sh : {Shape{1, 3}, Shape{2, 2}, Shape{3, 1}, Shape{4, 1}, Shape{5, 1}})
    for (double sigma2 : {1e-3, 1.0, 1e3})
      for (std::size_t len = 1; len <= 6; ++len)
        for (int rep = 0; rep < 2; ++rep) {
          const Data d = make_data(len, sh.blocks, sh.k, sigma2, 1.5, rng);
          INFO("k = " << sh.k << ", blocks = " << sh.blocks << ", sigma2 = " << sigma2 << ", len = " << len);
          const auto ref = brute_force(d, len);
          CHECK(rel_err(smooth_seq(d), ref) < 1e-9);
          for (const auto s : kSchedules)
            for (int threads : {1, 2}) {
              if (threads == 1 && s != KalmanSchedule::OverTime) continue;  // = the sequential smoother
              INFO("schedule " << static_cast<int>(s) << ", threads " << threads);
              CHECK(rel_err(smooth_par(d, {threads, 0}, s), ref) < 1e-9);
            }
          if (rep > 0) continue;
          // filtered mean at t = smoothed mean at t of the prefix x_1 … x_t
          std::vector<double> fs(len * d.n()), fp(len * d.n());
          kernels::kalman_filter_sequential(d.problem(), fs.data());
          kernels::kalman_filter_parallel(d.problem(), fp.data(), {2, 1});
          for (std::size_t t = 1; t <= len; ++t) {
            const auto pre = brute_force(d, t);
            const std::vector<double> last(pre.end() - d.n(), pre.end());
            const std::vector<double> s(fs.begin() + (t - 1) * d.n(), fs.begin() + t * d.n());
            const std::vector<double> p(fp.begin() + (t - 1) * d.n(), fp.begin() + t * d.n());
            CHECK(rel_err(s, last) < 1e-9);
            CHECK(rel_err(p, last) < 1e-9);
          }
        }
}

TEST_CASE("kalman: filter elements compose associatively", "[quick][kalman][scan]") {
  std::mt19937_64 rng(5);
  auto check = [&](auto kc, std::size_t k) {
    constexpr std::size_t K = decltype(kc)::value;
    const Data d = make_data(4, 1, k, 0.7, 1.0, rng);
    const auto p = d.problem();
    using Op = kernels::KalmanFilterOp<double, K>;
    const Op op{k};
    const double kappa = 1 / (1 + p.sigma2), omega = p.sigma2 * kappa;
    std::vector<typename Op::element> e(4);
    for (std::size_t t = 0; t < 4; ++t) op.make(p, 0, t, kappa, omega, e[t]);
    // ((e1 e2) e3) vs (e1 (e2 e3)), and both identities, on steps 1..3 (A ≠ 0)
    auto l = op.identity(), r = op.identity(), ab = op.identity(), bc = op.identity();
    op.compose(e[1], e[2], ab);
    op.compose(ab, e[3], l);
    op.compose(e[2], e[3], bc);
    op.compose(e[1], bc, r);
    auto flat = [&](const typename Op::element& x) {
      std::vector<double> v;
      for (std::size_t i = 0; i < k * k; ++i) v.push_back(x.A[i]), v.push_back(x.C[i]), v.push_back(x.J[i]);
      for (std::size_t i = 0; i < k; ++i) v.push_back(x.b[i]), v.push_back(x.eta[i]);
      return v;
    };
    CHECK(rel_err(flat(l), flat(r)) < 1e-13);
    auto u = op.identity();
    op.compose(op.identity(), e[2], u);
    CHECK(flat(u) == flat(e[2]));
    op.compose(e[2], op.identity(), u);
    CHECK(rel_err(flat(u), flat(e[2])) == 0);
  };
  for (int rep = 0; rep < 5; ++rep) {
    check(std::integral_constant<std::size_t, 1>{}, 1);
    check(std::integral_constant<std::size_t, 2>{}, 2);
    check(std::integral_constant<std::size_t, 3>{}, 3);
    check(std::integral_constant<std::size_t, 0>{}, 5);
  }
}

namespace {
void check_parallel_equals_sequential(const std::vector<std::size_t>& lens) {
  std::mt19937_64 rng(23);
  for (const Shape sh : {Shape{1, 1}, Shape{1, 8}, Shape{2, 3}, Shape{3, 2}, Shape{6, 1}})
    for (const std::size_t len : lens) {
      if (sh.k > 2 && len > 2000) continue;
      const double sigma2 = len % 2 ? 0.5 : 4.0;
      const Data d = make_data(len, sh.blocks, sh.k, sigma2, 1.0 / std::sqrt(double(sh.k)), rng);
      const auto ref = smooth_seq(d);
      for (const auto s : {KalmanSchedule::Auto, KalmanSchedule::OverTime})
        for (int threads : {1, 2})
          for (std::size_t block : {std::size_t(0), std::size_t(37)}) {
            if (block && len > 2000) continue;
            INFO("k = " << sh.k << ", blocks = " << sh.blocks << ", len = " << len << ", schedule "
                        << static_cast<int>(s) << ", threads " << threads << ", block " << block);
            CHECK(rel_err(smooth_par(d, {threads, block}, s), ref) < 1e-10);
          }
      if (len <= 2000) {
        std::vector<double> fs(len * d.n()), fp(len * d.n());
        kernels::kalman_filter_sequential(d.problem(), fs.data());
        kernels::kalman_filter_parallel(d.problem(), fp.data(), {2, 0});
        CHECK(rel_err(fp, fs) < 1e-10);
      }
    }
}
}  // namespace

TEST_CASE("kalman: parallel smoother equals the sequential one", "[quick][kalman][scan]") {
  check_parallel_equals_sequential({1, 2, 7, 1000});
}

TEST_CASE("kalman: parallel smoother equals the sequential one on a long sequence", "[standard][kalman][scan]") {
  check_parallel_equals_sequential({100003});
}

TEST_CASE("kalman: limits of the observation variance", "[quick][kalman][scan]") {
  std::mt19937_64 rng(3);
  for (const Shape sh : {Shape{1, 4}, Shape{2, 2}, Shape{3, 1}}) {
    const std::size_t len = 40, n = sh.k * sh.blocks;
    // contractive F: every row's absolute sum below 0.9
    Data d = make_data(len, sh.blocks, sh.k, 1e12, 0.9 / double(sh.k), rng);
    std::vector<double> rec(len * n);
    for (std::size_t t = 0; t < len; ++t)
      for (std::size_t i = 0; i < n; ++i) {
        double acc = d.c[t * n + i];
        for (std::size_t j = 0; j < n; ++j) acc += dense_F(d, t, i, j) * (t ? rec[(t - 1) * n + j] : d.x0[j]);
        rec[t * n + i] = acc;
      }
    INFO("k = " << sh.k << ", blocks = " << sh.blocks);
    // σ² → ∞: the observations carry no weight
    CHECK(rel_err(smooth_seq(d), rec) < 1e-6);
    CHECK(rel_err(smooth_par(d, {2, 0}, KalmanSchedule::OverTime), rec) < 1e-6);
    CHECK(rel_err(smooth_par(d, {2, 0}, KalmanSchedule::OverBlocks), rec) < 1e-6);
    // σ² → 0: the means are the observations
    d.sigma2 = 1e-12;
    CHECK(rel_err(smooth_seq(d), d.y) < 1e-9);
    CHECK(rel_err(smooth_par(d, {2, 0}, KalmanSchedule::OverTime), d.y) < 1e-9);
    CHECK(rel_err(smooth_par(d, {2, 0}, KalmanSchedule::OverBlocks), d.y) < 1e-9);
  }
}

namespace {
/// The smoothers in scalar T (inputs rounded to T) against double.
template <class T>
void check_precision(const Data& d, double tol) {
  auto conv = [](const std::vector<double>& v) {
    std::vector<T> r;
    for (double x : v) r.push_back(numeric::from_exact<T>(numeric::Exact(x)));
    return r;
  };
  const auto F = conv(d.F), c = conv(d.c), y = conv(d.y), x0 = conv(d.x0);
  const T s2 = numeric::from_exact<T>(numeric::Exact(d.sigma2));
  const KalmanProblem<T> p{d.len, d.blocks, d.k, F.data(), c.data(), y.data(), x0.data(), s2};
  // the double reference from the rounded inputs
  Data dr = d;
  for (std::size_t i = 0; i < F.size(); ++i) dr.F[i] = numeric::to_double(F[i]);
  for (std::size_t i = 0; i < c.size(); ++i) dr.c[i] = numeric::to_double(c[i]), dr.y[i] = numeric::to_double(y[i]);
  for (std::size_t i = 0; i < x0.size(); ++i) dr.x0[i] = numeric::to_double(x0[i]);
  dr.sigma2 = numeric::to_double(s2);
  const auto ref = smooth_seq(dr);
  std::vector<T> out(d.len * d.n(), numeric::zero<T>());
  kernels::kalman_smooth_sequential(p, out.data());
  CHECK(rel_err(out, ref) < tol);
  for (auto& v : out) v = numeric::zero<T>();
  kernels::kalman_smooth_parallel(p, out.data(), {2, 0}, KalmanSchedule::OverTime);
  CHECK(rel_err(out, ref) < tol);
  for (auto& v : out) v = numeric::zero<T>();
  kernels::kalman_smooth_parallel(p, out.data(), {2, 0}, KalmanSchedule::OverBlocks);
  CHECK(rel_err(out, ref) < tol);
}
}  // namespace

TEST_CASE("kalman: fp32 stays close to fp64", "[quick][kalman][precision][scan]") {
  std::mt19937_64 rng(7);
  for (const Shape sh : {Shape{1, 4}, Shape{2, 2}, Shape{5, 1}}) {
    INFO("k = " << sh.k << ", blocks = " << sh.blocks);
    check_precision<float>(make_data(500, sh.blocks, sh.k, 0.5, 1.0 / double(sh.k), rng), 1e-4);
  }
}

TEST_CASE("kalman: emulated floats stay close to fp64", "[quick][kalman][precision][scan]") {
  std::mt19937_64 rng(9);
  // float:20:8 (double-rounding path) and float:30:8 (MPFR path)
  for (const auto& [spec, len] : {std::pair<const char*, std::size_t>{"float:20:8", 300}, {"float:30:8", 40}}) {
    const auto prec = numeric::Precision::parse(spec);
    for (const Shape sh : {Shape{1, 3}, Shape{2, 2}, Shape{3, 1}}) {
      const Data d = make_data(len, sh.blocks, sh.k, 0.5, 1.0 / double(sh.k), rng);
      bool ran = false;
      numeric::dispatch(prec, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, numeric::EmuFloat>) {
          INFO(spec << ", k = " << sh.k << ", blocks = " << sh.blocks);
          check_precision<T>(d, std::ldexp(1.0, 10 - prec.mantissa));
          ran = true;
        }
      });
      CHECK(ran);
    }
  }
}

TEST_CASE("kalman: over exact rationals both smoothers solve the normal equations exactly", "[quick][kalman][scan][solve]") {
  using numeric::Exact;
  std::mt19937_64 rng(13);
  std::uniform_int_distribution<int> ui(-6, 6);
  for (const Shape sh : {Shape{1, 2}, Shape{2, 1}, Shape{3, 1}})
    for (const Exact& sigma2 : {Exact(1, 3), Exact(2)})
      for (std::size_t len : {1, 2, 4}) {
        const std::size_t k = sh.k, n = sh.k * sh.blocks;
        auto draw = [&](std::size_t size) {
          std::vector<Exact> v(size);
          for (auto& x : v) x = Exact(ui(rng), 4);
          return v;
        };
        const auto F = draw(len * sh.blocks * k * k), c = draw(len * n), y = draw(len * n), x0 = draw(n);
        const KalmanProblem<Exact> p{len, sh.blocks, k, F.data(), c.data(), y.data(), x0.data(), sigma2};
        std::vector<Exact> seq(len * n), par(len * n);
        kernels::kalman_smooth_sequential(p, seq.data());
        kernels::kalman_smooth_parallel(p, par.data(), {2, 1}, KalmanSchedule::OverTime);
        INFO("k = " << k << ", blocks = " << sh.blocks << ", len = " << len << ", sigma2 = " << sigma2);
        CHECK(seq == par);
        // gradient of the objective at x: r_t − F_{t+1}^T r_{t+1} + σ⁻²(x_t − y_t) = 0,
        // r_t = x_t − F_t x_{t−1} − c_t (x_0 given, r_{len+1} = 0)
        auto Fij = [&](std::size_t t, std::size_t i, std::size_t j) {
          return i / k == j / k ? F[t * n * k + (i / k) * k * k + (i % k) * k + j % k] : Exact(0);
        };
        std::vector<Exact> r(len * n);
        for (std::size_t t = 0; t < len; ++t)
          for (std::size_t i = 0; i < n; ++i) {
            Exact acc = seq[t * n + i] - c[t * n + i];
            for (std::size_t j = 0; j < n; ++j) acc -= Fij(t, i, j) * (t ? seq[(t - 1) * n + j] : x0[j]);
            r[t * n + i] = acc;
          }
        for (std::size_t t = 0; t < len; ++t)
          for (std::size_t i = 0; i < n; ++i) {
            Exact g = r[t * n + i] + (seq[t * n + i] - y[t * n + i]) / sigma2;
            if (t + 1 < len)
              for (std::size_t j = 0; j < n; ++j) g -= Fij(t + 1, j, i) * r[(t + 1) * n + j];
            CHECK(g == 0);
          }
      }
}
