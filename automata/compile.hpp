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
//                training accuracy. The fit is automata/fit.hpp.
//
// A compiler asked for a language it cannot express throws CompileRefused
// with the reason (which theorem rules it out, which model to use instead).
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/taxonomy.hpp"
#include "automata/wfa.hpp"
#include "models/lrnn.hpp"
#include "models/model.hpp"
#include "models/relu_rnn.hpp"

namespace parallax::automata {

struct CompileRefused : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The compilers above (`recognize --model`).
enum class ModelKind { Pd, Householder, Diag, Rotation, Dense, Wfa, ReluRnn, Diag01 };

struct ModelKindNames {
  ModelKind kind;
  std::string_view name;
  Architecture architecture;  ///< the class of the models it builds
};

inline constexpr std::array<ModelKindNames, 8> kModelKinds = {{
    {ModelKind::Pd, "pd", Architecture::Pd},
    {ModelKind::Householder, "householder", Architecture::Dplr},
    {ModelKind::Diag, "diag", Architecture::Diag11},
    {ModelKind::Rotation, "rotation", Architecture::Complex},
    {ModelKind::Dense, "dense", Architecture::Dense},
    {ModelKind::Wfa, "wfa", Architecture::Dplr},
    {ModelKind::ReluRnn, "relu-rnn", Architecture::Rnn},
    {ModelKind::Diag01, "diag01", Architecture::Diag01},
}};
static_assert(detail::in_enum_order(kModelKinds, &ModelKindNames::kind));

/// "pd", "householder", "diag", "rotation", "dense", "wfa", "relu-rnn", "diag01".
std::string to_string(ModelKind k);
/// Throws std::invalid_argument listing the valid names.
ModelKind parse_model_kind(const std::string& name);
const std::vector<ModelKind>& all_model_kinds();
Architecture architecture_of(ModelKind k);
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

/// The permutation of each letter (delta[σ]) when every letter permutes the
/// states; empty when some letter merges two states (then `why` says which).
bool is_group_automaton(const Dfa& dfa, std::string* why = nullptr);

/// Factors exactly A = Pᵀ·L·U over ℚ, as the DPLR factors of a transition
/// (applied first to last: U's rows top-down, L's rows bottom-up, then the
/// transpositions of Pᵀ). Identity factors are left out.
std::vector<models::LowRankFactor> dplr_factors(const std::vector<numeric::Exact>& A, std::size_t n);

/// A model ready to decide token sequences, with what it is: built by
/// compile() from an automaton, or by a problem's construction
/// (reductions/problem.hpp), which may also build transformers.
struct CompiledModel {
  models::Model model;
  Architecture architecture;  ///< its column of the expressivity table
  std::string description;    ///< e.g. "PD-LRNN d=5"
  /// 0: the construction decides every input length exactly (at exact
  /// precision); otherwise only inputs of at most this many tokens (a model
  /// with a fixed number of layers that cannot do more).
  std::size_t exact_max_length = 0;
  /// Whether the model runs by a parallel scan too (LRNNs only).
  bool has_scan() const { return models::has_scan(model); }
};
CompiledModel compile(const Dfa& minimal_dfa, ModelKind kind);
CompiledModel compile(const Wfa<numeric::Exact>& wfa, ModelKind kind);

}  // namespace parallax::automata
