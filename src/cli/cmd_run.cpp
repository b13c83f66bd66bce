// `parallax run`: the main job. Runs a suite of experiments (a TOML file, or
// the built-in default suite) into DIR/results.sqlite and writes the report
// (expressivity, depth, precision and Newton tables, plots) into DIR.
//
// Every entry of the suite is a subcommand with its options; the runner
// checks all of them before any work starts (names, option spellings,
// precisions, constructions — errors point at FILE:LINE), splits each entry
// into units (one per length), and runs the units as child `parallax`
// processes, J at a time, largest first. Each child writes its results to
// the store itself, so a killed run resumes: rerun the same command and the
// children skip every result the store already holds.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "automata/compile.hpp"
#include "automata/languages.hpp"
#include "automata/minimize.hpp"
#include "cli/child_process.hpp"
#include "cli/common.hpp"
#include "experiment/circuit.hpp"
#include "experiment/lengths.hpp"
#include "experiment/options.hpp"
#include "experiment/recognize.hpp"
#include "experiment/reduce.hpp"
#include "experiment/solve.hpp"
#include "experiment/store.hpp"
#include "experiment/suite.hpp"
#include "models/json_positions.hpp"
#include "numeric/limits.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"
#include "report/render.hpp"
#include "report/tables.hpp"

namespace parallax::cli {
namespace {

namespace fs = std::filesystem;
using experiment::Suite;
using experiment::SuiteEntry;

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

/// Options the runner sets itself, or that do not fit a stored run.
const std::map<std::string, std::string> kManaged = {
    {"store", "the runner writes every entry to DIR/results.sqlite"},
    {"json", "the runner keeps the children's output in DIR/logs"},
    {"csv", "the runner keeps the children's output in DIR/logs"},
    {"help", "not an experiment option"},
    {"out", "results go to the store"},
    {"format", "results go to the store"},
    {"dump-states", "results go to the store"},
    {"strings", "stored runs use sampled words (lengths)"},
    {"input", "stored runs use generated instances (lengths)"},
};

/// One child process: a subcommand and its arguments.
struct Unit {
  std::size_t entry = 0;
  std::vector<std::string> args;
  std::string label;
  double cost = 0;
};

[[noreturn]] void fail_at(const Suite& s, int line, const std::string& msg) {
  throw CliError(kBadInput, fmt::format("{}:{}: {}", s.file, line, msg));
}

std::string entry_name(const SuiteEntry& e) { return fmt::format("[[{}]] #{}", e.kind, e.index); }

/// A key's value as the child's command line receives it.
constexpr auto text_of = &experiment::OptionKeys::text_of;

/// The subcommands that can write a store: the kinds of suite entries.
std::vector<std::string> storable_commands(CLI::App& app) {
  std::vector<std::string> out;
  for (const auto* sub : app.get_subcommands([](CLI::App* a) { return a->get_option_no_throw("--store") != nullptr; }))
    out.push_back(sub->get_name());
  return out;
}

/// Checks what the libraries can check before any work: each entry's
/// options, built from its keys and validated as its subcommand validates
/// them (experiment/options.hpp). Each error names the key's line.
void check_semantics(const Suite& s, const SuiteEntry& e) {
  auto line = [&](const char* key) { return e.lines.count(key) ? e.lines.at(key) : e.line; };
  auto str = [&](const char* key) -> std::string { return e.options.contains(key) ? text_of(e.options[key]) : ""; };
  auto check_precisions = [&](const char* key) {
    if (!e.options.contains(key)) return std::vector<numeric::Precision>{};
    std::vector<numeric::Precision> out;
    std::stringstream ss(str(key));
    for (std::string item; std::getline(ss, item, ',');) {
      try {
        out.push_back(numeric::Precision::parse(item));
      } catch (const std::exception& ex) {
        fail_at(s, line(key), fmt::format("{}: {}: {}", entry_name(e), key, ex.what()));
      }
    }
    return out;
  };
  const experiment::OptionNames names{false};
  const experiment::OptionKeys keys(e.options);
  // validates the options of each unit (one length) of an entry split by its lengths, as its child will
  auto validate_units = [&](auto options) {
    if (!keys.has("lengths")) return options.validate(names);
    const auto lengths = options.lengths;
    for (const std::size_t n : lengths) {
      options.lengths = {n};
      try {
        options.validate(names);
      } catch (const experiment::OptionError& ex) {
        if (ex.option != "lengths") throw;
        throw experiment::OptionError(ex.option, fmt::format("{} (n = {})", ex.what(), n));
      }
    }
  };
  try {
    if (e.kind == "reduce") {
      validate_units(experiment::reduce_options_from_json(e.options));
    } else if (e.kind == "recognize") {
      const auto options = experiment::recognize_options_from_json(e.options);
      if (keys.has("language")) {
        automata::Automaton a;
        try {
          a.dfa = automata::language(str("language"));
        } catch (const std::exception& ex) {
          fail_at(s, line("language"), fmt::format("{}: language: {}", entry_name(e), ex.what()));
        }
        (void)experiment::compile_model(experiment::recognition_target(a), options.model, names);
      }
      validate_units(options);
    } else if (e.kind == "circuit") {
      experiment::circuit_options_from_json(e.options).validate(names);
    } else if (e.kind == "solve") {
      experiment::solve::options_from_json(e.options).validate();
    }
  } catch (const experiment::OptionError& ex) {
    fail_at(s, line(keys.spelled(ex.option).c_str()), fmt::format("{}: {}", entry_name(e), ex.what()));
  }
}

/// Validates every entry against its subcommand and splits it into units.
std::vector<Unit> plan(CLI::App& app, const Suite& s, const std::string& store) {
  const auto kinds = storable_commands(app);
  std::vector<Unit> units;
  for (std::size_t ei = 0; ei < s.entries.size(); ++ei) {
    SuiteEntry e = s.entries[ei];
    if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end())
      fail_at(s, e.line, fmt::format("[[{}]]: not a kind of experiment (valid: {})", e.kind, fmt::join(kinds, ", ")));
    CLI::App* sub = app.get_subcommand(e.kind);
    // suite-wide defaults
    if (s.seed && !e.options.contains("seed") && sub->get_option_no_throw("--seed")) e.options["seed"] = *s.seed;
    if (s.trials && !e.options.contains("trials") && sub->get_option_no_throw("--trials")) e.options["trials"] = *s.trials;
    std::vector<std::string> valid;
    for (const auto* opt : sub->get_options())
      for (const auto& ln : opt->get_lnames())
        if (!kManaged.count(ln)) valid.push_back(ln);
    std::vector<std::string> args{e.kind};
    std::string split_key;  // one unit per value of this key
    std::vector<std::string> split_values;
    for (const auto& [key, value] : e.options.items()) {
      std::string name = key;
      std::replace(name.begin(), name.end(), '_', '-');
      const int line = e.lines.count(key) ? e.lines.at(key) : e.line;
      if (const auto m = kManaged.find(name); m != kManaged.end())
        fail_at(s, line, fmt::format("{}: '{}' cannot be set in a suite ({})", entry_name(e), key, m->second));
      CLI::Option* opt = sub->get_option_no_throw("--" + name);
      if (!opt)
        fail_at(s, line, fmt::format("{}: unknown option '{}' of `parallax {}` (valid: {})", entry_name(e), key, e.kind,
                                     fmt::join(valid, ", ")));
      const bool flag = opt->get_expected_min() == 0;
      if (flag) {
        if (!value.is_boolean()) fail_at(s, line, fmt::format("{}: '{}' is a flag: write {} = true or false", entry_name(e), key, key));
        if (value.get<bool>()) args.push_back("--" + name);
        continue;
      }
      if (value.is_boolean()) fail_at(s, line, fmt::format("{}: '{}' takes a value, not true/false", entry_name(e), key));
      if (value.is_array() && value.empty())
        fail_at(s, line, fmt::format("{}: '{}' is an empty list", entry_name(e), key));
      // the option's own checks (a number where one is expected, no sign on an unsigned one, …), as in the child
      for (const auto& item : value.is_array() && name == "length" ? value : nlohmann::ordered_json::array({value})) {
        for (int vi = 0;; ++vi) {
          const CLI::Validator* v = nullptr;
          try {
            v = opt->get_validator(vi);
          } catch (const CLI::OptionNotFound&) {
            break;
          }
          std::string t = text_of(item);
          if (const auto why = (*v)(t); !why.empty())
            fail_at(s, line, fmt::format("{}: '{}' = {}: {}", entry_name(e), key, item.dump(), why));
        }
      }
      if ((e.kind == "reduce" || e.kind == "recognize") && name == "lengths") {
        split_key = "--lengths";
        try {
          for (auto n : experiment::parse_lengths(text_of(value))) split_values.push_back(std::to_string(n));
        } catch (const std::exception& ex) {
          fail_at(s, line, fmt::format("{}: lengths: {}", entry_name(e), ex.what()));
        }
        continue;
      }
      if (name == "length" && value.is_array()) {
        split_key = "--length";
        for (const auto& x : value) split_values.push_back(text_of(x));
        continue;
      }
      args.push_back("--" + name);
      args.push_back(text_of(value));
    }
    for (const auto* opt : sub->get_options())
      if (opt->get_required() && !opt->get_lnames().empty()) {
        const auto& ln = opt->get_lnames().front();
        std::string u = ln;
        std::replace(u.begin(), u.end(), '-', '_');
        if (!e.options.contains(ln) && !e.options.contains(u))
          fail_at(s, e.line, fmt::format("{}: `parallax {}` needs '{}'", entry_name(e), e.kind, u));
      }
    check_semantics(s, e);
    args.push_back("--store");
    args.push_back(store);
    auto describe = [&](const std::string& extra) {
      std::vector<std::string> bits;
      for (const char* k : {"problem", "language", "construction", "model", "cell", "method", "network", "fanin"})
        if (e.options.contains(k)) bits.push_back(text_of(e.options[k]));
      return fmt::format("{} {}{}", e.kind, fmt::join(bits, "/"), extra);
    };
    auto number = [](const std::string& v) {
      try {
        return std::stod(v);
      } catch (...) {
        return 1.0;
      }
    };
    if (units.size() + split_values.size() > limits::kMaxSuiteUnits)
      fail_at(s, e.line,
              fmt::format("{}: the suite splits into more than {} units (one per entry and length; "
                          "docs/limits.md): give fewer lengths",
                          entry_name(e), limits::kMaxSuiteUnits));
    if (split_values.empty()) {
      Unit u{ei, args, describe(""), 1e9};  // unsplit entries (sweeps) first
      units.push_back(std::move(u));
    } else {
      for (const auto& v : split_values) {
        Unit u{ei, args, describe(fmt::format(" n={}", v)), number(v)};
        u.args.push_back(split_key);
        u.args.push_back(v);
        units.push_back(std::move(u));
      }
    }
  }
  std::stable_sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) { return a.cost > b.cost; });
  return units;
}

std::string quote(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t'\"$*?()[]{}|;&<>") == std::string::npos) return a;
  std::string out = "'";
  for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void run_suite(CLI::App& app, const RunOpts& o) {
  if (o.print_default) {
    std::cout << experiment::default_suite_toml();
    return;
  }
  Suite suite;
  try {
    if (o.suite.empty()) {
      suite = experiment::parse_suite(experiment::default_suite_toml(), "built-in");
    } else {
      const auto text = models::read_text_file(o.suite);
      if (!text) throw CliError(kBadInput, fmt::format("{}: cannot open the suite", o.suite));
      suite = experiment::parse_suite(*text, o.suite);
    }
  } catch (const experiment::SuiteError& e) {
    throw CliError(kBadInput, e.what());
  }
  if (o.quick) suite = experiment::quick_suite(suite);
  if (suite.entries.empty()) throw CliError(kBadInput, fmt::format("{}: the suite has no entries{}", suite.file, o.quick ? " under --quick" : ""));
  const int jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (o.jobs < 0 || o.jobs > 256) throw CliError(kBadInput, "--jobs must be from 1 to 256 (0: one per core)");
  std::vector<std::string> formats;
  try {
    formats = report::parse_formats(o.formats);
  } catch (const std::exception& e) {
    throw CliError(kBadInput, fmt::format("--format: {}", e.what()));
  }
  const fs::path dir(o.out);
  const std::string store_path = (dir / "results.sqlite").string();
  const auto units = plan(app, suite, store_path);
  if (o.dry_run) {
    for (const auto& u : units) {
      std::vector<std::string> q;
      for (const auto& a : u.args) q.push_back(quote(a));
      fmt::print("parallax {}\n", fmt::join(q, " "));
    }
    return;
  }
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) throw CliError(kBadInput, fmt::format("--out {}: cannot create the directory ({})", o.out, ec.message()));
  // the suite's own run: opened first, so that a bad store fails before any work
  const std::string suite_name = suite.name.empty() ? (suite.file == "built-in" ? "default" : fs::path(suite.file).stem().string()) : suite.name;
  const nlohmann::json suite_config = {{"name", suite_name}, {"toml_fnv1a", experiment::content_hash(suite.text)}, {"quick", suite.quick}};
  std::int64_t suite_run = 0;
  std::size_t attempts = 0;
  bool last_ok = false;
  std::unique_ptr<experiment::Store> store;
  try {
    store = std::make_unique<experiment::Store>(experiment::Store::open(store_path, true, "parallax " PARALLAX_VERSION));
    suite_run = store->begin_run("suite", suite_config, PARALLAX_VERSION, suite.seed.value_or(1));
    // the attempts so far of a resumed run, and whether the last one succeeded (checked before any work)
    for (const auto& r : store->results(suite_run)) {
      if (r.kind != "suite") continue;
      ++attempts;
      last_ok = experiment::read_stored(experiment::stored_place(store_path, suite_run, "suite", r.key), [&] {
        return experiment::RecordFields(nlohmann::json(r.record)).count("failed_units") == 0;
      });
    }
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::cerr << fmt::format("parallax run: {} ({}{}), {} entries in {} units, {} at a time, into {}\n", suite_name,
                           suite.file, suite.quick ? ", quick" : "", suite.entries.size(), units.size(), jobs, store_path);
  std::map<pid_t, std::size_t> running;
  std::vector<std::string> failed;
  std::size_t next = 0, done = 0;
  std::map<pid_t, double> started;
  while (next < units.size() || !running.empty()) {
    while (next < units.size() && static_cast<int>(running.size()) < jobs) {
      const auto& u = units[next];
      const std::string log = (dir / "logs" / fmt::format("{:03}-{}.log", u.entry + 1, suite.entries[u.entry].kind)).string();
      std::vector<std::string> q;
      for (const auto& a : u.args) q.push_back(quote(a));
      if (std::ofstream f(log, std::ios::app); f) f << "$ parallax " << fmt::format("{}", fmt::join(q, " ")) << '\n';
      const pid_t pid = spawn_child_logged(u.args, log);
      running[pid] = next;
      started[pid] = elapsed();
      ++next;
    }
    const auto [pid, ex] = wait_any_child();
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Unit& u = units[it->second];
    ++done;
    const double secs = elapsed() - started[pid];
    // Any exit but 0 is a failed unit: 1 is a failed check or a diverged solve (whose record the child may have
    // stored) but also a child that died of an unexpected error; 2 is an input the planner let through; above 128 a
    // signal. The suite's run stays unfinished, and rerunning the command retries exactly these units.
    const std::string status = ex.code == 0 ? "ok" : fmt::format("FAILED (exit {})", ex.code);
    if (ex.code != 0)
      failed.push_back(fmt::format("{} (exit {}; log {})", u.label, ex.code,
                                   (dir / "logs" / fmt::format("{:03}-{}.log", u.entry + 1, suite.entries[u.entry].kind)).string()));
    std::cerr << fmt::format("[{}/{}] {:7.1f} s  {}  {}\n", done, units.size(), secs, u.label, status);
    running.erase(it);
  }
  const double wall = elapsed();
  try {
    nlohmann::ordered_json rec = {{"name", suite_name},  {"source", suite.file},   {"quick", suite.quick},
                                  {"toml", suite.text},  {"entries", suite.entries.size()}, {"units", units.size()},
                                  {"jobs", jobs},        {"wall_seconds", std::round(wall * 10) / 10},
                                  {"failed_units", failed.size()}};
    // One record per attempt of the suite's run ("suite", then "suite/attempt=2", …; the last is current), so that
    // a resumed run that now succeeds is recorded as such; a rerun of a run that had already succeeded adds nothing.
    if (!(last_ok && failed.empty())) {
      rec["attempt"] = attempts + 1;
      store->put_result(suite_run, "suite", attempts == 0 ? "suite" : fmt::format("suite/attempt={}", attempts + 1),
                        rec);
    }
    if (failed.empty()) store->finish_run(suite_run);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  // the report
  report::ReportOptions ro;
  ro.out_dir = dir.string();
  ro.formats = formats;
  ro.plots = !o.no_plots;
  ro.title = fmt::format("Parallax report: {}{}", suite_name, suite.quick ? " (quick)" : "");
  report::ReportData data;
  report::ReportFiles files;
  try {
    data = report::collect(*store);
    files = report::write_report(data, ro);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  } catch (const std::exception& e) {
    throw CliError(kFailure, fmt::format("writing the report into {}: {}", dir.string(), e.what()));
  }
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
