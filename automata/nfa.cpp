#include "automata/nfa.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace parallax::automata {

void validate(const Nfa& nfa, const std::string& where) {
  auto fail = [&](const std::string& msg) { throw std::invalid_argument(where + ": " + msg); };
  if (nfa.accepting.size() != nfa.states)
    fail(fmt::format("NFA has {} states but {} accepting flags", nfa.states, nfa.accepting.size()));
  if (nfa.edges.size() != nfa.states)
    fail(fmt::format("NFA has {} states but {} edge lists", nfa.states, nfa.edges.size()));
  if (nfa.states > Nfa::kEpsilon) fail(fmt::format("NFA has too many states ({})", nfa.states));
  for (auto s : nfa.start)
    if (s >= nfa.states) fail(fmt::format("start state {} is out of range (the NFA has {} states)", s, nfa.states));
  for (std::size_t q = 0; q < nfa.states; ++q)
    for (const auto& e : nfa.edges[q]) {
      if (e.symbol != Nfa::kEpsilon && e.symbol >= nfa.alphabet.size())
        fail(fmt::format("edge from state {} has unknown symbol {} (the alphabet has {} symbols)", q, e.symbol,
                         nfa.alphabet.size()));
      if (e.to >= nfa.states)
        fail(fmt::format("edge from state {} goes to unknown state {} (the NFA has {} states)", q, e.to, nfa.states));
    }
}

namespace {

struct SubsetHash {
  std::size_t operator()(const std::vector<std::uint32_t>& v) const noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ v.size();
    for (auto x : v) {
      h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
      h *= 0xFF51AFD7ED558CCDull;
    }
    return static_cast<std::size_t>(h ^ (h >> 33));
  }
};

/// ε-closures of state sets, reusing a stamp array so each closure costs only
/// the states and edges it touches (no clearing of an n-sized bitmap).
class Closure {
 public:
  explicit Closure(const Nfa& nfa) : nfa_(nfa), stamp_(nfa.states, 0) {}

  /// The sorted ε-closure of `seeds` (duplicates allowed).
  std::vector<std::uint32_t> operator()(const std::vector<std::uint32_t>& seeds) {
    ++now_;
    std::vector<std::uint32_t> out;
    stack_.clear();
    for (auto s : seeds)
      if (stamp_[s] != now_) {
        stamp_[s] = now_;
        stack_.push_back(s);
      }
    while (!stack_.empty()) {
      const auto q = stack_.back();
      stack_.pop_back();
      out.push_back(q);
      for (const auto& e : nfa_.edges[q])
        if (e.symbol == Nfa::kEpsilon && stamp_[e.to] != now_) {
          stamp_[e.to] = now_;
          stack_.push_back(e.to);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  const Nfa& nfa_;
  std::vector<std::uint64_t> stamp_;
  std::uint64_t now_ = 0;
  std::vector<std::uint32_t> stack_;
};

}  // namespace

Dfa determinize(const Nfa& nfa, std::size_t max_states) {
  validate(nfa, "determinize");
  const std::size_t sigma = nfa.alphabet.size();
  Closure closure(nfa);

  Dfa dfa;
  dfa.alphabet = nfa.alphabet;
  dfa.delta.assign(sigma, {});

  // The map owns the subsets; `subsets` points at its keys (node-based, so
  // the pointers survive rehashing) in state order, which is also BFS order.
  std::unordered_map<std::vector<std::uint32_t>, std::uint32_t, SubsetHash> index;
  std::vector<const std::vector<std::uint32_t>*> subsets;
  auto intern = [&](std::vector<std::uint32_t>&& set) -> std::uint32_t {
    auto [it, fresh] = index.try_emplace(std::move(set), static_cast<std::uint32_t>(subsets.size()));
    if (fresh) {
      if (subsets.size() >= max_states)
        throw std::runtime_error(fmt::format(
            "determinize: the subset construction reached more than {} states (raise max_states, or use a smaller "
            "automaton)",
            max_states));
      subsets.push_back(&it->first);
      bool acc = false;
      for (auto q : it->first) acc = acc || nfa.accepting[q];
      dfa.accepting.push_back(acc);
    }
    return it->second;
  };

  dfa.start = intern(closure(nfa.start));
  std::vector<std::vector<std::uint32_t>> moves(sigma);
  // Subsets are processed in creation order, so delta[a] grows by exactly one
  // entry per processed subset and delta[a][i] lands at index i.
  for (std::size_t i = 0; i < subsets.size(); ++i) {
    for (auto& m : moves) m.clear();
    for (auto q : *subsets[i])
      for (const auto& e : nfa.edges[q])
        if (e.symbol != Nfa::kEpsilon) moves[e.symbol].push_back(e.to);
    for (std::size_t a = 0; a < sigma; ++a) {
      const auto target = intern(closure(moves[a]));
      dfa.delta[a].push_back(target);
    }
  }
  dfa.states = subsets.size();
  return dfa;
}

Nfa to_nfa(const Dfa& dfa) {
  if (dfa.delta.size() != dfa.alphabet.size() || dfa.accepting.size() != dfa.states || dfa.start >= dfa.states)
    throw std::invalid_argument("to_nfa: malformed DFA '" + dfa.name + "'");
  Nfa nfa;
  nfa.alphabet = dfa.alphabet;
  nfa.states = dfa.states;
  nfa.start = {dfa.start};
  nfa.accepting = dfa.accepting;
  nfa.edges.assign(dfa.states, {});
  for (std::uint32_t a = 0; a < dfa.delta.size(); ++a) {
    if (dfa.delta[a].size() != dfa.states)
      throw std::invalid_argument("to_nfa: malformed DFA '" + dfa.name + "' (transition row of the wrong size)");
    for (std::uint32_t q = 0; q < dfa.states; ++q) nfa.edges[q].push_back({a, dfa.delta[a][q]});
  }
  validate(nfa, "to_nfa");
  return nfa;
}

}  // namespace parallax::automata
