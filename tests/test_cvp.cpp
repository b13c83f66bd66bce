// The circuit value problem (cvp) and its stack-RNN constructions: instance
// validation, the reference solver, the generator, the base-4 stack cell at
// exact and at 2n + 8 significand bits, and the margin argument (base 4
// keeps the top-bit classes 1/4 apart, base 2 lets them touch).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <optional>
#include <random>
#include <set>

#include "experiment/sweep.hpp"
#include "reductions/registry.hpp"

using namespace parallax;
using reductions::Instance;
using numeric::Exact;

namespace {

std::unique_ptr<reductions::Problem> cvp() {
  auto p = reductions::make_cvp_problem("cvp");
  REQUIRE(p);
  return p;
}

std::string message(const reductions::Problem& p, const Instance& in) {
  try {
    p.validate(in);
  } catch (const reductions::ProblemError& e) {
    return e.what();
  }
  return "accepted";
}

Instance gate_const(int v) { return {{"op", "const"}, {"value", v}}; }
Instance gate_not(int a) { return {{"op", "not"}, {"in", {a}}}; }
Instance gate_op(const char* op, int a, int b) { return {{"op", op}, {"in", {a, b}}}; }
Instance circuit(std::vector<Instance> gates) { return {{"problem", "cvp"}, {"gates", gates}}; }

/// A circuit drawn differently from the generator: constants anywhere,
/// operands uniform over all earlier gates.
Instance uniform_circuit(std::size_t n, std::mt19937_64& rng) {
  std::vector<Instance> gs;
  for (std::size_t g = 0; g < n; ++g) {
    const int kind = g == 0 ? 0 : std::uniform_int_distribution<int>(0, 6)(rng);
    auto pick = [&] { return int(std::uniform_int_distribution<std::size_t>(0, g - 1)(rng)); };
    if (kind == 0) {
      gs.push_back(gate_const(int(rng() % 2)));
    } else if (kind <= 2) {
      gs.push_back(gate_not(pick()));
    } else {
      gs.push_back(gate_op(kind <= 4 ? "and" : "or", pick(), pick()));
    }
  }
  return circuit(gs);
}

models::Verdict decide(const reductions::Problem& p, const Instance& in, const std::string& construction, const std::string& precision) {
  const auto enc = p.encode(in, construction);
  return experiment::decide(*enc.model, enc.tokens, numeric::Precision::parse(precision), false);
}

/// The base-4 and base-2 codes of a stack given top first.
Exact code4(const std::vector<int>& w) {
  Exact e = 0;
  for (std::size_t i = w.size(); i-- > 0;) e = (2 * w[i] + 1 + e) / 4;
  return e;
}
Exact code2(const std::vector<int>& w) {
  Exact e = 0;
  for (std::size_t i = w.size(); i-- > 0;) e = (w[i] + e) / 2;
  return e;
}
Exact relu(const Exact& x) { return x > 0 ? x : Exact(0); }

/// `ones` const-1 gates, then a const 0, then its negation: the answer is
/// true, and the 0 is read with `ones` ones beneath it on the stack.
Instance zero_over_ones(int ones) {
  std::vector<Instance> gs(static_cast<std::size_t>(ones), gate_const(1));
  gs.push_back(gate_const(0));
  gs.push_back(gate_not(ones));
  return circuit(gs);
}

}  // namespace

TEST_CASE("cvp: malformed instances are refused with the field named", "[quick][cvp][errors][reductions]") {
  const auto p = cvp();
  CHECK(message(*p, circuit({gate_const(1), gate_not(0), gate_op("and", 0, 1)})) == "accepted");
  CHECK(message(*p, circuit({gate_const(1), gate_not(0), gate_op("and", 0, 1), gate_op("or", 1, 5)}))
            .find("gates[3].in[1]: refers to gate 5, not an earlier one") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(1), gate_not(1)})).find("gates[1].in[0]") != std::string::npos);  // itself
  CHECK(message(*p, circuit({gate_const(1), gate_not(-1)})).find("gates[1].in[0]") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(1), {{"op", "not"}, {"in", {"0"}}}})).find("gates[1].in[0]") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(1), {{"op", "and"}, {"in", {0}}}})).find("gates[1].in") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(1), {{"op", "or"}}})).find("gates[1].in") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(2)})).find("gates[0].value") != std::string::npos);
  CHECK(message(*p, circuit({{{"op", "const"}}})).find("gates[0].value") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(0), {{"op", "xor"}, {"in", {0, 0}}}})).find("gates[1].op") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(0), {{"in", {0}}}})).find("gates[1].op") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(0), 7})).find("gates[1]") != std::string::npos);
  CHECK(message(*p, circuit({gate_const(0), {{"op", "not"}, {"in", {0}}, {"value", 1}}})).find("gates[1].value") !=
        std::string::npos);
  CHECK(message(*p, circuit({})).find("gates") != std::string::npos);
  CHECK(message(*p, {{"gates", 3}}).find("gates") != std::string::npos);
  CHECK(message(*p, {{"gate", nlohmann::json::array()}}).find("\"gates\"") != std::string::npos);
  CHECK(message(*p, {{"problem", "dgc"}, {"gates", {gate_const(1)}}}).find("problem") != std::string::npos);
  CHECK(message(*p, nlohmann::json::array()).find("object") != std::string::npos);
  CHECK(message(*p, {{"gates", {{{"op", "const"}, {"value", true}}}}}) == "accepted");
  CHECK_THROWS_AS(p->encode(circuit({gate_const(1)}), "pd"), reductions::ProblemError);
  CHECK(reductions::make_cvp_problem("cvp2") == nullptr);
  CHECK(reductions::make_cvp_problem("word:S5") == nullptr);
  CHECK(automata::to_string(p->info().complexity) == "P-complete");
}

TEST_CASE("cvp: the reference solver on hand-checked circuits", "[quick][circuits][cvp][reductions]") {
  const auto p = cvp();
  // g0 = 1, g1 = ¬g0 = 0, g2 = g0 ∧ g1 = 0, g3 = g1 ∨ g2 = 0
  CHECK_FALSE(p->solve(circuit({gate_const(1), gate_not(0), gate_op("and", 0, 1), gate_op("or", 1, 2)})));
  // … then g4 = ¬g3 = 1
  CHECK(p->solve(circuit({gate_const(1), gate_not(0), gate_op("and", 0, 1), gate_op("or", 1, 2), gate_not(3)})));
  CHECK(p->solve(circuit({gate_const(1)})));
  CHECK_FALSE(p->solve(circuit({gate_const(0)})));
  // XOR(a, b) = (a ∨ b) ∧ ¬(a ∧ b), all four inputs
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b)
      CHECK(p->solve(circuit({gate_const(a), gate_const(b), gate_op("or", 0, 1), gate_op("and", 0, 1), gate_not(3),
                              gate_op("and", 2, 4)})) == (a != b));
  // the output is the last gate, not the largest-index input of anything
  CHECK_FALSE(p->solve(circuit({gate_const(1), gate_const(0)})));
  // fan-out: g2 = g0 ∧ g0 = 1, g3 = g2 ∨ g1 = 1, g4 = ¬g2 ∧ … = 0
  CHECK_FALSE(p->solve(circuit({gate_const(1), gate_const(0), gate_op("and", 0, 0), gate_op("or", 2, 1), gate_not(2),
                                gate_op("and", 3, 4)})));
}

TEST_CASE("cvp: the generator is labelled, balanced, deterministic and deep", "[quick][cvp][reductions]") {
  const auto p = cvp();
  std::set<std::string> last_ops_yes, last_ops_no;
  for (std::size_t n : {1, 2, 3, 5, 8, 17, 40, 100}) {
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      for (bool yes : {true, false}) {
        INFO("n = " << n << ", seed = " << seed << ", yes = " << yes);
        const Instance in = p->generate(n, seed, yes);
        REQUIRE(message(*p, in) == "accepted");
        REQUIRE(in["gates"].size() == n);
        CHECK(p->solve(in) == yes);
        CHECK(in == p->generate(n, seed, yes));
        if (n >= 8) CHECK(in != p->generate(n, seed + 1, yes));
        // the inputs come first
        const std::size_t inputs = std::max<std::size_t>(1, n / 8);
        for (std::size_t g = 0; g < n; ++g) CHECK((in["gates"][g]["op"] == "const") == (g < inputs));
        if (n >= 17) (yes ? last_ops_yes : last_ops_no).insert(in["gates"].back()["op"].get<std::string>());
      }
    }
  }
  // no surface shortcut in the last gate: every op appears under both answers
  CHECK(last_ops_yes == std::set<std::string>{"not", "and", "or"});
  CHECK(last_ops_no == std::set<std::string>{"not", "and", "or"});
  CHECK_THROWS_AS(p->generate(0, 1, true), reductions::ProblemError);
  // deep: the longest input-to-output path of a 100-gate circuit is long
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Instance in = p->generate(100, seed, seed % 2 == 0);
    std::vector<std::size_t> depth(100, 0);
    std::size_t fanout_max = 0;
    std::vector<std::size_t> fanout(100, 0);
    for (std::size_t g = 0; g < 100; ++g)
      if (in["gates"][g].contains("in"))
        for (const auto& a : in["gates"][g]["in"]) {
          depth[g] = std::max(depth[g], depth[a.get<std::size_t>()] + 1);
          fanout_max = std::max(fanout_max, ++fanout[a.get<std::size_t>()]);
        }
    INFO("seed " << seed);
    CHECK(*std::max_element(depth.begin(), depth.end()) >= 20);  // n/5, far above log2 n
    CHECK(fanout_max > 1);
  }
}

TEST_CASE("cvp: relu-rnn decides small random circuits at exact precision", "[quick][circuits][cvp][precision][reductions]") {
  const auto p = cvp();
  std::mt19937_64 rng(5);
  for (std::size_t k = 0; k < 40; ++k) {
    const std::size_t n = 1 + k % 20;
    const Instance in = k % 2 ? uniform_circuit(n, rng) : p->generate(n, k, k % 4 == 0);
    INFO(in.dump());
    REQUIRE(decide(*p, in, "relu-rnn", "exact") == models::verdict_of(p->solve(in)));
  }
  // one model for every instance, of constant width
  const auto a = p->encode(p->generate(5, 1, true), "relu-rnn"), b = p->encode(p->generate(30, 2, false), "relu-rnn");
  CHECK(a.model == b.model);
  CHECK(std::get<models::ReluRnn>(a.model->model).d == 5);
  CHECK(std::get<models::ReluRnn>(a.model->model).token_input.size() == 10);
}

TEST_CASE("cvp: relu-rnn decides random circuits of 1 to 60 gates at exact precision", "[standard][circuits][cvp][precision][reductions]") {
  const auto p = cvp();
  std::mt19937_64 rng(7);
  int yes = 0, checked = 0;
  for (std::size_t k = 0; k < 240; ++k) {
    const std::size_t n = 1 + k % 60;
    const Instance in = k % 3 == 2 ? uniform_circuit(n, rng) : p->generate(n, k, k % 2 == 0);
    const bool want = p->solve(in);
    INFO(in.dump());
    REQUIRE(decide(*p, in, "relu-rnn", "exact") == models::verdict_of(want));
    yes += want;
    ++checked;
  }
  CHECK(checked >= 200);
  CHECK(yes > checked / 4);
  CHECK(yes < 3 * checked / 4);
}

TEST_CASE("cvp: relu-rnn decides circuits up to 200 gates with 2n + 8 significand bits", "[standard][circuits][cvp][precision][reductions]") {
  const auto p = cvp();
  std::mt19937_64 rng(11);
  for (std::size_t n : {10, 50, 100, 150, 200}) {
    for (int k = 0; k < 8; ++k) {
      const Instance in = k % 4 == 3 ? uniform_circuit(n, rng) : p->generate(n, 100 + std::uint64_t(k), k % 2 == 0);
      INFO("n = " << n << ", k = " << k);
      CHECK(decide(*p, in, "relu-rnn", fmt::format("float:{}:10", 2 * n + 8)) == models::verdict_of(p->solve(in)));
    }
  }
}

TEST_CASE("cvp: base 4 keeps the top-bit classes 1/4 apart, base 2 lets them touch", "[quick][cvp][reductions]") {
  for (std::size_t depth = 1; depth <= 12; ++depth) {
    std::optional<Exact> max4[2], min4[2], max2[2], min2[2];
    std::vector<int> w(depth);
    for (std::uint32_t bits = 0; bits < (1u << depth); ++bits) {
      for (std::size_t i = 0; i < depth; ++i) w[i] = (bits >> i) & 1;
      const int top = w[0];
      const Exact e4 = code4(w), e2 = code2(w);
      // the base-4 gadgets are exact: top, pop and push
      REQUIRE(relu(4 * e4 - 2) - relu(4 * e4 - 3) == top);
      REQUIRE(4 * e4 - 2 * top - 1 == code4(std::vector<int>(w.begin() + 1, w.end())));
      auto upd = [](std::optional<Exact>& mx, std::optional<Exact>& mn, const Exact& e) {
        if (!mx || e > *mx) mx = e;
        if (!mn || e < *mn) mn = e;
      };
      upd(max4[top], min4[top], e4);
      upd(max2[top], min2[top], e2);
    }
    INFO("depth " << depth);
    CHECK(*min4[1] - *max4[0] >= Exact(1, 4));
    CHECK(*min4[0] >= Exact(1, 4));
    CHECK(*max4[0] < Exact(1, 2));
    CHECK(*min4[1] >= Exact(3, 4));
    CHECK(*max4[1] < 1);
    Exact gap2 = 1;
    for (std::size_t i = 0; i < depth; ++i) gap2 /= 2;
    CHECK(*min2[1] - *max2[0] == gap2);
  }
}

TEST_CASE("cvp: the base-2 cell errs on a 0 read above many 1s, the base-4 cell does not", "[quick][cvp][reductions]") {
  // The base-2 step has slope 2^16: reading 0·1^D it returns
  // ReLU(1 − 2^{16−D−1}), correct exactly for D < 16.
  const auto p = cvp();
  for (int ones = 0; ones <= 24; ++ones) {
    const Instance in = zero_over_ones(ones);
    REQUIRE(p->solve(in));
    INFO(ones << " ones under the 0");
    for (const char* prec : {"exact", "fp64"}) {
      CHECK(decide(*p, in, "relu-rnn", prec) == models::Verdict::Accept);
      if (ones < 16) CHECK(decide(*p, in, "relu-rnn-base2", prec) == models::Verdict::Accept);
      if (ones > 16) CHECK(decide(*p, in, "relu-rnn-base2", prec) == models::Verdict::Reject);
    }
  }
  // and shallow circuits (at most 16 gates: stacks of at most 16 bits) are all right in base 2
  std::mt19937_64 rng(3);
  for (std::size_t k = 0; k < 60; ++k) {
    const std::size_t n = 1 + k % 16;
    const Instance in = k % 2 ? uniform_circuit(n, rng) : p->generate(n, k, k % 4 == 0);
    CHECK(decide(*p, in, "relu-rnn-base2", "exact") == models::verdict_of(p->solve(in)));
  }
}

TEST_CASE("cvp: 12 significand bits are too few for 100-gate circuits", "[quick][circuits][cvp][precision][reductions]") {
  // 100 gates fill the stack with 100 bits, 200 bits of base-4 code; with 12
  // the deep entries are rounded away and far reads return garbage
  const auto p = cvp();
  std::optional<Instance> failing;
  for (std::uint64_t seed = 0; seed < 50 && !failing; ++seed) {
    const Instance in = p->generate(100, 500 + seed, seed % 2 == 0);
    if (decide(*p, in, "relu-rnn", "float:12:10") != models::verdict_of(p->solve(in))) failing = in;
  }
  REQUIRE(failing);
  // the same circuit with 2n + 8 bits is decided right
  CHECK(decide(*p, *failing, "relu-rnn", "float:208:10") == models::verdict_of(p->solve(*failing)));
}
