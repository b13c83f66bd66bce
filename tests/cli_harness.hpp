#pragma once
// Running the `parallax` executable from a test: exit code, stdout and
// stderr, a scratch directory per test process, small file helpers.
#include <catch2/catch.hpp>

#include "test_paths.hpp"
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace parallax_test {

struct CliResult {
  int code;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::filesystem::path scratch_dir() {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("parallax-cli-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// Runs `parallax ARGS` through the shell; ARGS is shell text.
inline CliResult cli(const std::string& args) {
  const auto out = scratch_dir() / "out.txt", err = scratch_dir() / "err.txt";
  const std::string cmd = std::string("'") + parallax_test::parallax_binary + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), slurp(out), slurp(err)};
}

inline std::filesystem::path write_file(const std::string& name, const std::string& text) {
  const auto p = scratch_dir() / name;
  std::ofstream(p) << text;
  return p;
}

inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> v;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(nlohmann::json::parse(line));
  return v;
}

inline bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }


}  // namespace parallax_test
