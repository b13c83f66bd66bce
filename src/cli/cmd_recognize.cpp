// `parallax recognize`: the automaton-recognition harness. Compiles a
// language into a model and measures, per length and precision, whether the
// model decides random words like the automaton does (experiment/recognize.hpp).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "automata/minimize.hpp"
#include "automata/sample.hpp"
#include "cli/common.hpp"
#include "models/json_positions.hpp"
#include "cli/experiment_output.hpp"
#include "cli/language_source.hpp"
#include "experiment/fit.hpp"
#include "experiment/lengths.hpp"
#include "experiment/recognize.hpp"

namespace parallax::cli {
namespace {

struct RecognizeOpts {
  LanguageSource source;
  FormatFlags fmt;
  std::string model;
  std::string lengths = "10,100,1000";
  std::string precisions = "fp32";
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  std::string strings;
  bool min_bits = false;
  int exponent_bits = 10;
  int max_bits = 2048;
  bool no_scan = false;
  bool check = false;
};

std::vector<std::vector<std::uint32_t>> read_strings(const std::string& path, const std::vector<std::string>& alphabet) {
  const auto text = models::read_text_file(path);
  if (!text) throw CliError(kBadInput, fmt::format("{}: cannot open the strings file", path));
  std::istringstream in(*text);
  automata::Dfa shape;  // parse_word reads the alphabet only
  shape.alphabet = alphabet;
  std::vector<std::vector<std::uint32_t>> out;
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank or comment only
    try {
      out.push_back(automata::parse_word(shape, line, fmt::format("{}:{}", path, no)));
    } catch (const std::invalid_argument& e) {
      throw CliError(kBadInput, e.what());
    }
  }
  if (out.empty()) throw CliError(kBadInput, fmt::format("{}: no words (one word per line; '#' starts a comment)", path));
  return out;
}

void progress_line(const std::string& s) { std::cerr << "\r\033[K" << s << std::flush; }

void run(const RecognizeOpts& o) {
  const auto automaton = o.source.load();
  automata::ModelKind kind;
  try {
    kind = automata::parse_model_kind(o.model);
  } catch (const std::invalid_argument& e) {
    throw CliError(kBadInput, fmt::format("--model: {}", e.what()));
  }
  experiment::RecognitionTarget target;
  automata::CompiledModel model;
  try {
    if (automaton.weighted()) {
      target.weighted = true;
      target.wfa = automaton.wfa;
      target.name = automaton.wfa.name;
      model = automata::compile(target.wfa, kind);
    } else {
      target.dfa = automata::minimize(automaton.dfa);
      target.name = automaton.dfa.name;
      model = automata::compile(target.dfa, kind);
    }
  } catch (const automata::CompileRefused& e) {
    throw CliError(kBadInput, fmt::format("cannot compile '{}' to --model {}: {}", target.name, o.model, e.what()));
  }
  experiment::RecognizeOptions ro;
  ro.precisions = parse_precision_list(o.precisions);
  ro.trials = o.trials;
  ro.seed = o.seed;
  ro.min_bits = o.min_bits;
  ro.exponent_bits = o.exponent_bits;
  ro.max_bits = o.max_bits;
  ro.check_scan = !o.no_scan;
  if (o.trials == 0) throw CliError(kBadInput, "--trials must be at least 1");
  if (!o.strings.empty()) {
    ro.strings = read_strings(o.strings, target.alphabet());
    std::vector<std::size_t> ls;
    for (const auto& w : *ro.strings)
      if (std::find(ls.begin(), ls.end(), w.size()) == ls.end()) ls.push_back(w.size());
    std::sort(ls.begin(), ls.end());
    ro.lengths = ls;
  } else {
    try {
      ro.lengths = experiment::parse_lengths(o.lengths);
    } catch (const std::invalid_argument& e) {
      throw CliError(kBadInput, fmt::format("--lengths: {}", e.what()));
    }
  }
  if (o.exponent_bits < 2 || o.exponent_bits > 30) throw CliError(kBadInput, "--exponent-bits must be from 2 to 30");
  if (o.max_bits < 2 || o.max_bits > numeric::kMaxPrecisionBits)
    throw CliError(kBadInput, fmt::format("--max-bits must be from 2 to {}", numeric::kMaxPrecisionBits));
  const bool tty = isatty(STDERR_FILENO);
  std::cerr << fmt::format("{}: {}\n", target.name, model.description);
  experiment::RecognizeReport rep;
  try {
    rep = experiment::recognize(target, model, ro, tty ? progress_line : nullptr);
  } catch (const numeric::PrecisionError& e) {
    throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
  }
  if (tty) std::cerr << "\r\033[K";
  const Format f = o.fmt.format();
  // the human table leaves out what the header line on stderr already says
  auto columns = [&](std::vector<std::string> cols) {
    if (f == Format::Table) std::erase_if(cols, [](const std::string& c) { return c == "record" || c == "language" || c == "model"; });
    return cols;
  };
  Records acc(columns({"record", "language", "model", "n", "precision", "trials", "accepted", "correct", "accuracy",
                       "undecided", "overflow", "scan_agree", "ns_per_token", "scan_ns_per_token", "first_failure",
                       "failure_word", "failure_expected"}));
  std::size_t failures = 0;
  for (const auto& r : rep.records) {
    failures += r.trials - r.correct;
    nlohmann::ordered_json row = {{"record", "accuracy"},
                                  {"language", target.name},
                                  {"model", o.model},
                                  {"n", r.length},
                                  {"precision", r.precision},
                                  {"trials", r.trials},
                                  {"accepted", r.accepted_trials},
                                  {"correct", r.correct},
                                  {"accuracy", r.accuracy()},
                                  {"undecided", r.undecided},
                                  {"overflow", r.overflow},
                                  {"scan_agree", r.scan_checked ? nlohmann::ordered_json(r.scan_agree) : nlohmann::ordered_json("-")},
                                  {"ns_per_token", std::round(r.ns_per_token * 10) / 10},
                                  {"scan_ns_per_token", r.scan_checked ? nlohmann::ordered_json(std::round(r.scan_ns_per_token * 10) / 10) : nlohmann::ordered_json("-")},
                                  {"first_failure", r.first_failure ? nlohmann::ordered_json(*r.first_failure) : nlohmann::ordered_json("-")},
                                  {"failure_word", r.first_failure ? r.first_failure_word : "-"},
                                  {"failure_expected", r.first_failure ? (r.first_failure_expected ? "accept" : "reject") : "-"}};
    acc.add(std::move(row));
  }
  bool min_overflow = false;
  for (const auto& m : rep.min_bits) min_overflow = min_overflow || (m.overflow && !m.bits);
  if (min_overflow)
    std::cerr << fmt::format("note: the --min-bits search met exponent overflows at float:M:{}; a larger --exponent-bits "
                             "may find a width\n",
                             o.exponent_bits);
  acc.print(f);
  print_min_bits(rep.min_bits, {{"language", target.name}, {"model", o.model}}, f, o.max_bits);
  if (o.check && failures > 0)
    throw CliError(kFailure, fmt::format("--check: {} trial(s) decided wrongly or disagreeing between scan and sequential", failures));
}

}  // namespace

void add_recognize(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "recognize",
      "Compile a language into a model and test recognition: accuracy per length and precision, scan vs sequential, "
      "time per token, and (with --min-bits) the fewest significand bits that decide every trial");
  auto o = std::make_shared<RecognizeOpts>();
  o->source.add_to(*cmd);
  cmd->add_option("--model", o->model, "pd, householder, diag, rotation, dense, wfa or relu-rnn")->required();
  cmd->add_option("--lengths", o->lengths, "Comma-separated word lengths, e.g. 10,100,1e6")->capture_default_str();
  cmd->add_option("--precision", o->precisions, "Comma-separated precisions (see `parallax precisions`), e.g. fp32,exact")
      ->capture_default_str();
  cmd->add_option("--trials", o->trials, "Words per length: half accepted, half rejected where both exist")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random words (the same seed gives the same words)")->capture_default_str();
  cmd->add_option("--strings", o->strings, "Test these words instead (a file, one word per line; replaces --lengths)");
  cmd->add_flag("--min-bits", o->min_bits,
                "Per length, the smallest float:M:E significand width M deciding every trial, sequentially and by "
                "the scan (and, with an interval precision listed, the smallest certified interval width)");
  cmd->add_option("--exponent-bits", o->exponent_bits, "E of float:M:E in the --min-bits search (10: range 2^+-511; up to 10 is the fast emulation)")->capture_default_str();
  cmd->add_option("--max-bits", o->max_bits, "Upper limit of the --min-bits search")->capture_default_str();
  cmd->add_flag("--no-scan", o->no_scan, "Skip the parallel-scan evaluation (sequential only)");
  cmd->add_flag("--check", o->check, "Exit 1 when any trial is decided wrongly");
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
