// Transformer files (docs/transformer-json.md): models/transformer.hpp.
#include "fuzz/harness.hpp"
#include "models/transformer.hpp"
#include "numeric/limits.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parallax::models;
  try {
    const TransformerSpec s = transformer_from_json_text(parallax_fuzz::text_of(data, size), "fuzz.json");
    const std::string again = transformer_to_json(s);
    if (transformer_to_json(transformer_from_json_text(again, "again.json")) != again) std::abort();
  } catch (const TransformerError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
