// Length lists and ranges (--lengths, suite "lengths"): experiment/lengths.hpp.
#include "experiment/lengths.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"

#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto v = parallax::experiment::parse_lengths(parallax_fuzz::text_of(data, size));
    if (v.empty() || v.size() > parallax::limits::kMaxSweepPoints) std::abort();
    for (auto n : v)
      if (n > parallax::limits::kMaxLength) std::abort();
  } catch (const std::invalid_argument&) {  // the documented error (LimitError is one too)
  }
  return 0;
}
