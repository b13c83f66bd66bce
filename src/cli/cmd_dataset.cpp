// `parallax dataset export` and `parallax audit` (experiment/dataset.hpp,
// docs/datasets.md): labelled split files with a manifest, and the checks of
// a dataset Parallax did not make.
#include <fmt/format.h>

#include <iostream>

#include "cli/common.hpp"
#include "experiment/dataset.hpp"
#include "experiment/options.hpp"

namespace parallax::cli {

namespace ds = experiment::dataset;

namespace {

/// The command line as typed (for the manifest), quoted where a shell would need it.
std::string command_text(const std::vector<std::string>& args) {
  std::string s = "parallax";
  for (const auto& a : args) {
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;!#~") == std::string::npos;
    s += ' ';
    if (plain) {
      s += a;
    } else {
      s += '\'';
      for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
      s += '\'';
    }
  }
  return s;
}

/// A split's files for the summary: the first three, then how many more.
std::string files_text(const nlohmann::ordered_json& files) {
  std::string s;
  for (std::size_t i = 0; i < files.size() && i < 3; ++i) s += (i ? " " : "") + files[i].get<std::string>();
  if (files.size() > 3) s += fmt::format(" (+{} more)", files.size() - 3);
  return s;
}

template <class F>
auto bad_input(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  } catch (const reductions::ProblemError& e) {
    throw CliError(kBadInput, e.what());
  }
}

}  // namespace

void add_dataset(CLI::App& app) {
  auto* dataset = app.add_subcommand("dataset", "Datasets of a problem's labelled instances: split files with a manifest (docs/datasets.md)");
  dataset->require_subcommand(1);
  auto* exp = dataset->add_subcommand(
      "export", "Write labelled instances of a problem as split files (SPLIT.jsonl) plus manifest.json (command, seed, "
                "version, counts, sha256); the same command gives the same bytes");
  auto eo = std::make_shared<ds::ExportOptions>();
  auto json = std::make_shared<bool>(false);
  exp->add_option("--problem", eo->problem, "The problem (see `parallax problems`)")->required();
  exp->add_option("--splits", eo->splits, "Splits and their lengths: NAME=LO..HI[,NAME=LO..HI...]")->capture_default_str();
  exp->add_option("--per-length", eo->per_length, "Instances per split and length")->capture_default_str();
  exp->add_flag("--balanced", eo->balanced, "Exactly half yes-instances at every length (default: each answer a fair coin)");
  exp->add_flag("--allow-overlap", eo->allow_overlap, "Allow an instance in more than one split (default: drawn again)");
  exp->add_option("--negatives", eo->negatives,
                  "matched: no-instances that cheap statistics cannot tell from yes-instances, where the problem has them (the "
                  "word problem of a non-abelian group: products in the commutator subgroup); uniform: uniform no-instances")
      ->capture_default_str();
  exp->add_option("--format", eo->format,
                  "File format: jsonl (Parallax's JSON Lines), linearrnn (SPLIT_src.txt + SPLIT_tgt.txt of the linear-RNN "
                  "expressivity code), word-csv (SPLIT/GROUP=K.csv of the group word-problem code); docs/datasets.md")
      ->capture_default_str();
  exp->add_option("--seed", eo->seed, "Seed: the same seed and options give the same files")->capture_default_str();
  exp->add_option("--out", eo->out, "Folder to write into (created)")->required();
  exp->add_flag("--json", *json, "Print the manifest as JSON instead of a summary");
  exp->callback([eo, json] {
    // the command in canonical form: every option that shapes the files, with its value
    std::vector<std::string> args{"dataset", "export", "--problem", eo->problem, "--splits", eo->splits, "--per-length",
                                  std::to_string(eo->per_length)};
    if (eo->balanced) args.push_back("--balanced");
    if (eo->allow_overlap) args.push_back("--allow-overlap");
    if (eo->negatives != "matched") args.insert(args.end(), {"--negatives", eo->negatives});
    for (const std::string& a : {std::string("--format"), eo->format, std::string("--seed"), std::to_string(eo->seed),
                                 std::string("--out"), eo->out})
      args.push_back(a);
    eo->command = command_text(args);
    eo->version = PARALLAX_VERSION;
    const auto rep = bad_input([&] {
      return ds::export_dataset(*eo, [](const std::string& s) { std::cerr << "parallax dataset export: " << s << '\n'; });
    });
    if (*json) {
      fmt::print("{}\n", rep.manifest.dump());
      return;
    }
    for (const auto& s : rep.manifest["splits"])
      fmt::print("{:<10} {:>8} instances  lengths {:<12} yes {:>7}  no {:>7}  {}\n", s["name"].get<std::string>(),
                 s["instances"].get<std::size_t>(), s["lengths"].get<std::string>(), s["yes"].get<std::size_t>(),
                 s["no"].get<std::size_t>(), files_text(s["files"]));
    fmt::print("{} instances in {:.3f} s ({:.0f} per second); manifest: {}\n", rep.instances, rep.seconds,
               rep.seconds > 0 ? double(rep.instances) / rep.seconds : 0.0, rep.files.back());
  });

  auto* aud = app.add_subcommand(
      "audit", "Check a labelled dataset: labels against the reference solver, duplicates and leakage between splits, "
               "answer balance and lengths, shortcut probes fitted on the training split; exit 1 when a check fails");
  auto ao = std::make_shared<ds::AuditOptions>();
  auto fmt_flags = std::make_shared<FormatFlags>();
  fmt_flags->add_to(*aud);
  aud->add_option("--problem", ao->problem, "The problem the files hold (see `parallax problems`)")->required();
  aud->add_option("files", ao->files,
                  "Dataset files or folders (a folder: its files of the format). The split of a line: its \"split\" field "
                  "(jsonl), else the folder (word-csv), else the file's name (train.jsonl, train_src.txt: train)")
      ->required();
  aud->add_option("--format", ao->format, "File format: jsonl, linearrnn or word-csv (docs/datasets.md)")->capture_default_str();
  aud->add_option("--nodes", ao->nodes,
                  "linearrnn connectivity files: the number of nodes (default: the largest node id of each line + 1)");
  aud->add_option("--max-wrong", ao->max_wrong, "Fraction of labels allowed to disagree with the reference solver")->capture_default_str();
  aud->add_option("--max-leak", ao->max_leak, "Fraction of a held-out split allowed verbatim in the training split")->capture_default_str();
  aud->add_option("--max-duplicates", ao->max_duplicates, "Fraction of a split allowed to repeat its own lines")->capture_default_str();
  aud->add_option("--min-minority", ao->min_minority, "Share of the rarer answer in every split, at least")->capture_default_str();
  aud->add_option("--shortcut-margin", ao->shortcut_margin,
                  "A probe this much more accurate than the majority class on a held-out split fails the audit")
      ->capture_default_str();
  aud->callback([ao, fmt_flags] {
    const auto rep = bad_input([&] { return ds::audit(*ao); });
    for (const auto& n : rep.notes) std::cerr << "parallax audit: note: " << n << '\n';
    Records r({"check", "split", "passed", "value", "threshold", "detail"});
    for (const auto& c : rep.checks) r.add(ds::to_json(c));
    r.print(fmt_flags->format());
    if (fmt_flags->format() == Format::Table) {
      for (const auto& w : rep.wrong) fmt::print("wrong label: {}\n", w);
      for (const auto& [name, s] : rep.splits.items()) {
        std::string hist;
        for (const auto& [n, c] : s["lengths"].items()) hist += fmt::format(" {}:{}", n, c.get<std::size_t>());
        fmt::print("{}: {} lines, {} yes; lengths (n:lines){}\n", name, s["lines"].get<std::size_t>(), s["yes"].get<std::size_t>(), hist);
      }
      fmt::print("audit: {}\n", rep.passed() ? "passed" : "FAILED");
    }
    if (!rep.passed()) throw CliError(kFailure, "");
  });

  auto* conv = dataset->add_subcommand(
      "convert", "Rewrite a dataset in another format (jsonl, linearrnn, word-csv), split by split, with a manifest; labels are "
                 "carried over, not recomputed");
  auto co = std::make_shared<ds::ConvertOptions>();
  auto cjson = std::make_shared<bool>(false);
  conv->add_option("inputs", co->inputs, "Dataset files or folders of the --from format")->required();
  conv->add_option("--problem", co->problem, "The problem the files hold (see `parallax problems`)")->required();
  conv->add_option("--from", co->from, "The files' format: jsonl, linearrnn or word-csv")->required();
  conv->add_option("--to", co->to, "The format to write: jsonl, linearrnn or word-csv")->required();
  conv->add_option("--out", co->out, "Folder to write into (created)")->required();
  conv->add_option("--nodes", co->nodes, "linearrnn connectivity files: the number of nodes (default: the largest id + 1)");
  conv->add_option("--seed", co->seed, "word-csv: the value of the seed column")->capture_default_str();
  conv->add_flag("--json", *cjson, "Print the manifest as JSON instead of a summary");
  conv->callback([co, cjson] {
    std::vector<std::string> args{"dataset", "convert"};
    for (const auto& i : co->inputs) args.push_back(i);
    for (const std::string& a : {std::string("--problem"), co->problem, std::string("--from"), co->from, std::string("--to"), co->to,
                                 std::string("--out"), co->out})
      args.push_back(a);
    if (co->nodes) args.insert(args.end(), {"--nodes", std::to_string(co->nodes)});
    if (co->seed) args.insert(args.end(), {"--seed", std::to_string(co->seed)});
    co->command = command_text(args);
    co->version = PARALLAX_VERSION;
    const auto rep = bad_input([&] { return ds::convert(*co); });
    if (rep.manifest.contains("notes"))
      for (const auto& n : rep.manifest["notes"]) std::cerr << "parallax dataset convert: note: " << n.get<std::string>() << '\n';
    if (*cjson) {
      fmt::print("{}\n", rep.manifest.dump());
      return;
    }
    for (const auto& s : rep.manifest["splits"])
      fmt::print("{:<10} {:>8} instances  {}\n", s["name"].get<std::string>(), s["instances"].get<std::size_t>(), files_text(s["files"]));
    fmt::print("{} instances converted in {:.3f} s; manifest: {}\n", rep.instances, rep.seconds, rep.files.back());
  });
}

}  // namespace parallax::cli
