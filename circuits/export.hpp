#pragma once
// Circuit exports. DOT (Graphviz): one node per gate labelled with its kind,
// edges from operands, outputs drawn as double circles.
#include <ostream>

#include "circuits/circuit.hpp"

namespace parallax::circuits {

void write_dot(const Circuit& c, std::ostream& out);

}  // namespace parallax::circuits
