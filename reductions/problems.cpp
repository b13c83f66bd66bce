// The table of problem families: the names each answers to, the problems the
// catalogue lists (the first one's instance format stands for the family),
// and its factory. problem_families(), problem_names_summary() (the help
// text of --problem), problem_catalog(), make_problem() and its error text
// (which `parallax problems` and every --problem refusal show) all read it.
#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

namespace {

struct ProblemFamily {
  /// The names the family answers to, as make_problem's refusal lists them.
  std::string_view names;
  /// The problems problem_catalog() lists for it; the first is the family's example.
  std::vector<std::string_view> catalog;
  /// The problem of that name; nullptr for a name outside the family.
  std::unique_ptr<Problem> (*make)(const std::string& name);
};

const std::vector<ProblemFamily>& families() {
  static const std::vector<ProblemFamily> table = {
      {"word:G, word:G:all or word:G:perm with G one of S3, S4, S5, A4, A5, A4xZ5, Z<m>, D<n>",
       {"word:S3", "word:S4", "word:S5", "word:A4", "word:A5", "word:A4xZ5", "word:Z60:all", "word:Z5", "word:D5", "word:A5:perm"},
       make_word_problem},
      {"parity, modcount:M, dyck1, dyck1:K, majority",
       {"parity", "modcount:3", "majority", "dyck1", "dyck1:4"},
       make_counter_problem},
      {"formula, formula:vars:K", {"formula", "formula:vars:3"}, make_formula_problem},
      {"imm3:pos, imm3:zero, imm3:mod:P", {"imm3:pos", "imm3:zero", "imm3:mod:5"}, make_imm3_problem},
      {"dgc", {"dgc"}, make_dgc_problem},
      {"cvp", {"cvp"}, make_cvp_problem},
      {"first-eq-last, induction", {"first-eq-last", "induction"}, make_copy_problem},
      {"tcv:D", {"tcv:2"}, make_tcv_problem},
  };
  return table;
}

}  // namespace

std::vector<ProblemFamilyInfo> problem_families() {
  std::vector<ProblemFamilyInfo> out;
  for (const auto& f : families()) {
    ProblemFamilyInfo info;
    info.names = f.names;
    info.examples.assign(f.catalog.begin(), f.catalog.end());
    info.instance_format = f.make(info.examples.front())->info().instance_format;
    out.push_back(std::move(info));
  }
  return out;
}

std::string problem_names_summary() {
  std::vector<std::string_view> names;
  for (const auto& f : families()) names.push_back(f.names);
  return fmt::format("{}", fmt::join(names, "; "));
}

std::vector<ProblemInfo> problem_catalog() {
  std::vector<ProblemInfo> out;
  for (const auto& f : families())
    for (std::string_view name : f.catalog) out.push_back(make_problem(std::string(name))->info());
  return out;
}

std::unique_ptr<Problem> make_problem(const std::string& name) {
  for (const auto& f : families())
    if (auto p = f.make(name)) return p;
  throw ProblemError(fmt::format("unknown problem '{}' (expected {}; see `parallax problems`)", name, problem_names_summary()));
}

}  // namespace parallax::reductions
