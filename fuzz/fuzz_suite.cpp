// Suite files (TOML, docs/suites.md): experiment/suite.hpp.
#include "experiment/suite.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)parallax::experiment::parse_suite(parallax_fuzz::text_of(data, size), "fuzz.toml");
  } catch (const parallax::experiment::SuiteError&) {
  } catch (const parallax::limits::LimitError&) {
  }
  return 0;
}
