// `parallax demo` (demo.hpp).
#include "experiment/demo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "models/lrnn.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/limits.hpp"
#include "numeric/precision.hpp"

namespace parallax::experiment::demo {

void Options::validate() const {
  if (lengths.empty()) throw OptionError("lengths", "--lengths: give at least one length");
  limits::check_count(lengths.size(), limits::kMaxSweepPoints, "--lengths (the number of lengths)");
  for (auto n : lengths) {
    if (n == 0) throw OptionError("lengths", "--lengths: lengths must be positive");
    limits::check_count(n, limits::kMaxLength, "--lengths: a length");
  }
  limits::check_count(trials, limits::kMaxTrials, "--trials");
  limits::check_count(static_cast<std::uint64_t>(std::max(threads, 0)), limits::kMaxThreads, "--threads");
  limits::check_count(precisions.size(), limits::kMaxSweepPoints, "--precisions (the number of precisions)");
  limits::check_count(models.size(), limits::kMaxSweepPoints, "--models (the number of models)");
  std::uint64_t tokens = 0;
  for (auto n : lengths) tokens = limits::add(tokens, n);
  const std::uint64_t words = limits::mul(lengths.size(), trials);  // each a vector: 4 bytes a letter and its header
  limits::check_memory(limits::add(limits::mul(tokens, limits::mul(trials, 4)), limits::mul(words, 64)),
                       fmt::format("the demo's {} words ({} per length, --trials {}) of --lengths up to {}", words, trials,
                                   trials, *std::max_element(lengths.begin(), lengths.end())));
  // sequential and parallel runs of every word, for every model and precision
  const std::uint64_t runs = limits::mul(limits::mul(models.size(), precisions.size()), limits::mul(2, trials));
  const std::uint64_t evaluations = limits::mul(tokens, runs);
  if (evaluations > limits::kMaxSweepTokens)
    throw limits::LimitError(fmt::format(
        "--lengths and --trials: the demo would evaluate about {:.1e} tokens ({} trials of lengths summing to {}, {} models, "
        "{} precisions, sequential and parallel), above the budget of {:.0e} (hours of work; docs/limits.md); give fewer "
        "or shorter lengths or fewer trials (`parallax recognize` runs long sweeps, with --allow-long)",
        double(evaluations), trials, tokens, models.size(), precisions.size(), double(limits::kMaxSweepTokens)));
  for (const auto& s : precisions) {
    try {
      (void)numeric::Precision::parse(s);
    } catch (const numeric::PrecisionError& e) {
      throw OptionError("precisions", e.what());
    }
  }
}

Result run(const Options& o, const std::function<void(const std::string& what)>& progress) {
  o.validate();  // everything before any work starts
  std::vector<numeric::Precision> specs;
  for (const auto& s : o.precisions) specs.push_back(numeric::Precision::parse(s));
  std::vector<models::LrnnSpec> nets;
  for (const auto& m : o.models) {
    try {
      nets.push_back(models::resolve_model(m));
    } catch (const models::ModelError& e) {
      throw OptionError("models", e.what());
    }
  }
  const auto gens = models::s5_generators();
  for (const auto& net : nets) {
    if (net.alphabet != std::vector<std::string>{"s", "c"} || net.input_dim > 0 || !net.has_readout())
      throw OptionError("models", fmt::format("model '{}' does not read the S5 generator alphabet [s, c] with a readout", net.name));
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

  Result res;
  kernels::ScanOptions so;
  so.threads = o.threads;
  for (const auto& net : nets) {
    for (const auto& spec : specs) {
      for (std::size_t li = 0; li < o.lengths.size(); ++li) {
        const std::size_t n = o.lengths[li];
        if (progress) progress(fmt::format("{} {} n={}", net.name, spec.to_string(), n));
        numeric::Precision p;
        try {
          p = spec.resolve(n);
        } catch (const numeric::PrecisionError& e) {
          throw OptionError("precisions", e.what());
        }
        numeric::Status status;
        Row row;
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
                row.correct_sequential += correct(a);
                row.correct_parallel += correct(b);
                row.undecided += (a == numeric::Sign::Unknown);
                res.sequential_parallel_disagree |= (a != b) && numeric::is_exact_v<T>;
              }
            },
            &status);
        row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        row.model = net.name;
        row.structure = models::to_string(net.structure);
        row.precision = spec.resolved() ? spec.to_string() : fmt::format("{} = {}", spec.to_string(), p.to_string());
        row.n = n;
        row.trials = o.trials;
        row.events = status.events();
        res.rows.push_back(std::move(row));
      }
    }
  }
  return res;
}

}  // namespace parallax::experiment::demo
