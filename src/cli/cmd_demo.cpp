// `parallax demo`: the S5 word problem (NC1-complete, Barrington 1989)
// recognized by one-layer LRNNs at several precisions, checked against plain
// permutation composition. The permutation-diagonal LRNN (Terzić et al. 2025)
// is exact at any precision that holds 0 and 1; the Householder-product DPLR
// LRNN (Grazzi et al. ICLR 2025) needs enough bits for its readout margin.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <unistd.h>

#include "cli/common.hpp"
#include "models/lrnn.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/limits.hpp"
#include "numeric/precision.hpp"

namespace parallax::cli {
namespace {

struct DemoOpts {
  FormatFlags fmt;
  std::vector<std::size_t> lengths{16, 256, 2048};
  std::vector<std::string> precisions{"exact", "fp64", "fp32", "bf16", "fp16", "float:4:3", "fixed:4.0", "interval:8", "log:1"};
  std::vector<std::string> models{"s5", "s5-householder"};
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  int threads = 0;
};

std::string events_of(const numeric::Status& s) { return fmt::format("{}", fmt::join(s.events(), ",")); }

/// The sizes of the options, before anything is computed: every length from
/// 1 to limits::kMaxLength and at most limits::kMaxSweepPoints of them, --trials
/// up to limits::kMaxTrials, --threads up to limits::kMaxThreads; the words,
/// all held at once, within the memory limit; and the token evaluations within
/// limits::kMaxSweepTokens (the demo has no --allow-long: hours of work are a typo).
void check_demo_sizes(const DemoOpts& o) {
  if (o.lengths.empty()) throw CliError(kBadInput, "--lengths: give at least one length");
  limits::check_count(o.lengths.size(), limits::kMaxSweepPoints, "--lengths (the number of lengths)");
  for (auto n : o.lengths) {
    if (n == 0) throw CliError(kBadInput, "--lengths: lengths must be positive");
    limits::check_count(n, limits::kMaxLength, "--lengths: a length");
  }
  limits::check_count(o.trials, limits::kMaxTrials, "--trials");
  limits::check_count(static_cast<std::uint64_t>(std::max(o.threads, 0)), limits::kMaxThreads, "--threads");
  limits::check_count(o.precisions.size(), limits::kMaxSweepPoints, "--precisions (the number of precisions)");
  limits::check_count(o.models.size(), limits::kMaxSweepPoints, "--models (the number of models)");
  std::uint64_t tokens = 0;
  for (auto n : o.lengths) tokens = limits::add(tokens, n);
  const std::uint64_t words = limits::mul(o.lengths.size(), o.trials);  // each a vector: 4 bytes a letter and its header
  limits::check_memory(limits::add(limits::mul(tokens, limits::mul(o.trials, 4)), limits::mul(words, 64)),
                       fmt::format("the demo's {} words ({} per length, --trials {}) of --lengths up to {}", words, o.trials,
                                   o.trials, *std::max_element(o.lengths.begin(), o.lengths.end())));
  // sequential and parallel runs of every word, for every model and precision
  const std::uint64_t runs = limits::mul(limits::mul(o.models.size(), o.precisions.size()), limits::mul(2, o.trials));
  const std::uint64_t evaluations = limits::mul(tokens, runs);
  if (evaluations > limits::kMaxSweepTokens)
    throw limits::LimitError(fmt::format(
        "--lengths and --trials: the demo would evaluate about {:.1e} tokens ({} trials of lengths summing to {}, {} models, "
        "{} precisions, sequential and parallel), above the budget of {:.0e} (hours of work; docs/limits.md); give fewer "
        "or shorter lengths or fewer trials (`parallax recognize` runs long sweeps, with --allow-long)",
        double(evaluations), o.trials, tokens, o.models.size(), o.precisions.size(), double(limits::kMaxSweepTokens)));
}

void run_demo(const DemoOpts& o) {
  // Validate everything before any work starts.
  check_demo_sizes(o);
  std::vector<numeric::Precision> specs;
  for (const auto& s : o.precisions) {
    try {
      specs.push_back(numeric::Precision::parse(s));
    } catch (const numeric::PrecisionError& e) {
      throw CliError(kBadInput, e.what());
    }
  }
  std::vector<models::LrnnSpec> nets;
  for (const auto& m : o.models) {
    try {
      nets.push_back(models::resolve_model(m));
    } catch (const models::ModelError& e) {
      throw CliError(kBadInput, e.what());
    }
  }
  const auto gens = models::s5_generators();
  for (const auto& net : nets) {
    if (net.alphabet != std::vector<std::string>{"s", "c"} || net.input_dim > 0 || !net.has_readout())
      throw CliError(kBadInput, fmt::format("model '{}' does not read the S5 generator alphabet [s, c] with a readout", net.name));
  }

  // Balanced instances: half of the words multiply to the identity.
  struct Instance {
    std::vector<std::uint32_t> word;
    bool identity;
  };
  std::vector<std::vector<Instance>> instances;
  for (std::size_t li = 0; li < o.lengths.size(); ++li) {
    std::vector<Instance> v;
    for (std::size_t k = 0; k < o.trials; ++k) {
      const bool want = k % 2 == 0;
      auto w = models::random_group_word(gens, o.lengths[li], want, o.seed * 1000003 + li * 7919 + k);
      const bool ref = models::group_word_is_identity(gens, w);  // independent reference
      v.push_back({std::move(w), ref});
    }
    instances.push_back(std::move(v));
  }

  const bool tty = isatty(fileno(stderr));
  Records r({"model", "structure", "precision", "n", "trials", "correct_sequential", "correct_parallel", "undecided",
             "accuracy", "events", "seconds"});
  bool sequential_parallel_disagree = false;
  kernels::ScanOptions so;
  so.threads = o.threads;
  for (const auto& net : nets) {
    for (const auto& spec : specs) {
      for (std::size_t li = 0; li < o.lengths.size(); ++li) {
        const std::size_t n = o.lengths[li];
        if (tty) std::cerr << "\r\033[K" << net.name << " " << spec.to_string() << " n=" << n << std::flush;
        numeric::Precision p;
        try {
          p = spec.resolve(n);
        } catch (const numeric::PrecisionError& e) {
          throw CliError(kBadInput, e.what());
        }
        numeric::Status status;
        std::size_t ok_seq = 0, ok_par = 0, undecided = 0;
        const auto t0 = std::chrono::steady_clock::now();
        numeric::dispatch(
            p,
            [&](auto tag) {
              using T = typename decltype(tag)::type;
              for (const auto& inst : instances[li]) {
                const auto a = models::run_lrnn<T>(net, inst.word, false, so).accept;
                const auto b = models::run_lrnn<T>(net, inst.word, true, so).accept;
                auto correct = [&](numeric::Sign s) {
                  return s != numeric::Sign::Unknown && (s == numeric::Sign::Positive) == inst.identity;
                };
                ok_seq += correct(a);
                ok_par += correct(b);
                undecided += (a == numeric::Sign::Unknown);
                sequential_parallel_disagree |= (a != b) && numeric::is_exact_v<T>;
              }
            },
            &status);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string prec = spec.resolved() ? spec.to_string() : fmt::format("{} = {}", spec.to_string(), p.to_string());
        r.add({{"model", net.name},
               {"structure", models::to_string(net.structure)},
               {"precision", prec},
               {"n", n},
               {"trials", o.trials},
               {"correct_sequential", ok_seq},
               {"correct_parallel", ok_par},
               {"undecided", undecided},
               {"accuracy", o.fmt.format() == Format::Table
                                ? nlohmann::ordered_json(fmt::format("{:.0f}%", 100.0 * ok_seq / o.trials))
                                : nlohmann::ordered_json(double(ok_seq) / o.trials)},
               {"events", events_of(status)},
               {"seconds", o.fmt.format() == Format::Table ? nlohmann::ordered_json(fmt::format("{:.3f}", secs))
                                                           : nlohmann::ordered_json(secs)}});
      }
    }
  }
  if (tty) std::cerr << "\r\033[K" << std::flush;
  if (o.fmt.format() == Format::Table) {
    fmt::print("S5 word problem (NC1-complete): is the product of a word over s = (0 1), c = (0 1 2 3 4) the identity?\n"
               "{} balanced words per length; reference: plain permutation composition.\n\n",
               o.trials);
  }
  r.print(o.fmt.format());
  if (sequential_parallel_disagree)
    throw CliError(kFailure, "exact sequential and parallel evaluation disagree (a bug: please report it)");
}

}  // namespace

void add_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo", "Recognize the S5 word problem with one-layer LRNNs (PD and Householder DPLR) at several precisions");
  auto o = std::make_shared<DemoOpts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--lengths", o->lengths, "Word lengths")->delimiter(',')->capture_default_str();
  cmd->add_option("--precisions", o->precisions, "Precision specs (see `parallax precisions`)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--models", o->models, "Models reading the S5 generators s, c (named or JSON files)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--trials", o->trials, "Words per length (half of them multiply to the identity)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o->seed, "Seed of the random words")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads of the parallel scan (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->callback([o] { run_demo(*o); });
}

}  // namespace parallax::cli
