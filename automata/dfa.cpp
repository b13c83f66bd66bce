#include "automata/dfa.hpp"

#include "automata/languages.hpp"
#include "automata/monoid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <array>
#include <map>
#include <stdexcept>

namespace parallax::automata {

std::vector<std::string> builtin_dfa_names() { return {"parity", "contains-aba", "s5"}; }

Dfa builtin_dfa(const std::string& name) {
  Dfa d = language(name == "s5" ? "word:S5" : name);
  d.name = name;
  return d;
}

Dfa random_dfa(std::size_t states, std::size_t letters, std::uint64_t seed) {
  if (states == 0 || letters == 0 || letters > 26) throw std::invalid_argument("random_dfa: need states >= 1 and 1 to 26 letters");
  std::mt19937_64 rng(seed);
  Dfa d;
  d.name = fmt::format("random-{}x{}-{}", states, letters, seed);
  d.states = states;
  for (std::size_t s = 0; s < letters; ++s) {
    d.alphabet.push_back(std::string(1, char('a' + s)));
    std::vector<std::uint32_t> row(states);
    for (auto& q : row) q = static_cast<std::uint32_t>(rng() % states);
    d.delta.push_back(std::move(row));
  }
  for (std::size_t q = 0; q < states; ++q) d.accepting.push_back(rng() % 2 == 1);
  return d;
}

bool accepts(const Dfa& dfa, const std::vector<std::uint32_t>& word) {
  std::uint32_t q = dfa.start;
  for (auto s : word) q = dfa.delta.at(s).at(q);
  return dfa.accepting[q];
}

TransitionMonoid transition_monoid(const Dfa& dfa) {
  const Monoid m = transition_monoid_of(dfa, 100000);
  TransitionMonoid t;
  for (const auto& e : m.elements) t.elements.push_back(e);
  t.element_of_symbol = m.generator_element;
  t.compose.assign(m.size(), std::vector<std::uint32_t>(m.size()));
  for (std::uint32_t x = 0; x < m.size(); ++x)
    for (std::uint32_t y = 0; y < m.size(); ++y) t.compose[x][y] = m.multiply(x, y);
  return t;
}

}  // namespace parallax::automata
