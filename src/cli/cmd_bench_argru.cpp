// `parallax bench argru`: the ELK paper's hard case — a GRU trained on a
// noisy sine wave, run on its own output — solved by DEER, quasi-DEER, ELK
// and quasi-ELK against the sequential recurrence (bench/argru.hpp).
#include <fmt/format.h>

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "bench/argru.hpp"
#include "cli/common.hpp"
#include "cli/progress.hpp"
#include "experiment/json_number.hpp"
#include "numeric/limits.hpp"
#include "numeric/output.hpp"

namespace parallax::cli {
namespace {

struct BenchArGruOpts {
  FormatFlags fmt;
  bench::ArGruOptions a;
  std::string save_cell;
};

using experiment::number_or_null;

/// The sizes, before the training: --threads up to limits::kMaxThreads, at most
/// limits::kMaxListItems --sigma2 values, and the memory of the largest phase:
/// the training's tapes (backpropagation through every step of a training
/// sequence, one per thread) or a dense solve (DEER and ELK hold a d×d
/// Jacobian per step of the autoregressive run, ELK's smoother as much again).
void check_argru_sizes(const BenchArGruOpts& o) {
  using limits::add;
  using limits::mul;
  limits::check_count(static_cast<std::uint64_t>(std::max(o.a.threads, 0)), limits::kMaxThreads, "--threads");
  limits::check_count(o.a.sigma2.size(), limits::kMaxListItems, "--sigma2 (the number of values)");
  const bench::ArGruOptions a = bench::effective_options(o.a);
  const std::uint64_t d = a.hidden, T = a.eval_length, L = a.train_length;
  const std::uint64_t params = add(mul(3, add(mul(d, d), mul(2, d))), add(d, 1));
  const std::uint64_t threads = std::min<std::uint64_t>(a.batch, a.threads > 0 ? std::uint64_t(a.threads) : std::uint64_t(omp_get_max_threads()));
  const std::uint64_t training = mul(mul(threads, L), mul(add(mul(3, params), mul(32, d)), 32));
  const std::uint64_t solving = mul(mul(T, add(mul(2, mul(d, d)), mul(10, d))), 8);
  const std::uint64_t bytes = std::max(training, solving);
  limits::check_memory(add(bytes, bytes / 4), fmt::format("bench argru (--hidden {}, --eval-length {}, --train-length {})", d, T, L));
}

void run_bench_argru(const BenchArGruOpts& o) {
  check_argru_sizes(o);
  if (!o.save_cell.empty()) io::check_output_path(o.save_cell, "--save-cell");  // before the training
  ProgressBar bar("phases");
  int phase = 0;
  const auto result = bench::run_argru_bench(o.a, [&](const std::string& what) {
    bar.update(phase, phase + 1, what);
    ++phase;
  });
  bar.update(1, 1, "done");
  if (!o.save_cell.empty()) io::write_file_atomic(o.save_cell, models::cell_to_json(result.training.argru()));
  const auto& h = result.training.loss_history;
  Records rec({"method", "sigma2", "iterations", "outcome", "diverged_at", "max_error", "final_residual", "seconds",
               "speedup", "hidden", "T", "lyapunov", "loss_first", "loss_last"});
  for (const auto& r : result.rows) {
    nlohmann::ordered_json row;
    row["method"] = r.method;
    row["sigma2"] = number_or_null(r.sigma2);
    row["iterations"] = r.iterations;
    row["outcome"] = r.diverged ? "diverged" : r.converged ? "converged" : r.stalled ? "stalled" : "not converged";
    row["diverged_at"] = r.diverged ? nlohmann::ordered_json(r.diverged_at) : nlohmann::ordered_json();
    row["max_error"] = number_or_null(r.max_error);
    row["final_residual"] = number_or_null(r.final_residual);
    row["seconds"] = r.seconds;
    row["speedup"] = r.seconds > 0 ? result.seconds_sequential / r.seconds : 0.0;
    row["hidden"] = result.options.hidden;
    row["T"] = result.options.eval_length;
    row["lyapunov"] = result.lyapunov;
    row["loss_first"] = h.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(h.front());
    row["loss_last"] = h.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(h.back());
    rec.add(row);
  }
  if (o.fmt.format() == Format::Table) {
    fmt::print("trained     GRU d = {}, {} Adam steps: loss {:.4g} → {:.4g} ({:.1f} s)\n", result.options.hidden, h.size(),
               h.empty() ? NAN : h.front(), h.empty() ? NAN : h.back(), result.seconds_training);
    fmt::print("run         autoregressively for T = {} with sampling noise {}: sequential {:.4f} s, Lyapunov {:.4f} per step\n",
               result.options.eval_length, result.options.sample_noise, result.seconds_sequential, result.lyapunov);
    if (!o.save_cell.empty()) fmt::print("saved       {} (parallax solve --cell {} …)\n", o.save_cell, o.save_cell);
  }
  rec.print(o.fmt.format());
}

}  // namespace

void add_bench_argru(CLI::App& bench) {
  auto o = std::make_shared<BenchArGruOpts>();
  auto* cmd = bench.add_subcommand("argru", "Train a GRU on a noisy sine, run it on its own output, and compare DEER, quasi-DEER, ELK and quasi-ELK");
  auto& a = o->a;
  cmd->add_flag("--quick", a.quick, "Small sizes (seconds), for a smoke test");
  cmd->add_option("--hidden,-d", a.hidden, "GRU units")->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--train-steps", a.train_steps, "Adam steps")->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd->add_option("--train-length", a.train_length, "Predictions per training sequence")->capture_default_str()->check(CLI::Range(2, 1000000));
  cmd->add_option("--eval-length,-T", a.eval_length, "Length of the autoregressive run")->capture_default_str()->check(CLI::Range(1, 100000000));
  cmd->add_option("--period", a.period, "Steps per sine period")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--sample-noise", a.sample_noise, "Std of the noise added to the fed-back output")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--sigma2", a.sigma2, "ELK trust-region sizes σ² (λ = 1/σ²)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-iter", a.max_iter, "Iteration cap of every solver")->capture_default_str()->check(CLI::Range(1, 10000000));
  cmd->add_option("--threads", a.threads, "Threads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a.seed, "Seed of the weights, the training data and the sampling noise")->capture_default_str();
  cmd->add_option("--save-cell", o->save_cell, "Write the trained autoregressive cell as a cell JSON file (docs/cells-json.md)");
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run_bench_argru(*o); });
}

}  // namespace parallax::cli
