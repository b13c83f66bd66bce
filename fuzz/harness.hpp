#pragma once
// Shared by the fuzz harnesses (fuzz/fuzz_*.cpp): each defines
// LLVMFuzzerTestOneInput for one parser. A harness catches exactly the errors
// the parser documents for bad input (its own error type and
// limits::LimitError); anything else escaping (std::bad_alloc, an nlohmann or
// std::out_of_range exception, a crash, a sanitizer report, a timeout) is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string>

namespace parallax_fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace parallax_fuzz
