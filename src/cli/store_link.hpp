#pragma once
// The link between one command and a result store (`--store FILE`): the
// run of the command's configuration in the store (experiment/store_run.hpp),
// with store errors turned into CLI errors (exit 2 for the file, exit 1 for a
// lock held by another process).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/records.hpp"
#include "experiment/store_run.hpp"

namespace parallax::cli {

class StoreLink {
 public:
  /// Opens (creating it if needed) the store and begins or resumes the run
  /// of (command, config, seed).
  void open(const std::string& path, const std::string& command, const nlohmann::json& config, std::uint64_t seed);
  bool active() const { return run_.active(); }
  const std::string& path() const { return run_.path(); }
  std::int64_t run() const { return run_.run(); }
  /// The stored record of a key, or null when the run does not have it.
  const nlohmann::ordered_json* find(const std::string& key) const { return run_.find(key); }
  /// Writes one result (a key already stored is left as it is).
  void put(const std::string& kind, const std::string& key, const nlohmann::ordered_json& record);
  /// Writes several results in one transaction.
  void put_all(const std::vector<experiment::ResultInput>& results);
  /// The run as an experiment sees it (experiment::RunResults), its results
  /// named in messages as those of `command`; valid while this link lives.
  experiment::RunResults results(const std::string& command);
  /// Records that the command completed.
  void finish();

 private:
  experiment::StoreRun run_;
};

}  // namespace parallax::cli
