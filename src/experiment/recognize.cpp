#include "experiment/recognize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <type_traits>

#include "automata/sample.hpp"
#include "models/model.hpp"
#include "numeric/dispatch.hpp"

namespace parallax::experiment {

using automata::CompiledModel;
using numeric::Precision;

bool RecognitionTarget::accepts(const std::vector<std::uint32_t>& w) const {
  return weighted ? automata::wfa_accepts(wfa, w) : automata::accepts(dfa, w);
}

namespace {

/// One independent stream per (seed, length), so adding a length to the
/// list does not change the words of the others.
std::mt19937_64 stream(std::uint64_t seed, std::size_t n) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(std::uint64_t(n) >> 32), 0x5eedu};
  return std::mt19937_64(seq);
}

std::string shown(const RecognitionTarget& t, const std::vector<std::uint32_t>& w) {
  std::string s;
  bool single = true;
  for (const auto& a : t.alphabet()) single = single && a.size() == 1;
  const std::size_t limit = 120;
  for (std::size_t i = 0; i < w.size() && i < limit; ++i) s += (single || i == 0 ? "" : " ") + t.alphabet()[w[i]];
  if (w.size() > limit) s += fmt::format("… ({} symbols)", w.size());
  if (w.empty()) s = "(empty word)";
  return s;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

std::vector<std::vector<std::uint32_t>> trial_words(const RecognitionTarget& target, std::size_t n, std::size_t trials,
                                                    std::uint64_t seed) {
  auto rng = stream(seed, n);
  std::vector<std::vector<std::uint32_t>> words;
  if (target.weighted) {
    std::uniform_int_distribution<std::uint32_t> letter(0, static_cast<std::uint32_t>(target.alphabet().size() - 1));
    for (std::size_t k = 0; k < trials; ++k) {
      std::vector<std::uint32_t> w(n);
      for (auto& x : w) x = letter(rng);
      words.push_back(std::move(w));
    }
    return words;
  }
  const automata::WordSampler sampler(target.dfa, n);
  for (std::size_t k = 0; k < trials; ++k) {
    // alternate accepted / rejected where both exist
    bool want = k % 2 == 0;
    if (want && !sampler.has_accepted()) want = false;
    if (!want && !sampler.has_rejected()) want = true;
    words.push_back(sampler.sample(want, rng));
  }
  return words;
}

models::Verdict decide(const CompiledModel& model, const std::vector<std::uint32_t>& word, const Precision& p, bool parallel,
                       numeric::Status* status, double* score) {
  return numeric::dispatch(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        const auto d = models::decide<T>(model.model, word, parallel);
        if (d.score) {
          if (score) *score = numeric::to_double(*d.score);
          if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
            // native arithmetic is not instrumented: a non-finite score is
            // where its exponent range ran out (inf) or inf − inf met (NaN)
            if (status && !std::isfinite(*d.score)) (std::isnan(*d.score) ? status->invalid : status->overflow).store(true);
          }
        }
        return d.verdict;
      },
      status);
}

namespace {

/// Whether every word is decided correctly (and, for intervals, certified) at p.
bool all_correct(const CompiledModel& model, const std::vector<std::vector<std::uint32_t>>& words,
                 const std::vector<bool>& expected, const Precision& p, bool parallel, numeric::Status* status) {
  for (std::size_t k = 0; k < words.size(); ++k)
    if (decide(model, words[k], p, parallel, status) != models::verdict_of(expected[k])) return false;
  return true;
}

}  // namespace

/// The smallest width in [lo, cap] with ok(width): every width up to
/// `linear` in turn (exact even where ok is not monotone), then doubling and
/// bisection.
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

RecordFields::RecordFields(const nlohmann::json& j) : j_(j) {
  if (!j.is_object()) throw RecordFieldError(fmt::format("the record is not a JSON object (it is {})", j.type_name()));
}

void RecordFields::fail(const char* field, const std::string& what) const {
  const auto it = j_.find(field);
  if (it == j_.end()) throw RecordFieldError(fmt::format("field '{}' is missing ({})", field, what));
  std::string got = it->dump();
  if (got.size() > 60) got = got.substr(0, 57) + "...";
  throw RecordFieldError(fmt::format("field '{}': expected {}, got {}", field, what, got));
}

bool RecordFields::has(const char* field) const {
  const auto it = j_.find(field);
  return it != j_.end() && !it->is_null();
}

std::string RecordFields::text(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || !it->is_string()) fail(field, "a string");
  return it->get<std::string>();
}

std::optional<std::string> RecordFields::text_or_null(const char* field) const {
  return has(field) ? std::optional<std::string>(text(field)) : std::nullopt;
}

std::uint64_t RecordFields::count(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end()) fail(field, "a non-negative integer");
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) return std::uint64_t(it->get<std::int64_t>());
  fail(field, "a non-negative integer");
}

std::optional<std::uint64_t> RecordFields::count_or_null(const char* field) const {
  return has(field) ? std::optional<std::uint64_t>(count(field)) : std::nullopt;
}

double RecordFields::number(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || !it->is_number() || !std::isfinite(it->get<double>())) fail(field, "a finite number");
  return it->get<double>();
}

std::optional<double> RecordFields::number_or_null(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const auto s = it->get<std::string>();
    if (s == "inf" || s == "+inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  fail(field, "a number, null, \"inf\", \"-inf\" or \"nan\"");
}

bool RecordFields::flag(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || !it->is_boolean()) fail(field, "true or false");
  return it->get<bool>();
}

std::optional<bool> RecordFields::flag_or_null(const char* field) const {
  return has(field) ? std::optional<bool>(flag(field)) : std::nullopt;
}

std::string stored_place(const std::string& store, std::int64_t run, const std::string& command,
                         const std::string& key) {
  return fmt::format("{}: run {} ({}), result '{}'", store, run, command, key);
}

nlohmann::ordered_json to_json(const RecognizeRecord& r, const std::string& language, const std::string& model) {
  using J = nlohmann::ordered_json;
  return {{"language", language},
          {"model", model},
          {"n", r.length},
          {"precision", r.precision},
          {"format", r.format.empty() ? r.precision : r.format},
          {"trials", r.trials},
          {"accepted", r.accepted_trials},
          {"correct", r.correct},
          {"accuracy", r.accuracy()},
          {"undecided", r.undecided},
          {"overflow", r.overflow},
          {"scan_checked", r.scan_checked},
          {"scan_agree", r.scan_checked ? J(r.scan_agree) : J(nullptr)},
          {"ns_per_token", std::round(r.ns_per_token * 10) / 10},
          {"scan_ns_per_token", r.scan_checked ? J(std::round(r.scan_ns_per_token * 10) / 10) : J(nullptr)},
          {"first_failure", r.first_failure ? J(*r.first_failure) : J(nullptr)},
          {"failure_word", r.first_failure ? J(r.first_failure_word) : J(nullptr)},
          {"failure_expected", r.first_failure ? J(models::to_string(models::verdict_of(r.first_failure_expected))) : J(nullptr)}};
}

nlohmann::ordered_json checked_recognize_record(const nlohmann::ordered_json& stored, std::size_t n) {
  const nlohmann::json j(stored);
  const RecordFields f(j);
  (void)f.text("language");
  (void)f.text("model");
  if (f.count("n") != n) f.fail("n", fmt::format("{} (the length in the result's key)", n));
  const std::string precision = f.text("precision");
  (void)f.text_or_null("format");
  const auto trials = f.count("trials");
  for (const char* c : {"accepted", "correct", "undecided"})
    if (f.count(c) > trials) f.fail(c, fmt::format("at most the {} trials", trials));
  const double accuracy = f.number("accuracy");
  if (accuracy < 0 || accuracy > 1) f.fail("accuracy", "a number from 0 to 1");
  (void)f.flag("overflow");
  const bool scan = f.flag("scan_checked");
  if (scan && f.count("scan_agree") > trials) f.fail("scan_agree", fmt::format("at most the {} trials", trials));
  if (!scan && f.has("scan_agree")) f.fail("scan_agree", "null (scan_checked is false)");
  if (f.number("ns_per_token") < 0) f.fail("ns_per_token", "a non-negative number");
  if (f.has("scan_ns_per_token")) (void)f.number("scan_ns_per_token");
  if (const auto k = f.count_or_null("first_failure"); k && *k >= trials)
    f.fail("first_failure", fmt::format("a trial index below {}, or null", trials));
  (void)f.text_or_null("failure_word");
  const std::string accept = models::to_string(models::Verdict::Accept), reject = models::to_string(models::Verdict::Reject);
  if (const auto e = f.text_or_null("failure_expected"); e && *e != accept && *e != reject)
    f.fail("failure_expected", fmt::format("\"{}\", \"{}\" or null", accept, reject));
  nlohmann::ordered_json out = stored;
  if (!f.has("format")) out["format"] = precision;
  return out;
}

RecognizeReport recognize(const RecognitionTarget& target, const CompiledModel& model, const RecognizeOptions& o,
                          void (*progress)(const std::string&)) {
  RecognizeReport rep;
  rep.model_description = model.description;
  const bool scan_possible = model.has_scan();
  for (std::size_t n : o.lengths) {
    std::vector<std::vector<std::uint32_t>> words;
    if (o.strings) {
      for (const auto& w : *o.strings)
        if (w.size() == n) words.push_back(w);
    } else {
      words = trial_words(target, n, o.trials, o.seed);
    }
    if (words.empty()) continue;
    std::vector<bool> expected;
    for (const auto& w : words) expected.push_back(target.accepts(w));
    const std::size_t acc = static_cast<std::size_t>(std::count(expected.begin(), expected.end(), true));
    for (const auto& spec : o.precisions) {
      const Precision p = spec.resolve(std::max<std::size_t>(n, 1));
      if (progress) progress(fmt::format("n = {}, {}", n, p.to_string()));
      RecognizeRecord r;
      r.length = n;
      r.precision = spec.to_string();
      r.format = p.to_string();
      r.trials = words.size();
      r.accepted_trials = acc;
      r.scan_checked = o.check_scan && scan_possible;
      double seq_s = 0, scan_s = 0;
      numeric::Status status;
      for (std::size_t k = 0; k < words.size(); ++k) {
        auto t0 = Clock::now();
        const models::Verdict seq = decide(model, words[k], p, false, &status);
        seq_s += seconds_since(t0);
        models::Verdict par = seq;
        if (r.scan_checked) {
          t0 = Clock::now();
          par = decide(model, words[k], p, true, &status);
          scan_s += seconds_since(t0);
          if (par == seq) ++r.scan_agree;
        }
        const models::Verdict want = models::verdict_of(expected[k]);
        if (seq == models::Verdict::Undecided) ++r.undecided;
        if (seq == want && par == want) {
          ++r.correct;
        } else if (!r.first_failure) {
          r.first_failure = k;
          r.first_failure_word = shown(target, words[k]);
          r.first_failure_expected = expected[k];
        }
      }
      r.overflow = status.overflow || status.invalid;
      const double tokens = double(std::max<std::size_t>(n, 1)) * double(words.size());
      r.ns_per_token = 1e9 * seq_s / tokens;
      r.scan_ns_per_token = r.scan_checked ? 1e9 * scan_s / tokens : 0;
      rep.records.push_back(std::move(r));
    }
    if (o.min_bits) {
      bool interval = false;
      for (const auto& p : o.precisions) interval = interval || p.kind == Precision::Kind::Interval;
      MinBitsSearch ms{o.exponent_bits, o.linear_bits, o.max_bits, o.check_scan && scan_possible, interval};
      auto found = search_min_bits(
          n, ms,
          [&](const Precision& p, bool parallel, numeric::Status* status) {
            return all_correct(model, words, expected, p, parallel, status);
          },
          progress);
      rep.min_bits.insert(rep.min_bits.end(), found.begin(), found.end());
    }
  }
  return rep;
}

}  // namespace parallax::experiment
