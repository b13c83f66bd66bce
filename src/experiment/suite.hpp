#pragma once
// A suite: the experiments `parallax run` performs, as a TOML file.
//
//   name = "my-suite"          # optional: names the suite in the report
//   description = "…"          # optional
//   seed = 1                   # optional: the default --seed of every entry
//   trials = 20                # optional: the default --trials of every entry
//
//   [[reduce]]                 # one entry: a subcommand and its options
//   problem = "word:S5"
//   construction = "pd"
//   lengths = "16..65536x4"
//   precision = ["fp32", "exact"]
//   quick = { lengths = "16..1024x4" }   # overrides under --quick
//
//   [[solve]]
//   cell = "paragru"
//   length = [1000, 100000]    # a list: one solve per value
//   quick = false              # left out under --quick
//
// An entry's table name is a `parallax` subcommand that can write a store
// (reduce, recognize, circuit, solve, and any later one); its keys are that
// subcommand's long options (`min_bits` or `min-bits` for --min-bits),
// values are strings, numbers, booleans (a flag) or arrays (joined by commas,
// or — for `length` — one run per element). The parser only reads the file
// and keeps every key's line; what the keys mean is checked by the runner
// against the subcommand before any work starts.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parallax::experiment {

/// A malformed suite; the message starts with "FILE:LINE:".
struct SuiteError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct SuiteEntry {
  std::string kind;                        ///< the subcommand, e.g. "reduce"
  std::size_t index = 0;                   ///< 1-based position among the entries of its kind
  int line = 0;                            ///< where the entry's table starts
  nlohmann::ordered_json options;          ///< key → string, number, boolean or array
  std::map<std::string, int> lines;        ///< key → line
  bool in_quick = true;                    ///< false: `quick = false`
  nlohmann::ordered_json quick;            ///< overrides applied under --quick (an object)
  std::map<std::string, int> quick_lines;  ///< key → line of the overrides
};

struct Suite {
  std::string file;  ///< the path, or "built-in"
  std::string text;  ///< the TOML source
  std::string name, description;
  std::optional<std::uint64_t> seed;
  std::optional<std::uint64_t> trials;
  std::vector<SuiteEntry> entries;  ///< in file order
  bool quick = false;               ///< the quick overrides have been applied
};

/// Parses a suite. Throws SuiteError "FILE:LINE:COLUMN: …" for TOML syntax
/// errors, unknown top-level keys, values of the wrong type.
Suite parse_suite(const std::string& text, const std::string& file);

/// The suite as run under --quick: entries with `quick = false` dropped, the
/// others with their `quick` overrides applied.
Suite quick_suite(const Suite& s);

/// The built-in default suite (its TOML text): every column of the
/// expressivity table, the circuit depth laws and the Newton solvers.
const std::string& default_suite_toml();

}  // namespace parallax::experiment
