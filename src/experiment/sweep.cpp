#include "experiment/sweep.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <type_traits>

#include "experiment/lengths.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/limits.hpp"

namespace parallax::experiment {

using automata::CompiledModel;
using numeric::Precision;

// --- the options every sweep has ----------------------------------------------

MinBitsSearch SweepOptions::search() const {
  MinBitsSearch s{exponent_bits, linear_bits, max_bits, check_scan, false};
  for (const auto& p : precisions) s.interval = s.interval || p.kind == Precision::Kind::Interval;
  return s;
}

SweepWork SweepOptions::work(bool exact_reference) const {
  SweepWork w;
  w.lengths = lengths;
  w.trials = trials;
  w.precisions = precisions;
  w.scan = check_scan;
  w.exact_reference = exact_reference;
  w.min_bits = min_bits;
  w.search = search();
  return w;
}

void SweepOptions::read_sweep_keys(const OptionKeys& k, const char* default_lengths) {
  precisions = k.precisions("precision");
  if (precisions.empty()) precisions = {Precision::parse("fp32")};
  lengths = k.has("lengths") ? k.lengths("lengths") : parse_lengths(default_lengths);
  trials = k.integer("trials", 20, 1, limits::kMaxTrials);
  try {  // (its form is checked by the command line's own option)
    seed = std::stoull(k.text("seed", "1"));
  } catch (const std::exception&) {
  }
  min_bits = k.flag("min_bits");
  exponent_bits = int(k.integer("exponent_bits", 10, 2, 30));
  max_bits = int(k.integer("max_bits", 2048, 2, std::uint64_t(numeric::kMaxPrecisionBits)));
  check_scan = !k.flag("no_scan");
  allow_long = k.flag("allow_long");
}

// --- checks before a sweep (OptionError naming the option) ---------------------

namespace {

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

}  // namespace

void SweepOptions::validate_sweep(const OptionNames& names, bool exact_reference, bool estimate) const {
  check_trials(trials, names);
  check_search_widths(exponent_bits, max_bits, names);
  if (estimate) check_sweep(work(exact_reference), allow_long, names);
  check_precisions_resolve(precisions, lengths, names);
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

// --- deciding, and the minimum-precision search ---------------------------------

models::Verdict decide(const CompiledModel& model, const std::vector<std::uint32_t>& word, const Precision& p, bool parallel,
                       numeric::Status* status, double* score) {
  return numeric::dispatch(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        const auto d = models::decide<T>(model.model, word, parallel);
        if (d.score) {
          if (score) *score = numeric::to_double(*d.score);
          numeric::note_non_finite(*d.score);  // into `status`, which dispatch installed
        }
        return d.verdict;
      },
      status);
}

std::optional<int> smallest_bits(int lo, int linear, int cap, const std::function<bool(int)>& ok) {
  int b = lo;
  for (; b <= std::min(linear, cap); ++b)
    if (ok(b)) return b;
  int bad = b - 1, good = -1;
  for (int w = std::min(cap, 2 * bad); w > bad; w = std::min(cap, 2 * w)) {
    if (ok(w)) {
      good = w;
      break;
    }
    bad = w;
    if (w == cap) break;
  }
  if (good < 0) return std::nullopt;
  while (good - bad > 1) {
    const int mid = bad + (good - bad) / 2;
    (ok(mid) ? good : bad) = mid;
  }
  return good;
}

std::vector<MinBitsRecord> search_min_bits(std::size_t n, const MinBitsSearch& s, const AllCorrect& all_correct,
                                           void (*progress)(const std::string&)) {
  std::vector<MinBitsRecord> out;
  auto search = [&](const std::string& arithmetic, bool parallel, auto make) {
    if (progress) progress(fmt::format("n = {}, minimum {} bits ({})", n, arithmetic, parallel ? "scan" : "sequential"));
    MinBitsRecord m;
    m.length = n;
    m.arithmetic = arithmetic;
    m.mode = parallel ? "scan" : "sequential";
    std::map<int, bool> overflow_at;
    m.bits = smallest_bits(2, s.linear_bits, s.max_bits, [&](int b) {
      numeric::Status status;
      const bool ok = all_correct(make(b), parallel, &status);
      overflow_at[b] = status.overflow || status.invalid;
      return ok;
    });
    // at the width found; for a failed search, anywhere (then a wider exponent may help)
    m.overflow = m.bits ? overflow_at[*m.bits]
                        : std::any_of(overflow_at.begin(), overflow_at.end(), [](const auto& kv) { return kv.second; });
    if (m.bits) m.precision = make(*m.bits).to_string();
    out.push_back(std::move(m));
  };
  auto fl = [&](int b) { return Precision::parse(fmt::format("float:{}:{}", b, s.exponent_bits)); };
  auto iv = [](int b) { return Precision::parse(fmt::format("interval:{}", b)); };
  for (bool parallel : {false, true}) {
    if (parallel && !s.scan) continue;
    search("float", parallel, fl);
    if (s.interval) search("interval", parallel, iv);
  }
  return out;
}

std::vector<MinBitsFit> fit_min_bits(const std::vector<MinBitsRecord>& records) {
  std::vector<std::pair<std::string, std::string>> series;
  for (const auto& m : records)
    if (std::find(series.begin(), series.end(), std::pair(m.arithmetic, m.mode)) == series.end())
      series.emplace_back(m.arithmetic, m.mode);
  std::vector<MinBitsFit> out;
  for (const auto& [arith, mode] : series) {
    std::vector<double> ns, ys;
    for (const auto& m : records)
      if (m.arithmetic == arith && m.mode == mode && m.bits && m.length >= 1)
        ns.push_back(double(m.length)), ys.push_back(double(*m.bits));
    if (ns.size() >= 3) out.push_back({arith, mode, ns.size(), best_law(ns, ys)});
  }
  return out;
}

nlohmann::ordered_json to_json(const MinBitsFit& x) {
  nlohmann::ordered_json r;
  r["arithmetic"] = x.arithmetic;
  r["mode"] = x.mode;
  r["points"] = x.points;
  r["law"] = to_string(x.fit.law);
  r["a"] = std::round(x.fit.a * 1000) / 1000;
  r["b"] = std::round(x.fit.b * 1e4) / 1e4;
  r["rss"] = std::round(x.fit.rss * 1e3) / 1e3;
  return r;
}

}  // namespace parallax::experiment
