#pragma once
// And-inverter graphs: a Boolean circuit as 2-input AND nodes with
// complemented edges, structurally hashed (no two nodes with the same
// operands), with trivial nodes folded (x∧0, x∧1, x∧x, x∧¬x) and pruned to
// the outputs' cone — the form Berkeley ABC reports statistics for. Exports:
// ASCII AIGER (aag) and BLIF.
#include <cstdint>
#include <ostream>
#include <utility>
#include <vector>

#include "circuits/circuit.hpp"

namespace parallax::circuits {

struct Aig {
  std::size_t inputs = 0;
  /// AND node i has variable inputs + 1 + i; literal = 2·variable + complement.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ands;
  std::vector<std::uint32_t> outputs;  ///< literals

  std::size_t and_count() const { return ands.size(); }
  /// Longest input → output path in AND nodes.
  std::size_t levels() const;
};

/// Converts a circuit of Boolean gates (and, or, not, xor; constants 0 and 1;
/// inputs). Throws std::invalid_argument naming the first gate of another kind.
Aig to_aig(const Circuit& c);

/// ASCII AIGER ("aag").
void write_aiger(const Aig& aig, std::ostream& out);
/// Binary AIGER ("aig"; the AIGER format Berkeley ABC reads). out must be binary-safe.
void write_aiger_binary(const Aig& aig, std::ostream& out);
void write_blif(const Aig& aig, std::ostream& out, const std::string& model = "parallax");

}  // namespace parallax::circuits
