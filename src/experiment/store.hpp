#pragma once
// The result store: an SQLite file that keeps the records of experiment runs
// (`parallax reduce --store FILE`, read back by `parallax store`).
//
// A run is one command with its full configuration; its results are keyed
// records (JSON). A run whose (command, configuration, seed) is already in the
// store is *resumed*: begin_run returns its id, and a runner skips every key
// that has_result reports as present, so an interrupted experiment continues
// where it stopped and computes nothing twice.
//
// Crash safety: every write is one SQLite transaction (BEGIN IMMEDIATE …
// COMMIT). SQLite commits atomically, so a process killed at any moment (even
// by SIGKILL) leaves either the whole result or none of it. The file uses WAL
// journaling with synchronous=NORMAL: a process crash loses nothing committed;
// an operating-system crash or power loss may lose the last few commits, but
// never corrupts the file, and resuming recomputes what was lost.
//
// A Store may be used from several threads (its calls are serialised); every
// process opens its own Store. The schema is in docs/store.md.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace parallax::experiment {

/// The store schema version this build writes and reads.
inline constexpr int kStoreSchemaVersion = 1;

/// An error of the store; the message names the file.
struct StoreError : std::runtime_error {
  enum class Kind {
    NotFound,      ///< the file does not exist (and was not to be created)
    NotAStore,     ///< not an SQLite file, or an SQLite file without parallax_meta
    NewerSchema,   ///< written by a newer parallax
    Busy,          ///< locked by another process beyond the busy timeout
    NoSuchRun,     ///< a run id that is not in the store
    Io,            ///< cannot open / read / write (permissions, disk full, …)
  };
  Kind kind;
  StoreError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

/// One result to write (put_results).
struct ResultInput {
  std::string kind;  ///< e.g. "record", "min-bits"
  std::string key;   ///< unique within its run
  nlohmann::ordered_json record;
};

class Store {
 public:
  struct Run {
    std::int64_t id = 0;
    std::string command;
    nlohmann::json config;
    std::string version;
    std::uint64_t seed = 0;
    std::string started;                  ///< UTC, ISO 8601 (2024-05-01T12:34:56Z)
    std::optional<std::string> finished;  ///< nullopt: interrupted or still running
    std::string host;
    std::size_t results = 0;
  };
  struct Result {
    std::int64_t id = 0, run = 0;
    std::string kind, key;
    nlohmann::ordered_json record;  ///< fields in the order they were written
    std::string created;            ///< UTC, ISO 8601
  };

  /// Opens a store file. create=true creates the file (and the schema) when
  /// missing, and gives an empty SQLite file the schema; create=false never
  /// creates anything. `creator` (e.g. "parallax 0.1.0") is recorded in
  /// parallax_meta when the schema is created. Throws StoreError: NotFound,
  /// NotAStore ("FILE is not a Parallax store (…)"), NewerSchema ("FILE has
  /// schema version 3; this parallax understands up to 1 — upgrade
  /// parallax"), Busy, Io.
  static Store open(const std::string& path, bool create, const std::string& creator = "parallax");

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::string& path() const;

  /// The run of (command, config, seed): an identical one already stored is
  /// resumed (its id is returned, unchanged); otherwise a new run is recorded
  /// with the version, seed, start time and host name. `config` must hold
  /// every option that changes results and nothing volatile (thread count,
  /// output format, file names); it is stored as canonical JSON (sorted keys).
  std::int64_t begin_run(const std::string& command, const nlohmann::json& config, const std::string& version,
                         std::uint64_t seed);
  /// The id begin_run would resume, if any.
  std::optional<std::int64_t> find_run(const std::string& command, const nlohmann::json& config,
                                       std::uint64_t seed) const;
  /// Records the finish time (UTC) of a run. Throws NoSuchRun.
  void finish_run(std::int64_t run);

  /// Whether the run has a result with this key.
  bool has_result(std::int64_t run, const std::string& key) const;
  /// Stores one result in one transaction. A key already stored for the run
  /// is left as it is (the first write wins); returns whether it was new.
  /// Throws NoSuchRun for an unknown run.
  bool put_result(std::int64_t run, const std::string& kind, const std::string& key,
                  const nlohmann::ordered_json& record);
  /// Stores several results in one transaction (all or none); returns how
  /// many were new.
  std::size_t put_results(std::int64_t run, const std::vector<ResultInput>& results);

  /// All runs, by id, with their result counts.
  std::vector<Run> runs() const;
  /// One run. Throws NoSuchRun.
  Run run(std::int64_t id) const;
  /// The number of results of a run.
  std::size_t result_count(std::int64_t run) const;
  /// Results in the order they were stored, of one run or of all.
  std::vector<Result> results(std::optional<std::int64_t> run = {}) const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A result key from its identifying fields: `kind` then the fields as
/// canonical JSON, e.g. record {"n":64,"precision":"fp32"}. Equal fields give
/// equal keys whatever their order.
std::string result_key(const std::string& kind, const nlohmann::json& fields);

/// 64-bit FNV-1a of a text as 16 hex digits (the store's index hash), e.g.
/// to name the content of an input file in a run's configuration.
std::string content_hash(std::string_view text);

}  // namespace parallax::experiment
