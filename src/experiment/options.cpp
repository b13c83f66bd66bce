#include "experiment/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "experiment/lengths.hpp"

namespace parallax::experiment {

std::string OptionNames::operator()(std::string_view key) const {
  std::string s(key);
  if (command_line) {
    std::replace(s.begin(), s.end(), '_', '-');
    return "--" + s;
  }
  return s;
}

std::string OptionNames::allow_long_hint() const {
  return command_line ? "Give --allow-long" : "Write allow_long = true in the entry";
}

std::string OptionKeys::spelled(const std::string& key) const {
  if (j_.contains(key)) return key;
  std::string dashed = key, underscored = key;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  return j_.contains(dashed) ? dashed : j_.contains(underscored) ? underscored : key;
}

bool OptionKeys::has(const std::string& key) const { return j_.contains(spelled(key)); }

std::string OptionKeys::text_of(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& x : v) parts.push_back(text_of(x));
    return fmt::format("{}", fmt::join(parts, ","));
  }
  return v.dump();
}

std::string OptionKeys::text(const std::string& key, const std::string& absent) const {
  return has(key) ? text_of(j_[spelled(key)]) : absent;
}

std::uint64_t OptionKeys::integer(const std::string& key, std::uint64_t absent, std::uint64_t lo, std::uint64_t hi) const {
  if (!has(key)) return absent;
  const std::string k = spelled(key), t = text(key);
  const bool digits = !t.empty() && t.size() <= 19 && t.find_first_not_of("0123456789") == std::string::npos;
  const std::uint64_t v = digits ? std::stoull(t) : 0;
  if (!digits || v < lo || v > hi)
    throw OptionError(key, fmt::format("{} = {}: expected an integer from {} to {}", k, j_[k].dump(), lo, hi));
  return v;
}

bool OptionKeys::flag(const std::string& key) const {
  if (!has(key)) return false;
  const auto& v = j_[spelled(key)];
  return v.is_boolean() && v.get<bool>();
}

std::vector<numeric::Precision> OptionKeys::precisions(const std::string& key) const {
  std::vector<numeric::Precision> out;
  if (!has(key)) return out;
  std::stringstream ss(text(key));
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      out.push_back(numeric::Precision::parse(item));
    } catch (const std::exception& e) {
      throw OptionError(key, fmt::format("{}: {}", spelled(key), e.what()));
    }
  }
  return out;
}

std::vector<std::size_t> OptionKeys::lengths(const std::string& key) const {
  if (!has(key)) return {};
  try {
    return parse_lengths(text(key));
  } catch (const std::exception& e) {
    throw OptionError(key, fmt::format("{}: {}", spelled(key), e.what()));
  }
}

}  // namespace parallax::experiment
