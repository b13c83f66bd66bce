// Tests of the SQLite result store (experiment/store.hpp): runs and their
// resumption, results written once, refusal of foreign files and newer
// schemas, concurrent writers, and a writer killed by SIGKILL mid-stream.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_harness.hpp"
#include "experiment/store.hpp"

namespace {

using parallax::experiment::ResultInput;
using parallax::experiment::Store;
using parallax::experiment::StoreError;
using Kind = StoreError::Kind;
using nlohmann::json;
using nlohmann::ordered_json;

std::filesystem::path scratch_dir() {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("parallax-store-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// A path that does not exist yet.
std::string fresh(const std::string& name) {
  const auto p = scratch_dir() / name;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}

/// Raw SQLite access, to build foreign files and to look behind the API.
struct Raw {
  sqlite3* db = nullptr;
  explicit Raw(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK); }
  ~Raw() { sqlite3_close(db); }
  void exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    INFO(msg);
    REQUIRE(rc == SQLITE_OK);
  }
  /// The first column of each row.
  std::vector<std::string> column(const char* sql) {
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      out.push_back(t ? t : "NULL");
    }
    sqlite3_finalize(s);
    REQUIRE(rc == SQLITE_DONE);
    return out;
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The kind and message of the StoreError that f throws.
template <class F>
std::pair<Kind, std::string> store_error(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return {e.kind, e.what()};
  }
  FAIL("no StoreError was thrown");
  return {};
}

/// Whether s has the form 2024-05-01T12:34:56Z.
bool is_iso_utc(const std::string& s) {
  const std::string form = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != form.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (form[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != form[i]) return false;
  return true;
}

}  // namespace

TEST_CASE("store: create, reopen, and resume runs by command, configuration and seed", "[quick][store]") {
  const auto path = fresh("runs.db");
  const json a = json::parse(R"({"problem":"word:S5","construction":"pd","lengths":[16,64],"trials":20,"seed":7})");
  // The same configuration with its keys in another order.
  const json a2 = json::parse(R"({"trials":20,"seed":7,"lengths":[16,64],"construction":"pd","problem":"word:S5"})");
  const json b = json::parse(R"({"problem":"word:S5","construction":"pd","lengths":[16,64],"trials":21,"seed":7})");
  std::int64_t ra = 0, rb = 0, rseed = 0, rcmd = 0;
  {
    auto s = Store::open(path, true, "parallax 9.9.9");
    CHECK(std::filesystem::exists(path));
    CHECK(s.runs().empty());
    CHECK_FALSE(s.find_run("reduce", a, 7));
    ra = s.begin_run("reduce", a, "0.1.0", 7);
    CHECK(s.begin_run("reduce", a, "0.1.0", 7) == ra);
    CHECK(s.begin_run("reduce", a2, "0.1.0", 7) == ra);
    rb = s.begin_run("reduce", b, "0.1.0", 7);
    rseed = s.begin_run("reduce", a, "0.1.0", 8);
    rcmd = s.begin_run("recognize", a, "0.1.0", 7);
    CHECK(std::set<std::int64_t>{ra, rb, rseed, rcmd}.size() == 4);
    CHECK(s.find_run("reduce", a2, 7) == ra);
    CHECK(s.find_run("reduce", a, 8) == rseed);
  }
  {
    Raw raw(path);
    CHECK(raw.column("SELECT value FROM parallax_meta WHERE key = 'schema_version'") == std::vector<std::string>{"1"});
    CHECK(raw.column("SELECT value FROM parallax_meta WHERE key = 'created_by'") ==
          std::vector<std::string>{"parallax 9.9.9"});
    CHECK(raw.column("PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  }
  auto s = Store::open(path, false);
  const auto runs = s.runs();
  REQUIRE(runs.size() == 4);
  CHECK(runs[0].id == ra);
  CHECK(runs[0].command == "reduce");
  CHECK(runs[0].config == a);
  CHECK(runs[0].version == "0.1.0");
  CHECK(runs[0].seed == 7);
  CHECK(is_iso_utc(runs[0].started));
  CHECK_FALSE(runs[0].finished);
  CHECK_FALSE(runs[0].host.empty());
  CHECK(runs[2].seed == 8);
  CHECK(runs[3].command == "recognize");
  // Resumed after reopening; finishing marks that run only.
  CHECK(s.begin_run("reduce", a, "0.1.0", 7) == ra);
  s.finish_run(ra);
  const auto after = s.runs();
  REQUIRE(after[0].finished);
  CHECK(is_iso_utc(*after[0].finished));
  CHECK_FALSE(after[1].finished);
  CHECK(s.run(rb).config == b);
  // Seeds keep all 64 bits.
  const auto big = std::numeric_limits<std::uint64_t>::max() - 5;
  const auto rbig = s.begin_run("reduce", a, "0.1.0", big);
  CHECK(s.run(rbig).seed == big);
  CHECK(s.begin_run("reduce", a, "0.1.0", big) == rbig);
  const auto [kind, msg] = store_error([&] { s.finish_run(999); });
  CHECK(kind == Kind::NoSuchRun);
  CHECK(msg == path + " has no run 999");
}

TEST_CASE("store: results are written once and read back field for field", "[quick][store]") {
  const auto path = fresh("results.db");
  auto s = Store::open(path, true);
  const auto r1 = s.begin_run("reduce", json{{"problem", "majority"}}, "0.1.0", 1);
  const auto r2 = s.begin_run("reduce", json{{"problem", "parity"}}, "0.1.0", 1);
  // Field order on purpose not alphabetical: it must survive the round trip.
  const ordered_json rec{{"record", "accuracy"}, {"problem", "majority"}, {"construction", "counter"}, {"n", 64},
                         {"precision", "fp32"},  {"accuracy", 0.75},      {"first_failing_seed", 1234567},
                         {"nested", {{"z", 1}, {"a", {1, 2, 3}}}}};
  const auto key = parallax::experiment::result_key("record", json{{"n", 64}, {"precision", "fp32"}});
  CHECK(key == parallax::experiment::result_key("record", json::parse(R"({"precision":"fp32","n":64})")));
  CHECK(key != parallax::experiment::result_key("record", json{{"n", 65}, {"precision", "fp32"}}));
  CHECK(key != parallax::experiment::result_key("min-bits", json{{"n", 64}, {"precision", "fp32"}}));

  CHECK_FALSE(s.has_result(r1, key));
  CHECK(s.put_result(r1, "record", key, rec));
  CHECK(s.has_result(r1, key));
  CHECK_FALSE(s.has_result(r2, key));
  CHECK_FALSE(s.has_result(r1, key + "x"));
  // A duplicate key is ignored: the first record stays.
  ordered_json other = rec;
  other["accuracy"] = 1.0;
  CHECK_FALSE(s.put_result(r1, "record", key, other));
  CHECK(s.result_count(r1) == 1);
  // The same key in another run is another result.
  CHECK(s.put_result(r2, "record", key, other));
  // A batch: one duplicate among three.
  const std::vector<ResultInput> batch{{"min-bits", "mb 16", {{"n", 16}, {"bits", 9}}},
                                       {"record", key, other},
                                       {"min-bits", "mb 32", {{"n", 32}, {"bits", nullptr}}}};
  CHECK(s.put_results(r1, batch) == 2);
  CHECK(s.result_count(r1) == 3);
  CHECK(s.result_count(r2) == 1);
  // A run that does not exist: refused, nothing written.
  CHECK(store_error([&] { s.put_result(77, "record", "k", rec); }).first == Kind::NoSuchRun);
  CHECK(store_error([&] { s.put_results(77, batch); }).first == Kind::NoSuchRun);

  const auto got = s.results(r1);
  REQUIRE(got.size() == 3);
  CHECK(got[0].run == r1);
  CHECK(got[0].kind == "record");
  CHECK(got[0].key == key);
  CHECK(got[0].record == rec);
  CHECK(got[0].record.dump() == rec.dump());  // same field order
  CHECK(got[0].record["accuracy"] == 0.75);
  CHECK(is_iso_utc(got[0].created));
  CHECK(got[1].kind == "min-bits");
  CHECK(got[1].key == "mb 16");
  CHECK(got[1].record == batch[0].record);
  CHECK(got[2].record == batch[2].record);
  CHECK(got[2].record["bits"].is_null());
  CHECK(got[0].id < got[1].id);
  const auto all = s.results();
  REQUIRE(all.size() == 4);
  CHECK(all[1].run == r2);
  CHECK(all[1].record == other);
  const auto runs = s.runs();
  CHECK(runs[0].results == 3);
  CHECK(runs[1].results == 1);

  // The columns extracted for SQL users hold the record's fields.
  Raw raw(path);
  CHECK(raw.column("SELECT problem || '|' || construction || '|' || length || '|' || precision FROM result "
                   "WHERE kind = 'record' ORDER BY id") ==
        std::vector<std::string>{"majority|counter|64|fp32", "majority|counter|64|fp32"});
  CHECK(raw.column("SELECT coalesce(problem, 'NULL') || '|' || length FROM result WHERE kind = 'min-bits' ORDER BY id") ==
        std::vector<std::string>{"NULL|16", "NULL|32"});
  CHECK(raw.column("SELECT json_extract(record, '$.accuracy') FROM result WHERE id = 1") ==
        std::vector<std::string>{"0.75"});
}

TEST_CASE("store: missing, foreign and newer files are refused and left untouched", "[quick][errors][store]") {
  SECTION("a missing file with create=false is not created") {
    const auto path = fresh("missing.db");
    const auto [kind, msg] = store_error([&] { Store::open(path, false); });
    CHECK(kind == Kind::NotFound);
    CHECK(msg == path + ": no such file");
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SECTION("a text file is not a store, whether or not create is set") {
    const auto path = fresh("notes.txt");
    const std::string text = "these are my notes, not a database\n" + std::string(2000, 'x') + "\n";
    std::ofstream(path) << text;
    for (bool create : {false, true}) {
      const auto [kind, msg] = store_error([&] { Store::open(path, create); });
      CHECK(kind == Kind::NotAStore);
      CHECK(msg.starts_with(path + " is not a Parallax store"));
    }
    CHECK(slurp(path) == text);
  }
  SECTION("another program's SQLite database is not a store, and is not converted") {
    const auto path = fresh("foreign.db");
    {
      Raw raw(path);
      raw.exec("CREATE TABLE inventory (item TEXT, count INTEGER); INSERT INTO inventory VALUES ('bolts', 12);");
    }
    for (bool create : {false, true}) {
      const auto [kind, msg] = store_error([&] { Store::open(path, create); });
      CHECK(kind == Kind::NotAStore);
      CHECK(msg == path + " is not a Parallax store (no parallax_meta table)");
    }
    Raw raw(path);
    CHECK(raw.column("SELECT name FROM sqlite_master WHERE type = 'table'") == std::vector<std::string>{"inventory"});
    CHECK(raw.column("PRAGMA journal_mode") == std::vector<std::string>{"delete"});
  }
  SECTION("an empty file becomes a store only with create=true") {
    const auto path = fresh("empty.db");
    std::ofstream(path).close();
    CHECK(store_error([&] { Store::open(path, false); }).first == Kind::NotAStore);
    auto s = Store::open(path, true);
    CHECK(s.begin_run("reduce", json::object(), "0.1.0", 1) == 1);
  }
  SECTION("a store of a newer schema version names both versions") {
    const auto path = fresh("newer.db");
    { auto s = Store::open(path, true); }
    {
      Raw raw(path);
      raw.exec("UPDATE parallax_meta SET value = '99' WHERE key = 'schema_version'");
    }
    for (bool create : {false, true}) {
      const auto [kind, msg] = store_error([&] { Store::open(path, create); });
      CHECK(kind == Kind::NewerSchema);
      CHECK(msg == path + " has schema version 99; this parallax understands up to 1 — upgrade parallax");
    }
  }
  SECTION("a parallax_meta without a schema version is not a store") {
    const auto path = fresh("noversion.db");
    { auto s = Store::open(path, true); }
    {
      Raw raw(path);
      raw.exec("DELETE FROM parallax_meta WHERE key = 'schema_version'");
    }
    const auto [kind, msg] = store_error([&] { Store::open(path, false); });
    CHECK(kind == Kind::NotAStore);
    CHECK(msg == path + " is not a Parallax store (parallax_meta has no schema_version)");
  }
  SECTION("a directory") {
    const auto path = (scratch_dir() / "a-directory").string();
    std::filesystem::create_directories(path);
    const auto [kind, msg] = store_error([&] { Store::open(path, true); });
    CHECK(kind == Kind::Io);
    CHECK(msg.starts_with(path));
  }
}

TEST_CASE("store: concurrent writers through one store and through several connections", "[quick][store]") {
  const auto path = fresh("concurrent.db");
  std::int64_t run = 0;
  {
    auto s = Store::open(path, true);
    run = s.begin_run("reduce", json{{"problem", "majority"}}, "0.1.0", 1);
  }
  // Four threads, each with its own connection, and two threads sharing one:
  // keys overlap between threads, so every key must end up stored exactly once.
  constexpr int kKeys = 60;
  auto shared = Store::open(path, false);
  std::vector<std::thread> threads;
  std::vector<std::size_t> added(6, 0);
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      std::optional<Store> own;
      if (t < 4) own.emplace(Store::open(path, false));
      Store& s = own ? *own : shared;
      for (int i = 0; i < kKeys; ++i) {
        const int k = (i * 7 + t * 13) % kKeys;  // a different order per thread
        added[t] += s.put_result(run, "record", "k" + std::to_string(k), ordered_json{{"k", k}, {"by", t}});
      }
    });
  for (auto& th : threads) th.join();
  std::size_t total = 0;
  for (auto a : added) total += a;
  CHECK(total == kKeys);
  const auto got = shared.results(run);
  REQUIRE(got.size() == kKeys);
  std::set<std::string> keys;
  for (const auto& r : got) {
    keys.insert(r.key);
    CHECK(r.key == "k" + std::to_string(r.record["k"].get<int>()));
  }
  CHECK(keys.size() == kKeys);
}

namespace {

/// The deterministic record number i of the crash test: sizes from a few
/// bytes to several pages, with a checksum of its payload.
ordered_json crash_record(int i) {
  std::string payload;
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(i + 1);
  const int size = 8 + (i * 997) % 9000;
  for (int j = 0; j < size; ++j) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    payload.push_back(static_cast<char>('a' + x % 26));
  }
  std::uint64_t sum = 0;
  for (unsigned char c : payload) sum = sum * 131 + c;
  return ordered_json{{"i", i}, {"payload", payload}, {"sum", sum}};
}

constexpr int kCrashBatch = 4;

/// The child: resumes the run, writing batches of kCrashBatch consecutive
/// results it does not find, until killed (or a safety limit).
[[noreturn]] void crash_writer(const std::string& path, std::int64_t run) {
  try {
    auto s = Store::open(path, false);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int i = 0; i < 1000000 && std::chrono::steady_clock::now() < until; i += kCrashBatch) {
      if (s.has_result(run, std::to_string(i))) continue;
      std::vector<ResultInput> batch;
      for (int j = i; j < i + kCrashBatch; ++j) batch.push_back({"record", std::to_string(j), crash_record(j)});
      s.put_results(run, batch);
    }
  } catch (...) {
    _exit(3);
  }
  _exit(0);
}

}  // namespace

TEST_CASE("store: a writer killed by SIGKILL leaves only whole results, and the store stays writable", "[quick][store]") {
  const auto path = fresh("crash.db");
  const json config{{"problem", "word:S5"}, {"lengths", {16, 64}}};
  std::int64_t run = 0;
  {
    auto s = Store::open(path, true);
    run = s.begin_run("reduce", config, "0.1.0", 3);
  }
  std::size_t before = 0;
  for (int round = 0; round < 4; ++round) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) crash_writer(path, run);
    {
      // Watch through a second connection until the child has written more,
      // then kill it at a moment that varies from round to round.
      auto watch = Store::open(path, false);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (watch.result_count(run) < before + 40 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      std::this_thread::sleep_for(std::chrono::microseconds(700 * round + 150));
      REQUIRE(kill(pid, SIGKILL) == 0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("child status " << status);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);

    auto s = Store::open(path, false);
    const auto got = s.results(run);  // throws if any stored record were not whole JSON
    INFO("round " << round << ": " << got.size() << " results");
    CHECK(got.size() >= before + 40);
    CHECK(got.size() % kCrashBatch == 0);  // batches are all or nothing
    for (std::size_t k = 0; k < got.size(); ++k) {
      // Keys are exactly 0 … count−1: no gaps, no duplicates, no partial rows.
      REQUIRE(got[k].key == std::to_string(k));
      REQUIRE(got[k].record == crash_record(static_cast<int>(k)));
    }
    CHECK(s.result_count(run) == got.size());
    before = got.size();
    Raw raw(path);
    CHECK(raw.column("PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  }
  // Still writable: the run resumes and takes new results.
  auto s = Store::open(path, false);
  CHECK(s.begin_run("reduce", config, "0.1.0", 3) == run);
  CHECK(s.put_result(run, "record", "after", ordered_json{{"i", -1}}));
  s.finish_run(run);
  CHECK(s.has_result(run, "after"));
  CHECK(s.result_count(run) == before + 1);
  CHECK(s.run(run).finished);
}

namespace {

using parallax_test::cli;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(line);
  return v;
}

}  // namespace

TEST_CASE("cli: store list and export read a store and never create one", "[quick][cli][store]") {
  const auto path = fresh("cli.db");
  std::int64_t r1 = 0, r2 = 0;
  {
    auto s = Store::open(path, true);
    r1 = s.begin_run("reduce", json{{"problem", "word:S5"}, {"construction", "pd"}}, "0.1.0", 1);
    r2 = s.begin_run("reduce", json{{"problem", "majority"}}, "0.1.0", 2);
    for (int n : {16, 64})
      s.put_result(r1, "record", "n=" + std::to_string(n),
                   ordered_json{{"problem", "word:S5"}, {"n", n}, {"precision", "fp32"}, {"accuracy", n / 128.0}});
    s.put_result(r1, "min-bits", "mb", ordered_json{{"n", 16}, {"bits", 9}, {"mode", "scan"}});
    s.put_result(r2, "record", "x", ordered_json{{"note", "a,b \"quoted\""}, {"key", "collides"}});
    s.finish_run(r1);
  }
  Store s = Store::open(path, false);
  const auto results = s.results();

  SECTION("list") {
    const auto r = cli("store list '" + path + "' --json");
    REQUIRE(r.code == 0);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 2);
    const auto a = json::parse(lines[0]), b = json::parse(lines[1]);
    CHECK(a["id"] == r1);
    CHECK(a["problem"] == "word:S5");
    CHECK(a["construction"] == "pd");
    CHECK(a["results"] == 3);
    CHECK(a["finished"] == *s.run(r1).finished);
    CHECK(b["construction"] == "-");
    CHECK(b["results"] == 1);
    CHECK(b["finished"] == "interrupted");
  }
  SECTION("export as JSON Lines: the record fields at top level") {
    const auto r = cli("store export '" + path + "' --format jsonl");
    REQUIRE(r.code == 0);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == results.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto row = ordered_json::parse(lines[i]);
      CHECK(row["run"] == results[i].run);
      CHECK(row["kind"] == results[i].kind);
      CHECK(row["key"] == results[i].key);
      for (const auto& [k, v] : results[i].record.items()) CHECK(row[k == "key" ? "record_key" : k] == v);
      CHECK(row.size() == 3 + results[i].record.size());
    }
    const auto one = cli("store export '" + path + "' --run " + std::to_string(r2));
    REQUIRE(one.code == 0);
    CHECK(lines_of(one.out).size() == 1);
  }
  SECTION("export as CSV: a header from the union of the fields") {
    const auto r = cli("store export '" + path + "' --format csv");
    REQUIRE(r.code == 0);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == results.size() + 1);
    CHECK(lines[0] == "run,kind,key,problem,n,precision,accuracy,bits,mode,note,record_key");
    CHECK(lines[3] == "1,min-bits,mb,,16,,,9,scan,,");
    CHECK(lines[4] == "2,record,x,,,,,,,\"a,b \"\"quoted\"\"\",collides");
  }
  SECTION("export as a table per run and kind") {
    const auto r = cli("store export '" + path + "' --format show");
    REQUIRE(r.code == 0);
    CHECK(r.out.find("run 1 · record · 2 results") != std::string::npos);
    CHECK(r.out.find("run 1 · min-bits · 1 result\n") != std::string::npos);
    CHECK(r.out.find("run 2 · record · 1 result\n") != std::string::npos);
  }
  SECTION("errors name the file and exit 2, and nothing is created") {
    const auto missing = fresh("cli-missing.db");
    for (const std::string cmd : {"list", "export"}) {
      const auto r = cli("store " + cmd + " '" + missing + "'");
      CHECK(r.code == 2);
      CHECK(r.err.find(missing + ": no such file") != std::string::npos);
      CHECK_FALSE(std::filesystem::exists(missing));
    }
    const auto text = fresh("cli-text.txt");
    std::ofstream(text) << "not a store\n";
    const auto t = cli("store list '" + text + "'");
    CHECK(t.code == 2);
    CHECK(t.err.find(text + " is not a Parallax store") != std::string::npos);
    const auto run = cli("store export '" + path + "' --run 99");
    CHECK(run.code == 2);
    CHECK(run.err.find(path + " has no run 99") != std::string::npos);
    CHECK(cli("store export '" + path + "' --format xml").code == 2);
  }
}
