// Automaton files (docs/automata-json.md): automata/automaton_json.hpp.
#include "automata/automaton_json.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)parallax::automata::automaton_from_json_text(parallax_fuzz::text_of(data, size), "fuzz.json");
  } catch (const parallax::automata::AutomatonError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
