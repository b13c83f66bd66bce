#pragma once
// A one-line progress bar on stderr with rate and ETA, drawn only when stderr
// is a terminal (quiet otherwise, so logs and pipes stay clean).
#include <chrono>
#include <string>

namespace parallax::cli {

class ProgressBar {
 public:
  /// `unit`: what is counted, e.g. "tok" (rates print as "1.2M tok/s").
  explicit ProgressBar(std::string unit);
  ~ProgressBar();  ///< clears the line
  bool active() const { return tty_; }
  /// Redraws (at most ten times a second, and always at stage changes).
  void update(double done, double total, const std::string& stage);
  void clear();

 private:
  std::string unit_, stage_;
  bool tty_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

/// "1.2k", "3.4M", … (three significant digits).
std::string si_count(double x);
/// "0:07", "1:02:03".
std::string clock_text(double seconds);

}  // namespace parallax::cli
