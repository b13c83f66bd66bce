#include "cli/store_link.hpp"

#include "cli/common.hpp"

namespace parallax::cli {

void StoreLink::open(const std::string& path, const std::string& command, const nlohmann::json& config,
                     std::uint64_t seed) {
  try {
    store_ = std::make_unique<experiment::Store>(experiment::Store::open(path, true, "parallax " PARALLAX_VERSION));
    path_ = path;
    run_ = store_->begin_run(command, config, PARALLAX_VERSION, seed);
    for (const auto& r : store_->results(run_)) stored_[r.key] = r.record;
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
}

const nlohmann::ordered_json* StoreLink::find(const std::string& key) const {
  const auto it = stored_.find(key);
  return it == stored_.end() ? nullptr : &it->second;
}

void StoreLink::put(const std::string& kind, const std::string& key, const nlohmann::ordered_json& record) {
  put_all({{kind, key, record}});
}

void StoreLink::put_all(const std::vector<experiment::ResultInput>& results) {
  if (!store_ || results.empty()) return;
  try {
    store_->put_results(run_, results);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  for (const auto& r : results) stored_.emplace(r.key, r.record);
}

void StoreLink::finish() {
  if (!store_) return;
  try {
    store_->finish_run(run_);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
}

experiment::RunResults StoreLink::results(const std::string& command) {
  return {[this](const std::string& key) { return find(key); },
          [this](const std::vector<experiment::ResultInput>& results) { put_all(results); },
          [this, command](const std::string& key) { return experiment::stored_place(path_, run_, command, key); }};
}

}  // namespace parallax::cli
