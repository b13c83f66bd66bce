#pragma once
// The file formats of datasets (docs/datasets.md): Parallax's JSON Lines, the
// task files of the linear-RNN expressivity code (`<split>_src.txt` /
// `<split>_tgt.txt`) and the group word-problem CSVs of the Illusion-of-State
// code. Each format reads into, and writes from, one shape: a labelled
// instance of a Parallax problem (its documented JSON instance, its decision
// label when the format has one, its per-position labels when the format or
// the problem has them). Readers validate every line against the problem and
// throw before returning anything (errors name FILE:LINE and the field).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reductions/problem.hpp"

namespace parallax::experiment::dataset {

enum class Format { Jsonl, LinearRnn, WordCsv };

/// "jsonl", "linearrnn", "word-csv"; throws OptionError naming `option`
/// ("--format", "--from", "--to") and listing them.
Format parse_format(const std::string& name, const std::string& option = "--format");
std::string to_string(Format f);

/// One labelled instance, in Parallax's terms.
struct Labelled {
  nlohmann::json instance;           ///< the problem's instance (without the dataset's fields)
  std::optional<bool> answer;        ///< the decision label, when the format carries one
  std::vector<std::int64_t> targets; ///< per-position labels (Problem::solve_steps numbering), when carried
  std::string split;
  std::size_t n = 0;                 ///< the instance's length (letters, matrices, nodes)
  std::string where;                 ///< "FILE:LINE" of the line it was read from ("" when generated)
};

/// What a format can hold for a problem; throws OptionError("format") when
/// the format has no encoding of the problem, naming the problems it has.
void check_format_supports(Format f, const reductions::Problem& problem, const std::string& option = "--format");

struct ReadOptions {
  /// linearrnn connectivity files do not write the number of nodes: 0 takes
  /// the largest node id of each line + 1.
  std::size_t nodes = 0;
};

/// What reading a format for a problem assumes, in words, one note each (the
/// commands print them): e.g. that the connectivity files' node count is
/// taken as the largest id + 1. Empty when nothing is assumed.
std::vector<std::string> reading_notes(Format f, const reductions::Problem& problem, const ReadOptions& options = {});

/// Reads labelled instances. The split of a line: its "split" field
/// (jsonl), else for word-csv the name of the file's folder, else the file's
/// name without extension (and, for linearrnn, without "_src"/"_tgt":
/// train_src.txt and val_src_bin0.txt are the splits train and val_bin0).
/// For linearrnn, FILES are the _src files (or either file of a pair): the
/// matching _tgt file is read beside it.
std::vector<Labelled> read_dataset(const reductions::Problem& problem, Format f, const std::vector<std::string>& files,
                                   const ReadOptions& options = {});

/// The files of one split, as (relative path, contents): jsonl SPLIT.jsonl;
/// linearrnn SPLIT_src.txt and SPLIT_tgt.txt; word-csv SPLIT/GROUP=K.csv, one
/// per length K. `seed` fills the word-csv "seed" column. Lines must carry
/// what the format writes (a decision answer or targets; missing targets are
/// computed by the problem's reference solver).
std::vector<std::pair<std::string, std::string>> write_split(const reductions::Problem& problem, Format f, const std::string& split,
                                                             const std::vector<Labelled>& lines, std::uint64_t seed);

}  // namespace parallax::experiment::dataset
