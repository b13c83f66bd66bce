#pragma once
// Output shared by `parallax recognize` and `parallax reduce`: the
// --precision list and the minimum-bits records with their growth-law fits.
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "experiment/recognize.hpp"
#include "numeric/precision.hpp"

namespace parallax::cli {

/// "fp32,exact,…" → precisions; errors are CliError(kBadInput) naming --precision.
std::vector<numeric::Precision> parse_precision_list(const std::string& text);

/// Resolves log:C and poly:K at every length before any work, so that a width
/// above the cap is refused at once: CliError(kBadInput) naming --precision and n.
void check_precisions_resolve(const std::vector<numeric::Precision>& precisions, const std::vector<std::size_t>& lengths);

/// Prints the min_bits records, then one min_bits_fit record per series.
/// `tags` (e.g. {"problem": …, "construction": …}) lead each JSON/CSV row;
/// the human table leaves them out. max_bits is shown for a failed search.
void print_min_bits(const std::vector<experiment::MinBitsRecord>& records, const nlohmann::ordered_json& tags, Format f,
                    int max_bits);

}  // namespace parallax::cli
