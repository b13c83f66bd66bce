// Parallel scans equal the sequential reference: exactly over rationals and
// integers, within a stated bound in floating point.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "kernels/cpu/affine_simd.hpp"
#include "kernels/operators.hpp"
#include "kernels/scan.hpp"
#include "numeric/all.hpp"

using namespace parallax;
using kernels::ScanOptions;
using numeric::BigInt;
using numeric::Exact;

namespace {

const std::vector<std::size_t> kSizes = {0, 1, 2, 3, 5, 7, 8, 9, 13, 31, 64, 97, 127, 256, 257, 1021, 1024, 4099};

std::vector<ScanOptions> option_grid() {
  std::vector<ScanOptions> v;
  for (int threads : {1, 2})
    for (std::size_t block : {std::size_t(0), std::size_t(1), std::size_t(3), std::size_t(7), std::size_t(64)})
      v.push_back({threads, block});
  return v;
}

/// Checks scan / run / reduce in parallel against the sequential versions for
/// one operator and element list; `equal` compares elements and states.
template <class Op, class Eq>
void check_all(const Op& op, const std::vector<typename Op::element>& es, const typename Op::state& h0,
               const ScanOptions& o, Eq&& equal) {
  const std::size_t n = es.size();
  auto src = [&](std::size_t t) -> const typename Op::element& { return es[t]; };
  std::vector<typename Op::element> pre_seq(n), pre_par(n);
  const auto tot_seq = kernels::scan_sequential(op, src, n, [&](std::size_t t, const auto& e) { pre_seq[t] = e; });
  const auto tot_par = kernels::scan_parallel(op, src, n, [&](std::size_t t, const auto& e) { pre_par[t] = e; }, o);
  REQUIRE(equal(tot_seq, tot_par));
  for (std::size_t t = 0; t < n; ++t) REQUIRE(equal(pre_seq[t], pre_par[t]));
  REQUIRE(equal(kernels::reduce_parallel(op, src, n, o), tot_seq));
  REQUIRE(equal(kernels::reduce_tree(op, src, n), tot_seq));
  REQUIRE(equal(kernels::reduce_tree_parallel(op, src, n, o), tot_seq));

  std::vector<typename Op::state> h_seq(n), h_par(n);
  const auto hn_seq = kernels::run_sequential(op, src, n, h0, [&](std::size_t t, const auto& h) { h_seq[t] = h; });
  const auto hn_par = kernels::run_parallel(op, src, n, h0, [&](std::size_t t, const auto& h) { h_par[t] = h; }, o);
  REQUIRE(equal(hn_seq, hn_par));
  for (std::size_t t = 0; t < n; ++t) REQUIRE(equal(h_seq[t], h_par[t]));
  // and the state run equals the total composition applied to h0
  auto h_from_total = op.make_state();
  op.apply(tot_seq, h0, h_from_total);
  REQUIRE(equal(h_from_total, hn_seq));
}

struct Equal {
  template <class A>
  bool operator()(const A& a, const A& b) const {
    if constexpr (requires { a.a; a.b; }) return a.a == b.a && a.b == b.b;
    else if constexpr (requires { a.p; a.D; a.b; }) return a.p == b.p && a.D == b.D && a.b == b.b;
    else if constexpr (requires { a.A; a.b; }) return a.A == b.A && a.b == b.b;
    else if constexpr (requires { a.m; a.b; }) return a.m == b.m && a.b == b.b;
    else return a == b;
  }
};

/// Signed permutation matrices of size k: closed under products, so integer
/// entries stay bounded however long the product.
template <class T>
std::vector<T> signed_permutation(std::size_t k, std::mt19937_64& rng) {
  std::vector<std::size_t> perm(k);
  for (std::size_t i = 0; i < k; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<T> m(k * k, T(0));
  for (std::size_t i = 0; i < k; ++i) m[i * k + perm[i]] = T((rng() & 1) ? 1 : -1);
  return m;
}

}  // namespace

TEST_CASE("scan: scalar affine over exact rationals, parallel == sequential", "[quick][scan]") {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> num(-5, 5), den(1, 4);
  kernels::ScalarAffine<Exact> op;
  for (std::size_t n : kSizes) {
    if (n > 1100) continue;  // rationals grow; the integer tests cover the large sizes
    std::vector<kernels::ScalarAffine<Exact>::element> es(n);
    for (auto& e : es) e = {Exact(num(rng), den(rng)), Exact(num(rng), den(rng))};
    for (const auto& o : option_grid()) {
      INFO("n = " << n << ", threads = " << o.threads << ", block = " << o.block);
      check_all(op, es, Exact(1, 3), o, Equal{});
    }
  }
}

TEST_CASE("scan: diagonal, block-diagonal, PD and dense over integers, parallel == sequential", "[quick][scan]") {
  std::mt19937_64 rng(2);
  std::uniform_int_distribution<int> small(-1, 1), bias(-3, 3);
  using I = std::int64_t;
  for (std::size_t n : kSizes) {
    const std::size_t d = 5;
    kernels::DiagAffine<I> diag{d};
    kernels::BlockDiagAffine<I> blk{2, 2};
    kernels::PDAffine<I> pd{d};
    kernels::DenseAffine<I> dense{3};
    std::vector<kernels::DiagAffine<I>::element> de(n);
    std::vector<kernels::BlockDiagAffine<I>::element> be(n);
    std::vector<kernels::PDAffine<I>::element> pe(n);
    std::vector<kernels::DenseAffine<I>::element> ne(n);
    for (std::size_t t = 0; t < n; ++t) {
      de[t].a.resize(d), de[t].b.resize(d);
      for (std::size_t i = 0; i < d; ++i) de[t].a[i] = small(rng), de[t].b[i] = bias(rng);
      auto m1 = signed_permutation<I>(2, rng), m2 = signed_permutation<I>(2, rng);
      be[t].m = m1;
      be[t].m.insert(be[t].m.end(), m2.begin(), m2.end());
      be[t].b = {bias(rng), bias(rng), bias(rng), bias(rng)};
      pe[t].p.resize(d), pe[t].D.resize(d), pe[t].b.resize(d);
      for (std::size_t j = 0; j < d; ++j)  // any function [d] → [d], not only permutations
        pe[t].p[j] = static_cast<std::uint32_t>(rng() % d), pe[t].D[j] = small(rng), pe[t].b[j] = bias(rng);
      ne[t].A = signed_permutation<I>(3, rng);
      ne[t].b = {bias(rng), bias(rng), bias(rng)};
    }
    for (const auto& o : option_grid()) {
      INFO("n = " << n << ", threads = " << o.threads << ", block = " << o.block);
      check_all(diag, de, std::vector<I>{1, 2, 3, 4, 5}, o, Equal{});
      check_all(blk, be, std::vector<I>{1, -1, 2, 0}, o, Equal{});
      check_all(pd, pe, std::vector<I>{1, 0, -2, 3, 1}, o, Equal{});
      check_all(dense, ne, std::vector<I>{2, -1, 1}, o, Equal{});
    }
  }
}

TEST_CASE("scan: dense 2x2 over big integers and string concatenation, parallel == sequential", "[quick][scan]") {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> entry(-3, 3);
  kernels::DenseAffine<BigInt> op{2};
  auto cat = kernels::make_monoid(std::string(), [](const std::string& a, const std::string& b) { return a + b; });
  for (std::size_t n : {0, 1, 2, 3, 11, 64, 131, 256}) {
    std::vector<kernels::DenseAffine<BigInt>::element> es(n);
    for (auto& e : es) e = {{entry(rng), entry(rng), entry(rng), entry(rng)}, {entry(rng), entry(rng)}};
    std::vector<std::string> words(n);
    for (std::size_t t = 0; t < n; ++t) words[t] = std::string(1, char('a' + t % 26)) + std::to_string(t);
    std::string joined;
    for (const auto& w : words) joined += w;
    auto wsrc = [&](std::size_t t) { return words[t]; };
    for (const auto& o : option_grid()) {
      INFO("n = " << n << ", threads = " << o.threads << ", block = " << o.block);
      check_all(op, es, std::vector<BigInt>{1, 1}, o, Equal{});
      // a non-commutative monoid: every prefix is the concatenation in order
      std::vector<std::string> pre(n);
      const auto total = kernels::scan_parallel(cat, wsrc, n, [&](std::size_t t, const std::string& s) { pre[t] = s; }, o);
      REQUIRE(total == joined);
      std::string expect;
      for (std::size_t t = 0; t < n; ++t) {
        expect += words[t];
        REQUIRE(pre[t] == expect);
      }
      REQUIRE(kernels::reduce_parallel(cat, wsrc, n, o) == joined);
      REQUIRE(kernels::reduce_tree(cat, wsrc, n) == joined);
      REQUIRE(kernels::reduce_tree_parallel(cat, wsrc, n, o) == joined);
    }
  }
}

TEST_CASE("scan: 2^20 affine maps mod 2^64, primes and powers of two, 1 and 2 threads", "[standard][scan]") {
  // x ↦ a x + b over unsigned 64-bit integers (wrap-around is exact modular
  // arithmetic): non-commutative, and every regrouping must give the same bits.
  struct Mod64 {
    std::uint64_t a, b;
  };
  auto op = kernels::make_monoid(Mod64{1, 0}, [](const Mod64& f, const Mod64& g) {
    return Mod64{g.a * f.a, g.a * f.b + g.b};
  });
  std::mt19937_64 rng(4);
  const std::size_t N = std::size_t(1) << 20;
  std::vector<Mod64> es(N);
  for (auto& e : es) e = {rng() | 1, rng()};
  auto src = [&](std::size_t t) -> const Mod64& { return es[t]; };
  for (std::size_t n : {std::size_t(65521), std::size_t(65536), std::size_t(1000003), N}) {
    std::vector<std::uint64_t> seq_b(n);
    const auto tot = kernels::scan_sequential(op, src, n, [&](std::size_t t, const Mod64& e) { seq_b[t] = e.b; });
    for (int threads : {1, 2}) {
      for (std::size_t block : {std::size_t(0), std::size_t(1000)}) {
        INFO("n = " << n << ", threads = " << threads << ", block = " << block);
        std::size_t mismatches = 0;
        const auto par = kernels::scan_parallel(
            op, src, n, [&](std::size_t t, const Mod64& e) { mismatches += (e.b != seq_b[t]); }, {threads, block});
        CHECK(mismatches == 0);
        CHECK(par.a == tot.a);
        CHECK(par.b == tot.b);
        const auto red = kernels::reduce_parallel(op, src, n, {threads, block});
        CHECK(red.a == tot.a);
        CHECK(red.b == tot.b);
      }
    }
    const auto tree = kernels::reduce_tree(op, src, n);
    CHECK(tree.a == tot.a);
    CHECK(tree.b == tot.b);
    const auto ptree = kernels::reduce_tree_parallel(op, src, n, {2, 0});
    CHECK(ptree.a == tot.a);
    CHECK(ptree.b == tot.b);
  }
}

TEMPLATE_TEST_CASE("scan: floating point parallel run within the stated bound of the sequential run", "[standard][scan]", float,
                   double) {
  // Contractive maps |a| ≤ ρ = 0.99, |b| ≤ 1: states are bounded by
  // H = 1 / (1 − ρ) = 100 and rounding errors decay over ~1/(1 − ρ) steps.
  // Stated bound: |h_par − h_seq| ≤ 64 · u · H / (1 − ρ), u the unit roundoff.
  using T = TestType;
  const double u = std::ldexp(1.0, -std::numeric_limits<T>::digits);
  const double bound = 64 * u * 100 * 100;
  const std::size_t n = std::size_t(1) << 20;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> ua(-0.99, 0.99), ub(-1, 1);
  std::vector<typename kernels::ScalarAffine<T>::element> es(n);
  for (auto& e : es) e = {T(ua(rng)), T(ub(rng))};
  kernels::ScalarAffine<T> op;
  auto src = [&](std::size_t t) -> const auto& { return es[t]; };
  std::vector<T> seq(n);
  kernels::run_sequential(op, src, n, T(0), [&](std::size_t t, T h) { seq[t] = h; });
  for (int threads : {1, 2}) {
    std::vector<T> par(n);
    kernels::run_parallel(op, src, n, T(0), [&](std::size_t t, T h) { par[t] = h; }, {threads, 0});
    double max_err = 0;
    for (std::size_t t = 0; t < n; ++t) max_err = std::max(max_err, std::fabs(double(par[t]) - double(seq[t])));
    INFO("threads = " << threads << ", max error = " << max_err << ", bound = " << bound);
    CHECK(max_err <= bound);
  }
}

TEST_CASE("scan: workers see the caller's numeric context, and errors propagate", "[quick][errors][scan]") {
  numeric::Context ctx;
  ctx.float_mantissa = 8;
  ctx.float_exponent = 8;
  numeric::ContextGuard guard(ctx);
  kernels::ScalarAffine<numeric::EmuFloat> op;
  std::atomic<int> wrong{0};
  auto src = [&](std::size_t t) {
    if (numeric::current_context().float_mantissa != 8) ++wrong;
    return kernels::ScalarAffine<numeric::EmuFloat>::element{numeric::from_exact<numeric::EmuFloat>(Exact(t % 5, 7)),
                                                              numeric::from_exact<numeric::EmuFloat>(Exact(1, 3))};
  };
  // Every value a worker produces is a bf16 number (8-bit significand).
  std::atomic<int> not_bf16{0};
  kernels::run_parallel(
      op, src, 3000, numeric::zero<numeric::EmuFloat>(),
      [&](std::size_t, const numeric::EmuFloat& h) {
        if (numeric::round_exact_to_binary(Exact(h.v), 8, 8) != h.v) ++not_bf16;
      },
      {2, 16});
  CHECK(wrong == 0);
  CHECK(not_bf16 == 0);
  // the tree's tasks, run by any thread of the team, see it too
  kernels::reduce_tree_parallel(op, src, 3000, {2, 0});
  CHECK(wrong == 0);

  auto bad = [](std::size_t t) -> kernels::ScalarAffine<double>::element {
    if (t == 777) throw std::runtime_error("boom at 777");
    return {1.0, 1.0};
  };
  kernels::ScalarAffine<double> dop;
  for (int threads : {1, 2}) {
    CHECK_THROWS_WITH(kernels::run_parallel(dop, bad, 5000, 0.0, kernels::no_sink, {threads, 10}), "boom at 777");
    CHECK_THROWS_WITH(kernels::reduce_parallel(dop, bad, 5000, {threads, 0}), "boom at 777");
    CHECK_THROWS_WITH(kernels::reduce_tree_parallel(dop, bad, 5000, {threads, 0}), "boom at 777");
  }
}

TEMPLATE_TEST_CASE("scan: SIMD-lane affine kernel over arrays equals the sequential loop", "[quick][scan]", float,
                   double) {
  // a ∈ {−1, 0, 1} and small integer b: every operation is exact, so any
  // grouping must reproduce the loop bit for bit; this checks lanes, tails,
  // block boundaries and the carry chain.
  using T = TestType;
  std::mt19937_64 rng(6);
  const std::size_t N = 70001;
  std::vector<T> a(N), b(N);
  for (std::size_t t = 0; t < N; ++t) a[t] = T(int(rng() % 3) - 1), b[t] = T(int(rng() % 7) - 3);
  for (std::size_t n : {0, 1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 127, 1021, 4096, 65521, 70001}) {
    std::vector<T> ref(n);
    T x = T(2);
    for (std::size_t t = 0; t < n; ++t) ref[t] = x = a[t] * x + b[t];
    for (int threads : {1, 2}) {
      for (std::size_t block : {std::size_t(0), std::size_t(1), std::size_t(40), std::size_t(129), std::size_t(1000)}) {
        INFO("n = " << n << ", threads = " << threads << ", block = " << block);
        std::vector<T> h(n, T(-99));
        const T last = kernels::cpu::run_affine_arrays(a.data(), b.data(), h.data(), n, T(2), {threads, block});
        CHECK(h == ref);
        CHECK(last == (n ? ref.back() : T(2)));
      }
    }
  }
}

TEMPLATE_TEST_CASE("scan: SIMD-lane affine kernel within the stated bound on contractive maps", "[standard][scan]", float, double) {
  using T = TestType;
  const double u = std::ldexp(1.0, -std::numeric_limits<T>::digits);
  const double bound = 64 * u * 100 * 100;  // as for the chained scan
  const std::size_t n = std::size_t(1) << 20;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> ua(-0.99, 0.99), ub(-1, 1);
  std::vector<T> a(n), b(n), ref(n), h(n);
  for (std::size_t t = 0; t < n; ++t) a[t] = T(ua(rng)), b[t] = T(ub(rng));
  T x = 0;
  for (std::size_t t = 0; t < n; ++t) ref[t] = x = a[t] * x + b[t];
  for (int threads : {1, 2}) {
    kernels::cpu::run_affine_arrays(a.data(), b.data(), h.data(), n, T(0), {threads, 0});
    double worst = 0;
    for (std::size_t t = 0; t < n; ++t) worst = std::max(worst, std::fabs(double(h[t]) - double(ref[t])));
    INFO("threads = " << threads << ", max error = " << worst);
    CHECK(worst <= bound);
  }
}

TEST_CASE("scan: a block longer than the input, up to 2^64 - 1 elements, is the whole input", "[quick][errors][scan]") {
  // (n + B − 1) / B wrapped to zero blocks for B = 2^64 − 1 (a heap overflow); a
  // block is now at most the input, whatever --block asks for
  constexpr std::size_t kHuge = std::numeric_limits<std::size_t>::max();
  CHECK(kernels::cpu::block_count(10, kHuge) == 1);
  CHECK(kernels::cpu::block_count(kHuge, 1) == kHuge);
  CHECK(kernels::cpu::block_count(kHuge, 2) == kHuge / 2 + 1);
  CHECK(kernels::cpu::block_count(0, 7) == 0);
  std::mt19937_64 rng(11);
  std::vector<kernels::ScalarAffine<BigInt>::element> es(257);
  for (auto& e : es) e = {BigInt(int(rng() % 5) - 2), BigInt(int(rng() % 9) - 4)};
  for (int threads : {1, 2})
    for (std::size_t block : {std::size_t(257), std::size_t(258), std::size_t(1) << 40, kHuge - 1, kHuge}) {
      INFO("threads = " << threads << ", block = " << block);
      check_all(kernels::ScalarAffine<BigInt>{}, es, BigInt(3), ScanOptions{threads, block}, Equal{});
    }
  // small trivially copyable elements take the prefix path, whose scratch holds a block: at most the input now
  struct Mod64 {
    std::uint64_t a, b;
  };
  auto mop = kernels::make_monoid(Mod64{1, 0}, [](const Mod64& f, const Mod64& g) { return Mod64{g.a * f.a, g.a * f.b + g.b}; });
  std::vector<Mod64> ms(3001);
  for (auto& m : ms) m = {rng() | 1, rng()};
  auto msrc = [&](std::size_t t) -> const Mod64& { return ms[t]; };
  std::vector<std::uint64_t> seq_b(ms.size());
  const auto tot = kernels::scan_sequential(mop, msrc, ms.size(), [&](std::size_t t, const Mod64& e) { seq_b[t] = e.b; });
  for (std::size_t block : {std::size_t(1) << 62, kHuge}) {
    std::size_t mismatches = 0;
    const auto par = kernels::scan_parallel(
        mop, msrc, ms.size(), [&](std::size_t t, const Mod64& e) { mismatches += (e.b != seq_b[t]); }, {2, block});
    CHECK(mismatches == 0);
    CHECK((par.a == tot.a && par.b == tot.b));
  }
  std::vector<double> a(1000), b(1000), h(1000), ref(1000);
  double x = 1;
  for (std::size_t t = 0; t < a.size(); ++t) a[t] = double(int(rng() % 3) - 1), b[t] = double(int(rng() % 5) - 2), ref[t] = x = a[t] * x + b[t];
  for (std::size_t block : {std::size_t(1001), kHuge}) {
    INFO("block = " << block);
    CHECK(kernels::cpu::run_affine_arrays(a.data(), b.data(), h.data(), a.size(), 1.0, {2, block}) == ref.back());
    CHECK(h == ref);
  }
}

TEMPLATE_TEST_CASE("scan: without a sink a native-float run skips pass C, with the same final state", "[quick][scan]", float,
                   double, numeric::EmuFloat) {
  using T = TestType;
  kernels::DiagAffine<T> op{3};
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-0.95, 0.95);
  const std::size_t n = 5000;
  std::vector<typename kernels::DiagAffine<T>::element> es(n);
  for (auto& e : es)
    for (int i = 0; i < 3; ++i) e.a.push_back(numeric::from_double<T>(u(rng))), e.b.push_back(numeric::from_double<T>(u(rng)));
  const std::vector<T> h0(3, numeric::from_double<T>(0.5));
  for (const auto& o : option_grid()) {
    std::atomic<std::size_t> reads{0};
    auto src = [&](std::size_t t) -> const typename kernels::DiagAffine<T>::element& {
      ++reads;
      return es[t];
    };
    std::atomic<std::size_t> sunk{0};  // the sink is called from every thread
    const auto with_sink = kernels::run_parallel(op, src, n, h0, [&](std::size_t, const auto&) { ++sunk; }, o);
    CHECK(sunk == n);
    CHECK(reads == 2 * n);  // pass A and pass C
    reads = 0;
    const auto without = kernels::run_parallel(op, src, n, h0, kernels::no_sink, o);
    CHECK(without == with_sink);  // bit for bit: pass C never fed the carries
    // native floats: pass A only; the emulated float keeps pass C (its events)
    CHECK(reads == (std::is_floating_point_v<T> ? n : 2 * n));
  }
}

TEST_CASE("scan: the poll runs on the calling thread between blocks, and its exception stops the run", "[quick][errors][scan]") {
  kernels::ScalarAffine<double> op;
  auto src = [](std::size_t) { return kernels::ScalarAffine<double>::element{0.5, 1.0}; };
  const std::size_t n = 6400, block = 64, blocks = n / block;
  const auto caller = std::this_thread::get_id();
  for (int threads : {1, 2}) {
    std::size_t calls = 0, elsewhere = 0;
    ScanOptions o{threads, block, [&] {
                    ++calls;
                    if (std::this_thread::get_id() != caller) ++elsewhere;
                  }};
    const double h = kernels::run_parallel(op, src, n, 0.0, kernels::no_sink, o);
    CHECK(h == Approx(2.0));
    CHECK(calls == (blocks + threads - 1) / threads);  // every block of thread 0, the caller
    CHECK(elsewhere == 0);
    // a poll that throws at its third call: the exception reaches the caller, most blocks never run
    std::atomic<std::size_t> sunk{0};
    calls = 0;
    o.poll = [&] {
      if (++calls == 3) throw std::runtime_error("interrupted");
    };
    CHECK_THROWS_WITH(kernels::run_parallel(op, src, n, 0.0, [&](std::size_t, double) { ++sunk; }, o), "interrupted");
    CHECK(sunk < n / 2);
    // the SIMD array kernel polls too
    std::vector<double> a(n, 0.5), b(n, 1.0), out(n);
    calls = 0;
    CHECK_THROWS_WITH(kernels::cpu::run_affine_arrays(a.data(), b.data(), out.data(), n, 0.0, o), "interrupted");
    CHECK(calls == 3);
  }
}
