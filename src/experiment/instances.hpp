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

#include "reductions/problem.hpp"

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

}  // namespace parallax::experiment
