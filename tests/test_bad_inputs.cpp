// The catalogue of bad inputs (tests/bad_inputs/*.cases, format in
// tests/bad_inputs/README.md): each case runs `parallax` on one malformed
// input or option and asserts the exit code, that the message names the
// place, that nothing crashed or hung, and that no file in its directory (a
// result store, an existing output file, the input itself) was changed or
// added.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "test_paths.hpp"

namespace fs = std::filesystem;
using parallax_test::slurp;

namespace {

struct Case {
  std::string file;  // catalogue file and line, for messages
  int line = 0;
  std::string group;
  int exit = 2;
  std::string expect;
  std::string args;
  std::string input_name, input;  // optional file written into the case's directory
};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

/// Content escapes: \n \t \\ \xNN, and <<N*TEXT>> for TEXT repeated N times.
std::string expand(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "<<") == 0) {
      const auto star = s.find('*', i), end = s.find(">>", i);
      if (star != std::string::npos && end != std::string::npos && star < end) {
        const std::size_t n = std::stoul(s.substr(i + 2, star - i - 2));
        const std::string text = expand(s.substr(star + 1, end - star - 1));
        out.reserve(out.size() + n * text.size());
        for (std::size_t k = 0; k < n; ++k) out += text;
        i = end + 1;
        continue;
      }
    }
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      if (c == 'n') out += '\n';
      else if (c == 't') out += '\t';
      else if (c == 'x' && i + 2 < s.size()) {
        out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else out += c;
      continue;
    }
    out += s[i];
  }
  return out;
}

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  const fs::path dir = fs::path(parallax_test::source_dir) / "tests" / "bad_inputs";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".cases") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string text;
    for (int no = 1; std::getline(in, text); ++no) {
      if (trim(text).empty() || trim(text)[0] == '#') continue;
      std::vector<std::string> fields;
      std::size_t at = 0;
      for (int k = 0; k < 4; ++k) {  // the fifth field (the input) may hold '|'
        const auto bar = text.find(" | ", at);
        if (bar == std::string::npos) break;
        fields.push_back(text.substr(at, bar - at));
        at = bar + 3;
      }
      fields.push_back(text.substr(at));
      INFO(f.filename().string() << ":" << no);
      REQUIRE((fields.size() == 4 || fields.size() == 5));
      Case c;
      c.file = f.filename().string();
      c.line = no;
      c.group = trim(fields[0]);
      c.exit = std::stoi(trim(fields[1]));
      c.expect = trim(fields[2]);
      c.args = trim(fields[3]);
      if (fields.size() == 5) {
        std::string spec = fields[4];
        while (!spec.empty() && (spec.back() == '\r')) spec.pop_back();
        const auto colon = spec.find(':');
        REQUIRE(colon != std::string::npos);
        c.input_name = trim(spec.substr(0, colon));
        std::string content = spec.substr(colon + 1);
        if (!content.empty() && content[0] == ' ') content.erase(0, 1);
        c.input = expand(content);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return files;
}

bool sqlite_aux(const std::string& name) {
  return name.ends_with("-journal") || name.ends_with("-wal") || name.ends_with("-shm");
}

}  // namespace

TEST_CASE("bad inputs: every catalogued case is refused with its exit code, the place named, and nothing changed",
          "[quick][errors][cli]") {
  const auto cases = load_cases();
  REQUIRE(cases.size() >= 150);
  const fs::path root = parallax_test::scratch_dir() / "bad-inputs";
  fs::remove_all(root);
  fs::create_directories(root);
  // one small store, copied into every case's directory
  const fs::path store = root / "fixture.db";
  {
    const std::string cmd = fmt::format("'{}' reduce --problem parity --lengths 4 --store '{}' >/dev/null 2>&1",
                                        parallax_test::parallax_binary, store.string());
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  std::map<std::string, std::pair<int, int>> per_group;  // group -> (cases, passed)
  std::size_t index = 0;
  for (const auto& c : cases) {
    const fs::path dir = root / fmt::format("case{:03}", index++);
    fs::create_directories(dir);
    fs::copy_file(store, dir / "store.db");
    std::ofstream(dir / "out.txt") << "an earlier result\n";
    if (!c.input_name.empty()) std::ofstream(dir / c.input_name, std::ios::binary) << c.input;
    const auto before = snapshot(dir);
    const std::string cmd = fmt::format(
        "cd '{}' && PARALLAX_MEMORY_LIMIT=4G timeout -s KILL 60 '{}' {} >../stdout.txt 2>../stderr.txt </dev/null",
        dir.string(), parallax_test::parallax_binary, c.args);
    const int status = std::system(cmd.c_str());
    const std::string err = slurp(root / "stderr.txt");
    const auto after = snapshot(dir);
    std::vector<std::string> changed;
    for (const auto& [name, text] : after)
      if (!sqlite_aux(name) && (!before.count(name) || before.at(name) != text)) changed.push_back(name);
    for (const auto& [name, text] : before)
      if (!after.count(name)) changed.push_back(name + " (removed)");
    const bool exited = WIFEXITED(status);
    const int code = exited ? WEXITSTATUS(status) : -1;
    const bool named = err.find(c.expect) != std::string::npos;
    const bool raw = err.find("terminate called") != std::string::npos || err.find("std::bad_alloc") != std::string::npos;
    auto& g = per_group[c.group];
    ++g.first;
    const bool ok = exited && code == c.exit && named && !raw && changed.empty();
    g.second += ok;
    if (!ok) {
      std::string list;
      for (const auto& n : changed) list += " " + n;
      FAIL_CHECK(fmt::format("{}:{} [{}] parallax {}\n  exit {} (expected {}){}\n  stderr: {}\n  message names '{}': {}\n  files changed:{}",
                             c.file, c.line, c.group, c.args, exited ? std::to_string(code) : "by a signal", c.exit,
                             code == 137 ? " (killed after 60 s: a hang)" : "", err.substr(0, 600), c.expect,
                             named ? "yes" : "no", list.empty() ? " none" : list));
    }
  }
  std::string table;
  for (const auto& [group, n] : per_group) table += fmt::format("  {:<22} {:>4} cases, {:>4} pass\n", group, n.first, n.second);
  WARN("bad-input catalogue by parser:\n" << table);
}
