#pragma once
// DFA minimization and equivalence.
//
// Two states are equivalent (Myhill–Nerode) when no word leads one of them
// to acceptance and the other not; the minimal DFA of a language has one
// state per class of reachable states. Hopcroft's partition refinement finds
// the classes in O(|Σ| n log n): it starts from {accepting, rejecting} and
// splits blocks by the predecessors of a splitter block, always queueing the
// smaller half, so each state is re-scanned O(log n) times per symbol.
//
// The result is canonical: states are numbered in BFS order from the start
// (symbols in alphabet order), so equivalent DFAs over the same alphabet
// minimize to identical structures and can be compared with ==-style checks.
#include <cstdint>
#include <optional>
#include <vector>

#include "automata/dfa.hpp"

namespace parallax::automata {

/// The minimal complete DFA of the same language, canonically numbered
/// (start 0, BFS order). Keeps the name and the alphabet. Throws
/// std::invalid_argument on a malformed DFA (wrong sizes, states out of range).
Dfa minimize(const Dfa& dfa);

/// A shortest word accepted by exactly one of the two DFAs (the least such
/// word in length-then-lexicographic order of symbol indices), or nullopt
/// when they accept the same language. The alphabets must be equal as lists
/// (same symbols, same order); otherwise throws std::invalid_argument.
std::optional<std::vector<std::uint32_t>> distinguishing_word(const Dfa& a, const Dfa& b);

/// Whether the two DFAs accept the same language (alphabets as above).
bool equivalent(const Dfa& a, const Dfa& b);

}  // namespace parallax::automata
