// `parallax store`: read a result store (experiment/store.hpp, docs/store.md).
// `store list FILE` shows its runs; `store export FILE` writes its results as
// JSON Lines, CSV or a human table. Neither creates a store where none is.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "cli/common.hpp"
#include "experiment/store.hpp"

namespace parallax::cli {

/// The CliError for a store error: exit 1 for a store locked by another
/// process (try again), exit 2 for everything about the file itself.
CliError store_error(const experiment::StoreError& e) {
  return CliError(e.kind == experiment::StoreError::Kind::Busy ? kFailure : kBadInput, e.what());
}

namespace {

experiment::Store open_existing(const std::string& file) {
  try {
    return experiment::Store::open(file, /*create=*/false);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
}

/// The first of the fields the configuration has, as text ("-" when none):
/// the `problem` column shows what a run studies (a problem, a language, a
/// cell, a circuit's model), `construction` how (construction, model, method).
std::string config_text(const nlohmann::json& config, std::initializer_list<const char*> fields) {
  for (const char* field : fields) {
    const auto it = config.find(field);
    if (it == config.end() || it->is_null()) continue;
    return it->is_string() ? it->get<std::string>() : it->dump();
  }
  return "-";
}

void list(const std::string& file, Format f) {
  auto store = open_existing(file);
  std::vector<experiment::Store::Run> runs;
  try {
    runs = store.runs();
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  Records r({"id", "command", "problem", "construction", "seed", "results", "started", "finished"});
  for (const auto& run : runs)
    r.add({{"id", run.id},
           {"command", run.command},
           {"problem", config_text(run.config, {"problem", "language", "cell", "name"})},
           {"construction", config_text(run.config, {"construction", "model", "method"})},
           {"seed", run.seed},
           {"results", run.results},
           {"started", run.started},
           {"finished", run.finished ? *run.finished : std::string("interrupted")}});
  r.print(f);
}

/// One export row: run, kind and key, then the record's fields at top level
/// (a field named like one of those three becomes record_NAME; a record that
/// is not an object becomes the field "record").
nlohmann::ordered_json flatten(const experiment::Store::Result& res) {
  nlohmann::ordered_json row{{"run", res.run}, {"kind", res.kind}, {"key", res.key}};
  if (!res.record.is_object()) {
    row["record"] = res.record;
    return row;
  }
  for (const auto& [k, v] : res.record.items()) row[row.contains(k) ? "record_" + k : k] = v;
  return row;
}

/// Column names in order of first appearance.
void add_columns(const nlohmann::ordered_json& row, std::vector<std::string>& columns) {
  for (const auto& [k, v] : row.items())
    if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
}

void export_results(const std::string& file, std::optional<std::int64_t> run, const std::string& format) {
  auto store = open_existing(file);
  std::vector<experiment::Store::Result> results;
  try {
    if (run) store.run(*run);  // NoSuchRun names the file and the id
    results = store.results(run);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  std::vector<nlohmann::ordered_json> rows;
  for (const auto& res : results) rows.push_back(flatten(res));

  if (format == "jsonl" || format == "csv") {
    std::vector<std::string> columns{"run", "kind", "key"};
    for (const auto& row : rows) add_columns(row, columns);
    Records r(columns);
    for (auto& row : rows) r.add(std::move(row));
    r.print(format == "jsonl" ? Format::Json : Format::Csv);
    return;
  }
  // show: one table per (run, kind), in order of first appearance, without
  // the run, kind and key columns (the heading names run and kind).
  if (rows.empty()) {
    fmt::print("{}: no results{}\n", file, run ? fmt::format(" in run {}", *run) : "");
    return;
  }
  std::vector<std::pair<std::int64_t, std::string>> groups;
  std::map<std::pair<std::int64_t, std::string>, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto g = std::make_pair(results[i].run, results[i].kind);
    if (!members.count(g)) groups.push_back(g);
    members[g].push_back(i);
  }
  bool first = true;
  for (const auto& g : groups) {
    std::vector<std::string> columns;
    for (std::size_t i : members[g]) add_columns(rows[i], columns);
    std::erase_if(columns, [](const std::string& c) { return c == "run" || c == "kind" || c == "key"; });
    Records r(columns);
    for (std::size_t i : members[g]) r.add(rows[i]);
    fmt::print("{}run {} · {} · {} result{}\n", first ? "" : "\n", g.first, g.second, members[g].size(),
               members[g].size() == 1 ? "" : "s");
    std::fflush(stdout);
    r.print(Format::Table);
    first = false;
  }
}

}  // namespace

void add_store(CLI::App& app) {
  auto* cmd = app.add_subcommand("store", "Read a result store written by `parallax reduce --store` (docs/store.md)");
  cmd->require_subcommand(1);

  struct ListOpts {
    std::string file;
    FormatFlags fmt;
  };
  auto lo = std::make_shared<ListOpts>();
  auto* ls = cmd->add_subcommand("list", "List the runs of a store: command, problem, results, start and finish");
  ls->add_option("FILE", lo->file, "The store file (never created)")->required();
  lo->fmt.add_to(*ls);
  ls->callback([lo] { list(lo->file, lo->fmt.format()); });

  struct ExportOpts {
    std::string file;
    std::int64_t run = 0;
    CLI::Option* run_opt = nullptr;
    std::string format = "jsonl";
  };
  auto eo = std::make_shared<ExportOpts>();
  auto* ex = cmd->add_subcommand("export", "Write the results of a store, of all runs or one");
  ex->add_option("FILE", eo->file, "The store file (never created)")->required();
  eo->run_opt = ex->add_option("--run", eo->run, "Only this run (an id of `store list`)");
  ex->add_option("--format", eo->format,
                 "jsonl: one JSON object per result (run, kind, key, then the record's fields); "
                 "csv: a header from the union of the fields; show: a table per run and kind")
      ->check(CLI::IsMember({"jsonl", "csv", "show"}))
      ->capture_default_str();
  ex->callback([eo] {
    export_results(eo->file, eo->run_opt->count() ? std::optional<std::int64_t>(eo->run) : std::nullopt, eo->format);
  });
}

}  // namespace parallax::cli
