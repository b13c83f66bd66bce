#include "cli/common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string_view>

#include "numeric/precision.hpp"

namespace parallax::cli {

void FormatFlags::add_to(CLI::App& app) {
  auto* j = app.add_flag("--json", json, "Print JSON Lines, one record per line");
  auto* c = app.add_flag("--csv", csv, "Print CSV with a header line");
  j->excludes(c);
}

void print_csv_record(const nlohmann::ordered_json& record, std::vector<std::string> columns) {
  Records rows(std::move(columns));
  rows.add(record);
  rows.print(Format::Csv);
}

std::string cell_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  if (v.is_array()) {  // a list of words: space separated
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : " ") + cell_text(x);
    return out;
  }
  return v.dump();
}

namespace {
std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
/// Display width of UTF-8 text: code points, not bytes (subscripts such as "S₅").
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t w) {
  const std::size_t have = display_width(s);
  return have >= w ? s : s + std::string(w - have, ' ');
}
}  // namespace

void Records::print(Format f) const {
  // One text, written through std::cout (which main routes to stdout, where
  // fmt::print writes too): a caller can catch it in a string by swapping
  // std::cout's buffer (circuit --out), and main checks the write at the end.
  std::string text;
  auto line = [&text](const std::string& s) {
    text += s;
    text += '\n';
  };
  if (f == Format::Json) {
    for (const auto& r : rows_) line(r.dump());
  } else {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows_) {
      std::vector<std::string> row;
      for (const auto& c : columns_) row.push_back(r.contains(c) ? cell_text(r.at(c)) : "");
      cells.push_back(std::move(row));
    }
    if (f == Format::Csv) {
      std::vector<std::string> head;
      for (const auto& c : columns_) head.push_back(csv_escape(c));
      line(fmt::format("{}", fmt::join(head, ",")));
      for (auto& row : cells) {
        for (auto& s : row) s = csv_escape(s);
        line(fmt::format("{}", fmt::join(row, ",")));
      }
    } else {
      std::vector<std::size_t> width(columns_.size());
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        width[i] = display_width(columns_[i]);
        for (const auto& row : cells) width[i] = std::max(width[i], display_width(row[i]));
      }
      auto table_row = [&](const std::vector<std::string>& row) {
        std::string out;
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i) out += "  ";
          out += pad(row[i], width[i]);
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        line(out);
      };
      table_row(columns_);
      std::vector<std::string> rule;
      for (auto w : width) rule.push_back(std::string(w, '-'));
      table_row(rule);
      for (const auto& row : cells) table_row(row);
    }
  }
  std::cout << text;
  std::cout.flush();
}

namespace {

// The type CLI11 names for an option ("UINT", "INT", "FLOAT", …), without
// the descriptions of its validators.
std::string base_type(const CLI::Option& o) {
  const std::string t = o.get_type_name();
  return t.substr(0, t.find(':'));
}

// Integers in decimal: digits after an optional '+', or '-' too where
// negative values are allowed.
CLI::Validator decimal_integer(bool negative_allowed) {
  return CLI::Validator(
      [negative_allowed](std::string& v) -> std::string {
        std::string_view d = v;
        if (!d.empty() && (d[0] == '+' || (negative_allowed && d[0] == '-'))) d.remove_prefix(1);
        const bool ok = !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
        return ok ? "" : fmt::format("expects a {}decimal integer, got '{}'", negative_allowed ? "" : "non-negative ", v);
      },
      "", negative_allowed ? "decimal integer" : "decimal unsigned");
}

}  // namespace

void check_numeric_options(CLI::App& app) {
  for (CLI::Option* o : app.get_options()) {
    const std::string type = base_type(*o);
    if (type == "UINT" || type == "INT") {
      o->check(decimal_integer(type == "INT"));
    } else if (type == "FLOAT") {
      o->check(CLI::Validator(
          [](std::string& v) -> std::string {
            double x = 0;
            return CLI::detail::lexical_cast(v, x) && std::isfinite(x) ? ""
                                                                        : "expects a finite number, got '" + v + "'";
          },
          "", "finite"));
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) check_numeric_options(*sub);
}

}  // namespace parallax::cli
