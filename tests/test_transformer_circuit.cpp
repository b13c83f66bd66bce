// Transformers compiled into circuits (circuits/transformer_circuit.hpp): the
// circuit against run_transformer — exactly over the rationals, bit for bit
// at fp64 and an emulated float:12:8 — the depth (constant in n for unbounded
// fan-in, logarithmic for bounded), the size (quadratic in n), the diagonal
// SSM's unbounded-fan-in circuit, and the `parallax circuit` command.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "circuits/evaluate.hpp"
#include "circuits/json.hpp"
#include "circuits/lrnn_circuit.hpp"
#include "circuits/metrics.hpp"
#include "circuits/transformer_circuit.hpp"
#include "cli_harness.hpp"
#include "csv_util.hpp"
#include "models/lrnn.hpp"
#include "models/lrnn_run.hpp"
#include "models/transformer.hpp"
#include "numeric/dispatch.hpp"

using namespace parallax;
using Catch::Matchers::Contains;
using circuits::FanIn;
using models::AttentionKind;
using models::AttentionMask;
using models::TieBreak;
using models::TransformerSpec;
using numeric::Exact;

namespace {

/// A random model; `positions` rows of positional table (0: none), optional bos "a".
TransformerSpec model(AttentionKind kind, AttentionMask mask, bool norm, std::size_t positions, bool bos,
                      std::uint64_t seed, TieBreak tie = TieBreak::Leftmost) {
  models::RandomTransformerOptions o;
  o.attention = kind;
  o.mask = mask;
  o.layer_norm = norm;
  o.max_len = positions;
  o.seed = seed;
  TransformerSpec s = models::random_transformer(o);
  if (bos) s.bos = "a";
  for (auto& L : s.layers)
    for (auto& h : L.heads) h.tie = tie;
  return s;
}

std::vector<std::uint32_t> random_tokens(std::size_t n, std::size_t vocab, std::mt19937_64& rng) {
  std::vector<std::uint32_t> w(n);
  for (auto& t : w) t = static_cast<std::uint32_t>(rng() % vocab);
  return w;
}

template <class T>
std::vector<T> inputs_as(const TransformerSpec& s, const std::vector<std::uint32_t>& w) {
  std::vector<T> x;
  for (const auto& q : circuits::transformer_one_hot_inputs(s, w)) x.push_back(numeric::from_exact<T>(q));
  return x;
}

}  // namespace

TEST_CASE("transformer circuit equals run_transformer exactly for hard and average attention", "[quick][circuits][transformer]") {
  std::mt19937_64 rng(11);
  for (AttentionKind kind : {AttentionKind::Hard, AttentionKind::Average})
    for (AttentionMask mask : {AttentionMask::Causal, AttentionMask::Bidirectional})
      for (std::size_t positions : {0, 12})
        for (bool bos : {false, true})
          for (std::uint64_t seed : {1, 2}) {
            const TieBreak tie = seed % 2 ? TieBreak::Leftmost : TieBreak::Rightmost;
            const TransformerSpec s = model(kind, mask, false, positions, bos, seed, tie);
            for (std::size_t n : {1, 4, 9}) {
              const auto cu = circuits::transformer_circuit(s, n, FanIn::Unbounded);
              const auto cb = circuits::transformer_circuit(s, n, FanIn::Bounded);
              CHECK(circuits::measure(cb).max_fanin <= 2);
              for (int trial = 0; trial < 3; ++trial) {
                const auto w = random_tokens(n, s.vocab.size(), rng);
                const auto want = models::run_transformer<Exact>(s, w);
                INFO(models::to_string(kind) << " " << models::to_string(mask) << " positions " << positions << " bos "
                                             << bos << " seed " << seed << " n " << n);
                for (const auto* c : {&cu, &cb}) {
                  const auto out = circuits::evaluate<Exact>(*c, circuits::transformer_one_hot_inputs(s, w));
                  REQUIRE(out.size() == 2);
                  CHECK(out[1] == want.score);
                  CHECK(out[0] == (want.accept == numeric::Sign::Positive ? 1 : 0));
                }
              }
            }
          }
}

TEST_CASE("transformer circuit rounds as run_transformer at fp64 and float:12:8", "[quick][circuits][precision][transformer]") {
  std::mt19937_64 rng(5);
  for (const char* precision : {"fp64", "float:12:8"})
    for (AttentionKind kind : {AttentionKind::Softmax, AttentionKind::Hard, AttentionKind::Average})
      for (AttentionMask mask : {AttentionMask::Causal, AttentionMask::Bidirectional})
        for (bool norm : {false, true})
          for (std::uint64_t seed : {3, 4}) {
            const TransformerSpec s = model(kind, mask, norm, seed == 3 ? 0 : 12, seed == 4, seed);
            for (std::size_t n : {1, 5, 10}) {
              const auto c = circuits::transformer_circuit(s, n, FanIn::Unbounded);
              numeric::dispatch(numeric::Precision::parse(precision), [&](auto tag) {
                using T = typename decltype(tag)::type;
                for (int trial = 0; trial < 2; ++trial) {
                  const auto w = random_tokens(n, s.vocab.size(), rng);
                  const auto want = models::run_transformer<T>(s, w);
                  const auto out = circuits::evaluate<T>(c, inputs_as<T>(s, w));
                  INFO(precision << " " << models::to_string(kind) << " " << models::to_string(mask) << " norm " << norm
                                 << " seed " << seed << " n " << n << ": circuit " << numeric::to_string(out[1])
                                 << ", model " << numeric::to_string(want.score));
                  // the gates mirror the evaluator's order of operations: equal values
                  CHECK(numeric::to_double(out[1]) == numeric::to_double(want.score));
                  CHECK((numeric::to_double(out[0]) == 1) == (want.accept == numeric::Sign::Positive));
                }
              });
            }
          }
}

TEST_CASE("bounded fan-in transformer circuits reassociate sums only", "[quick][circuits][transformer]") {
  // softmax and layer norm at fp64: the balanced sum trees round differently
  // from the evaluator's left-to-right sums, so only closeness holds
  std::mt19937_64 rng(8);
  for (AttentionMask mask : {AttentionMask::Causal, AttentionMask::Bidirectional}) {
    const TransformerSpec s = model(AttentionKind::Softmax, mask, true, 0, true, 9);
    for (std::size_t n : {3, 16}) {
      const auto c = circuits::transformer_circuit(s, n, FanIn::Bounded);
      CHECK(circuits::measure(c).max_fanin <= 2);
      const auto w = random_tokens(n, s.vocab.size(), rng);
      const double want = models::run_transformer<double>(s, w).score;
      const double got = circuits::evaluate<double>(c, inputs_as<double>(s, w))[1];
      CHECK(std::abs(got - want) <= 1e-9 * (1 + std::abs(want)));
    }
  }
}

TEST_CASE("transformer circuits refuse exp and square roots in exact rationals", "[quick][circuits][errors][transformer]") {
  const std::vector<std::uint32_t> w = {0, 1, 2};
  const auto soft = model(AttentionKind::Softmax, AttentionMask::Causal, false, 0, false, 1);
  CHECK_THROWS_AS(circuits::evaluate<Exact>(circuits::transformer_circuit(soft, 3), circuits::transformer_one_hot_inputs(soft, w)),
                  std::domain_error);
  const auto norm = model(AttentionKind::Hard, AttentionMask::Causal, true, 0, false, 1);
  CHECK_THROWS_WITH(circuits::evaluate<Exact>(circuits::transformer_circuit(norm, 3), circuits::transformer_one_hot_inputs(norm, w)),
                    Contains("sqrt"));
}

TEST_CASE("transformer circuit depth is constant in n with unbounded fan-in and logarithmic with bounded", "[quick][circuits][transformer]") {
  for (AttentionKind kind : {AttentionKind::Softmax, AttentionKind::Hard, AttentionKind::Average}) {
    const TransformerSpec s =
        model(kind, kind == AttentionKind::Hard ? AttentionMask::Causal : AttentionMask::Bidirectional,
              kind == AttentionKind::Softmax, 0, true, 7);
    std::vector<std::size_t> ns = {4, 8, 16, 32, 64}, unbounded, bounded, size;
    for (std::size_t n : ns) {
      const auto cu = circuits::transformer_circuit(s, n, FanIn::Unbounded);
      const auto cb = circuits::transformer_circuit(s, n, FanIn::Bounded);
      const auto mu = circuits::measure(cu), mb = circuits::measure(cb);
      unbounded.push_back(mu.depth);
      bounded.push_back(mb.depth);
      size.push_back(mu.size);
      // expanding each wide gate into a balanced tree is what Bounded builds
      CHECK(mb.depth == mu.depth_bounded);
      CHECK(mb.max_fanin <= 2);
      CHECK(mu.max_fanin > n);  // the Max / Sum gates over the keys (bos included)
    }
    INFO(models::to_string(kind));
    for (std::size_t i = 1; i < ns.size(); ++i) {
      CHECK(unbounded[i] == unbounded[0]);
      CHECK(bounded[i] > bounded[i - 1]);
      // a + b·log2 n: each doubling adds at most one level per wide gate on a path
      CHECK(bounded[i] - bounded[i - 1] <= unbounded[0]);
      CHECK(size[i] > size[i - 1]);
      // quadratic: size(n) / n² does not grow
      CHECK(double(size[i]) / double(ns[i] * ns[i]) <= double(size[i - 1]) / double(ns[i - 1] * ns[i - 1]));
    }
    CHECK(bounded.back() <= bounded.front() + unbounded[0] * std::size_t(std::log2(64.0 / 4)));
  }
}

TEST_CASE("transformer circuit inputs and errors", "[quick][circuits][errors][transformer]") {
  auto s = model(AttentionKind::Average, AttentionMask::Causal, false, 6, true, 2);
  // the bos token is a constant: with bos, n = 0 is a circuit without inputs
  const auto empty = circuits::transformer_circuit(s, 0);
  CHECK(empty.num_inputs() == 0);
  CHECK(circuits::evaluate<Exact>(empty, {})[1] == models::run_transformer<Exact>(s, {}).score);
  CHECK(circuits::transformer_circuit(s, 5).num_inputs() == 5 * s.vocab.size());
  CHECK_THROWS_WITH(circuits::transformer_circuit(s, 6), Contains("max_len"));
  CHECK_THROWS_AS(circuits::transformer_one_hot_inputs(s, {0, 7}), std::invalid_argument);
  s.bos.clear();
  CHECK_THROWS_WITH(circuits::transformer_circuit(s, 0), Contains("bos"));
  s.c.clear();
  CHECK_THROWS_WITH(circuits::transformer_circuit(s, 3), Contains("readout"));
  s.d_model = 0;
  CHECK_THROWS_AS(circuits::transformer_circuit(s, 3), std::invalid_argument);
}

TEST_CASE("transformer circuits round-trip through circuit JSON with the new gate kinds", "[quick][circuits][json][transformer]") {
  const auto s = model(AttentionKind::Softmax, AttentionMask::Bidirectional, true, 0, false, 3);
  const auto c = circuits::transformer_circuit(s, 4);
  const auto m = circuits::measure(c);
  for (auto k : {circuits::GateKind::Exp, circuits::GateKind::Div, circuits::GateKind::Sqrt, circuits::GateKind::Max})
    CHECK(m.per_kind[static_cast<int>(k)] > 0);
  const auto back = circuits::circuit_from_json_text(circuits::circuit_to_json(c), "t.json");
  CHECK(back.size() == c.size());
  const std::vector<std::uint32_t> w = {2, 0, 1, 1};
  CHECK(circuits::evaluate<double>(back, inputs_as<double>(s, w))[1] == circuits::evaluate<double>(c, inputs_as<double>(s, w))[1]);
  // a max gate needs two operands; ge and div take exactly two
  circuits::Circuit bad;
  const auto x = bad.input();
  CHECK_THROWS_AS(bad.gate(circuits::GateKind::Max, {x}), std::invalid_argument);
  CHECK_THROWS_AS(bad.gate(circuits::GateKind::Ge, {x, x, x}), std::invalid_argument);
}

TEST_CASE("diagonal SSM: the unbounded fan-in circuit has constant depth and runs at fp64 like the recurrence", "[quick][circuits][transformer]") {
  std::mt19937_64 rng(3);
  const auto spec = models::random_lrnn(models::Structure::Diagonal, 3, 2, 17);
  std::size_t depth = 0;
  for (std::size_t n : {4, 16, 64, 128}) {
    const auto c = circuits::lrnn_circuit(spec, n, circuits::Network::Sklansky, FanIn::Unbounded);
    const auto m = circuits::measure(c);
    if (depth == 0) depth = m.depth;
    CHECK(m.depth == depth);
    std::vector<std::uint32_t> w(n);
    for (auto& t : w) t = static_cast<std::uint32_t>(rng() % 2);
    std::vector<double> x;
    for (const auto& q : circuits::one_hot_inputs(spec, w)) x.push_back(numeric::to_double(q));
    const double want = models::run_lrnn<double>(spec, w, false).score;
    const double got = circuits::evaluate<double>(c, x)[1];
    const double exact = numeric::to_double(models::run_lrnn<Exact>(spec, w, false).score);
    CHECK(std::abs(got - exact) <= 1e-12 * (1 + std::abs(exact)) * double(n));
    CHECK(std::abs(want - exact) <= 1e-12 * (1 + std::abs(exact)) * double(n));
  }
}

TEST_CASE("cli: circuit compiles transformer files and SSMs with flat unbounded depth", "[quick][circuits][cli][transformer]") {
  using parallax_test::cli;
  const auto s = model(AttentionKind::Hard, AttentionMask::Causal, false, 0, true, 5);
  const auto file = parallax_test::write_file("hard.json", models::transformer_to_json(s));
  auto depths = [](const std::string& out) {
    const auto rows = parallax_test::parse_csv(out);
    REQUIRE(rows.size() >= 2);
    REQUIRE(rows[0].at(0) == "n");
    REQUIRE(rows[0].at(2) == "depth");
    std::vector<std::size_t> d;
    for (std::size_t i = 1; i < rows.size(); ++i) d.push_back(std::stoul(rows[i].at(2)));
    return d;
  };
  auto r = cli("circuit --model 'transformer:" + file.string() + "' --sweep 8..128 --fanin unbounded --format csv");
  REQUIRE(r.code == 0);
  auto d = depths(r.out);
  REQUIRE(d.size() == 5);
  for (auto x : d) CHECK(x == d[0]);
  r = cli("circuit --model 'transformer:" + file.string() + "' --sweep 8..128 --fanin bounded --csv");
  REQUIRE(r.code == 0);
  d = depths(r.out);
  REQUIRE(d.size() == 5);
  for (std::size_t i = 1; i < d.size(); ++i) CHECK(d[i] > d[i - 1]);
  // the table names the fit
  r = cli("circuit --model transformer:random:attention=softmax:layers=1:norm=1 --sweep 4..32 --fanin unbounded");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("constant depth"));
  r = cli("circuit --model ssm:diag:d=2 --sweep 4..64 --fanin unbounded --json");
  REQUIRE(r.code == 0);
  const auto recs = parallax_test::json_lines(r.out);
  REQUIRE(recs.size() == 5);
  for (const auto& rec : recs) CHECK(rec.at("depth") == recs[0].at("depth"));
  // bad files and specs: exit 2 and a message naming them
  r = cli("circuit --model transformer:/nonexistent/model.json --n 4");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("/nonexistent/model.json"));
  r = cli("circuit --model transformer:random:attention=fancy --n 4");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("fancy"));
  r = cli("circuit --model transformer:random:layers=x --n 4");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("layers"));
  r = cli("circuit --model ssm:dense:d=2 --n 4");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("ssm:diag:d=K"));
  auto limited = s;
  models::set_positions(limited, 8);
  const auto small = parallax_test::write_file("limited.json", models::transformer_to_json(limited));
  r = cli("circuit --model 'transformer:" + small.string() + "' --n 20");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("max_len"));
}
