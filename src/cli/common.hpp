#pragma once
// Shared pieces of the `parallax` subcommands: exit codes, the error type the
// subcommands throw, and record output as a human table, JSON Lines or CSV.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace parallax::experiment {
struct StoreError;
}

namespace parallax::cli {

/// Exit codes (DESIGN.md, Conventions).
enum ExitCode : int { kOk = 0, kFailure = 1, kBadInput = 2 };

/// An error a subcommand reports to the user; carries its exit code.
struct CliError : std::runtime_error {
  int code;
  CliError(int c, const std::string& what) : std::runtime_error(what), code(c) {}
};

enum class Format { Table, Json, Csv };

/// Adds --json and --csv flags to a subcommand; returns where the choice lands.
struct FormatFlags {
  bool json = false;
  bool csv = false;
  void add_to(CLI::App& app);
  Format format() const { return json ? Format::Json : csv ? Format::Csv : Format::Table; }
};

/// Records with a fixed column order. Values are JSON so that --json keeps
/// numbers as numbers; the table and CSV print them as text.
class Records {
 public:
  explicit Records(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  void add(nlohmann::ordered_json row) { rows_.push_back(std::move(row)); }
  const std::vector<nlohmann::ordered_json>& rows() const { return rows_; }
  void print(Format f) const;  // to stdout

 private:
  std::vector<std::string> columns_;
  std::vector<nlohmann::ordered_json> rows_;
};

/// One record as CSV: a header of `columns` and the record's values under
/// them, in that order (a column the record lacks is empty).
void print_csv_record(const nlohmann::ordered_json& record, std::vector<std::string> columns);

/// Text of a JSON value for tables and CSV (strings without quotes, numbers
/// in shortest round-trip form).
std::string cell_text(const nlohmann::ordered_json& v);

/// Tightens every numeric option of APP and its subcommands (call it once the
/// options are registered): an unsigned option takes decimal digits only, a
/// signed one an optional sign and decimal digits, a floating-point one a
/// finite number. On its own CLI11 reads "-1" for an unsigned option as
/// 2^64 - 1, "0x10" as 16 and "nan" as a number.
void check_numeric_options(CLI::App& app);


/// Subcommand registration: each cmd_*.cpp defines one of these.
void add_precisions(CLI::App& app);
void add_scan(CLI::App& app);
void add_models(CLI::App& app);
void add_bench(CLI::App& app);
void add_demo(CLI::App& app);
void add_circuit(CLI::App& app);
void add_languages(CLI::App& app);
void add_classify(CLI::App& app);
void add_recognize(CLI::App& app);
void add_equivalent(CLI::App& app);
void add_problems(CLI::App& app);
void add_dataset(CLI::App& app);
void add_reduce(CLI::App& app);
void add_store(CLI::App& app);
void add_solve(CLI::App& app);
void add_report(CLI::App& app);
void add_run(CLI::App& app);
/// The CliError for a store error (cmd_store.cpp): exit 1 for a store locked
/// by another process, exit 2 for everything about the file itself.
CliError store_error(const experiment::StoreError& e);
/// `bench monoid`, registered under `bench` by add_bench.
void add_bench_monoid(CLI::App& bench);
/// `bench solve`, registered under `bench` by add_bench.
void add_bench_solve(CLI::App& bench);
/// `bench argru`, registered under `bench` by add_bench.
void add_bench_argru(CLI::App& bench);

}  // namespace parallax::cli
