// Precision specs (numeric/precision.hpp): parse, print, parse again, resolve.
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"
#include "numeric/precision.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using parallax::numeric::Precision;
  try {
    const Precision p = Precision::parse(parallax_fuzz::text_of(data, size));
    // the canonical text reads back as the same spec
    if (Precision::parse(p.to_string()).to_string() != p.to_string()) std::abort();
    for (std::size_t n : {std::size_t(1), std::size_t(1000), std::size_t(1) << 40}) {
      try {
        (void)p.resolve(n);
      } catch (const parallax::numeric::PrecisionError&) {
      }
    }
  } catch (const parallax::numeric::PrecisionError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
