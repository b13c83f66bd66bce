// The suite runner as a library (experiment/suite_run.hpp): planning a small
// suite into units (count, order, arguments), refusals naming FILE:LINE, the
// suite's record, and the loop over units with hooks in place of processes.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "experiment/suite.hpp"
#include "experiment/suite_run.hpp"

namespace ex = parallax::experiment;
namespace fs = std::filesystem;

namespace {

/// An option with its long names; `check` refuses what is not all digits when `digits`.
ex::CommandOption option(std::vector<std::string> names, bool flag = false, bool required = false, bool digits = false) {
  ex::CommandOption o{std::move(names), flag, required, {}};
  if (digits)
    o.check = [](const std::string& t) {
      return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos ? std::string() : "not a count";
    };
  return o;
}

/// The kinds of the suites below, with the options they use (and `store`, which a suite may not set).
std::vector<ex::SuiteCommand> commands() {
  return {
      {"reduce",
       {option({"problem"}, false, true), option({"construction"}), option({"lengths"}), option({"precision"}),
        option({"trials"}, false, false, true), option({"seed"}, false, false, true), option({"no-scan"}, true),
        option({"store"})}},
      {"solve", {option({"cell"}), option({"length"}, false, false, true), option({"seed"}), option({"store"})}},
  };
}

ex::Suite suite(const std::string& text) { return ex::parse_suite(text, "suite.toml"); }

/// The message of the SuiteError that planning `text` throws ("" when it plans).
std::string refusal(const std::string& text) {
  try {
    (void)ex::plan_suite(suite(text), commands(), "s.sqlite");
  } catch (const ex::SuiteError& e) {
    return e.what();
  }
  return "";
}

const char* const kSmall = R"(name = "small"
seed = 3
trials = 4

[[reduce]]
problem = "parity"
construction = "diag"
lengths = "16,64,32"
precision = ["fp32", "exact"]

[[solve]]
cell = "gru"
length = [10, 500]
)";

}  // namespace

TEST_CASE("suite run: a small suite plans into one unit per length, largest first", "[quick][experiment][run]") {
  const auto s = suite(kSmall);
  const auto units = ex::plan_suite(s, commands(), "out dir/results.sqlite");
  REQUIRE(units.size() == 5);
  std::vector<std::string> labels;
  for (const auto& u : units) labels.push_back(u.label);
  CHECK(labels == std::vector<std::string>{"solve gru n=500", "reduce parity/diag n=64", "reduce parity/diag n=32",
                                           "reduce parity/diag n=16", "solve gru n=10"});
  CHECK(units[0].entry == 1);
  CHECK(units[1].entry == 0);
  // keys in the parser's order (by name), then the suite's seed and trials for the kinds that have them; lists are
  // joined; the store and the length come last
  CHECK(units[1].args == std::vector<std::string>{"reduce", "--construction", "diag", "--precision", "fp32,exact",
                                                  "--problem", "parity", "--seed", "3", "--trials", "4",
                                                  "--store", "out dir/results.sqlite", "--lengths", "64"});
  CHECK(units[0].args ==
        std::vector<std::string>{"solve", "--cell", "gru", "--seed", "3", "--store", "out dir/results.sqlite", "--length", "500"});
  CHECK(ex::command_line(units[0]) == "parallax solve --cell gru --seed 3 --store 'out dir/results.sqlite' --length 500");
  // an entry without lengths is one unit, ahead of every split one
  const auto one = ex::plan_suite(suite("[[reduce]]\nproblem = \"parity\"\nno_scan = true\n[[solve]]\ncell = \"gru\"\nlength = [7]\n"),
                                  commands(), "s.sqlite");
  REQUIRE(one.size() == 2);
  CHECK(one[0].args == std::vector<std::string>{"reduce", "--no-scan", "--problem", "parity", "--store", "s.sqlite"});
  CHECK(one[1].label == "solve gru n=7");
  CHECK(ex::suite_name(s) == "small");
  CHECK(ex::suite_name(suite("[[solve]]\ncell = \"gru\"\n")) == "suite");
  CHECK(ex::suite_config(s)["name"] == "small");
}

TEST_CASE("suite run: a refused entry names FILE:LINE and why", "[quick][experiment][run][errors]") {
  using Catch::Matchers::Contains;
  using Catch::Matchers::StartsWith;
  CHECK_THAT(refusal("[[reduce]]\nproblem = \"parity\"\nproblm = \"x\"\n"),
             StartsWith("suite.toml:3: [[reduce]] #1: unknown option 'problm' of `parallax reduce` (valid: problem, "
                        "construction, lengths, precision, trials, seed, no-scan)"));
  CHECK_THAT(refusal("[[reduce]]\nproblem = \"parity\"\n\n[[reduce]]\nproblem = \"parity\"\nstore = \"x\"\n"),
             StartsWith("suite.toml:6: [[reduce]] #2: 'store' cannot be set in a suite"));
  CHECK_THAT(refusal("[[frobnicate]]\nx = 1\n"),
             StartsWith("suite.toml:1: [[frobnicate]]: not a kind of experiment (valid: reduce, solve)"));
  CHECK_THAT(refusal("[[reduce]]\nconstruction = \"pd\"\n"), StartsWith("suite.toml:1: [[reduce]] #1: `parallax reduce` needs 'problem'"));
  CHECK_THAT(refusal("[[reduce]]\nproblem = \"parity\"\nno_scan = \"yes\"\n"), Contains(":3: [[reduce]] #1: 'no_scan' is a flag"));
  CHECK_THAT(refusal("[[reduce]]\nproblem = \"parity\"\ntrials = \"many\"\n"),
             StartsWith("suite.toml:3: [[reduce]] #1: 'trials' = \"many\": not a count"));
  CHECK_THAT(refusal("[[solve]]\ncell = \"gru\"\nlength = [100, \"x\"]\n"), StartsWith("suite.toml:3: [[solve]] #1: 'length' = \"x\""));
  // the kind's own validate(): the line of the key it names
  CHECK_THAT(refusal("[[reduce]]\nproblem = \"parity\"\nconstruction = \"diag\"\n\ntrials = 0\n"),
             StartsWith("suite.toml:5: [[reduce]] #1: "));
  CHECK_THAT(refusal("[[reduce]]\nproblem = \"word:S5\"\nconstruction = \"nope\"\n"), StartsWith("suite.toml:3: [[reduce]] #1: "));
  CHECK_THAT(refusal("[[solve]]\ncell = \"grue\"\n"), StartsWith("suite.toml:2: [[solve]] #1: "));
  CHECK(refusal(kSmall).empty());
}

TEST_CASE("suite run: the suite's record round-trips with its fields in order", "[quick][experiment][run][store]") {
  ex::SuiteRecord r;
  r.name = "small";
  r.source = "suite.toml";
  r.quick = true;
  r.toml = "[[solve]]\n";
  r.entries = 2;
  r.units = 5;
  r.jobs = 2;
  r.wall_seconds = 12.345;
  r.failed_units = 1;
  r.attempt = 2;
  const auto j = ex::to_json(r);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"name", "source", "quick", "toml", "entries", "units", "jobs", "wall_seconds",
                                         "failed_units", "attempt"});
  CHECK(j["wall_seconds"] == 12.3);
  const auto back = ex::suite_record_from_json(nlohmann::json(j));
  CHECK(back.name == "small");
  CHECK(back.source == "suite.toml");
  CHECK(back.quick);
  CHECK(back.toml == "[[solve]]\n");
  CHECK(back.entries == 2);
  CHECK(back.units == 5);
  CHECK(back.jobs == 2);
  CHECK(back.wall_seconds == 12.3);  // as stored
  CHECK(back.failed_units == 1);
  CHECK(back.attempt == 2);
  CHECK(ex::to_json(back) == j);  // every field, in order
  CHECK_FALSE(ex::suite_attempt_succeeded(nlohmann::json(j)));
  auto old = nlohmann::json(j);
  old.erase("attempt");  // written before attempts were counted
  CHECK(ex::suite_record_from_json(old).attempt == 1);
  old["units"] = "five";
  CHECK_THROWS_WITH(ex::suite_record_from_json(old), Catch::Matchers::Contains("field 'units'"));
}

TEST_CASE("suite run: units run through the hooks, and a rerun retries a failed attempt", "[quick][experiment][run][store]") {
  const auto dir = fs::temp_directory_path() / ("parallax-suite-run-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "logs");
  const auto s = suite(kSmall);
  ex::SuiteRunOptions o{dir.string(), 2, "test"};
  const auto units = ex::plan_suite(s, commands(), o.store_path());
  // units "run" in order; the ones whose label is in `failing` exit 1
  auto run = [&](const std::string& failing) {
    std::vector<std::int64_t> queue;
    std::map<std::int64_t, std::string> label_of;
    std::size_t most = 0, ended = 0;
    ex::SuiteRunHooks h;
    h.start_unit = [&](const std::vector<std::string>& args, const std::string& log) {
      CHECK(fs::exists(log));  // the command line is in the unit's log first
      const std::int64_t id = 100 + std::int64_t(label_of.size());
      for (const auto& u : units)
        if (u.args == args) label_of[id] = u.label;
      queue.push_back(id);
      most = std::max(most, queue.size());
      return id;
    };
    h.wait_unit = [&] {
      const auto id = queue.front();
      queue.erase(queue.begin());
      return std::pair<std::int64_t, int>(id, label_of[id] == failing ? 1 : 0);
    };
    h.unit_ended = [&](const ex::SuiteUnitEnd& e) {
      ++ended;
      CHECK(e.done == ended);
      CHECK(e.total == units.size());
    };
    auto out = ex::run_suite(s, units, o, h);
    CHECK(most == 2);  // jobs at a time
    CHECK(ended == units.size());
    return out;
  };
  auto records = [&] {
    std::vector<std::pair<std::string, nlohmann::ordered_json>> out;
    for (const auto& r : ex::Store::open(o.store_path(), false).results()) out.emplace_back(r.key, r.record);
    return out;
  };
  {
    const auto first = run("reduce parity/diag n=32");
    REQUIRE(first.failed.size() == 1);
    CHECK(first.failed[0].find("reduce parity/diag n=32 (exit 1; log ") == 0);
    CHECK(first.record.failed_units == 1);
    CHECK(first.store->runs().at(0).finished == std::nullopt);
  }
  auto stored = records();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].first == "suite");
  CHECK(stored[0].second["attempt"] == 1);
  CHECK(stored[0].second["units"] == 5);
  {
    const auto second = run("");
    CHECK(second.failed.empty());
    CHECK(second.record.attempt == 2);
    CHECK(second.store->runs().at(0).finished.has_value());
  }
  stored = records();
  REQUIRE(stored.size() == 2);
  CHECK(stored[1].first == "suite/attempt=2");
  CHECK(ex::suite_record_from_json(nlohmann::json(stored[1].second)).failed_units == 0);
  (void)run("");  // a rerun of a run that succeeded adds nothing
  CHECK(records().size() == 2);
  fs::remove_all(dir);
}
