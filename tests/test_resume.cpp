// `parallax reduce --store`: a sweep killed with SIGKILL mid-way and then
// resumed stores exactly the records of an uninterrupted sweep, once each.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "experiment/store.hpp"
#include "test_paths.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  static const auto dir = [] {
    auto d = fs::temp_directory_path() / ("parallax-resume-test-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

/// The sweep: 8 lengths × 3 precisions of majority, with min-bits records.
std::vector<std::string> sweep_args(const fs::path& store) {
  return {parallax_test::parallax_binary, "reduce",     "--problem", "majority", "--construction", "counter", "--lengths", "256..32768x2",
          "--precision",   "exact,fp32,bf16", "--trials", "24",   "--min-bits",     "--seed",  "5",         "--store",
          store.string(),  "--json"};
}

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::size_t stored_count(const fs::path& store) {
  if (!fs::exists(store)) return 0;
  try {
    auto s = parallax::experiment::Store::open(store.string(), false);
    std::size_t n = 0;
    for (const auto& r : s.runs()) n += r.results;
    return n;
  } catch (const parallax::experiment::StoreError&) {
    return 0;  // not yet initialised
  }
}

/// key → record without the timing field (which differs from run to run).
std::map<std::string, nlohmann::json> records(const fs::path& store, std::size_t* rows) {
  auto s = parallax::experiment::Store::open(store.string(), false);
  std::map<std::string, nlohmann::json> out;
  *rows = 0;
  REQUIRE(s.runs().size() == 1);
  for (const auto& r : s.results()) {
    ++*rows;
    auto j = nlohmann::json::parse(r.record.dump());
    j.erase("ns_per_token");
    out[r.kind + " " + r.key] = j;
  }
  return out;
}

}  // namespace

TEST_CASE("resume: a sweep killed with SIGKILL and resumed equals an uninterrupted one", "[standard][cli][store]") {
  const auto whole = scratch() / "whole.sqlite", killed = scratch() / "killed.sqlite";
  REQUIRE(wait_exit(spawn(sweep_args(whole))) == 0);
  std::size_t whole_rows = 0;
  const auto expected = records(whole, &whole_rows);
  REQUIRE(whole_rows == 8 * 3 + 8);  // one record per (n, precision), one min-bits result per n
  REQUIRE(expected.size() == whole_rows);

  // kill the sweep once some but not all results are stored
  const pid_t pid = spawn(sweep_args(killed));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::size_t seen = 0;
  while ((seen = stored_count(killed)) < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  const int status = wait_exit(pid);
  INFO("stored before the kill: " << seen);
  REQUIRE(seen >= 3);
  if (status == 0) WARN("the sweep finished before the kill; the resume below then has nothing to do");
  const std::size_t after_kill = stored_count(killed);
  CHECK(after_kill < whole_rows + 1);

  REQUIRE(wait_exit(spawn(sweep_args(killed))) == 0);  // resume
  std::size_t resumed_rows = 0;
  const auto resumed = records(killed, &resumed_rows);
  CHECK(resumed_rows == whole_rows);  // no duplicates, nothing missing
  REQUIRE(resumed.size() == expected.size());
  for (const auto& [key, rec] : expected) {
    INFO(key);
    REQUIRE(resumed.count(key) == 1);
    CHECK(resumed.at(key) == rec);
  }
  // a third run of the same command computes nothing new
  REQUIRE(wait_exit(spawn(sweep_args(killed))) == 0);
  std::size_t again = 0;
  (void)records(killed, &again);
  CHECK(again == whole_rows);
  fs::remove_all(scratch());
}

namespace {

/// Runs `parallax ARGS` (shell text) in the shell; exit code and stderr.
std::pair<int, std::string> run_cli(const std::string& args) {
  const auto err = scratch() / "stderr.txt";
  const std::string cmd =
      std::string("'") + parallax_test::parallax_binary + "' " + args + " >/dev/null 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

/// Rewrites one stored record with SQL (as a hand edit would), e.g. json_set(record, '$.trials', 'x').
void edit_record(const fs::path& store, const std::string& key, const std::string& expression) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store.string().c_str(), &db) == SQLITE_OK);
  const std::string sql = "UPDATE result SET record = " + expression + " WHERE key = ?1";
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  REQUIRE(sqlite3_changes(db) == 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("resume: stored records edited by hand are refused, naming the store, the run, the result and the field",
          "[quick][cli][errors][store]") {
  struct Case {
    std::string command;  // creates the store, then resumes it
    std::string key, expression, field;
    bool report = true;  // the report uses the field too
  };
  const std::string reduce =
      "reduce --problem parity --construction diag --lengths 16 --precision fp32 --trials 4 --min-bits";
  const std::string recognize = "recognize --language parity --model diag --lengths 8 --trials 4 --min-bits";
  const std::vector<Case> cases = {
      {reduce, "record/n=16/fp32", "json_set(record, '$.trials', 'four')", "field 'trials'"},
      {reduce, "record/n=16/fp32", "json_remove(record, '$.correct')", "field 'correct' is missing"},
      {reduce, "record/n=16/fp32", "json_set(record, '$.correct', 99)", "field 'correct'"},
      {reduce, "record/n=16/fp32", "json_set(record, '$.n', 17)", "field 'n'", false},
      {reduce, "record/n=16/fp32", "json_set(record, '$.overflow', 'no')", "field 'overflow'", false},
      {reduce, "min-bits/n=16", "json_set(record, '$.records', 'none')", "field 'records'"},
      {reduce, "min-bits/n=16", "json_set(record, '$.records[0].min_bits', 'nine')", "field 'min_bits'"},
      {recognize, "record/n=8/fp32", "json_set(record, '$.correct', 'all')", "field 'correct'"},
      {recognize, "record/n=8/fp32", "json_remove(record, '$.trials')", "field 'trials' is missing"},
      {recognize, "record/n=8/fp32", "json_set(record, '$.accuracy', 2)", "field 'accuracy'"},
      {recognize, "min-bits/n=8", "json_remove(record, '$.records[0].mode')", "field 'mode' is missing"},
  };
  fs::create_directories(scratch());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO("case " << i << ": " << c.command << "; " << c.expression);
    const auto store = scratch() / ("edited" + std::to_string(i) + ".sqlite");
    fs::remove(store);
    const std::string args = c.command + " --store '" + store.string() + "'";
    REQUIRE(run_cli(args).first == 0);
    edit_record(store, c.key, c.expression);
    const auto [code, err] = run_cli(args);  // resumes the run, reading the record back
    CHECK(code == 2);
    CHECK(err.find(store.string()) != std::string::npos);
    CHECK(err.find("run 1 (" + c.command.substr(0, c.command.find(' ')) + ")") != std::string::npos);
    CHECK(err.find("'" + c.key + "'") != std::string::npos);
    CHECK(err.find(c.field) != std::string::npos);
    CHECK(err.find("terminate") == std::string::npos);
    // the report reads the same record and refuses it the same way, writing nothing
    if (!c.report) continue;
    const auto out = scratch() / ("edited-report" + std::to_string(i));
    const auto [rcode, rerr] =
        run_cli("report --store '" + store.string() + "' --out '" + out.string() + "' --no-plots");
    CHECK(rcode == 2);
    CHECK(rerr.find("'" + c.key + "'") != std::string::npos);
    CHECK(rerr.find(c.field) != std::string::npos);
    CHECK_FALSE(fs::exists(out / "report.md"));
  }
}
