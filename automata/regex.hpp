#pragma once
// Regular expressions over one-character symbols, compiled to automata.
//
// Syntax (every symbol is one character, i.e. one byte):
//   r|s        alternation; an empty alternative, as in "(a|)", is the empty word
//   rs         concatenation
//   r* r+ r?   zero or more, one or more, zero or one (postfix, may be stacked)
//   (r)        grouping; "()" is the empty word
//   [abc]      one of the listed symbols; [a-c] a range; [^ab] every symbol of
//              the alphabet except those listed. Inside a class, '-' at the
//              start or end is literal, and '\' escapes the next character.
//   .          any symbol of the alphabet
//   \c         the character c literally (\*, \(, \|, \\, \[, \., ...)
// Other characters, including spaces and '{' '}', are literal symbols; a
// ']' outside a class is an error (escape it).
//
// The alphabet: given explicitly (one-character strings), every literal
// character must belong to it, and a range covers the alphabet symbols
// between its ends. Otherwise it is the set of literal characters of the
// regex (ranges contribute every character they span), sorted by byte value.
//
// regex_to_nfa is Thompson's construction (O(|re|) states and ε-edges);
// regex_to_dfa determinizes and minimizes it (canonical numbering).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/nfa.hpp"

namespace parallax::automata {

/// A malformed regex; what() reads "regex position N: ...", with N the
/// 0-based byte offset also stored in `position`.
struct RegexError : std::invalid_argument {
  RegexError(std::size_t position, const std::string& message);
  std::size_t position;
};

/// Thompson NFA: one start state, one accepting state. Throws RegexError for
/// syntax errors and symbols outside the alphabet, std::invalid_argument for
/// a bad alphabet (a symbol that is not one character, duplicates) or when
/// no alphabet is given and the regex has no literal symbol to infer it from.
Nfa regex_to_nfa(const std::string& re, std::vector<std::string> alphabet = {});

/// minimize(determinize(regex_to_nfa(re, alphabet))), named after the regex.
Dfa regex_to_dfa(const std::string& re, std::vector<std::string> alphabet = {});

}  // namespace parallax::automata
