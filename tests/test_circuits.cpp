// Circuit IR, evaluation and metrics; prefix networks against a non-commutative
// operator and against their closed forms.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/recognizer.hpp"
#include "circuits/aig.hpp"
#include "circuits/circuit.hpp"
#include "circuits/evaluate.hpp"
#include "circuits/json.hpp"
#include "circuits/lrnn_circuit.hpp"
#include "circuits/metrics.hpp"
#include "circuits/prefix.hpp"
#include "circuits/rnn_circuit.hpp"
#include "models/lrnn.hpp"
#include "numeric/all.hpp"

using namespace parallax;
using circuits::Circuit;
using circuits::GateKind;
using circuits::Network;
using numeric::Exact;

namespace {

std::size_t ceil_log2(std::size_t n) {
  std::size_t l = 0;
  while ((std::size_t(1) << l) < n) ++l;
  return l;
}

/// Σ over levels of the positions with bit l set: Sklansky's size.
std::size_t sklansky_size(std::size_t n) {
  std::size_t s = 0;
  for (std::size_t l = 0; (std::size_t(1) << l) < n; ++l) {
    const std::size_t block = std::size_t(1) << (l + 1), half = std::size_t(1) << l;
    s += (n / block) * half + (n % block > half ? n % block - half : 0);
  }
  return s;
}

std::size_t kogge_stone_size(std::size_t n) {
  std::size_t s = 0;
  for (std::size_t d = 1; d < n; d <<= 1) s += n - d;
  return s;
}

std::size_t brent_kung_size(std::size_t n) {
  std::size_t s = 0;
  for (std::size_t d = 1; d <= n; d <<= 1) {
    s += n / (2 * d);                       // up-sweep at distance d
    if (n / d >= 1) s += (n / d - 1) / 2;   // down-sweep at distance d
  }
  return s;
}

std::size_t floor_log2(std::size_t x) {  // x ≥ 1
  std::size_t l = 0;
  while (x >>= 1) ++l;
  return l;
}

/// Longest path of Brent–Kung: one step for each threshold 2, 2^k − 1 and
/// 3·2^(k−1) − 1 (k ≥ 2) not above n.
std::size_t brent_kung_depth(std::size_t n) {
  if (n < 2) return 0;
  return floor_log2(n + 1) + ((n + 1) / 3 >= 1 ? floor_log2((n + 1) / 3) : 0);
}

/// Longest path of Ladner–Fischer (pairs, Sklansky on the odd positions, evens).
std::size_t ladner_fischer_depth(std::size_t n) {
  if (n < 4) return n < 2 ? 0 : n - 1;
  return 2 + floor_log2(n - 3);
}

std::size_t ladner_fischer_size(std::size_t n) {
  if (n < 2) return 0;
  return n / 2 + sklansky_size(n / 2) + (n - 1) / 2;
}

/// 2×2 matrices over unsigned 64-bit integers (exact modular arithmetic): not commutative.
struct M2 {
  std::uint64_t a, b, c, d;
  bool operator==(const M2&) const = default;
};
M2 mul(const M2& x, const M2& y) {  // x · y
  return {x.a * y.a + x.b * y.c, x.a * y.b + x.b * y.d, x.c * y.a + x.d * y.c, x.c * y.b + x.d * y.d};
}

}  // namespace

TEST_CASE("circuits: prefix networks compute every prefix of a non-commutative operator", "[quick][circuits]") {
  std::mt19937_64 rng(1);
  for (Network net : circuits::all_networks()) {
    for (std::size_t n = 0; n <= 300; ++n) {
      INFO(circuits::to_string(net) << " n = " << n);
      std::vector<std::string> words(n);
      for (std::size_t i = 0; i < n; ++i) words[i] = std::string(1, char('a' + i % 26)) + std::to_string(i) + ".";
      const auto pre = circuits::apply_prefix(net, words, [](const std::string& x, const std::string& y) { return x + y; });
      std::string fold;
      bool ok = true;
      for (std::size_t i = 0; i < n; ++i) {
        fold += words[i];
        ok = ok && pre[i] == fold;
      }
      CHECK(ok);
      std::vector<M2> ms(n);
      for (auto& m : ms) m = {rng() % 5, rng() % 5, rng() % 5, rng() % 5 + 1};
      const auto pm = circuits::apply_prefix(net, ms, [](const M2& x, const M2& y) { return mul(x, y); });
      M2 acc{1, 0, 0, 1};
      bool okm = true;
      for (std::size_t i = 0; i < n; ++i) {
        acc = mul(acc, ms[i]);
        okm = okm && pm[i] == acc;
      }
      CHECK(okm);
    }
  }
}

TEST_CASE("circuits: prefix network sizes and depths equal their closed forms", "[quick][circuits]") {
  for (std::size_t n = 1; n <= 300; ++n) {
    INFO("n = " << n);
    auto st = circuits::prefix_stats(Network::Serial, n);
    CHECK(st.size == n - 1);
    CHECK(st.depth == n - 1);
    st = circuits::prefix_stats(Network::Sklansky, n);
    CHECK(st.size == sklansky_size(n));
    CHECK(st.depth == ceil_log2(n));
    st = circuits::prefix_stats(Network::KoggeStone, n);
    CHECK(st.size == kogge_stone_size(n));
    CHECK(st.depth == ceil_log2(n));
    st = circuits::prefix_stats(Network::BrentKung, n);
    CHECK(st.size == brent_kung_size(n));
    CHECK(st.depth == brent_kung_depth(n));
    st = circuits::prefix_stats(Network::LadnerFischer, n);
    CHECK(st.size == ladner_fischer_size(n));
    CHECK(st.depth == ladner_fischer_depth(n));
  }
}

TEST_CASE("circuits: prefix networks on powers of two up to 2^20", "[standard][circuits]") {
  for (std::size_t k = 0; k <= 20; ++k) {
    const std::size_t n = std::size_t(1) << k;
    INFO("n = 2^" << k);
    auto st = circuits::prefix_stats(Network::Sklansky, n);
    CHECK(st.size == (n / 2) * k);
    CHECK(st.depth == k);
    st = circuits::prefix_stats(Network::KoggeStone, n);
    CHECK(st.size == n * k - (n - 1));
    CHECK(st.depth == k);
    st = circuits::prefix_stats(Network::BrentKung, n);
    CHECK(st.size == (k ? 2 * n - 2 - k : 0));
    // longest path: 2k − 2 (the usual drawing has 2k − 1 levels, but its top
    // up-sweep node lies on no longest path)
    CHECK(st.depth == (k <= 1 ? k : 2 * k - 2));
    CHECK(st.depth == brent_kung_depth(n));
    if (k >= 2) {
      st = circuits::prefix_stats(Network::LadnerFischer, n);
      CHECK(st.size == n - 1 + (n / 4) * (k - 1));
      CHECK(st.depth == (k == 2 ? 2 : k + 1));
      CHECK(st.depth == ladner_fischer_depth(n));
    }
    if (k <= 16) {
      st = circuits::prefix_stats(Network::Serial, n);
      CHECK(st.size == n - 1);
      CHECK(st.depth == n - 1);
    }
  }
}

TEST_CASE("circuits: arithmetic evaluation over exact rationals and floats", "[quick][circuits]") {
  Circuit c;
  const auto x = c.input(), y = c.input();
  const auto half = c.constant(Exact(1, 2));
  const auto s = c.add(x, y);                 // x + y
  const auto p = c.mul(s, half);              // (x + y) / 2
  const auto d = c.sub(p, c.neg(y));          // (x + y)/2 + y
  const auto r = c.relu(c.sub(x, y));         // max(x − y, 0)
  const auto m = c.max(x, y);
  const auto pos = c.positive(c.sub(x, y));
  const auto big = c.product({x, y, half});   // x·y/2
  const auto tot = c.sum({x, y, d, r});
  for (auto g : {p, d, r, m, pos, big, tot}) c.mark_output(g);
  const auto out = circuits::evaluate<Exact>(c, {Exact(1, 3), Exact(-2)});
  const Exact X(1, 3), Y(-2);
  CHECK(out[0] == (X + Y) / 2);
  CHECK(out[1] == (X + Y) / 2 + Y);
  CHECK(out[2] == X - Y);
  CHECK(out[3] == X);
  CHECK(out[4] == 1);
  CHECK(out[5] == X * Y / 2);
  CHECK(out[6] == X + Y + (X + Y) / 2 + Y + (X - Y));
  const auto fo = circuits::evaluate<double>(c, {1.0 / 3, -2.0});
  for (std::size_t i = 0; i < out.size(); ++i) CHECK(std::fabs(fo[i] - out[i].convert_to<double>()) < 1e-12);
  CHECK_THROWS_AS(circuits::evaluate<Exact>(c, {Exact(1)}), std::invalid_argument);
  CHECK_THROWS_AS(c.add(x, 999), std::invalid_argument);
  CHECK_THROWS_AS(c.gate(GateKind::Add, {x}), std::invalid_argument);
  CHECK_THROWS_AS(c.threshold({x, y}, 3), std::invalid_argument);
}

TEST_CASE("circuits: Boolean and threshold gates, bits against scalars", "[quick][circuits][precision]") {
  // random Boolean/threshold DAGs: the bit evaluator and the exact evaluator agree
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 200; ++trial) {
    Circuit c;
    const std::size_t ni = 1 + rng() % 6;
    std::vector<circuits::GateId> ids;
    for (std::size_t i = 0; i < ni; ++i) ids.push_back(c.input());
    ids.push_back(c.constant(Exact(rng() % 2)));
    for (int g = 0; g < 30; ++g) {
      const std::size_t f = 1 + rng() % 5;
      std::vector<circuits::GateId> ops;
      for (std::size_t i = 0; i < f; ++i) ops.push_back(ids[rng() % ids.size()]);
      switch (rng() % 6) {
        case 0: ids.push_back(c.bnot(ops[0])); break;
        case 1: ids.push_back(f >= 2 ? c.gate(GateKind::And, ops) : c.bnot(ops[0])); break;
        case 2: ids.push_back(f >= 2 ? c.gate(GateKind::Or, ops) : c.bnot(ops[0])); break;
        case 3: ids.push_back(f >= 2 ? c.gate(GateKind::Xor, ops) : c.bnot(ops[0])); break;
        case 4: ids.push_back(c.threshold(ops, static_cast<std::uint32_t>(rng() % (f + 1)))); break;
        default: ids.push_back(c.majority(ops)); break;
      }
    }
    for (std::size_t i = ni + 1; i < ids.size(); i += 3) c.mark_output(ids[i]);
    for (std::size_t mask = 0; mask < (std::size_t(1) << ni); ++mask) {
      std::vector<bool> bits(ni);
      std::vector<Exact> qs(ni);
      for (std::size_t i = 0; i < ni; ++i) bits[i] = (mask >> i) & 1, qs[i] = Exact(int(bits[i]));
      const auto b = circuits::evaluate_bits(c, bits);
      const auto q = circuits::evaluate<Exact>(c, qs);
      REQUIRE(b.size() == q.size());
      for (std::size_t i = 0; i < b.size(); ++i) REQUIRE(Exact(int(b[i])) == q[i]);
    }
  }
  // hand-checked truth tables
  Circuit c;
  const auto a = c.input(), b = c.input(), d = c.input();
  c.mark_output(c.threshold({a, b, d}, 2));
  c.mark_output(c.majority({a, b, d}));
  c.mark_output(c.gate(GateKind::Xor, {a, b, d}));
  for (int m = 0; m < 8; ++m) {
    const bool x = m & 1, y = m & 2, z = m & 4;
    const auto o = circuits::evaluate_bits(c, {x, y, z});
    CHECK(o[0] == (x + y + z >= 2));
    CHECK(o[1] == (x + y + z >= 2));
    CHECK(o[2] == ((x + y + z) % 2 == 1));
  }
  Circuit arith;
  arith.mark_output(arith.add(arith.input(), arith.input()));
  CHECK_THROWS_AS(circuits::evaluate_bits(arith, {true, false}), std::invalid_argument);
}

TEST_CASE("circuits: metrics of known circuits", "[quick][circuits]") {
  // a balanced binary tree of additions over 16 inputs, then one product gate of fan-in 16
  Circuit c;
  std::vector<circuits::GateId> xs;
  for (int i = 0; i < 16; ++i) xs.push_back(c.input());
  auto level = xs;
  while (level.size() > 1) {
    std::vector<circuits::GateId> next;
    for (std::size_t i = 0; i < level.size(); i += 2) next.push_back(c.add(level[i], level[i + 1]));
    level = next;
  }
  const auto prod = c.product(xs);
  const auto top = c.mul(level[0], prod);
  c.mark_output(top);
  const auto m = circuits::measure(c);
  CHECK(m.size == 15 + 1 + 1);
  CHECK(m.per_kind[int(GateKind::Add)] == 15);
  CHECK(m.per_kind[int(GateKind::Input)] == 16);
  CHECK(m.depth == 5);          // 4 levels of additions, then the multiplication
  CHECK(m.mult_depth == 2);     // product, then mul
  CHECK(m.depth_bounded == 5);  // the fan-in 16 product expands to depth 4, then mul
  CHECK(m.max_fanin == 16);
  REQUIRE(m.width.size() == 6);
  CHECK(m.width[0] == 16);
  CHECK(m.width[1] == 9);  // 8 additions and the product
  CHECK(m.width[5] == 1);
  CHECK(m.bytes == c.size() * 16 + c.edges().size() * 4 + 4);
  Circuit t;
  std::vector<circuits::GateId> ins;
  for (int i = 0; i < 100; ++i) ins.push_back(t.input());
  t.mark_output(t.majority(ins));
  const auto mt = circuits::measure(t);
  CHECK(mt.depth == 1);
  CHECK(mt.depth_bounded == 7 + 1);  // ⌈log₂ 100⌉ word additions, then the comparison
}

TEST_CASE("circuits: a 10^7-gate circuit is built and measured in seconds, 16 bytes per gate plus edges", "[standard][circuits]") {
  const auto t0 = std::chrono::steady_clock::now();
  Circuit c;
  const std::size_t n = 2'500'000;
  c.reserve(4 * n + 2, 8 * n);
  auto h = c.input();
  for (std::size_t t = 0; t < n; ++t) {  // h ← a·h + b, one input pair per step
    const auto a = c.input(), b = c.input();
    h = c.add(c.mul(a, h), b);
  }
  c.mark_output(h);
  const auto m = circuits::measure(c);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(c.size() >= 7'500'000);
  CHECK(m.depth == 2 * n);
  CHECK(m.mult_depth == n);
  CHECK(double(c.bytes()) <= 32.0 * double(c.size()) + 4.0 * double(c.edges().size()));
  WARN("built and measured " << c.size() << " gates in " << secs << " s, " << c.bytes() / 1e6 << " MB");
}



TEST_CASE("circuits: LRNN circuits over exact rationals equal the model's sequential run", "[quick][circuits]") {
  std::mt19937_64 rng(3);
  std::vector<models::LrnnSpec> specs;
  for (const char* name : {"parity", "mod3", "rotation", "s5-householder"}) specs.push_back(models::named_model(name));
  for (auto st : {models::Structure::Diagonal, models::Structure::Complex, models::Structure::PermutationDiagonal,
                  models::Structure::Dplr, models::Structure::Dense})
    specs.push_back(models::random_lrnn(st, 4, 3, rng()));
  for (const auto& spec : specs) {
    for (Network net : circuits::all_networks()) {
      for (std::size_t n : {1, 2, 5, 9}) {
        INFO(spec.name << " (" << models::to_string(spec.structure) << "), " << circuits::to_string(net) << ", n = " << n);
        const auto c = circuits::lrnn_circuit(spec, n, net);
        for (int trial = 0; trial < 3; ++trial) {
          std::vector<std::uint32_t> w(n);
          for (auto& x : w) x = std::uint32_t(rng() % spec.alphabet.size());
          const auto out = circuits::evaluate<Exact>(c, circuits::one_hot_inputs(spec, w));
          REQUIRE(out.size() == n + 1);
          CHECK(out[n] == models::run_lrnn<Exact>(spec, w, false).score);
          for (std::size_t t = 0; t < n; ++t) {
            const std::vector<std::uint32_t> prefix(w.begin(), w.begin() + t + 1);
            const bool acc = models::run_lrnn<Exact>(spec, prefix, false).accept == numeric::Sign::Positive;
            CHECK(out[t] == Exact(acc ? 1 : 0));
          }
        }
      }
    }
  }
}

TEST_CASE("circuits: diagonal LRNN depth grows as log n (bounded) or stays constant (unbounded)", "[quick][circuits]") {
  std::mt19937_64 rng(4);
  const auto spec = models::random_lrnn(models::Structure::Diagonal, 4, 3, rng());
  std::vector<std::size_t> bounded, unbounded;
  for (std::size_t n : {8, 16, 32, 64}) {
    const auto cb = circuits::lrnn_circuit(spec, n, Network::Sklansky);
    const auto cu = circuits::lrnn_circuit(spec, n, Network::Sklansky, circuits::FanIn::Unbounded);
    bounded.push_back(circuits::measure(cb).depth);
    unbounded.push_back(circuits::measure(cu).depth);
    CHECK(circuits::measure(cb).max_fanin <= 2);
    // the unbounded circuit computes the same final score
    std::vector<std::uint32_t> w(n);
    for (auto& x : w) x = std::uint32_t(rng() % 3);
    const auto out = circuits::evaluate<Exact>(cu, circuits::one_hot_inputs(spec, w));
    CHECK(out.at(1) == models::run_lrnn<Exact>(spec, w, false).score);
  }
  for (std::size_t i = 1; i < bounded.size(); ++i) {
    CHECK(bounded[i] > bounded[i - 1]);       // grows with n …
    CHECK(bounded[i] - bounded[i - 1] <= 3);  // … by a constant per doubling: O(log n)
    CHECK(unbounded[i] == unbounded[0]);      // constant depth
  }
  CHECK_THROWS_AS(circuits::lrnn_circuit(models::named_model("mod3"), 4, Network::Serial, circuits::FanIn::Unbounded),
                  std::invalid_argument);
}

TEST_CASE("circuits: a ReLU RNN unrolls into a circuit of depth linear in n", "[quick][circuits]") {
  std::mt19937_64 rng(5);
  const auto rnn = models::random_relu_rnn(4, 9);
  std::vector<std::size_t> depth;
  for (std::size_t n : {4, 8, 16, 32}) {
    const auto c = circuits::relu_rnn_circuit(rnn, n);
    depth.push_back(circuits::measure(c).depth);
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<Exact> xs(n);
      for (auto& x : xs) x = Exact(int(rng() % 9) - 4, 3);
      const auto out = circuits::evaluate<Exact>(c, xs);
      const Exact ref = models::relu_rnn_score<Exact>(rnn, xs);
      CHECK(out.at(1) == ref);
      CHECK(out.at(0) == Exact(ref > 0 ? 1 : 0));
    }
  }
  // depth(2n) − depth(n) doubles with n: linear growth
  for (std::size_t i = 2; i < depth.size(); ++i) CHECK(depth[i] - depth[i - 1] == 2 * (depth[i - 1] - depth[i - 2]));
}

namespace {

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  return out;
}

/// The value of "key = N" in ABC's print_stats line.
long abc_stat(const std::string& text, const std::string& key) {
  const auto pos = text.find(key + " =");
  if (pos == std::string::npos) return -1;
  return std::stol(text.substr(pos + key.size() + 2));
}

bool eval_aig(const circuits::Aig& aig, const std::vector<bool>& in, std::size_t out) {
  std::vector<char> v(1 + aig.inputs + aig.ands.size(), 0);
  for (std::size_t i = 0; i < aig.inputs; ++i) v[1 + i] = in[i];
  auto val = [&](std::uint32_t l) { return bool(v[l / 2]) != bool(l & 1); };
  for (std::size_t i = 0; i < aig.ands.size(); ++i) v[1 + aig.inputs + i] = val(aig.ands[i].first) && val(aig.ands[i].second);
  return val(aig.outputs[out]);
}

}  // namespace

TEST_CASE("circuits: finite-state recognizers as Boolean circuits agree with their automata", "[quick][circuits][recognize]") {
  for (const char* name : {"parity", "contains-aba"}) {
    const auto dfa = automata::builtin_dfa(name);
    for (Network net : circuits::all_networks()) {
      for (std::size_t n = 0; n <= 10; ++n) {
        INFO(name << ", " << circuits::to_string(net) << ", n = " << n);
        const auto c = automata::recognizer_circuit(dfa, n, net);
        const auto aig = circuits::to_aig(c);
        std::size_t wrong = 0;
        for (std::size_t mask = 0; mask < (std::size_t(1) << n); ++mask) {
          std::vector<std::uint32_t> w(n);
          for (std::size_t i = 0; i < n; ++i) w[i] = (mask >> i) & 1;
          const bool want = automata::accepts(dfa, w);
          const auto in = automata::recognizer_inputs(dfa, w);
          wrong += circuits::evaluate_bits(c, in).at(0) != want;
          wrong += eval_aig(aig, in, 0) != want;
        }
        CHECK(wrong == 0);
      }
    }
  }
  std::mt19937_64 rng(8);
  for (const char* name : {"parity", "contains-aba", "s5"}) {
    const auto dfa = automata::builtin_dfa(name);
    const std::size_t n = std::string(name) == "s5" ? 24 : 1000;
    const auto c = automata::recognizer_circuit(dfa, n, Network::Sklansky);
    const auto m = circuits::measure(c);
    INFO(name << ": " << c.size() << " gates, depth " << m.depth);
    CHECK(m.max_fanin <= 2);
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<std::uint32_t> w(n);
      for (auto& x : w) x = std::uint32_t(rng() % 2);
      CHECK(circuits::evaluate_bits(c, automata::recognizer_inputs(dfa, w)).at(0) == automata::accepts(dfa, w));
    }
  }
  // S5 words that multiply to the identity are accepted
  const auto s5 = automata::builtin_dfa("s5");
  const auto c = automata::recognizer_circuit(s5, 16, Network::BrentKung);
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const auto w = models::random_group_word(models::s5_generators(), 16, seed % 2 == 0, seed);
    CHECK(circuits::evaluate_bits(c, automata::recognizer_inputs(s5, w)).at(0) == (seed % 2 == 0));
  }
}

TEST_CASE("circuits: Berkeley ABC reads the AIGER and BLIF exports and agrees on size and depth", "[quick][circuits]") {
  if (run_capture("command -v berkeley-abc").empty()) {
    WARN("berkeley-abc not installed: skipped (scripts/setup.sh installs it)");
    return;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("parallax-abc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto dfa = automata::builtin_dfa("contains-aba");
  std::vector<std::string> files;
  for (Network net : {Network::Sklansky, Network::BrentKung}) {
    const auto aig = circuits::to_aig(automata::recognizer_circuit(dfa, 64, net));
    const auto path = (dir / (circuits::to_string(net) + ".aig")).string();
    {
      std::ofstream f(path, std::ios::binary);
      circuits::write_aiger_binary(aig, f);
    }
    files.push_back(path);
    const auto out = run_capture("berkeley-abc -c \"read " + path + "; print_stats\"");
    INFO(out);
    CHECK(abc_stat(out, "and") == long(aig.and_count()));
    CHECK(abc_stat(out, "lev") == long(aig.levels()));
    const auto blif = (dir / (circuits::to_string(net) + ".blif")).string();
    {
      std::ofstream f(blif);
      circuits::write_blif(aig, f);
    }
    const auto bout = run_capture("berkeley-abc -c \"read " + blif + "; strash; print_stats\"");
    INFO(bout);
    CHECK(abc_stat(bout, "and") > 0);
    CHECK(abc_stat(bout, "and") <= long(aig.and_count()));
  }
  // two structurally different networks of one recognizer: serial (depth n) and Kogge–Stone
  std::vector<std::string> pair;
  for (Network net : {Network::Serial, Network::KoggeStone}) {
    const auto path = (dir / (circuits::to_string(net) + "-16.aig")).string();
    std::ofstream f(path, std::ios::binary);
    circuits::write_aiger_binary(circuits::to_aig(automata::recognizer_circuit(dfa, 16, net)), f);
    pair.push_back(path);
  }
  const auto cec = run_capture("berkeley-abc -c \"cec " + pair[0] + " " + pair[1] + "\"");
  INFO(cec);
  CHECK(cec.find("Networks are equivalent") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("circuits: ASCII AIGER and BLIF describe the AIG", "[quick][circuits]") {
  Circuit c;
  const auto a = c.input(), b = c.input(), d = c.input();
  c.mark_output(c.bor(c.band(a, b), c.bnot(d)));  // ¬(¬(a∧b) ∧ d)
  c.mark_output(c.bxor(a, d));
  const auto aig = circuits::to_aig(c);
  std::ostringstream text;
  circuits::write_aiger(aig, text);
  std::istringstream in(text.str());
  std::string tag;
  std::size_t M, I, L, O, A;
  in >> tag >> M >> I >> L >> O >> A;
  CHECK(tag == "aag");
  CHECK(I == 3);
  CHECK(L == 0);
  CHECK(O == 2);
  CHECK(A == aig.and_count());
  CHECK(M == I + A);
  std::vector<std::uint32_t> ins(I), outs(O);
  for (auto& x : ins) in >> x;
  for (auto& x : outs) in >> x;
  CHECK(ins == std::vector<std::uint32_t>{2, 4, 6});
  CHECK(outs == aig.outputs);
  for (std::size_t i = 0; i < A; ++i) {
    std::uint32_t lhs, r0, r1;
    in >> lhs >> r0 >> r1;
    CHECK(lhs == 2 * (I + 1 + i));
    CHECK(r0 == aig.ands[i].first);
    CHECK(r1 == aig.ands[i].second);
    CHECK(r0 < lhs);
  }
  // the AIG computes the circuit
  for (int m = 0; m < 8; ++m) {
    const std::vector<bool> x{bool(m & 1), bool(m & 2), bool(m & 4)};
    const auto want = circuits::evaluate_bits(c, x);
    CHECK(eval_aig(aig, x, 0) == want[0]);
    CHECK(eval_aig(aig, x, 1) == want[1]);
  }
  std::ostringstream blif;
  circuits::write_blif(aig, blif);
  CHECK(blif.str().find(".inputs x0 x1 x2") != std::string::npos);
  CHECK(blif.str().find(".outputs y0 y1") != std::string::npos);
  Circuit arith;
  arith.mark_output(arith.add(arith.input(), arith.input()));
  CHECK_THROWS_AS(circuits::to_aig(arith), std::invalid_argument);
}

TEST_CASE("circuits: JSON export round-trips; bad files name the line and field", "[quick][circuits][errors][json]") {
  std::vector<Circuit> cs;
  cs.push_back(circuits::lrnn_circuit(models::named_model("s5-householder"), 5, Network::KoggeStone));
  cs.push_back(circuits::lrnn_circuit(models::random_lrnn(models::Structure::Diagonal, 3, 2, 7), 6, Network::Sklansky,
                                      circuits::FanIn::Unbounded));
  cs.push_back(automata::recognizer_circuit(automata::builtin_dfa("contains-aba"), 6, Network::BrentKung));
  {
    Circuit t;
    std::vector<circuits::GateId> xs{t.input(), t.input(), t.input()};
    t.mark_output(t.threshold(xs, 2));
    t.mark_output(t.majority(xs));
    cs.push_back(t);
  }
  for (const auto& c : cs) {
    const auto text = circuits::circuit_to_json(c);
    const auto back = circuits::circuit_from_json_text(text, "c.json");
    CHECK(circuits::circuit_to_json(back) == text);
    CHECK(back.size() == c.size());
    CHECK(back.outputs() == c.outputs());
    std::vector<Exact> in(c.num_inputs());
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = Exact(int(i % 2));
    CHECK(circuits::evaluate<Exact>(back, in) == circuits::evaluate<Exact>(c, in));
  }
  auto err = [](const std::string& text) {
    try {
      circuits::circuit_from_json_text(text, "c.json");
    } catch (const circuits::CircuitFileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string head = "{\"format\": \"parallax-circuit/1\", \"inputs\": 1, \"constants\": [],\n \"gates\": [\n";
  std::string e = err(head + "  {\"kind\": \"input\", \"param\": 0},\n  {\"kind\": \"add\", \"operands\": [0, 1]}\n ],\n \"outputs\": [1]}");
  CHECK(e.find("c.json:4") != std::string::npos);
  CHECK(e.find("/gates/1/operands/1") != std::string::npos);
  e = err(head + "  {\"kind\": \"input\", \"param\": 0},\n  {\"kind\": \"nand\", \"operands\": [0, 0]}\n ],\n \"outputs\": [1]}");
  CHECK(e.find("unknown gate kind") != std::string::npos);
  e = err(head + "  {\"kind\": \"input\", \"param\": 0},\n  {\"kind\": \"neg\", \"operands\": [0, 0]}\n ],\n \"outputs\": [1]}");
  CHECK(e.find("/gates/1") != std::string::npos);
  e = err(head + "  {\"kind\": \"input\", \"param\": 0}\n ],\n \"outputs\": [3]}");
  CHECK(e.find("/outputs/0") != std::string::npos);
}

TEST_CASE("circuits: the S5 recognizer circuit agrees with the automaton on every word of length <= 10", "[standard][circuits][recognize]") {
  const auto s5 = automata::builtin_dfa("s5");
  for (std::size_t n = 0; n <= 10; ++n) {
    const auto c = automata::recognizer_circuit(s5, n, n % 2 ? Network::Sklansky : Network::Serial);
    std::size_t wrong = 0;
    for (std::size_t mask = 0; mask < (std::size_t(1) << n); ++mask) {
      std::vector<std::uint32_t> w(n);
      for (std::size_t i = 0; i < n; ++i) w[i] = (mask >> i) & 1;
      wrong += circuits::evaluate_bits(c, automata::recognizer_inputs(s5, w)).at(0) != automata::accepts(s5, w);
    }
    INFO("n = " << n);
    CHECK(wrong == 0);
  }
}

TEST_CASE("circuits: the S5 recognizer circuit agrees with the automaton on random words of length 1000", "[standard][circuits][recognize]") {
  // a serial network keeps the circuit to n − 1 compositions (about 6·10^7 gates)
  const auto s5 = automata::builtin_dfa("s5");
  const std::size_t n = 1000;
  const auto c = automata::recognizer_circuit(s5, n, Network::Serial);
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const bool identity = seed % 2 == 0;
    const auto w = models::random_group_word(models::s5_generators(), n, identity, seed);
    REQUIRE(automata::accepts(s5, w) == identity);
    CHECK(circuits::evaluate_bits(c, automata::recognizer_inputs(s5, w)).at(0) == identity);
  }
}
