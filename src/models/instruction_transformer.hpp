#pragma once
// An instruction-following transformer: ONE fixed model that reads the
// description of a threshold circuit together with its input bits and
// outputs the circuit's value — the converse direction of "log-precision
// transformers are in TC⁰" (Merrill & Sabharwal, The parallelism tradeoff,
// TACL 2023): a transformer of O(D) layers evaluates any depth-D threshold
// circuit given in its input. docs/instruction-transformer.md has the
// details and the measured results.
//
// Circuit description. Wires 0 … m−1 are the inputs; gate g is wire m + g.
// A gate has a threshold k and operands (literals): an earlier wire, possibly
// negated. It is 1 iff at least k of its literals are 1. Threshold gates
// with negated literals express Not (k = 1, one negated literal), And
// (k = fan-in), Or (k = 1) and Majority — that is TC⁰. The depth of an input
// is 0, of a gate 1 + the largest depth of its operands; the circuit's depth
// D is the largest; its output is the last gate.
//
// Token format (vocabulary for limits W wires, fan-in F):
//   "wI=0" / "wI=1"   input wire I with its value
//   "wG>=K"            gate wire G with threshold K (0 ≤ K ≤ F), a header
//                      followed by its operands
//   "+wR" / "-wR"      an operand: wire R, plain or negated
//   "?"                the end token; the readout sits here
// An input sequence lists the inputs in order, then each gate's header and
// operands in order, then "?":  w0=1 w1=0 w2>=2 +w0 -w1 ?
//
// Mechanism (hard and averaging attention, ReLU MLPs, no softmax, no layer
// norm, no positional table: exact in rationals). Declaration tokens carry
// idp = wire + 1 and sq = idp²; operand tokens rp = R + 1. Every wire's
// current value sits in column `val` of its declaration token; a gate's
// header and the end token start at 0. For every level ℓ = 1 … D:
//   layer 2ℓ−2 (fetch): hard attention, query (2·rp, 1), key (idp, −sq):
//     score 2·rp·idp − idp², uniquely maximal at the declaration of wire R;
//     the MLP turns the fetched value into the literal (value XOR negated)
//     at operand tokens. Layer 0 also has an "owner" head (hard, rightmost
//     tie, key = [header]) copying the idp and sq of the latest header to
//     every token: its gate's id for an operand, its own for a header, the
//     output gate's for "?".
//   layer 2ℓ−1 (gate): averaging attention, query (2·owner, 1), key
//     (owner, −owner² − [?]): maximal exactly on a gate's header and its
//     operands, whose values (literal − k at the header) average to
//     (#true literals − k)/(fan-in + 1): ≥ 0 iff the gate is 1, else
//     ≤ −1/(F + 1). An MLP step with that gap writes the 0/1 value into
//     `val` at headers and at "?" (which averages its owner's group).
// After level ℓ every gate of depth ≤ ℓ holds its value (a gate's operands
// have smaller depth), so a model with max_depth D evaluates every circuit
// of depth ≤ D: exactly 2·D layers. Readout: val − 1/2 at "?".
//
// Precision: scores are integers of magnitude ≤ W² + 1 (the products
// 2·rp·idp are 2 × an integer below W²), so a float with ⌈2·log₂ W⌉ + 1
// significand bits (O(log n) for a sequence of n ≥ W tokens) represents every
// score exactly and decides every comparison; the averages need only about
// log₂ F + 3 bits. Measured minimum: 9, 12, 14 bits for circuits of up to 18,
// 61, 111 wires (docs/instruction-transformer.md).
#include <cstdint>
#include <string>
#include <vector>

#include "models/transformer.hpp"

namespace parallax::models {

/// A malformed circuit description, one outside a model's limits, or bad
/// limits; the message names the gate, operand or field.
struct InstructionError : TransformerError {
  using TransformerError::TransformerError;
};

struct ThresholdOperand {
  std::uint32_t wire = 0;  ///< an input (< m) or an earlier gate (m + g)
  bool negated = false;
  bool operator==(const ThresholdOperand&) const = default;
};

struct ThresholdGateDesc {
  std::uint32_t k = 0;  ///< 1 iff at least k literals are 1; 0 ≤ k ≤ fan-in
  std::vector<ThresholdOperand> operands;  ///< fan-in ≥ 1
  bool operator==(const ThresholdGateDesc&) const = default;
};

/// A threshold circuit: `inputs` wires, then the gates (gate g is wire
/// inputs + g); the output is the last gate.
struct ThresholdCircuitDesc {
  std::uint32_t inputs = 0;
  std::vector<ThresholdGateDesc> gates;

  std::size_t wires() const { return inputs + gates.size(); }
  bool operator==(const ThresholdCircuitDesc&) const = default;
};

/// Throws InstructionError unless: inputs ≥ 1, at least one gate, every gate
/// has fan-in ≥ 1 and 0 ≤ k ≤ fan-in, every operand refers to an earlier
/// wire.
void validate(const ThresholdCircuitDesc& desc);
/// Depth of every wire (inputs 0); validates first.
std::vector<std::size_t> wire_depths(const ThresholdCircuitDesc& desc);
/// The circuit's depth: the largest depth of any wire.
std::size_t circuit_depth(const ThresholdCircuitDesc& desc);
std::size_t circuit_max_fanin(const ThresholdCircuitDesc& desc);
/// Direct evaluation (the output gate's value); validates first.
bool evaluate_threshold_circuit(const ThresholdCircuitDesc& desc, const std::vector<bool>& inputs);
/// (circuits::to_circuit in circuits/transformer_circuit.hpp converts a
/// description to the circuit IR, the reference of the tests.)

struct RandomThresholdCircuitOptions {
  std::uint32_t inputs = 4;            ///< m ≥ 1
  std::size_t gates_per_level = 2;     ///< gates at levels 1 … depth−1 (the top level is the output gate alone)
  std::size_t depth = 2;               ///< ≥ 1: the output gate has exactly this depth
  std::size_t max_fanin = 3;           ///< ≥ 1
  std::uint64_t seed = 1;
};
/// A layered random circuit: every gate at level ℓ reads at least one gate
/// of level ℓ − 1 (an input at level 1) and otherwise any earlier wires
/// (distinct where there are enough), fan-in uniform in 1 … max_fanin,
/// k uniform in 1 … fan-in, each literal negated with probability 1/2.
/// Draws are repeated (up to 64 times) until the output is not constant over
/// the inputs (all 2^m for m ≤ 12, else 256 random ones) where that happens;
/// deterministic in seed.
ThresholdCircuitDesc random_threshold_circuit(const RandomThresholdCircuitOptions& options);

// ---- the transformer ---------------------------------------------------------------

struct InstructionLimits {
  std::size_t max_depth = 4;   ///< D ≥ 1: the model has 2·D layers
  std::size_t max_wires = 32;  ///< W ≥ 2: inputs + gates (wire ids < W)
  std::size_t max_fanin = 4;   ///< F ≥ 1: operands per gate (thresholds ≤ F)
  bool operator==(const InstructionLimits&) const = default;
};

/// Checks the limits (D ≥ 1, 2 ≤ W ≤ 4096, 1 ≤ F ≤ 64); InstructionError names the field.
void validate(const InstructionLimits& limits);
/// 2·max_depth: two layers (fetch, gate) per circuit level, nothing else.
inline std::size_t instruction_layer_count(std::size_t max_depth) { return 2 * max_depth; }

/// The model: d_model 15, vocabulary of 2W (inputs) + W(F+1) (headers) + 2W
/// (operands) + 1 ("?") tokens, 2·D layers, readout val − 1/2 at the last
/// position. Named "instruction_threshold".
TransformerSpec instruction_transformer(const InstructionLimits& limits);
/// Recovers the limits of a model built by instruction_transformer; throws
/// InstructionError for any other model.
InstructionLimits instruction_limits(const TransformerSpec& spec);
/// Throws InstructionError unless the description is valid and within the limits
/// (wires ≤ W, fan-in ≤ F, depth ≤ D).
void check_within(const ThresholdCircuitDesc& desc, const InstructionLimits& limits);

/// The token names of the input sequence (see the format above).
std::vector<std::string> instruction_token_names(const ThresholdCircuitDesc& desc, const std::vector<bool>& inputs);
/// The token indices for `spec` (built by instruction_transformer): checks
/// the description against the model's limits and the number of inputs.
std::vector<std::uint32_t> instruction_tokens(const TransformerSpec& spec, const ThresholdCircuitDesc& desc,
                                              const std::vector<bool>& inputs);

}  // namespace parallax::models
