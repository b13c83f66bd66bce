#pragma once
// Circuit complexity of regular languages from their syntactic monoids.
//
// Barrington–Thérien and Barrington–Compton–Straubing–Thérien: let
// η: Σ* → M be the syntactic morphism of a regular language L (the
// transition monoid of its minimal DFA). Then
//   - L ∈ AC⁰ iff η is quasi-aperiodic (the stable semigroup η(Σ^s)
//     contains no non-trivial group);
//   - L ∈ ACC⁰ if every group in M is solvable (only if, unless ACC⁰ = NC¹);
//   - otherwise M contains a non-solvable group and L is NC¹-complete
//     (Barrington's theorem).
// The cases are exhaustive. AC⁰ ⊊ ACC⁰ is proved (parity is not in AC⁰),
// while ACC⁰ ≠ NC¹ is open, so "NC1-complete" (under AC⁰ reductions) means
// outside ACC⁰ unless ACC⁰ = NC¹.
#include <cstddef>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/taxonomy.hpp"

namespace parallax::automata {

struct GroupSummary {
  std::size_t order = 1;
  bool solvable = true;
  std::string name;
};

struct MonoidSummary {
  std::size_t states = 0;  ///< of the DFA given
  std::size_t monoid_size = 0;
  std::size_t idempotents = 0;
  /// One per regular D-class with a non-trivial maximal subgroup, largest first.
  std::vector<GroupSummary> groups;
  bool aperiodic = true;
  std::size_t max_period = 1;  ///< the largest period of an element (1 iff aperiodic)
  bool quasi_aperiodic = true;
  std::size_t stability_index = 1;
  std::size_t stable_semigroup_size = 0;
  ComplexityClass circuit_class = ComplexityClass::AC0;  ///< AC0, ACC0 or NC1Complete
};

/// Classifies the language of a minimal DFA (not minimized here: for a
/// non-minimal DFA the transition monoid may be larger than the syntactic
/// monoid and the answer is then about that monoid). Throws MonoidTooLarge
/// past max_size elements.
MonoidSummary summarize(const Dfa& minimal_dfa, std::size_t max_size = 1000000);

}  // namespace parallax::automata
