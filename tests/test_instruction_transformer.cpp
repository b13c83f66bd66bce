// The instruction-following transformer (src/models/instruction_transformer.*):
// one fixed model reads a threshold circuit's description and its input bits
// and must output the circuit's value. The reference is circuits::evaluate_bits
// on the converted circuit (an independent evaluator), checked exactly in
// rationals, in fp64, fp32 and at reduced float precisions.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "circuits/evaluate.hpp"
#include "circuits/transformer_circuit.hpp"
#include "models/instruction_transformer.hpp"
#include "numeric/dispatch.hpp"

using namespace parallax;
using Catch::Matchers::Contains;
using models::InstructionError;
using models::InstructionLimits;
using models::ThresholdCircuitDesc;
using models::TransformerSpec;
using numeric::Exact;
using numeric::Sign;

namespace {

/// The reference: the converted circuit evaluated by the circuits module.
bool reference(const ThresholdCircuitDesc& d, const std::vector<bool>& x) {
  return circuits::evaluate_bits(circuits::to_circuit(d), x).at(0);
}

/// The model's decision at a precision spec ("exact", "fp64", "float:M:E", …).
bool decide(const TransformerSpec& spec, const ThresholdCircuitDesc& d, const std::vector<bool>& x,
            const std::string& precision) {
  const auto tokens = models::instruction_tokens(spec, d, x);
  return numeric::dispatch(numeric::Precision::parse(precision), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto run = models::run_transformer<T>(spec, tokens);
    REQUIRE(run.accept != Sign::Unknown);
    return run.accept == Sign::Positive;
  });
}

std::vector<bool> bits_of(std::uint64_t x, std::size_t m) {
  std::vector<bool> b(m);
  for (std::size_t j = 0; j < m; ++j) b[j] = (x >> j) & 1;
  return b;
}

std::vector<bool> random_bits(std::size_t m, std::mt19937_64& rng) {
  std::bernoulli_distribution coin(0.5);
  std::vector<bool> b(m);
  for (std::size_t j = 0; j < m; ++j) b[j] = coin(rng);
  return b;
}

/// gate helper: k and literals written as (wire, negated)
models::ThresholdGateDesc gate(std::uint32_t k, std::vector<models::ThresholdOperand> ops) { return {k, std::move(ops)}; }

/// A family of random circuits: depths 1 … 4, 2 … 8 inputs, 1 … 3 gates per
/// level, fan-in up to 4 (at most 18 wires).
std::vector<ThresholdCircuitDesc> random_family(std::size_t count, std::uint64_t seed) {
  std::vector<ThresholdCircuitDesc> out;
  const std::uint32_t inputs[] = {2, 3, 5, 8};
  for (std::size_t i = 0; i < count; ++i) {
    models::RandomThresholdCircuitOptions o;
    o.depth = 1 + i % 4;
    o.inputs = inputs[(i / 4) % 4];
    o.gates_per_level = 1 + (i / 16) % 3;
    o.max_fanin = 2 + i % 3;
    o.seed = seed + i;
    out.push_back(models::random_threshold_circuit(o));
  }
  return out;
}

const InstructionLimits kLimits{4, 24, 4};

}  // namespace

TEST_CASE("instruction transformer: 2 layers per level, limits read back from the model", "[quick][tcv][transformer]") {
  for (std::size_t D = 1; D <= 6; ++D) {
    const InstructionLimits L{D, 10 + D, 1 + D % 3};
    const TransformerSpec s = models::instruction_transformer(L);
    CHECK(s.layers.size() == 2 * D);
    CHECK(models::instruction_layer_count(D) == 2 * D);
    CHECK(models::instruction_limits(s) == L);
    // hard / average attention and ReLU MLPs only: exact rationals can run it
    CHECK(models::transformer_precision_problem(s, numeric::Precision::parse("exact")).empty());
    for (const auto& layer : s.layers) {
      CHECK_FALSE(layer.norm_attn);
      CHECK_FALSE(layer.norm_mlp);
      for (const auto& h : layer.heads) CHECK(h.kind != models::AttentionKind::Softmax);
    }
    // vocabulary 2W + W(F+1) + 2W + 1
    CHECK(s.vocab.size() == L.max_wires * (L.max_fanin + 5) + 1);
  }
}

TEST_CASE("instruction transformer: hand-written circuits on every input", "[quick][circuits][tcv][transformer]") {
  const TransformerSpec spec = models::instruction_transformer(kLimits);
  struct Case {
    std::string name;
    ThresholdCircuitDesc d;
    bool (*truth)(std::uint64_t x);
  };
  std::vector<Case> cases;
  // majority of 3: one gate, k = 2
  cases.push_back({"maj3", {3, {gate(2, {{0, false}, {1, false}, {2, false}})}},
                   [](std::uint64_t x) { return std::popcount(x) >= 2; }});
  // xor of 2: (x0 ∨ x1) ∧ ¬(x0 ∧ x1) = threshold 2 of (or, nand)
  cases.push_back({"xor2",
                   {2, {gate(1, {{0, false}, {1, false}}), gate(1, {{0, true}, {1, true}}), gate(2, {{2, false}, {3, false}})}},
                   [](std::uint64_t x) { return std::popcount(x) % 2 == 1; }});
  // parity of 4 in depth 2: t_j = [Σx ≥ j], parity = [t1 + ¬t2 + t3 + ¬t4 ≥ 3]
  {
    ThresholdCircuitDesc d{4, {}};
    for (std::uint32_t j = 1; j <= 4; ++j) d.gates.push_back(gate(j, {{0, false}, {1, false}, {2, false}, {3, false}}));
    d.gates.push_back(gate(3, {{4, false}, {5, true}, {6, false}, {7, true}}));
    cases.push_back({"parity4", d, [](std::uint64_t x) { return std::popcount(x) % 2 == 1; }});
  }
  // not, constant-true (k = 0) and a depth-4 chain x0 ∧ ¬x1 ∧ x2 ∧ ¬x3, one literal at a time
  cases.push_back({"not", {1, {gate(1, {{0, true}})}}, [](std::uint64_t x) { return x == 0; }});
  cases.push_back({"true", {2, {gate(0, {{0, false}, {1, true}})}}, [](std::uint64_t) { return true; }});
  cases.push_back({"chain4",
                   {4, {gate(2, {{0, false}, {1, true}}), gate(2, {{4, false}, {2, false}}), gate(2, {{5, false}, {3, true}}),
                        gate(1, {{6, false}})}},
                   [](std::uint64_t x) { return x == 0b0101; }});
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(models::circuit_depth(c.d) <= kLimits.max_depth);
    for (std::uint64_t x = 0; x < (std::uint64_t(1) << c.d.inputs); ++x) {
      const auto in = bits_of(x, c.d.inputs);
      INFO("input " << x);
      REQUIRE(reference(c.d, in) == c.truth(x));
      CHECK(models::evaluate_threshold_circuit(c.d, in) == c.truth(x));
      CHECK(decide(spec, c.d, in, "exact") == c.truth(x));
      CHECK(decide(spec, c.d, in, "fp64") == c.truth(x));
    }
  }
  // the documentation's usage example, verbatim
  {
    ThresholdCircuitDesc maj3{3, {{2, {{0, false}, {1, false}, {2, false}}}}};
    auto tokens = models::instruction_tokens(spec, maj3, {true, false, true});
    CHECK(models::run_transformer<Exact>(spec, tokens).score == Exact(1, 2));
  }
  // the token format of the documentation's example
  const ThresholdCircuitDesc ex{2, {gate(2, {{0, false}, {1, true}})}};
  CHECK(models::instruction_token_names(ex, {true, false}) == std::vector<std::string>{"w0=1", "w1=0", "w2>=2", "+w0", "-w1", "?"});
}

TEST_CASE("instruction transformer: 240 random circuits agree with evaluate_bits exactly and in fp64", "[quick][circuits][precision][tcv][transformer]") {
  const TransformerSpec spec = models::instruction_transformer(kLimits);
  const auto family = random_family(240, 1000);
  std::mt19937_64 rng(7);
  std::size_t ones = 0, by_depth[5] = {0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < family.size(); ++i) {
    const auto& d = family[i];
    const auto in = random_bits(d.inputs, rng);
    const bool want = reference(d, in);
    INFO("circuit " << i << " depth " << models::circuit_depth(d) << " wires " << d.wires());
    // exact: the final value column holds exactly 0 or 1, so the score is ±1/2
    const auto tokens = models::instruction_tokens(spec, d, in);
    const auto run = models::run_transformer<Exact>(spec, tokens);
    CHECK(run.score == (want ? Exact(1, 2) : Exact(-1, 2)));
    CHECK(decide(spec, d, in, "fp64") == want);
    CHECK(models::evaluate_threshold_circuit(d, in) == want);
    ones += want;
    ++by_depth[models::circuit_depth(d)];
  }
  // the family really covers depths 1 … 4 (one model for all) and both answers
  for (std::size_t D = 1; D <= 4; ++D) CHECK(by_depth[D] == family.size() / 4);
  CHECK(ones > family.size() / 5);
  CHECK(ones < family.size() * 4 / 5);
}

TEST_CASE("instruction transformer: every input of random circuits, exact", "[quick][circuits][tcv][transformer]") {
  // all 2^m inputs of 24 circuits with 3 … 5 inputs
  const TransformerSpec spec = models::instruction_transformer(kLimits);
  for (std::uint64_t seed = 0; seed < 24; ++seed) {
    models::RandomThresholdCircuitOptions o;
    o.inputs = 3 + seed % 3;
    o.depth = 1 + seed % 4;
    o.gates_per_level = 2;
    o.max_fanin = 3;
    o.seed = 500 + seed;
    const auto d = models::random_threshold_circuit(o);
    INFO("seed " << seed);
    for (std::uint64_t x = 0; x < (std::uint64_t(1) << d.inputs); ++x) {
      const auto in = bits_of(x, d.inputs);
      CHECK(decide(spec, d, in, "exact") == reference(d, in));
    }
  }
}

/// Significand bits that suffice for limits W and F: scores are integers of
/// magnitude ≤ W² + 1 (the products 2·rp·idp are a power of two times an
/// integer below W²), so ⌈2·log₂ W⌉ + 1 bits represent every score exactly.
int sufficient_bits(std::size_t W) { return static_cast<int>(std::ceil(2 * std::log2(static_cast<double>(W)))) + 1; }

/// Wrong decisions of `spec` at `precision` over circuits and inputs.
std::size_t wrong_at(const TransformerSpec& spec, const std::vector<ThresholdCircuitDesc>& family,
                     const std::vector<std::vector<bool>>& inputs, const std::string& precision) {
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < family.size(); ++i)
    wrong += decide(spec, family[i], inputs[i], precision) != reference(family[i], inputs[i]);
  return wrong;
}

TEST_CASE("instruction transformer: reduced float precision", "[quick][precision][tcv][transformer]") {
  const TransformerSpec spec = models::instruction_transformer(kLimits);
  const auto family = random_family(48, 9000);
  std::mt19937_64 rng(11);
  std::vector<std::vector<bool>> inputs;
  for (const auto& d : family) inputs.push_back(random_bits(d.inputs, rng));
  const int bound = sufficient_bits(kLimits.max_wires);
  CHECK(bound == 11);
  CHECK(wrong_at(spec, family, inputs, "fp32") == 0);
  for (int M = bound; M <= bound + 3; ++M) {
    INFO("float:" << M << ":8");
    CHECK(wrong_at(spec, family, inputs, fmt::format("float:{}:8", M)) == 0);
  }
  // far below the bound rounded scores tie, the hard attention fetches the
  // wrong wire and answers go wrong: the bound is not vacuous
  CHECK(wrong_at(spec, family, inputs, "float:4:8") > 0);
}

TEST_CASE("instruction transformer: 128 wires, fan-in 8, at the sufficient precision", "[extreme][precision][tcv][transformer]") {
  const InstructionLimits L{4, 128, 8};
  const TransformerSpec spec = models::instruction_transformer(L);
  std::vector<ThresholdCircuitDesc> family;
  std::vector<std::vector<bool>> inputs;
  std::mt19937_64 rng(3);
  for (std::size_t i = 0; i < 40; ++i) {
    models::RandomThresholdCircuitOptions o;
    o.inputs = 20, o.gates_per_level = 30, o.depth = 1 + i % 4, o.max_fanin = 8, o.seed = 77 + i;
    family.push_back(models::random_threshold_circuit(o));  // up to 111 wires
    inputs.push_back(random_bits(o.inputs, rng));
  }
  CHECK(sufficient_bits(L.max_wires) == 15);
  CHECK(wrong_at(spec, family, inputs, "exact") == 0);
  CHECK(wrong_at(spec, family, inputs, "fp32") == 0);
  CHECK(wrong_at(spec, family, inputs, "float:15:8") == 0);
  CHECK(wrong_at(spec, family, inputs, "float:8:8") > 0);
}

TEST_CASE("instruction transformer: random circuit generator", "[quick][circuits][tcv][transformer]") {
  models::RandomThresholdCircuitOptions o;
  o.inputs = 5, o.gates_per_level = 3, o.depth = 4, o.max_fanin = 4, o.seed = 42;
  const auto a = models::random_threshold_circuit(o);
  CHECK(a == models::random_threshold_circuit(o));  // deterministic in seed
  o.seed = 43;
  CHECK_FALSE(a == models::random_threshold_circuit(o));
  std::size_t nonconstant = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    o.seed = seed;
    o.depth = 1 + seed % 4;
    const auto d = models::random_threshold_circuit(o);
    CHECK(models::circuit_depth(d) == o.depth);
    CHECK(models::wire_depths(d).back() == o.depth);  // the output is the deepest gate
    CHECK(d.gates.size() == (o.depth - 1) * o.gates_per_level + 1);
    CHECK(models::circuit_max_fanin(d) <= o.max_fanin);
    for (const auto& g : d.gates) {
      CHECK(g.k >= 1);
      CHECK(g.k <= g.operands.size());
    }
    bool seen[2] = {false, false};
    for (std::uint64_t x = 0; x < 32; ++x) seen[models::evaluate_threshold_circuit(d, bits_of(x, 5))] = true;
    nonconstant += seen[0] && seen[1];
  }
  CHECK(nonconstant == 40);
}

TEST_CASE("instruction transformer: bad descriptions and limits are rejected with clear messages", "[quick][errors][tcv][transformer]") {
  const TransformerSpec spec = models::instruction_transformer({2, 8, 3});
  const std::vector<bool> x2{true, false};
  auto rejects = [&](const ThresholdCircuitDesc& d, const std::string& what) {
    INFO(what);
    CHECK_THROWS_WITH(models::instruction_tokens(spec, d, std::vector<bool>(d.inputs, false)), Contains(what));
  };
  // an operand naming a later wire or the gate itself
  rejects({2, {gate(1, {{0, false}, {3, false}}), gate(1, {{2, false}})}}, "gate 0 (wire 2): operand 1 refers to wire 3, which is not an earlier wire");
  rejects({2, {gate(1, {{2, false}})}}, "refers to wire 2, which is not an earlier wire");
  // k above the fan-in
  rejects({2, {gate(3, {{0, false}, {1, false}})}}, "gate 0 (wire 2): k: threshold 3 exceeds the fan-in 2");
  rejects({2, {gate(0, {})}}, "operands: a gate needs at least one operand");
  rejects({2, {}}, "needs at least one gate");
  rejects({0, {gate(0, {})}}, "inputs: needs at least one input wire");
  // outside the model's limits: depth, wires, fan-in
  rejects({2, {gate(1, {{0, false}}), gate(1, {{2, false}}), gate(1, {{3, false}})}},
          "depth 3 exceeds the model's max_depth 2");
  rejects({7, {gate(1, {{0, false}}), gate(1, {{1, false}})}}, "9 wires (7 inputs + 2 gates) exceed the model's max_wires 8");
  rejects({4, {gate(1, {{0, false}, {1, false}, {2, false}, {3, false}})}}, "fan-in 4 exceeds the model's max_fanin 3");
  // the number of input bits
  const ThresholdCircuitDesc ok{2, {gate(1, {{0, false}, {1, false}})}};
  CHECK_THROWS_WITH(models::instruction_tokens(spec, ok, {true}), Contains("1 input bits given, the circuit has 2 inputs"));
  CHECK_NOTHROW(models::instruction_tokens(spec, ok, x2));
  CHECK_THROWS_AS(circuits::to_circuit({2, {gate(1, {{5, false}})}}), InstructionError);
  // limits and foreign models
  CHECK_THROWS_WITH(models::instruction_transformer({0, 8, 2}), Contains("max_depth"));
  CHECK_THROWS_WITH(models::instruction_transformer({2, 1, 2}), Contains("max_wires"));
  CHECK_THROWS_WITH(models::instruction_transformer({2, 8, 0}), Contains("max_fanin"));
  TransformerSpec other = models::make_transformer({"a", "b"}, 2);
  other.name = "other";
  CHECK_THROWS_WITH(models::instruction_tokens(other, ok, x2), Contains("'other' is not an instruction transformer"));
}

