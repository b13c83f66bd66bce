#pragma once
// Automaton files (JSON), documented in docs/automata-json.md. One file holds
// one automaton; "type" says which (default "dfa"):
//   dfa  {"alphabet", "states", "start", "accepting", "transitions": {σ: [next of each state]},
//         "complete": true}      with "complete": false, missing symbols and null
//                                entries go to an added rejecting sink state
//   nfa  {"alphabet", "states", "start": [..], "accepting",
//         "transitions": [{"from", "symbol" (null or "" = ε), "to"}, …]}
//   wfa  {"alphabet", "states": n, "initial": [n weights], "final": [n weights],
//         "matrices": {σ: [[n weights] × n]}, "threshold": weight}
//   pfa  as wfa; "initial" and each matrix row are distributions, "final" is 0/1
// States are a count or a list of names; a state is referred to by index or
// name. Weights are JSON numbers or strings "p/q". Errors name the file, the
// line and the field (a JSON pointer).
#include <stdexcept>
#include <string>

#include "automata/dfa.hpp"
#include "automata/nfa.hpp"
#include "automata/wfa.hpp"

namespace parallax::automata {

struct AutomatonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class AutomatonKind { Dfa, Nfa, Wfa, Pfa };
std::string to_string(AutomatonKind k);  ///< "dfa", "nfa", "wfa", "pfa"

/// What a file holds: exactly one of dfa / nfa / wfa is filled, by kind.
struct Automaton {
  AutomatonKind kind = AutomatonKind::Dfa;
  Dfa dfa;
  Nfa nfa;
  Wfa<numeric::Exact> wfa;
  bool weighted() const { return kind == AutomatonKind::Wfa || kind == AutomatonKind::Pfa; }
};

Automaton automaton_from_json_text(const std::string& text, const std::string& source);
Automaton load_automaton(const std::string& path);

/// A DFA file (an NFA file is determinized); weighted files are refused.
Dfa dfa_from_json_text(const std::string& text, const std::string& source);
Dfa load_dfa(const std::string& path);
/// A built-in automaton or language (automata/languages.hpp), else a DFA or NFA file.
Dfa resolve_dfa(const std::string& name_or_path);

std::string dfa_to_json(const Dfa& dfa);
std::string wfa_to_json(const Wfa<numeric::Exact>& wfa);

}  // namespace parallax::automata
