#pragma once
// The message a problem's validation gives an instance, or "accepted": the
// tests of malformed instances compare it.
#include <string>

#include "reductions/problem.hpp"

namespace parallax_test {

inline std::string validation_error(const parallax::reductions::Problem& p, const parallax::reductions::Instance& in) {
  try {
    p.validate(in);
  } catch (const parallax::reductions::ProblemError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace parallax_test
