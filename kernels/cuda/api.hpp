#pragma once
// The CUDA backend as seen from host C++ (no CUDA headers needed): scans of
// affine maps and Newton solves of nonlinear RNNs on the GPU, plus the
// device queries the CLI uses to refuse `--device cuda` cleanly.
//
// Every function here takes and returns host arrays: it copies its inputs to
// the device, runs, and copies the results back. Timing reports the kernels
// alone (CUDA events) and the whole call with the transfers.
//
// Layouts (all row-major, "channel-major" = one contiguous run per channel):
//   diag_scan   a, b, h: [channel][t];             h0: [channel]
//   block_scan  m: [channel][t][k·k], b, h: [channel][t][k];  h0: [channel][k]
//               (a dense d×d LRNN is one channel with k = d)
//   pd_scan     p, D, b, h: [sequence][t][d];      h0: [sequence][d]
// h[…][t] is the state after step t: h_t = A_t h_{t−1} + b_t from h_{−1} = h0.
//
// Without the backend (PARALLAX_CUDA=OFF, or nvcc missing at configure time)
// every entry point except built()/available()/device_status() throws
// Unavailable; with it but no GPU visible, they throw Unavailable too.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace parallax::kernels::cuda {

/// No CUDA backend in this build, or no GPU visible. what() says which.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A CUDA call failed (launch error, out of memory, …).
struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// True when this build has the CUDA backend.
bool built();
/// True when built() and at least one GPU is visible.
bool available();
/// One line: the GPU in use ("NVIDIA H100 80GB HBM3, sm_90, 79.1 GiB, CUDA 13.0"),
/// or why there is none ("built without the CUDA backend (PARALLAX_CUDA=OFF)",
/// "no CUDA device visible: <driver message>").
std::string device_status();
/// Throws Unavailable with device_status() unless available().
void require_device();

/// How a scan is evaluated on the device.
enum class ScanAlgo {
  Cub,         ///< cub::DeviceScan (single-pass decoupled look-back); diagonal only
  Layered,     ///< Parallax's layered kernel: thread chunk, warp, block (CUB block primitives), device look-back
  Sequential,  ///< the baseline: one thread per channel steps through t
};
inline const char* algo_name(ScanAlgo a) {
  switch (a) {
    case ScanAlgo::Cub: return "cub";
    case ScanAlgo::Layered: return "layered";
    case ScanAlgo::Sequential: return "sequential";
  }
  return "?";
}

/// Half-precision storage of the inputs of diag_scan_half (accumulation is fp32).
enum class HalfKind { Bf16, Fp16 };

struct Timing {
  double kernel_ms = 0;  ///< device time of the kernels (CUDA events)
  double total_ms = 0;   ///< wall time of the call, transfers included
};

/// Diagonal affine scan, T = float or double. Cub and Layered are exact
/// regroupings of the sequential left fold.
template <class T>
Timing diag_scan(const T* a, const T* b, const T* h0, std::size_t channels, std::size_t len, T* h, ScanAlgo algo);

/// Diagonal scan with a and b stored as bf16 or fp16 bit patterns (uint16),
/// h0 and h in fp32, every operation in fp32.
Timing diag_scan_half(const std::uint16_t* a, const std::uint16_t* b, HalfKind kind, const float* h0,
                      std::size_t channels, std::size_t len, float* h, ScanAlgo algo);

/// k×k block scan for 1 ≤ k ≤ 16 (block-diagonal LRNNs: one channel per
/// block; dense LRNNs with d ≤ 16: one channel, k = d). Layered or Sequential.
template <class T>
Timing block_scan(std::size_t k, const T* m, const T* b, const T* h0, std::size_t channels, std::size_t len, T* h,
                  ScanAlgo algo);

/// Permutation-diagonal scan for 1 ≤ d ≤ 64 (p[j] < d: column j's entry D[j]
/// sits in row p[j]). Layered or Sequential.
template <class T>
Timing pd_scan(std::size_t d, const std::uint32_t* p, const T* D, const T* b, const T* h0, std::size_t sequences,
               std::size_t len, T* h, ScanAlgo algo);

// ---- nonlinear RNNs ---------------------------------------------------------

/// The cells with device kernels: ParaGRU (diagonal Jacobian, exact Newton),
/// ParaLSTM (2×2 Jacobian blocks, exact Newton), GRU (dense; quasi-DEER: the
/// diagonal of its Jacobian, hidden ≤ 64).
enum class DeviceCell { ParaGru, ParaLstm, Gru };

/// A cell's weights converted to T: the parameters of models::Cell in its
/// order (docs/cells-json.md), concatenated, with their offsets.
template <class T>
struct CellWeights {
  DeviceCell kind = DeviceCell::ParaGru;
  std::size_t hidden = 1, input = 1;
  std::vector<T> values;
  std::vector<std::size_t> offsets;  ///< start of parameter i in values
};

struct NewtonOptions {
  double atol = 1e-6, rtol = 1e-6;  ///< per sequence: stop when |Δh| ≤ atol + rtol·|h| everywhere
  int fixed_iters = 0;              ///< > 0: exactly this many iterations, no tolerance test
  int max_iter = 0;                 ///< 0: len + 1
  bool init_f0 = true;              ///< initial guess f(0, x_t) (ParaRNN's); else zeros
};

struct NewtonResult {
  std::vector<int> iterations;      ///< per sequence
  std::vector<std::uint8_t> converged;  ///< per sequence (fixed mode: 1 unless non-finite)
  std::vector<std::uint8_t> nonfinite;  ///< per sequence: a NaN or Inf appeared (the sequence stopped there)
  int sweeps = 0;                   ///< iterations launched (the largest per-sequence count)
  Timing timing;
};

/// Solves batch sequences: X [batch][len][m], h0 [batch][n], H [batch][len][n]
/// (n = state size: hidden, or 2·hidden for ParaLSTM, unit-major (c, h)).
template <class T>
NewtonResult newton_solve(const CellWeights<T>& w, const T* X, const T* h0, std::size_t batch, std::size_t len, T* H,
                          const NewtonOptions& o);

/// The sequential baseline on the device: one thread per unit (ParaGRU,
/// ParaLSTM) or one block per sequence with a thread per unit (GRU) steps
/// through t. Same layouts as newton_solve.
template <class T>
Timing sequential_cell(const CellWeights<T>& w, const T* X, const T* h0, std::size_t batch, std::size_t len, T* H);

/// The backward pass at the solution H: the adjoints λ_t = G_t + J_{t+1}ᵀ λ_{t+1}
/// (λ_{len−1} = G_{len−1}) by one transposed scan backwards in time; ParaGRU
/// and ParaLSTM (exact structured Jacobians). G, lambda: [batch][len][n].
template <class T>
Timing adjoint_scan(const CellWeights<T>& w, const T* X, const T* H, const T* G, std::size_t batch, std::size_t len,
                    T* lambda);

// ---- benchmarks (device-resident data, no transfers in the figures) ---------

struct BenchFigure {
  std::string name;     ///< e.g. "diag-fp32/cub", "copy-d2d"
  std::size_t elements = 0;  ///< T·channels
  std::size_t bytes = 0;     ///< bytes read + written
  double ms = 0;             ///< best of the repeats
  double gelem_per_s = 0, gb_per_s = 0;
  double max_abs_err = 0;    ///< against the sequential device baseline (0 for copies)
};

/// Scan throughput of every scan kind on random device data of about
/// `elements` affine elements, with a device-to-device copy of the same bytes
/// measured in the same run.
std::vector<BenchFigure> bench_scans(std::size_t elements, int repeats);

}  // namespace parallax::kernels::cuda
