#pragma once
// Running this executable again as a child process: `parallax bench solve`
// measures each configuration's own peak memory that way, and `parallax run`
// runs a suite's experiments as parallel children (one crash or runaway
// experiment cannot take the others down, and each writes its own results
// to the store).
#include <sys/types.h>

#include <string>
#include <vector>

namespace parallax::cli {

struct ChildExit {
  int code = 0;           ///< the exit status, or 128 + signal
  double peak_mib = 0;    ///< peak resident memory
};

/// Runs `parallax ARGS…` to completion; its stdout is returned in `out`, its
/// stderr discarded.
struct CapturedChild : ChildExit {
  std::string out;
};
CapturedChild run_child_capture(const std::vector<std::string>& args);

/// Starts `parallax ARGS…` with stdout and stderr appended to `log_path`;
/// returns its pid. The child is killed if this process dies.
pid_t spawn_child_logged(const std::vector<std::string>& args, const std::string& log_path);

/// Waits for any child started by spawn_child_logged; {pid, exit}.
std::pair<pid_t, ChildExit> wait_any_child();

}  // namespace parallax::cli
