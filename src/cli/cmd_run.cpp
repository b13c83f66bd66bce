// `parallax run`: the main job. Runs a suite of experiments (a TOML file, or
// the built-in default suite) into DIR/results.sqlite and writes the report
// (expressivity, depth, precision and Newton tables, plots) into DIR.
//
// The suite's checks, its units and the loop that runs them are
// experiment/suite_run.hpp; this file hands it the subcommands' options as
// CLI11 registered them (cli/commands.hpp), runs each unit as a child
// `parallax` process (experiment/child_process.hpp), prints the progress, and
// writes the report (report/suite_report.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "automata/taxonomy.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "experiment/child_process.hpp"
#include "experiment/suite_run.hpp"
#include "report/render.hpp"
#include "report/suite_report.hpp"

namespace parallax::cli {
namespace {

namespace fs = std::filesystem;

struct RunOpts {
  std::string suite;
  std::string out = "parallax-run";
  int jobs = 0;
  bool quick = false;
  bool print_default = false;
  bool dry_run = false;
  bool no_plots = false;
  std::string formats = "md,html,tex,csv";
};

void run_suite(CLI::App& app, const RunOpts& o) {
  if (o.print_default) {
    std::cout << experiment::default_suite_toml();
    return;
  }
  experiment::SuiteRunOptions opts{o.out, o.jobs > 0 ? o.jobs : int(std::max(1u, std::thread::hardware_concurrency())),
                                 PARALLAX_VERSION};
  experiment::Suite suite;
  std::vector<std::string> formats;
  std::vector<experiment::SuiteUnit> units;
  try {
    suite = experiment::load_suite(o.suite, o.quick);
    if (o.jobs < 0 || o.jobs > 256) throw CliError(kBadInput, "--jobs must be from 1 to 256 (0: one per core)");
    try {
      formats = report::parse_formats(o.formats);
    } catch (const std::exception& e) {
      throw CliError(kBadInput, fmt::format("--format: {}", e.what()));
    }
    units = experiment::plan_suite(suite, suite_commands(app), opts.store_path());
  } catch (const experiment::SuiteError& e) {
    throw CliError(kBadInput, e.what());
  }
  if (o.dry_run) {
    for (const auto& u : units) fmt::print("{}\n", experiment::command_line(u));
    return;
  }
  const fs::path dir(o.out);
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) throw CliError(kBadInput, fmt::format("--out {}: cannot create the directory ({})", o.out, ec.message()));
  const std::string suite_name = experiment::suite_name(suite);
  experiment::SuiteChildren children;  // this executable, one child per unit
  experiment::SuiteRunHooks hooks = children.hooks();
  hooks.started = [&] {
    std::cerr << fmt::format("parallax run: {} ({}{}), {} entries in {} units, {} at a time, into {}\n", suite_name,
                             suite.file, suite.quick ? ", quick" : "", suite.entries.size(), units.size(), opts.jobs,
                             opts.store_path());
  };
  hooks.unit_ended = [](const experiment::SuiteUnitEnd& u) {
    const std::string status = u.exit_code == 0 ? "ok" : fmt::format("FAILED (exit {})", u.exit_code);
    std::cerr << fmt::format("[{}/{}] {:7.1f} s  {}  {}\n", u.done, u.total, u.seconds, u.unit->label, status);
  };
  experiment::SuiteOutcome run;
  try {
    run = experiment::run_suite(suite, units, opts, hooks);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  const auto& failed = run.failed;
  const double wall = run.record.wall_seconds;
  const int jobs = opts.jobs;
  // the report
  report::SuiteReport rep;
  try {
    rep = report::write_suite_report(*run.store, suite, dir.string(), formats, !o.no_plots);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  } catch (const std::exception& e) {
    throw CliError(kFailure, fmt::format("writing the report into {}: {}", dir.string(), e.what()));
  }
  const report::ReportData& data = rep.data;
  const report::ReportFiles& files = rep.files;
  // the expressivity table at a glance
  std::vector<std::string> cols{"row", "class"};
  for (const auto& c : automata::kArchitectures) cols.push_back(std::string(c.key));
  Records table(cols);
  for (const auto& row : data.expressivity.rows) {
    nlohmann::ordered_json r;
    r["row"] = row.name;
    r["class"] = report::class_text(row.complexity);
    for (const auto& c : row.cells) {
      std::string mark = c.measured == "succeeds" ? "yes" : c.measured == "fails" ? "no" : ".";
      if (c.agreement == "DISAGREES") mark += "!";
      r[automata::to_string(c.column)] = mark;
    }
    table.add(std::move(r));
  }
  fmt::print("Expressivity (yes: exact at every length tested at some precision, no: fails, .: not measured, "
             "!: disagrees with the theory)\n\n");
  table.print(Format::Table);
  fmt::print("\n{} disagreement{} with the theory; {} units in {:.1f} s ({} at a time)\n", files.disagreements,
             files.disagreements == 1 ? "" : "s", units.size(), wall, jobs);
  if (!files.plots_made) fmt::print("plots: {}\n", files.plots_note);
  fmt::print("report: {}\n", (dir / "report.md").string());
  for (const auto& f : files.files) fmt::print("  {}\n", f);
  if (!failed.empty()) {
    for (const auto& f : failed) std::cerr << "parallax run: failed: " << f << '\n';
    throw CliError(kFailure, fmt::format("{} unit(s) failed; rerun the same command to retry them (stored results are kept)",
                                         failed.size()));
  }
}

}  // namespace

void add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run",
                                 "The main job: run a suite of experiments (TOML; default: the built-in suite) into "
                                 "DIR/results.sqlite and write the expressivity report into DIR");
  auto o = std::make_shared<RunOpts>();
  cmd->add_option("suite", o->suite, "A suite file (TOML; `--print-default-suite` shows the format); default: the built-in suite");
  cmd->add_option("--out,-o", o->out, "Directory of the store, the report and the logs")->capture_default_str();
  cmd->add_option("--jobs,-j", o->jobs, "Experiments run at once (0: one per core)")->capture_default_str();
  cmd->add_flag("--quick", o->quick, "The suite's quick variant (entries' `quick` overrides; the default suite: under 5 minutes on 2 cores)");
  cmd->add_flag("--print-default-suite", o->print_default, "Print the built-in suite (a starting point for your own) and exit");
  cmd->add_flag("--dry-run", o->dry_run, "Check the suite and print the commands it would run, without running them");
  cmd->add_flag("--no-plots", o->no_plots, "Write the report without plots");
  cmd->add_option("--format", o->formats, "Report formats: md, html, tex, csv")->capture_default_str();
  CLI::App* root = &app;
  cmd->callback([root, o] { run_suite(*root, *o); });
}

}  // namespace parallax::cli
