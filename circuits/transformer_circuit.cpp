#include "circuits/transformer_circuit.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <stdexcept>

namespace parallax::circuits {

namespace {

using models::AttentionKind;
using models::AttentionMask;
using models::ExactMatrix;
using numeric::Exact;

/// Builds gates with the identities x·0 = 0, x·1 = x, x + 0 = x, x / 1 = x
/// folded (exact at every precision), equal constants shared, and — for
/// bounded fan-in — every wide gate expanded into a balanced binary tree.
/// Unlike detail::Builder it never combines two constants: the circuit must
/// round as the evaluator does, which computes with converted parameters.
class Gates {
 public:
  Gates(Circuit& c, FanIn f) : c_(c), fanin_(f) {}

  GateId constant(const Exact& v) {
    if (auto it = consts_.find(v); it != consts_.end()) return it->second;
    const GateId g = c_.constant(v);
    consts_.emplace(v, g);
    return g;
  }
  GateId input() { return c_.input(); }
  bool is(GateId g, int v) const {
    const Gate& G = c_[g];
    return G.kind == GateKind::Const && c_.constants()[G.param] == v;
  }
  GateId add(GateId a, GateId b) {
    if (is(a, 0)) return b;
    if (is(b, 0)) return a;
    return c_.add(a, b);
  }
  GateId sub(GateId a, GateId b) { return is(b, 0) ? a : c_.sub(a, b); }
  GateId mul(GateId a, GateId b) {
    if (is(a, 0) || is(b, 0)) return constant(Exact(0));
    if (is(a, 1)) return b;
    if (is(b, 1)) return a;
    return c_.mul(a, b);
  }
  GateId div(GateId a, GateId b) { return is(b, 1) ? a : c_.div(a, b); }
  GateId ge(GateId a, GateId b) { return c_.ge(a, b); }
  GateId relu(GateId a) { return is(a, 0) ? a : c_.relu(a); }
  GateId exp(GateId a) { return c_.exp(a); }
  GateId sqrt(GateId a) { return c_.sqrt(a); }
  GateId positive(GateId a) { return c_.positive(a); }

  /// x₀ + x₁ + … folded left to right (the evaluator's order); zero terms
  /// dropped (adding ±0 changes no value).
  GateId sum(const std::vector<GateId>& xs) {
    std::vector<GateId> live;
    live.reserve(xs.size());
    for (GateId x : xs)
      if (!is(x, 0)) live.push_back(x);
    if (live.empty()) return constant(Exact(0));
    if (live.size() == 1) return live[0];
    if (fanin_ == FanIn::Bounded) return tree(live, GateKind::Add);
    return c_.sum(live);
  }
  /// The maximum of xs (one gate, or a balanced tree of binary Max gates).
  GateId max(const std::vector<GateId>& xs) {
    if (xs.size() == 1) return xs[0];
    if (fanin_ == FanIn::Bounded) return tree(xs, GateKind::Max);
    return c_.gate(GateKind::Max, xs);
  }

 private:
  GateId tree(std::vector<GateId> level, GateKind k) {
    while (level.size() > 1) {
      std::vector<GateId> next;
      next.reserve((level.size() + 1) / 2);
      for (std::size_t i = 0; i + 1 < level.size(); i += 2) next.push_back(c_.gate(k, {level[i], level[i + 1]}));
      if (level.size() % 2) next.push_back(level.back());
      level = std::move(next);
    }
    return level[0];
  }

  Circuit& c_;
  FanIn fanin_;
  std::map<Exact, GateId> consts_;
};

using Vec = std::vector<GateId>;

/// bias + x M (bias null: zeros), as run_transformer's vecmat: y_j = b_j + Σ_i x_i·M_ij.
Vec vecmat(Gates& B, const Vec& x, const ExactMatrix& M, const std::vector<Exact>* bias = nullptr) {
  Vec y(M.cols);
  Vec terms;
  for (std::size_t j = 0; j < M.cols; ++j) {
    terms.clear();
    if (bias) terms.push_back(B.constant((*bias)[j]));
    for (std::size_t i = 0; i < M.rows; ++i) terms.push_back(B.mul(x[i], B.constant(M.at(i, j))));
    y[j] = B.sum(terms);
  }
  return y;
}

GateId dot(Gates& B, const Vec& a, const Vec& b) {
  Vec terms;
  terms.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) terms.push_back(B.mul(a[i], b[i]));
  return B.sum(terms);
}

/// run_transformer's layer_norm: gain_k (x_k − μ) / √(σ² + eps) + bias_k.
void layer_norm(Gates& B, Vec& x, const models::LayerNorm& n) {
  const GateId d = B.constant(Exact(static_cast<long>(x.size())));
  const GateId mean = B.div(B.sum(x), d);
  Vec squares;
  for (auto& v : x) {
    v = B.sub(v, mean);
    squares.push_back(B.mul(v, v));
  }
  const GateId var = B.div(B.sum(squares), d);
  const GateId root = B.sqrt(B.add(var, B.constant(n.eps)));
  for (std::size_t k = 0; k < x.size(); ++k)
    x[k] = B.add(B.div(B.mul(B.constant(n.gain[k]), x[k]), root), B.constant(n.bias[k]));
}

/// One head's output (d_head gates) at query i, given the query's scores
/// over its keys 0 … keys−1 and the values.
Vec attend(Gates& B, const models::AttentionHead& h, const Vec& s, const std::vector<Vec>& v) {
  const std::size_t keys = s.size(), dh = h.d_head;
  Vec out(dh), terms(keys);
  if (keys == 1) return v[0];  // every rule attends to the only key with weight 1
  const GateId top = B.max(s);
  if (h.kind == AttentionKind::Softmax) {
    Vec e(keys);
    for (std::size_t j = 0; j < keys; ++j) e[j] = B.exp(B.sub(s[j], top));
    const GateId total = B.sum(e);
    for (std::size_t c = 0; c < dh; ++c) {
      for (std::size_t j = 0; j < keys; ++j) terms[j] = B.mul(e[j], v[j][c]);
      out[c] = B.div(B.sum(terms), total);
    }
    return out;
  }
  Vec eq(keys);  // 1 where key j attains the maximal score (s_ij ≥ max ⇔ s_ij = max)
  for (std::size_t j = 0; j < keys; ++j) eq[j] = B.ge(s[j], top);
  if (h.kind == AttentionKind::Hard) {
    // w_j = eq_j·(keys − j) (leftmost) or eq_j·(j + 1) (rightmost): positive
    // exactly on maximal keys and largest on the one the tie rule picks, so a
    // second Max and a Ge test select that single key
    Vec w(keys);
    for (std::size_t j = 0; j < keys; ++j) {
      const std::size_t off = h.tie == models::TieBreak::Leftmost ? keys - j : j + 1;
      w[j] = B.mul(eq[j], B.constant(Exact(static_cast<long>(off))));
    }
    const GateId best = B.max(w);
    Vec sel(keys);
    for (std::size_t j = 0; j < keys; ++j) sel[j] = B.ge(w[j], best);
    for (std::size_t c = 0; c < dh; ++c) {
      for (std::size_t j = 0; j < keys; ++j) terms[j] = B.mul(sel[j], v[j][c]);
      out[c] = B.sum(terms);  // one term is v_j*, the others ±0: exact
    }
    return out;
  }
  // average: Σ over maximal keys in increasing j (the evaluator's order;
  // the terms of the other keys are ±0), divided by their count
  const GateId count = B.sum(eq);
  for (std::size_t c = 0; c < dh; ++c) {
    for (std::size_t j = 0; j < keys; ++j) terms[j] = B.mul(eq[j], v[j][c]);
    out[c] = B.div(B.sum(terms), count);
  }
  return out;
}

/// The gates the outputs read, with every input kept (inputs are numbered).
Circuit prune(const Circuit& c) {
  std::vector<char> live(c.size(), 0);
  for (GateId g : c.outputs()) live[g] = 1;
  for (GateId g = static_cast<GateId>(c.size()); g-- > 0;) {
    if (c[g].kind == GateKind::Input) live[g] = 1;
    if (!live[g]) continue;
    const GateId* op = c.operands(g);
    for (std::uint32_t i = 0; i < c[g].fanin; ++i) live[op[i]] = 1;
  }
  Circuit r;
  std::size_t gates = 0, edges = 0;
  for (GateId g = 0; g < c.size(); ++g)
    if (live[g]) ++gates, edges += c[g].fanin;
  r.reserve(gates, edges);
  std::vector<GateId> id(c.size(), 0);
  std::vector<GateId> ops;
  for (GateId g = 0; g < c.size(); ++g) {
    if (!live[g]) continue;
    const Gate& G = c[g];
    if (G.kind == GateKind::Input) id[g] = r.input();
    else if (G.kind == GateKind::Const) id[g] = r.constant(c.constants()[G.param]);
    else {
      ops.assign(c.operands(g), c.operands(g) + G.fanin);
      for (auto& o : ops) o = id[o];
      id[g] = r.gate(G.kind, ops, G.param);
    }
  }
  for (GateId g : c.outputs()) r.mark_output(id[g]);
  return r;
}

}  // namespace

std::vector<Exact> transformer_one_hot_inputs(const models::TransformerSpec& spec, const std::vector<std::uint32_t>& tokens) {
  const std::size_t k = spec.vocab.size();
  std::vector<Exact> x(tokens.size() * k, Exact(0));
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t] >= k)
      throw std::invalid_argument(fmt::format("transformer_one_hot_inputs: token index {} at position {} is outside the "
                                              "vocabulary of '{}' ({} tokens)",
                                              tokens[t], t, spec.name, k));
    x[t * k + tokens[t]] = 1;
  }
  return x;
}

Circuit transformer_circuit(const models::TransformerSpec& spec, std::size_t n, FanIn fanin) {
  try {
    models::validate(spec);
  } catch (const models::ModelError& e) {
    throw std::invalid_argument(e.what());
  }
  if (!spec.has_readout())
    throw std::invalid_argument(
        fmt::format("transformer '{}' has no readout (field c): the circuit outputs the final score", spec.name));
  const bool bos = !spec.bos.empty();
  const std::size_t P = n + (bos ? 1 : 0), k = spec.vocab.size(), d = spec.d_model;
  if (P == 0)
    throw std::invalid_argument(fmt::format("transformer '{}': n = 0 and the model has no bos token (empty input)", spec.name));
  if (spec.max_len > 0 && P > spec.max_len)
    throw std::invalid_argument(fmt::format("transformer '{}': n = {} tokens{} exceed max_len = {}", spec.name, n,
                                            bos ? " plus bos" : "", spec.max_len));

  Circuit c;
  Gates B(c, fanin);
  std::vector<Vec> ind(n, Vec(k));
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t s = 0; s < k; ++s) ind[t][s] = B.input();

  // x_p = E[w_p] + P[p]; a token's row is Σ_σ x[t][σ]·E[σ] (one term is the
  // row, the others ±0: exact), a constant where every token agrees
  std::vector<Vec> x(P, Vec(d));
  const std::size_t bos_index = bos ? models::token_index(spec, spec.bos) : 0;
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t col = 0; col < d; ++col) {
      GateId e;
      if (bos && p == 0) {
        e = B.constant(spec.embedding.at(bos_index, col));
      } else {
        const std::size_t t = p - (bos ? 1 : 0);
        bool same = true;
        for (std::size_t s = 1; s < k; ++s) same = same && spec.embedding.at(s, col) == spec.embedding.at(0, col);
        if (same) {
          e = B.constant(spec.embedding.at(0, col));
        } else {
          Vec terms(k);
          for (std::size_t s = 0; s < k; ++s) terms[s] = B.mul(B.constant(spec.embedding.at(s, col)), ind[t][s]);
          e = B.sum(terms);
        }
      }
      // the evaluator adds the positional row as a separate rounded step
      x[p][col] = spec.has_positions() ? B.add(e, B.constant(spec.positions.at(p, col))) : e;
    }

  for (std::size_t l = 0; l < spec.layers.size(); ++l) {
    const auto& L = spec.layers[l];
    // the outputs read the last position only, so the last layer computes it alone
    const std::size_t first = l + 1 == spec.layers.size() ? P - 1 : 0;
    if (!L.heads.empty()) {
      std::vector<std::vector<Vec>> a_heads;  // [head][position - first] → d_model gates
      for (const auto& h : L.heads) {
        std::vector<Vec> kk(P), vv(P);
        for (std::size_t p = 0; p < P; ++p) kk[p] = vecmat(B, x[p], h.W_K), vv[p] = vecmat(B, x[p], h.W_V);
        std::optional<GateId> scale;
        if (h.scale) scale = B.constant(*h.scale);
        else if (h.kind == AttentionKind::Softmax)  // 1/√d_head, computed at the run's precision as the evaluator does
          scale = B.div(B.constant(Exact(1)), B.sqrt(B.constant(Exact(static_cast<long>(h.d_head)))));
        std::vector<Vec> per_pos;
        for (std::size_t i = first; i < P; ++i) {
          const Vec q = vecmat(B, x[i], h.W_Q);
          const std::size_t keys = h.mask == AttentionMask::Causal ? i + 1 : P;
          Vec s(keys);
          for (std::size_t j = 0; j < keys; ++j) {
            s[j] = dot(B, q, kk[j]);
            if (scale) s[j] = B.mul(*scale, s[j]);
          }
          per_pos.push_back(vecmat(B, attend(B, h, s, vv), h.W_O));
        }
        a_heads.push_back(std::move(per_pos));
      }
      for (std::size_t i = first; i < P; ++i) {
        for (std::size_t col = 0; col < d; ++col) {
          Vec terms;
          for (const auto& a : a_heads) terms.push_back(a[i - first][col]);
          x[i][col] = B.add(x[i][col], B.sum(terms));
        }
        if (L.norm_attn) layer_norm(B, x[i], *L.norm_attn);
      }
    }
    if (L.mlp) {
      for (std::size_t i = first; i < P; ++i) {
        Vec hidden = vecmat(B, x[i], L.mlp->W1, &L.mlp->b1);
        for (auto& z : hidden) z = B.relu(z);
        const Vec y = vecmat(B, hidden, L.mlp->W2, &L.mlp->b2);
        for (std::size_t col = 0; col < d; ++col) x[i][col] = B.add(x[i][col], y[col]);
        if (L.norm_mlp) layer_norm(B, x[i], *L.norm_mlp);
      }
    }
  }

  Vec cvec(d);
  for (std::size_t col = 0; col < d; ++col) cvec[col] = B.constant(spec.c[col]);
  const GateId score = B.add(B.constant(spec.c0), dot(B, cvec, x[P - 1]));
  c.mark_output(B.positive(score));
  c.mark_output(score);
  return prune(c);
}

Circuit to_circuit(const models::ThresholdCircuitDesc& desc) {
  models::validate(desc);
  Circuit c;
  std::vector<GateId> wire(desc.wires());
  for (std::uint32_t i = 0; i < desc.inputs; ++i) wire[i] = c.input();
  for (std::size_t g = 0; g < desc.gates.size(); ++g) {
    std::vector<GateId> ops;
    for (const auto& o : desc.gates[g].operands) ops.push_back(o.negated ? c.bnot(wire[o.wire]) : wire[o.wire]);
    wire[desc.inputs + g] = c.threshold(ops, desc.gates[g].k);
  }
  c.mark_output(wire.back());
  return c;
}

}  // namespace parallax::circuits
