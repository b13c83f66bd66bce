#pragma once
// The field readers shared by the JSON model formats (LRNNs, transformers):
// every error names the file, line and field (models/json_positions.hpp) and
// is thrown as `Error`; and the writer of their exact numbers.
#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/json_positions.hpp"
#include "numeric/exact.hpp"

namespace parallax::models {

template <class Error>
class JsonReader {
 public:
  using json = nlohmann::json;

  JsonReader(std::string source, const std::string& text) : source_(std::move(source)), lines_(json_value_lines(text)) {}

  [[noreturn]] void fail(const std::string& ptr, const std::string& msg) const {
    throw Error(json_field_message(source_, lines_, ptr, msg));
  }

  const json& member(const json& obj, const std::string& ptr, const char* key) const {
    if (!obj.contains(key)) fail(ptr, fmt::format("missing required field \"{}\"", key));
    return obj.at(key);
  }

  void only_keys(const json& obj, const std::string& ptr, std::initializer_list<const char*> allowed) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(ptr + "/" + json_pointer_token(it.key()), fmt::format("unknown field \"{}\" (allowed here: {})", it.key(), list));
      }
    }
  }

  const json& object(const json& j, const std::string& ptr) const {
    if (!j.is_object()) fail(ptr, fmt::format("expected an object, got {}", j.type_name()));
    return j;
  }

  const json& array(const json& j, const std::string& ptr, const char* what) const {
    if (!j.is_array()) fail(ptr, fmt::format("expected an array ({}), got {}", what, j.type_name()));
    return j;
  }

  /// A number, exactly: an integer, a decimal, or a string such as "1/3".
  numeric::Exact number(const json& j, const std::string& ptr) const {
    using numeric::Exact;
    if (j.is_number_integer()) return j.is_number_unsigned() ? Exact(j.get<std::uint64_t>()) : Exact(j.get<std::int64_t>());
    try {
      if (j.is_number_float()) return numeric::parse_exact(fmt::format("{}", j.get<double>()));
      if (j.is_string()) return numeric::parse_exact(j.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(ptr, e.what());
    }
    fail(ptr, fmt::format("expected a number (or a string such as \"1/3\"), got {}", j.type_name()));
  }

  /// An integer in [lo, hi].
  std::size_t count(const json& j, const std::string& ptr, std::size_t lo,
                    std::size_t hi = std::numeric_limits<std::size_t>::max()) const {
    if (!j.is_number_integer() || (!j.is_number_unsigned() && j.get<std::int64_t>() < 0) || j.get<std::uint64_t>() < lo ||
        j.get<std::uint64_t>() > hi)
      fail(ptr, hi == std::numeric_limits<std::size_t>::max() ? fmt::format("expected an integer >= {}", lo)
                                                              : fmt::format("expected an integer between {} and {}", lo, hi));
    return j.get<std::size_t>();
  }

  std::string string(const json& j, const std::string& ptr) const {
    if (!j.is_string()) fail(ptr, fmt::format("expected a string, got {}", j.type_name()));
    return j.get<std::string>();
  }

 private:
  std::string source_;
  std::map<std::string, int> lines_;
};

/// An exact number as the model files write it: an integer when it is one
/// that fits in 64 bits, else the string "p/q". `Json` is nlohmann::json or
/// nlohmann::ordered_json.
template <class Json>
Json number_json(const numeric::Exact& q) {
  if (denominator(q) == 1) {
    const numeric::BigInt z = numerator(q);
    if (z >= std::numeric_limits<std::int64_t>::min() && z <= std::numeric_limits<std::int64_t>::max())
      return z.convert_to<std::int64_t>();
  }
  return q.str();
}

/// A vector of exact numbers as number_json writes each.
template <class Json>
Json vec_json(const std::vector<numeric::Exact>& v) {
  Json a = Json::array();
  for (const auto& q : v) a.push_back(number_json<Json>(q));
  return a;
}

}  // namespace parallax::models
