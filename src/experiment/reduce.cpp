#include "experiment/reduce.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>

#include "experiment/json_number.hpp"
#include "experiment/lengths.hpp"
#include "experiment/steps.hpp"
#include "numeric/limits.hpp"
#include "numeric/random.hpp"

namespace parallax::experiment::reduce {

std::uint64_t trial_seed(std::uint64_t seed, std::size_t n, std::size_t k) {
  // splitmix64 over (seed, n, k): independent streams per trial
  using numeric::SplitMix;
  return SplitMix::hash(SplitMix::hash(SplitMix::hash(seed) ^ n) ^ k);
}

namespace {

struct Trial {
  reductions::Encoding enc;
  bool answer = false;
  std::uint64_t seed = 0;
  /// Stepwise problems whose construction has an output per position: the
  /// output a correct model gives after every token (the reference label,
  /// or 1 / 0 for the decision it implies; experiment/steps.hpp).
  std::vector<std::int64_t> expected;
};

/// Positions right (in both runs) and the first wrong one (1-based).
struct StepScore {
  std::size_t right = 0;
  std::optional<std::size_t> first_wrong;
};

StepScore score_steps(const std::vector<std::int64_t>& expected, const std::vector<std::int64_t>& seq,
                      const std::vector<std::int64_t>* par) {
  StepScore s;
  for (std::size_t t = 0; t < expected.size(); ++t) {
    if (seq[t] == expected[t] && (!par || (*par)[t] == expected[t]))
      ++s.right;
    else if (!s.first_wrong)
      s.first_wrong = t + 1;
  }
  return s;
}

/// What a correct model outputs after every token of an instance's encoding
/// (experiment/steps.hpp): the reference labels, or the decisions they imply.
std::vector<std::int64_t> expected_steps(const reductions::Problem& problem, const reductions::Instance& in,
                                         const reductions::Encoding& enc, StepReadout readout) {
  auto labels = problem.solve_steps(in);
  if (labels.size() != enc.tokens.size())
    throw reductions::ProblemError(fmt::format("{}: {} labels for the {} tokens of an instance's encoding; a stepwise "
                                               "problem's encoding has one token per position",
                                               problem.info().name, labels.size(), enc.tokens.size()));
  if (readout == StepReadout::Decision)
    for (auto& l : labels) l = problem.step_answer(in, l) ? 1 : 0;
  return labels;
}

/// Runs body(k) for k < count on `jobs` threads; after the first exception
/// no further trial starts, and it is rethrown once the trials in flight end.
template <class Body>
void for_trials(std::size_t count, int jobs, Body&& body) {
  std::exception_ptr err;
  std::atomic<bool> failed{false};
#pragma omp parallel for num_threads(std::max(jobs, 1)) schedule(dynamic)
  for (std::size_t k = 0; k < count; ++k) {
    if (failed.load(std::memory_order_relaxed)) continue;
    try {
      body(k);
    } catch (...) {
#pragma omp critical(parallax_reduce_error)
      if (!err) err = std::current_exception();
      failed = true;
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

Report run(const reductions::Problem& problem, const Options& o, const Hooks& hooks) {
  Report rep;
  const bool scan = o.check_scan;
  const bool stepwise = !problem.info().steps.empty();
  const auto exact = numeric::Precision::parse("exact");
  // progress: one unit per token evaluated (n · trials per precision, and per min-bits search)
  Progress prog;
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
    if (omp_get_thread_num() != 0) return;
    if (hooks.progress) {
      Progress now = prog;
      now.done += unit_per_trial * double(k);
      hooks.progress(now);
    }
    if (hooks.poll) hooks.poll();
  };
  for (std::size_t n : o.lengths) {
    const double unit = double(std::max<std::size_t>(n, 1)) * double(o.trials);
    // what the store already holds for this length
    std::vector<std::optional<ReduceRecord>> stored(o.precisions.size());
    bool all_stored = true;
    for (std::size_t i = 0; i < o.precisions.size(); ++i) {
      const std::string format = o.precisions[i].resolve(std::max<std::size_t>(n, 1)).to_string();
      if (hooks.stored_record) stored[i] = hooks.stored_record(n, format);
      if (stored[i]) {
        // stored under its format: it answers every spec that resolves to it here
        stored[i]->precision = o.precisions[i].to_string();
        stored[i]->format = format;
      }
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
    std::vector<models::Verdict> exact_decision(o.trials);
    // stepwise problems: the exact run reads every position too, and keeps
    // them when `exact` is one of the precisions
    std::vector<StepReadout> readout(o.trials, StepReadout::None);
    std::vector<std::vector<std::int64_t>> exact_outputs(o.trials);
    const bool keep_exact = std::any_of(o.precisions.begin(), o.precisions.end(),
                                        [](const numeric::Precision& p) { return p.kind == numeric::Precision::Kind::Exact; });
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
      if (stepwise) {
        readout[k] = step_readout(*t.enc.model, t.enc.state_labels);
        if (readout[k] != StepReadout::None) t.expected = expected_steps(problem, in, t.enc, readout[k]);
      }
      const auto t0 = std::chrono::steady_clock::now();
      if (readout[k] != StepReadout::None) {
        auto so = step_outputs(*t.enc.model, t.enc.tokens, t.enc.state_labels, exact, false);
        exact_decision[k] = so.verdict;
        if (so.score) exact_score[k] = *so.score;
        if (keep_exact) exact_outputs[k] = std::move(so.outputs);
      } else {
        exact_decision[k] = decide(*t.enc.model, t.enc.tokens, exact, false, nullptr, &exact_score[k]);
      }
      exact_secs[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      tick(0.0);
    });
    // one construction has one readout (its model's kind), whatever the instance
    const StepReadout steps = readout.empty() ? StepReadout::None : readout[0];
    for (const auto r : readout)
      if (r != steps)
        throw reductions::ProblemError(fmt::format("{} / {}: the trials' models read their positions differently ({} and {})",
                                                   problem.info().name, o.construction, to_string(steps), to_string(r)));
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
      std::vector<models::Verdict> seq(trials.size()), par(trials.size());
      std::vector<double> secs(trials.size()), err(trials.size(), 0.0);
      std::vector<char> overflow(trials.size(), 0);
      std::vector<StepScore> step_score(trials.size());
      for_trials(trials.size(), o.jobs, [&](std::size_t k) {
        numeric::Status status;
        double score = exact_score[k];
        const Trial& t = trials[k];
        // a run's decision, its score into `score`, and (stepwise) its outputs per position
        auto evaluate = [&](bool parallel, std::vector<std::int64_t>& outputs) {
          if (steps == StepReadout::None) return decide(*t.enc.model, t.enc.tokens, p, parallel, &status, &score);
          auto so = step_outputs(*t.enc.model, t.enc.tokens, t.enc.state_labels, p, parallel, &status);
          if (so.score) score = *so.score;
          outputs = std::move(so.outputs);
          return so.verdict;
        };
        std::vector<std::int64_t> seq_out, par_out;
        if (p.kind == numeric::Precision::Kind::Exact) {
          seq[k] = exact_decision[k];
          secs[k] = exact_secs[k];
          seq_out = exact_outputs[k];
        } else {
          const auto t0 = std::chrono::steady_clock::now();
          seq[k] = evaluate(false, seq_out);
          secs[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        err[k] = score_gap(score, exact_score[k]);
        const bool both = scan && !no_scan;
        if (both) {
          par[k] = evaluate(true, par_out);
          err[k] = max_gap(err[k], score_gap(score, exact_score[k]));
        } else {
          par[k] = seq[k];
        }
        if (steps != StepReadout::None) step_score[k] = score_steps(t.expected, seq_out, both ? &par_out : nullptr);
        overflow[k] = status.overflow || status.invalid;
        tick(unit / double(std::max<std::size_t>(trials.size(), 1)));
      });
      ReduceRecord r;
      r.problem = problem.info().name;
      r.construction = o.construction;
      r.length = n;
      r.precision = o.precisions[i].to_string();
      r.format = p.to_string();
      r.trials = trials.size();
      r.yes_trials = yes;
      r.scan_checked = scan && !no_scan;
      double total = 0;
      for (std::size_t k = 0; k < trials.size(); ++k) {
        const models::Verdict want = models::verdict_of(trials[k].answer);
        r.undecided += seq[k] == models::Verdict::Undecided;
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
      if (stepwise) {
        StepAccuracy sa;
        sa.check = to_string(steps);
        if (steps != StepReadout::None)
          for (std::size_t k = 0; k < trials.size(); ++k) {
            sa.positions += trials[k].expected.size();
            sa.correct += step_score[k].right;
            if (step_score[k].first_wrong && (!sa.first_wrong || *step_score[k].first_wrong < *sa.first_wrong))
              sa.first_wrong = step_score[k].first_wrong;
          }
        r.steps = sa;
      }
      if (hooks.on_record) hooks.on_record(r);
      rep.records.push_back(std::move(r));
      prog.done += unit;
    }
    if (o.min_bits && stored_bits) {
      rep.min_bits.insert(rep.min_bits.end(), stored_bits->begin(), stored_bits->end());
    } else if (o.min_bits && !trials.empty()) {
      report(fmt::format("n = {}: minimum bits", n));
      MinBitsSearch s = o.search();
      s.scan = scan && !no_scan;
      auto found = search_min_bits(n, s, [&](const numeric::Precision& p, bool parallel, numeric::Status* status) {
        if (hooks.poll) hooks.poll();
        for (const auto& t : trials)
          if (decide(*t.enc.model, t.enc.tokens, p, parallel, status) != models::verdict_of(t.answer)) return false;
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

Hooks store_hooks(const RunResults& run) {
  Hooks h;
  h.stored_record = [run](std::size_t n, const std::string& format) { return stored_accuracy(run, n, format, reduce_record_from_json); };
  h.stored_min_bits = [run](std::size_t n) { return stored_min_bits(run, n); };
  h.on_record = [run](const ReduceRecord& r) { run.put_all({{"record", record_key(r.length, r.format), to_json(r)}}); };
  h.on_min_bits = [run](std::size_t n, const std::vector<MinBitsRecord>& ms) {
    run.put_all({{"min-bits", min_bits_key(n), min_bits_result(n, ms)}});
  };
  return h;
}

void Options::validate(const OptionNames& names) const {
  std::unique_ptr<reductions::Problem> p;
  try {
    p = reductions::make_problem(problem);
  } catch (const std::exception& e) {
    throw OptionError("problem", fmt::format("{}: {}", names("problem"), e.what()));
  }
  std::vector<std::string> known;
  for (const auto& c : p->info().constructions) known.push_back(c.name);
  if (!construction.empty() && std::find(known.begin(), known.end(), construction) == known.end())
    throw OptionError("construction", fmt::format("{}: '{}' is not a construction of {} (valid: {})",
                                                  names("construction"), construction, problem, fmt::join(known, ", ")));
  if (jobs < 1 || jobs > 256) throw OptionError("jobs", names("jobs") + " must be from 1 to 256");
  validate_sweep(names, /*exact_reference=*/true);
}

Options options_from_json(const nlohmann::ordered_json& keys) {
  const OptionKeys k(keys);
  Options o;
  o.problem = k.text("problem");
  o.construction = k.text("construction");
  o.jobs = int(k.integer("jobs", 1, 1, 256));
  o.read_sweep_keys(k, kDefaultLengths);
  return o;
}

nlohmann::json config(const reductions::Problem& problem, const Options& o) {
  nlohmann::json j;
  j["problem"] = problem.info().name;
  j["construction"] = o.construction;
  j["trials"] = o.trials;
  j["seed"] = o.seed;
  j["check_scan"] = o.check_scan;
  j["min_bits"] = o.min_bits;
  if (o.min_bits) {
    const MinBitsSearch s = o.search();
    j["search"] = {{"exponent_bits", s.exponent_bits},
                   {"linear_bits", s.linear_bits},
                   {"max_bits", s.max_bits},
                   {"interval", s.interval}};
  }
  return j;
}

}  // namespace parallax::experiment::reduce
