#include "circuits/aig.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace parallax::circuits {

namespace {

class AigBuilder {
 public:
  explicit AigBuilder(std::size_t inputs) : inputs_(inputs) {}
  std::uint32_t input(std::size_t i) const { return static_cast<std::uint32_t>(2 * (i + 1)); }
  std::uint32_t land(std::uint32_t a, std::uint32_t b) {
    if (a == 0 || b == 0 || a == (b ^ 1)) return 0;
    if (a == 1) return b;
    if (b == 1 || a == b) return a;
    if (a < b) std::swap(a, b);
    const std::uint64_t key = (std::uint64_t(a) << 32) | b;
    if (auto it = hash_.find(key); it != hash_.end()) return it->second;
    ands_.push_back({a, b});
    const auto lit = static_cast<std::uint32_t>(2 * (inputs_ + ands_.size()));
    hash_.emplace(key, lit);
    return lit;
  }
  std::uint32_t lor(std::uint32_t a, std::uint32_t b) { return land(a ^ 1, b ^ 1) ^ 1; }
  std::uint32_t lxor(std::uint32_t a, std::uint32_t b) { return lor(land(a, b ^ 1), land(a ^ 1, b)); }
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& ands() const { return ands_; }

 private:
  std::size_t inputs_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ands_;
  std::unordered_map<std::uint64_t, std::uint32_t> hash_;
};

}  // namespace

std::size_t Aig::levels() const {
  std::vector<std::size_t> lev(ands.size(), 0);
  auto level_of = [&](std::uint32_t lit) -> std::size_t {
    const std::size_t var = lit / 2;
    return var > inputs ? lev[var - inputs - 1] : 0;
  };
  for (std::size_t i = 0; i < ands.size(); ++i) lev[i] = 1 + std::max(level_of(ands[i].first), level_of(ands[i].second));
  std::size_t m = 0;
  for (auto o : outputs) m = std::max(m, level_of(o));
  return m;
}

Aig to_aig(const Circuit& c) {
  AigBuilder b(c.num_inputs());
  std::vector<std::uint32_t> lit(c.size(), 0);
  for (GateId g = 0; g < c.size(); ++g) {
    const Gate& G = c[g];
    const GateId* op = c.operands(g);
    auto fold = [&](auto f) {
      std::uint32_t acc = lit[op[0]];
      for (std::uint32_t i = 1; i < G.fanin; ++i) acc = f(acc, lit[op[i]]);
      return acc;
    };
    switch (G.kind) {
      case GateKind::Input: lit[g] = b.input(G.param); break;
      case GateKind::Const: {
        const auto& q = c.constants()[G.param];
        if (q != 0 && q != 1) throw std::invalid_argument(fmt::format("AIG: constant {} is not a bit", q.str()));
        lit[g] = q == 1 ? 1 : 0;
        break;
      }
      case GateKind::Not: lit[g] = lit[op[0]] ^ 1; break;
      case GateKind::And: lit[g] = fold([&](auto x, auto y) { return b.land(x, y); }); break;
      case GateKind::Or: lit[g] = fold([&](auto x, auto y) { return b.lor(x, y); }); break;
      case GateKind::Xor: lit[g] = fold([&](auto x, auto y) { return b.lxor(x, y); }); break;
      default:
        throw std::invalid_argument(fmt::format("AIG: gate {} is a {} gate; AIGs hold Boolean gates only", g,
                                                to_string(G.kind)));
    }
  }
  // keep the outputs' cone, renumbered in topological order
  const std::size_t I = c.num_inputs();
  const auto& all = b.ands();
  std::vector<char> live(all.size(), 0);
  std::vector<std::uint32_t> stack;
  for (GateId o : c.outputs()) stack.push_back(lit[o] / 2);
  while (!stack.empty()) {
    const std::uint32_t var = stack.back();
    stack.pop_back();
    if (var <= I || live[var - I - 1]) continue;
    live[var - I - 1] = 1;
    stack.push_back(all[var - I - 1].first / 2);
    stack.push_back(all[var - I - 1].second / 2);
  }
  std::vector<std::uint32_t> newvar(all.size(), 0);
  Aig aig;
  aig.inputs = I;
  auto remap = [&](std::uint32_t l) {
    const std::uint32_t var = l / 2;
    return var <= I ? l : 2 * newvar[var - I - 1] + (l & 1);
  };
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!live[i]) continue;
    newvar[i] = static_cast<std::uint32_t>(I + 1 + aig.ands.size());
    auto x = remap(all[i].first), y = remap(all[i].second);
    if (x < y) std::swap(x, y);
    aig.ands.push_back({x, y});
  }
  for (GateId o : c.outputs()) aig.outputs.push_back(remap(lit[o]));
  return aig;
}

void write_aiger(const Aig& aig, std::ostream& out) {
  const std::size_t I = aig.inputs, A = aig.ands.size();
  out << fmt::format("aag {} {} 0 {} {}\n", I + A, I, aig.outputs.size(), A);
  for (std::size_t i = 0; i < I; ++i) out << 2 * (i + 1) << '\n';
  for (auto o : aig.outputs) out << o << '\n';
  for (std::size_t i = 0; i < A; ++i) out << fmt::format("{} {} {}\n", 2 * (I + 1 + i), aig.ands[i].first, aig.ands[i].second);
}

void write_aiger_binary(const Aig& aig, std::ostream& out) {
  const std::size_t I = aig.inputs, A = aig.ands.size();
  out << fmt::format("aig {} {} 0 {} {}\n", I + A, I, aig.outputs.size(), A);
  for (auto o : aig.outputs) out << o << '\n';
  auto put = [&](std::uint32_t x) {  // 7 bits per byte, low first, high bit = more follows
    while (x & ~0x7fu) {
      out.put(static_cast<char>((x & 0x7f) | 0x80));
      x >>= 7;
    }
    out.put(static_cast<char>(x));
  };
  for (std::size_t i = 0; i < A; ++i) {
    const auto lhs = static_cast<std::uint32_t>(2 * (I + 1 + i));
    const auto [r0, r1] = aig.ands[i];  // r0 >= r1, both < lhs (topological order)
    put(lhs - r0);
    put(r0 - r1);
  }
}

void write_blif(const Aig& aig, std::ostream& out, const std::string& model) {
  const std::size_t I = aig.inputs;
  auto name = [&](std::uint32_t var) { return var == 0 ? std::string("zero") : var <= I ? fmt::format("x{}", var - 1) : fmt::format("n{}", var); };
  out << ".model " << model << "\n.inputs";
  for (std::size_t i = 0; i < I; ++i) out << " x" << i;
  out << "\n.outputs";
  for (std::size_t o = 0; o < aig.outputs.size(); ++o) out << " y" << o;
  out << "\n.names zero\n";  // constant 0
  for (std::size_t i = 0; i < aig.ands.size(); ++i) {
    const auto [a, b] = aig.ands[i];
    out << fmt::format(".names {} {} n{}\n{}{} 1\n", name(a / 2), name(b / 2), I + 1 + i, (a & 1) ? '0' : '1',
                       (b & 1) ? '0' : '1');
  }
  for (std::size_t o = 0; o < aig.outputs.size(); ++o) {
    const auto l = aig.outputs[o];
    out << fmt::format(".names {} y{}\n{} 1\n", name(l / 2), o, (l & 1) ? '0' : '1');
  }
  out << ".end\n";
}

}  // namespace parallax::circuits
