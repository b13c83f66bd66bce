#include "automata/recognizer.hpp"

#include <stdexcept>

namespace parallax::automata {

using circuits::Circuit;
using circuits::GateId;
using circuits::GateKind;

namespace {

/// A balanced tree of 2-input gates over xs (xs non-empty).
GateId tree(Circuit& c, GateKind k, std::vector<GateId> xs) {
  while (xs.size() > 1) {
    std::vector<GateId> next;
    for (std::size_t i = 0; i + 1 < xs.size(); i += 2) next.push_back(c.gate(k, {xs[i], xs[i + 1]}));
    if (xs.size() % 2) next.push_back(xs.back());
    xs = std::move(next);
  }
  return xs[0];
}

/// One-hot decoding of a B-bit code: is_e for each element index e < M.
std::vector<GateId> decode(Circuit& c, const std::vector<GateId>& code, std::size_t M) {
  std::vector<GateId> neg;
  for (GateId b : code) neg.push_back(c.bnot(b));
  std::vector<GateId> out;
  for (std::size_t e = 0; e < M; ++e) {
    std::vector<GateId> lits;
    for (std::size_t k = 0; k < code.size(); ++k) lits.push_back((e >> k) & 1 ? code[k] : neg[k]);
    out.push_back(tree(c, GateKind::And, lits));
  }
  return out;
}

}  // namespace

std::vector<bool> recognizer_inputs(const Dfa& dfa, const std::vector<std::uint32_t>& word) {
  const std::size_t k = dfa.alphabet.size();
  std::vector<bool> x(word.size() * k, false);
  for (std::size_t t = 0; t < word.size(); ++t) x.at(t * k + word[t]) = true;
  return x;
}

Circuit recognizer_circuit(const Dfa& dfa, std::size_t n, circuits::Network net) {
  const auto mon = transition_monoid(dfa);
  const std::size_t M = mon.elements.size(), k = dfa.alphabet.size();
  std::size_t B = 1;
  while ((std::size_t(1) << B) < M) ++B;
  Circuit c;
  const GateId zero = c.constant(0);
  std::vector<std::vector<GateId>> codes(n);
  for (std::size_t t = 0; t < n; ++t) {
    std::vector<GateId> x;
    for (std::size_t s = 0; s < k; ++s) x.push_back(c.input());
    for (std::size_t b = 0; b < B; ++b) {  // bit b of the symbol's element code
      std::vector<GateId> on;
      for (std::size_t s = 0; s < k; ++s)
        if ((mon.element_of_symbol[s] >> b) & 1) on.push_back(x[s]);
      codes[t].push_back(on.empty() ? zero : tree(c, GateKind::Or, on));
    }
  }
  auto product = [&](const std::vector<GateId>& first, const std::vector<GateId>& second) {
    const auto u = decode(c, first, M), v = decode(c, second, M);
    std::vector<std::vector<GateId>> on(B);
    for (std::size_t x = 0; x < M; ++x)
      for (std::size_t y = 0; y < M; ++y) {
        const std::uint32_t e = mon.compose[x][y];
        bool any = false;
        for (std::size_t b = 0; b < B; ++b) any = any || ((e >> b) & 1);
        if (!any) continue;
        const GateId both = c.band(u[x], v[y]);
        for (std::size_t b = 0; b < B; ++b)
          if ((e >> b) & 1) on[b].push_back(both);
      }
    std::vector<GateId> r;
    for (std::size_t b = 0; b < B; ++b) r.push_back(on[b].empty() ? zero : tree(c, GateKind::Or, on[b]));
    return r;
  };
  std::vector<GateId> total;
  if (n == 0) {
    total.assign(B, zero);  // the identity has index 0
  } else {
    total = circuits::apply_prefix(net, codes, product)[n - 1];
  }
  // accept iff the product maps the start state to an accepting state
  const auto is = decode(c, total, M);
  std::vector<GateId> acc;
  for (std::size_t e = 0; e < M; ++e)
    if (dfa.accepting[mon.elements[e][dfa.start]]) acc.push_back(is[e]);
  c.mark_output(acc.empty() ? zero : tree(c, GateKind::Or, acc));
  return c;
}

}  // namespace parallax::automata
