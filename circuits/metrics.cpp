#include "circuits/metrics.hpp"

#include <algorithm>
#include <stdexcept>

#include "circuits/evaluate.hpp"

namespace parallax::circuits {

namespace {
std::size_t ceil_log2(std::size_t f) {
  std::size_t l = 0;
  while ((std::size_t(1) << l) < f) ++l;
  return l;
}
}  // namespace

std::size_t bounded_levels(GateKind k, std::size_t fanin) {
  const std::size_t tree = ceil_log2(fanin);
  if (k == GateKind::Threshold || k == GateKind::Majority) return tree + 1;
  return std::max<std::size_t>(1, tree);
}

Metrics measure(const Circuit& c) {
  Metrics m;
  const std::size_t n = c.size();
  std::vector<std::uint32_t> depth(n, 0), mdepth(n, 0), bdepth(n, 0);
  for (GateId g = 0; g < n; ++g) {
    const Gate& G = c[g];
    ++m.per_kind[static_cast<int>(G.kind)];
    if (G.kind == GateKind::Input || G.kind == GateKind::Const) {
      if (m.width.empty()) m.width.push_back(0);
      ++m.width[0];
      continue;
    }
    ++m.size;
    m.max_fanin = std::max<std::size_t>(m.max_fanin, G.fanin);
    const GateId* op = c.operands(g);
    std::uint32_t d = 0, md = 0, bd = 0;
    for (std::uint32_t i = 0; i < G.fanin; ++i) {
      d = std::max(d, depth[op[i]]);
      md = std::max(md, mdepth[op[i]]);
      bd = std::max(bd, bdepth[op[i]]);
    }
    depth[g] = d + 1;
    mdepth[g] = md + (G.kind == GateKind::Mul || G.kind == GateKind::Product ? 1 : 0);
    bdepth[g] = bd + static_cast<std::uint32_t>(bounded_levels(G.kind, G.fanin));
    if (m.width.size() <= depth[g]) m.width.resize(depth[g] + 1, 0);
    ++m.width[depth[g]];
    m.depth = std::max<std::size_t>(m.depth, depth[g]);
    m.mult_depth = std::max<std::size_t>(m.mult_depth, mdepth[g]);
    m.depth_bounded = std::max<std::size_t>(m.depth_bounded, bdepth[g]);
  }
  m.bytes = c.bytes();
  return m;
}

std::vector<bool> evaluate_bits(const Circuit& c, const std::vector<bool>& inputs) {
  if (inputs.size() != c.num_inputs()) throw std::invalid_argument("circuit evaluation: wrong number of inputs");
  std::vector<char> v(c.size(), 0);
  for (GateId g = 0; g < c.size(); ++g) {
    const Gate& G = c[g];
    const GateId* op = c.operands(g);
    switch (G.kind) {
      case GateKind::Input: v[g] = inputs[G.param]; break;
      case GateKind::Const: {
        const auto& q = c.constants()[G.param];
        if (q != 0 && q != 1) throw std::invalid_argument("circuit evaluation on bits: a constant is neither 0 nor 1");
        v[g] = q == 1;
        break;
      }
      case GateKind::Not: v[g] = !v[op[0]]; break;
      case GateKind::And:
      case GateKind::Or:
      case GateKind::Xor:
      case GateKind::Threshold:
      case GateKind::Majority: {
        std::uint32_t ones = 0;
        for (std::uint32_t i = 0; i < G.fanin; ++i) ones += v[op[i]];
        switch (G.kind) {
          case GateKind::And: v[g] = ones == G.fanin; break;
          case GateKind::Or: v[g] = ones > 0; break;
          case GateKind::Xor: v[g] = ones % 2; break;
          case GateKind::Threshold: v[g] = ones >= G.param; break;
          default: v[g] = 2 * ones > G.fanin; break;
        }
        break;
      }
      default:
        throw std::invalid_argument(std::string("circuit evaluation on bits: gate ") + std::to_string(g) + " is a " +
                                    to_string(G.kind) + " gate, not Boolean");
    }
  }
  std::vector<bool> out;
  for (GateId g : c.outputs()) out.push_back(v[g]);
  return out;
}

}  // namespace parallax::circuits
