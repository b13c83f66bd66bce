#pragma once
// Parallel evaluation of a nonlinear RNN h_t = f(h_{t−1}, x_t), t = 1..T, by
// Newton-type iterations on the system r_t(h) = h_t − f(h_{t−1}, x_t) = 0.
//
// One iteration at the iterate h⁽ⁱ⁾: with f_t = f(h⁽ⁱ⁾_{t−1}, x_t) and a matrix
// A_t ≈ J_t = ∂f/∂h (h⁽ⁱ⁾_{t−1}, x_t), the next iterate solves the linear
// recurrence
//      h_t = A_t h_{t−1} + (f_t − A_t h⁽ⁱ⁾_{t−1}),   h_0 fixed,
// by a parallel scan of affine maps (kernels/scan.hpp). The methods differ
// only in A_t:
//   jacobi      A_t = 0 (Picard): h_t = f_t, no scan
//   deer        the full Jacobian (dense d×d scan, O(d³) per combine)
//   quasi-deer  the diagonal of the full Jacobian
//   newton      the cell's own structure (diagonal for ParaGRU, 2×2 blocks
//               for ParaLSTM, dense otherwise): exact Newton at O(d·k²)
//   elk         Levenberg–Marquardt: minimise Σ‖h_t − A_t h_{t−1} − c_t‖²
//               + λ Σ‖h_t − h⁽ⁱ⁾_t‖², whose minimiser is the mean of a
//               Kalman smoother (kernels/kalman.hpp), A_t = full Jacobian
//   quasi-elk   the same with the diagonal
// With A_t = J_t every iteration fixes at least one more leading state
// exactly, so in exact arithmetic Newton (and DEER) reach the sequential
// solution within T iterations from any start.
//
// Stopping: |h⁽ⁱ⁺¹⁾ − h⁽ⁱ⁾| ≤ atol + rtol·|h⁽ⁱ⁺¹⁾| in every entry, or a fixed
// number of iterations. Divergence — a non-finite value, or a residual
// 10¹⁰ times the first one — ends the solve with `diverged` set and the
// iteration named, unless the reset policy is on: then non-finite or
// exploded entries are put back to their initial guess and the iteration
// goes on (counted in `resets`).
#include <cstddef>
#include <string>
#include <vector>

#include "kernels/scan.hpp"
#include "models/cell.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/functions.hpp"

namespace parallax::solve {

enum class Method { Sequential, Jacobi, Deer, QuasiDeer, Newton, Elk, QuasiElk };

/// "sequential", "jacobi", "deer", "quasi-deer", "newton", "elk", "quasi-elk".
const char* method_name(Method m);
/// Throws std::invalid_argument listing the valid names.
Method parse_method(const std::string& name);
std::vector<std::string> method_names();

/// The initial guess: zeros; f(0, x_t) at every t (ParaRNN's); zeros then
/// `sweeps` Jacobi sweeps; or the states passed in (a previous solution).
struct InitSpec {
  enum class Kind { Zeros, F0, Jacobi, Given };
  Kind kind = Kind::F0;
  int sweeps = 0;
  /// "zeros", "f0", "jacobi:K"; throws std::invalid_argument.
  static InitSpec parse(const std::string& text);
  std::string to_string() const;
};

struct SolveOptions {
  Method method = Method::Newton;
  InitSpec init;
  double atol = 1e-10;
  double rtol = 1e-10;
  int fixed_iters = 0;  ///< > 0: exactly this many iterations, no tolerance test
  int max_iter = 0;     ///< 0: T + 1 (enough for Newton in exact arithmetic)
  double sigma2 = 1e8;  ///< ELK: damping λ = 1/σ²
  bool reset = false;   ///< reset policy on divergence (see above)
  bool check_structure = false;  ///< verify the structure the method relies on at every step
  kernels::ScanOptions scan;     ///< threads
};

struct SolveReport {
  int iterations = 0;
  bool converged = false;  ///< the step test passed and the residual is small (below)
  /// The step test passed but the final residual is over 10⁴·(atol + rtol·max|h|):
  /// a damped method standing still at a point that is not the solution
  /// (ill-conditioned Jacobian products); not counted as converged.
  bool stalled = false;
  bool diverged = false;
  int diverged_at = 0;     ///< iteration at which divergence was detected
  std::string divergence;  ///< what was detected
  int resets = 0;
  std::vector<double> residual;  ///< max_t ‖h_t − f(h_{t−1}, x_t)‖_∞ at the start and after each iteration
  std::vector<double> delta;     ///< max |h⁽ⁱ⁺¹⁾ − h⁽ⁱ⁾| of each iteration
  double structure_violation = 0;  ///< check mode: largest Jacobian entry outside the structure
};

/// Solves one sequence. X: len × m inputs (time-major), h0: n entries, H:
/// len × n states (in: the initial guess when init is Given; out: the
/// solution — or, after a divergence, the last finite iterate). T is double,
/// float, numeric::EmuFloat or numeric::BigFloat (explicitly instantiated in
/// solve.cpp).
template <class T>
SolveReport solve(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                  std::vector<T>& H, const SolveOptions& o);

/// The sequential recurrence (the reference).
template <class T>
void run_sequential(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                    std::vector<T>& H);

/// Estimate of the largest Lyapunov exponent along the trajectory H (nats per
/// step): the mean log growth of a tangent vector pushed through the
/// Jacobians J_t and renormalised at every step (one JVP per step).
template <class T>
double lyapunov_exponent(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                         const std::vector<T>& H, std::uint64_t seed = 1);

/// True for the precisions the solvers run in: fp32, fp64 and float:M:E
/// (the formats with exp and tanh); not fixed point, exact or intervals.
bool supports_precision(const numeric::Precision& p);

/// numeric::dispatch restricted to those precisions: f(Tag<T>) for T double,
/// float, EmuFloat or BigFloat (f returns void); others throw
/// std::invalid_argument naming the precision.
template <class F>
void dispatch_float(const numeric::Precision& p, F&& f, numeric::Status* status = nullptr) {
  if (!supports_precision(p))
    throw std::invalid_argument("precision '" + p.to_string() +
                                "' has no exp or tanh: nonlinear cells run in fp64, fp32, bf16, fp16, float:M:E or log:C");
  numeric::dispatch(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (numeric::has_elementary_v<T>) f(tag);
      },
      status);
}

}  // namespace parallax::solve
