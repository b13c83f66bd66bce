#include "report/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "experiment/records.hpp"
#include "experiment/records.hpp"
#include "experiment/solve.hpp"

#ifndef PARALLAX_VERSION
#define PARALLAX_VERSION "unknown"
#endif

namespace parallax::report {
namespace {

using Json = nlohmann::json;
using experiment::RecordFields;

bool finite_precision(const std::string& p) { return p != "exact" && !p.starts_with("interval"); }

std::string coef(double v) {
  if (std::abs(v - std::round(v)) < 0.005) return fmt::format("{}", static_cast<long long>(std::llround(v)));
  return std::abs(v) >= 0.01 ? fmt::format("{:.2f}", v) : fmt::format("{:.3g}", v);
}

/// The per-cell accumulator: precision → n → every trial correct.
struct CellAcc {
  std::set<std::string> constructions;
  std::map<std::string, std::map<std::size_t, bool>> ok;
  std::vector<experiment::MinBitsRecord> min_bits;
};

/// The outcome text and verdict of a cell from its precisions.
void judge(Cell& c) {
  const PrecisionOutcome* best = nullptr;  // exact everywhere, largest n, finite preferred
  std::vector<const PrecisionOutcome*> failing;
  for (const auto& p : c.precisions) {
    if (p.lengths.empty()) continue;
    if (p.first_failure) {
      failing.push_back(&p);
      continue;
    }
    if (!best) {
      best = &p;
      continue;
    }
    const auto key = [](const PrecisionOutcome* q) { return std::make_pair(q->lengths.back(), finite_precision(q->precision)); };
    if (key(&p) > key(best)) best = &p;
  }
  if (!best && failing.empty()) {
    c.measured = "not measured";
    c.outcome = "not measured";
    return;
  }
  std::vector<std::string> parts;
  if (best) {
    c.measured = "succeeds";
    parts.push_back(fmt::format("exact to n = {} at {}", format_n(best->lengths.back()), best->precision));
    // the precisions that fail although another succeeds (e.g. fp32 against exact)
    std::sort(failing.begin(), failing.end(), [](auto* a, auto* b) { return a->precision < b->precision; });
    std::size_t shown = 0;
    for (const auto* f : failing) {
      if (++shown > 3) {
        parts.push_back(fmt::format("and {} more failing precisions", failing.size() - 3));
        break;
      }
      parts.push_back(fmt::format("fails from n = {} at {}", format_n(*f->first_failure), f->precision));
    }
  } else {
    c.measured = "fails";
    // the precision whose first failure is latest; at a tie, exact
    // arithmetic (a failure there is not a rounding effect)
    const auto* w = *std::max_element(failing.begin(), failing.end(), [](auto* a, auto* b) {
      return std::make_pair(*a->first_failure, !finite_precision(a->precision)) <
             std::make_pair(*b->first_failure, !finite_precision(b->precision));
    });
    parts.push_back(fmt::format("fails from n = {} at {}", format_n(*w->first_failure), w->precision));
  }
  if (c.min_bits) parts.push_back("min bits \u2248 " + law_text(c.min_bits->fit));
  c.outcome = fmt::format("{}", fmt::join(parts, "; "));
}

/// The fit of a cell's minimum bits: per (arithmetic, mode, n) the fewest bits
/// any of its constructions needed; the float / sequential series first.
std::optional<experiment::MinBitsFit> cell_fit(const std::vector<experiment::MinBitsRecord>& records) {
  std::map<std::tuple<std::string, std::string, std::size_t>, experiment::MinBitsRecord> least;
  for (const auto& r : records) {
    if (!r.bits) continue;
    auto [it, fresh] = least.try_emplace({r.arithmetic, r.mode, r.length}, r);
    if (!fresh && *r.bits < *it->second.bits) it->second = r;
  }
  std::vector<experiment::MinBitsRecord> merged;
  for (auto& [k, r] : least) merged.push_back(r);
  const auto fits = experiment::fit_min_bits(merged);
  if (fits.empty()) return std::nullopt;
  for (const auto& f : fits)
    if (f.arithmetic == "float" && f.mode == "sequential") return f;
  return fits.front();
}

std::string join_lines(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); }

}  // namespace

std::string format_n(std::size_t n) {
  if (n >= 1000) {
    std::size_t p = 1;
    int k = 0;
    while (p < n && p <= std::numeric_limits<std::size_t>::max() / 10) p *= 10, ++k;
    if (p == n) return fmt::format("10^{}", k);
  }
  if (n >= (1u << 16) && (n & (n - 1)) == 0) {
    int k = 0;
    while ((std::size_t{1} << k) < n) ++k;
    return fmt::format("2^{}", k);
  }
  return std::to_string(n);
}

std::string law_text(const experiment::LawFit& f) {
  if (f.law == experiment::Law::Constant) return coef(f.a);
  const std::string var = f.law == experiment::Law::Logarithmic ? "log2 n" : "n";
  std::string s = fmt::format("{}\u00b7{}", std::abs(f.b) >= 0.01 ? fmt::format("{:.2f}", f.b) : fmt::format("{:.3g}", f.b), var);
  if (std::abs(f.a) >= 0.005) s += fmt::format(" {} {}", f.a < 0 ? "\u2212" : "+", coef(std::abs(f.a)));
  return s;
}

ReportData collect(const experiment::Store& store) {
  ReportData d;
  const auto runs = store.runs();
  const auto results = store.results();
  std::map<std::int64_t, const experiment::Store::Run*> run_of;
  for (const auto& r : runs) run_of[r.id] = &r;

  // --- provenance ---
  auto& pv = d.provenance;
  pv.parallax_version = PARALLAX_VERSION;
  pv.store_path = store.path();
  pv.runs = runs.size();
  pv.results = results.size();
  std::set<std::string> versions, hosts;
  std::set<std::uint64_t> seeds;
  for (const auto& r : runs) {
    versions.insert(r.version);
    hosts.insert(r.host);
    seeds.insert(r.seed);
    if (pv.first_start.empty() || r.started < pv.first_start) pv.first_start = r.started;
    if (!r.finished) ++pv.unfinished;
    else if (*r.finished > pv.last_finish) pv.last_finish = *r.finished;
  }
  pv.run_versions.assign(versions.begin(), versions.end());
  pv.hosts.assign(hosts.begin(), hosts.end());
  pv.seeds.assign(seeds.begin(), seeds.end());

  // --- accumulate ---
  std::map<std::string, std::map<automata::Architecture, CellAcc>> cells;  // row → column → cell
  std::map<std::string, bool> row_is_problem;                   // seen in a reduce run
  std::map<std::string, std::size_t> unmapped;                  // construction → records
  std::map<std::tuple<bool, std::string, std::string>, std::optional<automata::Architecture>> column_cache;
  auto column = [&](bool problem, const std::string& row, const std::string& con) {
    const auto key = std::make_tuple(problem, row, con);
    auto it = column_cache.find(key);
    if (it == column_cache.end()) it = column_cache.emplace(key, column_of(problem, row, con)).first;
    return it->second;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::map<std::size_t, double>>> accuracy;
  std::set<std::pair<std::string, std::string>> failing_pairs;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::map<std::size_t, std::optional<int>>> bits;
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::size_t, std::pair<double, double>>> circuits;
  // (row, construction, check, precision) → n → the per-position check, summed
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::map<std::size_t, StepRow::Point>> steps;
  // Every field used is checked: a record edited by hand or written by another
  // tool stops the report with the store, the run, the result and the field
  // named (experiment::StoredRecordError), instead of being skipped or misread.
  for (const auto& res : results) {
    const auto* run = run_of.count(res.run) ? run_of[res.run] : nullptr;
    const std::string command = run ? run->command : "";
    const Json config = run && run->config.is_object() ? run->config : Json::object();
    const std::string place =
        experiment::stored_place(store.path(), res.run, command.empty() ? "no such run" : command, res.key);
    const Json rec(res.record);
    experiment::read_stored(place, [&] {
      const bool reduce = command == "reduce", recognize = command == "recognize";
      const bool known = ((reduce || recognize) && (res.kind == "record" || res.kind == "min-bits")) ||
                         (command == "circuit" && res.kind == "circuit") ||
                         (command == "solve" && res.kind == "solve") || res.kind == "suite";
      if (!known) return 0;  // results of other commands and kinds are not part of the report
      const RecordFields f(rec);
      if ((reduce || recognize) && res.kind == "record") {
        const auto line = experiment::accuracy_line_from_json(rec, config, reduce);
        const auto& r = line.record;
        const std::string &row = line.row, &con = line.construction;
        const auto n = r.length;
        const std::string& prec = r.precision;
        const double a = r.accuracy();
        const bool ok = r.trials > 0 && r.correct == r.trials && r.undecided == 0;
        row_is_problem[row] = row_is_problem[row] || reduce;
        if (reduce)
          if (const auto s = experiment::step_accuracy_from_json(rec)) {
            auto& pt = steps[{row, con, s->check, prec}][n];
            pt.length = n;
            pt.positions += s->positions;
            pt.correct += s->correct;
            if (s->first_wrong && (!pt.first_wrong || *s->first_wrong < *pt.first_wrong)) pt.first_wrong = s->first_wrong;
          }
        auto& acc_pts = accuracy[{row, con}][prec];
        acc_pts[n] = acc_pts.count(n) ? std::min(acc_pts[n], a) : a;
        if (!ok) failing_pairs.insert({row, con});
        const auto col = column(reduce, row, con);
        if (!col) {
          ++unmapped[con];
          return 0;
        }
        auto& cell = cells[row][*col];
        cell.constructions.insert(con);
        auto [it, fresh] = cell.ok[prec].try_emplace(n, ok);
        if (!fresh) it->second = it->second && ok;
      } else if (reduce || recognize) {
        const std::string row = f.text_or_config(reduce ? "problem" : "language", config),
                          con = f.text_or_config(reduce ? "construction" : "model", config);
        row_is_problem[row] = row_is_problem[row] || reduce;
        for (const auto& mb : experiment::min_bits_records_from_result(rec)) {
          auto& series = bits[{row, con, mb.arithmetic, mb.mode}];
          auto [s, fresh] = series.try_emplace(mb.length, mb.bits);
          if (!fresh && mb.bits && (!s->second || *mb.bits < *s->second)) s->second = mb.bits;
          if (const auto col = column(reduce, row, con)) cells[row][*col].min_bits.push_back(mb);
        }
      } else if (res.kind == "circuit") {
        const auto p = experiment::circuit_point_from_json(rec, config);
        circuits[{p.model, p.network, p.fanin}][p.length] = {p.depth, p.size};
      } else if (res.kind == "solve") {
        const auto p = experiment::solve::solve_point_from_json(rec);
        d.newton.push_back(NewtonRow{p.cell, p.method, p.precision, p.hidden, p.length, p.iterations, p.status, p.residual,
                                     p.max_error, p.speedup});
      } else {
        pv.suite = experiment::suite_record_from_json(rec);
      }
      return 0;
    });
  }

  // --- the expressivity table ---
  std::vector<std::string> unknown_rows;
  for (auto& [name, by_col] : cells) {
    const RowInfo info = describe_row(name, row_is_problem[name]);
    ExpressivityRow row;
    row.name = name;
    row.complexity = info.complexity;
    row.is_problem = info.is_problem;
    if (!info.complexity) unknown_rows.push_back(info.note.empty() ? name : info.note);
    for (const auto& a : automata::kArchitectures) {
      const automata::Architecture col = a.architecture;
      Cell c;
      c.column = col;
      if (const auto it = by_col.find(col); it != by_col.end()) {
        const auto& acc = it->second;
        c.constructions.assign(acc.constructions.begin(), acc.constructions.end());
        for (const auto& [prec, by_n] : acc.ok) {
          PrecisionOutcome p;
          p.precision = prec;
          for (const auto& [n, ok] : by_n) {
            p.lengths.push_back(n);
            p.all_correct.push_back(ok);
            if (!ok && !p.first_failure) p.first_failure = n;
          }
          c.precisions.push_back(std::move(p));
        }
        c.min_bits = cell_fit(acc.min_bits);
      }
      judge(c);
      c.prediction = predict(info, col);
      c.agreement = agreement(c.measured, c.prediction);
      row.cells.push_back(std::move(c));
    }
    d.expressivity.rows.push_back(std::move(row));
  }
  std::sort(d.expressivity.rows.begin(), d.expressivity.rows.end(), [](const auto& a, const auto& b) {
    // rows of an unknown class last
    auto rank = [](const std::optional<automata::ComplexityClass>& c) {
      return c ? static_cast<std::size_t>(*c) : automata::kComplexityClasses.size();
    };
    return std::make_pair(rank(a.complexity), a.name) < std::make_pair(rank(b.complexity), b.name);
  });
  for (const auto& row : d.expressivity.rows)
    for (const auto& c : row.cells)
      if (c.agreement == "DISAGREES")
        d.expressivity.disagreements.push_back(
            {row.name, c.column, fmt::format("{}: {}", c.measured, c.outcome),
             fmt::format("{} \u2014 {} ({})", c.prediction.verdict, c.prediction.reason, c.prediction.citation)});

  // --- accuracy curves of every (row, construction) with a failure ---
  for (const auto& key : failing_pairs) {
    AccuracyCurves a{key.first, key.second, {}};
    for (const auto& [prec, pts] : accuracy[key]) a.series.push_back({prec, {pts.begin(), pts.end()}});
    d.accuracy.push_back(std::move(a));
  }

  // --- the depth table ---
  for (const auto& [key, by_n] : circuits) {
    DepthRow r;
    std::tie(r.model, r.network, r.fanin) = key;
    std::vector<double> ns, ds, ss;
    for (const auto& [n, ds_] : by_n) {
      r.depth.push_back({n, ds_.first});
      r.size.push_back({n, ds_.second});
      ns.push_back(double(n));
      ds.push_back(ds_.first);
      ss.push_back(ds_.second);
    }
    if (ns.size() >= 2) {
      r.depth_law = experiment::best_law(ns, ds);
      r.size_law = experiment::best_law(ns, ss);
    }
    d.depth.push_back(std::move(r));
  }

  // --- the precision table ---
  for (const auto& [key, by_n] : bits) {
    PrecisionRow r;
    std::tie(r.row, r.construction, r.arithmetic, r.mode) = key;
    std::vector<experiment::MinBitsRecord> recs;
    for (const auto& [n, b] : by_n) {
      r.bits.push_back({n, b});
      experiment::MinBitsRecord m;
      m.length = n;
      m.arithmetic = r.arithmetic;
      m.mode = r.mode;
      m.bits = b;
      recs.push_back(m);
    }
    const auto fits = experiment::fit_min_bits(recs);
    if (!fits.empty()) r.law = fits.front().fit;
    d.precision.push_back(std::move(r));
  }

  // --- the per-position table ---
  for (const auto& [key, by_n] : steps) {
    StepRow r;
    std::tie(r.row, r.construction, r.check, r.precision) = key;
    for (const auto& [n, pt] : by_n) r.points.push_back(pt);
    d.steps.push_back(std::move(r));
  }

  // --- the Newton table ---
  std::sort(d.newton.begin(), d.newton.end(), [](const NewtonRow& a, const NewtonRow& b) {
    return std::tie(a.cell, a.hidden, a.method, a.precision, a.length) < std::tie(b.cell, b.hidden, b.method, b.precision, b.length);
  });
  if (!d.newton.empty()) {
    std::map<std::string, std::size_t> count;
    std::vector<double> iters;
    const NewtonRow* fastest = nullptr;
    double worst_error = 0;
    for (const auto& r : d.newton) {
      ++count[r.status];
      if (r.iterations) iters.push_back(*r.iterations);
      if (r.status == "converged" && r.speedup && std::isfinite(*r.speedup) && (!fastest || *r.speedup > *fastest->speedup))
        fastest = &r;
      if (r.status == "converged" && r.max_error && std::isfinite(*r.max_error)) worst_error = std::max(worst_error, *r.max_error);
    }
    std::sort(iters.begin(), iters.end());
    std::string s = fmt::format("{} solve{}: {} converged, {} stalled, {} diverged, {} not converged", d.newton.size(),
                                d.newton.size() == 1 ? "" : "s", count["converged"], count["stalled"], count["diverged"],
                                count["not converged"]);
    if (!iters.empty())
      s += fmt::format("; iterations {}\u2013{} (median {})", coef(iters.front()), coef(iters.back()),
                       coef((iters[(iters.size() - 1) / 2] + iters[iters.size() / 2]) / 2));
    if (fastest)
      s += fmt::format("; best speed-up over the sequential run {:.3g}\u00d7 ({}, hidden {}, {}, {}, T = {}); largest error "
                       "of a converged solve against the sequential states {:.3g}",
                       *fastest->speedup, fastest->cell, fastest->hidden, fastest->method, fastest->precision,
                       format_n(fastest->length), worst_error);
    if (fastest && *fastest->speedup < 1)
      s += " (every speed-up is below 1: in these runs the parallel solves were slower than the sequential ones)";
    else
      s += "; no solve converged, so no speed-up is reported";
    d.newton_summary = s;
  }

  // --- what is missing, and remarks ---
  if (d.expressivity.rows.empty())
    d.missing["expressivity"] =
        "no reduce or recognize records in this store: the expressivity table is empty \u2014 run `parallax reduce "
        "--problem P --construction C --lengths \u2026 --store FILE`, `parallax recognize --language L --model M --lengths "
        "\u2026 --store FILE`, or a suite with [[reduce]] / [[recognize]] entries";
  if (d.depth.empty())
    d.missing["depth"] =
        "no circuit sweeps in this store: the depth table is empty \u2014 run `parallax circuit --sweep \u2026 --store "
        "FILE` or a suite with [[circuit]] entries";
  if (d.precision.empty())
    d.missing["precision"] =
        "no minimum-precision records in this store: the precision table is empty \u2014 run `parallax reduce` or "
        "`parallax recognize` with --min-bits and --store FILE, or a suite entry with min-bits";
  if (d.steps.empty())
    d.missing["steps"] =
        "no reduce records of stepwise problems in this store: the per-position table is empty \u2014 run `parallax "
        "reduce --problem P --lengths \u2026 --store FILE` with a problem whose `parallax problems` entry has steps "
        "(word:G, parity, modcount:M, imm3:mod:P)";
  if (d.newton.empty())
    d.missing["newton"] =
        "no solve records in this store: the Newton table is empty \u2014 run `parallax solve \u2026 --store FILE` or "
        "a "
        "suite with [[solve]] entries";
  if (!unmapped.empty()) {
    std::vector<std::string> v;
    for (const auto& [con, k] : unmapped) v.push_back(fmt::format("{} ({} record{})", con, k, k == 1 ? "" : "s"));
    d.notes.push_back("constructions outside the expressivity table's columns: " + join_lines(v));
  }
  if (!unknown_rows.empty()) d.notes.push_back("rows of unknown class (no predictions): " + join_lines(unknown_rows));
  if (pv.unfinished)
    d.notes.push_back(fmt::format("{} of {} runs did not finish (interrupted or still running); their results so far are "
                                  "included",
                                  pv.unfinished, pv.runs));
  return d;
}

}  // namespace parallax::report
