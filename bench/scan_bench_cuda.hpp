#pragma once
// `parallax bench scan --device cuda`: every device scan kind on
// device-resident random data (kernels::cuda::bench_scans), against a
// device-to-device copy of the same bytes measured in the same run. The goal:
// the parallel fp32 diagonal scans (cub, layered) reach at least 80 % of the
// copy's bandwidth.
#include <cstddef>
#include <string>
#include <vector>

#include "kernels/cuda/api.hpp"

namespace parallax::bench {

/// The goal of the parallel fp32 diagonal scans: this percentage of the copy bandwidth.
inline constexpr double kCudaScanGoalPercent = 80;

struct CudaScanBenchOptions {
  std::size_t elements = std::size_t(1) << 28;  ///< affine elements per figure (the CLI's --quick: 2^24)
  int repeats = 5;                              ///< runs per figure; the best is reported (--quick: 2)
  /// experiment::OptionError naming --elements or --repeats when below 1;
  /// limits::LimitError for more than limits::kMaxRepeats repeats.
  void validate() const;
};

/// One figure, judged against the copy bandwidth.
struct CudaScanRow {
  std::string name;  ///< e.g. "diag-fp32/cub", "copy-d2d"
  std::size_t elements = 0, bytes = 0;
  double ms = 0, gelem_per_s = 0, gb_per_s = 0;
  double pct_of_copy = 0;  ///< 100 · GB/s ÷ the copy's GB/s; NaN without a copy figure
  double max_abs_err = 0;  ///< against the device's sequential scan
  bool goal = false;       ///< a parallel fp32 diagonal scan: the goal applies
  bool meets_goal = true;  ///< goal ⇒ pct_of_copy ≥ kCudaScanGoalPercent
};

struct CudaScanBench {
  std::string gpu;  ///< kernels::cuda::device_status()
  std::vector<CudaScanRow> rows;
  bool all_goals_met() const;
};

/// The rows of the figures: the copy bandwidth is the "copy-d2d" figure's
/// (else the last "copy…" figure's), and the goal is the parallel fp32
/// diagonal scans' (every "diag-fp32/…" but "diag-fp32/sequential").
std::vector<CudaScanRow> cuda_scan_rows(const std::vector<kernels::cuda::BenchFigure>& figures);

/// Validates, requires the device (kernels::cuda::Unavailable without one)
/// and measures every figure (kernels::cuda::CudaError when a call fails).
CudaScanBench run_cuda_scan_bench(const CudaScanBenchOptions& o);

}  // namespace parallax::bench
