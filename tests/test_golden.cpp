// Golden records: a fixed small suite (tests/golden/suite.toml) and the README
// tour's commands made small (tests/golden/commands.txt) give the records in
// tests/golden/records.jsonl, timings and machine-dependent fields aside. The
// records are the project's interface (the store, the report, the notebooks
// read them), so a change of behaviour shows here as a diff of fields.
//
// To accept a deliberate change: PARALLAX_UPDATE_GOLDEN=1 ./tests/test_golden
// rewrites records.jsonl; review its diff before committing it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"

using namespace parallax_test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Fields that vary from run to run or machine to machine: wall times, rates,
/// speed-ups, run ids, the suite's own text and path.
bool volatile_field(const std::string& key) {
  static const std::regex pattern("run|toml|source|jobs|attempt|speedup|mbytes|.*seconds.*|.*ns_per_token.*|.*_time.*|.*_ms");
  return std::regex_match(key, pattern);
}

json normalized(json j) {
  if (j.is_object()) {
    json out = json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!volatile_field(it.key())) out[it.key()] = normalized(it.value());
    return out;
  }
  if (j.is_array())
    for (auto& e : j) e = normalized(e);
  return j;
}

/// Equal up to 1e-9 relative (1e-12 absolute) in floating fields; exact elsewhere.
bool same(const json& a, const json& b, std::string& where, const std::string& path = "") {
  if (a.is_number_float() || b.is_number_float()) {
    if (!a.is_number() || !b.is_number()) return where = path, false;
    const double x = a.get<double>(), y = b.get<double>();
    if (std::abs(x - y) <= 1e-12 + 1e-9 * std::max(std::abs(x), std::abs(y))) return true;
    return where = path, false;
  }
  if (a.is_number() && b.is_number()) return a == b ? true : (where = path, false);  // int vs unsigned
  if (a.type() != b.type()) return where = path, false;
  if (a.is_object()) {
    if (a.size() != b.size()) return where = path + " (fields)", false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key())) return where = path + "." + it.key(), false;
      if (!same(it.value(), b[it.key()], where, path + "." + it.key())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return where = path + " (length)", false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i], where, path + "[" + std::to_string(i) + "]")) return false;
    return true;
  }
  if (a == b) return true;
  return where = path, false;
}

std::vector<std::string> tour_commands() {
  std::ifstream in(fs::path(source_dir) / "tests/golden/commands.txt");
  REQUIRE(in);
  std::vector<std::string> v;
  for (std::string line; std::getline(in, line);) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) v.push_back(line);
  }
  return v;
}

/// The records of now: the suite's exported store, then each command's lines.
std::vector<json> current_records() {
  std::vector<json> out;
  const auto dir = scratch_dir() / "golden-run";
  fs::remove_all(dir);
  const auto suite = (fs::path(source_dir) / "tests/golden/suite.toml").string();
  const auto r = cli("run '" + suite + "' --jobs 1 --no-plots --out '" + dir.string() + "'");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto exported = cli("store export '" + (dir / "results.sqlite").string() + "'");
  REQUIRE(exported.code == 0);
  std::vector<json> suite_records;
  for (auto& j : json_lines(exported.out)) suite_records.push_back(json{{"source", "suite"}, {"record", normalized(j)}});
  // run ids follow scheduling; the order of a sorted dump does not
  std::sort(suite_records.begin(), suite_records.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
  out.insert(out.end(), suite_records.begin(), suite_records.end());

  for (const auto& command : tour_commands()) {
    const auto c = cli(command + " --json");
    INFO(command << "\n" << c.err);
    json lines = json::array();
    for (auto& j : json_lines(c.out)) lines.push_back(normalized(j));
    out.push_back(json{{"source", command}, {"exit", c.code}, {"records", lines}});
  }
  return out;
}

}  // namespace

TEST_CASE("golden: the fixed suite and the tour's commands give the committed records", "[standard][cli][run][store][golden]") {
  const auto now = current_records();
  const auto golden_file = fs::path(source_dir) / "tests/golden/records.jsonl";
  if (const char* update = std::getenv("PARALLAX_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream out(golden_file);
    for (const auto& j : now) out << j.dump() << "\n";
    WARN("rewrote " << golden_file.string());
    return;
  }
  std::vector<json> golden;
  {
    std::ifstream in(golden_file);
    REQUIRE(in);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) golden.push_back(json::parse(line));
  }
  REQUIRE(golden.size() == now.size());
  for (std::size_t i = 0; i < golden.size(); ++i) {
    std::string where;
    INFO("entry " << i << ": " << golden[i].value("source", "?"));
    INFO("golden: " << golden[i].dump());
    INFO("now:    " << now[i].dump());
    const bool equal = same(golden[i], now[i], where);
    INFO("first difference at " << where);
    CHECK(equal);
  }
}
