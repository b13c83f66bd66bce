#pragma once
// Checked options of the experiments. Each experiment's Options has a
// validate() that the CLI and the suite runner (`parallax run`) both call,
// so an entry of a suite is refused for exactly what the subcommand refuses.
// Messages name the offending option as the caller spells it (OptionNames):
// `--max-bits` on the command line, `max_bits` in a suite.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "numeric/precision.hpp"

namespace parallax::experiment {

/// An option that is malformed, out of range or inconsistent. `option` is
/// its key as a suite writes it (e.g. "max_bits"); what() the whole message,
/// the option spelled as the caller's OptionNames spell it.
struct OptionError : std::invalid_argument {
  OptionError(std::string option, const std::string& what) : std::invalid_argument(what), option(std::move(option)) {}
  std::string option;
};

/// How messages spell an option: the command line's "--max-bits", or a
/// suite's key "max_bits".
struct OptionNames {
  bool command_line = true;
  std::string operator()(std::string_view key) const;
  /// How to allow a sweep estimated above the work budget.
  std::string allow_long_hint() const;
};

/// Reads an entry of a suite (its keys as a JSON object: strings, numbers,
/// booleans, arrays) into typed values; errors are OptionError naming the key.
/// A key may be written with '_' or '-' (`min_bits`, `min-bits`).
class OptionKeys {
 public:
  explicit OptionKeys(const nlohmann::ordered_json& keys) : j_(keys) {}
  /// The key as written in the entry (`min-bits` or `min_bits`), or `key` itself when absent.
  std::string spelled(const std::string& key) const;
  bool has(const std::string& key) const;
  /// A value as the command line would receive it: strings as they are, arrays joined by commas.
  std::string text(const std::string& key, const std::string& absent = "") const;
  /// An integer within [lo, hi], `absent` when the key is not given.
  std::uint64_t integer(const std::string& key, std::uint64_t absent, std::uint64_t lo, std::uint64_t hi) const;
  bool flag(const std::string& key) const;  ///< true when given as true
  std::vector<numeric::Precision> precisions(const std::string& key) const;  ///< comma-separated (empty when absent)
  std::vector<std::size_t> lengths(const std::string& key) const;            ///< experiment/lengths.hpp (empty when absent)

  /// The text of a value as the command line would receive it.
  static std::string text_of(const nlohmann::ordered_json& v);

 private:
  const nlohmann::ordered_json& j_;
};

}  // namespace parallax::experiment
