// The CUDA kernels against the CPU: every scan kind and algorithm, the
// Newton solves with per-sequence stopping, the sequential device baseline
// and the backward pass, on ragged sizes. Exact where the data are integers
// (PD, signed permutations), within a tolerance in floating point. With no
// GPU visible every case says so and passes without checking anything
// ("[gpu]"; Catch2 2 has no SKIP).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cuda/api.hpp"
#include "kernels/operators.hpp"
#include "kernels/scan.hpp"
#include "models/cell.hpp"
#include "solve/device.hpp"
#include "solve/gradient.hpp"
#include "solve/newton.hpp"

using namespace parallax;
namespace cu = parallax::kernels::cuda;

#define PARALLAX_REQUIRE_GPU()                                          \
  do {                                                                  \
    if (!cu::available()) {                                             \
      WARN("skipped: no GPU visible (" << cu::device_status() << ")"); \
      return;                                                           \
    }                                                                   \
  } while (0)

namespace {

const std::vector<std::size_t> kLengths = {1, 31, 32, 33, 1000, 4099};

template <class T>
double max_abs_diff(const std::vector<T>& x, const std::vector<T>& y) {
  REQUIRE(x.size() == y.size());
  double e = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = std::abs(double(x[i]) - double(y[i]));
    if (!(d <= e)) e = std::isnan(d) ? INFINITY : d;
  }
  return e;
}

/// h [channel][t] of the diagonal recurrence in double, sequentially.
std::vector<double> diag_reference(const std::vector<double>& a, const std::vector<double>& b,
                                   const std::vector<double>& h0, std::size_t channels, std::size_t len) {
  std::vector<double> h(channels * len);
  for (std::size_t c = 0; c < channels; ++c) {
    double x = h0[c];
    for (std::size_t t = 0; t < len; ++t) h[c * len + t] = x = a[c * len + t] * x + b[c * len + t];
  }
  return h;
}

std::uint16_t to_bf16(float f) {  // round to nearest even
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<std::uint16_t>(u >> 16);
}
float from_bf16(std::uint16_t h) {
  const std::uint32_t u = std::uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

TEST_CASE("gpu: device status is one informative line", "[quick][device][gpu]") {
  const std::string s = cu::device_status();
  CHECK(!s.empty());
  CHECK(s.find('\n') == std::string::npos);
  if (!cu::available()) {
    CHECK_THROWS_AS(cu::require_device(), cu::Unavailable);
    std::vector<float> a(4, 1.f), h(4);
    CHECK_THROWS_AS(cu::diag_scan<float>(a.data(), a.data(), a.data(), 1, 4, h.data(), cu::ScanAlgo::Cub), cu::Unavailable);
  }
}

TEST_CASE("gpu: diagonal scans equal the sequential recurrence", "[standard][device][gpu][scan]") {
  PARALLAX_REQUIRE_GPU();
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> ua(-0.99, 0.99), ub(-1, 1);
  std::vector<std::size_t> lengths = kLengths;
  lengths.push_back((std::size_t(1) << 20) + 7);
  for (std::size_t len : lengths)
    for (std::size_t channels : {std::size_t(1), std::size_t(3), std::size_t(300)}) {
      if (len > 5000 && channels > 3) continue;
      const std::size_t n = channels * len;
      std::vector<double> a(n), b(n), h0(channels);
      for (auto& x : a) x = ua(rng);
      for (auto& x : b) x = ub(rng);
      for (auto& x : h0) x = ub(rng);
      const auto want = diag_reference(a, b, h0, channels, len);
      std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end()), h0f(h0.begin(), h0.end());
      const auto wantf = [&] {
        std::vector<double> ad(af.begin(), af.end()), bd(bf.begin(), bf.end()), hd(h0f.begin(), h0f.end());
        return diag_reference(ad, bd, hd, channels, len);
      }();
      for (auto algo : {cu::ScanAlgo::Cub, cu::ScanAlgo::Layered, cu::ScanAlgo::Sequential}) {
        INFO("len " << len << ", channels " << channels << ", " << cu::algo_name(algo));
        std::vector<double> h(n);
        cu::diag_scan<double>(a.data(), b.data(), h0.data(), channels, len, h.data(), algo);
        CHECK(max_abs_diff(h, want) < 1e-11);
        std::vector<float> hf(n);
        cu::diag_scan<float>(af.data(), bf.data(), h0f.data(), channels, len, hf.data(), algo);
        std::vector<double> hfd(hf.begin(), hf.end());
        CHECK(max_abs_diff(hfd, wantf) < 2e-4);
      }
    }
}

TEST_CASE("gpu: bf16 and fp16 inputs accumulate in fp32", "[standard][device][gpu][precision]") {
  PARALLAX_REQUIRE_GPU();
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<float> ua(-0.9f, 0.9f), ub(-1, 1);
  const std::size_t channels = 7, len = 1000, n = channels * len;
  std::vector<std::uint16_t> a(n), b(n);
  std::vector<double> ad(n), bd(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = to_bf16(ua(rng)), b[i] = to_bf16(ub(rng));
    ad[i] = from_bf16(a[i]), bd[i] = from_bf16(b[i]);
  }
  std::vector<float> h0(channels, 0.25f), h(n);
  const auto want = diag_reference(ad, bd, std::vector<double>(channels, 0.25), channels, len);
  for (auto algo : {cu::ScanAlgo::Cub, cu::ScanAlgo::Layered, cu::ScanAlgo::Sequential}) {
    cu::diag_scan_half(a.data(), b.data(), cu::HalfKind::Bf16, h0.data(), channels, len, h.data(), algo);
    CHECK(max_abs_diff(std::vector<double>(h.begin(), h.end()), want) < 1e-4);
  }
}

TEST_CASE("gpu: block and dense scans (k = 2, 3, 5, 16) against the CPU operator, exactly on signed permutations",
          "[standard][device][gpu][scan]") {
  PARALLAX_REQUIRE_GPU();
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> small(-3, 3);
  for (std::size_t k : {std::size_t(2), std::size_t(3), std::size_t(5), std::size_t(16)})
    for (std::size_t len : kLengths) {
      const std::size_t channels = k == 16 ? 2 : 33, n = channels * len;
      std::vector<double> m(n * k * k, 0.0), b(n * k), h0(channels * k);
      for (std::size_t e = 0; e < n; ++e) {
        std::vector<std::size_t> perm(k);
        for (std::size_t i = 0; i < k; ++i) perm[i] = i;
        std::shuffle(perm.begin(), perm.end(), rng);
        for (std::size_t i = 0; i < k; ++i) m[e * k * k + i * k + perm[i]] = small(rng) >= 0 ? 1.0 : -1.0;
      }
      for (auto& x : b) x = small(rng);
      for (auto& x : h0) x = small(rng);
      std::vector<double> want(n * k);
      kernels::DenseAffine<double> op{k};
      for (std::size_t c = 0; c < channels; ++c) {
        auto src = [&](std::size_t t) {
          const std::size_t e = c * len + t;
          return kernels::DenseAffine<double>::element{{m.begin() + e * k * k, m.begin() + (e + 1) * k * k},
                                                        {b.begin() + e * k, b.begin() + (e + 1) * k}};
        };
        kernels::run_sequential(op, src, len, std::vector<double>(h0.begin() + c * k, h0.begin() + (c + 1) * k),
                                [&](std::size_t t, const std::vector<double>& x) {
                                  std::copy(x.begin(), x.end(), want.begin() + (c * len + t) * k);
                                });
      }
      for (auto algo : {cu::ScanAlgo::Layered, cu::ScanAlgo::Sequential}) {
        INFO("k " << k << ", len " << len << ", " << cu::algo_name(algo));
        std::vector<double> h(n * k);
        cu::block_scan<double>(k, m.data(), b.data(), h0.data(), channels, len, h.data(), algo);
        CHECK(h == want);
      }
    }
}

TEST_CASE("gpu: PD scans (d = 5, 8, 11, 64) against PDAffine, exactly", "[standard][device][gpu][scan]") {
  PARALLAX_REQUIRE_GPU();
  std::mt19937_64 rng(4);
  for (std::size_t d : {std::size_t(5), std::size_t(8), std::size_t(11), std::size_t(64)})
    for (std::size_t len : kLengths) {
      const std::size_t sequences = 3, n = sequences * len;
      std::uniform_int_distribution<std::uint32_t> idx(0, std::uint32_t(d - 1));
      std::uniform_int_distribution<int> small(-1, 1), bias(-2, 2);
      std::vector<std::uint32_t> p(n * d);
      std::vector<double> D(n * d), b(n * d), h0(sequences * d);
      for (auto& x : p) x = idx(rng);
      for (auto& x : D) x = small(rng);
      for (auto& x : b) x = bias(rng);
      for (auto& x : h0) x = bias(rng);
      std::vector<double> want(n * d);
      kernels::PDAffine<double> op{d};
      for (std::size_t s = 0; s < sequences; ++s) {
        auto src = [&](std::size_t t) {
          const std::size_t e = (s * len + t) * d;
          return kernels::PDAffine<double>::element{{p.begin() + e, p.begin() + e + d}, {D.begin() + e, D.begin() + e + d},
                                                     {b.begin() + e, b.begin() + e + d}};
        };
        kernels::run_sequential(op, src, len, std::vector<double>(h0.begin() + s * d, h0.begin() + (s + 1) * d),
                                [&](std::size_t t, const std::vector<double>& x) {
                                  std::copy(x.begin(), x.end(), want.begin() + (s * len + t) * d);
                                });
      }
      for (auto algo : {cu::ScanAlgo::Layered, cu::ScanAlgo::Sequential}) {
        INFO("d " << d << ", len " << len << ", " << cu::algo_name(algo));
        std::vector<double> h(n * d);
        cu::pd_scan<double>(d, p.data(), D.data(), b.data(), h0.data(), sequences, len, h.data(), algo);
        CHECK(h == want);
      }
    }
}

namespace {
/// Random inputs [batch][len][m] and the CPU sequential states [batch][len][n].
template <class T>
struct Problem {
  models::Cell cell;
  std::size_t batch, len, n;
  std::vector<T> X, h0, H;
  Problem(models::CellKind kind, std::size_t d, std::size_t m, std::size_t batch_, std::size_t len_, double gain,
          std::uint64_t seed)
      : cell(models::random_cell(kind, d, m, seed, gain)), batch(batch_), len(len_), n(cell.state_dim()) {
    std::mt19937_64 rng(seed + 100);
    std::normal_distribution<double> g(0, 1);
    X.resize(batch * len * m);
    for (auto& x : X) x = T(g(rng));
    h0.assign(batch * n, T(0));
    for (std::size_t i = 0; i < h0.size(); ++i) h0[i] = T(0.1 * std::sin(double(i)));
    H.resize(batch * len * n);
    for (std::size_t s = 0; s < batch; ++s) {
      std::vector<T> Xs(X.begin() + s * len * m, X.begin() + (s + 1) * len * m), h0s(h0.begin() + s * n, h0.begin() + (s + 1) * n), Hs;
      solve::run_sequential(cell, Xs, len, h0s, Hs);
      std::copy(Hs.begin(), Hs.end(), H.begin() + s * len * n);
    }
  }
};
}  // namespace

TEST_CASE("gpu: Newton solves of ParaGRU, ParaLSTM and quasi-DEER GRU reach the sequential states", "[standard][device][gpu][solve]") {
  PARALLAX_REQUIRE_GPU();
  struct Case {
    models::CellKind kind;
    std::size_t d;
  };
  for (Case c : {Case{models::CellKind::ParaGru, 8}, Case{models::CellKind::ParaLstm, 4}, Case{models::CellKind::Gru, 6}})
    for (std::size_t len : {std::size_t(1), std::size_t(33), std::size_t(1000), std::size_t(4099)}) {
      Problem<double> pr(c.kind, c.d, 3, 5, len, 0.8, 7);
      const auto w = solve::device_weights<double>(pr.cell);
      cu::NewtonOptions o;
      o.atol = o.rtol = 1e-12;
      o.max_iter = 200;
      std::vector<double> H(pr.H.size());
      const auto r = cu::newton_solve<double>(w, pr.X.data(), pr.h0.data(), pr.batch, len, H.data(), o);
      INFO(models::cell_kind_name(c.kind) << ", len " << len);
      CHECK(max_abs_diff(H, pr.H) < 1e-9);
      for (std::size_t s = 0; s < pr.batch; ++s) {
        CHECK(r.converged[s] == 1);
        CHECK(r.nonfinite[s] == 0);
        CHECK(r.iterations[s] >= 1);
      }
      std::vector<double> Hs(pr.H.size());
      cu::sequential_cell<double>(w, pr.X.data(), pr.h0.data(), pr.batch, len, Hs.data());
      CHECK(max_abs_diff(Hs, pr.H) < 1e-12);
    }
}

TEST_CASE("gpu: Newton stops per sequence, counts fixed iterations and detects non-finite values", "[standard][device][gpu][solve]") {
  PARALLAX_REQUIRE_GPU();
  Problem<double> pr(models::CellKind::ParaGru, 4, 2, 3, 2000, 0.9, 11);
  // sequence 1 gets inputs ten times larger (slower to converge); sequence 2 a NaN
  for (std::size_t i = 2000 * 2; i < 2 * 2000 * 2; ++i) pr.X[i] *= 10;
  pr.X[2 * 2000 * 2 + 500] = NAN;
  const auto w = solve::device_weights<double>(pr.cell);
  std::vector<double> H(pr.H.size());
  cu::NewtonOptions o;
  o.atol = o.rtol = 1e-10;
  o.max_iter = 100;
  auto r = cu::newton_solve<double>(w, pr.X.data(), pr.h0.data(), 3, 2000, H.data(), o);
  CHECK(r.converged[0] == 1);
  CHECK(r.nonfinite[2] == 1);
  CHECK(r.converged[2] == 0);
  CHECK(r.sweeps == *std::max_element(r.iterations.begin(), r.iterations.end()));
  // the finished sequences' states are those of the sequential run
  for (std::size_t i = 0; i < 2000 * 4; ++i) REQUIRE(std::abs(H[i] - pr.H[i]) < 1e-8);
  o.fixed_iters = 3;
  r = cu::newton_solve<double>(w, pr.X.data(), pr.h0.data(), 3, 2000, H.data(), o);
  CHECK(r.iterations[0] == 3);
  CHECK(r.iterations[1] == 3);
}

TEST_CASE("gpu: the backward transposed scan equals the CPU adjoints", "[standard][device][gpu][scan]") {
  PARALLAX_REQUIRE_GPU();
  for (auto kind : {models::CellKind::ParaGru, models::CellKind::ParaLstm})
    for (std::size_t len : {std::size_t(1), std::size_t(32), std::size_t(1000)}) {
      Problem<double> pr(kind, 5, 2, 2, len, 0.8, 13);
      std::vector<double> G(pr.H.size());
      for (std::size_t i = 0; i < G.size(); ++i) G[i] = std::cos(0.3 * double(i));
      std::vector<double> lambda(G.size());
      const auto w = solve::device_weights<double>(pr.cell);
      cu::adjoint_scan<double>(w, pr.X.data(), pr.H.data(), G.data(), pr.batch, len, lambda.data());
      for (std::size_t s = 0; s < pr.batch; ++s) {
        const std::size_t m = pr.cell.input, n = pr.n;
        std::vector<double> Xs(pr.X.begin() + s * len * m, pr.X.begin() + (s + 1) * len * m);
        std::vector<double> h0s(pr.h0.begin() + s * n, pr.h0.begin() + (s + 1) * n);
        std::vector<double> Hs(pr.H.begin() + s * len * n, pr.H.begin() + (s + 1) * len * n);
        std::vector<double> Gs(G.begin() + s * len * n, G.begin() + (s + 1) * len * n);
        const auto want = solve::adjoint_states(pr.cell, Xs, len, h0s, Hs, Gs);
        std::vector<double> got(lambda.begin() + s * len * n, lambda.begin() + (s + 1) * len * n);
        INFO(models::cell_kind_name(kind) << ", len " << len);
        CHECK(max_abs_diff(got, want) < 1e-10);
      }
    }
}
