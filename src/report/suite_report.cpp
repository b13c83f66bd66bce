#include "report/suite_report.hpp"

#include <fmt/format.h>

#include "experiment/suite_run.hpp"

namespace parallax::report {

std::string suite_report_title(const experiment::Suite& suite) {
  return fmt::format("Parallax report: {}{}", experiment::suite_name(suite), suite.quick ? " (quick)" : "");
}

SuiteReport write_suite_report(const experiment::Store& store, const experiment::Suite& suite, const std::string& dir,
                               const std::vector<std::string>& formats, bool plots) {
  ReportOptions ro;
  ro.out_dir = dir;
  ro.formats = formats;
  ro.plots = plots;
  ro.title = suite_report_title(suite);
  SuiteReport r;
  r.data = collect(store);
  r.files = write_report(r.data, ro);
  return r;
}

}  // namespace parallax::report
