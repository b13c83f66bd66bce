#pragma once
// An LRNN's recurrence as one scan on the CUDA device (kernels/cuda/api.hpp),
// with the CPU's sequential run at the same precision for comparison.
//
// Device arrays from the LrnnSpec (the parameters of every step rounded once,
// as run_lrnn does):
//   diagonal  diag_scan, one channel per state entry
//   complex   block_scan with 2×2 blocks [[re, −im], [im, re]], d/2 channels
//   pd        pd_scan, one sequence, d ≤ 64
//   dense     block_scan with k = d ≤ 16, one channel
//   dplr      the same, each step's factors multiplied out (LowRankAffine::to_dense)
// Precisions: fp32 and fp64 for every structure; bf16 and fp16 for diagonal
// models, a and b stored as 16-bit patterns of the exact parameters correctly
// rounded to the format (numeric/half.hpp), every operation in fp32. The
// spec becomes a type in numeric::dispatch_native.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/cuda/api.hpp"
#include "models/lrnn.hpp"
#include "numeric/precision.hpp"

namespace parallax::models {

/// Throws std::invalid_argument unless the device scans this model at
/// precision p with this algorithm; the message names what it supports. Does
/// not touch the device.
void check_device_scan(const LrnnSpec& spec, const numeric::Precision& p, kernels::cuda::ScanAlgo algo);

/// The final state of a device scan, compared with the CPU's sequential run.
struct DeviceScanRun {
  std::vector<std::string> h;  ///< final state h_n, numeric::to_string at the run's scalar
  std::string score;           ///< ⟨c, h_n⟩ + c0 (zero without a readout)
  numeric::Sign accept = numeric::Sign::Zero;
  std::string scalar;          ///< "fp64", "fp32", "bf16 inputs, fp32 arithmetic", "fp16 inputs, fp32 arithmetic"
  kernels::cuda::Timing timing;
  double cpu_max_abs_diff = 0;  ///< max |Δ| of h_n against the CPU's sequential run (inf where one is not finite)
  double cpu_seconds = 0;       ///< the CPU's sequential run
};

/// Runs the model on a token sequence on the device (after check_device_scan;
/// kernels::cuda::Unavailable without a GPU, CudaError when a CUDA call fails).
DeviceScanRun run_lrnn_device(const LrnnSpec& spec, const std::vector<std::uint32_t>& tokens,
                              const numeric::Precision& p, kernels::cuda::ScanAlgo algo);
/// The same on real-valued inputs x_1 … x_n (each of spec.input_dim entries).
DeviceScanRun run_lrnn_inputs_device(const LrnnSpec& spec, const std::vector<std::vector<Exact>>& xs,
                                     const numeric::Precision& p, kernels::cuda::ScanAlgo algo);

}  // namespace parallax::models
