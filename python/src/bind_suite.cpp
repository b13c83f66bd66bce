// parallax.run and parallax.report: `parallax run` and `parallax report` as
// library calls. A suite is read and planned as the command line plans it
// (experiment/suite_run.hpp, against the very options of the command line's
// parser: cli/commands.hpp), and its units run as child processes of the
// `parallax` executable the Python layer found (experiment/child_process.hpp),
// with the GIL released; Ctrl-C stops starting units, stops the running ones
// (SIGTERM, as the command line's children get when it is interrupted) and
// leaves a store that a rerun resumes. The report is report/suite_report.hpp
// for a run and report/render.hpp for `report`, as on the command line.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "bindings.hpp"
#include "cli/commands.hpp"
#include "convert.hpp"
#include "experiment/child_process.hpp"
#include "experiment/options.hpp"
#include "experiment/store.hpp"
#include "experiment/suite_run.hpp"
#include "interrupt.hpp"
#include "report/render.hpp"
#include "report/suite_report.hpp"
#include "report/tables.hpp"

namespace parallax::python {

using namespace nb::literals;
namespace ex = experiment;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> formats_of(const std::string& list) {
  try {
    return report::parse_formats(list);
  } catch (const report::ReportError& e) {
    throw ex::OptionError("formats", fmt::format("formats: {}", e.what()));
  }
}

nb::dict report_dict(const report::ReportFiles& files) {
  nb::dict d;
  d["files"] = files.files;
  d["disagreements"] = files.disagreements;
  d["plots_made"] = files.plots_made;
  d["plots_note"] = files.plots_note;
  return d;
}

}  // namespace

void bind_suite(nb::module_& m) {
  m.def(
      "run_suite",
      [](const std::string& suite_file, const std::string& out, bool quick, int jobs, const std::string& formats,
         bool plots, bool dry_run, const std::string& executable, nb::object progress) -> nb::object {
        const ex::Suite suite = ex::load_suite(suite_file, quick);
        if (jobs < 0 || jobs > 256) throw ex::OptionError("jobs", "jobs must be from 1 to 256 (None: one per core)");
        const std::vector<std::string> fmts = formats_of(formats);
        const ex::SuiteRunOptions opts{
            out, jobs > 0 ? jobs : int(std::max(1u, std::thread::hardware_concurrency())), PARALLAX_VERSION};
        const auto units = ex::plan_suite(suite, cli::suite_commands(), opts.store_path());
        if (dry_run) {
          nb::list commands;
          for (const auto& u : units) commands.append(ex::command_line(u));
          return commands;
        }
        std::error_code ec;
        fs::create_directories(fs::path(out) / "logs", ec);
        if (ec) throw ex::OptionError("out", fmt::format("out: {}: cannot create the directory ({})", out, ec.message()));
        auto poll = signal_poll();
        ex::SuiteOutcome run = without_gil([&] {
          ex::SuiteChildren children(executable, poll);  // stops its children if the run is interrupted
          ex::SuiteRunHooks hooks = children.hooks();
          if (!progress.is_none()) {  // the callable gets a dict per event, with the GIL (it may raise: the run stops)
            hooks.started = [&] {
              nb::gil_scoped_acquire gil;
              nb::dict e;
              e["event"] = "started";
              e["suite"] = ex::suite_name(suite);
              e["file"] = suite.file;
              e["quick"] = suite.quick;
              e["entries"] = suite.entries.size();
              e["units"] = units.size();
              e["jobs"] = opts.jobs;
              e["store"] = opts.store_path();
              progress(e);
            };
            hooks.unit_ended = [&](const ex::SuiteUnitEnd& u) {
              nb::gil_scoped_acquire gil;
              nb::dict e;
              e["event"] = "unit";
              e["done"] = u.done;
              e["total"] = u.total;
              e["seconds"] = u.seconds;
              e["label"] = u.unit->label;
              e["exit_code"] = u.exit_code;
              progress(e);
            };
          }
          return ex::run_suite(suite, units, opts, hooks);
        });
        report::SuiteReport rep;
        try {
          rep = without_gil([&] { return report::write_suite_report(*run.store, suite, out, fmts, plots); });
        } catch (const ex::StoreError&) {
          throw;
        } catch (const std::exception& e) {
          throw std::runtime_error(fmt::format("writing the report into {}: {}", out, e.what()));
        }
        nb::dict d = report_dict(rep.files);
        d["suite"] = ex::suite_name(suite);
        d["file"] = suite.file;
        d["quick"] = suite.quick;
        d["dir"] = out;
        d["store"] = opts.store_path();
        d["report"] = (fs::path(out) / "report.md").string();
        d["entries"] = suite.entries.size();
        d["units"] = units.size();
        d["jobs"] = opts.jobs;
        d["failed"] = run.failed;
        d["wall_seconds"] = run.record.wall_seconds;
        d["attempt"] = run.record.attempt;
        d["record"] = to_python(ex::to_json(run.record));
        return d;
      },
      "suite"_a, "out"_a, "quick"_a, "jobs"_a, "formats"_a, "plots"_a, "dry_run"_a, "executable"_a,
      "progress"_a.none());

  m.def(
      "report",
      [](const std::string& store, const std::string& out, const std::string& formats, bool plots,
         const std::string& title) {
        report::ReportOptions ro;
        ro.formats = formats_of(formats);
        ro.out_dir = out;
        std::error_code ec;  // a file where the folder should be: refused before the store is read
        if (fs::exists(out, ec) && !fs::is_directory(out, ec))
          throw ex::OptionError("out", fmt::format("out: {}: exists and is not a directory", out));
        ro.plots = plots;
        ro.title = title;
        const auto st = ex::Store::open(store, /*create=*/false);
        report::ReportFiles files;
        try {
          files = without_gil([&] { return report::write_report(report::collect(st), ro); });
        } catch (const report::ReportError& e) {
          throw ex::OptionError("out", fmt::format("out: {}", e.what()));
        }
        return report_dict(files);
      },
      "store"_a, "out"_a, "formats"_a, "plots"_a, "title"_a);
}

}  // namespace parallax::python
