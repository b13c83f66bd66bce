#pragma once
// `--device cpu|cuda` for scan, solve and bench: the option, the mapping of
// the backend's refusals and failures to exit codes, and the printer of a
// device solve's record (cmd_solve_cuda.cpp). The device runs themselves are
// the experiments' (experiment/scan.hpp, experiment/solve.hpp,
// experiment/solve_bench.hpp, bench/scan_bench_cuda.hpp).
#include <CLI/CLI.hpp>

#include <string>

#include "cli/common.hpp"
#include "kernels/cuda/api.hpp"

namespace parallax::experiment::solve {
struct Record;
}

namespace parallax::cli {

/// Adds `--device cpu|cuda` (validated by CLI11, default cpu).
CLI::Option* add_device_option(CLI::App& cmd, std::string& device);

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

}  // namespace parallax::cli
