#pragma once
// Renders a report (tables.hpp) as Markdown, one self-contained HTML page
// (plots inline as SVG), a standalone LaTeX article (booktabs tables, the
// PNG plots) and one CSV file per table, and writes them into a directory.
//
// The three document formats are rendered from one outline (headings,
// paragraphs, lists, tables, figures), so they always say the same thing:
// provenance first, then the expressivity table with its disagreements, the
// depth, precision, per-position and Newton tables, and the plots. The CSV
// columns are a stable contract (docs/report.md).
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "report/plots.hpp"
#include "report/tables.hpp"

namespace parallax::report {

/// Bad options or an unwritable output directory; the message names it.
struct ReportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The formats, in the order they are written: "md", "html", "tex", "csv".
const std::vector<std::string>& report_formats();
/// A comma-separated list of formats; throws ReportError naming the bad
/// entry and listing the valid ones.
std::vector<std::string> parse_formats(const std::string& list);

struct ReportOptions {
  std::string out_dir;
  std::vector<std::string> formats = report_formats();
  bool plots = true;
  std::string title = "Parallax report";
  std::string gnuplot = "gnuplot";  ///< program name or path
};

struct ReportFiles {
  std::vector<std::string> files;  ///< every file written, report files first
  std::size_t disagreements = 0;
  bool plots_made = false;
  std::string plots_note;          ///< why plots are missing, if they are
};

/// Document renderers (plots may be empty; then the note says why).
std::string render_markdown(const ReportData& data, const PlotSet& plots, const std::string& title);
std::string render_html(const ReportData& data, const PlotSet& plots, const std::string& title);
std::string render_latex(const ReportData& data, const PlotSet& plots, const std::string& title);
/// File name → CSV text: expressivity.csv, depth.csv, precision.csv,
/// steps.csv, newton.csv.
std::map<std::string, std::string> render_csv(const ReportData& data);

/// One CSV field, quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s);
/// LaTeX text: special characters escaped, the Unicode symbols of the
/// report spelled in LaTeX, any other non-ASCII character replaced by '?'.
std::string latex_escape(const std::string& s);

/// Makes the plots (unless options.plots is false) and writes the chosen
/// formats into options.out_dir, creating it. Throws ReportError when the
/// directory cannot be created or written.
ReportFiles write_report(const ReportData& data, const ReportOptions& options);

}  // namespace parallax::report
