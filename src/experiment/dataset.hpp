#pragma once
// Datasets of a problem's instances (docs/datasets.md): `parallax dataset
// export` writes split files of labelled instances with a manifest, and
// `parallax audit` checks a labelled dataset it did not make — labels against
// the reference solver, verbatim leakage within and across splits, answer
// balance and lengths, and cheap shortcut probes fitted on the training
// split; `parallax dataset convert` rewrites a dataset in another format.
// The formats (Parallax's JSON Lines, the linear-RNN task files, the group
// word-problem CSVs) are experiment/dataset_formats.hpp.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiment/dataset_formats.hpp"
#include "reductions/problem.hpp"

namespace parallax::experiment::dataset {

/// One split of an export: its name and its lengths.
struct Split {
  std::string name;
  std::string lengths_text;          ///< as given, e.g. "2..64" or "2..64+2,100"
  std::vector<std::size_t> lengths;
};

/// "train=2..64,val=2..64,test=65..256": NAME=LENGTHS, where LENGTHS is a
/// length list of the sweeps (experiment/lengths.hpp: "8,16", "8..64x2",
/// "10..50+10") and a range without a step, "2..64", is every length in it;
/// a part without "=" continues the previous split's list
/// ("train=2..16+2,32,test=64"). Throws OptionError("splits") naming the bad
/// part: names distinct, of letters, digits, '-' and '_'; lengths ≥ 1.
std::vector<Split> parse_splits(const std::string& text);

/// The length of an instance as the audit and the export count it: its "n"
/// field when present, else the size of its longest top-level array or
/// string other than "problem", "split" and "id" (the word, the matrices,
/// the edges, …), else 0.
std::size_t instance_length(const nlohmann::json& instance);

struct ExportOptions {
  std::string problem;
  std::string splits = "train=2..64,val=2..64,test=65..256";
  std::size_t per_length = 16;  ///< instances per split and length
  bool balanced = false;        ///< exactly half yes per length (else each answer a fair coin)
  bool allow_overlap = false;   ///< allow an instance in two splits
  /// "matched": no-instances from Problem::generate_matched_no (cheap statistics
  /// cannot tell them from yes-instances); "uniform": the uniform no-instance
  std::string negatives = "matched";
  std::uint64_t seed = 1;
  std::string out;              ///< the folder (created)
  std::string format = "jsonl";  ///< jsonl, linearrnn or word-csv (dataset_formats.hpp)
  std::string command;          ///< the command line, for the manifest
  std::string version;          ///< Parallax's version, for the manifest
  /// Throws OptionError naming the option.
  void validate() const;
};

struct ExportReport {
  nlohmann::ordered_json manifest;  ///< as written to OUT/manifest.json
  std::vector<std::string> files;   ///< every file written (the manifest last)
  std::size_t instances = 0;
  double seconds = 0;               ///< generating and writing (instances / seconds: the throughput)
};

/// Writes every split's files in the format (SPLIT.jsonl, SPLIT_src.txt +
/// SPLIT_tgt.txt, SPLIT/GROUP=K.csv) and OUT/manifest.json. The same
/// options give the same bytes. Instances are the problem's generator's
/// (uniform within each answer at each length); one that another split
/// already holds is drawn again (unless allow_overlap), and a split whose
/// lengths cannot supply new instances is refused, naming it. progress(text)
/// is called before each split.
ExportReport export_dataset(const ExportOptions& options, const std::function<void(const std::string&)>& progress = {});

struct AuditOptions {
  std::string problem;
  std::vector<std::string> files;  ///< files or folders (expand_inputs); read_dataset names each line's split
  std::string format = "jsonl";
  std::size_t nodes = 0;           ///< linearrnn connectivity: the number of nodes (0: the largest id + 1)
  double max_wrong = 0;            ///< fraction of wrong labels allowed
  double max_leak = 0;             ///< fraction of a non-training split's lines allowed verbatim in train
  double max_duplicates = 0.05;    ///< fraction of a split's lines allowed to repeat an earlier line of it
  double min_minority = 0.25;      ///< the rarer answer's share of each split, at least
  double shortcut_margin = 0.10;   ///< a probe this far above the majority class on a held-out split is flagged
  std::size_t list = 20;           ///< wrong labels listed
  void validate() const;
};

/// The files of a format among PATHS: a file stays; a folder gives its files
/// of the format (jsonl: *.jsonl; linearrnn: *_src*.txt; word-csv: *.csv,
/// also one folder down), sorted. Throws OptionError("files") for a path
/// that does not exist or a folder without such files.
std::vector<std::string> expand_inputs(Format f, const std::vector<std::string>& paths);

/// One check of the audit: what was measured and whether it passes.
struct Check {
  std::string check;   ///< labels, duplicates, leakage, balance, shortcut
  std::string split;   ///< the split it concerns ("" for all)
  std::string detail;  ///< what was found, in words
  double value = 0;    ///< the measured fraction (or accuracy)
  double threshold = 0;
  bool passed = true;
};

struct AuditReport {
  std::vector<Check> checks;
  /// the first `list` wrong labels: "FILE:LINE: label L, reference R" (per-position
  /// labels: "FILE:LINE: position T: label L, reference R", the first wrong position)
  std::vector<std::string> wrong;
  /// per split: lines, yes, and the length histogram (length → lines)
  nlohmann::ordered_json splits;
  std::vector<std::string> notes;  ///< what reading the files assumed (reading_notes)
  bool passed() const;
};

/// Reads every file (each line validated by the problem, with its label;
/// errors name FILE:LINE and the field, nothing half-read) and runs the checks.
AuditReport audit(const AuditOptions& options);

struct ConvertOptions {
  std::string problem;
  std::vector<std::string> inputs;  ///< files or folders of the `from` format
  std::string from = "jsonl", to = "jsonl";
  std::size_t nodes = 0;  ///< as AuditOptions::nodes
  std::uint64_t seed = 0; ///< word-csv's seed column
  std::string out;
  std::string command, version;  ///< for the manifest
  void validate() const;
};

/// Reads a dataset in one format and writes it in another, split by split
/// in the order read, plus OUT/manifest.json (the export's, with the
/// source files). Labels are carried, not recomputed, except per-position
/// labels a target format needs and the source lacks (the reference
/// solver's, said in the manifest).
ExportReport convert(const ConvertOptions& options);

nlohmann::ordered_json to_json(const Check& check);

}  // namespace parallax::experiment::dataset
