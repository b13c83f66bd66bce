#include <fmt/format.h>

#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

std::vector<ProblemInfo> problem_catalog() {
  std::vector<ProblemInfo> out;
  for (const char* g : {"S3", "S4", "S5", "A4", "A5", "A4xZ5", "Z60:all", "Z5", "D5"})
    out.push_back(make_problem(std::string("word:") + g)->info());
  for (const char* c : {"parity", "modcount:3", "majority", "dyck1", "dyck1:4", "formula", "imm3:pos", "imm3:zero", "imm3:mod:5",
                        "dgc", "cvp", "first-eq-last", "induction", "tcv:2"})
    out.push_back(make_problem(c)->info());
  return out;
}

std::unique_ptr<Problem> make_problem(const std::string& name) {
  if (name.starts_with("word:")) return make_word_problem(name);
  if (auto p = make_counter_problem(name)) return p;
  if (auto p = make_formula_problem(name)) return p;
  if (auto p = make_imm3_problem(name)) return p;
  if (auto p = make_dgc_problem(name)) return p;
  if (auto p = make_cvp_problem(name)) return p;
  if (auto p = make_copy_problem(name)) return p;
  if (auto p = make_tcv_problem(name)) return p;
  throw ProblemError(fmt::format("unknown problem '{}' (expected word:G or word:G:all with G one of S3, S4, S5, A4, A5, A4xZ5, "
                                 "Z<m>, D<n>; parity, modcount:M, dyck1, dyck1:K, majority; formula; imm3:pos, imm3:zero, imm3:mod:P; dgc; cvp; first-eq-last, induction; tcv:D; see `parallax problems`)",
                                 name));
}

}  // namespace parallax::reductions
