#pragma once
// JSON has no infinities or NaN: records store a non-finite measurement
// (an overflowed error, an undefined ratio) as null.
#include <cmath>
#include <nlohmann/json.hpp>

namespace parallax::experiment {

inline nlohmann::ordered_json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}

}  // namespace parallax::experiment
