// Regexes (automata/regex.hpp): the first line is the alphabet (symbols
// separated by spaces, empty = inferred), the rest the regex.
#include "automata/regex.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"

#include <sstream>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = parallax_fuzz::text_of(data, size);
  const auto nl = text.find('\n');
  std::vector<std::string> alphabet;
  std::istringstream in(nl == std::string::npos ? std::string() : text.substr(0, nl));
  for (std::string s; in >> s;) alphabet.push_back(s);
  const std::string re = nl == std::string::npos ? text : text.substr(nl + 1);
  try {
    (void)parallax::automata::regex_to_nfa(re, alphabet);
  } catch (const std::invalid_argument&) {  // RegexError, a bad alphabet, LimitError
  }
  return 0;
}
