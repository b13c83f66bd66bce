#pragma once
// Running the `parallax` executable as a child process: `parallax bench
// solve` measures each configuration's own peak memory that way, and a suite
// (suite_run.hpp) runs its units as parallel children (one crash or runaway
// experiment cannot take the others down, and each writes its own results to
// the store). The executable is this very process's (the command line) or a
// path (the Python package, which finds the installed `parallax`).
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "experiment/suite_run.hpp"

namespace parallax::experiment {

/// A child that could not be started or waited for (fork, pipe, its log).
struct ChildProcessError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ChildExit {
  int code = 0;           ///< the exit status, or 128 + signal
  double peak_mib = 0;    ///< peak resident memory
};

/// Runs `EXECUTABLE ARGS…` to completion (an empty `executable`: this very
/// process's executable); its stdout is returned in `out`, its stderr discarded.
struct CapturedChild : ChildExit {
  std::string out;
};
CapturedChild run_child_capture(const std::vector<std::string>& args, const std::string& executable = "");

/// Starts `EXECUTABLE ARGS…` with stdout and stderr appended to `log_path`
/// and stdin from /dev/null; returns its pid. The child gets SIGTERM if the
/// thread that started it ends (the process dies).
pid_t spawn_child_logged(const std::vector<std::string>& args, const std::string& log_path,
                         const std::string& executable = "");

/// The children of a suite run: SuiteRunHooks::start_unit and wait_unit
/// that run each unit as a child `parallax` process.
///
/// Without a poll, wait_unit blocks until any child of this process ends
/// (the command line: every child is a unit). With one, it checks only its
/// own children, calling poll about every 20 ms while they run; when poll
/// throws (Ctrl-C from Python), the exception leaves run_suite, which stores
/// no suite record, and the destructor stops the children: SIGTERM, as the
/// command line's children get when it is interrupted, then waits for them.
/// Each unit stores its results in its own transactions, so the store stays
/// whole and a rerun resumes.
class SuiteChildren {
 public:
  explicit SuiteChildren(std::string executable = "", std::function<void()> poll = {});
  ~SuiteChildren();
  SuiteChildren(const SuiteChildren&) = delete;
  SuiteChildren& operator=(const SuiteChildren&) = delete;

  /// start_unit and wait_unit over this object (which must outlive them).
  SuiteRunHooks hooks();
  /// SIGTERM to every running child, then waits for them.
  void terminate();

 private:
  std::pair<std::int64_t, int> wait_one();
  std::string executable_;
  std::function<void()> poll_;
  std::set<pid_t> running_;
};

}  // namespace parallax::experiment
