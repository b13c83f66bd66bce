#include "cli/experiment_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>


namespace parallax::cli {

std::vector<numeric::Precision> parse_precision_list(const std::string& text) {
  std::vector<numeric::Precision> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      out.push_back(numeric::Precision::parse(item));
    } catch (const numeric::PrecisionError& e) {
      throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
    }
  }
  if (out.empty()) throw CliError(kBadInput, "--precision: give at least one precision, e.g. fp32,exact");
  return out;
}

void print_min_bits(const std::vector<experiment::MinBitsRecord>& records, const nlohmann::ordered_json& tags, Format f,
                    int max_bits) {
  if (records.empty()) return;
  auto columns = [&](std::vector<std::string> fields) {
    std::vector<std::string> cols;
    if (f != Format::Table) {
      cols.push_back("record");
      for (auto it = tags.begin(); it != tags.end(); ++it) cols.push_back(it.key());
    }
    cols.insert(cols.end(), fields.begin(), fields.end());
    return cols;
  };
  auto row = [&](const char* record) {
    nlohmann::ordered_json r = {{"record", record}};
    for (auto it = tags.begin(); it != tags.end(); ++it) r[it.key()] = it.value();
    return r;
  };
  Records bits(columns({"n", "arithmetic", "mode", "min_bits", "precision", "overflow"}));
  for (const auto& m : records) {
    auto r = row("min_bits");
    r["n"] = m.length;
    r["arithmetic"] = m.arithmetic;
    r["mode"] = m.mode;
    r["min_bits"] = m.bits ? nlohmann::ordered_json(*m.bits) : nlohmann::ordered_json(fmt::format("> {}", max_bits));
    r["precision"] = m.bits ? m.precision : "-";
    r["overflow"] = m.overflow;
    bits.add(std::move(r));
  }
  Records fits(columns({"arithmetic", "mode", "points", "law", "a", "b", "rss"}));
  for (const auto& x : experiment::fit_min_bits(records)) {
    auto r = row("min_bits_fit");
    const auto fields = experiment::to_json(x);
    for (const auto& [key, value] : fields.items()) r[key] = value;
    fits.add(std::move(r));
  }
  if (f == Format::Table) fmt::print("\n");
  bits.print(f);
  if (!fits.rows().empty()) {
    if (f == Format::Table) fmt::print("\nminimum bits against n (best of constant, a + b*log2 n, a + b*n):\n");
    fits.print(f);
  }
}

void SweepFlags::add_to(CLI::App& app) {
  app.add_flag("--min-bits", min_bits,
               "Per length, the smallest float:M:E significand width M deciding every trial, sequentially and by the "
               "scan (and, with an interval precision listed, the smallest certified interval width), with a fit against n");
  app.add_option("--exponent-bits", exponent_bits,
                 "E of float:M:E in the --min-bits search (10: range 2^+-511; up to 10 is the fast emulation)")
      ->capture_default_str();
  app.add_option("--max-bits", max_bits, "Upper limit of the --min-bits search")->capture_default_str();
  app.add_flag("--no-scan", no_scan, "Skip the parallel-scan evaluation (sequential only)");
  app.add_flag("--check", check,
               "Exit 1 when any trial is decided wrongly (reduce: or, for a stepwise problem, any position is wrong)");
  app.add_flag("--allow-long", allow_long,
               "Run a sweep estimated above the work budget (docs/limits.md: 1e10 token evaluations, hours of work)");
  app.add_option("--store", store,
                 "SQLite result store (docs/store.md): records are written per length as they complete, and a rerun "
                 "of the same configuration reuses the stored ones (resume)");
}

void SweepFlags::apply_to(experiment::SweepOptions& options) const {
  options.min_bits = min_bits;
  options.exponent_bits = exponent_bits;
  options.max_bits = max_bits;
  options.check_scan = !no_scan;
  options.allow_long = allow_long;
}

}  // namespace parallax::cli
