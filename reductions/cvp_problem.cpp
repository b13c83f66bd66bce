// cvp — the circuit value problem: a Boolean circuit is a list of gates in
// topological order, each an input constant, the NOT of an earlier gate, or
// the AND / OR of two earlier gates; is the last gate true? P-complete under
// logspace reductions (Ladner 1975), so no NC circuit family (and no
// log-depth parallel scan) is expected to decide it unless NC = P.
//
// Reference solver: evaluate the gates in order.
//
// Construction "relu-rnn": a ReLU-MLP RNN of constant width (5 state units,
// 28 hidden units, one hidden layer) whose memory is two binary stacks,
// each held in one rational state unit (Siegelmann–Sontag 1995; Merrill et
// al., ICML 2026, Thm 1 / Cor 2: with polynomial precision such RNNs
// simulate multi-stack machines). The stack encoding is base 4:
//
//     E(empty) = 0,   E(b·w) = (2b + 1 + E(w)) / 4,
//
// so a stack with top bit 0 lies in [1/4, 1/2) and one with top bit 1 in
// [3/4, 1): the two classes are 1/4 apart whatever the depth, and
//
//     top(E) = ReLU(4E − 2) − ReLU(4E − 3)     (exactly 0 or 1),
//     pop(E) = 4E − 2·top(E) − 1,   push(b, E) = (2b + 1 + E) / 4.
//
// State: S (the values of every gate evaluated so far, the latest on top),
// T (scratch), registers A, B and the output R, all 0 at the start. Tokens:
//
//   move    pop S, push that bit onto T        loadA / loadB   A / B := top(S)
//   back    pop T, push that bit onto S        answer          R := top(S)
//   const0 / const1 / not / and / or           push 0, 1, ¬A, A∧B, A∨B onto S
//
// A gate g whose operand a lies k = g − 1 − a entries below the top of S is
// read by k `move`, one `load`, and then, after the other operand (the
// nearer one is loaded first, the farther after more `move`s), as many
// `back` as `move`: S is restored and the op token pushes the gate's value.
// The final `answer` copies the last gate's value into R; the readout is
// R − 1/2. The token count is Σ_g (2·max distance + loads + 1) + 1 = O(n²)
// in the worst case: the padding of a polynomially padded language.
//
// The cell: every hidden unit is ReLU(w·h + c + U_σ) where the token vector
// U_σ is 0 for the tokens the unit serves and −K otherwise, with K larger
// than any pre-activation, so the unit is gated off by all other tokens (the
// multiplexing f·v = ReLU(v − K(1 − f)) for a 0/1 flag f). The affine output
// layer sums the gated units into the new S, T, A, B, R. For instance the
// `move` unit pair ReLU(4S − 2), ReLU(4S − 3) (gated on `move`) gives
// top(S), which enters S' = 4S − 2·top − 1 and T' = (2·top + 1 + T)/4.
// Correctness: by induction over the tokens, S and T are exactly the base-4
// codes of the stacks (all weights are dyadic, so the arithmetic is exact in
// ℚ), each top() reads the correct bit because of the 1/4 gap, and the op
// tokens compute NOT, AND = ReLU(A + B − 1), OR = ReLU(A + B) − ReLU(A + B − 1)
// on 0/1 registers. In binary floating point every stack value of depth k is
// a dyadic rational with 2k fraction bits, so float:M:E with M ≥ 2n + 8 runs
// the cell without a single rounding.
//
// Construction "relu-rnn-base2": the same cell with the base-2 encoding
// E(b·w) = (b + E(w))/2, pop(E) = 2E − top. There the classes touch: a stack
// 0·1^k has E = 1/2 − 2^{−(k+1)} and 1·0^k has E = 1/2, so no fixed ReLU step
// separates them at every depth. The cell reads top(E) = ReLU(2^m(E − 1/2) + 1)
// − ReLU(2^m(E − 1/2)) with a fixed m = 16, exact only while E ≤ 1/2 − 2^{−m}
// for every top-0 stack it reads: always when the stacks hold at most m bits
// (circuits of at most m gates), never for a 0 read above m − 1 ones with a
// further 1 somewhere below them (0·1^D reads as ReLU(1 − 2^{m−D−1}), wrong
// from D = m on). It is here to show why the margin matters.
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

using numeric::Exact;

enum class Op { Const, Not, And, Or };

struct Gate {
  Op op = Op::Const;
  bool value = false;             ///< const gates
  std::vector<std::size_t> in;    ///< 1 (not) or 2 (and, or) earlier gates
};

constexpr const char* kFormat =
    R"({"problem": "cvp", "gates": [{"op": "const", "value": 0|1}, {"op": "not", "in": [i]}, {"op": "and"|"or", "in": [i, j]}, ...]} with i, j earlier gates; the answer is the last gate's value)";

/// Tokens of the relu-rnn constructions, in this order.
enum Token : std::uint32_t { kMove, kBack, kLoadA, kLoadB, kConst0, kConst1, kNot, kAnd, kOr, kAnswer, kTokens };

/// Most tokens an encoding may have (the count is O(n²)).
constexpr std::size_t kMaxTokens = std::size_t(1) << 26;

/// The base-2 construction's step steepness: top(E) = ReLU(2^m(E − 1/2) + 1) − ReLU(2^m(E − 1/2)).
constexpr int kBase2Steepness = 16;

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw ProblemError(fmt::format("cvp instance: field {}: {}", field, what));
}

std::vector<Gate> read_circuit(const Instance& in) {
  if (!in.is_object()) throw ProblemError(std::string("cvp: an instance is a JSON object ") + kFormat);
  if (in.contains("problem") && in["problem"] != "cvp")
    fail("problem", fmt::format("instance of {}, expected 'cvp'", in["problem"].dump()));
  if (!in.contains("gates")) throw ProblemError("cvp instance: missing field \"gates\"");
  const auto& gs = in["gates"];
  if (!gs.is_array()) fail("gates", "expected an array of gates");
  if (gs.empty()) fail("gates", "a circuit needs at least one gate (the last one is the output)");
  std::vector<Gate> out;
  out.reserve(gs.size());
  for (std::size_t i = 0; i < gs.size(); ++i) {
    const auto& g = gs[i];
    const std::string at = fmt::format("gates[{}]", i);
    if (!g.is_object()) fail(at, "expected an object {\"op\": ..., ...}");
    if (!g.contains("op")) fail(at + ".op", "missing (expected const, not, and or or)");
    if (!g["op"].is_string()) fail(at + ".op", "expected a string (const, not, and or or)");
    const std::string op = g["op"].get<std::string>();
    Gate gate;
    std::size_t arity = 0;
    if (op == "const") {
      gate.op = Op::Const;
    } else if (op == "not") {
      gate.op = Op::Not, arity = 1;
    } else if (op == "and") {
      gate.op = Op::And, arity = 2;
    } else if (op == "or") {
      gate.op = Op::Or, arity = 2;
    } else {
      fail(at + ".op", fmt::format("'{}' is not a gate (expected const, not, and or or)", op));
    }
    if (gate.op == Op::Const) {
      if (!g.contains("value")) fail(at + ".value", "missing (a const gate needs value 0 or 1)");
      const auto& v = g["value"];
      if (v.is_boolean()) {
        gate.value = v.get<bool>();
      } else if (v.is_number_integer() && (v == 0 || v == 1)) {
        gate.value = v == 1;
      } else {
        fail(at + ".value", fmt::format("expected 0 or 1 (or false, true), got {}", v.dump()));
      }
      if (g.contains("in")) fail(at + ".in", "a const gate has no inputs");
    } else {
      if (g.contains("value")) fail(at + ".value", fmt::format("only const gates have a value, this is '{}'", op));
      if (!g.contains("in")) fail(at + ".in", fmt::format("missing (a {} gate has {} input{})", op, arity, arity == 1 ? "" : "s"));
      const auto& ins = g["in"];
      if (!ins.is_array()) fail(at + ".in", "expected an array of gate indices");
      if (ins.size() != arity)
        fail(at + ".in", fmt::format("a {} gate has {} input{}, got {}", op, arity, arity == 1 ? "" : "s", ins.size()));
      for (std::size_t j = 0; j < arity; ++j) {
        const auto& x = ins[j];
        const std::string atj = fmt::format("{}.in[{}]", at, j);
        if (!x.is_number_integer()) fail(atj, fmt::format("expected a gate index, got {}", x.dump()));
        if (x.is_number_unsigned() ? x.get<std::uint64_t>() >= i : x.get<std::int64_t>() < 0 || std::uint64_t(x.get<std::int64_t>()) >= i)
          fail(atj, fmt::format("refers to gate {}, not an earlier one", x.dump()));
        gate.in.push_back(static_cast<std::size_t>(x.get<std::uint64_t>()));
      }
    }
    out.push_back(std::move(gate));
  }
  return out;
}

/// All gate values, in order.
std::vector<bool> evaluate(const std::vector<Gate>& c) {
  std::vector<bool> v(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    const Gate& g = c[i];
    switch (g.op) {
      case Op::Const: v[i] = g.value; break;
      case Op::Not: v[i] = !v[g.in[0]]; break;
      case Op::And: v[i] = v[g.in[0]] && v[g.in[1]]; break;
      case Op::Or: v[i] = v[g.in[0]] || v[g.in[1]]; break;
    }
  }
  return v;
}

Instance to_json(const std::vector<Gate>& c) {
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& g : c) {
    if (g.op == Op::Const) {
      gates.push_back({{"op", "const"}, {"value", g.value ? 1 : 0}});
    } else {
      gates.push_back({{"op", g.op == Op::Not ? "not" : g.op == Op::And ? "and" : "or"}, {"in", g.in}});
    }
  }
  return {{"problem", "cvp"}, {"gates", std::move(gates)}};
}

// ---------------------------------------------------------------------------
// The stack cell.

/// A binary stack code push(b, E) = (α·b + γ + E)/β, read by
/// top(E) = ReLU(p(E − θ) + 1) − ReLU(p(E − θ)), popped by βE − α·top − γ.
struct StackCode {
  Exact beta, alpha, gamma, p, theta;
};

StackCode base4() { return {Exact(4), Exact(2), Exact(1), Exact(4), Exact(3, 4)}; }
StackCode base2(int m) {
  Exact p = 1;
  for (int i = 0; i < m; ++i) p *= 2;
  return {Exact(2), Exact(1), Exact(0), p, Exact(1, 2)};
}

models::ReluRnn stack_cell(const StackCode& code) {
  enum Unit : std::size_t { S = 0, T, A, B, R, D };
  models::ReluRnn r;
  r.d = D;
  // K exceeds every pre-activation: p(1 − θ) + 1 for the top units, 2 for A + B.
  const Exact K = code.p + 4;
  struct Hidden {
    std::vector<std::pair<std::size_t, Exact>> w;  ///< state unit, weight
    Exact c;
    std::vector<std::uint32_t> tokens;  ///< the tokens the unit serves
  };
  std::vector<Hidden> hs;
  auto unit = [&](std::vector<std::pair<std::size_t, Exact>> w, Exact c, std::vector<std::uint32_t> tokens) {
    hs.push_back({std::move(w), std::move(c), std::move(tokens)});
    return hs.size() - 1;
  };
  auto all_but = [](std::vector<std::uint32_t> not_these) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t t = 0; t < kTokens; ++t)
      if (std::find(not_these.begin(), not_these.end(), t) == not_these.end()) out.push_back(t);
    return out;
  };
  const Exact one = 1;
  // the two units of top(X), gated on the tokens
  auto top_pair = [&](std::size_t x, std::vector<std::uint32_t> tokens) {
    const std::size_t a = unit({{x, code.p}}, one - code.p * code.theta, tokens);
    const std::size_t b = unit({{x, code.p}}, -code.p * code.theta, tokens);
    return std::pair{a, b};
  };
  const std::vector<std::uint32_t> pushes = {kConst0, kConst1, kNot, kAnd, kOr};
  // move: pop S, push onto T
  const auto mv_top = top_pair(S, {kMove});
  const std::size_t mv_S = unit({{S, one}}, 0, {kMove}), mv_T = unit({{T, one}}, 0, {kMove}), mv_1 = unit({}, one, {kMove});
  // back: pop T, push onto S
  const auto bk_top = top_pair(T, {kBack});
  const std::size_t bk_T = unit({{T, one}}, 0, {kBack}), bk_S = unit({{S, one}}, 0, {kBack}), bk_1 = unit({}, one, {kBack});
  // loads and the answer read top(S)
  const auto la_top = top_pair(S, {kLoadA}), lb_top = top_pair(S, {kLoadB}), an_top = top_pair(S, {kAnswer});
  // keeping units
  const std::size_t keep_S = unit({{S, one}}, 0, {kLoadA, kLoadB, kAnswer});
  const std::size_t keep_T = unit({{T, one}}, 0, all_but({kMove, kBack}));
  const std::size_t keep_A = unit({{A, one}}, 0, all_but({kLoadA}));
  const std::size_t keep_B = unit({{B, one}}, 0, all_but({kLoadB}));
  const std::size_t keep_R = unit({{R, one}}, 0, all_but({kAnswer}));
  // the op tokens: push v onto S
  const std::size_t op_S = unit({{S, one}}, 0, pushes), op_1 = unit({}, one, pushes);
  const std::size_t v_const1 = unit({}, one, {kConst1});
  const std::size_t v_not = unit({{A, -one}}, one, {kNot});
  const std::size_t v_and = unit({{A, one}, {B, one}}, -one, {kAnd});
  const std::size_t v_or_a = unit({{A, one}, {B, one}}, 0, {kOr}), v_or_b = unit({{A, one}, {B, one}}, -one, {kOr});

  const std::size_t m1 = hs.size();
  r.W.assign(m1 * D, Exact(0));
  r.b.assign(m1, Exact(0));
  r.token_input.assign(kTokens, std::vector<Exact>(m1, Exact(0)));
  for (std::size_t i = 0; i < m1; ++i) {
    for (const auto& [j, w] : hs[i].w) r.W[i * D + j] = w;
    r.b[i] = hs[i].c;
    for (std::uint32_t t = 0; t < kTokens; ++t)
      if (std::find(hs[i].tokens.begin(), hs[i].tokens.end(), t) == hs[i].tokens.end()) r.token_input[t][i] = -K;
  }
  models::MlpLayer out;
  out.rows = D;
  out.cols = m1;
  out.relu = false;
  out.W.assign(D * m1, Exact(0));
  out.b.assign(D, Exact(0));
  auto add = [&](std::size_t row, std::size_t col, const Exact& w) { out.W[row * m1 + col] += w; };
  const Exact inv = 1 / code.beta;
  auto add_top = [&](std::size_t row, std::pair<std::size_t, std::size_t> tp, const Exact& w) {
    add(row, tp.first, w);
    add(row, tp.second, -w);
  };
  // S' and T' under move: S' = βS − α·top(S) − γ, T' = (α·top(S) + γ + T)/β
  add(S, mv_S, code.beta), add_top(S, mv_top, -code.alpha), add(S, mv_1, -code.gamma);
  add(T, mv_T, inv), add_top(T, mv_top, code.alpha * inv), add(T, mv_1, code.gamma * inv);
  // under back: T' = βT − α·top(T) − γ, S' = (α·top(T) + γ + S)/β
  add(T, bk_T, code.beta), add_top(T, bk_top, -code.alpha), add(T, bk_1, -code.gamma);
  add(S, bk_S, inv), add_top(S, bk_top, code.alpha * inv), add(S, bk_1, code.gamma * inv);
  // loads and the answer
  add_top(A, la_top, one), add_top(B, lb_top, one), add_top(R, an_top, one);
  add(S, keep_S, one), add(T, keep_T, one), add(A, keep_A, one), add(B, keep_B, one), add(R, keep_R, one);
  // ops: S' = (α·v + γ + S)/β with v = [const1] + ReLU(1 − A)[not] + ReLU(A + B − 1)[and]
  //                                  + (ReLU(A + B) − ReLU(A + B − 1))[or]
  add(S, op_S, inv), add(S, op_1, code.gamma * inv);
  const Exact av = code.alpha * inv;
  add(S, v_const1, av), add(S, v_not, av), add(S, v_and, av), add(S, v_or_a, av), add(S, v_or_b, -av);
  r.layers = {std::move(out)};
  r.h0.assign(D, Exact(0));
  r.c.assign(D, Exact(0));
  r.c[R] = 1;
  r.c0 = Exact(-1, 2);
  models::validate(r);
  return r;
}

std::shared_ptr<const automata::CompiledModel> shared_cell(bool base4_code) {
  static const auto four = std::make_shared<const automata::CompiledModel>(automata::CompiledModel{
      stack_cell(base4()), Architecture::Rnn,
      "ReLU-MLP RNN, width 5 (base-4 stacks S, T; registers A, B; output R), 28 hidden units"});
  static const auto two = std::make_shared<const automata::CompiledModel>(automata::CompiledModel{
      stack_cell(base2(kBase2Steepness)), Architecture::Rnn,
      fmt::format("ReLU-MLP RNN, width 5 (base-2 stacks S, T read by a step of slope 2^{}; registers A, B; output R), "
                  "28 hidden units",
                  kBase2Steepness)});
  return base4_code ? four : two;
}

/// The token program of a circuit (see the header comment).
std::vector<std::uint32_t> program(const std::vector<Gate>& c) {
  // the count first, to refuse huge encodings before allocating
  std::size_t count = 1;
  for (std::size_t g = 0; g < c.size(); ++g) {
    std::size_t far = 0;
    for (auto a : c[g].in) far = std::max(far, g - 1 - a);
    count += c[g].in.empty() ? 1 : 2 * far + c[g].in.size() + 1;
    if (count > kMaxTokens)
      throw ProblemError(fmt::format("cvp: the encoding of this circuit would exceed {} tokens (gates[{}])", kMaxTokens, g));
  }
  std::vector<std::uint32_t> t;
  t.reserve(count);
  auto repeat = [&](std::uint32_t tok, std::size_t k) { t.insert(t.end(), k, tok); };
  for (std::size_t g = 0; g < c.size(); ++g) {
    const Gate& gate = c[g];
    if (gate.op == Op::Const) {
      t.push_back(gate.value ? kConst1 : kConst0);
      continue;
    }
    // operands by distance below the top of S, nearer first
    std::vector<std::pair<std::size_t, std::uint32_t>> reads;
    reads.push_back({g - 1 - gate.in[0], kLoadA});
    if (gate.in.size() == 2) reads.push_back({g - 1 - gate.in[1], kLoadB});
    std::sort(reads.begin(), reads.end());
    std::size_t depth = 0;
    for (const auto& [k, load] : reads) {
      repeat(kMove, k - depth);
      depth = k;
      t.push_back(load);
    }
    repeat(kBack, depth);
    t.push_back(gate.op == Op::Not ? kNot : gate.op == Op::And ? kAnd : kOr);
  }
  t.push_back(kAnswer);
  return t;
}

// ---------------------------------------------------------------------------
// The generator.

/// A random circuit of n gates: ⌈n/8⌉ constants (at least 1), then gates
/// whose inputs lean on the most recent gates (depth grows with n) with a
/// quarter of them drawn uniformly from all earlier gates (long wires, fan-out).
Gate random_gate(std::size_t g, std::mt19937_64& rng) {
  auto operand = [&]() -> std::size_t {
    if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) return std::uniform_int_distribution<std::size_t>(0, g - 1)(rng);
    const std::size_t back = std::geometric_distribution<std::size_t>(0.5)(rng);
    return back >= g ? 0 : g - 1 - back;
  };
  Gate gate;
  const int kind = std::uniform_int_distribution<int>(0, 4)(rng);  // not 1/5, and 2/5, or 2/5
  gate.op = kind == 0 ? Op::Not : kind <= 2 ? Op::And : Op::Or;
  gate.in.push_back(operand());
  if (gate.op != Op::Not) gate.in.push_back(operand());
  return gate;
}

std::vector<Gate> random_circuit(std::size_t n, std::mt19937_64& rng) {
  const std::size_t inputs = std::max<std::size_t>(1, n / 8);
  std::vector<Gate> c;
  for (std::size_t g = 0; g < n; ++g) {
    if (g < inputs) {
      Gate k;
      k.value = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
      c.push_back(k);
    } else {
      c.push_back(random_gate(g, rng));
    }
  }
  return c;
}

class CvpProblem final : public Problem {
 public:
  CvpProblem() {
    info_.name = info_.family = "cvp";
    info_.complexity = automata::ComplexityClass::PComplete;
    info_.claim = "circuit value (gates in topological order: const, not, and, or; is the last gate true?): "
                  "P-complete under logspace reductions (Ladner 1975); a constant-width ReLU-MLP RNN simulates two "
                  "stacks with polynomial precision (Siegelmann-Sontag 1995; Merrill et al. ICML 2026 Thm 1/Cor 2) and "
                  "evaluates the circuit on an O(n^2)-token program";
    info_.instance_format = kFormat;
    info_.constructions = {
        {"relu-rnn", Architecture::Rnn, "ReLU-MLP RNN, width 5, 28 hidden units: two stacks in base 4 (top bit classes 1/4 apart, read "
                                        "exactly by ReLU(4E-2) - ReLU(4E-3)); needs about 2n significand bits"},
        {"relu-rnn-base2", Architecture::Rnn, fmt::format("the same cell with base-2 stacks (b + E)/2 read by a step of slope 2^{}: the top-bit "
                                                          "classes are only 2^-depth apart, so it errs on deep stacks (for the margin "
                                                          "comparison)",
                                                          kBase2Steepness)}};
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (n == 0) throw ProblemError("cvp: a circuit needs at least one gate (n >= 1)");
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(n >> 32), static_cast<std::uint32_t>(yes), 0x63767075u};
    std::mt19937_64 rng(seq);
    std::vector<Gate> c;
    // rejection: whole circuits first (the label is then the natural
    // process's conditioned on the answer) …
    for (int tries = 0; tries < 64; ++tries) {
      c = random_circuit(n, rng);
      if (evaluate(c).back() == yes) return to_json(c);
    }
    if (n == 1) {
      c[0].value = yes;
      return to_json(c);
    }
    // … then the last gate alone, redrawn until it has the wanted value
    // (n ≥ 2, so the last gate is not an input; a `not` of its operand flips it)
    const auto v = evaluate(c);
    for (int tries = 0; tries < 256; ++tries) {
      Gate g = random_gate(n - 1, rng);
      const bool x = g.op == Op::Not ? !v[g.in[0]] : g.op == Op::And ? v[g.in[0]] && v[g.in[1]] : v[g.in[0]] || v[g.in[1]];
      if (x == yes) {
        c.back() = std::move(g);
        return to_json(c);
      }
    }
    // the last resort (not reached in practice): not or copy of the previous gate
    c.back() = v[n - 2] == yes ? Gate{Op::Or, false, {n - 2, n - 2}} : Gate{Op::Not, false, {n - 2}};
    return to_json(c);
  }

  void validate(const Instance& in) const override { (void)read_circuit(in); }
  bool solve(const Instance& in) const override { return evaluate(read_circuit(in)).back(); }

  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const auto c = read_circuit(in);
    return {shared_cell(construction == "relu-rnn"), program(c)};
  }

 private:
  ProblemInfo info_;
};

}  // namespace

std::unique_ptr<Problem> make_cvp_problem(const std::string& name) {
  if (name == "cvp") return std::make_unique<CvpProblem>();
  return nullptr;
}

}  // namespace parallax::reductions
