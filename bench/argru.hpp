#pragma once
// `parallax bench argru`: an autoregressive GRU, trained on a noisy sine
// wave and then run on its own output, evaluated by the Newton-type parallel
// solvers of src/solve (DEER, quasi-DEER, ELK, quasi-ELK) against the
// sequential recurrence.
//
// Why this model. Run autoregressively, a GRU that has learnt an oscillation
// is a driven nonlinear oscillator: its trajectory is bounded, but the
// Jacobians along far-from-converged iterates need not be contractive, so the
// undamped linearised recurrence that DEER solves can grow without bound over
// a long sequence. ELK's Levenberg–Marquardt damping (trust region of size
// σ², λ = 1/σ²) keeps each update near the current iterate and is meant to
// converge where DEER does not.
//
// Training (teacher forcing, fp64). Each step draws `batch` sequences
// y_0..y_L, y_t = sin(2πt/period + φ) + train_noise·ε_t with a random phase
// φ per sequence. The GRU (CellKind::Gru, input size 1, random_cell with
// `gain`) reads x_t = y_t for t = 0..L−1, h_t = f(h_{t−1}, y_t), h_{−1} = 0,
// and the readout ŷ_{t+1} = w_o·h_t + b_o predicts the next sample:
//      loss = (1/(B·L)) Σ_b Σ_t (ŷ_{t+1} − y_{t+1})².
// Gradients: the states come from solve::run_sequential; ∂L/∂h_t =
// (2/(B·L))(ŷ_{t+1} − y_{t+1}) w_o is handed to solve::backprop_sequential
// (backpropagation through time, whose own tests compare it with finite
// differences) for the GRU weights; the readout gradients are in closed form,
//      ∂L/∂w_o = Σ (2/(B·L))(ŷ − y) h_t,   ∂L/∂b_o = Σ (2/(B·L))(ŷ − y).
// The batch gradients are computed in parallel but summed in a fixed order,
// so training does not depend on the thread count. The update is Adam
// (β₁ = 0.9, β₂ = 0.999) after clipping the global gradient norm to `clip`.
//
// Evaluation. The trained weights and readout form a CellKind::ArGru cell,
//      u_t = w_o·h_{t−1} + b_o + x_t,   h_t = GRU(h_{t−1}, u_t),
// driven by sampling noise x_t = sample_noise·N(0,1) (seeded), so the model
// feeds its prediction of the next sample back as its input. The sequential
// run is the reference (timed). Every solver row reports its iterations, the
// largest entry of |H − H_sequential|, how many leading states already agree
// with the reference (to 1e-6: the part of the sequence the solver has
// fixed), the final residual max_t ‖h_t − f(h_{t−1}, x_t)‖_∞ and its time,
// and one of four outcomes:
//   converged  the step tolerance |Δh| ≤ atol + rtol|h| was met and the
//              residual is ≤ residual_tol;
//   stalled    the step tolerance was met but the residual is not small: a
//              false fixed point. Levenberg–Marquardt (ELK) stops moving
//              where the gradient Mᵀr of ½‖r‖² vanishes numerically, M the
//              Jacobian of the residual r; M is invertible, but when the
//              Jacobians along the iterate expand, M's smallest singular
//              value is exponentially small and the damped step along it
//              ((MᵀM + λI)⁻¹Mᵀr) vanishes with it although r does not;
//   diverged   solve() saw a non-finite value or a residual 10¹⁰ times its
//              first, at iteration diverged_at;
//   otherwise  still running at max_iter.
// The Lyapunov exponent of the sequential trajectory
// (solve::lyapunov_exponent) says how strongly the recurrence itself
// amplifies perturbations (about 0 here: an oscillator's phase is neutral).
//
// Defaults. hidden = 8 rather than a larger GRU: the dense Jacobians (DEER,
// ELK; and quasi-DEER/quasi-ELK take the diagonal of the dense autodiff
// Jacobian for this cell) cost O(d³) per step and iteration, and d = 16 gave
// the same outcomes on T = 1000 at eight times the cost. The damped methods
// advance only a few time steps per iteration on this model, so at
// T = 10⁴ they need thousands of iterations (max_iter = 3000); a full run
// takes many minutes on a few cores. `quick` (T = 1000) takes seconds.
//
// What it shows (seed 1, fp64): DEER blows up within an iteration or two and
// quasi-DEER within a few dozen at T = 10⁴ (at T = 1000 quasi-DEER often
// still converges); quasi-ELK with σ² ≥ 10⁴ converges to the sequential
// states; quasi-ELK with σ² = 10² is too damped to finish. Full ELK usually
// stalls at a false fixed point (see above): in trials at T = 1000 it
// converged only for some seeds, with σ² = 10⁶, unlike the published figure.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/cell.hpp"

namespace parallax::bench {

struct ArGruOptions {
  std::size_t hidden = 8;         ///< GRU units d (see "Defaults" above)
  std::size_t train_length = 200; ///< L: predictions per training sequence
  int train_steps = 300;          ///< Adam steps
  std::size_t batch = 8;          ///< sequences per step (each with its own random phase)
  double learning_rate = 0.01;
  double clip = 1.0;              ///< global gradient-norm clip (≤ 0: none)
  double gain = 0.9;              ///< random_cell gain of the initial GRU
  double train_noise = 0.1;       ///< observation noise of the training sine
  double period = 50;             ///< steps per sine period
  double sample_noise = 0.1;      ///< std of the external input x_t when run autoregressively
  std::size_t eval_length = 10000;  ///< T of the autoregressive evaluation
  std::vector<double> sigma2 = {1e2, 1e4, 1e6};  ///< ELK trust-region sizes (λ = 1/σ²)
  int max_iter = 3000;            ///< iteration cap of every solver (see "Defaults" above)
  double atol = 1e-8, rtol = 1e-8;  ///< solver stopping tolerance
  double residual_tol = 1e-6;     ///< a stopped solve counts as converged only if its residual is this small
  std::string init = "f0";        ///< the solvers' initial guess (solve::InitSpec::parse)
  int threads = 0;                ///< 0: OpenMP's default
  std::uint64_t seed = 1;
  bool quick = false;             ///< small sizes: seconds, for tests and smoke runs
};

/// `o` with quick's sizes applied when o.quick (train_steps ≤ 100,
/// train_length ≤ 100, eval_length ≤ 1000, max_iter ≤ 500, only the middle
/// σ² of the list); otherwise o unchanged.
ArGruOptions effective_options(const ArGruOptions& o);

struct ArGruTraining {
  models::Cell gru;                 ///< CellKind::Gru, input size 1
  std::vector<double> w_o;          ///< readout weights (hidden entries)
  double b_o = 0;                   ///< readout bias
  std::vector<double> loss_history; ///< training loss at each step (before its update)
  /// The CellKind::ArGru cell with these GRU weights and readout (h0 = gru.h0).
  models::Cell argru() const;
  /// Teacher-forced one-step predictions: ŷ[t] = w_o·h_t + b_o with h_t the
  /// GRU state after reading y[0..t], predicting y[t+1]; y.size() − 1 values.
  std::vector<double> predict(const std::vector<double>& y) const;
};

/// count samples sin(2πt/period + φ) + noise·N(0,1), t = 0..count−1, the
/// phase φ uniform in [0, 2π), all from `seed`.
std::vector<double> noisy_sine(std::size_t count, double period, double noise, std::uint64_t seed);

/// The trainable parameters flattened: the GRU's arrays in the cell's order,
/// then w_o, then b_o; set_params is the inverse (throws on a wrong size).
std::vector<double> flatten_params(const ArGruTraining& m);
void set_params(ArGruTraining& m, const std::vector<double>& theta);

/// Teacher-forced loss of one sequence y_0..y_L: (1/L) Σ_t (ŷ_{t+1} − y_{t+1})²,
/// and (if grad) its gradient in flatten_params order.
double argru_loss(const ArGruTraining& m, const std::vector<double>& y, std::vector<double>* grad = nullptr);

/// Trains the GRU and readout (see the header comment).
ArGruTraining train_argru(const ArGruOptions& o);

struct ArGruRow {
  std::string method;     ///< deer, quasi-deer, elk, quasi-elk
  double sigma2 = 0;      ///< ELK trust region; NaN for DEER-type rows
  int iterations = 0;
  bool converged = false; ///< step tolerance met and final residual ≤ residual_tol
  bool stalled = false;   ///< step tolerance met but the residual is not small (a false fixed point)
  bool diverged = false;
  int diverged_at = 0;    ///< iteration at which the divergence was detected (when diverged)
  std::string divergence; ///< what was detected (when diverged)
  double max_error = 0;   ///< max |H − H_sequential|; NaN if diverged
  std::size_t prefix = 0; ///< leading states within 1e-6 of the sequential run (0 if diverged)
  double final_residual = 0;  ///< max_t ‖h_t − f(h_{t−1}, x_t)‖_∞ at the end (NaN if diverged)
  double seconds = 0;
};

struct ArGruResult {
  ArGruOptions options;         ///< the effective options
  ArGruTraining training;
  std::vector<double> inputs;   ///< the sampling noise x_t (eval_length values)
  std::vector<double> outputs;  ///< the sequential run's readouts w_o·h_t + b_o (eval_length values)
  double lyapunov = 0;          ///< largest Lyapunov exponent of the sequential trajectory (nats/step)
  double seconds_training = 0;
  double seconds_sequential = 0;
  std::vector<ArGruRow> rows;   ///< deer, quasi-deer, then elk and quasi-elk for each σ²
};

/// The eval inputs x_t = sample_noise·N(0,1) for o (from o.seed).
std::vector<double> argru_inputs(const ArGruOptions& o);

/// Evaluates an already trained model: the sequential reference, the
/// Lyapunov exponent and every solver row (training copied into the result,
/// seconds_training left 0). progress(text) is called before each phase.
ArGruResult evaluate_argru(const ArGruTraining& training, const ArGruOptions& o,
                           const std::function<void(const std::string&)>& progress = {});

/// train_argru then evaluate_argru.
ArGruResult run_argru_bench(const ArGruOptions& o, const std::function<void(const std::string&)>& progress = {});

/// The sizes, before the training: threads up to limits::kMaxThreads, at most
/// limits::kMaxListItems σ² values, and the memory of the largest phase: the
/// training's tapes (backpropagation through every step of a training
/// sequence, one per thread) or a dense solve (DEER and ELK hold a d×d
/// Jacobian per step of the autoregressive run, ELK's smoother as much
/// again). Throws limits::LimitError naming the option.
void check_argru_sizes(const ArGruOptions& o);

/// The columns of `bench argru`'s table, in order.
std::vector<std::string> argru_columns();
/// One row of that table: the solver's outcome (converged, stalled,
/// diverged or not converged) with the run's sizes, Lyapunov exponent and
/// training loss; non-finite numbers as null.
nlohmann::ordered_json to_json(const ArGruRow& r, const ArGruResult& result);

}  // namespace parallax::bench
