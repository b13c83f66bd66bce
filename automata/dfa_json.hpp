#pragma once
// DFA files (JSON):
//   {
//     "name": "contains-aba",               optional (default: the file name)
//     "alphabet": ["a", "b"],
//     "states": 4,                           a count, or a list of state names
//     "start": 0,                            index or name
//     "accepting": [3],                      indices or names
//     "transitions": {"a": [1, 1, 3, 3],     per symbol, the next state of each state
//                     "b": [0, 2, 0, 3]}
//   }
// Errors name the file, the line and the field (a JSON pointer).
#include <stdexcept>
#include <string>

#include "automata/dfa.hpp"

namespace parallax::automata {

struct DfaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Dfa dfa_from_json_text(const std::string& text, const std::string& source);
Dfa load_dfa(const std::string& path);
/// A built-in automaton, else a DFA file.
Dfa resolve_dfa(const std::string& name_or_path);
std::string dfa_to_json(const Dfa& dfa);

}  // namespace parallax::automata
