#include "experiment/recognize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include "automata/minimize.hpp"
#include "automata/sample.hpp"
#include "models/model.hpp"
#include "experiment/lengths.hpp"
#include "experiment/reduce.hpp"
#include "numeric/limits.hpp"
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
          numeric::note_non_finite(*d.score);  // into `status`, which dispatch installed
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

std::vector<std::vector<std::uint32_t>> parse_words(const std::string& text, const std::vector<std::string>& alphabet,
                                                    const std::string& source) {
  std::istringstream in(text);
  automata::Dfa shape;  // parse_word reads the alphabet only
  shape.alphabet = alphabet;
  std::vector<std::vector<std::uint32_t>> out;
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank or comment only
    out.push_back(automata::parse_word(shape, line, fmt::format("{}:{}", source, no)));
  }
  if (out.empty())
    throw std::invalid_argument(fmt::format("{}: no words (one word per line; '#' starts a comment)", source));
  return out;
}

void RecognizeOptions::validate(const OptionNames& names) const {
  check_trials(trials, names);
  check_search_widths(exponent_bits, max_bits, names);
  if (!strings) {
    SweepWork w;
    w.lengths = lengths;
    w.trials = trials;
    w.precisions = precisions;
    w.scan = check_scan;
    w.exact_reference = false;
    w.min_bits = min_bits;
    w.search = {exponent_bits, linear_bits, max_bits, check_scan, false};
    for (const auto& p : precisions) w.search.interval = w.search.interval || p.kind == Precision::Kind::Interval;
    check_sweep(w, allow_long, names);
  }
  check_precisions_resolve(precisions, lengths, names);
}

RecognizeOptions recognize_options_from_json(const nlohmann::ordered_json& keys) {
  const OptionKeys k(keys);
  RecognizeOptions o;
  o.model = k.text("model");
  o.precisions = k.precisions("precision");
  if (o.precisions.empty()) o.precisions = {Precision::parse("fp32")};
  o.lengths = k.has("lengths") ? k.lengths("lengths") : parse_lengths(kDefaultRecognizeLengths);
  o.trials = k.integer("trials", 20, 1, limits::kMaxTrials);
  try {  // (its form is checked by the command line's own option)
    o.seed = std::stoull(k.text("seed", "1"));
  } catch (const std::exception&) {
  }
  o.min_bits = k.flag("min_bits");
  o.exponent_bits = int(k.integer("exponent_bits", 10, 2, 30));
  o.max_bits = int(k.integer("max_bits", 2048, 2, std::uint64_t(numeric::kMaxPrecisionBits)));
  o.check_scan = !k.flag("no_scan");
  o.allow_long = k.flag("allow_long");
  return o;
}

RecognitionTarget recognition_target(const automata::Automaton& a) {
  RecognitionTarget t;
  if (a.weighted()) {
    t.weighted = true;
    t.wfa = a.wfa;
    t.name = a.wfa.name;
  } else {
    t.dfa = automata::minimize(a.dfa);
    t.name = a.dfa.name;
  }
  return t;
}

CompiledModel compile_model(const RecognitionTarget& target, const std::string& model, const OptionNames& names) {
  automata::ModelKind kind;
  try {
    kind = automata::parse_model_kind(model);
  } catch (const std::invalid_argument& e) {
    throw OptionError("model", fmt::format("{}: {}", names("model"), e.what()));
  }
  try {
    return target.weighted ? automata::compile(target.wfa, kind) : automata::compile(target.dfa, kind);
  } catch (const automata::CompileRefused& e) {
    throw OptionError("model", fmt::format("cannot compile '{}' to {} '{}': {}", target.name, names("model"), model, e.what()));
  }
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
      r.language = target.name;
      r.model = o.model;
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

RecognizeHooks recognize_store_hooks(const RunResults& run) {
  RecognizeHooks h;
  h.stored_record = [run](std::size_t n, const std::string& format) { return stored_accuracy(run, n, format, recognize_record_from_json); };
  h.stored_min_bits = [run](std::size_t n) { return stored_min_bits(run, n); };
  h.on_length = [run](std::size_t n, const std::vector<RecognizeRecord>& records, const std::vector<MinBitsRecord>* min_bits) {
    std::vector<ResultInput> batch;
    for (const auto& r : records) {
      const auto key = record_key(n, r.format);
      if (!run.find(key)) batch.push_back({"record", key, to_json(r)});
    }
    if (min_bits) batch.push_back({"min-bits", min_bits_key(n), min_bits_result(n, *min_bits)});
    run.put_all(batch);
  };
  return h;
}

RecognizeReport recognize(const RecognitionTarget& target, const CompiledModel& model, const RecognizeOptions& o,
                          const RecognizeHooks& hooks, void (*progress)(const std::string&)) {
  RecognizeReport rep;
  rep.model_description = model.description;
  auto stored = [&](std::size_t n, const Precision& spec) -> std::optional<RecognizeRecord> {
    auto r = hooks.stored_record(n, spec.resolve(std::max<std::size_t>(n, 1)).to_string());
    if (r) r->precision = spec.to_string();
    return r;
  };
  for (const std::size_t n : o.lengths) {
    RecognizeOptions one = o;
    one.lengths = {n};
    one.precisions.clear();
    for (const auto& spec : o.precisions)
      if (!stored(n, spec)) one.precisions.push_back(spec);
    const auto stored_bits = o.min_bits ? hooks.stored_min_bits(n) : std::nullopt;
    one.min_bits = o.min_bits && !stored_bits;
    if (stored_bits) rep.min_bits.insert(rep.min_bits.end(), stored_bits->begin(), stored_bits->end());
    if (!one.precisions.empty() || one.min_bits) {
      if (one.precisions.empty()) one.precisions = {o.precisions.front()};  // the words are needed for the search
      const auto part = recognize(target, model, one, progress);
      hooks.on_length(n, part.records, one.min_bits ? &part.min_bits : nullptr);
      rep.min_bits.insert(rep.min_bits.end(), part.min_bits.begin(), part.min_bits.end());
    }
    for (const auto& spec : o.precisions)
      if (auto r = stored(n, spec)) rep.records.push_back(std::move(*r));
  }
  return rep;
}

}  // namespace parallax::experiment
