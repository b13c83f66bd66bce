#include "automata/sample.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace parallax::automata {

namespace {

constexpr long double kNegInf = -std::numeric_limits<long double>::infinity();

/// A uniform value in [0, 1) from 53 random bits: the same on every
/// platform for a given engine state (std::uniform_real_distribution is not).
long double uniform01(std::mt19937_64& rng) { return static_cast<long double>(rng() >> 11) * 0x1.0p-53L; }

std::size_t ceil_sqrt(std::size_t n) {
  auto r = static_cast<std::size_t>(std::sqrt(static_cast<long double>(n)));
  while (r * r < n) ++r;
  while (r > 1 && (r - 1) * (r - 1) >= n) --r;
  return std::max<std::size_t>(r, 1);
}

bool single_char_alphabet(const Dfa& dfa) {
  return std::all_of(dfa.alphabet.begin(), dfa.alphabet.end(), [](const std::string& a) { return a.size() == 1; });
}

std::string show_alphabet(const Dfa& dfa) {
  constexpr std::size_t kShown = 20;
  std::string s;
  for (std::size_t i = 0; i < dfa.alphabet.size() && i < kShown; ++i) s += (i ? " " : "") + dfa.alphabet[i];
  if (dfa.alphabet.size() > kShown) s += fmt::format(" … ({} symbols)", dfa.alphabet.size());
  return s;
}

}  // namespace

WordSampler::WordSampler(const Dfa& dfa, std::size_t n)
    : name_(dfa.name), delta_(dfa.delta), accepting_(dfa.accepting), start_(dfa.start), states_(dfa.states), n_(n) {
  if (states_ == 0 || accepting_.size() != states_ || start_ >= states_)
    throw std::invalid_argument(fmt::format("automaton '{}': {} states, {} accepting flags, start {}", name_, states_,
                                            accepting_.size(), start_));
  for (std::size_t s = 0; s < delta_.size(); ++s) {
    if (delta_[s].size() != states_)
      throw std::invalid_argument(fmt::format("automaton '{}': symbol {} has {} transitions for {} states", name_, s,
                                              delta_[s].size(), states_));
    for (auto t : delta_[s])
      if (t >= states_)
        throw std::invalid_argument(
            fmt::format("automaton '{}': symbol {} goes to state {} of {}", name_, s, t, states_));
  }
  // every count kept when the table is small (up to 2^20 entries per answer:
  // sampling then never recomputes a block), else checkpoints every √n
  // lengths; the counts and hence the words drawn are the same either way
  block_ = n_ * std::max<std::size_t>(states_, 1) <= (std::size_t(1) << 20) ? 1 : ceil_sqrt(n_);
  Counts cur(states_), next(states_), scratch(states_);
  for (int acc = 0; acc < 2; ++acc) {
    for (std::size_t q = 0; q < states_; ++q) cur[q] = accepting_[q] == (acc == 1) ? 0.0L : kNegInf;
    checkpoints_[acc].clear();
    for (std::size_t k = 0;; ++k) {
      if (k % block_ == 0 && k < n_) checkpoints_[acc].push_back(cur);
      if (k == n_) break;
      step(cur, next, scratch);
      cur.swap(next);
    }
    log2_total_[acc] = cur[start_];
  }
}

bool WordSampler::has_accepted() const { return log2_total_[1] != kNegInf; }
bool WordSampler::has_rejected() const { return log2_total_[0] != kNegInf; }

void WordSampler::step(const Counts& prev, Counts& next, Counts& scratch) const {
  // A stable log-sum-exp. Fast path: shift by the largest entry of prev,
  // go linear once per state (one exp2 per state instead of one per
  // transition) and add; long double keeps full precision down to 2^−16382,
  // so this is exact in the zero pattern as long as no nonzero entry lies
  // more than 2^16000 below the largest.
  const long double top = *std::max_element(prev.begin(), prev.end());
  if (top == kNegInf) {
    std::fill(next.begin(), next.end(), kNegInf);
    return;
  }
  const bool fast =
      std::none_of(prev.begin(), prev.end(), [&](long double x) { return x != kNegInf && x - top < -16000; });
  if (fast) {
    for (std::size_t q = 0; q < states_; ++q) scratch[q] = std::exp2(prev[q] - top);  // exp2(−∞) = 0
    std::fill(next.begin(), next.end(), 0.0L);
    for (const auto& row : delta_)
      for (std::size_t q = 0; q < states_; ++q) next[q] += scratch[row[q]];
    for (std::size_t q = 0; q < states_; ++q) next[q] = next[q] > 0 ? top + std::log2(next[q]) : kNegInf;
    return;
  }
  // Slow path, per state: the max of its successors, then Σ 2^(x − max).
  std::fill(next.begin(), next.end(), kNegInf);
  for (const auto& row : delta_)
    for (std::size_t q = 0; q < states_; ++q) next[q] = std::max(next[q], prev[row[q]]);
  std::fill(scratch.begin(), scratch.end(), 0.0L);
  for (const auto& row : delta_)
    for (std::size_t q = 0; q < states_; ++q)
      if (next[q] != kNegInf) scratch[q] += std::exp2(prev[row[q]] - next[q]);
  for (std::size_t q = 0; q < states_; ++q)
    if (next[q] != kNegInf) next[q] += std::log2(scratch[q]);  // the sum is ≥ 1: the max contributes 1
}

std::vector<std::uint32_t> WordSampler::sample(bool accepted, std::mt19937_64& rng) const {
  const int acc = accepted ? 1 : 0;
  if (log2_total_[acc] == kNegInf)
    throw std::invalid_argument(fmt::format("automaton '{}' has no {} word of length {}", name_,
                                            accepted ? "accepted" : "rejected", n_));
  std::vector<std::uint32_t> word(n_);
  if (n_ == 0) return word;
  std::vector<Counts> block(block_, Counts(states_));
  Counts scratch(states_), weights(delta_.size());
  std::uint32_t q = start_;
  // Blocks from the top down: block j holds log₂ N_k for k in [jB, min(jB + B, n)).
  for (std::size_t j = (n_ - 1) / block_ + 1; j-- > 0;) {
    const std::size_t lo = j * block_, hi = std::min(lo + block_, n_);
    block[0] = checkpoints_[acc][j];
    for (std::size_t k = lo + 1; k < hi; ++k) step(block[k - lo - 1], block[k - lo], scratch);
    for (std::size_t k = hi; k-- > lo;) {
      // k symbols remain after this one: weigh σ by N_k(δ(q, σ)).
      const Counts& rest = block[k - lo];
      long double top = kNegInf;
      for (const auto& row : delta_) top = std::max(top, rest[row[q]]);
      if (top == kNegInf) throw std::logic_error("WordSampler: a walk reached a state with no continuation");
      long double total = 0;
      for (std::size_t s = 0; s < delta_.size(); ++s) {
        weights[s] = std::exp2(rest[delta_[s][q]] - top);
        total += weights[s];
      }
      const long double u = uniform01(rng) * total;
      long double sum = 0;
      std::size_t pick = delta_.size();
      for (std::size_t s = 0; s < delta_.size(); ++s) {
        if (weights[s] == 0) continue;  // an exact zero is never taken
        pick = s;
        sum += weights[s];
        if (u < sum) break;  // otherwise rounding leaves `pick` at the last possible symbol
      }
      word[n_ - 1 - k] = static_cast<std::uint32_t>(pick);
      q = delta_[pick][q];
    }
  }
  return word;
}

std::vector<std::uint32_t> parse_word(const Dfa& dfa, const std::string& text, const std::string& source) {
  if (dfa.alphabet.empty()) throw std::invalid_argument(fmt::format("automaton '{}' has no alphabet", dfa.name));
  const bool single = single_char_alphabet(dfa);
  std::vector<std::uint32_t> out;
  auto find = [&](const std::string& sym) -> std::int64_t {
    for (std::size_t i = 0; i < dfa.alphabet.size(); ++i)
      if (dfa.alphabet[i] == sym) return static_cast<std::int64_t>(i);
    return -1;
  };
  auto unknown = [&](const std::string& sym, std::size_t column) {
    const std::string of = dfa.name.empty() ? "" : fmt::format(" for '{}'", dfa.name);
    throw std::invalid_argument(fmt::format("{}: unknown symbol '{}' at position {} (character {}){} (alphabet: {})",
                                            source, sym, out.size() + 1, column, of, show_alphabet(dfa)));
  };
  std::string token;
  std::size_t token_start = 0;  // 0-based character offset of the token
  auto flush = [&] {
    if (token.empty()) return;
    if (auto i = find(token); i >= 0) {
      out.push_back(static_cast<std::uint32_t>(i));
    } else {
      if (!single) unknown(token, token_start + 1);
      for (std::size_t c = 0; c < token.size(); ++c) {  // a run of one-letter symbols
        const auto j = find(std::string(1, token[c]));
        if (j < 0) unknown(std::string(1, token[c]), token_start + c + 1);
        out.push_back(static_cast<std::uint32_t>(j));
      }
    }
    token.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == ',') {
      flush();
    } else {
      if (token.empty()) token_start = i;
      token += ch;
    }
  }
  flush();
  return out;
}

std::string format_word(const Dfa& dfa, const std::vector<std::uint32_t>& word) {
  const bool single = single_char_alphabet(dfa);
  std::string s;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (!single && i > 0) s += ' ';
    s += dfa.alphabet.at(word[i]);
  }
  return s;
}

}  // namespace parallax::automata
