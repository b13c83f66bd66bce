#pragma once
// The diag01 model of automata/compile.hpp is trained, not constructed:
// fit_diag01 searches for a diagonal LRNN with eigenvalues in [0, 1] that
// decides every short word like the DFA (deterministic):
//   model     width d = min(width, |Q|); per letter σ eigenvalues λ_σ ∈ [0,1]^d
//             and inputs b_σ ∈ ℝ^d, h_0 = 0, h_t = λ_{x_t} ⊙ h_{t−1} + b_{x_t};
//             readout ⟨c, h_n⟩ + c0, accept iff > 0.
//   data      all words of length ≤ L, labelled ±1 by the DFA; L is the largest
//             length with at most max_words words (and at most max_length),
//             raised to min_length where that stays within hard_max_words.
//   search    `candidates` random (λ, b) from a fixed seed: each λ is 0, 1 or
//             uniform in (0, 1), each b 0, ±1, ±2 or uniform in (−1, 1);
//             states in double; (c, c0) by least squares on the ±1 labels
//             (normal equations, Cholesky, a tiny ridge), plain and with each
//             class weighing one half; ranked by training accuracy, then the
//             scale-free margin min_w y_w·score(w) / max_w |score(w)|. The
//             `shortlist` best by that rank and by balanced accuracy also get
//             a few Newton steps on the class-weighted logistic loss (the
//             readout that separates when the data is separable); the best
//             is refined by coordinate moves on single λ / b entries while
//             that improves it, within a work budget.
//   rounding  (c, c0) scaled to max |entry| = 1, then every parameter rounded
//             to a multiple of 2^−fraction_bits (λ stays in [0, 1]), so the
//             model is exact over ℚ; the training accuracy reported is that of
//             the rounded model, evaluated exactly.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "automata/dfa.hpp"
#include "models/lrnn.hpp"

namespace parallax::automata {

/// Settings of the diag01 fit (see the table at the top); the defaults are what
/// compile() uses.
struct Diag01Options {
  std::size_t width = 4;             ///< d, at most |Q|
  std::size_t candidates = 300;      ///< random starts
  std::size_t refine_rounds = 4;     ///< passes of coordinate refinement
  std::size_t shortlist = 8;         ///< candidates (per ranking) given the logistic readout
  std::size_t readout_steps = 8;     ///< logistic Newton steps after the least-squares readout
  std::size_t max_words = 4096;      ///< training words (target)
  std::size_t min_length = 6;        ///< L is raised to this where hard_max_words allows
  std::size_t hard_max_words = 16384;
  std::size_t max_length = 256;      ///< cap on L (one-letter alphabets)
  std::size_t refine_budget = 6'000'000;  ///< refinement stops after this many word passes
  int fraction_bits = 16;            ///< parameters are multiples of 2^−fraction_bits
  std::uint64_t seed = 0x5eed0d01;
};
struct Diag01Fit {
  models::LrnnSpec spec;       ///< Structure::Diagonal, h0 = 0, dyadic parameters
  std::size_t max_length = 0;  ///< L: trained on every word of length ≤ L
  std::size_t words = 0;       ///< training words, Σ_{ℓ ≤ L} |Σ|^ℓ
  std::size_t accepted = 0;    ///< training words in the language
  std::size_t correct = 0;     ///< decided like the DFA by the rounded model, exactly
  double accuracy() const { return words ? double(correct) / double(words) : 0.0; }
  /// The accuracy of the better constant answer (for sparse languages the
  /// training accuracy is close to it: compare with it, or sample balanced words).
  double majority() const { return words ? double(std::max(accepted, words - accepted)) / double(words) : 0.0; }
};
/// Fits a [0,1]-diagonal LRNN to the minimal DFA (deterministic in opt.seed).
/// Throws std::invalid_argument on an empty alphabet or zero width.
Diag01Fit fit_diag01(const Dfa& dfa, const Diag01Options& opt = {});

}  // namespace parallax::automata
