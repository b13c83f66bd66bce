#pragma once
// Names of enum values: one constant table of {value, name} pairs per enum
// gives the name of a value, the value of a name, and the list of the valid
// names that error messages show. Each caller keeps its own error type and
// wording; the table is the one place the names are written.
//
//   constexpr numeric::EnumName<Mask> kMasks[] = {{Mask::Causal, "causal"}, {Mask::Bidirectional, "bidirectional"}};
//   name_of(kMasks, Mask::Causal)       // "causal"
//   value_of(kMasks, "bidirectional")   // Mask::Bidirectional; std::nullopt for an unknown name
//   names_joined(kMasks, ", ", " or ")  // "causal or bidirectional"
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parallax::numeric {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

/// The name of `value`; `missing` for a value the table lacks.
template <class E, std::size_t N>
constexpr const char* name_of(const EnumName<E> (&table)[N], E value, const char* missing = "?") {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return missing;
}

/// The value named `name`, or std::nullopt.
template <class E, std::size_t N>
constexpr std::optional<E> value_of(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (name == e.name) return e.value;
  return std::nullopt;
}

/// Every name, in table order.
template <class E, std::size_t N>
std::vector<std::string> names_of(const EnumName<E> (&table)[N]) {
  std::vector<std::string> r;
  r.reserve(N);
  for (const auto& e : table) r.emplace_back(e.name);
  return r;
}

/// The names in table order, separated by `sep` and the last two by `last`:
/// "a, b, c" or (last = " or ") "a, b or c".
template <class E, std::size_t N>
std::string names_joined(const EnumName<E> (&table)[N], std::string_view sep = ", ", std::string_view last = ", ") {
  std::string r;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) r += i + 1 == N ? last : sep;
    r += table[i].name;
  }
  return r;
}

}  // namespace parallax::numeric
