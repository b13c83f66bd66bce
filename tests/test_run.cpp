// End-to-end tests of `parallax run` (suites, the store, resumption) and of
// the report it writes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "csv_util.hpp"
#include "experiment/store.hpp"

using namespace parallax_test;
namespace fs = std::filesystem;

namespace {

/// expressivity.csv as (row, architecture) → {column name → value}.
std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> expressivity(const fs::path& dir) {
  const auto rows = parse_csv(slurp(dir / "expressivity.csv"));
  REQUIRE(rows.size() >= 1);
  const auto& header = rows.front();
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    REQUIRE(rows[r].size() == header.size());
    std::map<std::string, std::string> m;
    for (std::size_t c = 0; c < header.size(); ++c) m[header[c]] = rows[r][c];
    out[{m["row"], m["architecture"]}] = m;
  }
  return out;
}

fs::path fresh_dir(const std::string& name) {
  const auto d = scratch_dir() / name;
  fs::remove_all(d);
  return d;
}

}  // namespace

TEST_CASE("run: bad suites are refused before any work, with file and line", "[quick][cli][errors][run]") {
  struct Case {
    std::string text, expect_line, expect;
  };
  const std::vector<Case> cases = {
      {"[[reduce]\nproblem = 1\n", ":1:", ""},
      {"name = \"x\"\n\n[[reduce]]\nproblem = \"word:S7\"\n", ":4:", "expected S3, S4, S5"},
      {"[[reduce]]\nproblem = \"word:S5\"\nconstruction = \"diag\"\n", ":3:", "valid: pd, householder, relu-rnn"},
      {"[[reduce]]\nproblem = \"parity\"\nproblm = \"x\"\n", ":3:", "unknown option 'problm'"},
      {"[[reduce]]\nproblem = \"parity\"\nlengths = \"16..\"\n", ":3:", "lengths"},
      {"[[reduce]]\nproblem = \"parity\"\nprecision = \"fp33\"\n", ":3:", "precision"},
      {"[[reduce]]\nproblem = \"parity\"\nstore = \"x.sqlite\"\n", ":3:", "cannot be set in a suite"},
      {"[[reduce]]\nconstruction = \"pd\"\n", ":1:", "needs 'problem'"},
      {"[[solve]]\ncell = \"gru\"\n\nprecision = \"exact\"\n", ":4:", "impossible for a nonlinear cell"},
      {"[[solve]]\ncell = \"grue\"\n", ":2:", "paragru"},
      {"[[recognize]]\nlanguage = \"word:S5\"\nmodel = \"diag\"\n", ":3:", "model 'diag'"},
      {"[[circuit]]\nmodel = \"lrnn:pd:d=5\"\nfanin = \"wide\"\n", ":3:", "bounded or unbounded"},
      {"[[frobnicate]]\nx = 1\n", ":1:", "not a kind of experiment (valid:"},
      {"speed = 3\n", ":1:", "unknown top-level key 'speed'"},
      {"[[reduce]]\nproblem = \"parity\"\nno_scan = \"yes\"\n", ":3:", "is a flag"},
      // counts and sizes, refused before any work with the key's line
      {"trials = 0\n\n[[reduce]]\nproblem = \"parity\"\n", ":1:", "'trials' must be an integer from 1"},
      {"[[reduce]]\nproblem = \"parity\"\ntrials = 0\n", ":3:", "trials = 0"},
      {"[[recognize]]\nlanguage = \"parity\"\nmodel = \"diag\"\ntrials = 100000001\n", ":4:", "trials"},
      {"[[reduce]]\nproblem = \"parity\"\nquick = { trials = -2 }\n", ":3:", "trials"},
      {"[[reduce]]\nproblem = \"parity\"\nprecision = []\n", ":3:", "is an empty list"},
      {"[[reduce]]\nproblem = \"word:S5\"\nlengths = \"1e10\"\n", ":3:", "lengths"},
      {"[[reduce]]\nproblem = \"word:S5\"\nlengths = \"1e6\"\ntrials = 100\nmin_bits = true\n"
       "precision = [\"exact\", \"interval:64\", \"log:4\"]\n",
       ":3:", "allow_long = true"},
      {"[[reduce]]\nproblem = \"parity\"\nseed = -3\n", ":3:", "non-negative"},
      {"[[reduce]]\nproblem = \"parity\"\njobs = 0\n", ":3:", "jobs"},
      {"[[reduce]]\nproblem = \"parity\"\ninput = \"x.jsonl\"\n", ":3:", "cannot be set in a suite"},
      {"[[solve]]\ncell = \"gru\"\nlength = [100, 0]\n", ":3:", "length"},
      {"[[solve]]\ncell = \"gru\"\nhidden = 2.5\n", ":3:", "hidden"},
      {"[reduce]\nproblem = \"parity\"\n", ":1:", "[[reduce]]"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO("case " << i << ":\n" << c.text);
    const auto file = write_file("bad" + std::to_string(i) + ".toml", c.text);
    const auto out = fresh_dir("bad-out" + std::to_string(i));
    const auto r = cli("run '" + file.string() + "' --quick --out '" + out.string() + "'");
    CHECK(r.code == 2);
    CHECK(contains(r.err, file.string() + c.expect_line));
    CHECK(contains(r.err, c.expect));
    CHECK_FALSE(fs::exists(out / "results.sqlite"));  // nothing started
  }
  const auto missing = cli("run /nonexistent/suite.toml --out '" + fresh_dir("bad-missing").string() + "'");
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "/nonexistent/suite.toml"));
}

TEST_CASE("run: the printed default suite is the built-in one", "[quick][cli][run]") {
  const auto printed = cli("run --print-default-suite");
  REQUIRE(printed.code == 0);
  const auto file = write_file("default.toml", printed.out);
  const auto out = fresh_dir("dry");
  const auto a = cli("run --dry-run --out '" + out.string() + "'");
  const auto b = cli("run '" + file.string() + "' --dry-run --out '" + out.string() + "'");
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  CHECK(a.out == b.out);
  CHECK_FALSE(fs::exists(out));  // a dry run writes nothing
  // every experiment kind of the table is in it, and --quick is a strict subset
  for (const char* kind : {"parallax reduce", "parallax recognize", "parallax circuit", "parallax solve"}) CHECK(contains(a.out, kind));
  const auto q = cli("run --quick --dry-run --out '" + out.string() + "'");
  REQUIRE(q.code == 0);
  CHECK(std::count(q.out.begin(), q.out.end(), '\n') < std::count(a.out.begin(), a.out.end(), '\n'));
}

TEST_CASE("run: a suite runs into the store, resumes, and its records equal the commands run alone", "[quick][cli][run][store]") {
  const std::string suite = R"(name = "tiny"
seed = 5
trials = 6

[[reduce]]
problem = "parity"
construction = "diag"
lengths = "16,64"
precision = ["fp32", "exact"]
quick = { lengths = "16" }

[[recognize]]
language = "count-mod:3"
model = "pd"
lengths = [8, 32]
precision = "fp32"
quick = false

[[circuit]]
model = "lrnn:pd:d=3"
sweep = "16..64"
quick = false

[[solve]]
cell = "paragru"
hidden = 4
length = [50, 100]
quick = false
)";
  const auto file = write_file("tiny.toml", suite);
  const auto out = fresh_dir("tiny-out");
  const std::string store = (out / "results.sqlite").string();

  // the quick variant first: only parity at n = 16
  const auto q = cli("run '" + file.string() + "' --quick --jobs 2 --no-plots --out '" + out.string() + "'");
  REQUIRE(q.code == 0);
  std::map<std::string, std::pair<std::int64_t, std::string>> before;  // key → (result id, record)
  {
    const auto s = parallax::experiment::Store::open(store, false);
    for (const auto& r : s.results()) before[r.key] = {r.id, r.record.dump()};
  }
  CHECK(before.count("record/n=16/fp32") == 1);
  CHECK(before.count("record/n=64/fp32") == 0);

  // the whole suite: n = 16 is resumed (same result, same timing), the rest computed
  const auto r = cli("run '" + file.string() + "' --jobs 2 --no-plots --out '" + out.string() + "'");
  REQUIRE(r.code == 0);
  const auto s = parallax::experiment::Store::open(store, false);
  std::map<std::string, std::size_t> per_command;
  std::map<std::int64_t, std::string> command_of;
  for (const auto& run : s.runs()) command_of[run.id] = run.command;
  std::map<std::string, std::string> reduce_records;
  for (const auto& res : s.results()) {
    ++per_command[command_of[res.run]];
    if (command_of[res.run] == "reduce") reduce_records[res.key] = res.record.dump();
    if (before.count(res.key) && command_of[res.run] == "reduce") {
      CHECK(before[res.key].first == res.id);
      CHECK(before[res.key].second == res.record.dump());
    }
  }
  CHECK(per_command["reduce"] == 4);     // 2 lengths × 2 precisions
  CHECK(per_command["recognize"] == 2);  // 2 lengths × fp32
  CHECK(per_command["circuit"] == 3);    // n = 16, 32, 64
  CHECK(per_command["solve"] == 2);
  CHECK(per_command["suite"] == 2);      // the quick suite and the whole one are two runs

  // a third run computes nothing: the store is unchanged
  const auto again = cli("run '" + file.string() + "' --jobs 2 --no-plots --out '" + out.string() + "'");
  REQUIRE(again.code == 0);
  CHECK(parallax::experiment::Store::open(store, false).results().size() == s.results().size());

  // the stored records are what the command gives when run alone (timings aside)
  const auto alone = cli("reduce --problem parity --construction diag --lengths 16,64 --precision fp32,exact --trials 6 --seed 5 --json");
  REQUIRE(alone.code == 0);
  std::size_t compared = 0;
  for (const auto& j : json_lines(alone.out)) {
    if (j.value("record", "") != "accuracy") continue;
    const auto key = "record/n=" + std::to_string(j["n"].get<int>()) + "/" + j["precision"].get<std::string>();
    REQUIRE(reduce_records.count(key) == 1);
    const auto stored = nlohmann::json::parse(reduce_records[key]);
    for (const char* f : {"trials", "yes", "correct", "undecided", "scan_agree"}) CHECK(stored[f] == j[f]);
    ++compared;
  }
  CHECK(compared == 4);

  // the report: parity × diagonal [−1,1] measured and agreeing with the theory
  const auto table = expressivity(out);
  REQUIRE(table.count({"parity", "diag11"}) == 1);
  CHECK(table.at({"parity", "diag11"}).at("measured") == "succeeds");
  CHECK(table.at({"parity", "diag11"}).at("agreement") == "agrees");
  REQUIRE(table.count({"count-mod:3", "pd"}) == 1);
  CHECK(table.at({"count-mod:3", "pd"}).at("measured") == "succeeds");
  CHECK(fs::exists(out / "report.md"));
  CHECK(fs::exists(out / "report.html"));
  CHECK(fs::exists(out / "report.tex"));
}

TEST_CASE("run: the quick default suite reproduces the expressivity landscape", "[extreme][cli][run]") {
  const auto out = fresh_dir("quick-default");
  const auto r = cli("run --quick --out '" + out.string() + "'");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto table = expressivity(out);
  std::set<std::string> rows, cols;
  for (const auto& [k, v] : table) rows.insert(k.first), cols.insert(k.second);
  CHECK(cols == std::set<std::string>{"diag01", "diag11", "complex", "pd", "dplr", "dense", "rnn", "transformer"});
  for (const char* row : {"word:S5", "parity", "modcount:3", "majority", "dyck1", "formula", "imm3:pos", "dgc", "cvp", "a-star-b-star"})
    CHECK(rows.count(row) == 1);
  // the three cells of the theory's sharpest contrast, and their predictions
  const auto& s5 = table.at({"word:S5", "pd"});
  const auto& par11 = table.at({"parity", "diag11"});
  const auto& par01 = table.at({"parity", "diag01"});
  CHECK(s5.at("measured") == "succeeds");
  CHECK(par11.at("measured") == "succeeds");
  CHECK(par01.at("measured") == "fails");
  for (const auto* c : {&s5, &par11, &par01}) CHECK(c->at("agreement") == "agrees");
  CHECK(s5.at("class") == "NC1-complete");
  // no measured cell contradicts a theorem
  for (const auto& [k, v] : table) {
    INFO(k.first << " × " << k.second << ": " << v.at("outcome"));
    CHECK(v.at("agreement") != "DISAGREES");
  }
  const std::string md = slurp(out / "report.md");
  CHECK(contains(md, "| row | class |"));
  CHECK(contains(md, "Provenance"));
  CHECK(contains(slurp(out / "report.html"), "<svg"));
  CHECK(contains(r.out, "0 disagreements"));
}

namespace {

/// The records of kind "suite" of a store, in the order they were written, and whether its suite run finished.
std::vector<nlohmann::json> suite_records(const fs::path& store, bool* finished) {
  const auto s = parallax::experiment::Store::open(store.string(), false);
  std::vector<nlohmann::json> out;
  for (const auto& r : s.results())
    if (r.kind == "suite") out.push_back(nlohmann::json(r.record));
  for (const auto& run : s.runs())
    if (run.command == "suite") *finished = run.finished.has_value();
  return out;
}

}  // namespace

TEST_CASE("run: a unit that fails makes run exit 1, and a resume that succeeds updates the suite's record",
          "[quick][cli][run][store]") {
  // exit 1 of a child (here a failed --check) is a failed unit, not a recorded success
  {
    const auto file = write_file("check.toml", R"(name = "check"
[[reduce]]
problem = "parity"
construction = "diag01"
lengths = "16"
trials = 4
check = true
)");
    const auto out = fresh_dir("check-out");
    const auto r = cli("run '" + file.string() + "' --no-plots --out '" + out.string() + "'");
    CHECK(r.code == 1);
    CHECK(contains(r.err, "FAILED (exit 1)"));
    CHECK(contains(r.err, "1 unit(s) failed"));
    bool finished = true;
    const auto recs = suite_records(out / "results.sqlite", &finished);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0]["failed_units"] == 1);
    CHECK_FALSE(finished);
  }
  // a unit whose input is broken the first time and mended before the resume
  const auto automaton = scratch_dir() / "mended.json";
  std::ofstream(automaton) << "{\"type\": \"dfa\"";  // truncated
  const auto file = write_file("mend.toml", "name = \"mend\"\n[[recognize]]\nautomaton = \"" + automaton.string() +
                                                "\"\nmodel = \"diag\"\nlengths = [8]\ntrials = 4\n");
  const auto out = fresh_dir("mend-out");
  const std::string cmd = "run '" + file.string() + "' --no-plots --out '" + out.string() + "'";
  const auto first = cli(cmd);
  CHECK(first.code == 1);
  bool finished = true;
  auto recs = suite_records(out / "results.sqlite", &finished);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0]["failed_units"] == 1);
  CHECK_FALSE(finished);
  std::ofstream(automaton) << R"({"type": "dfa", "alphabet": ["a", "b"], "states": 2, "start": 0, "accepting": [0],
                                   "transitions": {"a": [1, 0], "b": [0, 1]}})";
  const auto second = cli(cmd);
  INFO(second.err);
  CHECK(second.code == 0);
  recs = suite_records(out / "results.sqlite", &finished);
  REQUIRE(recs.size() == 2);  // the resumed run's latest record is the current one
  CHECK(recs.back()["failed_units"] == 0);
  CHECK(recs.back()["attempt"] == 2);
  CHECK(finished);
  // a rerun of a run that succeeded adds nothing
  const auto before = parallax::experiment::Store::open((out / "results.sqlite").string(), false).results().size();
  CHECK(cli(cmd).code == 0);
  CHECK(parallax::experiment::Store::open((out / "results.sqlite").string(), false).results().size() == before);
}
