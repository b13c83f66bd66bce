#pragma once
// Linear RNNs compiled into arithmetic circuits.
//
// The circuit reads a token sequence of length n as one-hot indicators
// x[t][σ] (input number t·|Σ| + σ), so one circuit serves every sequence of
// that length. Each step's map is A_t = Σ_σ x[t][σ] A_σ, b_t likewise; an
// entry that is the same for every token is a constant (the indicators sum to
// one), and constants 0 and 1 are folded away while the circuit is built, so
// the sub-circuit of a step keeps the structure of the model: O(d) for
// diagonal maps, the nonzero pattern of PD maps, dense products only where
// the matrices are dense.
//
// Bounded fan-in: the maps are composed by a prefix network (any Network),
// every prefix is applied to h0 and read out, and the circuit outputs the
// positivity test of every prefix's score ⟨c, h_t⟩ + c0, then the final score.
// Depth O(log n) for the logarithmic-depth networks.
//
// Unbounded fan-in (diagonal models only): h_n[i] = Π_t a_t[i]·h0[i] +
// Σ_t (Π_{s>t} a_s[i]) b_t[i] with product and sum gates of fan-in up to n:
// depth constant in n. Outputs: the positivity of the final score, then the score.
#include <cstddef>

#include "circuits/circuit.hpp"
#include "circuits/prefix.hpp"
#include "models/lrnn.hpp"

namespace parallax::circuits {

enum class FanIn { Bounded, Unbounded };

/// Throws std::invalid_argument for models without a token alphabet or a
/// readout, and for unbounded fan-in on non-diagonal models.
Circuit lrnn_circuit(const models::LrnnSpec& spec, std::size_t n, Network net, FanIn fanin = FanIn::Bounded);

/// The circuit inputs for a token sequence (one-hot indicators, as Exact).
std::vector<numeric::Exact> one_hot_inputs(const models::LrnnSpec& spec, const std::vector<std::uint32_t>& tokens);

}  // namespace parallax::circuits
