#pragma once
// The report's plots, drawn by gnuplot: depth against n, minimum bits against
// n, accuracy against n per precision (for the (row, construction) pairs that
// fail somewhere), and Newton's speed-up and iteration count against the
// sequence length T.
//
// gnuplot runs as a child process on a generated script and data files, which
// stay in DIR/plots/ (plots.gp, *.dat) so that a plot can be restyled and
// redrawn by hand; each plot is written as NAME.svg and NAME.png. Without
// gnuplot the report still has every table and says why it has no plots.
#include <string>
#include <utility>
#include <vector>

#include "report/tables.hpp"

namespace parallax::report {

/// One curve of a plot.
struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  ///< (x, y), finite
};

/// What to draw (make_plots fills these from a ReportData).
struct PlotSpec {
  std::string name;   ///< file stem, e.g. "depth"
  std::string title, xlabel, ylabel;
  int log_x = 0;      ///< base of a logarithmic x axis, 0 for linear
  int log_y = 0;
  bool accuracy = false;  ///< y in [0, 1]
  std::vector<Series> series;
};

struct Plot {
  std::string name, title;
  std::string svg_path, png_path;  ///< absolute
  std::string svg;                 ///< the SVG text, from "<svg" on (for inline HTML)
};

struct PlotSet {
  bool made = false;
  std::string note;  ///< why there are no plots (or which failed); empty when all were made
  std::vector<Plot> plots;
  std::vector<std::string> files;  ///< every file written under plots/
};

/// The plots that the data supports (at most 12 accuracy plots).
std::vector<PlotSpec> plot_specs(const ReportData& data);

/// The full path of a program found on PATH, or "" when there is none.
std::string find_program(const std::string& name);

/// Writes DIR/plots/{plots.gp, *.dat} and runs `gnuplot` (a program name
/// looked up on PATH, or a path) on them. Never throws for a missing or
/// failing gnuplot: the PlotSet says what happened. Throws
/// std::runtime_error when DIR/plots cannot be written.
PlotSet make_plots(const ReportData& data, const std::string& dir, const std::string& gnuplot = "gnuplot");

}  // namespace parallax::report
