#pragma once
// A ReLU RNN unrolled over n steps: inputs x_0 … x_{n−1}; outputs the
// positivity of the final score, then the score. Depth grows linearly in n:
// every step adds a layer of sums and a ReLU.
#include "circuits/circuit.hpp"
#include "models/relu_rnn.hpp"

namespace parallax::circuits {

Circuit relu_rnn_circuit(const models::ReluRnn& rnn, std::size_t n);

}  // namespace parallax::circuits
