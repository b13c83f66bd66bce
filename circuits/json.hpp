#pragma once
// Circuits as JSON (schema in docs/circuit-json.md):
//   {"format": "parallax-circuit/1", "inputs": I, "constants": ["1/2", …],
//    "gates": [{"kind": "input", "param": 0}, {"kind": "add", "operands": [0, 1]}, …],
//    "outputs": [gate ids]}
// Reading checks kinds, arities, topological order and indices, and names the
// file, line and field of the first problem.
#include <stdexcept>
#include <string>

#include "circuits/circuit.hpp"

namespace parallax::circuits {

struct CircuitFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string circuit_to_json(const Circuit& c);
Circuit circuit_from_json_text(const std::string& text, const std::string& source);

}  // namespace parallax::circuits
