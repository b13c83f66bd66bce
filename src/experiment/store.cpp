// The SQLite result store (store.hpp; schema and guarantees in docs/store.md).
// Plain SQLite C API: one connection per Store, RAII wrappers for the
// connection, statements and transactions, values always bound as parameters.
#include "experiment/store.hpp"

#include "models/json_positions.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <mutex>
#include <string_view>

namespace parallax::experiment {
namespace {

constexpr int kBusyTimeoutMs = 10000;
using Kind = StoreError::Kind;

// The schema of version 1 (constant text, no values).
constexpr const char* kSchema = R"sql(
CREATE TABLE parallax_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE run (
  id          INTEGER PRIMARY KEY,
  command     TEXT NOT NULL,
  config      TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  version     TEXT NOT NULL,
  seed        INTEGER NOT NULL,
  started     TEXT NOT NULL,
  finished    TEXT,
  host        TEXT NOT NULL
);
CREATE INDEX run_by_config ON run (config_hash);
CREATE TABLE result (
  id           INTEGER PRIMARY KEY,
  run          INTEGER NOT NULL REFERENCES run (id),
  kind         TEXT NOT NULL,
  key          TEXT NOT NULL,
  record       TEXT NOT NULL,
  created      TEXT NOT NULL,
  problem      TEXT,
  construction TEXT,
  length       INTEGER,
  precision    TEXT,
  UNIQUE (run, key)
);
)sql";

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm g{};
  gmtime_r(&t, &g);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &g);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "unknown";
  return buf;
}

/// 64-bit FNV-1a as 16 hex digits: an index key only, equality is checked on the full text.
std::string fnv1a_hex(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

/// Canonical JSON text: sorted keys (nlohmann::json keeps them sorted),
/// compact, invalid UTF-8 replaced rather than thrown.
std::string canonical(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }
std::string json_text(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

/// Throws the StoreError for an SQLite result code; the message names the file.
[[noreturn]] void fail(sqlite3* db, const std::string& path, int rc, std::string_view doing) {
  const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw StoreError(Kind::Busy, fmt::format("{} is locked by another process (gave up after {} s while {})", path,
                                               kBusyTimeoutMs / 1000, doing));
    case SQLITE_NOTADB:
      throw StoreError(Kind::NotAStore, fmt::format("{} is not a Parallax store (not an SQLite database)", path));
    case SQLITE_CORRUPT:
      throw StoreError(Kind::Io, fmt::format("{} is damaged ({}) while {}", path, detail, doing));
    case SQLITE_READONLY:
      throw StoreError(Kind::Io, fmt::format("{} is read-only ({}) while {}", path, detail, doing));
    case SQLITE_FULL:
      throw StoreError(Kind::Io, fmt::format("{}: the disk is full while {}", path, doing));
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw StoreError(Kind::Io, fmt::format("{}: cannot open ({})", path, detail));
    default:
      throw StoreError(Kind::Io, fmt::format("{}: {} while {}", path, detail, doing));
  }
}

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;

/// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, std::string_view sql, std::string_view doing)
      : db_(db), path_(path), doing_(doing) {
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
    if (rc != SQLITE_OK) fail(db_, path_, rc, doing_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(s_, i, v)); }
  Stmt& bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Stmt& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, *v) : check(sqlite3_bind_null(s_, i)); }
  Stmt& bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : check(sqlite3_bind_null(s_, i)); }

  /// true: a row is ready; false: done.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, path_, rc, doing_);
  }
  void run() {
    while (step()) {
    }
  }

  bool null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::int64_t integer(int c) const { return sqlite3_column_int64(s_, c); }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) fail(db_, path_, rc, doing_);
    return *this;
  }
  sqlite3* db_;
  const std::string& path_;
  std::string_view doing_;
  sqlite3_stmt* s_ = nullptr;
};

/// BEGIN IMMEDIATE … COMMIT; rolled back unless committed.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path, std::string_view doing) : db_(db), path_(path), doing_(doing) {
    Stmt(db_, path_, "BEGIN IMMEDIATE", doing_).run();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    Stmt(db_, path_, "COMMIT", doing_).run();
    done_ = true;
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  std::string_view doing_;
  bool done_ = false;
};

std::optional<std::string> string_field(const nlohmann::ordered_json& r, const char* name) {
  if (r.is_object()) {
    const auto it = r.find(name);
    if (it != r.end() && it->is_string()) return it->get<std::string>();
  }
  return std::nullopt;
}
std::optional<std::int64_t> length_field(const nlohmann::ordered_json& r) {
  if (!r.is_object()) return std::nullopt;
  for (const char* name : {"n", "length"}) {
    const auto it = r.find(name);
    if (it != r.end() && it->is_number_integer()) return it->get<std::int64_t>();
  }
  return std::nullopt;
}

}  // namespace

struct Store::Impl {
  std::string path;
  DbPtr db;
  mutable std::mutex mu;

  sqlite3* h() const { return db.get(); }
  Stmt stmt(std::string_view sql, std::string_view doing) const { return Stmt(h(), path, sql, doing); }

  bool run_exists(std::int64_t run) const {
    auto s = stmt("SELECT 1 FROM run WHERE id = ?1", "looking up a run");
    s.bind(1, run);
    return s.step();
  }
  void require_run(std::int64_t run) const {
    if (!run_exists(run)) throw StoreError(Kind::NoSuchRun, fmt::format("{} has no run {}", path, run));
  }
  std::optional<std::int64_t> find_run(const std::string& command, const std::string& config, std::uint64_t seed) const {
    auto s = stmt(
        "SELECT id FROM run WHERE config_hash = ?1 AND command = ?2 AND config = ?3 AND seed = ?4 "
        "ORDER BY id LIMIT 1",
        "looking up a run");
    s.bind(1, fnv1a_hex(command + '\n' + config)).bind(2, command).bind(3, config).bind(4, static_cast<std::int64_t>(seed));
    if (s.step()) return s.integer(0);
    return std::nullopt;
  }
  /// Inserts one result inside the caller's transaction; whether it was new.
  bool insert(std::int64_t run, const ResultInput& r, const std::string& created) const {
    auto s = stmt(
        "INSERT INTO result (run, kind, key, record, created, problem, construction, length, precision) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (run, key) DO NOTHING",
        "storing a result");
    s.bind(1, run)
        .bind(2, r.kind)
        .bind(3, r.key)
        .bind(4, json_text(r.record))
        .bind(5, created)
        .bind(6, string_field(r.record, "problem"))
        .bind(7, string_field(r.record, "construction"))
        .bind(8, length_field(r.record))
        .bind(9, string_field(r.record, "precision"));
    s.run();
    return sqlite3_changes(h()) > 0;
  }
  Run read_run(const Stmt& s) const {
    Run r;
    r.id = s.integer(0);
    r.command = s.text(1);
    try {
      const std::string text = s.text(2);
      r.config = models::parse_json(text, "config");
    } catch (const models::JsonInputError& e) {
      throw StoreError(Kind::NotAStore, fmt::format("{} is damaged: run {} has a malformed config ({})", path, r.id, e.what()));
    }
    r.version = s.text(3);
    r.seed = static_cast<std::uint64_t>(s.integer(4));
    r.started = s.text(5);
    if (!s.null(6)) r.finished = s.text(6);
    r.host = s.text(7);
    r.results = static_cast<std::size_t>(s.integer(8));
    return r;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

Store Store::open(const std::string& path, bool create, const std::string& creator) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (!fs::exists(st)) {
    if (!create) throw StoreError(Kind::NotFound, fmt::format("{}: no such file", path));
  } else if (fs::is_directory(st)) {
    throw StoreError(Kind::Io, fmt::format("{} is a directory, not a Parallax store", path));
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  impl->db.reset(raw);  // closed on every path out
  if (rc != SQLITE_OK) fail(raw, path, rc, "opening");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  impl->stmt("PRAGMA foreign_keys = ON", "opening").run();

  // Reading the schema is the first access to the file: a file that is not an
  // SQLite database fails here (SQLITE_NOTADB), before anything is written.
  auto meta_and_tables = [&] {
    auto s = impl->stmt(
        "SELECT coalesce(sum(name = 'parallax_meta'), 0), count(*) FROM sqlite_master WHERE type = 'table'",
        "reading the schema");
    s.step();
    return std::pair<bool, std::int64_t>(s.integer(0) > 0, s.integer(1));
  };
  auto [has_meta, tables] = meta_and_tables();
  if (!has_meta) {
    if (!create || tables > 0)
      throw StoreError(Kind::NotAStore, fmt::format("{} is not a Parallax store (no parallax_meta table)", path));
    Transaction tx(raw, path, "creating the store");
    std::tie(has_meta, tables) = meta_and_tables();  // another process may have been first
    if (!has_meta) {
      if (tables > 0)
        throw StoreError(Kind::NotAStore, fmt::format("{} is not a Parallax store (no parallax_meta table)", path));
      char* err = nullptr;
      const int erc = sqlite3_exec(raw, kSchema, nullptr, nullptr, &err);
      sqlite3_free(err);
      if (erc != SQLITE_OK) fail(raw, path, erc, "creating the store");
      for (const auto& [k, v] : {std::pair<std::string, std::string>{"schema_version", std::to_string(kStoreSchemaVersion)},
                                 {"created_by", creator},
                                 {"created", utc_now()}}) {
        auto s = impl->stmt("INSERT INTO parallax_meta (key, value) VALUES (?1, ?2)", "creating the store");
        s.bind(1, k).bind(2, v).run();
      }
    }
    tx.commit();
  }

  {
    auto s = impl->stmt("SELECT value FROM parallax_meta WHERE key = 'schema_version'", "reading the schema version");
    if (!s.step())
      throw StoreError(Kind::NotAStore, fmt::format("{} is not a Parallax store (parallax_meta has no schema_version)", path));
    const std::string text = s.text(0);
    int version = 0;
    try {
      std::size_t used = 0;
      version = std::stoi(text, &used);
      if (used != text.size()) version = 0;
    } catch (const std::exception&) {
      version = 0;
    }
    if (version > kStoreSchemaVersion)
      throw StoreError(Kind::NewerSchema,
                       fmt::format("{} has schema version {}; this parallax understands up to {} — upgrade parallax", path,
                                   version, kStoreSchemaVersion));
    if (version < 1)
      throw StoreError(Kind::NotAStore,
                       fmt::format("{} is not a Parallax store (unknown schema_version '{}')", path, text));
  }

  // WAL: readers never block the writer, and a commit appends to the log.
  // The mode is stored in the file; a read-only file keeps the mode it has.
  if (sqlite3_db_readonly(raw, "main") == 0) impl->stmt("PRAGMA journal_mode = WAL", "setting the journal mode").run();
  impl->stmt("PRAGMA synchronous = NORMAL", "opening").run();
  return Store(std::move(impl));
}

std::optional<std::int64_t> Store::find_run(const std::string& command, const nlohmann::json& config,
                                            std::uint64_t seed) const {
  std::lock_guard lock(impl_->mu);
  return impl_->find_run(command, canonical(config), seed);
}

std::int64_t Store::begin_run(const std::string& command, const nlohmann::json& config, const std::string& version,
                              std::uint64_t seed) {
  std::lock_guard lock(impl_->mu);
  const std::string text = canonical(config);
  Transaction tx(impl_->h(), impl_->path, "starting a run");
  if (const auto id = impl_->find_run(command, text, seed)) {
    tx.commit();
    return *id;
  }
  auto s = impl_->stmt(
      "INSERT INTO run (command, config, config_hash, version, seed, started, finished, host) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
      "starting a run");
  s.bind(1, command)
      .bind(2, text)
      .bind(3, fnv1a_hex(command + '\n' + text))
      .bind(4, version)
      .bind(5, static_cast<std::int64_t>(seed))
      .bind(6, utc_now())
      .bind(7, host_name());
  s.run();
  const std::int64_t id = sqlite3_last_insert_rowid(impl_->h());
  tx.commit();
  return id;
}

void Store::finish_run(std::int64_t run) {
  std::lock_guard lock(impl_->mu);
  Transaction tx(impl_->h(), impl_->path, "finishing a run");
  impl_->require_run(run);
  auto s = impl_->stmt("UPDATE run SET finished = ?1 WHERE id = ?2", "finishing a run");
  s.bind(1, utc_now()).bind(2, run).run();
  tx.commit();
}

bool Store::has_result(std::int64_t run, const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("SELECT 1 FROM result WHERE run = ?1 AND key = ?2", "looking up a result");
  s.bind(1, run).bind(2, key);
  return s.step();
}

bool Store::put_result(std::int64_t run, const std::string& kind, const std::string& key,
                       const nlohmann::ordered_json& record) {
  return put_results(run, {ResultInput{kind, key, record}}) == 1;
}

std::size_t Store::put_results(std::int64_t run, const std::vector<ResultInput>& results) {
  std::lock_guard lock(impl_->mu);
  Transaction tx(impl_->h(), impl_->path, "storing results");
  impl_->require_run(run);
  const std::string created = utc_now();
  std::size_t added = 0;
  for (const auto& r : results) added += impl_->insert(run, r, created);
  tx.commit();
  return added;
}

namespace {
constexpr const char* kRunColumns =
    "SELECT r.id, r.command, r.config, r.version, r.seed, r.started, r.finished, r.host, "
    "(SELECT count(*) FROM result WHERE result.run = r.id) FROM run r";
}

std::vector<Store::Run> Store::runs() const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(std::string(kRunColumns) + " ORDER BY r.id", "reading the runs");
  std::vector<Run> out;
  while (s.step()) out.push_back(impl_->read_run(s));
  return out;
}

Store::Run Store::run(std::int64_t id) const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(std::string(kRunColumns) + " WHERE r.id = ?1", "reading a run");
  s.bind(1, id);
  if (!s.step()) throw StoreError(Kind::NoSuchRun, fmt::format("{} has no run {}", impl_->path, id));
  return impl_->read_run(s);
}

std::size_t Store::result_count(std::int64_t run) const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("SELECT count(*) FROM result WHERE run = ?1", "counting results");
  s.bind(1, run);
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::vector<Store::Result> Store::results(std::optional<std::int64_t> run) const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(run ? "SELECT id, run, kind, key, record, created FROM result WHERE run = ?1 ORDER BY id"
                           : "SELECT id, run, kind, key, record, created FROM result ORDER BY id",
                       "reading results");
  if (run) s.bind(1, *run);
  std::vector<Result> out;
  while (s.step()) {
    Result r;
    r.id = s.integer(0);
    r.run = s.integer(1);
    r.kind = s.text(2);
    r.key = s.text(3);
    try {
      const std::string text = s.text(4);
      models::check_json_limits(text, "record");
      r.record = nlohmann::ordered_json::parse(text);
    } catch (const std::exception& e) {  // models::JsonInputError or nlohmann::json::exception
      throw StoreError(Kind::NotAStore,
                       fmt::format("{} is damaged: result {} (key {}) holds malformed JSON ({})", impl_->path, r.id, r.key, e.what()));
    }
    r.created = s.text(5);
    out.push_back(std::move(r));
  }
  return out;
}

std::string result_key(const std::string& kind, const nlohmann::json& fields) {
  return kind + ' ' + canonical(fields);
}

std::string content_hash(std::string_view text) { return fnv1a_hex(text); }

}  // namespace parallax::experiment
