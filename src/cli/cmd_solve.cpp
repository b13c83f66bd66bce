// `parallax solve`: the command-line adapter of the solve experiment
// (experiment/solve.hpp): options in, one record out as a table, JSON or CSV;
// --store resumes and keeps the record, --dump-states writes the states.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "cli/common.hpp"
#include "cli/device.hpp"
#include "cli/store_link.hpp"
#include "experiment/npy.hpp"
#include "experiment/solve.hpp"
#include "numeric/output.hpp"

namespace parallax::cli {
namespace {

namespace xs = experiment::solve;

struct SolveCliOpts {
  xs::Options x;
  FormatFlags fmt;
  std::string dump_states;
  std::string store;
};

void print_record(const SolveCliOpts& o, const xs::Record& r) {
  if (o.fmt.format() == Format::Json) {
    fmt::print("{}\n", xs::to_json(r).dump());
    return;
  }
  if (r.device) return print_solve_cuda(r, o.fmt.format());
  if (o.fmt.format() == Format::Csv)
    return print_csv_record(xs::to_json(r), {"cell", "hidden", "length", "batch", "method", "precision", "iterations",
                                             "converged", "residual", "max_error_vs_sequential", "lyapunov",
                                             "seconds_sequential", "seconds_solve", "speedup"});
  fmt::print("cell        {} (hidden {}, input {}, Jacobian {})\n", r.cell, r.hidden, r.input, r.structure);
  fmt::print("sequences   {} × T = {}\n", r.batch, r.length);
  fmt::print("method      {} from {}, tol {:.3g}, {} threads, {}\n", r.method, r.init, r.tol, r.threads, r.precision);
  fmt::print("iterations  {}{}\n", r.iterations,
             r.diverged ? "  DIVERGED" : r.converged ? "  converged" : r.stalled ? "  stalled: small steps, residual not small" : "  not converged");
  const auto& hist = r.residual_history;
  std::vector<std::string> h;
  const std::size_t show = o.x.history ? hist.size() : std::min<std::size_t>(hist.size(), 12);
  for (std::size_t i = 0; i < show; ++i) h.push_back(fmt::format("{:.2e}", hist[i]));
  if (show < hist.size()) h.push_back(fmt::format("… {:.2e}", hist.back()));
  fmt::print("residual    {}\n", fmt::join(h, " "));
  fmt::print("error       {:.3e} vs sequential at {}", r.max_error_vs_sequential, r.precision);
  if (r.max_error_vs_reference)
    fmt::print(", {:.3e} vs a {}-bit MPFR run", *r.max_error_vs_reference,
               xs::reference_bits(numeric::Precision::parse(r.precision)));
  fmt::print("\n");
  fmt::print("lyapunov    {:.4f} per step (largest exponent along the sequential trajectory)\n", r.lyapunov);
  if (r.structure_violation)
    fmt::print("structure   largest Jacobian entry outside the {} structure: {:.3g}\n", r.structure, *r.structure_violation);
  fmt::print("time        sequential {:.6f} s, {} {:.6f} s, speed-up {:.2f}×\n", r.seconds_sequential, r.method, r.seconds_solve,
             r.speedup);
  if (r.gradient_max_diff_vs_bptt)
    fmt::print("gradient    of Σ h: implicit {:.6f} s, backprop through time {:.6f} s, largest difference {:.3e} (largest entry {:.3e})\n",
               *r.seconds_gradient_implicit, *r.seconds_gradient_bptt, *r.gradient_max_diff_vs_bptt, *r.gradient_max_abs);
  if (!r.events.empty()) fmt::print("events      {}\n", fmt::join(r.events, ", "));
  if (r.diverged) fmt::print("divergence  {}\n", *r.divergence);
}

void run_solve(const SolveCliOpts& o) {
  StoreLink link;
  xs::Hooks hooks;
  if (!o.store.empty()) {
    hooks.stored = [&](const nlohmann::json& config, const std::string& key) -> std::optional<xs::Record> {
      if (!o.dump_states.empty()) throw CliError(kBadInput, "--store keeps the solve's record; give --dump-states without --store");
      link.open(o.store, "solve", config, o.x.seed);
      const auto* stored = link.find(key);
      if (!stored) return std::nullopt;
      try {
        return experiment::read_stored(experiment::stored_place(o.store, link.run(), "solve", key),
                                       [&] { return xs::record_from_json(*stored); });
      } catch (const experiment::StoreError& e) {
        throw store_error(e);
      }
    };
    hooks.on_record = [&](const std::string& key, const xs::Record& r) { link.put("solve", key, xs::to_json(r)); };
  }
  xs::Result res;
  try {
    res = with_cuda_errors([&] { return xs::run(o.x, hooks); });
  } catch (const xs::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
  const xs::Record& r = res.record;
  if (link.active()) link.finish();
  if (res.resumed) {  // solved before with this configuration
    if (o.fmt.format() == Format::Json) fmt::print("{}\n", xs::to_json(r).dump());
    else fmt::print("stored      {} (run {}): {} iterations, {}, speed-up {:.2f}×\n", o.store, link.run(), r.iterations,
                    r.converged ? "converged" : "not converged", std::isfinite(r.speedup) ? r.speedup : 0.0);
    if (r.diverged) throw CliError(kFailure, "the solver diverged (stored result)");
    return;
  }
  if (!o.dump_states.empty()) {
    try {
      experiment::write_npy(o.dump_states, {r.batch, r.length, res.state_dim}, res.states.data(), r.precision == "fp32");
    } catch (const experiment::NpyError& e) {  // the path was checked before the solve: a failed write (exit 1)
      throw CliError(kFailure, r.device ? e.what() : fmt::format("error: {}", e.what()));
    }
  }
  print_record(o, r);
  if (r.diverged)  // ELK diverges when σ² is too large for it to damp (the default 1e8 is nearly DEER)
    throw CliError(kFailure, "the solver diverged: " + *r.divergence +
                                 (r.device                               ? " (try a smaller --gain)"
                                  : r.method.find("elk") != r.method.npos ? " (try a smaller --sigma2, a smaller --gain, or --reset)"
                                                                          : " (try --method elk, a smaller --gain, or --reset)"));
  if (r.structure_violation && *r.structure_violation > 0)
    throw CliError(kFailure, fmt::format("the cell's Jacobian has entries outside its declared {} structure (largest {:.3g})",
                                         r.structure, *r.structure_violation));
}

}  // namespace

void add_solve(CLI::App& app) {
  auto o = std::make_shared<SolveCliOpts>();
  auto& x = o->x;
  const CLI::Range kSize(std::size_t{1}, std::size_t{1} << 40);
  auto* cmd = app.add_subcommand("solve", "Evaluate a nonlinear RNN in parallel by Newton's method (DEER, ELK, ParaRNN) and compare with the sequential run");
  cmd->add_option("--cell", x.cell,
                  "elman, gru, lstm, paragru, paralstm, argru (random weights from --seed and --gain, or --weights FILE), or a cell JSON file (docs/cells-json.md)")
      ->capture_default_str();
  auto* hid = cmd->add_option("--hidden,-d", x.hidden, "Hidden units")->capture_default_str()->check(kSize);
  auto* inp = cmd->add_option("--input-size,-m", x.input, "Input size")->capture_default_str()->check(kSize);
  auto* len = cmd->add_option("--length,-T", x.length, "Sequence length")->capture_default_str()->check(kSize);
  auto* bat = cmd->add_option("--batch,-B", x.batch, "Independent sequences")->capture_default_str()->check(kSize);
  cmd->add_option("--method", x.method, "sequential, jacobi, deer, quasi-deer, newton, elk, quasi-elk")->capture_default_str();
  cmd->add_option("--tol", x.tol, "Stop when |Δh| ≤ tol + tol·|h| everywhere (default: 2^(−0.8·M) for an M-bit significand)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--iters", x.iters, "Run exactly this many iterations (ParaRNN runs 3), no tolerance test")->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-iter", x.max_iter, "Give up after this many iterations (default T + 1)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--init", x.init, "Initial guess: zeros, f0 (f(0, x_t) at every t) or jacobi:K")->capture_default_str();
  cmd->add_option("--precision,-p", x.precision, "fp64, fp32, bf16, fp16, float:M:E or log:C (see `parallax precisions`)")->capture_default_str();
  cmd->add_option("--threads", x.threads, "Threads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", x.seed, "Seed of the random weights and inputs")->capture_default_str();
  cmd->add_option("--gain", x.gain, "Scale of the random recurrent weights: < 1 contractive, ≫ 1 chaotic")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--input-scale", x.input_scale, "Standard deviation of the random inputs")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--grad", x.grad, "Also the gradient of L = Σ_t Σ_i h_t,i by implicit differentiation at the solution, against backpropagation through time (fp64, fp32)");
  cmd->add_option("--sigma2", x.sigma2, "ELK: damping λ = 1/σ²")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--reset", x.reset, "On divergence reset non-finite or exploded states to the initial guess and go on");
  cmd->add_flag("--allow-long", x.allow_long,
                "Run a solve estimated to take more than 8 hours (refused otherwise, docs/limits.md)");
  cmd->add_flag("--check-structure", x.check_structure, "Verify the cell's declared Jacobian structure against the dense Jacobian");
  cmd->add_option("--weights", x.weights, "Weights of the --cell kind from a cell JSON file");
  cmd->add_option("--inputs", x.inputs, "Inputs as a .npy array of shape (T, m) or (B, T, m)");
  cmd->add_option("--dump-states", o->dump_states, "Write the solved states as a .npy array of shape (B, T, n)");
  cmd->add_option("--reference", x.reference, "Error against a high-precision MPFR sequential run: auto (small runs), on, off")->capture_default_str();
  cmd->add_flag("--history", x.history, "Print the whole residual history");
  cmd->add_option("--store", o->store,
                  "SQLite result store (docs/store.md): the record is stored under its length; a rerun of the same "
                  "configuration prints the stored record instead of solving again (resume)");
  add_device_option(*cmd, x.device);
  o->fmt.add_to(*cmd);
  cmd->callback([o, hid, inp, len, bat, cmd] {
    auto& g = o->x.given;
    g.hidden = hid->count() > 0, g.input = inp->count() > 0, g.length = len->count() > 0, g.batch = bat->count() > 0,
    g.sigma2 = cmd->count("--sigma2") > 0;
    o->x.keep_states = !o->dump_states.empty();
    if (!o->dump_states.empty()) io::check_output_path(o->dump_states, "--dump-states");  // before the solve
    run_solve(*o);
  });
}

}  // namespace parallax::cli
