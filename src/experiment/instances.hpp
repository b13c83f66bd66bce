#pragma once
// Instance files of `parallax reduce --input FILE` (docs/problems.md): JSON
// Lines, one instance object per line, in the problem's documented format
// plus an optional "id". Reading one line is a library function so that the
// CLI and a fuzz harness run the same checks: the JSON limits of
// models::parse_json (nesting depth, number range), an object, a string or
// integer "id", and the problem's own validation. Every error names the file,
// the line and (where there is one) the field.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "numeric/precision.hpp"
#include "reductions/problem.hpp"
#include "models/model.hpp"

namespace parallax::experiment {

/// Parses and validates one line of an instance file. `file` and `line_no`
/// (1-based) only name the place in messages. Throws reductions::ProblemError
/// whose message starts with "FILE:LINE:" (and names the field, e.g. /word/3,
/// /id); never another exception type for malformed text.
nlohmann::json parse_instance_line(const reductions::Problem& problem, const std::string& line, const std::string& file,
                                   std::size_t line_no);

/// The size n at which `--precision log:C` / `poly:K` is resolved for one
/// instance: the length of its encoded token sequence (the input length of
/// the model that decides it), at least 1.
std::size_t instance_size(std::size_t tokens);

/// The answer of a construction's model to one instance at one precision.
struct InstanceAnswer {
  nlohmann::ordered_json id;  ///< the line's "id", else its line number
  std::size_t n = 0;          ///< instance_size
  std::string precision, format;
  models::Verdict decision = models::Verdict::Undecided;
  bool reference = false;
  bool correct() const { return decision == models::verdict_of(reference); }
};

/// Parses instance line `line_no` of `file`, encodes it for `construction`
/// and decides it at every precision (each resolved at the instance's size,
/// all before any is evaluated, so that a line is all or nothing). Throws
/// reductions::ProblemError as parse_instance_line does, and for a precision
/// that does not resolve at that size.
std::vector<InstanceAnswer> answer_instance(const reductions::Problem& problem, const std::string& construction,
                                            const std::vector<numeric::Precision>& precisions, const std::string& line,
                                            const std::string& file, std::size_t line_no);

}  // namespace parallax::experiment
