#pragma once
// A finite-state recognizer as a Boolean circuit (NC¹): the word's symbols
// are mapped to elements of the DFA's transition monoid, encoded in
// B = ⌈log₂ |M|⌉ bits, and a prefix network multiplies them; each product is
// a Boolean sub-circuit on the codes (decode both operands to one-hot, AND
// the pairs, OR into the code bits of their product). Depth O(log n) with a
// logarithmic-depth network. Gates: 2-input AND and OR, NOT.
//
// Inputs: one-hot symbol indicators, input t·|Σ| + σ. Output: accept.
#include "automata/dfa.hpp"
#include "circuits/circuit.hpp"
#include "circuits/prefix.hpp"

namespace parallax::automata {

circuits::Circuit recognizer_circuit(const Dfa& dfa, std::size_t n, circuits::Network net);

/// One-hot input bits for a word.
std::vector<bool> recognizer_inputs(const Dfa& dfa, const std::vector<std::uint32_t>& word);

}  // namespace parallax::automata
