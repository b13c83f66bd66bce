#include "report/plots.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "numeric/output.hpp"

extern char** environ;

namespace parallax::report {
namespace {

namespace fs = std::filesystem;

/// A gnuplot single-quoted string: no escapes inside, ' doubled.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out + "'";
}

/// Atomic and checked (numeric/output.hpp); a failure is io::WriteError.
void write_file(const fs::path& p, const std::string& text) { io::write_file_atomic(p.string(), text); }

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Replaces every occurrence of `from` by `to`.
void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

/// The SVG element alone (no XML prolog or doctype), with gnuplot's element
/// ids made unique per plot so that several SVGs can share one HTML page.
std::string inline_svg(std::string svg, std::size_t index) {
  const auto at = svg.find("<svg");
  if (at == std::string::npos) return {};
  svg.erase(0, at);
  // every id='X' becomes id='plotK_X', and so do the references #X to it
  std::set<std::string> ids;
  for (const char q : {'\'', '"'}) {
    const std::string open = std::string("id=") + q;
    for (std::size_t at = svg.find(open); at != std::string::npos; at = svg.find(open, at + 1)) {
      const auto start = at + open.size(), end = svg.find(q, start);
      if (end == std::string::npos) break;
      ids.insert(svg.substr(start, end - start));
    }
  }
  const std::string prefix = fmt::format("plot{}_", index);
  for (const auto& id : ids)
    for (const char q : {'\'', '"'}) {
      replace_all(svg, std::string("id=") + q + id + q, std::string("id=") + q + prefix + id + q);
      replace_all(svg, std::string(1, q) + "#" + id + q, std::string(1, q) + "#" + prefix + id + q);
      replace_all(svg, "url(#" + id + ")", "url(#" + prefix + id + ")");
    }
  return svg;
}

/// Runs `program script` with stdout and stderr in `log`; returns the exit
/// status, or -1 (errno set) when it could not start.
int run_program(const std::string& program, const std::string& script, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string series_label(std::initializer_list<std::string> parts) {
  std::string s;
  for (const auto& p : parts)
    if (!p.empty()) s += (s.empty() ? "" : " ") + p;
  return s;
}

}  // namespace

std::vector<PlotSpec> plot_specs(const ReportData& data) {
  std::vector<PlotSpec> out;
  if (!data.depth.empty()) {
    PlotSpec p{"depth", "circuit depth against n (both axes logarithmic)", "n", "depth", 2, 2, false, {}};
    for (const auto& r : data.depth) {
      Series s{series_label({r.model, r.network, r.fanin}), {}};
      for (const auto& [n, v] : r.depth)
        if (std::isfinite(v)) s.points.push_back({double(n), v});
      if (!s.points.empty()) p.series.push_back(std::move(s));
    }
    if (!p.series.empty()) out.push_back(std::move(p));
  }
  if (!data.precision.empty()) {
    PlotSpec p{"min_bits", "minimum significand bits against n", "n", "min bits", 2, 0, false, {}};
    for (const auto& r : data.precision) {
      Series s{series_label({r.row, r.construction, r.arithmetic, r.mode}), {}};
      for (const auto& [n, b] : r.bits)
        if (b && n >= 1) s.points.push_back({double(n), double(*b)});
      if (!s.points.empty()) p.series.push_back(std::move(s));
    }
    if (!p.series.empty()) out.push_back(std::move(p));
  }
  std::size_t k = 0;
  for (const auto& a : data.accuracy) {
    if (k == 12) break;
    PlotSpec p{fmt::format("accuracy_{}", k + 1), fmt::format("accuracy: {} / {}", a.row, a.construction), "n", "accuracy", 2, 0,
               true, {}};
    for (const auto& [prec, pts] : a.series) {
      Series s{prec, {}};
      for (const auto& [n, acc] : pts)
        if (n >= 1 && std::isfinite(acc)) s.points.push_back({double(n), acc});
      if (!s.points.empty()) p.series.push_back(std::move(s));
    }
    if (!p.series.empty()) {
      out.push_back(std::move(p));
      ++k;
    }
  }
  if (!data.newton.empty()) {
    std::map<std::tuple<std::string, std::size_t, std::string, std::string>, std::pair<Series, Series>> by;
    for (const auto& r : data.newton) {
      auto& [sp, it] = by[{r.cell, r.hidden, r.method, r.precision}];
      if (r.length < 1) continue;
      if (r.speedup && std::isfinite(*r.speedup) && *r.speedup > 0) sp.points.push_back({double(r.length), *r.speedup});
      if (r.iterations && std::isfinite(*r.iterations)) it.points.push_back({double(r.length), *r.iterations});
    }
    PlotSpec sp{"newton_speedup", "Newton: speed-up over the sequential run against T", "T (sequence length)",
                "speed-up (sequential time / solve time)", 10, 10, false, {}};
    PlotSpec it{"newton_iterations", "Newton: iterations against T", "T (sequence length)", "iterations", 10, 0, false, {}};
    for (auto& [key, pair] : by) {
      const auto& [cell, hidden, method, prec] = key;
      const std::string label = fmt::format("{} h={} {} {}", cell, hidden, method, prec);
      if (!pair.first.points.empty()) sp.series.push_back({label, pair.first.points});
      if (!pair.second.points.empty()) it.series.push_back({label, pair.second.points});
    }
    if (!sp.series.empty()) out.push_back(std::move(sp));
    if (!it.series.empty()) out.push_back(std::move(it));
  }
  return out;
}

std::string find_program(const std::string& name) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto p = (fs::path(dir.empty() ? "." : dir) / name).string();
    if (access(p.c_str(), X_OK) == 0 && !fs::is_directory(p)) return p;
  }
  return {};
}

PlotSet make_plots(const ReportData& data, const std::string& dir, const std::string& gnuplot) {
  PlotSet set;
  const auto specs = plot_specs(data);
  if (specs.empty()) {
    set.note = "no plots: the store has no data to plot";
    return set;
  }
  const std::string program = find_program(gnuplot);
  if (program.empty()) {
    set.note = fmt::format("plots were not made: {} is not on PATH (install gnuplot, e.g. Debian's gnuplot-nox, and "
                           "run the report again)",
                           gnuplot);
    return set;
  }
  const fs::path plots = fs::absolute(fs::path(dir) / "plots");
  std::error_code ec;
  fs::create_directories(plots, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: cannot create the directory: {}", plots.string(), ec.message()));

  std::string script = "# Drawn by `parallax report`: gnuplot plots.gp redraws every plot.\n";
  for (const auto& p : specs) {
    const auto dat = plots / (p.name + ".dat");
    std::string text = fmt::format("# {}\n", p.title);
    for (std::size_t i = 0; i < p.series.size(); ++i) {
      text += fmt::format("# series {}: {}\n", i, p.series[i].label);
      for (const auto& [x, y] : p.series[i].points) text += fmt::format("{:.17g} {:.17g}\n", x, y);
      text += "\n\n";
    }
    write_file(dat, text);
    set.files.push_back(dat.string());
    std::string body;
    body += fmt::format("set title {}\nset xlabel {}\nset ylabel {}\n", quote(p.title), quote(p.xlabel), quote(p.ylabel));
    body += "set grid\nset key outside right top\nset autoscale\n";
    body += p.log_x ? fmt::format("set logscale x {}\n", p.log_x) : "unset logscale x\n";
    body += p.log_y ? fmt::format("set logscale y {}\n", p.log_y) : "unset logscale y\n";
    if (p.accuracy) body += "set yrange [-0.05:1.05]\n";
    std::string plot = "plot ";
    for (std::size_t i = 0; i < p.series.size(); ++i)
      plot += fmt::format("{}{} index {} using 1:2 with linespoints title {}", i ? ", " : "", quote(dat.string()), i,
                          quote(p.series[i].label));
    body += plot + "\n";
    const auto svg = plots / (p.name + ".svg"), png = plots / (p.name + ".png");
    script += fmt::format("\n# {}\nreset\nset terminal svg size 900,500 noenhanced font 'sans,11'\nset output {}\n{}",
                          p.title, quote(svg.string()), body);
    script += fmt::format("set terminal pngcairo size 900,500 noenhanced font 'sans,10'\nset output {}\nreplot\nunset output\n",
                          quote(png.string()));
  }
  const auto gp = plots / "plots.gp";
  write_file(gp, script);
  set.files.push_back(gp.string());
  const auto log = plots / "gnuplot.log";
  for (const auto& p : specs) {
    fs::remove(plots / (p.name + ".svg"), ec);
    fs::remove(plots / (p.name + ".png"), ec);
  }
  const int rc = run_program(program, gp.string(), log.string());
  std::string log_text = read_file(log);
  if (log_text.empty()) fs::remove(log, ec);
  else set.files.push_back(log.string());
  if (rc != 0) {
    if (log_text.size() > 400) log_text = log_text.substr(0, 400) + "…";
    set.note = rc < 0 ? fmt::format("plots were not made: cannot start {}: {}", program, std::strerror(errno))
                      : fmt::format("plots were not made: {} exited with status {}: {}", program, rc, log_text);
  }
  std::vector<std::string> lost;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& p = specs[i];
    Plot out{p.name, p.title, (plots / (p.name + ".svg")).string(), (plots / (p.name + ".png")).string(), {}};
    if (!fs::exists(out.svg_path) || !fs::exists(out.png_path)) {
      lost.push_back(p.name);
      continue;
    }
    out.svg = inline_svg(read_file(out.svg_path), i);
    set.files.push_back(out.svg_path);
    set.files.push_back(out.png_path);
    set.plots.push_back(std::move(out));
  }
  set.made = !set.plots.empty();
  if (!lost.empty() && rc == 0)
    set.note = fmt::format("gnuplot did not write {} of {} plots ({})", lost.size(), specs.size(), fmt::join(lost, ", "));
  return set;
}

}  // namespace parallax::report
