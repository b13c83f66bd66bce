#include "cli/store_link.hpp"

#include "cli/common.hpp"

namespace parallax::cli {

void StoreLink::open(const std::string& path, const std::string& command, const nlohmann::json& config,
                     std::uint64_t seed) {
  try {
    run_.open(path, command, config, seed, PARALLAX_VERSION);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
}

void StoreLink::put(const std::string& kind, const std::string& key, const nlohmann::ordered_json& record) {
  put_all({{kind, key, record}});
}

void StoreLink::put_all(const std::vector<experiment::ResultInput>& results) {
  try {
    run_.put_all(results);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
}

void StoreLink::finish() {
  try {
    run_.finish();
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
}

experiment::RunResults StoreLink::results(const std::string& command) {
  auto r = run_.results(command);
  r.put_all = [this](const std::vector<experiment::ResultInput>& results) { put_all(results); };
  return r;
}

}  // namespace parallax::cli
