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
#include "models/json_positions.hpp"
#include "models/model.hpp"
#include "experiment/lengths.hpp"

namespace parallax::experiment::recognize {

using automata::CompiledModel;
using numeric::Precision;

bool Target::accepts(const std::vector<std::uint32_t>& w) const {
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

std::string shown(const Target& t, const std::vector<std::uint32_t>& w) {
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

std::vector<std::vector<std::uint32_t>> trial_words(const Target& target, std::size_t n, std::size_t trials,
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

namespace {

/// Whether every word is decided correctly (and, for intervals, certified) at p.
bool all_correct(const CompiledModel& model, const std::vector<std::vector<std::uint32_t>>& words,
                 const std::vector<bool>& expected, const Precision& p, bool parallel, numeric::Status* status) {
  for (std::size_t k = 0; k < words.size(); ++k)
    if (decide(model, words[k], p, parallel, status) != models::verdict_of(expected[k])) return false;
  return true;
}

}  // namespace

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

void Options::validate(const OptionNames& names) const {
  validate_sweep(names, /*exact_reference=*/false, /*estimate=*/!strings);  // given words: no estimate
}

Options options_from_json(const nlohmann::ordered_json& keys) {
  const OptionKeys k(keys);
  Options o;
  o.model = k.text("model");
  o.read_sweep_keys(k, kDefaultLengths);
  return o;
}

nlohmann::json config(const Options& o) {
  nlohmann::json j;
  j["model"] = o.model;
  j["trials"] = o.trials;
  j["seed"] = o.seed;
  j["check_scan"] = o.check_scan;
  j["min_bits"] = o.min_bits;
  if (o.min_bits)
    j["search"] = {{"exponent_bits", o.exponent_bits}, {"linear_bits", o.linear_bits}, {"max_bits", o.max_bits}};
  return j;
}

nlohmann::json store_config(const Options& o, const LanguageSource& source, const std::string& language) {
  nlohmann::json j = config(o);
  j["language"] = language;
  if (!source.automaton.empty()) {
    const auto text = models::read_text_file(source.automaton);
    j["automaton_fnv1a"] = content_hash(text ? *text : std::string());
  } else if (!source.automaton_json.empty()) {
    j["automaton_fnv1a"] = content_hash(source.automaton_json);
  }
  if (!source.regex.empty()) j["regex"] = source.regex, j["alphabet"] = source.alphabet;
  return j;
}

Target make_target(const automata::Automaton& a) {
  Target t;
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

CompiledModel compile_model(const Target& target, const std::string& model, const OptionNames& names) {
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

namespace {

Report sweep(const Target& target, const CompiledModel& model, const Options& o, void (*progress)(const std::string&),
             const std::function<void()>& poll) {
  Report rep;
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
        if (poll) poll();
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
      MinBitsSearch ms = o.search();
      ms.scan = o.check_scan && scan_possible;
      auto found = search_min_bits(
          n, ms,
          [&](const Precision& p, bool parallel, numeric::Status* status) {
            if (poll) poll();
            return all_correct(model, words, expected, p, parallel, status);
          },
          progress);
      rep.min_bits.insert(rep.min_bits.end(), found.begin(), found.end());
    }
  }
  return rep;
}

}  // namespace

Report run(const Target& target, const CompiledModel& model, const Options& o, void (*progress)(const std::string&)) {
  return sweep(target, model, o, progress, {});
}

Hooks store_hooks(const RunResults& run) {
  Hooks h;
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

Report run(const Target& target, const CompiledModel& model, const Options& o, const Hooks& hooks,
           void (*progress)(const std::string&)) {
  Report rep;
  rep.model_description = model.description;
  auto stored = [&](std::size_t n, const Precision& spec) -> std::optional<RecognizeRecord> {
    if (!hooks.stored_record) return std::nullopt;
    auto r = hooks.stored_record(n, spec.resolve(std::max<std::size_t>(n, 1)).to_string());
    if (r) r->precision = spec.to_string();
    return r;
  };
  for (const std::size_t n : o.lengths) {
    Options one = o;
    one.lengths = {n};
    one.precisions.clear();
    for (const auto& spec : o.precisions)
      if (!stored(n, spec)) one.precisions.push_back(spec);
    const auto stored_bits = o.min_bits && hooks.stored_min_bits ? hooks.stored_min_bits(n) : std::nullopt;
    one.min_bits = o.min_bits && !stored_bits;
    if (stored_bits) rep.min_bits.insert(rep.min_bits.end(), stored_bits->begin(), stored_bits->end());
    if (!one.precisions.empty() || one.min_bits) {
      if (one.precisions.empty()) one.precisions = {o.precisions.front()};  // the words are needed for the search
      auto part = sweep(target, model, one, progress, hooks.poll);
      if (hooks.on_length) hooks.on_length(n, part.records, one.min_bits ? &part.min_bits : nullptr);
      rep.min_bits.insert(rep.min_bits.end(), part.min_bits.begin(), part.min_bits.end());
      if (!hooks.stored_record) {  // nothing to read back: the records as computed
        for (auto& r : part.records) rep.records.push_back(std::move(r));
        continue;
      }
    }
    for (const auto& spec : o.precisions)
      if (auto r = stored(n, spec)) rep.records.push_back(std::move(*r));
  }
  return rep;
}

}  // namespace parallax::experiment::recognize
