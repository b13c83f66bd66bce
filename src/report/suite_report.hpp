#pragma once
// The report of a suite run (experiment/suite_run.hpp): what `parallax run`
// and parallax.run write into the run's directory once the units are done.
#include <string>
#include <vector>

#include "experiment/store.hpp"
#include "experiment/suite.hpp"
#include "report/render.hpp"
#include "report/tables.hpp"

namespace parallax::report {

struct SuiteReport {
  ReportData data;   ///< the tables read from the store
  ReportFiles files;  ///< what write_report wrote
};

/// "Parallax report: NAME", with " (quick)" for a quick suite.
std::string suite_report_title(const experiment::Suite& suite);

/// Reads the store's tables and writes the report of `suite` into `dir` in
/// `formats`, with plots unless `plots` is false. Throws StoreError (reading)
/// or ReportError (writing).
SuiteReport write_suite_report(const experiment::Store& store, const experiment::Suite& suite, const std::string& dir,
                               const std::vector<std::string>& formats, bool plots);

}  // namespace parallax::report
