#pragma once
// Built-in regular languages, each as a complete DFA named by a spec string.
//
//   parity            even number of b                         {a, b}
//   even-length       words of even length                     {a, b}
//   count-mod:M       number of a ≡ 0 (mod M), 1 ≤ M ≤ 10000   {a, b}
//   ab-star           (ab)*                                    {a, b}
//   a-star-b-star     a*b*                                     {a, b}
//   first-eq-last     nonempty, first letter = last letter     {a, b}
//   contains-aba      has "aba" as a factor                    {a, b}
//   dyck1:K           balanced parentheses of depth ≤ K,       {(, )}
//                     1 ≤ K ≤ 10000 (states: depth 0..K, then a dead sink)
//   word:G            the word problem of the finite group G over a small
//                     generating set: one state per group element, start at
//                     the identity, each letter multiplies on the right (the
//                     word's letters are applied left to right), accept iff
//                     the product is the identity
//   word:G:all        the same with one letter per group element, the letter
//                     named like the element
//
// Groups G: Z<m> (cyclic, 1 ≤ m ≤ 10000), S3, S4, S5, A4, A5 (permutations
// of 0..n−1, elements named in one-line notation such as "10234", states in
// lexicographic order), D<n> (dihedral of order 2n, 3 ≤ n ≤ 10000; the
// symmetries of an n-gon on vertices 0..n−1: r<k> is i ↦ i + k, s<k> is
// i ↦ k − i, mod n) and A4xZ5 (elements "<perm>.<k>").
// Generators (alphabet order):
//   Z<m>:   a = +1
//   S<n>:   s = (0 1), c = (0 1 … n−1)          (word:S5 equals builtin "s5")
//   A4:     t = (0 1 2), u = (1 2 3)
//   A5:     t = (0 1 2), c = (0 1 2 3 4)
//   D<n>:   r = r1 (rotate by one), f = s0 (reflect i ↦ −i)
//   A4xZ5:  t = ((0 1 2), +1), u = ((1 2 3), +0)
// A DFA may hold at most 10^7 transitions (states × letters), which rules
// out e.g. word:Z10000:all; word:Z10000 is fine.
#include <string>
#include <vector>

#include "automata/dfa.hpp"

namespace parallax::automata {

struct LanguageInfo {
  std::string name;         ///< e.g. "count-mod:M", the parameter written as :M
  std::string description;  ///< the language, its alphabet and the parameter range
  std::string example;      ///< a concrete spec, e.g. "count-mod:3"
};

/// Every language family, for listing.
const std::vector<LanguageInfo>& language_catalog();

/// The DFA of a spec such as "dyck1:4" or "word:A5:all"; its name is the
/// spec. Throws std::invalid_argument naming the valid specs and parameter
/// ranges for unknown names and bad parameters.
Dfa language(const std::string& spec);

/// The most transitions (states × letters) a built-in language may have.
inline constexpr std::size_t max_language_transitions = 10'000'000;

}  // namespace parallax::automata
