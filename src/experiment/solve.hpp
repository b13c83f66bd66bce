#pragma once
// The solve experiment: a nonlinear RNN evaluated by a Newton-type parallel
// solver (src/solve) on CPU threads or on the CUDA device, compared in the
// same run with the sequential recurrence: iterations, residual history,
// error (against the sequential run and a high-precision MPFR run),
// Lyapunov exponent, gradients, time and speed-up.
//
//   Options (validate() names the bad option) → run(options, hooks) → Record
//
// `parallax solve` is the command-line adapter; `parallax run` builds the
// Options of a [[solve]] suite entry with options_from_json. Error messages
// name the options by their command-line spelling (--hidden, --tol, …);
// OptionError::option holds the bare name (the suite key).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/options.hpp"
#include "models/cell.hpp"
#include "numeric/precision.hpp"
#include "solve/newton.hpp"

namespace parallax::experiment::solve {

/// A bad option (the CLI exits 2): what() is the message, `option` the
/// option's name without dashes ("tol", "cell"), as a suite entry spells it.
/// The estimates of run() (memory, time) throw limits::LimitError, also exit 2.
using experiment::OptionError;  // experiment/options.hpp

struct Options {
  /// A cell kind (elman, gru, lstm, paragru, paralstm, argru: random weights
  /// from seed and gain, or `weights`) or a cell JSON file (docs/cells-json.md).
  std::string cell = "paragru";
  std::size_t hidden = 16;
  std::size_t input = 2;
  std::size_t length = 1000;
  std::size_t batch = 1;
  std::string method = "newton";
  double tol = 0;  ///< 0: from the precision (default_tol)
  int iters = 0;     ///< > 0: exactly this many iterations
  int max_iter = 0;  ///< 0: T + 1
  std::string init = "f0";
  std::string precision = "fp64";
  int threads = 0;  ///< 0: all
  std::uint64_t seed = 1;
  double gain = 0.9;
  double input_scale = 1.0;
  bool grad = false;  ///< also the gradient of L = Σ_t Σ_i h_t,i, against backpropagation through time
  double sigma2 = 1e8;
  bool reset = false;
  bool check_structure = false;
  std::string weights;  ///< weights of the `cell` kind from a cell JSON file
  std::string inputs;   ///< inputs from a .npy file of shape (T, m) or (B, T, m)
  /// A cell given as a value (a program's, e.g. the Python package's) instead
  /// of `cell` / `weights`: hidden and input are its own.
  std::optional<models::Cell> cell_value;
  /// Inputs given in memory instead of `inputs`: batch × length × width
  /// doubles, row-major, kept alive by the caller for the duration of run().
  struct InputView {
    const double* data = nullptr;
    std::size_t batch = 0, length = 0, width = 0;
  };
  std::optional<InputView> input_values;
  /// Inputs from a file or from memory (else random ones are drawn).
  bool inputs_given() const { return !inputs.empty() || input_values.has_value(); }
  std::string reference = "auto";  ///< the MPFR reference run: auto (small runs), on, off
  bool allow_long = false;         ///< run a solve estimated at more than limits::kMaxSweepSeconds
  std::string device = "cpu";      ///< cpu or cuda
  bool history = false;            ///< the whole residual history is wanted (the device keeps none)
  bool keep_states = false;        ///< Result::states receives the solved states
  /// The options the caller set: a cell file sets hidden and input, and an
  /// inputs file length and batch; a given one must agree with the file.
  struct Given {
    bool hidden = false, input = false, length = false, batch = false, sigma2 = false;
  } given;

  /// The checks that need no file and no work, each an OptionError: sizes
  /// and counts within docs/limits.md first, then names, ranges and
  /// combinations (with device cuda, what the device does not do). run()
  /// calls it first.
  void validate() const;
};

/// The Options of a [[solve]] suite entry: its keys are the long options of
/// `parallax solve` (dashes or underscores), `length` an integer or a list of
/// them (the entry runs once per length; the largest is checked). Checks the
/// type of every value and the names the suite always checked (cell kind or
/// existing file, method, precision, lengths), throwing OptionError whose
/// option is the key as written; call validate() for the rest.
Options options_from_json(const nlohmann::ordered_json& entry);

/// One solve's record: the `parallax solve --json` line and what
/// `--store` stores (under "solve/T=length").
struct Record {
  // the configuration
  std::string cell;
  std::size_t hidden = 0, input = 0;
  std::string structure;
  std::size_t length = 0, batch = 0;
  std::string method, init, precision;  ///< precision resolved at the length
  double tol = 0;
  // the outcome (every sequence: the largest iteration count and error)
  int iterations = 0;
  bool converged = false, diverged = false;
  std::optional<std::string> divergence;  ///< where and what, when diverged
  double max_error_vs_sequential = 0;
  std::optional<double> max_error_vs_reference;  ///< with the MPFR reference
  double seconds_sequential = 0, seconds_solve = 0, speedup = 0;
  std::optional<double> gradient_max_diff_vs_bptt, gradient_max_abs, seconds_gradient_bptt;  ///< with grad

  // CPU only
  int threads = 0;  ///< used (at most one per 16 steps), not requested
  bool stalled = false;
  std::optional<int> resets;  ///< with the reset policy
  double residual = 0;
  std::vector<double> residual_history;  ///< of the first sequence
  double lyapunov = 0;
  std::optional<double> structure_violation;  ///< with check_structure
  std::optional<double> seconds_gradient_implicit;
  std::vector<std::string> events;  ///< saturated, overflow, underflow, invalid

  /// The device's fields (device cuda).
  struct Device {
    std::string gpu;
    std::optional<int> fixed_iters;
    std::vector<int> iterations_per_sequence;
    int converged_sequences = 0, nonfinite_sequences = 0;
    double max_error_vs_device_sequential = 0, device_sequential_vs_cpu = 0;
    double ms_newton = 0, ms_newton_total = 0, ms_sequential = 0, ms_sequential_total = 0;
    double seconds_sequential_cpu = 0, speedup_vs_cpu = 0;
    std::optional<double> adjoint_max_diff_vs_cpu, ms_adjoint, ms_adjoint_total, seconds_gradient_host;  ///< with grad
  };
  std::optional<Device> device;
};

/// The JSON of a record, fields in their fixed order (non-finite numbers as null).
nlohmann::ordered_json to_json(const Record& r);
/// A record from its JSON (to_json(record_from_json(j)) == j); throws
/// RecordFieldError naming a missing or mistyped field.
Record record_from_json(const nlohmann::json& j);

/// What the report reads of a stored solve record: the cell and the length
/// (required), the rest where present (records of earlier versions and
/// hand-written ones may lack them). `status`: converged, diverged, stalled
/// or "not converged". Throws RecordFieldError naming the field.
struct SolvePoint {
  std::string cell, method, precision, status;
  std::size_t hidden = 0, length = 0;
  std::optional<double> iterations, residual, max_error, speedup;
};
SolvePoint solve_point_from_json(const nlohmann::json& j);

/// The store key of a solve's record.
std::string record_key(std::size_t length);

struct Hooks {
  /// Called once the solve is set up and checked, before any work, with the
  /// configuration that determines its record (every option that changes
  /// the values except the length and the thread count) and its key: the
  /// record of an identical earlier solve, or nullopt. A record returned
  /// here is run()'s result (resume).
  std::function<std::optional<Record>(const nlohmann::json& config, const std::string& key)> stored;
  /// The record of a solve that ran, as soon as it is complete.
  std::function<void(const std::string& key, const Record&)> on_record;
  /// Called from the calling thread between sequences, Newton iterations and
  /// the blocks of their scans (CPU runs); it may throw to stop the solve
  /// (e.g. on an interrupt), and the exception reaches run()'s caller.
  std::function<void()> poll;
};

struct Result {
  Record record;
  bool resumed = false;        ///< the record came from Hooks::stored
  std::vector<double> states;  ///< keep_states: batch × length × state_dim
  std::size_t state_dim = 0;
};

/// Validates the options, makes the cell and the inputs, checks the memory
/// and time the solve will take, and runs it (on the device with device
/// cuda). A divergence or a structure violation is in the record, not
/// thrown. Throws OptionError for bad options and files, limits::LimitError
/// for too much memory or time, and the device's kernels::cuda::Unavailable
/// and CudaError.
Result run(const Options& o, const Hooks& hooks = {});

// --- pieces of run(), for its CPU and device paths and for the tests ---------

/// The cell of cell / weights / hidden / input / seed / gain (OptionError
/// for a bad file or weights that overflow).
models::Cell make_cell(const Options& o);

/// Inputs batch × len × m: random N(0, input_scale²) from the seed, or the
/// inputs file (which sets batch and len).
std::vector<double> make_inputs(const Options& o, const models::Cell& c, std::size_t& batch, std::size_t& len);

/// The solver settings of the options; tolerances are set from the resolved
/// precision (default_tol) and threads from the options.
parallax::solve::SolveOptions solver_options(const Options& o);
/// The fields of a record that say what was solved: the cell, the sizes, the
/// method, the initial guess, the precision and the tolerance.
void describe_solve(Record& rec, const models::Cell& cell, std::size_t length, std::size_t batch,
                    const parallax::solve::SolveOptions& so, const numeric::Precision& p);

/// Whether the MPFR reference run is on: reference on, or auto for small runs.
bool reference_on(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len);

/// Threads the per-step work of a solve of len steps runs on (solve's
/// parallel_chunks: at most one per 16 steps), for the record.
int threads_used(const Options& o, std::size_t len);

/// 2^(−0.8·M) for an M-bit significand.
double default_tol(const numeric::Precision& p, std::size_t len);

/// Bits of the MPFR reference run: 4× the significand, at least 200.
int reference_bits(const numeric::Precision& p);

/// Estimated bytes of a solve of `batch` sequences of `len` steps: inputs and
/// states, the Jacobians A_t (len·n·k for the method's block size k: n², per
/// step, for deer and elk), the Kalman smoother's scratch, the gradient's tape,
/// the MPFR reference, the kept states; `device`: the host arrays of device cuda.
std::uint64_t estimated_bytes(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                              const parallax::solve::SolveOptions& so, const numeric::Precision& p, bool reference,
                              bool device);

/// Estimated seconds of a solve, a lower bound: the iterations it will at
/// least run (iters; 1 for sequential; else 2 + log2 T, what Newton needs
/// near convergence, not the T + 1 it may take) of the cell evaluations and
/// the scan of the method's k×k Jacobian blocks (2·n·k² per step), plus the
/// MPFR reference, at a measured speed per thread of each arithmetic.
/// `iterations` receives the iteration count assumed.
double estimated_seconds(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                         const parallax::solve::SolveOptions& so, const numeric::Precision& p, bool reference,
                         int& iterations);

/// limits::check_memory of estimated_bytes, naming the options that size it.
void check_memory(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                  const parallax::solve::SolveOptions& so, const numeric::Precision& p, bool reference, bool device);

/// Refuses (limits::LimitError) a solve whose estimated_seconds exceed
/// limits::kMaxSweepSeconds unless allow_long, naming the options that size it.
void check_time(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                const parallax::solve::SolveOptions& so, const numeric::Precision& p, bool reference);

/// max |H − H_ref| for the sequential run H_ref of the inputs Xd (len × m, one
/// sequence) at `bits` bits of MPFR precision.
double reference_error(const models::Cell& cell, const std::vector<double>& Xd, std::size_t len,
                       const std::vector<double>& Hd, int bits);

/// The configuration of a stored solve (Hooks::stored).
nlohmann::json store_config(const Options& o, const models::Cell& cell, std::size_t batch,
                            const numeric::Precision& prec);

/// The result of an identical earlier solve of `len` steps, from
/// Hooks::stored (resume), or nullopt when there is none (or no hook).
std::optional<Result> stored_result(const Options& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                                    const numeric::Precision& prec, const Hooks& hooks);

/// run() with device cuda (solve_device.cpp), after validate().
Result run_on_device(const Options& o, const Hooks& hooks);

}  // namespace parallax::experiment::solve
