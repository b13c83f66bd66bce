#pragma once
// Uniform random words of a fixed length inside (or outside) a regular
// language, by counting paths in its DFA — never by rejection sampling, so
// sparse languages (e.g. the S5 word problem, where 1/120 of the words are
// accepted) and empty slices cost the same as dense ones.
//
// N_k(q), the number of words of length k that lead from state q to an
// accepting (resp. rejecting) state, obeys N_0(q) = [q accepting] and
// N_k(q) = Σ_σ N_{k−1}(δ(q, σ)). A word is drawn by walking from the start
// state with k = n symbols left and taking σ with probability
// N_{k−1}(δ(q, σ)) / N_k(q), which makes every word of the slice equally
// likely. Counts grow like |Σ|^n, so they are kept as log₂ values (long
// double, −∞ for an exact zero so impossible continuations are never taken).
// To keep memory at O((n/B + B)·|Q|) for n up to 10^6 and beyond, only every
// B-th vector (B ≈ √n) is stored; a walk recomputes each block of B vectors
// from its checkpoint when it gets there (about twice the counting time).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "automata/dfa.hpp"

namespace parallax::automata {

class WordSampler {
 public:
  /// Counts the words of length n; throws std::invalid_argument for a
  /// malformed DFA (sizes that do not match, targets out of range).
  WordSampler(const Dfa& dfa, std::size_t n);

  std::size_t length() const { return n_; }
  /// Whether any word of length n lies in (resp. outside) the language.
  bool has_accepted() const;
  bool has_rejected() const;
  /// log₂ of the number of accepted (resp. rejected) words of length n;
  /// −infinity when there are none.
  long double log2_accepted() const { return log2_total_[1]; }
  long double log2_rejected() const { return log2_total_[0]; }

  /// A word of length n drawn uniformly from the accepted (or rejected)
  /// words of length n. Throws std::invalid_argument if there is none.
  std::vector<std::uint32_t> sample(bool accepted, std::mt19937_64& rng) const;

 private:
  using Counts = std::vector<long double>;  ///< log₂ N_k(q) per state q
  /// next = the vector one length up from prev; `scratch` is reused.
  void step(const Counts& prev, Counts& next, Counts& scratch) const;

  std::string name_;
  std::vector<std::vector<std::uint32_t>> delta_;  ///< delta_[symbol][state]
  std::vector<bool> accepting_;
  std::uint32_t start_ = 0;
  std::size_t states_ = 0;
  std::size_t n_ = 0;
  std::size_t block_ = 1;                 ///< B, the checkpoint spacing (1 for small tables, else ⌈√n⌉)
  std::vector<Counts> checkpoints_[2];    ///< [accepted][j] = log₂ N_{jB}, for jB < n
  long double log2_total_[2] = {0, 0};  ///< [accepted] log₂ N_n(start)
};

/// A word's symbol indices: symbols separated by whitespace or commas, or —
/// when every symbol of the alphabet is one character — a run of letters
/// such as "abba". Unknown symbols throw std::invalid_argument naming
/// `source` (a file or an option), the position and the alphabet.
std::vector<std::uint32_t> parse_word(const Dfa& dfa, const std::string& text, const std::string& source);

/// The word as text: symbols concatenated when every symbol is one
/// character, else separated by single spaces (parse_word reads it back).
std::string format_word(const Dfa& dfa, const std::vector<std::uint32_t>& word);

}  // namespace parallax::automata
