#pragma once
// Linear RNNs h_t = A(x_t) h_{t−1} + b(x_t) with a readout score
// ⟨c, h_n⟩ + c0 (accept iff the score is > 0).
//
// Parameters are stored exactly (rationals) and converted to the scalar type
// of a run, so one model runs at every precision. A(x) has one of five
// structures:
//   diagonal  A = diag(a)
//   complex   A = diag(λ) over ℂ^{d/2}, stored as real 2×2 rotation-scaling blocks
//   pd        A = P·D, P column one-hot (any function p: [d] → [d]), D diagonal
//   dplr      A = F_k ⋯ F_1, F = diag(D) + Σ u vᵀ (Householder: I − β k kᵀ)
//   dense     A any d×d matrix
// Inputs are tokens of a finite alphabet (one transition per token) or
// real-valued vectors x ∈ ℚ^m, with parameters affine in x:
// θ(x) = θ_0 + Σ_k x_k θ_k (θ = every number of a transition).
//
// The JSON file format is documented in docs/lrnn-json.md.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/operators.hpp"
#include "kernels/scan.hpp"
#include "numeric/enum_names.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::models {

using numeric::Exact;

enum class Structure { Diagonal, Complex, PermutationDiagonal, Dplr, Dense };
/// The names model files give the structures.
inline constexpr numeric::EnumName<Structure> kStructureNames[] = {{Structure::Diagonal, "diagonal"},
                                                                   {Structure::Complex, "complex"},
                                                                   {Structure::PermutationDiagonal, "pd"},
                                                                   {Structure::Dplr, "dplr"},
                                                                   {Structure::Dense, "dense"}};
/// "diagonal", "complex", "pd", "dplr", "dense".
std::string to_string(Structure s);

/// Bad model files, unknown models or tokens, wrong dimensions. The message
/// names the file (and line and field where there is one).
struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One diagonal-plus-low-rank factor diag(D) + Σ_q u_q v_qᵀ.
struct LowRankFactor {
  std::vector<Exact> D;
  std::vector<std::vector<Exact>> u, v;
};
/// The generalized Householder factor I − β k kᵀ (β = 2 / kᵀk: a reflection).
LowRankFactor householder_factor(std::vector<Exact> k, const Exact& beta);
/// I − k kᵀ with k = e_i − e_j on n coordinates: swaps coordinates i and j.
LowRankFactor transposition_factor(std::size_t n, std::size_t i, std::size_t j);

/// The parameters of one transition h ↦ A h + b, exactly.
struct Transition {
  std::vector<Exact> a;               ///< diagonal: a (d); complex: re,im pairs (d); pd: D (d); dense: A row-major (d·d)
  std::vector<std::uint32_t> p;       ///< pd: column j of A is D[j]·e_{p[j]}
  std::vector<LowRankFactor> factors; ///< dplr: applied first to last
  std::vector<Exact> b;               ///< d
};

struct LrnnSpec {
  std::string name;
  std::string description;
  Structure structure = Structure::Diagonal;
  std::size_t d = 1;
  std::vector<std::string> alphabet;     ///< token names
  std::vector<Transition> tokens;        ///< one per alphabet entry
  std::size_t input_dim = 0;             ///< m > 0 for real-valued inputs
  std::vector<Transition> input_basis;   ///< θ_0, θ_1 … θ_m when input_dim > 0
  std::vector<Exact> h0;                 ///< d
  std::vector<Exact> c;                  ///< d, or empty: no readout
  Exact c0 = 0;
  bool has_readout() const { return !c.empty(); }
};

/// Checks every dimension and index; throws ModelError naming `where` and the field.
void validate(const LrnnSpec& spec, const std::string& where);

// ---- JSON files (docs/lrnn-json.md) ------------------------------------------

/// Parses a model from JSON text; `source` (a file name) prefixes messages,
/// which name the line and the field.
LrnnSpec lrnn_from_json_text(const std::string& text, const std::string& source);
LrnnSpec load_lrnn(const std::string& path);
/// Pretty-printed JSON; lrnn_from_json_text(lrnn_to_json(s)) == s.
std::string lrnn_to_json(const LrnnSpec& spec);
void save_lrnn(const LrnnSpec& spec, const std::string& path);

// ---- named models ----------------------------------------------------------

struct NamedModel {
  std::string name;
  std::string description;
};
const std::vector<NamedModel>& named_models();
/// Throws ModelError for unknown names.
LrnnSpec named_model(const std::string& name);
/// A token LRNN of the given structure with random small rational parameters
/// (|entries| ≤ 1/2 for A, so long runs stay bounded), a readout, and
/// `tokens` tokens named a, b, c, …; deterministic in seed. d must be even
/// for complex models.
LrnnSpec random_lrnn(Structure structure, std::size_t d, std::size_t tokens, std::uint64_t seed);

/// A named model, else a JSON model file.
LrnnSpec resolve_model(const std::string& name_or_path);

/// Token indices of a token sequence: names separated by whitespace or
/// commas, or — when every token name is one character — a run of letters
/// such as "abba". `source` names the origin in messages (a file or --tokens).
std::vector<std::uint32_t> parse_tokens(const LrnnSpec& spec, const std::string& text, const std::string& source);

// ---- the symmetric group S5 (the NC¹-complete word problem) ---------------

using Perm = std::array<std::uint8_t, 5>;  ///< i ↦ perm[i]
/// The generators of the named S5 models, in alphabet order: s = (0 1), c = (0 1 2 3 4).
std::vector<Perm> s5_generators();
/// All 120 elements of S5 in lexicographic order (index 0 is the identity).
const std::vector<Perm>& s5_elements();
/// The index of p in s5_elements().
std::size_t s5_index(const Perm& p);
/// One-line notation, e.g. "10234": the token names of s5-all.
std::string perm_name(const Perm& p);
/// g ∘ x: apply x first, then g.
Perm compose_perm(const Perm& g, const Perm& x);
/// A word of exactly n generator indices whose product (first letter applied
/// first) is the identity iff want_identity; deterministic in seed. Throws
/// std::invalid_argument when no such word of length n exists.
std::vector<std::uint32_t> random_group_word(const std::vector<Perm>& gens, std::size_t n, bool want_identity,
                                             std::uint64_t seed);
/// Whether the product of the word is the identity, by composing permutations.
bool group_word_is_identity(const std::vector<Perm>& gens, const std::vector<std::uint32_t>& word);

// ---- evaluation ------------------------------------------------------------

template <class T>
struct LrnnRun {
  std::vector<T> h;      ///< final state h_n
  T score;               ///< ⟨c, h_n⟩ + c0 (zero without a readout)
  numeric::Sign accept;  ///< sign of the score: Positive = accept, Unknown = cannot tell (intervals)
};

}  // namespace parallax::models

#include "models/lrnn_run.hpp"
