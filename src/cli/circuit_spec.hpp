#pragma once
// Circuit model specs for `parallax circuit`:
//   lrnn:diag:d=K, lrnn:complex:d=K, lrnn:pd:d=K, lrnn:dplr:d=K, lrnn:dense:d=K
//       a random token LRNN of that structure (two tokens, fixed seed)
//   ssm:diag:d=K             alias of lrnn:diag:d=K: a diagonal SSM whose gates depend on the input token
//   lrnn:NAME or lrnn:FILE   a named LRNN (parity, s5-householder, …) or a JSON model file
//   transformer:FILE         a transformer JSON file (docs/transformer-json.md)
//   transformer:random[:attention=hard|average|softmax][:layers=L][:heads=H][:d=K][:ff=K]
//                    [:mask=causal|bidirectional][:norm=0|1]
//                            a random transformer without positional table (any n)
//   rnn:relu:d=K             a random ReLU RNN cell over scalar inputs
//   dfa:NAME                 a built-in automaton as a Boolean recognizer circuit
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "circuits/circuit.hpp"
#include "circuits/lrnn_circuit.hpp"
#include "circuits/prefix.hpp"

namespace parallax::cli {

using circuits::Circuit;
using circuits::FanIn;
using circuits::Network;

struct SpecError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct CircuitRequest {
  std::string spec;
  Network network = Network::BrentKung;
  FanIn fanin = FanIn::Bounded;
  std::uint64_t seed = 1;
};

/// Builds the circuit for n steps; throws SpecError naming the spec for bad
/// specs and impossible combinations.
Circuit build_circuit(const CircuitRequest& req, std::size_t n);

/// The accepted spec forms, for help and error messages.
std::string spec_forms();

}  // namespace parallax::cli
