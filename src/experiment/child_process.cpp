#include "experiment/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

extern char** environ;

namespace parallax::experiment {
namespace {

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

ChildExit exit_of(int status, const struct rusage& ru) {
  ChildExit e;
  e.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  e.peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
  return e;
}

/// fork + exec of `executable` (empty: this process's own); `setup` runs in
/// the child before exec.
template <class Setup>
pid_t start(const std::vector<std::string>& args, const std::string& executable, Setup setup) {
  const std::string shown = executable.empty() ? self_path() : executable;
  // this very executable, even if the file was replaced since it started
  const std::string file = executable.empty() ? std::string("/proc/self/exe") : executable;
  std::vector<std::string> all{shown};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw ChildProcessError(fmt::format("cannot start {}: fork failed", shown));
  if (pid == 0) {
    // only async-signal-safe calls from here to exec
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    setup();
    execve(file.c_str(), argv.data(), environ);
    _exit(127);
  }
  return pid;
}

}  // namespace

CapturedChild run_child_capture(const std::vector<std::string>& args, const std::string& executable) {
  int fds[2];
  if (pipe(fds) != 0) throw ChildProcessError("cannot create a pipe for a child process");
  const pid_t pid = start(args, executable, [&] {
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

pid_t spawn_child_logged(const std::vector<std::string>& args, const std::string& log_path,
                         const std::string& executable) {
  const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw ChildProcessError(fmt::format("{}: cannot write the log", log_path));
  const pid_t pid = start(args, executable, [&] {
    dup2(fd, 1);
    dup2(fd, 2);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
  });
  close(fd);
  return pid;
}

SuiteChildren::SuiteChildren(std::string executable, std::function<void()> poll)
    : executable_(std::move(executable)), poll_(std::move(poll)) {}

SuiteChildren::~SuiteChildren() { terminate(); }

SuiteRunHooks SuiteChildren::hooks() {
  SuiteRunHooks h;
  h.start_unit = [this](const std::vector<std::string>& args, const std::string& log) {
    const pid_t pid = spawn_child_logged(args, log, executable_);
    running_.insert(pid);
    return std::int64_t(pid);
  };
  h.wait_unit = [this] { return wait_one(); };
  return h;
}

std::pair<std::int64_t, int> SuiteChildren::wait_one() {
  int status = 0;
  struct rusage ru {};
  if (!poll_) {
    pid_t pid;
    do {
      pid = wait4(-1, &status, 0, &ru);
    } while (pid < 0 && errno == EINTR);
    if (pid < 0) throw ChildProcessError("waiting for a child process failed");
    running_.erase(pid);
    return {pid, exit_of(status, ru).code};
  }
  if (running_.empty()) throw ChildProcessError("waiting for a child process failed: none is running");
  for (;;) {
    for (const pid_t pid : running_) {
      const pid_t got = wait4(pid, &status, WNOHANG, &ru);
      if (got == pid) {
        running_.erase(pid);
        return {pid, exit_of(status, ru).code};
      }
      if (got < 0 && errno != EINTR) {  // no longer a child of this process (reaped elsewhere)
        running_.erase(pid);
        return {pid, 128 + SIGKILL};
      }
    }
    poll_();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void SuiteChildren::terminate() {
  for (const pid_t pid : running_) kill(pid, SIGTERM);
  for (const pid_t pid : running_) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  running_.clear();
}

}  // namespace parallax::experiment
