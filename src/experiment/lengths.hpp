#pragma once
// Length lists for sweeps: "8,16,32", "1e6", and geometric ranges
// "8..65536x2" (8, 16, …, 65536) or arithmetic ones "10..50+10", mixed
// freely: "1,8..64x2,1e6". Throws std::invalid_argument naming the bad item
// (limits::LimitError, also an invalid_argument, for a list over the limits);
// the caller prefixes the option.
//
// Limits (numeric/limits.hpp), checked before any list is built: every length
// at most max_length (limits::kMaxLength unless a caller asks for less), at
// most limits::kMaxSweepPoints lengths in all (a range's count is computed
// from its ends and step, so "0..1e9+1" is refused at once, not after a
// billion push_backs).
#include <cstddef>
#include <string>
#include <vector>

#include "numeric/limits.hpp"

namespace parallax::experiment {

std::vector<std::size_t> parse_lengths(const std::string& text, std::size_t max_length = limits::kMaxLength);

}  // namespace parallax::experiment
