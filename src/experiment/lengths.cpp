#include "experiment/lengths.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace parallax::experiment {

namespace {

std::size_t number(const std::string& item, const std::string& text, std::size_t max_length) {
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || v < 0 || v > double(max_length) || v != std::floor(v))
    throw std::invalid_argument(fmt::format("'{}': '{}' is not a length (a whole number from 0 to {}, e.g. 100 or 1e6)",
                                            item, text, max_length));
  return static_cast<std::size_t>(v);
}

}  // namespace

std::vector<std::size_t> parse_lengths(const std::string& text, std::size_t max_length) {
  std::vector<std::size_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto dots = item.find("..");
    if (dots == std::string::npos) {
      out.push_back(number(item, item, max_length));
      continue;
    }
    const std::string lo_text = item.substr(0, dots), rest = item.substr(dots + 2);
    const auto step_at = rest.find_first_of("x+");
    if (step_at == std::string::npos)
      throw std::invalid_argument(fmt::format("'{}': a range needs a step: A..BxF (geometric) or A..B+S (arithmetic)", item));
    const std::size_t lo = number(item, lo_text, max_length), hi = number(item, rest.substr(0, step_at), max_length);
    const std::size_t step = number(item, rest.substr(step_at + 1), max_length);
    if (lo > hi) throw std::invalid_argument(fmt::format("'{}': the range is empty ({} > {})", item, lo, hi));
    if (rest[step_at] == 'x') {
      if (step < 2 || lo == 0) throw std::invalid_argument(fmt::format("'{}': a geometric range needs A >= 1 and a factor >= 2", item));
      for (std::size_t v = lo; v <= hi; v *= step) {
        out.push_back(v);
        if (v > hi / step) break;
      }
    } else {
      if (step == 0) throw std::invalid_argument(fmt::format("'{}': an arithmetic range needs a step >= 1", item));
      for (std::size_t v = lo; v <= hi; v += step) {
        out.push_back(v);
        if (hi - v < step) break;
      }
    }
    if (out.size() > 100000) throw std::invalid_argument(fmt::format("'{}': more than 100000 lengths", item));
  }
  if (out.empty()) throw std::invalid_argument("give at least one length, e.g. 10,100,1e6 or 8..65536x2");
  return out;
}

}  // namespace parallax::experiment
