#pragma once
// Nondeterministic finite automata with ε-moves, and the subset construction
// that turns them into (complete) DFAs.
//
// An NFA accepts a word when some run, starting in any start state and
// following one matching edge per symbol plus any number of ε-edges, ends in
// an accepting state. The subset construction tracks the set of states every
// run can be in (closed under ε-edges); only the subsets reachable from the
// start set are built, so the DFA is often far smaller than 2^n.
#include <cstdint>
#include <string>
#include <vector>

#include "automata/dfa.hpp"

namespace parallax::automata {

struct Nfa {
  std::vector<std::string> alphabet;
  std::size_t states = 0;
  std::vector<std::uint32_t> start;       ///< start states (any number)
  std::vector<bool> accepting;            ///< per state
  struct Edge {
    std::uint32_t symbol;  ///< index into alphabet, or kEpsilon
    std::uint32_t to;
  };
  std::vector<std::vector<Edge>> edges;   ///< outgoing edges, per state
  static constexpr std::uint32_t kEpsilon = 0xFFFFFFFFu;
};

/// Checks sizes and ranges; throws std::invalid_argument whose message starts
/// with `where` and names the problem (edge to an unknown state, unknown
/// symbol, start state out of range, wrong vector sizes).
void validate(const Nfa& nfa, const std::string& where);

/// Subset construction with ε-closures. Only subsets reachable from the
/// ε-closure of the start states become states (state 0 is the start); the
/// result is complete: the empty subset, when reachable, is a rejecting sink.
/// Throws std::runtime_error when more than max_states subsets are reached.
/// The result is not minimized (see minimize.hpp) and has an empty name.
Dfa determinize(const Nfa& nfa, std::size_t max_states = 1000000);

/// The DFA as an NFA with the same states, one start state and no ε-edges.
Nfa to_nfa(const Dfa& dfa);

}  // namespace parallax::automata
