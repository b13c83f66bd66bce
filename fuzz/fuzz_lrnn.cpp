// LRNN model files (docs/lrnn-json.md): models/lrnn.hpp. A model that reads
// is written and read back, and must come back the same.
#include "fuzz/harness.hpp"
#include "models/lrnn.hpp"
#include "numeric/limits.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parallax::models;
  try {
    const LrnnSpec s = lrnn_from_json_text(parallax_fuzz::text_of(data, size), "fuzz.json");
    const std::string again = lrnn_to_json(s);
    if (lrnn_to_json(lrnn_from_json_text(again, "again.json")) != again) std::abort();
  } catch (const ModelError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
