// `parallax report`: tables and plots from a result store (src/report/,
// docs/report.md). Reads the store (never creates one), writes report.md,
// report.html, report.tex, the CSV tables and plots/ into --out, and prints
// the files written and the number of disagreements between measurement and
// theory. A store without some kind of result still gives a report that says
// what is missing.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "experiment/store.hpp"
#include "report/render.hpp"
#include "report/tables.hpp"

namespace parallax::cli {
namespace {

struct ReportOpts {
  std::string store, out, formats = "md,html,tex,csv", title = "Parallax report";
  bool no_plots = false;
};

void run(const ReportOpts& o) {
  report::ReportOptions ro;
  try {
    ro.formats = report::parse_formats(o.formats);
  } catch (const report::ReportError& e) {
    throw CliError(kBadInput, e.what());
  }
  ro.out_dir = o.out;
  std::error_code ec;  // a file where the folder should be: refused before the store is read
  if (std::filesystem::exists(o.out, ec) && !std::filesystem::is_directory(o.out, ec))
    throw CliError(kBadInput, fmt::format("--out: {}: exists and is not a directory", o.out));
  ro.plots = !o.no_plots;
  ro.title = o.title;

  report::ReportData data;
  try {
    const auto store = experiment::Store::open(o.store, /*create=*/false);
    data = report::collect(store);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  report::ReportFiles files;
  try {
    files = report::write_report(data, ro);
  } catch (const report::ReportError& e) {
    throw CliError(kBadInput, fmt::format("--out: {}", e.what()));
  }
  for (const auto& f : files.files) fmt::print("{}\n", f);
  fmt::print("{} disagreement{} between measurement and theory\n", files.disagreements, files.disagreements == 1 ? "" : "s");
  if (!o.no_plots && !files.plots_note.empty()) std::cerr << "note: " << files.plots_note << '\n';
}

}  // namespace

void add_report(CLI::App& app) {
  auto o = std::make_shared<ReportOpts>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write a report of a result store: the expressivity table (measured against the theory, with citations), circuit "
      "depth, minimum precision and Newton tables, and plots (docs/report.md)");
  cmd->add_option("--store", o->store, "The store file (never created)")->required();
  cmd->add_option("--out", o->out, "The output directory (created when missing)")->required();
  cmd->add_option("--format", o->formats, "Comma-separated formats: md, html, tex, csv")->capture_default_str();
  cmd->add_flag("--no-plots", o->no_plots, "Do not run gnuplot; the report says that it has no plots");
  cmd->add_option("--title", o->title, "The report's title")->capture_default_str();
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
