#include "circuits/export.hpp"

#include <fmt/format.h>

#include <unordered_set>

namespace parallax::circuits {

void write_dot(const Circuit& c, std::ostream& out) {
  const std::unordered_set<GateId> outs(c.outputs().begin(), c.outputs().end());
  out << "digraph circuit {\n  rankdir=BT;\n";
  for (GateId g = 0; g < c.size(); ++g) {
    const Gate& G = c[g];
    std::string label;
    switch (G.kind) {
      case GateKind::Input: label = fmt::format("x{}", G.param); break;
      case GateKind::Const: label = c.constants()[G.param].str(); break;
      case GateKind::Threshold: label = fmt::format("th{}", G.param); break;
      default: label = to_string(G.kind); break;
    }
    out << fmt::format("  g{} [label=\"{}\"{}];\n", g, label, outs.count(g) ? ", shape=doublecircle" : "");
    const GateId* op = c.operands(g);
    for (std::uint32_t i = 0; i < G.fanin; ++i) out << fmt::format("  g{} -> g{};\n", op[i], g);
  }
  out << "}\n";
}

}  // namespace parallax::circuits
