#include "automata/dfa.hpp"

#include "models/lrnn.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

namespace parallax::automata {

std::vector<std::string> builtin_dfa_names() { return {"parity", "contains-aba", "s5"}; }

Dfa builtin_dfa(const std::string& name) {
  Dfa d;
  d.name = name;
  if (name == "parity") {
    d.alphabet = {"a", "b"};
    d.states = 2;
    d.delta = {{0, 1}, {1, 0}};
    d.accepting = {true, false};
  } else if (name == "contains-aba") {
    // states: 0 none, 1 seen a, 2 seen ab, 3 seen aba (absorbing)
    d.alphabet = {"a", "b"};
    d.states = 4;
    d.delta = {{1, 1, 3, 3}, {0, 2, 0, 3}};
    d.accepting = {false, false, false, true};
  } else if (name == "s5") {
    // one state per permutation; the same generators as the S5 LRNN models
    const auto& perms = models::s5_elements();
    const auto gens = models::s5_generators();
    d.alphabet = {"s", "c"};
    d.states = perms.size();
    d.delta.assign(gens.size(), std::vector<std::uint32_t>(d.states));
    for (std::size_t g = 0; g < gens.size(); ++g)
      for (std::size_t x = 0; x < perms.size(); ++x)  // x first, then the generator
        d.delta[g][x] = static_cast<std::uint32_t>(models::s5_index(models::compose_perm(gens[g], perms[x])));
    d.accepting.assign(d.states, false);
    d.accepting[0] = true;  // the identity (lexicographically first)
  } else {
    std::string names;
    for (const auto& n : builtin_dfa_names()) names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown automaton '" + name + "' (built in: " + names + ")");
  }
  return d;
}

bool accepts(const Dfa& dfa, const std::vector<std::uint32_t>& word) {
  std::uint32_t q = dfa.start;
  for (auto s : word) q = dfa.delta.at(s).at(q);
  return dfa.accepting[q];
}

TransitionMonoid transition_monoid(const Dfa& dfa) {
  TransitionMonoid m;
  std::map<std::vector<std::uint32_t>, std::uint32_t> index;
  auto intern = [&](const std::vector<std::uint32_t>& f) {
    auto [it, fresh] = index.emplace(f, static_cast<std::uint32_t>(m.elements.size()));
    if (fresh) m.elements.push_back(f);
    return it->second;
  };
  std::vector<std::uint32_t> id(dfa.states);
  for (std::uint32_t q = 0; q < dfa.states; ++q) id[q] = q;
  intern(id);
  for (const auto& f : dfa.delta) m.element_of_symbol.push_back(intern(f));
  // closure under "then apply a symbol"
  for (std::size_t e = 0; e < m.elements.size(); ++e) {
    for (const auto& f : dfa.delta) {
      std::vector<std::uint32_t> g(dfa.states);
      for (std::uint32_t q = 0; q < dfa.states; ++q) g[q] = f[m.elements[e][q]];
      intern(g);
      if (m.elements.size() > 100000) throw std::runtime_error("transition monoid above 100000 elements");
    }
  }
  const std::size_t M = m.elements.size();
  m.compose.assign(M, std::vector<std::uint32_t>(M));
  for (std::size_t x = 0; x < M; ++x)
    for (std::size_t y = 0; y < M; ++y) {
      std::vector<std::uint32_t> g(dfa.states);
      for (std::uint32_t q = 0; q < dfa.states; ++q) g[q] = m.elements[y][m.elements[x][q]];
      m.compose[x][y] = index.at(g);
    }
  return m;
}

}  // namespace parallax::automata
