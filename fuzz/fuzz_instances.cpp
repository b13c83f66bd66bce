// One line of a `reduce --input` instance file (JSON Lines, docs/problems.md):
// the first line of the input names the problem, the second is the instance.
// A line that reads is solved by the reference solver and reduced for the
// problem's first construction, as `reduce --input` does.
#include "experiment/instances.hpp"
#include "fuzz/harness.hpp"
#include "numeric/limits.hpp"
#include "reductions/problem.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parallax;
  const std::string text = parallax_fuzz::text_of(data, size);
  const auto nl = text.find('\n');
  if (nl == std::string::npos || nl > 64) return 0;
  try {
    const auto problem = reductions::make_problem(text.substr(0, nl));
    const auto instance = experiment::parse_instance_line(*problem, text.substr(nl + 1), "fuzz.jsonl", 1);
    (void)problem->solve(instance);
    const auto& constructions = problem->info().constructions;
    if (!constructions.empty()) (void)problem->encode(instance, constructions.front().name);
  } catch (const reductions::ProblemError&) {
  } catch (const limits::LimitError&) {
  }
  return 0;
}
