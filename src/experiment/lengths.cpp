#include "experiment/lengths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace parallax::experiment {

namespace {

/// A decimal number: digits, an optional fraction, an optional exponent (no
/// sign, no hexadecimal, no "inf" or "nan", no blanks: what std::stod would
/// also take).
bool decimal_text(const std::string& t) {
  std::size_t i = 0, digits = 0;
  auto run = [&] {
    std::size_t k = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++k;
    return k;
  };
  digits += run();
  if (i < t.size() && t[i] == '.') ++i, digits += run();
  if (digits == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && t[i] == '+') ++i;
    if (run() == 0) return false;
  }
  return i == t.size();
}

std::size_t number(const std::string& item, const std::string& text, std::size_t max_length) {
  double v = -1;
  if (decimal_text(text)) {
    try {
      v = std::stod(text);
    } catch (const std::exception&) {  // out of range ("1e999")
      v = -1;
    }
  }
  if (v < 0 || v > double(max_length) || v != std::floor(v))
    throw std::invalid_argument(fmt::format("'{}': '{}' is not a length (a whole number from 0 to {}, e.g. 100 or 1e6)",
                                            item, text, max_length));
  return static_cast<std::size_t>(v);
}

}  // namespace

std::vector<std::size_t> parse_lengths(const std::string& text, std::size_t max_length) {
  max_length = std::min<std::size_t>(max_length, limits::kMaxLength);
  std::vector<std::size_t> out;
  std::stringstream ss(text);
  std::string item;
  auto room_for = [&](const std::string& what, std::uint64_t count) {
    const std::uint64_t total = limits::add(out.size(), count);
    if (total > limits::kMaxSweepPoints)
      throw limits::LimitError(fmt::format("'{}': {} lengths{}, above the limit of {} lengths in one list (docs/limits.md)",
                                           what, total, total == count ? "" : " with the items before it",
                                           limits::kMaxSweepPoints));
  };
  while (std::getline(ss, item, ',')) {
    const auto dots = item.find("..");
    if (dots == std::string::npos) {
      const std::size_t n = number(item, item, max_length);
      room_for(item, 1);
      out.push_back(n);
      continue;
    }
    const std::string lo_text = item.substr(0, dots), rest = item.substr(dots + 2);
    const auto step_at = rest.find_first_of("x+");
    if (step_at == std::string::npos)
      throw std::invalid_argument(fmt::format("'{}': a range needs a step: A..BxF (geometric) or A..B+S (arithmetic)", item));
    const std::size_t lo = number(item, lo_text, max_length), hi = number(item, rest.substr(0, step_at), max_length);
    const std::size_t step = number(item, rest.substr(step_at + 1), max_length);
    if (lo > hi) throw std::invalid_argument(fmt::format("'{}': the range is empty ({} > {})", item, lo, hi));
    // the number of lengths first, then the list (lo, hi ≤ max_length ≤ 1e9: no overflow below)
    if (rest[step_at] == 'x') {
      if (step < 2 || lo == 0) throw std::invalid_argument(fmt::format("'{}': a geometric range needs A >= 1 and a factor >= 2", item));
      std::uint64_t count = 1;
      for (std::size_t v = lo; v <= hi / step; v *= step) ++count;
      room_for(item, count);
      for (std::size_t v = lo, k = 0; k < count; ++k, v *= step) out.push_back(v);
    } else {
      if (step == 0) throw std::invalid_argument(fmt::format("'{}': an arithmetic range needs a step >= 1", item));
      const std::uint64_t count = (hi - lo) / step + 1;
      room_for(item, count);
      for (std::size_t v = lo, k = 0; k < count; ++k, v += step) out.push_back(v);
    }
  }
  if (out.empty()) throw std::invalid_argument("give at least one length, e.g. 10,100,1e6 or 8..65536x2");
  return out;
}

}  // namespace parallax::experiment
