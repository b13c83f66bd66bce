// `parallax recognize`: the automaton-recognition harness. Compiles a
// language into a model and measures, per length and precision, whether the
// model decides random words like the automaton does (experiment/recognize.hpp).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/common.hpp"
#include "cli/experiment_output.hpp"
#include "cli/language_source.hpp"
#include "cli/store_link.hpp"
#include "experiment/fit.hpp"
#include "experiment/lengths.hpp"
#include "experiment/recognize.hpp"
#include "experiment/store.hpp"
#include "models/json_positions.hpp"

namespace parallax::cli {
namespace {

struct RecognizeOpts {
  experiment::LanguageSource source;
  FormatFlags fmt;
  std::string model;
  std::string lengths = experiment::recognize::kDefaultLengths;
  std::string precisions = "fp32";
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  std::string strings;
  SweepFlags sweep;
};

std::vector<std::vector<std::uint32_t>> read_strings(const std::string& path, const std::vector<std::string>& alphabet) {
  const auto text = models::read_text_file(path);
  if (!text) throw CliError(kBadInput, fmt::format("{}: cannot open the strings file", path));
  try {
    return experiment::recognize::parse_words(*text, alphabet, path);
  } catch (const std::invalid_argument& e) {
    throw CliError(kBadInput, e.what());
  }
}

void progress_line(const std::string& s) { std::cerr << "\r\033[K" << s << std::flush; }

void run(const RecognizeOpts& o) {
  const auto target = experiment::recognize::make_target(load_language(o.source));
  automata::CompiledModel model;
  try {
    model = experiment::recognize::compile_model(target, o.model);
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
  experiment::recognize::Options ro;
  ro.model = o.model;
  ro.precisions = parse_precision_list(o.precisions);
  ro.trials = o.trials;
  ro.seed = o.seed;
  o.sweep.apply_to(ro);
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
  validate_options(ro);
  const bool tty = isatty(STDERR_FILENO);
  std::cerr << fmt::format("{}: {}\n", target.name, model.description);
  experiment::recognize::Report rep;
  StoreLink link;
  try {
    if (o.sweep.store.empty()) {
      rep = experiment::recognize::run(target, model, ro, tty ? progress_line : nullptr);
    } else {
      if (ro.strings) throw CliError(kBadInput, "--store keeps sampled words (--lengths), not --strings");
      link.open(o.sweep.store, "recognize", experiment::recognize::store_config(ro, o.source, target.name), ro.seed);
      rep = experiment::recognize::run(target, model, ro, experiment::recognize::store_hooks(link.results("recognize")),
                                       tty ? progress_line : nullptr);
      link.finish();
    }
  } catch (const numeric::PrecisionError& e) {
    throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  }
  if (tty) std::cerr << "\r\033[K";
  const Format f = o.fmt.format();
  // the human table leaves out what the header line on stderr already says
  auto columns = [&](std::vector<std::string> cols) {
    if (f == Format::Table) std::erase_if(cols, [](const std::string& c) { return c == "record" || c == "language" || c == "model"; });
    return cols;
  };
  Records acc(columns({"record", "language", "model", "n", "precision", "format", "trials", "accepted", "correct",
                       "accuracy", "undecided", "overflow", "scan_agree", "ns_per_token", "scan_ns_per_token",
                       "first_failure", "failure_word", "failure_expected"}));
  std::size_t failures = 0;
  for (const auto& r : rep.records) {  // computed, or read back from the store
    failures += r.trials - r.correct;
    nlohmann::ordered_json row = {{"record", "accuracy"}};
    const auto fields = experiment::to_json(r);
    for (const auto& [k, v] : fields.items()) {
      if (k == "scan_checked") continue;
      row[k] = v.is_null() ? nlohmann::ordered_json("-") : v;
    }
    acc.add(std::move(row));
  }
  bool min_overflow = false;
  for (const auto& m : rep.min_bits) min_overflow = min_overflow || (m.overflow && !m.bits);
  if (min_overflow)
    std::cerr << fmt::format("note: the --min-bits search met exponent overflows at float:M:{}; a larger --exponent-bits "
                             "may find a width\n",
                             o.sweep.exponent_bits);
  acc.print(f);
  print_min_bits(rep.min_bits, {{"language", target.name}, {"model", o.model}}, f, o.sweep.max_bits);
  if (o.sweep.check && failures > 0)
    throw CliError(kFailure, fmt::format("--check: {} trial(s) decided wrongly or disagreeing between scan and sequential", failures));
}

}  // namespace

void add_recognize(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "recognize",
      "Compile a language into a model and test recognition: accuracy per length and precision, scan vs sequential, "
      "time per token, and (with --min-bits) the fewest significand bits that decide every trial");
  auto o = std::make_shared<RecognizeOpts>();
  add_language_source(*cmd, o->source);
  cmd->add_option("--model", o->model, "pd, householder, diag, rotation, dense, wfa, relu-rnn or diag01 (fitted, not exact)")->required();
  cmd->add_option("--lengths", o->lengths, "Comma-separated word lengths, e.g. 10,100,1e6")->capture_default_str();
  cmd->add_option("--precision", o->precisions, "Comma-separated precisions (see `parallax precisions`), e.g. fp32,exact")
      ->capture_default_str();
  cmd->add_option("--trials", o->trials, "Words per length: half accepted, half rejected where both exist")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random words (the same seed gives the same words)")->capture_default_str();
  cmd->add_option("--strings", o->strings, "Test these words instead (a file, one word per line; replaces --lengths)");
  o->sweep.add_to(*cmd);
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
