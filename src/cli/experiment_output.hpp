#pragma once
// Output shared by `parallax recognize` and `parallax reduce`: the
// --precision list and the minimum-bits records with their growth-law fits.
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "experiment/options.hpp"
#include "experiment/sweep.hpp"
#include "numeric/precision.hpp"

namespace parallax::cli {

/// The options `reduce` and `recognize` share: the minimum-bits search, the
/// scan check, --check, --allow-long and --store. `unit` names what a trial
/// is in the help text ("instance", "word").
struct SweepFlags {
  bool min_bits = false;
  int exponent_bits = 10;
  int max_bits = 2048;
  bool no_scan = false;
  bool check = false;
  bool allow_long = false;
  std::string store;
  void add_to(CLI::App& app);
  /// Sets what the flags give of a sweep's options (experiment/sweep.hpp):
  /// min_bits, the search widths, the scan check and allow_long.
  void apply_to(experiment::SweepOptions& options) const;
};

/// "fp32,exact,…" → precisions; errors are CliError(kBadInput) naming --precision.
std::vector<numeric::Precision> parse_precision_list(const std::string& text);

/// Calls options.validate() (experiment/options.hpp), turning its
/// OptionError into CliError(kBadInput) with the same message.
template <class Options>
void validate_options(const Options& options) {
  try {
    options.validate();
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
}

/// Prints the min_bits records, then one min_bits_fit record per series.
/// `tags` (e.g. {"problem": …, "construction": …}) lead each JSON/CSV row;
/// the human table leaves them out. max_bits is shown for a failed search.
void print_min_bits(const std::vector<experiment::MinBitsRecord>& records, const nlohmann::ordered_json& tags, Format f,
                    int max_bits);

}  // namespace parallax::cli
