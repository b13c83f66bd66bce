#pragma once
// One experiment's run in a result store, as the experiment's store_hooks
// see it (experiment::RunResults): the store opened (created when missing),
// the run of (command, configuration, seed) begun or resumed, its stored
// results read once, and new results written one transaction per batch.
// The command line's `--store` (cli/store_link.hpp) and the Python package's
// `store=` both go through it.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/records.hpp"
#include "experiment/store.hpp"

namespace parallax::experiment {

class StoreRun {
 public:
  /// Opens (creating it if needed) the store at `path` and begins or resumes
  /// the run of (command, config, seed); `version` is the writer's version.
  /// Throws StoreError.
  void open(const std::string& path, const std::string& command, const nlohmann::json& config, std::uint64_t seed,
            const std::string& version);
  bool active() const { return store_ != nullptr; }
  const std::string& path() const { return path_; }
  std::int64_t run() const { return run_; }
  /// The stored record of a key, or null when the run does not have it.
  const nlohmann::ordered_json* find(const std::string& key) const;
  /// Writes several results in one transaction (a key already stored is left as it is).
  void put_all(const std::vector<ResultInput>& results);
  /// The run as an experiment sees it, its results named in messages as
  /// those of `command`; valid while this object lives.
  RunResults results(const std::string& command);
  /// Records that the run completed (not called for an interrupted one, which
  /// a rerun resumes).
  void finish();

 private:
  std::unique_ptr<Store> store_;
  std::string path_;
  std::int64_t run_ = 0;
  std::map<std::string, nlohmann::ordered_json> stored_;
};

}  // namespace parallax::experiment
