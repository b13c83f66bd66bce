// `parallax reduce`: reduce generated (or given) instances of a problem to
// one of its constructions and check the model's answers against the
// reference solver, per length and precision (experiment/reduce.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common.hpp"
#include "cli/experiment_output.hpp"
#include "cli/progress.hpp"
#include "cli/store_link.hpp"
#include "experiment/instances.hpp"
#include "experiment/lengths.hpp"
#include "experiment/reduce.hpp"
#include "experiment/store.hpp"
#include "reductions/problem.hpp"
#include "models/json_positions.hpp"

namespace parallax::cli {
namespace {

struct ReduceOpts {
  FormatFlags fmt;
  std::string problem, construction, input;
  std::string lengths = experiment::reduce::kDefaultLengths;
  std::string precisions = "fp32";
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  int jobs = 1;
  SweepFlags sweep;
};

/// --input: one instance per line (experiment/instances.hpp), evaluated at
/// every precision, each resolved at the instance's own size (its token
/// count); one record per instance and precision. Malformed lines are
/// reported and skipped, and the command then exits 2 after printing the
/// records of the others.
void run_input(const ReduceOpts& o, const reductions::Problem& p, const std::vector<numeric::Precision>& precisions) {
  const auto text = models::read_text_file(o.input);
  if (!text) throw CliError(kBadInput, fmt::format("--input {}: cannot open the instance file", o.input));
  Records r({"id", "n", "precision", "format", "answer", "reference", "correct"});
  std::istringstream lines(*text);
  std::string line;
  std::size_t skipped = 0, wrong = 0;
  for (std::size_t no = 1; std::getline(lines, line); ++no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      for (const auto& a : experiment::answer_instance(p, o.construction, precisions, line, o.input, no)) {
        wrong += !a.correct();
        r.add({{"id", a.id},
               {"n", a.n},
               {"precision", a.precision},
               {"format", a.format},
               {"answer", a.decision == models::Verdict::Undecided ? nlohmann::ordered_json(models::to_string(a.decision))
                                                                   : nlohmann::ordered_json(a.decision == models::Verdict::Accept)},
               {"reference", a.reference},
               {"correct", a.correct()}});
      }
    } catch (const reductions::ProblemError& e) {
      std::string msg = e.what();
      if (!msg.starts_with(o.input)) msg = fmt::format("{}:{}: {}", o.input, no, msg);
      std::cerr << "parallax: skipped " << msg << '\n';
      ++skipped;
    }
  }
  r.print(o.fmt.format());
  if (skipped) throw CliError(kBadInput, fmt::format("--input {}: {} malformed line(s) skipped", o.input, skipped));
  if (o.sweep.check && wrong) throw CliError(kFailure, fmt::format("--check: {} instance(s) answered wrongly", wrong));
}

void run(const ReduceOpts& o) {
  experiment::reduce::Options ro;
  ro.problem = o.problem;
  ro.construction = o.construction;
  ro.precisions = parse_precision_list(o.precisions);
  if (o.input.empty()) {  // an instance file is read and answered, not swept
    try {
      ro.lengths = experiment::parse_lengths(o.lengths);
    } catch (const std::invalid_argument& e) {
      throw CliError(kBadInput, fmt::format("--lengths: {}", e.what()));
    }
  }
  ro.trials = o.trials;
  ro.seed = o.seed;
  ro.jobs = o.jobs;
  o.sweep.apply_to(ro);
  validate_options(ro);
  const auto p = reductions::make_problem(o.problem);
  if (ro.construction.empty()) ro.construction = p->info().constructions.front().name;
  if (!o.input.empty()) {
    // the sweep's options do not apply
    if (!o.sweep.store.empty())
      throw CliError(kBadInput,
                     "--input: --store keeps generated instances (--lengths), not an instance file; give one of them");
    if (o.sweep.min_bits)
      throw CliError(kBadInput,
                     "--input: --min-bits searches over generated instances (--lengths), not an instance file");
    ReduceOpts io = o;
    io.construction = ro.construction;
    run_input(io, *p, ro.precisions);
    return;
  }
  experiment::reduce::Hooks hooks;
  StoreLink link;
  if (!o.sweep.store.empty()) {
    link.open(o.sweep.store, "reduce", experiment::reduce::config(*p, ro), ro.seed);
    hooks = experiment::reduce::store_hooks(link.results("reduce"));
  }
  ProgressBar bar("tok");
  if (bar.active()) hooks.progress = [&bar](const experiment::reduce::Progress& pr) { bar.update(pr.done, pr.total, pr.stage); };
  experiment::reduce::Report rep;
  try {
    rep = experiment::reduce::run(*p, ro, hooks);
  } catch (const reductions::ProblemError& e) {
    throw CliError(kBadInput, e.what());
  } catch (const numeric::PrecisionError& e) {
    throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  bar.clear();
  link.finish();
  const Format f = o.fmt.format();
  std::vector<std::string> columns = {"problem", "construction", "n", "precision", "format", "trials", "yes", "correct",
                                      "accuracy", "undecided", "overflow", "scan_agree", "max_error", "ns_per_token",
                                      "first_failing_seed"};
  // the per-position check of a stepwise problem: always in CSV (fixed
  // columns), in the table only where a record has one
  const bool steps = std::any_of(rep.records.begin(), rep.records.end(), [](const auto& r) { return r.steps.has_value(); });
  if (steps || f == Format::Csv)
    for (const char* c : {"step_check", "step_accuracy", "first_wrong_step"}) columns.push_back(c);
  Records acc(columns);
  std::size_t failures = 0, wrong_positions = 0;
  for (const auto& r : rep.records) {
    failures += r.trials - r.correct;
    if (r.steps) wrong_positions += r.steps->positions - r.steps->correct;
    nlohmann::ordered_json row;
    row["record"] = "accuracy";
    const auto fields = experiment::to_json(r);
    for (const auto& [k, v] : fields.items()) row[k] = v;
    if (!r.scan_checked) row["scan_agree"] = "-";
    if (!std::isfinite(r.max_error)) row["max_error"] = std::isnan(r.max_error) ? "nan" : "inf";
    if (!r.first_failing_seed) row["first_failing_seed"] = "-";
    if (f == Format::Table)
      for (const char* c : {"step_check", "step_accuracy", "first_wrong_step"})
        if (row[c].is_null()) row[c] = "-";
    acc.add(std::move(row));
  }
  acc.print(f);
  print_min_bits(rep.min_bits, {{"problem", p->info().name}, {"construction", ro.construction}}, f, o.sweep.max_bits);
  if (o.sweep.check && (failures || wrong_positions))
    throw CliError(kFailure, failures && wrong_positions
                                 ? fmt::format("--check: {} trial(s) answered wrongly, and {} position(s) wrong", failures,
                                               wrong_positions)
                             : failures ? fmt::format("--check: {} trial(s) answered wrongly", failures)
                                        : fmt::format("--check: {} position(s) wrong (every final answer right)",
                                                      wrong_positions));
}

}  // namespace

void add_reduce(CLI::App& app) {
  auto* cmd = app.add_subcommand("reduce",
                                 "Reduce instances of a problem to a construction's model and check the answers against "
                                 "the reference solver, per length and precision");
  auto o = std::make_shared<ReduceOpts>();
  cmd->add_option("--problem", o->problem, "A problem of `parallax problems`: " + reductions::problem_names_summary())->required();
  cmd->add_option("--construction", o->construction, "One of the problem's constructions (default: its first)");
  cmd->add_option("--lengths", o->lengths, "Instance sizes: 8,16,32 or 8..65536x2 or 10..50+10")->capture_default_str();
  cmd->add_option("--precision", o->precisions, "Comma-separated precisions, e.g. exact,fp32,log:2")->capture_default_str();
  cmd->add_option("--trials", o->trials, "Instances per length, half yes and half no")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed (trial k of length n uses a seed derived from it, shown for failures)")->capture_default_str();
  cmd->add_option("--jobs", o->jobs, "Threads over trials (the records do not depend on it)")->capture_default_str();
  cmd->add_option(
      "--input", o->input,
      "Instances from a JSON Lines file (docs/problems.md): one record per instance and precision, log:C and "
      "poly:K resolved at the instance's token count; malformed lines are reported and skipped, then exit 2");
  o->sweep.add_to(*cmd);
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
