#pragma once
// `parallax bench scan`: scan throughput figures, all measured in one run so
// that they can be compared as ratios on a noisy shared machine.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace parallax::bench {

struct ScanBenchOptions {
  std::size_t n_scalar = std::size_t(1) << 26;  ///< fp32 scalar affine recurrence and model token length
  std::size_t n_struct = std::size_t(1) << 20;  ///< dense 4×4 and PD d=8 scan length
  std::vector<std::size_t> n_exact{std::size_t(1) << 15, std::size_t(1) << 17};  ///< exact 2×2 product lengths
  int threads = 2;   ///< threads of the parallel figures (1 thread is always measured too)
  int repeats = 3;   ///< runs per figure; the fastest is reported
  bool quick = false;  ///< small sizes, one repeat: a smoke test in seconds
};

struct BenchRecord {
  std::string bench;      ///< affine-fp32, model-parity-fp32, dense4-fp32, pd8-fp32, exact-2x2
  std::string variant;    ///< sequential-loop, parallel-scan, elementwise, left-fold, tree, …
  std::size_t n = 0;
  int threads = 1;
  double seconds = 0;         ///< best of the repeats
  double elements_per_s = 0;
  double ratio = 1;           ///< speed relative to `baseline` (elements/s ÷ baseline elements/s)
  std::string baseline;       ///< the variant the ratio refers to
  double target = 0;          ///< required ratio, 0 = none
  bool meets_target = true;
  std::string note;           ///< correctness check of the figure's output
};

/// Runs every figure; progress(text) is called before each.
std::vector<BenchRecord> run_scan_bench(const ScanBenchOptions& opts,
                                        const std::function<void(const std::string&)>& progress = {});

}  // namespace parallax::bench
