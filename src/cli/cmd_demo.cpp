// `parallax demo`: the command-line adapter of experiment/demo.hpp (the S5
// word problem recognized by one-layer LRNNs at several precisions): options
// in, one row per model, precision and length out as a table, JSON or CSV.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <unistd.h>

#include "cli/common.hpp"
#include "experiment/demo.hpp"

namespace parallax::cli {
namespace {

namespace xd = experiment::demo;

struct DemoOpts {
  FormatFlags fmt;
  xd::Options x;
};

void run_demo(const DemoOpts& o) {
  const bool tty = isatty(fileno(stderr));
  xd::Result res;
  try {
    res = xd::run(o.x, [tty](const std::string& what) {
      if (tty) std::cerr << "\r\033[K" << what << std::flush;
    });
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }
  if (tty) std::cerr << "\r\033[K" << std::flush;
  const bool table = o.fmt.format() == Format::Table;
  Records r({"model", "structure", "precision", "n", "trials", "correct_sequential", "correct_parallel", "undecided",
             "accuracy", "events", "seconds"});
  for (const auto& x : res.rows)
    r.add({{"model", x.model},
           {"structure", x.structure},
           {"precision", x.precision},
           {"n", x.n},
           {"trials", x.trials},
           {"correct_sequential", x.correct_sequential},
           {"correct_parallel", x.correct_parallel},
           {"undecided", x.undecided},
           {"accuracy", table ? nlohmann::ordered_json(fmt::format("{:.0f}%", 100.0 * x.correct_sequential / x.trials))
                              : nlohmann::ordered_json(double(x.correct_sequential) / x.trials)},
           {"events", fmt::format("{}", fmt::join(x.events, ","))},
           {"seconds", table ? nlohmann::ordered_json(fmt::format("{:.3f}", x.seconds)) : nlohmann::ordered_json(x.seconds)}});
  if (table) {
    fmt::print("S5 word problem (NC1-complete): is the product of a word over s = (0 1), c = (0 1 2 3 4) the identity?\n"
               "{} balanced words per length; reference: plain permutation composition.\n\n",
               o.x.trials);
  }
  r.print(o.fmt.format());
  if (res.sequential_parallel_disagree)
    throw CliError(kFailure, "exact sequential and parallel evaluation disagree (a bug: please report it)");
}

}  // namespace

void add_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo", "Recognize the S5 word problem with one-layer LRNNs (PD and Householder DPLR) at several precisions");
  auto o = std::make_shared<DemoOpts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--lengths", o->x.lengths, "Word lengths")->delimiter(',')->capture_default_str();
  cmd->add_option("--precisions", o->x.precisions, "Precision specs (see `parallax precisions`)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--models", o->x.models, "Models reading the S5 generators s, c (named or JSON files)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--trials", o->x.trials, "Words per length (half of them multiply to the identity)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o->x.seed, "Seed of the random words")->capture_default_str();
  cmd->add_option("--threads", o->x.threads, "Threads of the parallel scan (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->callback([o] { run_demo(*o); });
}

}  // namespace parallax::cli
