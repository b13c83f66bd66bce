// The instruction-following transformer for threshold circuits (see the
// header for the token format and the mechanism).
#include "models/instruction_transformer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace parallax::models {
namespace {

constexpr const char* kModelName = "instruction_threshold";
constexpr const char* kEndToken = "?";

// Columns of the residual stream.
enum Col : std::size_t {
  kOne,     // constant 1
  kIdp,     // declarations: wire + 1
  kSq,      // declarations: (wire + 1)²
  kRp,      // operands: referenced wire + 1
  kNeg,     // operands: 1 if negated
  kIsOp,    // operand token
  kIsHdr,   // gate header token
  kIsEnd,   // the end token "?"
  kK,       // headers: threshold k
  kVal,     // declarations and "?": the current 0/1 value
  kOwnP,    // idp of the latest header (layer 0)
  kOwnSq,   // its sq
  kFetch,   // scratch: the fetched value (cleared by the same layer's MLP)
  kLit,     // operands: the literal's current value
  kTmp,     // scratch: the group average (cleared by the same layer's MLP)
  kDModel
};

Exact ex(std::size_t v) { return Exact(static_cast<long>(v)); }

std::string input_token(std::size_t wire, bool value) { return fmt::format("w{}={}", wire, value ? 1 : 0); }
std::string header_token(std::size_t wire, std::size_t k) { return fmt::format("w{}>={}", wire, k); }
std::string operand_token(std::size_t wire, bool negated) { return fmt::format("{}w{}", negated ? '-' : '+', wire); }

std::string gate_where(const ThresholdCircuitDesc& d, std::size_t g) {
  return fmt::format("threshold circuit: gate {} (wire {})", g, d.inputs + g);
}

/// The bit x_j (for all 2^m inputs when m ≤ 12, else random rows).
std::vector<std::vector<bool>> probe_inputs(std::uint32_t m, std::mt19937_64& rng) {
  std::vector<std::vector<bool>> rows;
  if (m <= 12) {
    for (std::uint64_t x = 0; x < (std::uint64_t(1) << m); ++x) {
      std::vector<bool> r(m);
      for (std::uint32_t j = 0; j < m; ++j) r[j] = (x >> j) & 1;
      rows.push_back(std::move(r));
    }
  } else {
    std::bernoulli_distribution coin(0.5);
    for (int t = 0; t < 256; ++t) {
      std::vector<bool> r(m);
      for (std::uint32_t j = 0; j < m; ++j) r[j] = coin(rng);
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

}  // namespace

// ---- circuit descriptions ------------------------------------------------------------

void validate(const ThresholdCircuitDesc& d) {
  if (d.inputs == 0) throw InstructionError("threshold circuit: inputs: needs at least one input wire");
  if (d.gates.empty()) throw InstructionError("threshold circuit: gates: needs at least one gate (the last gate is the output)");
  for (std::size_t g = 0; g < d.gates.size(); ++g) {
    const auto& G = d.gates[g];
    if (G.operands.empty()) throw InstructionError(gate_where(d, g) + ": operands: a gate needs at least one operand");
    if (G.k > G.operands.size())
      throw InstructionError(fmt::format("{}: k: threshold {} exceeds the fan-in {} (0 ≤ k ≤ fan-in)", gate_where(d, g), G.k,
                                         G.operands.size()));
    const std::size_t self = d.inputs + g;
    for (std::size_t o = 0; o < G.operands.size(); ++o)
      if (G.operands[o].wire >= self)
        throw InstructionError(fmt::format(
            "{}: operand {} refers to wire {}, which is not an earlier wire (operands must name an input or an earlier gate: "
            "wire < {})",
            gate_where(d, g), o, G.operands[o].wire, self));
  }
}

std::vector<std::size_t> wire_depths(const ThresholdCircuitDesc& d) {
  validate(d);
  std::vector<std::size_t> depth(d.wires(), 0);
  for (std::size_t g = 0; g < d.gates.size(); ++g) {
    std::size_t m = 0;
    for (const auto& o : d.gates[g].operands) m = std::max(m, depth[o.wire]);
    depth[d.inputs + g] = m + 1;
  }
  return depth;
}

std::size_t circuit_depth(const ThresholdCircuitDesc& d) {
  const auto depth = wire_depths(d);
  return *std::max_element(depth.begin(), depth.end());
}

std::size_t circuit_max_fanin(const ThresholdCircuitDesc& d) {
  std::size_t f = 0;
  for (const auto& G : d.gates) f = std::max(f, G.operands.size());
  return f;
}

bool evaluate_threshold_circuit(const ThresholdCircuitDesc& d, const std::vector<bool>& inputs) {
  validate(d);
  if (inputs.size() != d.inputs)
    throw InstructionError(fmt::format("threshold circuit: {} input bits given, the circuit has {} inputs", inputs.size(), d.inputs));
  std::vector<bool> v(inputs);
  for (const auto& G : d.gates) {
    std::size_t ones = 0;
    for (const auto& o : G.operands) ones += v[o.wire] != o.negated;
    v.push_back(ones >= G.k);
  }
  return v.back();
}

ThresholdCircuitDesc random_threshold_circuit(const RandomThresholdCircuitOptions& opt) {
  if (opt.inputs == 0) throw InstructionError("random threshold circuit: inputs: must be ≥ 1");
  if (opt.depth == 0) throw InstructionError("random threshold circuit: depth: must be ≥ 1");
  if (opt.gates_per_level == 0) throw InstructionError("random threshold circuit: gates_per_level: must be ≥ 1");
  if (opt.max_fanin == 0) throw InstructionError("random threshold circuit: max_fanin: must be ≥ 1");
  std::mt19937_64 rng(opt.seed);
  auto uniform = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
  const auto probes = probe_inputs(opt.inputs, rng);

  ThresholdCircuitDesc best;
  for (int attempt = 0; attempt < 64; ++attempt) {
    ThresholdCircuitDesc d;
    d.inputs = opt.inputs;
    // wires of the previous level: [prev_lo, prev_hi)
    std::size_t prev_lo = 0, prev_hi = opt.inputs;
    for (std::size_t level = 1; level <= opt.depth; ++level) {
      const std::size_t count = level == opt.depth ? 1 : opt.gates_per_level;
      const std::size_t first = d.wires();
      for (std::size_t i = 0; i < count; ++i) {
        ThresholdGateDesc G;
        const std::size_t fanin = uniform(1, opt.max_fanin);
        // one operand from the previous level fixes the gate's depth at `level`;
        // the others come from every earlier wire, distinct while possible
        std::vector<std::uint32_t> chosen{static_cast<std::uint32_t>(uniform(prev_lo, prev_hi - 1))};
        while (chosen.size() < fanin) {
          const auto w = static_cast<std::uint32_t>(uniform(0, first - 1));
          if (std::find(chosen.begin(), chosen.end(), w) != chosen.end() && chosen.size() < first) continue;
          chosen.push_back(w);
        }
        std::shuffle(chosen.begin(), chosen.end(), rng);
        for (auto w : chosen) G.operands.push_back({w, uniform(0, 1) == 1});
        G.k = static_cast<std::uint32_t>(uniform(1, fanin));
        d.gates.push_back(std::move(G));
      }
      prev_lo = first, prev_hi = d.wires();
    }
    best = std::move(d);
    bool seen[2] = {false, false};
    for (const auto& x : probes) seen[evaluate_threshold_circuit(best, x)] = true;
    if (seen[0] && seen[1]) break;
  }
  return best;
}

// ---- the transformer -------------------------------------------------------------------

void validate(const InstructionLimits& L) {
  if (L.max_depth == 0 || L.max_depth > 1024)
    throw InstructionError(fmt::format("instruction limits: max_depth: {} is outside 1 … 1024", L.max_depth));
  if (L.max_wires < 2 || L.max_wires > 4096)
    throw InstructionError(fmt::format("instruction limits: max_wires: {} is outside 2 … 4096", L.max_wires));
  if (L.max_fanin == 0 || L.max_fanin > 64)
    throw InstructionError(fmt::format("instruction limits: max_fanin: {} is outside 1 … 64", L.max_fanin));
}

TransformerSpec instruction_transformer(const InstructionLimits& L) {
  validate(L);
  const std::size_t W = L.max_wires, F = L.max_fanin;

  // Vocabulary and embeddings (the only place where token identity enters).
  std::vector<std::string> vocab;
  struct Row {
    std::size_t col;
    Exact value;
  };
  std::vector<std::vector<Row>> rows;
  auto declaration = [&](std::size_t w) {
    return std::vector<Row>{{kOne, 1}, {kIdp, ex(w + 1)}, {kSq, ex((w + 1) * (w + 1))}};
  };
  for (std::size_t w = 0; w < W; ++w)
    for (int b = 0; b < 2; ++b) {
      vocab.push_back(input_token(w, b));
      rows.push_back(declaration(w));
      rows.back().push_back({kVal, b});
    }
  for (std::size_t w = 0; w < W; ++w)
    for (std::size_t k = 0; k <= F; ++k) {
      vocab.push_back(header_token(w, k));
      rows.push_back(declaration(w));
      rows.back().push_back({kIsHdr, 1});
      rows.back().push_back({kK, ex(k)});
    }
  for (std::size_t w = 0; w < W; ++w)
    for (int neg = 0; neg < 2; ++neg) {
      vocab.push_back(operand_token(w, neg));
      rows.push_back({{kOne, 1}, {kRp, ex(w + 1)}, {kNeg, neg}, {kIsOp, 1}});
    }
  vocab.push_back(kEndToken);
  rows.push_back({{kOne, 1}, {kIsEnd, 1}});

  TransformerSpec s = make_transformer(std::move(vocab), kDModel);
  s.name = kModelName;
  s.description = fmt::format(
      "evaluates any threshold circuit of depth <= {}, <= {} wires and fan-in <= {} given in its input "
      "(docs/instruction-transformer.md): 2 layers per level",
      L.max_depth, W, F);
  for (std::size_t t = 0; t < rows.size(); ++t)
    for (const auto& r : rows[t]) s.embedding.at(t, r.col) = r.value;

  // Step gap: a gate's group average is ≥ 0 when it is 1 and ≤ −1/(F+1) when
  // it is 0; u = 2(F+1)·avg + 1 is then ≥ 1 or ≤ −1, and
  // relu(u + 1/2) − relu(u − 1/2) is exactly 1 or 0 with a margin of 1/2 in u.
  const Exact M = ex(2 * (F + 1));
  // Gating offset: at tokens that are not headers / "?" the average is ≤ 1,
  // so u + 3/2 ≤ 2(F+1) + 5/2 < B and the step units stay off.
  const Exact B = ex(2 * (F + 1) + 3);

  for (std::size_t level = 1; level <= L.max_depth; ++level) {
    {  // fetch: each operand reads its wire's current value
      TransformerLayer& layer = add_layer(s);
      {
        AttentionHead& h = add_head(s, layer, AttentionKind::Hard, AttentionMask::Causal, 2);
        // score 2·rp·idp − idp²: (R+1)² at wire R's declaration, at least 1
        // less at other declarations, 0 at non-declarations
        h.W_Q.at(kRp, 0) = 2;
        h.W_Q.at(kOne, 1) = 1;
        h.W_K.at(kIdp, 0) = 1;
        h.W_K.at(kSq, 1) = -1;
        h.W_V.at(kVal, 0) = 1;
        h.W_O.at(0, kFetch) = 1;
      }
      if (level == 1) {
        // owner: the latest header at or before each token (rightmost tie of
        // the constant score [header]); a token with no header before it
        // (an input) gets its own idp, which matches no gate's group
        AttentionHead& h = add_head(s, layer, AttentionKind::Hard, AttentionMask::Causal, 2);
        h.tie = TieBreak::Rightmost;
        h.W_Q.at(kOne, 0) = 1;
        h.W_K.at(kIsHdr, 0) = 1;
        h.W_V.at(kIdp, 0) = 1;
        h.W_V.at(kSq, 1) = 1;
        h.W_O.at(0, kOwnP) = 1;
        h.W_O.at(1, kOwnSq) = 1;
      }
      // lit ← [operand]·|fetch − neg| (XOR of 0/1 values), fetch ← 0
      ReluMlp& m = add_mlp(s, layer, 6);
      m.W1.at(kFetch, 0) = 1, m.W1.at(kNeg, 0) = -1, m.W1.at(kIsOp, 0) = 1, m.b1[0] = -1;
      m.W1.at(kFetch, 1) = -1, m.W1.at(kNeg, 1) = 1, m.W1.at(kIsOp, 1) = 1, m.b1[1] = -1;
      m.W1.at(kLit, 2) = 1, m.W1.at(kLit, 3) = -1;      // ±lit: remove the old literal
      m.W1.at(kFetch, 4) = 1, m.W1.at(kFetch, 5) = -1;  // ±fetch: clear the scratch column
      m.W2.at(0, kLit) = 1, m.W2.at(1, kLit) = 1, m.W2.at(2, kLit) = -1, m.W2.at(3, kLit) = 1;
      m.W2.at(4, kFetch) = -1, m.W2.at(5, kFetch) = 1;
    }
    {  // gate: headers (and "?") average their group and threshold it
      TransformerLayer& layer = add_layer(s);
      AttentionHead& h = add_head(s, layer, AttentionKind::Average, AttentionMask::Bidirectional, 2);
      // score 2·own_i·own_j − own_j² − [j = ?]: (g+1)² exactly on gate g's
      // header and operands (the "?" token scores one less)
      h.W_Q.at(kOwnP, 0) = 2;
      h.W_Q.at(kOne, 1) = 1;
      h.W_K.at(kOwnP, 0) = 1;
      h.W_K.at(kOwnSq, 1) = -1;
      h.W_K.at(kIsEnd, 1) = -1;
      h.W_V.at(kLit, 0) = 1;
      h.W_V.at(kK, 0) = -1;  // the header contributes −k: avg = (#true − k)/(fan-in + 1)
      h.W_O.at(0, kTmp) = 1;

      // val ← [header or ?]·step(tmp), tmp ← 0
      ReluMlp& m = add_mlp(s, layer, 6);
      for (std::size_t u = 0; u < 2; ++u) {
        m.W1.at(kTmp, u) = M;
        m.W1.at(kIsHdr, u) = B;
        m.W1.at(kIsEnd, u) = B;
      }
      m.b1[0] = Exact(3, 2) - B;  // u + 1/2 (u = M·tmp + 1), gated
      m.b1[1] = Exact(1, 2) - B;  // u − 1/2, gated
      // ±val at headers and "?" only (val ≤ 1 elsewhere, so val − 1 ≤ 0)
      m.W1.at(kVal, 2) = 1, m.W1.at(kIsHdr, 2) = 1, m.W1.at(kIsEnd, 2) = 1, m.b1[2] = -1;
      m.W1.at(kVal, 3) = -1, m.W1.at(kIsHdr, 3) = 1, m.W1.at(kIsEnd, 3) = 1, m.b1[3] = -1;
      m.W1.at(kTmp, 4) = 1, m.W1.at(kTmp, 5) = -1;
      m.W2.at(0, kVal) = 1, m.W2.at(1, kVal) = -1, m.W2.at(2, kVal) = -1, m.W2.at(3, kVal) = 1;
      m.W2.at(4, kTmp) = -1, m.W2.at(5, kTmp) = 1;
    }
  }
  std::vector<Exact> c(kDModel, Exact(0));
  c[kVal] = 1;
  set_readout(s, std::move(c), Exact(-1, 2));
  validate(s);
  return s;
}

InstructionLimits instruction_limits(const TransformerSpec& s) {
  if (s.name != kModelName || s.d_model != kDModel || s.layers.empty() || s.layers.size() % 2 != 0 || s.vocab.empty() ||
      s.vocab.back() != kEndToken)
    throw InstructionError(fmt::format("transformer '{}' is not an instruction transformer (instruction_transformer builds one)", s.name));
  std::size_t operands = 0;
  for (const auto& v : s.vocab) operands += !v.empty() && v[0] == '+';
  InstructionLimits L;
  L.max_depth = s.layers.size() / 2;
  L.max_wires = operands;
  // vocabulary: 2W inputs + W(F+1) headers + 2W operands + 1
  if (operands == 0 || (s.vocab.size() - 1 - 4 * operands) % operands != 0)
    throw InstructionError(fmt::format("transformer '{}': the vocabulary is not an instruction transformer's", s.name));
  L.max_fanin = (s.vocab.size() - 1 - 4 * operands) / operands - 1;
  validate(L);
  return L;
}

void check_within(const ThresholdCircuitDesc& d, const InstructionLimits& L) {
  const std::size_t depth = circuit_depth(d);  // validates
  if (d.wires() > L.max_wires)
    throw InstructionError(fmt::format("threshold circuit: {} wires ({} inputs + {} gates) exceed the model's max_wires {}",
                                       d.wires(), d.inputs, d.gates.size(), L.max_wires));
  for (std::size_t g = 0; g < d.gates.size(); ++g)
    if (d.gates[g].operands.size() > L.max_fanin)
      throw InstructionError(fmt::format("{}: fan-in {} exceeds the model's max_fanin {}", gate_where(d, g),
                                         d.gates[g].operands.size(), L.max_fanin));
  if (depth > L.max_depth)
    throw InstructionError(fmt::format("threshold circuit: depth {} exceeds the model's max_depth {} (2 layers per level: the model "
                                       "has {} layers)",
                                       depth, L.max_depth, instruction_layer_count(L.max_depth)));
}

std::vector<std::string> instruction_token_names(const ThresholdCircuitDesc& d, const std::vector<bool>& inputs) {
  validate(d);
  if (inputs.size() != d.inputs)
    throw InstructionError(fmt::format("threshold circuit: {} input bits given, the circuit has {} inputs", inputs.size(), d.inputs));
  std::vector<std::string> t;
  for (std::size_t i = 0; i < d.inputs; ++i) t.push_back(input_token(i, inputs[i]));
  for (std::size_t g = 0; g < d.gates.size(); ++g) {
    t.push_back(header_token(d.inputs + g, d.gates[g].k));
    for (const auto& o : d.gates[g].operands) t.push_back(operand_token(o.wire, o.negated));
  }
  t.push_back(kEndToken);
  return t;
}

std::vector<std::uint32_t> instruction_tokens(const TransformerSpec& spec, const ThresholdCircuitDesc& d,
                                              const std::vector<bool>& inputs) {
  check_within(d, instruction_limits(spec));
  std::vector<std::uint32_t> ids;
  for (const auto& name : instruction_token_names(d, inputs)) ids.push_back(token_index(spec, name));
  return ids;
}

}  // namespace parallax::models
