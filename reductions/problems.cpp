#include <fmt/format.h>

#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

std::vector<ProblemInfo> problem_catalog() {
  std::vector<ProblemInfo> out;
  for (const char* g : {"S3", "S4", "S5", "A4", "A5", "A4xZ5", "Z60:all", "Z5", "D5"})
    out.push_back(make_problem(std::string("word:") + g)->info());
  return out;
}

std::unique_ptr<Problem> make_problem(const std::string& name) {
  if (name.starts_with("word:")) return make_word_problem(name);
  throw ProblemError(fmt::format("unknown problem '{}' (expected word:G or word:G:all with G one of S3, S4, S5, A4, A5, A4xZ5, "
                                 "Z<m>, D<n>; see `parallax problems`)",
                                 name));
}

}  // namespace parallax::reductions
