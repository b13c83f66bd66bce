#pragma once
// Length lists for sweeps: "8,16,32", "1e6", and geometric ranges
// "8..65536x2" (8, 16, …, 65536) or arithmetic ones "10..50+10", mixed
// freely: "1,8..64x2,1e6". Throws std::invalid_argument naming the bad item.
#include <cstddef>
#include <string>
#include <vector>

namespace parallax::experiment {

std::vector<std::size_t> parse_lengths(const std::string& text, std::size_t max_length = 1000000000);

}  // namespace parallax::experiment
