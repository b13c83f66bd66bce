// Circuit files (docs/circuit-json.md): circuits/json.hpp.
#include "circuits/json.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)parallax::circuits::circuit_from_json_text(parallax_fuzz::text_of(data, size), "fuzz.json");
  } catch (const parallax::circuits::CircuitFileError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
