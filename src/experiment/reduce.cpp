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
#include "numeric/limits.hpp"
#include "numeric/random.hpp"

namespace parallax::experiment {

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
      std::vector<models::Verdict> seq(trials.size()), par(trials.size());
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

// --- work before a sweep ------------------------------------------------------

namespace {

/// Widths a minimum-bits search may try: one by one up to linear_bits, then
/// doubling and bisection up to max_bits.
double search_widths(const MinBitsSearch& s) {
  const double linear = std::max(1, std::min(s.linear_bits, s.max_bits) - 1);
  double beyond = 0;
  for (long long w = std::max(s.linear_bits, 2); w < s.max_bits; w *= 2) beyond += 2;
  return linear + beyond;
}

}  // namespace

double token_nanoseconds(const numeric::Precision& p, std::size_t n) {
  using K = numeric::Precision::Kind;
  // MPFR and interval costs grow with the width (limbs of 64 bits)
  auto wide = [](double base, int bits) { return base * std::max(1.0, double(bits) / 64.0); };
  switch (p.kind) {
    case K::Fp64:
    case K::Fp32:
      return 100;
    case K::Fixed:
      return 2000;
    case K::Exact:
      return 20000;
    case K::Interval:
      return wide(30000, p.bits);
    case K::Float:
      if (p.mantissa <= 53 && p.exponent >= 2 && p.exponent <= 11) return 2000;  // EmuFloat
      return wide(40000, p.mantissa);
    case K::Log:
    case K::Poly: {
      int bits = numeric::kMaxPrecisionBits;
      try {
        bits = p.resolve(std::max<std::size_t>(n, 1)).mantissa;
      } catch (const numeric::PrecisionError&) {
      }
      return wide(40000, bits);
    }
  }
  return 40000;
}

double sweep_seconds(const SweepWork& w) {
  const double passes = w.scan ? 2.0 : 1.0;
  double total_ns = 0;
  for (const std::size_t n : w.lengths) {
    const double tokens = double(std::max<std::size_t>(n, 1));
    double per_trial = w.exact_reference ? token_nanoseconds(numeric::Precision::parse("exact"), n) : 0.0;
    for (const auto& p : w.precisions) per_trial += passes * token_nanoseconds(p, n);
    double ns = tokens * double(w.trials) * per_trial;
    if (w.min_bits) {
      // a width below the minimum usually fails at its first trial; the widths at the minimum run every trial
      const double evaluations = search_widths(w.search) + 4.0 * double(w.trials);
      const double float_ns = 10000, interval_ns = 30000;  // float:M:E, emulated up to 53 bits, MPFR beyond
      ns += tokens * passes * evaluations * (float_ns + (w.search.interval ? interval_ns : 0.0));
    }
    total_ns += ns;
  }
  return total_ns * 1e-9;
}

namespace {

std::string duration_text(double seconds) {
  if (seconds < 120) return fmt::format("{:.0f} seconds", seconds);
  if (seconds < 7200) return fmt::format("{:.0f} minutes", seconds / 60);
  if (seconds < 3 * 86400) return fmt::format("{:.0f} hours", seconds / 3600);
  if (seconds < 1000 * 86400) return fmt::format("{:.0f} days", seconds / 86400);
  return fmt::format("{:.1e} days", seconds / 86400);
}

}  // namespace

void check_sweep_work(const SweepWork& w, bool allow_long, const std::string& option, const std::string& allow_hint) {
  if (w.lengths.empty()) return;
  const std::size_t longest = *std::max_element(w.lengths.begin(), w.lengths.end());
  limits::check_memory(limits::mul(limits::mul(std::max<std::size_t>(longest, 1), w.trials), w.bytes_per_token),
                       fmt::format("{}: holding the {} trials of length {} at once", option, w.trials, longest));
  if (allow_long) return;
  const double seconds = sweep_seconds(w);
  if (seconds <= double(limits::kMaxSweepSeconds)) return;
  std::vector<std::string> precs;
  for (const auto& p : w.precisions) precs.push_back(p.to_string());
  throw limits::LimitError(fmt::format(
      "{}: this sweep would take about {} ({} length{} up to {}, {} trials at {}{}; an estimate from a small model's "
      "speed in each arithmetic), above the budget of {} without --allow-long (docs/limits.md). {} to run it anyway, "
      "or give fewer or shorter lengths or fewer trials",
      option, duration_text(seconds), w.lengths.size(), w.lengths.size() == 1 ? "" : "s", longest, w.trials,
      fmt::join(precs, ", "), w.min_bits ? ", a minimum-bits search" : "",
      duration_text(double(limits::kMaxSweepSeconds)), allow_hint));
}

ReduceHooks reduce_store_hooks(const RunResults& run) {
  ReduceHooks h;
  h.stored_record = [run](std::size_t n, const std::string& format) { return stored_accuracy(run, n, format, reduce_record_from_json); };
  h.stored_min_bits = [run](std::size_t n) { return stored_min_bits(run, n); };
  h.on_record = [run](const ReduceRecord& r) { run.put_all({{"record", record_key(r.length, r.format), to_json(r)}}); };
  h.on_min_bits = [run](std::size_t n, const std::vector<MinBitsRecord>& ms) {
    run.put_all({{"min-bits", min_bits_key(n), min_bits_result(n, ms)}});
  };
  return h;
}

void check_trials(std::size_t trials, const OptionNames& names) {
  if (trials == 0) throw OptionError("trials", names("trials") + " must be at least 1");
  try {
    limits::check_count(trials, limits::kMaxTrials, names("trials"));
  } catch (const limits::LimitError& e) {
    throw OptionError("trials", e.what());
  }
}

void check_search_widths(int exponent_bits, int max_bits, const OptionNames& names) {
  if (exponent_bits < 2 || exponent_bits > 30)
    throw OptionError("exponent_bits", names("exponent_bits") + " must be from 2 to 30");
  if (max_bits < 2 || max_bits > numeric::kMaxPrecisionBits)
    throw OptionError("max_bits", fmt::format("{} must be from 2 to {}", names("max_bits"), numeric::kMaxPrecisionBits));
}

void check_sweep(const SweepWork& w, bool allow_long, const OptionNames& names) {
  try {
    check_sweep_work(w, allow_long, names("lengths"), names.allow_long_hint());
  } catch (const limits::LimitError& e) {
    throw OptionError("lengths", e.what());
  }
}

void check_precisions_resolve(const std::vector<numeric::Precision>& precisions, const std::vector<std::size_t>& lengths,
                              const OptionNames& names) {
  for (const auto& spec : precisions)
    for (const std::size_t n : lengths) {
      try {
        (void)spec.resolve(std::max<std::size_t>(n, 1));
      } catch (const numeric::PrecisionError& e) {
        throw OptionError("precision",
                          fmt::format("{} {} at n = {}: {}", names("precision"), spec.to_string(), n, e.what()));
      }
    }
}

SweepWork ReduceOptions::work() const {
  SweepWork w;
  w.lengths = lengths;
  w.trials = trials;
  w.precisions = precisions;
  w.scan = check_scan;
  w.min_bits = min_bits;
  w.search = search;
  return w;
}

void ReduceOptions::validate(const OptionNames& names) const {
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
  check_trials(trials, names);
  if (jobs < 1 || jobs > 256) throw OptionError("jobs", names("jobs") + " must be from 1 to 256");
  check_search_widths(search.exponent_bits, search.max_bits, names);
  check_sweep(work(), allow_long, names);
  check_precisions_resolve(precisions, lengths, names);
}

ReduceOptions reduce_options_from_json(const nlohmann::ordered_json& keys) {
  const OptionKeys k(keys);
  ReduceOptions o;
  o.problem = k.text("problem");
  o.construction = k.text("construction");
  o.precisions = k.precisions("precision");
  if (o.precisions.empty()) o.precisions = {numeric::Precision::parse("fp32")};
  o.jobs = int(k.integer("jobs", 1, 1, 256));
  o.lengths = k.has("lengths") ? k.lengths("lengths") : parse_lengths(kDefaultReduceLengths);
  o.trials = k.integer("trials", 20, 1, limits::kMaxTrials);
  try {  // (its form is checked by the command line's own option)
    o.seed = std::stoull(k.text("seed", "1"));
  } catch (const std::exception&) {
  }
  o.min_bits = k.flag("min_bits");
  o.search.exponent_bits = int(k.integer("exponent_bits", 10, 2, 30));
  o.search.max_bits = int(k.integer("max_bits", 2048, 2, std::uint64_t(numeric::kMaxPrecisionBits)));
  for (const auto& p : o.precisions) o.search.interval = o.search.interval || p.kind == numeric::Precision::Kind::Interval;
  o.check_scan = !k.flag("no_scan");
  o.allow_long = k.flag("allow_long");
  return o;
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
