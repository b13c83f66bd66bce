#include "experiment/store_run.hpp"

namespace parallax::experiment {

void StoreRun::open(const std::string& path, const std::string& command, const nlohmann::json& config,
                    std::uint64_t seed, const std::string& version) {
  auto store = std::make_unique<Store>(Store::open(path, true, "parallax " + version));
  const auto run = store->begin_run(command, config, version, seed);
  std::map<std::string, nlohmann::ordered_json> stored;
  for (const auto& r : store->results(run)) stored[r.key] = r.record;
  store_ = std::move(store), path_ = path, run_ = run, stored_ = std::move(stored);
}

const nlohmann::ordered_json* StoreRun::find(const std::string& key) const {
  const auto it = stored_.find(key);
  return it == stored_.end() ? nullptr : &it->second;
}

void StoreRun::put_all(const std::vector<ResultInput>& results) {
  if (!store_ || results.empty()) return;
  store_->put_results(run_, results);
  for (const auto& r : results) stored_.emplace(r.key, r.record);
}

void StoreRun::finish() {
  if (store_) store_->finish_run(run_);
}

RunResults StoreRun::results(const std::string& command) {
  return {[this](const std::string& key) { return find(key); },
          [this](const std::vector<ResultInput>& results) { put_all(results); },
          [this, command](const std::string& key) { return stored_place(path_, run_, command, key); }};
}

}  // namespace parallax::experiment
