#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace parallax::cli {

ProgressBar::ProgressBar(std::string unit)
    : unit_(std::move(unit)), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::clear() {
  if (tty_) std::cerr << "\r\033[K" << std::flush;
}

std::string si_count(double x) {
  const char* suffix[] = {"", "k", "M", "G", "T"};
  int i = 0;
  while (std::fabs(x) >= 999.5 && i < 4) x /= 1000, ++i;
  return i == 0 ? fmt::format("{:.0f}", x) : fmt::format("{:.3g}{}", x, suffix[i]);
}

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

void ProgressBar::update(double done, double total, const std::string& stage) {
  if (!tty_) return;
  const auto now = std::chrono::steady_clock::now();
  if (stage == stage_ && now - last_ < std::chrono::milliseconds(100)) return;
  stage_ = stage;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = total > 0 ? std::clamp(done / total, 0.0, 1.0) : 0.0;
  constexpr int width = 24;
  const int filled = static_cast<int>(std::lround(frac * width));
  const double rate = elapsed > 0 ? done / elapsed : 0;
  const std::string eta = done > 0 && rate > 0 ? clock_text((total - done) / rate) : "?";
  std::cerr << fmt::format("\r\033[K[{}{}] {:3.0f}% {} {}/s ETA {}  {}", std::string(filled, '#'), std::string(width - filled, '.'),
                           100 * frac, si_count(rate), unit_, eta, stage)
            << std::flush;
}

}  // namespace parallax::cli
