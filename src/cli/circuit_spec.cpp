#include "cli/circuit_spec.hpp"

#include <fmt/format.h>

#include <charconv>

#include "automata/dfa.hpp"
#include "automata/automaton_json.hpp"
#include "automata/recognizer.hpp"
#include "circuits/rnn_circuit.hpp"
#include "models/lrnn.hpp"
#include "models/relu_rnn.hpp"

namespace parallax::cli {

using namespace parallax::circuits;

std::string spec_forms() {
  return "lrnn:diag:d=K, lrnn:complex:d=K, lrnn:pd:d=K, lrnn:dplr:d=K, lrnn:dense:d=K, lrnn:NAME (named model), "
         "lrnn:FILE (JSON model file), rnn:relu:d=K, dfa:NAME (a built-in language such as parity, contains-aba, word:A5, or s5), dfa:FILE (JSON DFA or NFA)";
}

namespace {

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  throw SpecError(fmt::format("invalid circuit model '{}': {}; valid forms: {}", spec, why, spec_forms()));
}

std::size_t dimension(std::string_view spec, std::string_view part) {
  std::size_t d = 0;
  if (!part.starts_with("d=")) fail(spec, "expected d=K");
  const auto v = part.substr(2);
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || d == 0 || d > 64) fail(spec, "d must be an integer from 1 to 64");
  return d;
}

}  // namespace

Circuit build_circuit(const CircuitRequest& req, std::size_t n) {
  const std::string_view s = req.spec;
  if (s.starts_with("rnn:")) {
    const auto rest = s.substr(4);
    if (!rest.starts_with("relu:")) fail(s, "the nonlinear cell is rnn:relu:d=K");
    if (req.fanin == FanIn::Unbounded) fail(s, "an RNN has no unbounded fan-in construction");
    return relu_rnn_circuit(models::random_relu_rnn(dimension(s, rest.substr(5)), req.seed), n);
  }
  if (s.starts_with("dfa:")) {
    if (req.fanin == FanIn::Unbounded) fail(s, "the recognizer circuit has bounded fan-in only");
    automata::Dfa dfa;
    try {
      dfa = automata::resolve_dfa(std::string(s.substr(4)));
    } catch (const std::exception& e) {
      fail(s, e.what());
    }
    return automata::recognizer_circuit(dfa, n, req.network);
  }
  if (!s.starts_with("lrnn:")) fail(s, "unknown kind");
  const auto rest = s.substr(5);
  models::LrnnSpec spec;
  const auto colon = rest.find(':');
  const auto head = rest.substr(0, colon);
  const std::pair<const char*, models::Structure> structures[] = {
      {"diag", models::Structure::Diagonal}, {"complex", models::Structure::Complex},
      {"pd", models::Structure::PermutationDiagonal}, {"dplr", models::Structure::Dplr},
      {"dense", models::Structure::Dense}};
  bool generic = false;
  for (const auto& [name, st] : structures) {
    if (head == name && colon != std::string_view::npos) {
      const std::size_t d = dimension(s, rest.substr(colon + 1));
      if (st == models::Structure::Complex && d % 2) fail(s, "a complex model needs an even d");
      spec = models::random_lrnn(st, d, 2, req.seed);
      generic = true;
    }
  }
  if (!generic) {
    try {
      spec = models::resolve_model(std::string(rest));
    } catch (const models::ModelError& e) {
      fail(s, e.what());
    }
  }
  try {
    return lrnn_circuit(spec, n, req.network, req.fanin);
  } catch (const std::invalid_argument& e) {
    fail(s, e.what());
  }
}

}  // namespace parallax::cli
