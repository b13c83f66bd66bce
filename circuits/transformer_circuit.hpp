#pragma once
// Transformers (src/models/transformer.hpp) compiled into constant-depth
// arithmetic / threshold circuits: the measurement behind "log-precision
// transformers are in TC⁰" (Merrill & Sabharwal, The parallelism tradeoff,
// TACL 2023). docs/transformer-circuits.md describes the construction.
//
// Inputs and outputs follow lrnn_circuit: the n tokens (bos excluded) are
// one-hot indicators, input number t·|vocab| + σ; the outputs are the
// positivity of the final score, then the final score ⟨c, x_last⟩ + c0.
//
// Every operation of run_transformer becomes gates, in the evaluator's order
// of operations (so that the circuit, evaluated at a precision, rounds
// exactly as the model run at that precision):
//   matrix products        one Sum of Mul gates per output entry (bias first)
//   attention scores       Sum of Mul per (query, key), times the scale
//   maximal score          one Max gate over the keys of a query
//   keys attaining it      Ge(s_ij, max_i), a 0/1 value
//   hard attention         a second Max over eq_ij·(offset of j) picks the
//                          leftmost / rightmost maximal key, Ge selects it
//   average attention      Σ eq_ij·v_j / Σ eq_ij
//   softmax                Σ e^{s_ij − max}·v_j / Σ e^{s_ij − max} (Exp, Div)
//   layer norm             mean and variance by Sum and Div, then Sqrt, Div
//   ReLU MLP               Relu gates
// Parameters equal to 0 or 1 are folded (x·0 = 0, x·1 = x, x + 0 = x: exact
// at every precision); constants are never combined with each other, since
// an exact rational fold would round differently from the evaluator.
//
// FanIn::Unbounded: Sum and Max gates take all their operands (fan-in up to
// n), so the depth is a function of the model only — constant in n. Each
// gate is a TC⁰ operation on p-bit numbers: iterated addition, comparison and
// maximum are, and so are division and iterated multiplication (Hesse,
// Allender & Barrington 2002), and exp and √ to p bits (constantly many such
// steps of a truncated series / Newton iteration).
// FanIn::Bounded: every gate of fan-in above 2 is built as a balanced binary
// tree instead, so the depth grows like log₂ n. (Sums are then reassociated:
// such a circuit equals the model exactly over the rationals, but rounds
// differently at finite precision.)
//
// Size: O(n²·d_head) gates per head and layer (scores for every query-key
// pair), O(n·d·d_ff) for the MLPs; the last layer is built for the last
// position only, and gates the outputs do not read are removed.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "circuits/circuit.hpp"
#include "circuits/lrnn_circuit.hpp"  // FanIn
#include "models/instruction_transformer.hpp"
#include "models/transformer.hpp"

namespace parallax::circuits {

/// The whole model (embedding, positions, every layer, readout) for inputs of
/// n tokens (the bos token, if the spec has one, is prepended as a constant).
/// Throws std::invalid_argument for an invalid spec, a spec without readout,
/// n + bos > max_len, and n = 0 without a bos token.
Circuit transformer_circuit(const models::TransformerSpec& spec, std::size_t n, FanIn fanin = FanIn::Unbounded);

/// The circuit inputs for a token sequence (indices into spec.vocab, bos not
/// included): one-hot indicators as Exact. Throws std::invalid_argument for a
/// token outside the vocabulary.
std::vector<numeric::Exact> transformer_one_hot_inputs(const models::TransformerSpec& spec,
                                                       const std::vector<std::uint32_t>& tokens);

/// A threshold-circuit description (models/instruction_transformer.hpp) in
/// the circuit IR: an Input per input wire, a Not per negated literal, a
/// Threshold gate per gate; the last gate is the output.
Circuit to_circuit(const models::ThresholdCircuitDesc& desc);


}  // namespace parallax::circuits
