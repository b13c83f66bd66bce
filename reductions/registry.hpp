#pragma once
// The factories of the problem families (internal to reductions/). Each
// returns the problem of a name in its family, nullptr for any other name,
// and throws ProblemError for a malformed name of its family. The names each
// family answers to are written once, in the table of problems.cpp.
#include <memory>
#include <string>

#include "reductions/problem.hpp"

namespace parallax::reductions {

std::unique_ptr<Problem> make_word_problem(const std::string& name);     // word_problem.cpp
std::unique_ptr<Problem> make_counter_problem(const std::string& name);  // counter_problems.cpp
std::unique_ptr<Problem> make_formula_problem(const std::string& name);  // formula_problem.cpp
std::unique_ptr<Problem> make_imm3_problem(const std::string& name);     // imm3_problem.cpp
std::unique_ptr<Problem> make_dgc_problem(const std::string& name);      // dgc_problem.cpp
std::unique_ptr<Problem> make_copy_problem(const std::string& name);     // copy_problems.cpp
std::unique_ptr<Problem> make_tcv_problem(const std::string& name);      // tcv_problem.cpp
std::unique_ptr<Problem> make_cvp_problem(const std::string& name);      // cvp_problem.cpp

}  // namespace parallax::reductions
