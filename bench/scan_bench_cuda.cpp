// `bench scan --device cuda` (scan_bench_cuda.hpp).
#include "bench/scan_bench_cuda.hpp"

#include <cmath>

#include "experiment/options.hpp"
#include "numeric/limits.hpp"

namespace parallax::bench {

namespace cuda = kernels::cuda;

namespace {
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace

void CudaScanBenchOptions::validate() const {
  if (elements == 0) throw experiment::OptionError("elements", "--elements must be ≥ 1");
  if (repeats < 1) throw experiment::OptionError("repeats", "--repeats must be ≥ 1");
  limits::check_count(static_cast<std::uint64_t>(repeats), limits::kMaxRepeats, "--repeats");
}

bool CudaScanBench::all_goals_met() const {
  for (const auto& r : rows)
    if (!r.meets_goal) return false;
  return true;
}

std::vector<CudaScanRow> cuda_scan_rows(const std::vector<cuda::BenchFigure>& figures) {
  double copy_gbs = 0;
  for (const auto& x : figures)
    if (x.name == "copy-d2d") copy_gbs = x.gb_per_s;
  if (copy_gbs <= 0)
    for (const auto& x : figures)
      if (starts_with(x.name, "copy")) copy_gbs = x.gb_per_s;
  std::vector<CudaScanRow> rows;
  for (const auto& x : figures) {
    CudaScanRow r{x.name, x.elements, x.bytes, x.ms, x.gelem_per_s, x.gb_per_s, NAN, x.max_abs_err};
    // the goal is the parallel fp32 diagonal scans' (not the sequential baseline's)
    r.goal = starts_with(x.name, "diag-fp32/") && x.name != "diag-fp32/sequential";
    r.pct_of_copy = copy_gbs > 0 ? 100 * x.gb_per_s / copy_gbs : NAN;
    r.meets_goal = !r.goal || r.pct_of_copy >= kCudaScanGoalPercent;
    rows.push_back(std::move(r));
  }
  return rows;
}

CudaScanBench run_cuda_scan_bench(const CudaScanBenchOptions& o) {
  o.validate();
  cuda::require_device();
  CudaScanBench b;
  b.gpu = cuda::device_status();
  b.rows = cuda_scan_rows(cuda::bench_scans(o.elements, o.repeats));
  return b;
}

}  // namespace parallax::bench
