#pragma once
// Compilers from automata to models. Every compiled model reads the
// automaton's letters as its tokens (same alphabet, same order) and accepts
// exactly when its readout score ⟨c, h_n⟩ + c0 is positive; the recognition
// harness (experiment/recognize.hpp) checks each one against its automaton.
//
//   pd           any DFA → PD-LRNN, one layer, width |Q|, one-hot state,
//                A_σ = permutation-or-merge matrix of δ(·, σ), entries 0/1
//                (Terzić et al. 2025; Merrill et al. Thms 6–8)
//   householder  group automaton → DPLR LRNN, width |Q|; each letter's
//                permutation is a product of transpositions, a transposition
//                of states i, j being the Householder factor I − k kᵀ with
//                k = e_i − e_j (β = 1 for the unnormalized k): a letter whose
//                cycles have lengths k₁, k₂, … uses Σ (kᵢ − 1) factors, so one
//                that moves k states in one cycle uses k − 1 (Grazzi et al.)
//   diag         Z₂ group languages (parity) → diagonal d = 1, eigenvalues ±1
//   rotation     cyclic group languages (counting mod m) → complex diagonal:
//                rotations by 2πj/m, irrational for most m, so the parameters
//                are rounded (to `bits` bits here, then to the run's precision)
//   dense        any DFA (as a 0/1 WFA) or WFA → dense LRNN, A_σ = M_σᵀ
//   wfa          any DFA or WFA → DPLR LRNN: A_σ = M_σᵀ = Pᵀ L U (Gaussian
//                elimination over ℚ) applied as rank-one row updates and
//                transpositions, exact over ℚ (Merrill et al. Thm 5 route)
//   relu-rnn     any DFA → ReLU RNN with a one-hot (state, letter) lookup
//   diag01       any DFA → diagonal LRNN with eigenvalues in [0, 1], *fitted*
//                (not constructed): the best model a deterministic search finds
//                on all short words, so that the [0,1]-diagonal class can be
//                measured. With eigenvalues in [0, 1] the state on v^k
//                converges, so no such model recognizes parity or any language
//                whose monoid has a non-trivial period (Grazzi et al., ICLR
//                2025, Thm 1); star-free languages are within reach of the
//                class (Sarrof et al. 2024), though not always of one layer of
//                width d found by this search. Its decisions are generally
//                not the automaton's: it is the only kind here that is not
//                exact (is_exact_compiler), and its description states its
//                training accuracy.
//
// The diag01 fit (fit_diag01, deterministic):
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
//
// A compiler asked for a language it cannot express throws CompileRefused
// with the reason (which theorem rules it out, which model to use instead).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/wfa.hpp"
#include "models/lrnn.hpp"
#include "models/relu_rnn.hpp"

namespace parallax::models {
struct TransformerSpec;
}

namespace parallax::automata {

struct CompileRefused : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Transformer is not compiled from automata: its models are per-problem
/// constructions (models/transformer_constructions.hpp), so it is not among
/// all_model_kinds() and compile() refuses it.
enum class ModelKind { Pd, Householder, Diag, Rotation, Dense, Wfa, ReluRnn, Diag01, Transformer };
/// "pd", "householder", "diag", "rotation", "dense", "wfa", "relu-rnn", "diag01", "transformer".
std::string to_string(ModelKind k);
/// Throws std::invalid_argument listing the valid names.
ModelKind parse_model_kind(const std::string& name);
const std::vector<ModelKind>& all_model_kinds();
/// Whether a model of this kind decides exactly like the automaton it was
/// compiled from (when it compiles at all): false only for the fitted diag01.
bool is_exact_compiler(ModelKind k);

models::LrnnSpec dfa_to_pd(const Dfa& dfa);
models::LrnnSpec group_to_householder(const Dfa& dfa);
models::LrnnSpec z2_to_diagonal(const Dfa& dfa);
models::LrnnSpec cyclic_to_rotation(const Dfa& dfa, int bits = 256);
/// The DFA as a WFA with 0/1 weights, threshold 1/2 (f(w) = [w accepted]).
Wfa<numeric::Exact> dfa_as_wfa(const Dfa& dfa);
models::LrnnSpec wfa_to_dense(const Wfa<numeric::Exact>& wfa);
models::LrnnSpec wfa_to_dplr(const Wfa<numeric::Exact>& wfa);
models::ReluRnn dfa_to_relu_rnn(const Dfa& dfa);

/// Settings of the diag01 fit (see the table above); the defaults are what
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

/// The permutation of each letter (delta[σ]) when every letter permutes the
/// states; empty when some letter merges two states (then `why` says which).
bool is_group_automaton(const Dfa& dfa, std::string* why = nullptr);

/// Factors exactly A = Pᵀ·L·U over ℚ, as the DPLR factors of a transition
/// (applied first to last: U's rows top-down, L's rows bottom-up, then the
/// transpositions of Pᵀ). Identity factors are left out.
std::vector<models::LowRankFactor> dplr_factors(const std::vector<numeric::Exact>& A, std::size_t n);

/// A state-space model of a language (from its minimal DFA) or a WFA, for
/// the ModelKinds above: a token LRNN, a ReLU RNN for relu-rnn, or a
/// transformer (kind Transformer, `transformer` set).
struct CompiledModel {
  ModelKind kind;
  bool is_relu = false;
  models::LrnnSpec lrnn;
  models::ReluRnn relu;
  std::string description;  ///< e.g. "PD-LRNN d=5"
  std::shared_ptr<const models::TransformerSpec> transformer = nullptr;
  /// 0: the construction decides every input length exactly (at exact
  /// precision); otherwise only inputs of at most this many tokens (a model
  /// with a fixed number of layers that cannot do more).
  std::size_t exact_max_length = 0;
  /// Whether the model runs by a parallel scan too (LRNNs only).
  bool has_scan() const { return !is_relu && !transformer; }
};
CompiledModel compile(const Dfa& minimal_dfa, ModelKind kind);
CompiledModel compile(const Wfa<numeric::Exact>& wfa, ModelKind kind);

}  // namespace parallax::automata
