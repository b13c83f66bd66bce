#include "experiment/reduce.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>

#include "experiment/json_number.hpp"

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

namespace {

/// |a − b| where a non-finite score counts as +∞ (NaN stays NaN).
double score_gap(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == b) return 0;  // also equal infinities: the exact value overflowed double too
  return std::fabs(a - b);
}

double max_gap(double acc, double g) { return std::isnan(acc) || std::isnan(g) ? std::numeric_limits<double>::quiet_NaN() : std::max(acc, g); }

}  // namespace

ReduceReport reduce(const reductions::Problem& problem, const ReduceOptions& o, const ReduceHooks& hooks) {
  ReduceReport rep;
  const bool scan = o.check_scan;
  const auto exact = numeric::Precision::parse("exact");
  // progress: one unit per token evaluated (n · trials per precision, and per min-bits search)
  ReduceProgress prog;
  for (std::size_t n : o.lengths)
    prog.total += double(std::max<std::size_t>(n, 1)) * double(o.trials) * double(o.precisions.size() + (o.min_bits ? 1 : 0));
  auto report = [&](const std::string& stage) {
    prog.stage = stage;
    if (hooks.progress) hooks.progress(prog);
  };
  // within a stage: trials finished so far, reported by the calling thread
  // (OpenMP's thread 0) only, so the hook is never called concurrently
  std::atomic<std::size_t> finished{0};
  auto tick = [&](double unit_per_trial) {
    const std::size_t k = finished.fetch_add(1) + 1;
    if (hooks.progress && omp_get_thread_num() == 0) {
      ReduceProgress now = prog;
      now.done += unit_per_trial * double(k);
      hooks.progress(now);
    }
  };
  for (std::size_t n : o.lengths) {
    const double unit = double(std::max<std::size_t>(n, 1)) * double(o.trials);
    // what the store already holds for this length
    std::vector<std::optional<ReduceRecord>> stored(o.precisions.size());
    bool all_stored = true;
    for (std::size_t i = 0; i < o.precisions.size(); ++i) {
      if (hooks.stored_record) stored[i] = hooks.stored_record(n, o.precisions[i].resolve(std::max<std::size_t>(n, 1)).to_string());
      all_stored = all_stored && stored[i];
    }
    std::optional<std::vector<MinBitsRecord>> stored_bits;
    if (o.min_bits && hooks.stored_min_bits) stored_bits = hooks.stored_min_bits(n);
    if (o.min_bits) all_stored = all_stored && stored_bits;
    if (all_stored) {
      for (auto& r : stored) rep.records.push_back(std::move(*r));
      if (o.min_bits) rep.min_bits.insert(rep.min_bits.end(), stored_bits->begin(), stored_bits->end());
      prog.done += unit * double(o.precisions.size() + (o.min_bits ? 1 : 0));
      report(fmt::format("n = {}: stored", n));
      continue;
    }
    report(fmt::format("n = {}: generating {} instances", n, o.trials));
    finished = 0;
    std::vector<Trial> trials(o.trials);
    // the exact sequential run of each trial, once: the reference score for
    // every precision's error, and the `exact` precision's own result
    std::vector<double> exact_score(o.trials), exact_secs(o.trials);
    std::vector<int> exact_decision(o.trials);
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
      const auto t0 = std::chrono::steady_clock::now();
      exact_decision[k] = decide(*t.enc.model, t.enc.tokens, exact, false, nullptr, &exact_score[k]);
      exact_secs[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      tick(0.0);
    });
    std::size_t yes = 0;
    for (const auto& t : trials) yes += t.answer;
    const bool no_scan = !trials.empty() && !trials[0].enc.model->has_scan();
    for (std::size_t i = 0; i < o.precisions.size(); ++i) {
      const numeric::Precision p = o.precisions[i].resolve(std::max<std::size_t>(n, 1));
      if (stored[i]) {
        rep.records.push_back(std::move(*stored[i]));
        prog.done += unit;
        continue;
      }
      report(fmt::format("n = {}, {}", n, p.to_string()));
      finished = 0;
      std::vector<int> seq(trials.size()), par(trials.size());
      std::vector<double> secs(trials.size()), err(trials.size(), 0.0);
      std::vector<char> overflow(trials.size(), 0);
      for_trials(trials.size(), o.jobs, [&](std::size_t k) {
        numeric::Status status;
        double score = exact_score[k];
        if (p.kind == numeric::Precision::Kind::Exact) {
          seq[k] = exact_decision[k];
          secs[k] = exact_secs[k];
        } else {
          const auto t0 = std::chrono::steady_clock::now();
          seq[k] = decide(*trials[k].enc.model, trials[k].enc.tokens, p, false, &status, &score);
          secs[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        err[k] = score_gap(score, exact_score[k]);
        if (scan && !no_scan) {
          par[k] = decide(*trials[k].enc.model, trials[k].enc.tokens, p, true, &status, &score);
          err[k] = max_gap(err[k], score_gap(score, exact_score[k]));
        } else {
          par[k] = seq[k];
        }
        overflow[k] = status.overflow || status.invalid;
        tick(unit / double(std::max<std::size_t>(trials.size(), 1)));
      });
      ReduceRecord r;
      r.problem = problem.info().name;
      r.construction = o.construction;
      r.length = n;
      r.precision = p.to_string();
      r.trials = trials.size();
      r.yes_trials = yes;
      r.scan_checked = scan && !no_scan;
      double total = 0;
      for (std::size_t k = 0; k < trials.size(); ++k) {
        const int want = trials[k].answer ? 1 : -1;
        r.undecided += seq[k] == 0;
        r.scan_agree += seq[k] == par[k];
        r.overflow = r.overflow || overflow[k];
        r.max_error = max_gap(r.max_error, err[k]);
        total += secs[k];
        if (seq[k] == want && par[k] == want)
          ++r.correct;
        else if (!r.first_failing_seed)
          r.first_failing_seed = trials[k].seed;
      }
      r.ns_per_token = 1e9 * total / (double(std::max<std::size_t>(n, 1)) * double(std::max<std::size_t>(trials.size(), 1)));
      if (hooks.on_record) hooks.on_record(r);
      rep.records.push_back(std::move(r));
      prog.done += unit;
    }
    if (o.min_bits && stored_bits) {
      rep.min_bits.insert(rep.min_bits.end(), stored_bits->begin(), stored_bits->end());
    } else if (o.min_bits && !trials.empty()) {
      report(fmt::format("n = {}: minimum bits", n));
      MinBitsSearch s = o.search;
      s.scan = scan && !no_scan;
      auto found = search_min_bits(n, s, [&](const numeric::Precision& p, bool parallel, numeric::Status* status) {
        for (const auto& t : trials)
          if (decide(*t.enc.model, t.enc.tokens, p, parallel, status) != (t.answer ? 1 : -1)) return false;
        return true;
      });
      if (hooks.on_min_bits) hooks.on_min_bits(n, found);
      rep.min_bits.insert(rep.min_bits.end(), found.begin(), found.end());
    }
    if (o.min_bits) prog.done += unit;
    report(fmt::format("n = {}: done", n));
  }
  return rep;
}

namespace {

template <class J>
auto need(const J& j, const char* field) -> decltype(j.at(field)) {
  if (!j.contains(field)) throw std::invalid_argument(fmt::format("record: missing field '{}'", field));
  return j.at(field);
}

}  // namespace

nlohmann::ordered_json to_json(const ReduceRecord& r) {
  nlohmann::ordered_json j;
  j["problem"] = r.problem;
  j["construction"] = r.construction;
  j["n"] = r.length;
  j["precision"] = r.precision;
  j["trials"] = r.trials;
  j["yes"] = r.yes_trials;
  j["correct"] = r.correct;
  j["accuracy"] = r.accuracy();
  j["undecided"] = r.undecided;
  j["overflow"] = r.overflow;
  j["scan_checked"] = r.scan_checked;
  j["scan_agree"] = r.scan_agree;
  j["ns_per_token"] = std::round(r.ns_per_token * 10) / 10;
  // JSON has no infinities: null, with the reason in max_error_kind
  j["max_error"] = number_or_null(r.max_error);
  if (!std::isfinite(r.max_error)) j["max_error_kind"] = std::isnan(r.max_error) ? "nan" : "inf";
  j["first_failing_seed"] = r.first_failing_seed ? nlohmann::ordered_json(*r.first_failing_seed) : nlohmann::ordered_json(nullptr);
  return j;
}

ReduceRecord reduce_record_from_json(const nlohmann::json& j) {
  ReduceRecord r;
  r.problem = need(j, "problem").get<std::string>();
  r.construction = need(j, "construction").get<std::string>();
  r.length = need(j, "n").get<std::size_t>();
  r.precision = need(j, "precision").get<std::string>();
  r.trials = need(j, "trials").get<std::size_t>();
  r.yes_trials = need(j, "yes").get<std::size_t>();
  r.correct = need(j, "correct").get<std::size_t>();
  r.undecided = need(j, "undecided").get<std::size_t>();
  r.overflow = need(j, "overflow").get<bool>();
  r.scan_checked = need(j, "scan_checked").get<bool>();
  r.scan_agree = need(j, "scan_agree").get<std::size_t>();
  r.ns_per_token = need(j, "ns_per_token").get<double>();
  const auto& e = need(j, "max_error");
  if (e.is_null())
    r.max_error = j.value("max_error_kind", std::string("inf")) == "nan" ? std::numeric_limits<double>::quiet_NaN()
                                                                           : std::numeric_limits<double>::infinity();
  else
    r.max_error = e.get<double>();
  const auto& f = need(j, "first_failing_seed");
  if (!f.is_null()) r.first_failing_seed = f.get<std::uint64_t>();
  return r;
}

nlohmann::ordered_json to_json(const MinBitsRecord& m) {
  nlohmann::ordered_json j;
  j["n"] = m.length;
  j["arithmetic"] = m.arithmetic;
  j["mode"] = m.mode;
  j["min_bits"] = m.bits ? nlohmann::ordered_json(*m.bits) : nlohmann::ordered_json(nullptr);
  j["precision"] = m.precision;
  j["overflow"] = m.overflow;
  return j;
}

MinBitsRecord min_bits_record_from_json(const nlohmann::json& j) {
  MinBitsRecord m;
  m.length = need(j, "n").get<std::size_t>();
  m.arithmetic = need(j, "arithmetic").get<std::string>();
  m.mode = need(j, "mode").get<std::string>();
  const auto& b = need(j, "min_bits");
  if (!b.is_null()) m.bits = b.get<int>();
  m.precision = need(j, "precision").get<std::string>();
  m.overflow = need(j, "overflow").get<bool>();
  return m;
}

nlohmann::json result_config(const std::string& problem, const ReduceOptions& o) {
  nlohmann::json j;
  j["problem"] = problem;
  j["construction"] = o.construction;
  j["trials"] = o.trials;
  j["seed"] = o.seed;
  j["check_scan"] = o.check_scan;
  j["min_bits"] = o.min_bits;
  if (o.min_bits)
    j["search"] = {{"exponent_bits", o.search.exponent_bits},
                   {"linear_bits", o.search.linear_bits},
                   {"max_bits", o.search.max_bits},
                   {"interval", o.search.interval}};
  return j;
}

}  // namespace parallax::experiment
