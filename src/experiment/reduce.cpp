#include "experiment/reduce.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace parallax::experiment {

std::uint64_t trial_seed(std::uint64_t seed, std::size_t n, std::size_t k) {
  // splitmix64 over (seed, n, k): independent streams per trial
  auto mix = [](std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  return mix(mix(mix(seed) ^ n) ^ k);
}

namespace {

struct Trial {
  reductions::Encoding enc;
  bool answer = false;
  std::uint64_t seed = 0;
};

/// Runs body(k) for k < count on `jobs` threads; the first exception is rethrown.
template <class Body>
void for_trials(std::size_t count, int jobs, Body&& body) {
  std::exception_ptr err;
#pragma omp parallel for num_threads(std::max(jobs, 1)) schedule(dynamic)
  for (std::size_t k = 0; k < count; ++k) {
    try {
      body(k);
    } catch (...) {
#pragma omp critical(parallax_reduce_error)
      if (!err) err = std::current_exception();
    }
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace

ReduceReport reduce(const reductions::Problem& problem, const ReduceOptions& o, void (*progress)(const std::string&)) {
  ReduceReport rep;
  const bool scan = o.check_scan;
  for (std::size_t n : o.lengths) {
    if (progress) progress(fmt::format("n = {}: generating {} instances", n, o.trials));
    std::vector<Trial> trials(o.trials);
    for_trials(o.trials, o.jobs, [&](std::size_t k) {
      Trial& t = trials[k];
      t.seed = trial_seed(o.seed, n, k);
      reductions::Instance in;
      try {
        in = problem.generate(n, t.seed, k % 2 == 0);
      } catch (const reductions::ProblemError&) {
        in = problem.generate(n, t.seed, k % 2 != 0);  // only one answer exists at this size
      }
      t.answer = problem.solve(in);
      t.enc = problem.encode(in, o.construction);
    });
    std::size_t yes = 0;
    for (const auto& t : trials) yes += t.answer;
    bool relu = !trials.empty() && trials[0].enc.model->is_relu;
    for (const auto& spec : o.precisions) {
      const numeric::Precision p = spec.resolve(std::max<std::size_t>(n, 1));
      if (progress) progress(fmt::format("n = {}, {}", n, p.to_string()));
      std::vector<int> seq(trials.size()), par(trials.size());
      std::vector<double> secs(trials.size());
      std::vector<char> overflow(trials.size(), 0);
      for_trials(trials.size(), o.jobs, [&](std::size_t k) {
        numeric::Status status;
        const auto t0 = std::chrono::steady_clock::now();
        seq[k] = decide(*trials[k].enc.model, trials[k].enc.tokens, p, false, &status);
        secs[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        par[k] = scan && !relu ? decide(*trials[k].enc.model, trials[k].enc.tokens, p, true, &status) : seq[k];
        overflow[k] = status.overflow || status.invalid;
      });
      ReduceRecord r;
      r.problem = problem.info().name;
      r.construction = o.construction;
      r.length = n;
      r.precision = p.to_string();
      r.trials = trials.size();
      r.yes_trials = yes;
      r.scan_checked = scan && !relu;
      double total = 0;
      for (std::size_t k = 0; k < trials.size(); ++k) {
        const int want = trials[k].answer ? 1 : -1;
        r.undecided += seq[k] == 0;
        r.scan_agree += seq[k] == par[k];
        r.overflow = r.overflow || overflow[k];
        total += secs[k];
        if (seq[k] == want && par[k] == want)
          ++r.correct;
        else if (!r.first_failing_seed)
          r.first_failing_seed = trials[k].seed;
      }
      r.ns_per_token = 1e9 * total / (double(std::max<std::size_t>(n, 1)) * double(std::max<std::size_t>(trials.size(), 1)));
      rep.records.push_back(std::move(r));
    }
    if (o.min_bits && !trials.empty()) {
      MinBitsSearch s = o.search;
      s.scan = scan && !relu;
      auto found = search_min_bits(
          n, s,
          [&](const numeric::Precision& p, bool parallel, numeric::Status* status) {
            for (const auto& t : trials)
              if (decide(*t.enc.model, t.enc.tokens, p, parallel, status) != (t.answer ? 1 : -1)) return false;
            return true;
          },
          progress);
      rep.min_bits.insert(rep.min_bits.end(), found.begin(), found.end());
    }
  }
  return rep;
}

}  // namespace parallax::experiment
