// .npy arrays (experiment/npy.hpp): the bytes go to a file, read_npy reads it.
#include "experiment/npy.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/parallax-fuzz-npy-" + std::to_string(::getpid()) + ".npy";
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    const auto a = parallax::experiment::read_npy(path);
    std::size_t n = 1;
    for (auto d : a.shape) n *= d;
    if (n != a.data.size()) std::abort();
  } catch (const parallax::experiment::NpyError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
