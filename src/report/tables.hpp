#pragma once
// The tables of a report, read from a result store (docs/store.md; the record
// fields are the contract of docs/report.md): the expressivity table
// (measured outcome against the theory's prediction, per row and
// architecture), the circuit depth table, the minimum-precision table, the
// per-position table of stepwise problems and the Newton table, with the
// provenance of the runs. collect() does all the reading and deciding; the
// renderers (render.hpp) only format what it returns, so every judgement can
// be tested without writing files.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiment/fit.hpp"
#include "experiment/records.hpp"
#include "experiment/sweep.hpp"
#include "experiment/store.hpp"
#include "report/theory.hpp"

namespace parallax::report {

/// One precision of one cell: the lengths tested and whether every trial at
/// each was correct (accuracy 1 and nothing undecided, over every record).
struct PrecisionOutcome {
  std::string precision;
  std::vector<std::size_t> lengths;  ///< increasing
  std::vector<bool> all_correct;     ///< per length
  std::optional<std::size_t> first_failure;  ///< the smallest failing n
};

/// One cell of the expressivity table.
struct Cell {
  automata::Architecture column{};
  std::string measured = "not measured";   ///< "succeeds", "fails" or "not measured"
  std::string outcome;                     ///< e.g. "exact to n = 10^6 at fp32; min bits ≈ 1.00·n + 3"
  std::vector<std::string> constructions;  ///< the construction / model names measured here
  std::vector<PrecisionOutcome> precisions;
  std::optional<experiment::MinBitsFit> min_bits;  ///< the fitted law, when ≥ 3 lengths had a width
  Prediction prediction;
  std::string agreement = "\u2014";        ///< "agrees", "DISAGREES" or "—"
};

struct ExpressivityRow {
  std::string name;
  std::optional<automata::ComplexityClass> complexity;  ///< none when unknown
  bool is_problem = false;
  std::vector<Cell> cells;  ///< one per column, in automata::kArchitectures order
};

struct Disagreement {
  std::string row;
  automata::Architecture column{};
  std::string measured;      ///< "succeeds: exact to n = 64 at fp32"
  std::string predicted;     ///< "no — reason (citation)"
};

struct ExpressivityTable {
  std::vector<ExpressivityRow> rows;        ///< by class order, then name
  std::vector<Disagreement> disagreements;  ///< in row, column order
};

/// One (model, network, fanin) series of `parallax circuit` records.
struct DepthRow {
  std::string model, network, fanin;
  std::vector<std::pair<std::size_t, double>> depth;  ///< (n, depth), increasing n
  std::vector<std::pair<std::size_t, double>> size;   ///< (n, size)
  std::optional<experiment::LawFit> depth_law, size_law;  ///< with ≥ 2 lengths
};

/// Minimum bits of one (row, construction, arithmetic, mode).
struct PrecisionRow {
  std::string row, construction, arithmetic, mode;
  std::vector<std::pair<std::size_t, std::optional<int>>> bits;  ///< (n, bits or not found), increasing n
  std::optional<experiment::LawFit> law;  ///< experiment::fit_min_bits (≥ 3 lengths with a width)
};

/// The per-position check of a stepwise problem for one (row, construction,
/// precision): reduce records with a step_check (experiment/steps.hpp).
struct StepRow {
  std::string row, construction;
  std::string check;  ///< "state", "decision" or "none" (no output per position)
  std::string precision;
  struct Point {
    std::size_t length = 0;
    std::size_t positions = 0, correct = 0;  ///< summed over the records of this n
    std::optional<std::size_t> first_wrong;  ///< the smallest over them
  };
  std::vector<Point> points;  ///< increasing n
};

/// One `parallax solve` record.
struct NewtonRow {
  std::string cell, method, precision;
  std::size_t hidden = 0, length = 0;
  std::optional<double> iterations;
  std::string status;  ///< "converged", "stalled", "diverged", "not converged"
  std::optional<double> residual, max_error, speedup;
};

/// Accuracy against n for every precision of one (row, construction) that
/// has a failing record (the accuracy plots).
struct AccuracyCurves {
  std::string row, construction;
  std::vector<std::pair<std::string, std::vector<std::pair<std::size_t, double>>>> series;  ///< precision → (n, accuracy)
};

struct Provenance {
  std::string parallax_version;            ///< of this build
  std::vector<std::string> run_versions;   ///< distinct versions that wrote the runs
  std::optional<experiment::SuiteRecord> suite;  ///< the suite's record, when a suite wrote the store (its last attempt read)
  std::vector<std::uint64_t> seeds;        ///< distinct, increasing
  std::vector<std::string> hosts;          ///< distinct
  std::string first_start, last_finish;    ///< ISO 8601, empty when there are no runs / no finished run
  std::size_t runs = 0, unfinished = 0, results = 0;
  std::string store_path;
};

struct ReportData {
  Provenance provenance;
  ExpressivityTable expressivity;
  std::vector<DepthRow> depth;
  std::vector<PrecisionRow> precision;
  std::vector<StepRow> steps;
  std::vector<NewtonRow> newton;
  std::string newton_summary;  ///< one line (empty without solve records)
  std::vector<AccuracyCurves> accuracy;
  /// Per table ("expressivity", "depth", "precision", "steps", "newton") with no data:
  /// what is missing and the command that would fill it.
  std::map<std::string, std::string> missing;
  /// Other remarks: records skipped as malformed, constructions outside the
  /// table's columns, rows whose class is unknown.
  std::vector<std::string> notes;
};

/// Reads every run and result of the store. Never fails on missing or odd
/// data: malformed records are skipped and noted. Throws StoreError only
/// when the store itself cannot be read.
ReportData collect(const experiment::Store& store);

/// "10^6" for powers of ten from 1000, "2^20" for powers of two from 2^16,
/// else the number.
std::string format_n(std::size_t n);
/// "1.00·n + 3", "2.00·log2 n − 1.50", "7" (constant): a law in terms of n.
std::string law_text(const experiment::LawFit& f);

}  // namespace parallax::report
