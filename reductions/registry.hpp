#pragma once
// The constructors of each problem family (internal to reductions/).
#include <memory>
#include <string>

#include "reductions/problem.hpp"

namespace parallax::reductions {

/// word:G for G in S3, S4, S5, A4, A5, A4xZ5, Z<m>, D<n>.
std::unique_ptr<Problem> make_word_problem(const std::string& name);
/// parity, modcount:M, dyck1:K, majority; nullptr for other names.
std::unique_ptr<Problem> make_counter_problem(const std::string& name);
/// formula (Boolean formula value → Barrington's width-5 program → word:S5:all); nullptr otherwise.
std::unique_ptr<Problem> make_formula_problem(const std::string& name);
/// imm3:pos, imm3:zero, imm3:mod:P; nullptr for other names.
std::unique_ptr<Problem> make_imm3_problem(const std::string& name);
/// dgc (sorted deterministic graph connectivity); nullptr otherwise.
std::unique_ptr<Problem> make_dgc_problem(const std::string& name);
/// first-eq-last, induction; nullptr for other names.
std::unique_ptr<Problem> make_copy_problem(const std::string& name);
/// tcv:D (threshold circuit value at depth ≤ D); nullptr for other names.
std::unique_ptr<Problem> make_tcv_problem(const std::string& name);
/// cvp (circuit value); nullptr otherwise.
std::unique_ptr<Problem> make_cvp_problem(const std::string& name);

}  // namespace parallax::reductions
