#include "experiment/suite.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "numeric/limits.hpp"

namespace parallax::experiment {
namespace {

std::string where(const std::string& file, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", file, r.begin.line, r.begin.column);
}

/// A TOML value as JSON: strings, integers, floats, booleans and arrays of them.
nlohmann::ordered_json to_json(const toml::node& n, const std::string& file, const std::string& key) {
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) {
    if (!std::isfinite(f->get()))
      throw SuiteError(fmt::format("{}: '{}' must be a finite number (inf and nan are not option values)",
                                   where(file, n.source()), key));
    return f->get();
  }
  if (const auto* b = n.as_boolean()) return b->get();
  if (const auto* a = n.as_array()) {
    auto out = nlohmann::ordered_json::array();
    if (a->empty())
      throw SuiteError(fmt::format("{}: '{}' is an empty list: give at least one value, or leave the key out",
                                   where(file, n.source()), key));
    for (const auto& e : *a) {
      if (e.is_array() || e.is_table())
        throw SuiteError(fmt::format("{}: '{}': arrays hold strings, numbers or booleans", where(file, e.source()), key));
      out.push_back(to_json(e, file, key));
    }
    return out;
  }
  throw SuiteError(fmt::format("{}: '{}': expected a string, number, boolean or array (dates and nested tables are not options)",
                               where(file, n.source()), key));
}

/// An integer value from lo to hi.
std::uint64_t integer(const toml::node& n, const std::string& file, const std::string& key, std::uint64_t lo,
                      std::uint64_t hi) {
  const auto* i = n.as_integer();
  if (!i || i->get() < 0 || std::uint64_t(i->get()) < lo || std::uint64_t(i->get()) > hi)
    throw SuiteError(fmt::format("{}: '{}' must be an integer from {} to {}{}", where(file, n.source()), key, lo, hi,
                                 i ? fmt::format(", got {}", i->get()) : ""));
  return static_cast<std::uint64_t>(i->get());
}

}  // namespace

Suite parse_suite(const std::string& text, const std::string& file) {
  Suite s;
  s.file = file;
  s.text = text;
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw SuiteError(fmt::format("{}: {}", where(file, e.source()), e.description()));
  }
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (key == "name" || key == "description") {
      if (!node.is_string()) throw SuiteError(fmt::format("{}: '{}' must be a string", where(file, node.source()), key));
      (key == "name" ? s.name : s.description) = node.as_string()->get();
    } else if (key == "seed") {
      s.seed = integer(node, file, key, 0, std::uint64_t(std::numeric_limits<std::int64_t>::max()));
    } else if (key == "trials") {
      s.trials = integer(node, file, key, 1, limits::kMaxTrials);
    } else if (const auto* arr = node.as_array(); arr && arr->is_array_of_tables()) {
      std::size_t index = 0;
      for (const auto& t : *arr) {
        const auto& table = *t.as_table();
        SuiteEntry e;
        e.kind = key;
        e.index = ++index;
        e.line = static_cast<int>(table.source().begin.line);
        for (const auto& [ok, on] : table) {
          const std::string okey(ok.str());
          const int line = static_cast<int>(on.source().begin.line);
          if (okey == "quick") {
            if (const auto* b = on.as_boolean()) {
              e.in_quick = b->get();
            } else if (const auto* q = on.as_table()) {
              e.quick = nlohmann::ordered_json::object();
              for (const auto& [qk, qn] : *q) {
                const std::string qkey(qk.str());
                if (qkey == "quick")
                  throw SuiteError(fmt::format("{}: 'quick' inside 'quick'", where(file, qn.source())));
                e.quick[qkey] = to_json(qn, file, qkey);
                e.quick_lines[qkey] = static_cast<int>(qn.source().begin.line);
              }
            } else {
              throw SuiteError(fmt::format("{}: 'quick' must be false (skip under --quick) or a table of overrides, "
                                           "e.g. quick = {{ lengths = \"16..256x4\" }}",
                                           where(file, on.source())));
            }
            continue;
          }
          e.options[okey] = to_json(on, file, okey);
          e.lines[okey] = line;
        }
        s.entries.push_back(std::move(e));
      }
    } else if (node.is_table() ||
               (node.is_array() && !node.as_array()->empty() && node.as_array()->front().is_table())) {
      throw SuiteError(fmt::format("{}: '{}' is {}: write each entry as a [[{}]] table (double brackets)",
                                   where(file, node.source()), key,
                                   node.is_table() ? "a single table" : "an inline array", key));
    } else {
      throw SuiteError(fmt::format(
          "{}: unknown top-level key '{}': a suite has name, description, seed, trials and entries written as "
          "[[reduce]], [[recognize]], [[circuit]], [[solve]] tables",
          where(file, node.source()), key));
    }
  }
  return s;
}

Suite quick_suite(const Suite& s) {
  Suite q = s;
  q.quick = true;
  q.entries.clear();
  for (const auto& e : s.entries) {
    if (!e.in_quick) continue;
    SuiteEntry c = e;
    if (c.quick.is_object())
      for (const auto& [k, v] : c.quick.items()) {
        c.options[k] = v;
        c.lines[k] = c.quick_lines.at(k);
      }
    q.entries.push_back(std::move(c));
  }
  return q;
}

}  // namespace parallax::experiment
