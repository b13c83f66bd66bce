#pragma once
// Measures of a circuit, all from one forward pass.
#include <array>
#include <cstddef>
#include <vector>

#include "circuits/circuit.hpp"

namespace parallax::circuits {

struct Metrics {
  std::size_t size = 0;      ///< gates other than inputs and constants
  std::array<std::size_t, kGateKinds> per_kind{};  ///< gates of each GateKind
  std::size_t depth = 0;     ///< longest input → gate path, in gates (inputs and constants at depth 0)
  std::size_t mult_depth = 0;     ///< most Mul / Product gates on one path
  std::size_t depth_bounded = 0;  ///< depth with every gate of fan-in f > 2 expanded into a balanced tree (below)
  std::size_t max_fanin = 0;
  std::vector<std::size_t> width;  ///< gates at each depth (index = depth)
  std::size_t bytes = 0;           ///< storage of gates, edges and outputs
};

/// Levels a gate of the given kind and fan-in f costs once expanded into
/// bounded fan-in: max(1, ⌈log₂ f⌉) for every kind but Threshold and Majority
/// (a balanced tree of binary gates); ⌈log₂ f⌉ + 1 for Threshold and Majority
/// (a tree summing the operands as words, then one comparison, each word
/// operation counted as one level). Div, Exp, Sqrt and Ge are one word
/// operation each: one level.
std::size_t bounded_levels(GateKind k, std::size_t fanin);

Metrics measure(const Circuit& c);

}  // namespace parallax::circuits
