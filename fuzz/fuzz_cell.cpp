// Nonlinear cell files (docs/cells-json.md): models/cell.hpp.
#include "fuzz/harness.hpp"
#include "models/cell.hpp"
#include "numeric/limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parallax::models;
  try {
    (void)cell_from_json_text(parallax_fuzz::text_of(data, size), "fuzz.json");
  } catch (const CellError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
