#include "cli/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "cli/common.hpp"

extern char** environ;

namespace parallax::cli {
namespace {

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

ChildExit exit_of(int status, const struct rusage& ru) {
  ChildExit e;
  e.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  e.peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
  return e;
}

/// fork + exec of this executable; `setup` runs in the child before exec.
template <class Setup>
pid_t start(const std::vector<std::string>& args, Setup setup) {
  const std::string self = self_path();
  std::vector<std::string> all{self};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw CliError(kFailure, fmt::format("cannot start {}: fork failed", self));
  if (pid == 0) {
    // only async-signal-safe calls from here to exec
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    setup();
    // this very executable, even if the file was replaced since it started
    execve("/proc/self/exe", argv.data(), environ);
    _exit(127);
  }
  return pid;
}

}  // namespace

CapturedChild run_child_capture(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) throw CliError(kFailure, "cannot create a pipe for a child process");
  const pid_t pid = start(args, [&] {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 2);
  });
  close(fds[1]);
  CapturedChild r;
  char buf[4096];
  for (ssize_t k; (k = read(fds[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<std::size_t>(k));
  close(fds[0]);
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  static_cast<ChildExit&>(r) = exit_of(status, ru);
  return r;
}

pid_t spawn_child_logged(const std::vector<std::string>& args, const std::string& log_path) {
  const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw CliError(kFailure, fmt::format("{}: cannot write the log", log_path));
  const pid_t pid = start(args, [&] {
    dup2(fd, 1);
    dup2(fd, 2);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
  });
  close(fd);
  return pid;
}

std::pair<pid_t, ChildExit> wait_any_child() {
  int status = 0;
  struct rusage ru {};
  pid_t pid;
  do {
    pid = wait4(-1, &status, 0, &ru);
  } while (pid < 0 && errno == EINTR);
  if (pid < 0) throw CliError(kFailure, "waiting for a child process failed");
  return {pid, exit_of(status, ru)};
}

}  // namespace parallax::cli
