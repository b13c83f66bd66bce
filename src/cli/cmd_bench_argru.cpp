// `parallax bench argru`: the command-line adapter of the ELK paper's hard
// case — a GRU trained on a noisy sine wave, run on its own output — solved
// by DEER, quasi-DEER, ELK and quasi-ELK against the sequential recurrence
// (bench/argru.hpp).
#include <fmt/format.h>

#include <cmath>

#include "bench/argru.hpp"
#include "cli/common.hpp"
#include "cli/progress.hpp"
#include "numeric/output.hpp"

namespace parallax::cli {
namespace {

struct BenchArGruOpts {
  FormatFlags fmt;
  bench::ArGruOptions a;
  std::string save_cell;
};

void run_bench_argru(const BenchArGruOpts& o) {
  bench::check_argru_sizes(o.a);
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
  Records rec(bench::argru_columns());
  for (const auto& r : result.rows) rec.add(bench::to_json(r, result));
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
