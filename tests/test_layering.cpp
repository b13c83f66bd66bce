// The layer order of docs/architecture.md, checked: every `#include "L/…"` of
// a library source names a layer at or below the layer of its own folder.
// The order is read from the document itself (its line "Layer order: …"), so
// the page and the tree cannot drift apart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.hpp"

namespace fs = std::filesystem;

namespace {

/// The layers, lowest first, from the "Layer order:" line of docs/architecture.md.
std::vector<std::string> documented_layers() {
  std::ifstream in(fs::path(parallax_test::source_dir) / "docs/architecture.md");
  REQUIRE(in);
  const std::string tag = "Layer order:";
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(tag);
    if (at == std::string::npos) continue;
    std::vector<std::string> layers;
    std::istringstream words(line.substr(at + tag.size()));
    for (std::string w; words >> w;) {
      w.erase(std::remove_if(w.begin(), w.end(), [](char c) { return c == '`' || c == ',' || c == '<' || c == '.'; }),
              w.end());
      if (!w.empty()) layers.push_back(w);
    }
    return layers;
  }
  FAIL("docs/architecture.md has no 'Layer order:' line");
  return {};
}

/// Where each layer's sources live (its include prefix is the folder's name).
fs::path folder_of(const std::string& layer) {
  const auto root = fs::path(parallax_test::source_dir);
  if (fs::exists(root / "src" / layer)) return root / "src" / layer;
  return root / layer;
}

}  // namespace

TEST_CASE("layering: every #include follows the layer order of docs/architecture.md", "[quick][build][layering]") {
  const auto layers = documented_layers();
  REQUIRE(layers.size() >= 8);
  std::map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < layers.size(); ++i) rank[layers[i]] = i;
  for (const auto& l : layers) {
    INFO("layer '" << l << "' has no folder src/" << l << " or " << l);
    CHECK(fs::is_directory(folder_of(l)));
  }

  const std::regex include_line(R"(^\s*#\s*include\s*"([a-z_]+)/)");
  std::size_t files = 0, includes = 0;
  std::vector<std::string> violations;
  for (const auto& layer : layers) {
    const auto dir = folder_of(layer);
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      const auto ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".cu" && ext != ".cuh" && ext != ".h"))
        continue;
      ++files;
      std::ifstream in(entry.path());
      std::size_t line_no = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_no;
        std::smatch m;
        if (!std::regex_search(line, m, include_line)) continue;
        const auto target = rank.find(m[1].str());
        if (target == rank.end()) continue;  // a library's own folder (nlohmann/, fmt/, catch2/, …)
        ++includes;
        if (target->second > rank[layer])
          violations.push_back(fs::relative(entry.path(), parallax_test::source_dir).string() + ":" +
                               std::to_string(line_no) + ": layer '" + layer + "' includes '" + m[1].str() +
                               "/', a layer above it");
      }
    }
  }
  CHECK(files > 100);
  CHECK(includes > 300);
  std::string all;
  for (const auto& v : violations) all += v + "\n";
  INFO(all);
  CHECK(violations.empty());
}
