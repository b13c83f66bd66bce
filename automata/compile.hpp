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
//
// A compiler asked for a language it cannot express throws CompileRefused
// with the reason (which theorem rules it out, which model to use instead).
#include <stdexcept>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/wfa.hpp"
#include "models/lrnn.hpp"
#include "models/relu_rnn.hpp"

namespace parallax::automata {

struct CompileRefused : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

enum class ModelKind { Pd, Householder, Diag, Rotation, Dense, Wfa, ReluRnn };
/// "pd", "householder", "diag", "rotation", "dense", "wfa", "relu-rnn".
std::string to_string(ModelKind k);
/// Throws std::invalid_argument listing the valid names.
ModelKind parse_model_kind(const std::string& name);
const std::vector<ModelKind>& all_model_kinds();

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

/// A state-space model of a language (from its minimal DFA) or a WFA, for
/// the ModelKinds above: a token LRNN, or a ReLU RNN for relu-rnn.
struct CompiledModel {
  ModelKind kind;
  bool is_relu = false;
  models::LrnnSpec lrnn;
  models::ReluRnn relu;
  std::string description;  ///< e.g. "PD-LRNN d=5"
};
CompiledModel compile(const Dfa& minimal_dfa, ModelKind kind);
CompiledModel compile(const Wfa<numeric::Exact>& wfa, ModelKind kind);

}  // namespace parallax::automata
