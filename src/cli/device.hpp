#pragma once
// `--device cpu|cuda` for scan, solve and bench: the option, the one check
// that refuses the CUDA device cleanly (exit 2 with device_status()), and the
// CUDA code paths of the subcommands (cmd_*_cuda.cpp).
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "kernels/cuda/api.hpp"

namespace parallax::experiment::solve {
struct Record;
}

namespace parallax::cli {

/// Adds `--device cpu|cuda` (validated by CLI11, default cpu).
CLI::Option* add_device_option(CLI::App& cmd, std::string& device);

/// Throws CliError(kBadInput, "--device cuda: " + device_status()) unless a
/// GPU is available. Called after the arguments are validated and before
/// any expensive work.
void require_cuda();

/// Runs f, turning the backend's exceptions into CLI errors:
/// kernels::cuda::Unavailable → exit 2, kernels::cuda::CudaError → exit 1.
template <class F>
decltype(auto) with_cuda_errors(F&& f) {
  try {
    return f();
  } catch (const kernels::cuda::Unavailable& e) {
    throw CliError(kBadInput, std::string("--device cuda: ") + e.what());
  } catch (const kernels::cuda::CudaError& e) {
    throw CliError(kFailure, std::string("CUDA error: ") + e.what());
  }
}

// ---- solve --device cuda (cmd_solve_cuda.cpp) ---------------------------------

/// Prints a device solve's record as a table or CSV.
void print_solve_cuda(const experiment::solve::Record& r, Format f);

// ---- bench --device cuda (cmd_bench_cuda.cpp) --------------------------------

struct BenchScanCudaOptions {
  std::size_t elements = std::size_t(1) << 28;
  int repeats = 5;
  bool check = false;  ///< exit 1 when an fp32 diagonal figure misses 80 % of the copy bandwidth
};
void run_bench_scan_cuda(const BenchScanCudaOptions& o, Format f);

struct BenchSolveCudaOptions {
  bool quick = false;
  std::size_t hidden = 64;  ///< ParaGRU / ParaLSTM units
  std::size_t batch = 8;    ///< ParaGRU / ParaLSTM sequences
  std::size_t input = 2;
  int iters = 0;            ///< > 0: fixed Newton iterations, else to tolerance
  std::string precision = "fp32";
  std::uint64_t seed = 1;
  double gain = 0.9;
};
void run_bench_solve_cuda(const BenchSolveCudaOptions& o, Format f);

}  // namespace parallax::cli
