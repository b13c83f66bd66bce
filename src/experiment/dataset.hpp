#pragma once
// Datasets of a problem's instances (docs/datasets.md): `parallax dataset
// export` writes split files of labelled instances with a manifest, and
// `parallax audit` checks a labelled dataset it did not make — labels against
// the reference solver, verbatim leakage within and across splits, answer
// balance and lengths, and cheap shortcut probes fitted on the training
// split. Both read and write Parallax's JSON Lines: one instance per line in
// the problem's documented format plus "answer" (the label), "split" and "n"
// (the instance's length).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
  std::uint64_t seed = 1;
  std::string out;              ///< the folder (created)
  std::string format = "jsonl";
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

/// Writes OUT/SPLIT.jsonl for every split and OUT/manifest.json. The same
/// options give the same bytes. Instances are the problem's generator's
/// (uniform within each answer at each length); one that another split
/// already holds is drawn again (unless allow_overlap), and a split whose
/// lengths cannot supply new instances is refused, naming it. progress(text)
/// is called before each split.
ExportReport export_dataset(const ExportOptions& options, const std::function<void(const std::string&)>& progress = {});

struct AuditOptions {
  std::string problem;
  std::vector<std::string> files;  ///< JSON Lines; each line's "split" field, else the file's stem, names its split
  double max_wrong = 0;            ///< fraction of wrong labels allowed
  double max_leak = 0;             ///< fraction of a non-training split's lines allowed verbatim in train
  double max_duplicates = 0.05;    ///< fraction of a split's lines allowed to repeat an earlier line of it
  double min_minority = 0.25;      ///< the rarer answer's share of each split, at least
  double shortcut_margin = 0.10;   ///< a probe this far above the majority class on a held-out split is flagged
  std::size_t list = 20;           ///< wrong labels listed
  void validate() const;
};

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
  std::vector<std::string> wrong;  ///< the first `list` wrong labels: "FILE:LINE: label L, reference R"
  /// per split: lines, yes, and the length histogram (length → lines)
  nlohmann::ordered_json splits;
  bool passed() const;
};

/// Reads every file (each line validated by the problem, with its label;
/// errors name FILE:LINE and the field, nothing half-read) and runs the checks.
AuditReport audit(const AuditOptions& options);

nlohmann::ordered_json to_json(const Check& check);

}  // namespace parallax::experiment::dataset
