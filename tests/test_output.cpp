// Every write checked (numeric/output.hpp): atomic file writes that never
// leave a half-written file under the final name, devices written in place,
// bad output paths refused before any work, and the CLI's exit codes and
// messages when a file or standard output cannot be written. The failures are
// real ones that work as root: /dev/full (ENOSPC), a closed descriptor
// (EBADF) and a file-size limit (RLIMIT_FSIZE, EFBIG).
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "experiment/npy.hpp"
#include "numeric/output.hpp"
#include "report/render.hpp"
#include "report/tables.hpp"

namespace fs = std::filesystem;
namespace io = parallax::io;
using namespace parallax_test;

namespace {

/// A fresh, empty folder of this test process.
fs::path fresh_dir(const std::string& name) {
  const auto d = scratch_dir() / "output" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

bool is_char_device(const char* path) {
  struct stat st {};
  return ::lstat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/// Runs `body` in a child process whose files may not grow past `limit`
/// bytes (SIGXFSZ ignored, so a write past it fails with EFBIG); returns the
/// child's exit status (what body returns, or 99 for an unexpected exception).
int with_file_size_limit(rlim_t limit, const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit rl{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(98);
    int code = 99;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

struct ShResult {
  int code;
  std::string err;
};

/// Runs SCRIPT with bash in DIR, `$P` set to the parallax program; stdout as
/// the script redirects it, stderr captured.
ShResult sh(const fs::path& dir, const std::string& script) {
  const auto file = dir.parent_path() / (dir.filename().string() + ".sh");
  const auto err = dir.parent_path() / (dir.filename().string() + ".err");
  put(file, "cd '" + dir.string() + "' || exit 120\nP='" + parallax_binary + "'\n" + script + "\n");
  const int status = std::system(("bash '" + file.string() + "' 2>'" + err.string() + "'").c_str());
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), slurp(err)};
}

const std::string kCircuit = "$P circuit --model dfa:parity --n 64 --format json";

}  // namespace

TEST_CASE("output: write_file_atomic writes, replaces completely and leaves no temporary file", "[quick][output]") {
  const auto dir = fresh_dir("atomic");
  const auto p = (dir / "a.txt").string();
  io::write_file_atomic(p, "first version, longer than the second\n");
  CHECK(slurp(p) == "first version, longer than the second\n");
  ::chmod(p.c_str(), 0640);
  io::write_file_atomic(p, "second\n");
  CHECK(slurp(p) == "second\n");
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);  // the replacement keeps the permission bits
  CHECK(entries(dir) == std::set<std::string>{"a.txt"});

  SECTION("an empty file") {
    io::write_file_atomic(p, "");
    CHECK(fs::file_size(p) == 0);
  }
  SECTION("through a symbolic link: the target is replaced, the link stays") {
    fs::create_symlink("a.txt", dir / "link.txt");
    io::write_file_atomic((dir / "link.txt").string(), "through the link\n");
    CHECK(fs::is_symlink(dir / "link.txt"));
    CHECK(slurp(p) == "through the link\n");
    CHECK(entries(dir) == std::set<std::string>{"a.txt", "link.txt"});
  }
  SECTION("the streaming form commits on request, and discards otherwise") {
    {
      io::AtomicFile f(p);
      f.stream() << "streamed " << 42 << '\n';
      f.write("and written\n");
      CHECK(slurp(p) == "second\n");  // nothing under the final name before the commit
      f.commit();
    }
    CHECK(slurp(p) == "streamed 42\nand written\n");
    {
      io::AtomicFile f(p);
      f.stream() << std::string(200000, 'x');  // beyond its buffer: some bytes reach the temporary file
    }  // destroyed without commit
    CHECK(slurp(p) == "streamed 42\nand written\n");
    CHECK(entries(dir) == std::set<std::string>{"a.txt"});
  }
  SECTION("a relative path in the current folder") {
    const auto old = fs::current_path();
    fs::current_path(dir);
    io::write_file_atomic("rel.txt", "relative\n");
    fs::current_path(old);
    CHECK(slurp(dir / "rel.txt") == "relative\n");
  }
}

TEST_CASE("output: paths that are bad input are refused as such, and nothing is created", "[quick][output][errors]") {
  const auto dir = fresh_dir("bad");
  put(dir / "file.txt", "keep\n");
  fs::create_directories(dir / "sub");
  struct Bad {
    std::string path, says;
  };
  const std::vector<Bad> bad = {{"", "empty file name"},
                                {(dir / "sub").string(), "is a directory"},
                                {(dir / "missing" / "x.txt").string(), "no such folder"},
                                {(dir / "file.txt" / "x.txt").string(), "Not a directory"},
                                {(dir / "sub" / "").string(), "is a directory"},
                                {(dir / (std::string(300, 'n') + ".txt")).string(), "too long"}};
  for (const auto& b : bad) {
    INFO(b.path);
    CHECK_THAT(io::output_path_problem(b.path), Catch::Contains(b.says));
    try {
      io::write_file_atomic(b.path, "data");
      FAIL("no WriteError");
    } catch (const io::WriteError& e) {
      CHECK(e.bad_path);
      CHECK(e.path == b.path);
      CHECK_THAT(std::string(e.what()), Catch::StartsWith("cannot write " + b.path + ": ") && Catch::Contains(b.says));
    }
  }
  try {
    io::check_output_path((dir / "sub").string(), "--out");
    FAIL("no WriteError");
  } catch (const io::WriteError& e) {
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("--out: cannot write "));
  }
  CHECK(io::output_path_problem((dir / "new.txt").string()).empty());
  CHECK(io::output_path_problem((dir / "file.txt").string()).empty());
  CHECK(entries(dir) == std::set<std::string>{"file.txt", "sub"});
  CHECK(fs::is_empty(dir / "sub"));
  CHECK(slurp(dir / "file.txt") == "keep\n");
}

TEST_CASE("output: devices are written in place, never replaced", "[quick][output][errors]") {
  REQUIRE(is_char_device("/dev/full"));
  try {
    io::write_file_atomic("/dev/full", "lost");
    FAIL("no WriteError");
  } catch (const io::WriteError& e) {
    CHECK_FALSE(e.bad_path);
    CHECK(e.error == ENOSPC);
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("cannot write /dev/full: "));
  }
  io::write_file_atomic("/dev/null", "discarded");
  CHECK(is_char_device("/dev/full"));
  CHECK(is_char_device("/dev/null"));
  // npy keeps its own error type, with the same message
  const std::vector<double> v = {1, 2, 3};
  try {
    parallax::experiment::write_npy("/dev/full", {3}, v.data());
    FAIL("no NpyError");
  } catch (const parallax::experiment::NpyError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("cannot write /dev/full"));
  }
  CHECK(is_char_device("/dev/full"));
}

TEST_CASE("output: a write that fails part-way keeps the old file and removes the temporary one",
          "[quick][output][errors][report][npy]") {
  const auto dir = fresh_dir("limit");
  const auto p = (dir / "keep.txt").string();
  put(p, "the old bytes\n");
  const std::string big(20000, 'x');
  // write_file_atomic, and the streaming form failing at the commit
  CHECK(with_file_size_limit(4096, [&] {
          try {
            io::write_file_atomic(p, big);
          } catch (const io::WriteError& e) {
            return !e.bad_path && e.error == EFBIG && std::string(e.what()).find(p) != std::string::npos ? 0 : 2;
          }
          return 1;
        }) == 0);
  CHECK(with_file_size_limit(4096, [&] {
          io::AtomicFile f(p);
          f.stream() << std::string(3000, 'y');
          try {
            f.commit();  // 3000 bytes fit: this one succeeds
          } catch (const io::WriteError&) {
            return 3;
          }
          io::AtomicFile g(p);
          g.stream() << big;
          try {
            g.commit();
          } catch (const io::WriteError& e) {
            return e.error == EFBIG ? 0 : 2;
          }
          return 1;
        }) == 0);
  CHECK(slurp(p) == std::string(3000, 'y'));
  put(p, "the old bytes\n");
  // write_npy
  const std::vector<double> values(4000, 1.5);
  CHECK(with_file_size_limit(4096, [&] {
          try {
            parallax::experiment::write_npy(p, {values.size()}, values.data());
          } catch (const parallax::experiment::NpyError& e) {
            return std::string(e.what()).find(p) != std::string::npos ? 0 : 2;
          }
          return 1;
        }) == 0);
  CHECK(slurp(p) == "the old bytes\n");
  CHECK(entries(dir) == std::set<std::string>{"keep.txt"});

  // the report: files written before the failure are complete, the others untouched
  const auto out = dir / "report";
  fs::create_directories(out);
  put(out / "report.md", "old report\n");
  put(out / "report.html", "old html\n");
  CHECK(with_file_size_limit(64, [&] {  // report.md, the first written, is longer
          parallax::report::ReportOptions ro;
          ro.out_dir = out.string();
          ro.plots = false;
          ro.formats = {"md", "html"};
          try {
            parallax::report::write_report(parallax::report::ReportData{}, ro);
          } catch (const io::WriteError& e) {
            return e.error == EFBIG && e.path == (out / "report.md").string() ? 0 : 2;
          }
          return 1;
        }) == 0);
  CHECK(slurp(out / "report.md") == "old report\n");
  CHECK(slurp(out / "report.html") == "old html\n");
  CHECK(entries(out) == std::set<std::string>{"report.md", "report.html"});
}

TEST_CASE("cli: a failed write exits 1 naming the file or standard output, and the old file stays",
          "[quick][cli][errors][output]") {
  const auto dir = fresh_dir("cli-fail");
  auto r = sh(dir, kCircuit + " --out /dev/full");
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("parallax: error: cannot write /dev/full: No space left on device"));
  r = sh(dir, "$P circuit --model dfa:parity --sweep 1..8 --out /dev/full");
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot write /dev/full"));
  r = sh(dir, "$P solve --cell elman --hidden 2 --length 4 --dump-states /dev/full >/dev/null");
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("error: cannot write /dev/full"));
  CHECK(is_char_device("/dev/full"));

  // standard output: full, closed, or limited in size; help and tables alike
  for (const char* cmd : {"$P precisions >/dev/full", "$P --help >/dev/full", "$P languages --json >/dev/full",
                          "$P circuit --model dfa:parity --n 300 --format json >/dev/full"}) {
    INFO(cmd);
    r = sh(dir, cmd);
    CHECK(r.code == 1);
    CHECK(r.err == "parallax: error: cannot write standard output: No space left on device\n");
  }
  r = sh(dir, "$P precisions >&-");
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot write standard output: Bad file descriptor"));
  r = sh(dir, "$P circuit --model dfa:parity --n 4 --out c.json >&-");  // nothing for stdout: not an error
  CHECK(r.code == 0);
  CHECK(r.err.empty());

  // a file-size limit: the earlier file is kept whole, no temporary file is left
  put(dir / "keep.json", "the old circuit\n");
  r = sh(dir, "ulimit -f 1\n" + kCircuit + " --out keep.json");
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot write keep.json: File too large"));
  CHECK(slurp(dir / "keep.json") == "the old circuit\n");
  r = sh(dir, "ulimit -f 1\n" + kCircuit + " >stdout.json");
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot write standard output: File too large"));
  CHECK(entries(dir) == std::set<std::string>{"c.json", "keep.json", "stdout.json"});

  // bad input is still exit 2 when stdout is full
  r = sh(dir, "$P circuit --model dfa:no-such-language --n 4 >/dev/full");
  CHECK(r.code == 2);
}

TEST_CASE("cli: output paths that are bad input exit 2 before any work, naming the option",
          "[quick][cli][errors][output]") {
  const auto dir = fresh_dir("cli-bad");
  put(dir / "file.txt", "keep\n");
  struct Case {
    std::string cmd, says;
  };
  const std::vector<Case> cases = {
      {"$P circuit --model dfa:parity --n 4 --out .", "--out: cannot write .: is a directory"},
      {"$P circuit --model dfa:parity --n 4 --out missing/c.txt",
       "--out: cannot write missing/c.txt: no such folder 'missing'"},
      {"$P circuit --model dfa:parity --n 4 --out file.txt/c.txt", "--out: cannot write file.txt/c.txt"},
      {"$P circuit --model dfa:parity --n 4 --out . --store s.db", "--out: cannot write ."},
      {"$P solve --cell elman --hidden 2 --length 4 --dump-states missing/s.npy",
       "--dump-states: cannot write missing/s.npy"},
      {"$P classify --language parity --cayley .", "--cayley: cannot write .: is a directory"},
      {"$P bench monoid --random 1 --no-s5 --gap-out missing/m.g", "--gap-out: cannot write missing/m.g"},
      {"$P bench argru --save-cell .", "--save-cell: cannot write .: is a directory"},
      {"$P report --store s.db --out file.txt", "file.txt: exists and is not a directory"},
  };
  for (const auto& c : cases) {
    INFO(c.cmd);
    const auto r = sh(dir, c.cmd);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.says));
  }
  CHECK(entries(dir) == std::set<std::string>{"file.txt"});  // no store was created, no file written
  CHECK(slurp(dir / "file.txt") == "keep\n");
}

TEST_CASE("cli: --out holds exactly what stdout would, and replaces a file whole", "[quick][cli][output]") {
  const auto dir = fresh_dir("cli-out");
  // the circuits themselves are deterministic: byte for byte
  for (const std::string args :
       {"--n 16 --format json", "--n 16 --format dot", "--n 8 --format aig", "--n 8 --format blif"}) {
    INFO(args);
    put(dir / "c.out", std::string(100000, 'o'));  // longer than any of them
    const auto r = sh(dir, "$P circuit --model dfa:parity " + args + " >stdout.out && $P circuit --model dfa:parity " +
                               args + " --out c.out >also.out");
    REQUIRE(r.code == 0);
    CHECK(slurp(dir / "c.out") == slurp(dir / "stdout.out"));
    CHECK(fs::file_size(dir / "also.out") == 0);
    CHECK(entries(dir) == std::set<std::string>{"also.out", "c.out", "stdout.out"});
  }
  // the metrics hold timings: the same lines, and nothing on stdout (a sweep's table went there before)
  for (const std::string args : {"--n 8", "--sweep 1..16", "--sweep 1..16 --csv", "--sweep 1..16 --json"}) {
    INFO(args);
    put(dir / "c.out", std::string(100000, 'o'));
    const auto r = sh(dir, "$P circuit --model dfa:parity " + args + " >stdout.out && $P circuit --model dfa:parity " +
                               args + " --out c.out >also.out");
    REQUIRE(r.code == 0);
    const auto lines = [](const std::string& t) { return std::count(t.begin(), t.end(), '\n'); };
    const std::string file = slurp(dir / "c.out"), out = slurp(dir / "stdout.out");
    CHECK(lines(file) == lines(out));
    CHECK(lines(file) >= 2);
    const auto head = [](const std::string& t) {  // the first line up to its timing
      const std::string line = t.substr(0, t.find('\n'));
      return line.substr(0, line.find("seconds"));
    };
    CHECK(head(file) == head(out));
    CHECK(fs::file_size(dir / "also.out") == 0);
  }
}

TEST_CASE("cli: a reader that closes the pipe early is not reported as an error", "[quick][cli][output]") {
  const auto dir = fresh_dir("cli-pipe");
  // SIGPIPE as the shell leaves it: the process ends quietly
  auto r = sh(dir, "$P languages | head -c1 >/dev/null\n" + kCircuit + " | head -c1 >/dev/null");
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  // SIGPIPE ignored (inherited): the write fails with EPIPE, a quiet exit 1.
  // The reader exits at once; parallax starts after it has gone.
  const std::vector<std::string> commands = {"$P precisions", "$P languages --json", kCircuit,
                                            "$P circuit --model dfa:parity --sweep 1..64"};
  for (const auto& cmd : commands) {
    INFO(cmd);
    r = sh(dir, "trap '' PIPE\n(sleep 0.2; exec " + cmd + ") | true\nexit ${PIPESTATUS[0]}");
    CHECK((r.code == 1 || r.code == 0));  // 0 only if the reader had not gone yet
    CHECK(r.err.empty());
  }
}
