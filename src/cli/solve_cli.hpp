#pragma once
// The options of `parallax solve` and the helpers its CPU path (cmd_solve.cpp)
// and its CUDA path (cmd_solve_cuda.cpp) share.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/store_link.hpp"
#include "models/cell.hpp"
#include "numeric/precision.hpp"
#include "solve/newton.hpp"

namespace parallax::cli {

struct SolveCliOpts {
  FormatFlags fmt;
  std::string cell = "paragru";
  std::size_t hidden = 16;
  std::size_t input = 2;
  std::size_t length = 1000;
  std::size_t batch = 1;
  std::string method = "newton";
  double tol = 0;  // 0: from the precision
  int iters = 0;
  int max_iter = 0;
  std::string init = "f0";
  std::string precision = "fp64";
  int threads = 0;
  std::uint64_t seed = 1;
  double gain = 0.9;
  double input_scale = 1.0;
  bool grad = false;
  double sigma2 = 1e8;
  bool reset = false;
  bool check_structure = false;
  std::string weights;
  std::string inputs;
  std::string dump_states;
  std::string reference = "auto";
  bool show_history = false;
  bool allow_long = false;
  std::string store;
  std::string device = "cpu";
};

/// Which options the user gave (CLI11 counts).
struct SolveGiven {
  bool hidden = false, input = false, length = false, batch = false, sigma2 = false, threads = false;
};

namespace solve_cli {

/// The configuration of a stored solve: every option that changes the
/// record's values except the length (its result key) and the thread count.
nlohmann::json store_config(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, const numeric::Precision& prec);

double seconds_since(std::chrono::steady_clock::time_point t0);

/// With --store: opens the store and, when this configuration's result is
/// there, prints it and returns true (a resumed run; throws for a stored
/// divergence). --dump-states is refused with --store.
bool resume_stored_solve(StoreLink& link, const SolveCliOpts& o, const models::Cell& cell, std::size_t batch,
                         const numeric::Precision& prec, const std::string& key);

/// The fields every solve record starts with: cell, sizes, method, initial
/// guess, precision and tolerance.
nlohmann::ordered_json solve_record_head(const models::Cell& cell, std::size_t len, std::size_t batch,
                                         const solve::SolveOptions& so, const numeric::Precision& p);

/// The cell of --cell / --weights / --hidden / --input-size / --seed / --gain.
models::Cell make_cell(const SolveCliOpts& o, bool hidden_given, bool input_given);

/// Inputs B × T × m: random N(0, 1) from the seed, or a .npy file of shape
/// (T, m) or (B, T, m) (which sets batch and len).
std::vector<double> make_inputs(const SolveCliOpts& o, const models::Cell& c, std::size_t& batch, std::size_t& len,
                                bool length_given, bool batch_given);

/// The solver settings of the options (method, initial guess, iteration
/// limits, damping, reset, structure check) and the parsed --precision;
/// CliError (exit 2) names a bad value. Tolerances and threads are set by the caller.
solve::SolveOptions parse_solve_options(const SolveCliOpts& o, numeric::Precision& precision);

/// The option sizes alone, before the cell is made (limits::LimitError or
/// CliError, exit 2, naming the option): --hidden and --input-size up to
/// limits::kMaxModelDim and a random cell's parameters up to
/// limits::kMaxParameters, --length up to limits::kMaxLength, --batch up to
/// limits::kMaxTrials, --threads up to limits::kMaxThreads, --iters and
/// --max-iter up to limits::kMaxIterations, --tol below 1.
void check_solve_options(const SolveCliOpts& o, bool input_given);

/// Estimated bytes of a solve of `batch` sequences of `len` steps: inputs and
/// states, the Jacobians A_t (len·n·k for the method's block size k: n², per
/// step, for deer and elk), the Kalman smoother's scratch, the gradient's tape,
/// the MPFR reference, --dump-states; `device`: the host arrays of --device cuda.
std::uint64_t solve_bytes(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                          const solve::SolveOptions& so, const numeric::Precision& p, bool reference, bool device);

/// limits::check_memory of solve_bytes, naming the options that size it.
void check_solve_memory(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                        const solve::SolveOptions& so, const numeric::Precision& p, bool reference, bool device);

/// Estimated seconds of a solve, a lower bound: the iterations it will at
/// least run (--iters; 1 for sequential; else 2 + log2 T, what Newton needs
/// near convergence, not the T + 1 it may take) of the cell evaluations and
/// the scan of the method's k×k Jacobian blocks (2·n·k² per step), plus the
/// MPFR reference, at a measured speed per thread of each arithmetic.
/// `iterations` receives the iteration count assumed.
double solve_seconds(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                     const solve::SolveOptions& so, const numeric::Precision& p, bool reference, int& iterations);

/// Refuses (limits::LimitError, exit 2) a solve whose solve_seconds exceed
/// limits::kMaxSweepSeconds unless --allow-long, naming the options that size it.
void check_solve_time(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len,
                      const solve::SolveOptions& so, const numeric::Precision& p, bool reference);

/// Whether the MPFR reference run is on: --reference on, or auto for small runs.
bool reference_on(const SolveCliOpts& o, const models::Cell& cell, std::size_t batch, std::size_t len);

/// Threads the per-step work of a solve of len steps runs on (solve's
/// parallel_chunks: at most one per 16 steps), for the record.
int solve_threads_used(const SolveCliOpts& o, std::size_t len);

/// 2^(−0.8·M) for an M-bit significand.
double default_tol(const numeric::Precision& p, std::size_t len);

/// Bits of the MPFR reference run: 4× the significand, at least 200.
int reference_bits(const numeric::Precision& p);

/// max |H − H_ref| for the sequential run H_ref of the inputs Xd (len × m, one
/// sequence) at `bits` bits of MPFR precision.
double reference_error(const models::Cell& cell, const std::vector<double>& Xd, std::size_t len, const std::vector<double>& Hd,
                       int bits);

}  // namespace solve_cli

/// `solve --device cuda` (cmd_solve_cuda.cpp).
void run_solve_cuda(const SolveCliOpts& o, const SolveGiven& given);

}  // namespace parallax::cli
