#include "report/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "numeric/output.hpp"

namespace parallax::report {
namespace {

namespace fs = std::filesystem;

// --- the outline shared by the three document formats -------------------------
//
// Text is plain, except that `backquoted` spans are code and the word
// DISAGREES is emphasized; each backend escapes the rest itself.

struct Table {
  std::vector<std::string> header;
  std::vector<std::string> latex_columns;  ///< per column: "l", "r" or a width for a wrapped column ("2.4cm")
  std::vector<std::vector<std::vector<std::string>>> rows;  ///< row → cell → lines
};

struct Block {
  enum class Kind { Heading, Para, List, Table, Figure } kind;
  int level = 2;
  std::string text;
  std::vector<std::string> items;
  Table table;
  const Plot* plot = nullptr;
};

using Outline = std::vector<Block>;

Block heading(std::string t, int level = 2) { return {Block::Kind::Heading, level, std::move(t), {}, {}, nullptr}; }
Block para(std::string t) { return {Block::Kind::Para, 0, std::move(t), {}, {}, nullptr}; }
Block list(std::vector<std::string> items) { return {Block::Kind::List, 0, {}, std::move(items), {}, nullptr}; }
Block table(Table t) { return {Block::Kind::Table, 0, {}, {}, std::move(t), nullptr}; }
Block figure(const Plot& p) { return {Block::Kind::Figure, 0, p.title, {}, {}, &p}; }

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));  // sizes, depths, counts
  return fmt::format("{:.3g}", v);
}
std::string num(const std::optional<double>& v) { return v ? num(*v) : "\u2014"; }

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") { return fmt::format("{}", fmt::join(v, sep)); }

/// At most `most` items, then "… (K in all)".
template <class T>
std::string some(const std::vector<T>& v, std::size_t most = 20) {
  std::vector<std::string> s;
  for (std::size_t i = 0; i < v.size() && i < most; ++i) s.push_back(fmt::format("{}", v[i]));
  std::string out = joined(s);
  if (v.size() > most) out += fmt::format(", \u2026 ({} in all)", v.size());
  return out;
}

std::string column_title(automata::Architecture a) { return std::string(automata::names(a).title); }

std::vector<std::string> provenance_items(const Provenance& p) {
  std::vector<std::string> out;
  out.push_back(fmt::format("Parallax {} (this report){}", p.parallax_version,
                            p.run_versions.empty() ? "" : "; runs written by parallax " + joined(p.run_versions)));
  out.push_back(fmt::format("Store: `{}` \u2014 {} run{}, {} result{}", p.store_path, p.runs, p.runs == 1 ? "" : "s",
                            p.results, p.results == 1 ? "" : "s"));
  if (p.suite)
    out.push_back(fmt::format("Suite: {} (source {}, {})", p.suite->name.empty() ? "unnamed" : p.suite->name,
                              p.suite->source.empty() ? "unknown" : p.suite->source, p.suite->quick ? "quick" : "full"));
  else
    out.push_back("Suite: none recorded (the runs were started one by one, not by `parallax run`)");
  out.push_back("Seeds: " + (p.seeds.empty() ? std::string("none (no runs)") : some(p.seeds)));
  out.push_back("Machine: " + (p.hosts.empty() ? std::string("none recorded (no runs)") : some(p.hosts)));
  if (p.first_start.empty())
    out.push_back("Dates: none (no runs)");
  else
    out.push_back(fmt::format("Dates: first start {}, last finish {}{}", p.first_start,
                              p.last_finish.empty() ? "none" : p.last_finish,
                              p.unfinished ? fmt::format(" ({} run{} not finished)", p.unfinished, p.unfinished == 1 ? "" : "s")
                                           : ""));
  return out;
}

Outline make_outline(const ReportData& d, const PlotSet& plots, const std::string& title) {
  Outline o;
  auto missing = [&](const char* table) {
    const auto it = d.missing.find(table);
    return it != d.missing.end() ? it->second : fmt::format("no data for the {} table in this store", table);
  };
  o.push_back(heading(title, 1));
  o.push_back(heading("Provenance"));
  o.push_back(list(provenance_items(d.provenance)));

  // --- expressivity ---
  o.push_back(heading("Expressivity: measured against the theory"));
  const auto& ex = d.expressivity;
  if (ex.rows.empty()) {
    o.push_back(para(missing("expressivity")));
  } else {
    std::size_t agree = 0, measured = 0;
    for (const auto& r : ex.rows)
      for (const auto& c : r.cells) {
        measured += c.measured != "not measured";
        agree += c.agreement == "agrees";
      }
    o.push_back(para(fmt::format(
        "{} disagreement{} between measurement and theory; {} of {} measured cells agree with a prediction. Each cell "
        "gives the measured outcome (succeeds: at some precision every trial at every length tested was correct; the "
        "text names the largest such length and the precision, and the precisions that fail), the theory's verdict "
        "with its citation [k], and whether the two agree (\u2014: not measured, or no theorem applies).",
        ex.disagreements.size(), ex.disagreements.size() == 1 ? "" : "s", agree, measured)));
    std::vector<std::string> citations;
    auto cite = [&](const std::string& c) -> std::string {
      if (c.empty() || c == "-") return "";
      auto it = std::find(citations.begin(), citations.end(), c);
      if (it == citations.end()) it = citations.insert(citations.end(), c);
      return fmt::format(" [{}]", it - citations.begin() + 1);
    };
    Table t;
    t.header = {"row", "class"};
    t.latex_columns = {"2.3cm", "1.7cm"};
    for (const auto& c : automata::kArchitectures) {
      t.header.push_back(std::string(c.title));
      t.latex_columns.push_back("2.55cm");
    }
    for (const auto& r : ex.rows) {
      std::vector<std::vector<std::string>> row = {{r.name}, {class_text(r.complexity)}};
      for (const auto& c : r.cells) {
        std::vector<std::string> lines;
        if (c.measured == "not measured")
          lines.push_back("not measured");
        else
          lines.push_back(fmt::format("{} ({}): {}", c.measured, joined(c.constructions), c.outcome));
        lines.push_back("theory: " + c.prediction.verdict + cite(c.prediction.citation));
        lines.push_back(c.agreement);
        row.push_back(std::move(lines));
      }
      t.rows.push_back(std::move(row));
    }
    o.push_back(table(std::move(t)));
    o.push_back(heading("Disagreements", 3));
    if (ex.disagreements.empty()) {
      o.push_back(para("None: every measured cell that a theorem speaks about agrees with it."));
    } else {
      std::vector<std::string> items;
      for (const auto& x : ex.disagreements)
        items.push_back(fmt::format("DISAGREES \u2014 {} \u00d7 {}: measured {}; theory: {}", x.row, column_title(x.column),
                                    x.measured, x.predicted));
      o.push_back(list(std::move(items)));
    }
    o.push_back(heading("Citations", 3));
    std::vector<std::string> items;
    for (std::size_t i = 0; i < citations.size(); ++i) items.push_back(fmt::format("[{}] {}", i + 1, citations[i]));
    if (items.empty()) o.push_back(para("No cell has a theorem."));
    else o.push_back(list(std::move(items)));
    o.push_back(heading("Predictions in detail", 3));
    items.clear();
    for (const auto& r : ex.rows)
      for (const auto& c : r.cells)
        items.push_back(fmt::format("{} \u00d7 {}: {} \u2014 {}{}", r.name, column_title(c.column), c.prediction.verdict,
                                    c.prediction.reason, cite(c.prediction.citation)));
    o.push_back(list(std::move(items)));
  }

  // --- depth ---
  o.push_back(heading("Circuit depth and size"));
  if (d.depth.empty()) {
    o.push_back(para(missing("depth")));
  } else {
    o.push_back(para("Depth and size of the circuits compiled from each model (`parallax circuit`), with the growth law "
                     "that fits best among constant, a + b\u00b7log2 n and a + b\u00b7n (least squares)."));
    Table t;
    t.header = {"model", "network", "fan-in", "depth at n", "size at largest n", "depth law", "size law"};
    t.latex_columns = {"3cm", "l", "l", "6cm", "r", "4.5cm", "4.5cm"};
    for (const auto& r : d.depth) {
      std::vector<std::string> at;
      for (const auto& [n, v] : r.depth) at.push_back(fmt::format("{}: {}", format_n(n), num(v)));
      t.rows.push_back({{r.model},
                        {r.network},
                        {r.fanin},
                        {joined(at)},
                        {r.size.empty() ? "\u2014" : fmt::format("{} (n = {})", num(r.size.back().second), format_n(r.size.back().first))},
                        {r.depth_law ? experiment::describe(*r.depth_law) : "one length: no fit"},
                        {r.size_law ? experiment::describe(*r.size_law) : "one length: no fit"}});
    }
    o.push_back(table(std::move(t)));
  }

  // --- precision ---
  o.push_back(heading("Minimum precision"));
  if (d.precision.empty()) {
    o.push_back(para(missing("precision")));
  } else {
    o.push_back(para("The fewest significand bits (float:M:E) or interval endpoint bits that decide every trial "
                     "correctly, per length (`--min-bits`), and the law fitted to them (at least 3 lengths with a width)."));
    Table t;
    t.header = {"row", "construction", "arithmetic", "mode", "min bits at n", "law"};
    t.latex_columns = {"2.5cm", "l", "l", "l", "9cm", "4.5cm"};
    for (const auto& r : d.precision) {
      std::vector<std::string> at;
      for (const auto& [n, b] : r.bits) at.push_back(fmt::format("{}: {}", format_n(n), b ? std::to_string(*b) : "not found"));
      t.rows.push_back({{r.row}, {r.construction}, {r.arithmetic}, {r.mode}, {joined(at)},
                        {r.law ? "min bits \u2248 " + law_text(*r.law) : "fewer than 3 lengths with a width: no fit"}});
    }
    o.push_back(table(std::move(t)));
  }

  // --- per position ---
  o.push_back(heading("Stepwise problems: accuracy per position"));
  if (d.steps.empty()) {
    o.push_back(para(missing("steps")));
  } else {
    o.push_back(para(
        "For a stepwise problem `parallax reduce` also compares the model's output after every position with the "
        "reference label: per length, the fraction of positions right over all trials (sequentially and by the scan) "
        "and the first position wrong in any trial. The readout is `state` (the label of the one-hot state's largest "
        "coordinate), `decision` (the model's accept/reject after every prefix against the decision the labels "
        "imply) or `none` (a model with no output per position, whose final decision alone is checked)."));
    Table t;
    t.header = {"row", "construction", "readout", "precision", "accuracy per position at n (first wrong position)"};
    t.latex_columns = {"2.5cm", "l", "l", "l", "11cm"};
    for (const auto& r : d.steps) {
      std::vector<std::string> at;
      for (const auto& p : r.points) {
        if (r.check == "none" || p.positions == 0) {
          at.push_back(fmt::format("{}: \u2014", format_n(p.length)));
          continue;
        }
        // rounded down, so that only every position right reads 1
        const double a = std::floor(1e4 * double(p.correct) / double(p.positions)) / 1e4;
        at.push_back(fmt::format("{}: {} ({})", format_n(p.length), p.correct == p.positions ? "1" : fmt::format("{:.4f}", a),
                                 p.first_wrong ? fmt::format("t = {}", *p.first_wrong) : "none wrong"));
      }
      t.rows.push_back({{r.row}, {r.construction}, {r.check}, {r.precision},
                        {r.check == "none" ? "no output per position: only the final decision is checked" : joined(at)}});
    }
    o.push_back(table(std::move(t)));
  }

  // --- Newton ---
  o.push_back(heading("Parallel Newton solves"));
  if (d.newton.empty()) {
    o.push_back(para(missing("newton")));
  } else {
    o.push_back(para(d.newton_summary + "."));
    Table t;
    t.header = {"cell", "hidden", "method", "precision", "length", "iterations", "status", "residual", "max error vs sequential",
                "speed-up"};
    t.latex_columns = {"l", "r", "l", "l", "r", "r", "l", "r", "r", "r"};
    for (const auto& r : d.newton)
      t.rows.push_back({{r.cell}, {std::to_string(r.hidden)}, {r.method}, {r.precision}, {format_n(r.length)},
                        {num(r.iterations)}, {r.status}, {num(r.residual)}, {num(r.max_error)},
                        {r.speedup ? num(*r.speedup) + "\u00d7" : "\u2014"}});
    o.push_back(table(std::move(t)));
  }

  // --- plots ---
  o.push_back(heading("Plots"));
  if (!plots.note.empty()) o.push_back(para(plots.note));
  for (const auto& p : plots.plots) o.push_back(figure(p));

  if (!d.notes.empty()) {
    o.push_back(heading("Notes"));
    o.push_back(list(d.notes));
  }
  return o;
}

/// Splits text into plain (even index) and code (odd index) segments.
std::vector<std::string> segments(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == '`') out.emplace_back();
    else out.back() += c;
  }
  if (out.size() % 2 == 0) {  // an unmatched backquote: keep it as text
    out[out.size() - 2] += "`" + out.back();
    out.pop_back();
  }
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// --- Markdown ---

std::string md_plain(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '|': out += "\\|"; break;
      case '*': out += "\\*"; break;
      case '_': out += "\\_"; break;
      case '<': out += "&lt;"; break;
      case '\n': out += ' '; break;
      default: out += c;
    }
  }
  replace_all(out, "DISAGREES", "**DISAGREES**");
  return out;
}

std::string md_inline(const std::string& s) {
  const auto seg = segments(s);
  std::string out;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (i % 2 == 0) {
      out += md_plain(seg[i]);
    } else {
      std::string code = seg[i];
      replace_all(code, "|", "\\|");
      out += "`" + code + "`";
    }
  }
  return out;
}

// --- HTML ---

std::string html_plain(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  replace_all(out, "DISAGREES", "<strong class=\"dis\">DISAGREES</strong>");
  return out;
}

std::string html_inline(const std::string& s) {
  const auto seg = segments(s);
  std::string out;
  for (std::size_t i = 0; i < seg.size(); ++i) out += i % 2 ? "<code>" + html_plain(seg[i]) + "</code>" : html_plain(seg[i]);
  return out;
}

// --- LaTeX ---

std::string tex_inline(const std::string& s) {
  const auto seg = segments(s);
  std::string out;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    std::string t = latex_escape(seg[i]);
    if (i % 2) {
      out += "\\texttt{" + t + "}";
    } else {
      replace_all(t, "DISAGREES", "\\textbf{DISAGREES}");
      out += t;
    }
  }
  return out;
}

/// Atomic and checked (numeric/output.hpp); a failure is io::WriteError.
void write_text(const fs::path& p, const std::string& text) { io::write_file_atomic(p.string(), text); }

}  // namespace

const std::vector<std::string>& report_formats() {
  static const std::vector<std::string> f = {"md", "html", "tex", "csv"};
  return f;
}

std::vector<std::string> parse_formats(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string f = list.substr(start, end - start);
    f.erase(0, f.find_first_not_of(" \t"));
    f.erase(f.find_last_not_of(" \t") + 1);
    if (std::find(report_formats().begin(), report_formats().end(), f) == report_formats().end())
      throw ReportError(fmt::format("--format: '{}' is not a report format (expected a comma-separated list of {})", f,
                                    joined(report_formats())));
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    start = end + 1;
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string latex_escape(const std::string& s) {
  static const std::vector<std::pair<std::string, std::string>> unicode = {
      {"\u2248", "$\\approx$"}, {"\u00b7", "$\\cdot$"},  {"\u2212", "$-$"},       {"\u2014", "---"},
      {"\u2013", "--"},         {"\u00d7", "$\\times$"}, {"\u2026", "\\ldots{}"}, {"\u2192", "$\\to$"},
      {"\u2264", "$\\leq$"},    {"\u2265", "$\\geq$"},   {"\u2286", "$\\subseteq$"}};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': out += "\\textbackslash{}"; break;
        case '&': out += "\\&"; break;
        case '%': out += "\\%"; break;
        case '$': out += "\\$"; break;
        case '#': out += "\\#"; break;
        case '_': out += "\\_"; break;
        case '{': out += "\\{"; break;
        case '}': out += "\\}"; break;
        case '~': out += "\\textasciitilde{}"; break;
        case '^': out += "\\textasciicircum{}"; break;
        case '<': out += "\\textless{}"; break;
        case '>': out += "\\textgreater{}"; break;
        case '\n': out += ' '; break;
        default: out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    bool known = false;
    for (const auto& [u, t] : unicode)
      if (s.compare(i, u.size(), u) == 0) {
        out += t;
        i += u.size();
        known = true;
        break;
      }
    if (known) continue;
    // skip one UTF-8 character of any other kind
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    out += '?';
    i += std::min(len, s.size() - i);
  }
  return out;
}

std::string render_markdown(const ReportData& data, const PlotSet& plots, const std::string& title) {
  std::string out;
  for (const auto& b : make_outline(data, plots, title)) {
    switch (b.kind) {
      case Block::Kind::Heading: out += std::string(static_cast<std::size_t>(b.level), '#') + " " + md_inline(b.text) + "\n\n"; break;
      case Block::Kind::Para: out += md_inline(b.text) + "\n\n"; break;
      case Block::Kind::List:
        for (const auto& i : b.items) out += "- " + md_inline(i) + "\n";
        out += "\n";
        break;
      case Block::Kind::Table: {
        std::vector<std::string> h, rule;
        for (const auto& x : b.table.header) h.push_back(md_inline(x)), rule.push_back("---");
        out += "| " + joined(h, " | ") + " |\n| " + joined(rule, " | ") + " |\n";
        for (const auto& row : b.table.rows) {
          std::vector<std::string> cells;
          for (const auto& cell : row) {
            std::vector<std::string> lines;
            for (const auto& l : cell) lines.push_back(md_inline(l));
            cells.push_back(joined(lines, "<br>"));
          }
          out += "| " + joined(cells, " | ") + " |\n";
        }
        out += "\n";
        break;
      }
      case Block::Kind::Figure:
        out += fmt::format("![{}](plots/{}.png)\n\n", md_inline(b.plot->title), b.plot->name);
        break;
    }
  }
  return out;
}

std::string render_html(const ReportData& data, const PlotSet& plots, const std::string& title) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n"
      "body {{ font-family: sans-serif; margin: 2em; max-width: 110em; color: #222; }}\n"
      "table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }}\n"
      "th, td {{ border: 1px solid #bbb; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }}\n"
      "th {{ background: #eee; }}\n"
      "code {{ background: #f4f4f4; padding: 0 0.2em; }}\n"
      ".dis {{ color: #b00; }}\n"
      "td.dis {{ background: #fdd; }}\n"
      "figure {{ margin: 1em 0; }}\n"
      "</style>\n</head>\n<body>\n",
      html_plain(title));
  for (const auto& b : make_outline(data, plots, title)) {
    switch (b.kind) {
      case Block::Kind::Heading: out += fmt::format("<h{0}>{1}</h{0}>\n", b.level, html_inline(b.text)); break;
      case Block::Kind::Para: out += "<p>" + html_inline(b.text) + "</p>\n"; break;
      case Block::Kind::List:
        out += "<ul>\n";
        for (const auto& i : b.items) out += "<li>" + html_inline(i) + "</li>\n";
        out += "</ul>\n";
        break;
      case Block::Kind::Table:
        out += "<table>\n<thead><tr>";
        for (const auto& h : b.table.header) out += "<th>" + html_inline(h) + "</th>";
        out += "</tr></thead>\n<tbody>\n";
        for (const auto& row : b.table.rows) {
          out += "<tr>";
          for (const auto& cell : row) {
            std::vector<std::string> lines;
            bool dis = false;
            for (const auto& l : cell) {
              lines.push_back(html_inline(l));
              dis = dis || l == "DISAGREES";
            }
            out += (dis ? "<td class=\"dis\">" : "<td>") + joined(lines, "<br>") + "</td>";
          }
          out += "</tr>\n";
        }
        out += "</tbody>\n</table>\n";
        break;
      case Block::Kind::Figure:
        out += "<figure>\n" + b.plot->svg + "\n<figcaption>" + html_inline(b.plot->title) + "</figcaption>\n</figure>\n";
        break;
    }
  }
  return out + "</body>\n</html>\n";
}

std::string render_latex(const ReportData& data, const PlotSet& plots, const std::string& title) {
  std::string out =
      "\\documentclass[10pt]{article}\n"
      "\\usepackage[utf8]{inputenc}\n"
      "\\usepackage[T1]{fontenc}\n"
      "\\usepackage[a4paper,landscape,margin=1.5cm]{geometry}\n"
      "\\usepackage{booktabs}\n"
      "\\usepackage{longtable}\n"
      "\\usepackage{array}\n"
      "\\usepackage{graphicx}\n"
      "\\setlength{\\parindent}{0pt}\n"
      "\\setlength{\\parskip}{0.5em}\n";
  out += "\\title{" + latex_escape(title) + "}\n\\date{}\n\\begin{document}\n\\maketitle\n";
  for (const auto& b : make_outline(data, plots, title)) {
    switch (b.kind) {
      case Block::Kind::Heading:
        if (b.level == 1) break;  // the title
        out += (b.level == 2 ? "\\section*{" : "\\subsection*{") + tex_inline(b.text) + "}\n";
        break;
      case Block::Kind::Para: out += tex_inline(b.text) + "\n\n"; break;
      case Block::Kind::List:
        if (b.items.empty()) break;
        out += "\\begin{itemize}\n";
        for (const auto& i : b.items) out += "\\item{} " + tex_inline(i) + "\n";  // {}: an item may start with [
        out += "\\end{itemize}\n";
        break;
      case Block::Kind::Table: {
        std::string spec = "@{}";
        std::vector<bool> wrapped;
        for (const auto& c : b.table.latex_columns) {
          const bool w = c != "l" && c != "r";
          wrapped.push_back(w);
          spec += w ? ">{\\raggedright\\arraybackslash}p{" + c + "}" : c;
        }
        spec += "@{}";
        std::vector<std::string> h;
        for (const auto& x : b.table.header) h.push_back("\\textbf{" + tex_inline(x) + "}");
        out += "\\begingroup\\footnotesize\n\\begin{longtable}{" + spec + "}\n\\toprule\n" + joined(h, " & ") +
               " \\\\\n\\midrule\n\\endhead\n";
        for (const auto& row : b.table.rows) {
          std::vector<std::string> cells;
          for (std::size_t k = 0; k < row.size(); ++k) {
            std::vector<std::string> lines;
            for (const auto& l : row[k]) lines.push_back(tex_inline(l));
            cells.push_back(joined(lines, k < wrapped.size() && wrapped[k] ? " \\newline " : "; "));
          }
          // after the previous row's \\, a leading [ or * would be read as its argument
          if (!cells.empty() && (cells[0].starts_with("[") || cells[0].starts_with("*"))) cells[0] = "{}" + cells[0];
          out += joined(cells, " & ") + " \\\\\n";
        }
        out += "\\bottomrule\n\\end{longtable}\n\\endgroup\n";
        break;
      }
      case Block::Kind::Figure:
        out += fmt::format("\\begin{{center}}\n\\includegraphics[width=0.7\\linewidth]{{plots/{}.png}}\\\\\n{}\n\\end{{center}}\n",
                           b.plot->name, tex_inline(b.plot->title));
        break;
    }
  }
  return out + "\\end{document}\n";
}

std::map<std::string, std::string> render_csv(const ReportData& d) {
  auto line = [](const std::vector<std::string>& fields) {
    std::vector<std::string> f;
    for (const auto& x : fields) f.push_back(csv_field(x));
    return joined(f, ",") + "\n";
  };
  auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); };
  std::map<std::string, std::string> out;

  std::string ex = line({"row", "class", "architecture", "measured", "outcome", "prediction", "citation", "agreement"});
  for (const auto& r : d.expressivity.rows)
    for (const auto& c : r.cells)
      ex += line({r.name, class_text(r.complexity), automata::to_string(c.column), c.measured, c.outcome, c.prediction.verdict, c.prediction.citation, c.agreement});
  out["expressivity.csv"] = ex;

  std::string dep = line({"model", "network", "fanin", "n", "depth", "size", "depth_law", "size_law"});
  for (const auto& r : d.depth)
    for (std::size_t i = 0; i < r.depth.size(); ++i)
      dep += line({r.model, r.network, r.fanin, std::to_string(r.depth[i].first), fmt::format("{}", r.depth[i].second),
                   fmt::format("{}", r.size[i].second), r.depth_law ? experiment::describe(*r.depth_law) : "",
                   r.size_law ? experiment::describe(*r.size_law) : ""});
  out["depth.csv"] = dep;

  std::string pre = line({"row", "construction", "arithmetic", "mode", "n", "min_bits", "law"});
  for (const auto& r : d.precision)
    for (const auto& [n, b] : r.bits)
      pre += line({r.row, r.construction, r.arithmetic, r.mode, std::to_string(n), b ? std::to_string(*b) : "",
                   r.law ? law_text(*r.law) : ""});
  out["precision.csv"] = pre;

  std::string st = line({"row", "construction", "readout", "precision", "n", "positions", "correct", "step_accuracy",
                         "first_wrong_step"});
  for (const auto& r : d.steps)
    for (const auto& p : r.points) {
      const bool checked = r.check != "none";
      st += line({r.row, r.construction, r.check, r.precision, std::to_string(p.length),
                  checked ? std::to_string(p.positions) : "", checked ? std::to_string(p.correct) : "",
                  checked && p.positions ? fmt::format("{}", double(p.correct) / double(p.positions)) : "",
                  p.first_wrong ? std::to_string(*p.first_wrong) : ""});
    }
  out["steps.csv"] = st;

  std::string nw = line({"cell", "hidden", "method", "precision", "length", "iterations", "status", "residual",
                         "max_error_vs_sequential", "speedup"});
  for (const auto& r : d.newton)
    nw += line({r.cell, std::to_string(r.hidden), r.method, r.precision, std::to_string(r.length), opt(r.iterations), r.status,
                opt(r.residual), opt(r.max_error), opt(r.speedup)});
  out["newton.csv"] = nw;
  return out;
}

ReportFiles write_report(const ReportData& data, const ReportOptions& options) {
  for (const auto& f : options.formats)
    if (std::find(report_formats().begin(), report_formats().end(), f) == report_formats().end())
      throw ReportError(fmt::format("format '{}' is not one of {}", f, joined(report_formats())));
  if (options.out_dir.empty()) throw ReportError("no output directory given");
  const fs::path dir(options.out_dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw ReportError(fmt::format("{}: exists and is not a directory", options.out_dir));
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw ReportError(fmt::format("{}: cannot create the output directory{}", options.out_dir, ec ? ": " + ec.message() : ""));

  ReportFiles files;
  PlotSet plots;
  if (options.plots) {
    try {
      plots = make_plots(data, options.out_dir, options.gnuplot);
    } catch (const io::WriteError&) {
      throw;  // a failed write, not a bad --out
    } catch (const std::runtime_error& e) {
      throw ReportError(e.what());
    }
  } else {
    plots.note = "plots were not made: --no-plots was given";
  }
  std::set<std::string> want(options.formats.begin(), options.formats.end());
  if (want.count("md")) {
    write_text(dir / "report.md", render_markdown(data, plots, options.title));
    files.files.push_back((dir / "report.md").string());
  }
  if (want.count("html")) {
    write_text(dir / "report.html", render_html(data, plots, options.title));
    files.files.push_back((dir / "report.html").string());
  }
  if (want.count("tex")) {
    write_text(dir / "report.tex", render_latex(data, plots, options.title));
    files.files.push_back((dir / "report.tex").string());
  }
  if (want.count("csv"))
    for (const auto& [name, text] : render_csv(data)) {
      write_text(dir / name, text);
      files.files.push_back((dir / name).string());
    }
  for (const auto& f : plots.files) files.files.push_back(f);
  files.disagreements = data.expressivity.disagreements.size();
  files.plots_made = plots.made;
  files.plots_note = plots.note;
  return files;
}

}  // namespace parallax::report
