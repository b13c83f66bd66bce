#pragma once
// Transformer constructions for the problems of the reductions module: exact
// weights, hard and averaging attention and ReLU MLPs only, so every one runs
// exactly in rationals and at every finite precision (where it may fail,
// which is what the reductions runner measures).
//
// Every model prepends a `<bos>` token (position 0) and accepts iff the
// readout at the last position is positive. The columns of the residual
// stream are named in each builder; `one` is a constant 1 that every token
// embeds, `t` and `t2` are the positional columns t and t² (positional table,
// bos at t = 0).
//
//  majority      one averaging head: (#a − #b)/(n + 1) > 0.
//  dyck1         averaging head: prefix balances d_j = D_j/(j+1) and
//                u = 1/(n+1); hard head: m = min_j d_j (query 1, key −d_j);
//                MLP: min(m, −d_n) = m − relu(m + d_n); accept iff
//                min(m, −d_n) + u/2 > 0 (a negative prefix balance or a
//                positive final balance is ≤ −u). Bhattamishra et al. 2020.
//  count_mod     averaging head: f = k/(n+1) (k = count of the counted
//                letter) and u = 1/(n+1); hard head with query (2f, −u) and
//                key (t, t²): score (k² − (t − k)²)/(n+1), maximal exactly at
//                t = k, whose positional column z = [t ≡ 0 mod M] is read.
//                Exact at exact precision; the scores' gap 1/(n+1) against
//                magnitudes ~n needs about 2·log₂ n significand bits.
//  first_eq_last hard head to the first letter (key −[bos], leftmost tie);
//                MLP: Σ_σ relu(onehot_σ + first_σ − 1) = [first = last].
//  induction     previous-token head (query 2t − 2, key (t, t²): maximal at
//                t − 1) copies the previous letter into P; a second hard head
//                (rightmost tie) at the last position scores
//                2·⟨onehot(w_n), P_j⟩ + [j = bos]: the most recent j whose
//                predecessor equals w_n, else bos; reads [w_j = target].
//  window_product  L layers of "attend to t − 2^ℓ, multiply": a letter is
//                the k×k 0/1 matrix of its permutation of k points; layer ℓ
//                fetches the product S of the window ending 2^ℓ earlier (the
//                identity at bos) and its MLP computes F·S with k³ units
//                relu(F_ij + S_jm − 1). After L layers the last position
//                holds the product of its last 2^L letters: the word problem
//                is decided exactly for n ≤ 2^L and not beyond — a fixed
//                number of layers cannot track a non-solvable group (TC⁰ vs
//                NC¹), whatever the precision.
#include <cstdint>
#include <string>
#include <vector>

#include "models/transformer.hpp"

namespace parallax::models {

/// The name of the beginning-of-sequence token of the constructions.
inline constexpr const char* kBosToken = "<bos>";

/// Accepts words over {letters[0], letters[1]} with more letters[0] than letters[1].
TransformerSpec majority_transformer(const std::vector<std::string>& letters);
/// Accepts balanced words over {open, close} (the one-counter language D₁).
TransformerSpec dyck1_transformer(const std::string& open, const std::string& close);
/// Accepts words whose number of letters[counted] is ≡ 0 mod m (m ≥ 1), for
/// inputs of at most max_n letters (the positional table has max_n + 1 rows).
TransformerSpec count_mod_transformer(const std::vector<std::string>& letters, std::uint32_t counted, std::uint32_t m,
                                      std::size_t max_n);
/// Accepts nonempty words whose first letter equals the last.
TransformerSpec first_eq_last_transformer(const std::vector<std::string>& letters);
/// Accepts words w_1 … w_n in which the most recent earlier occurrence w_p of
/// the last letter (p < n) exists and is followed by w_{p+1} = letters[target].
TransformerSpec induction_transformer(const std::vector<std::string>& letters, std::uint32_t target, std::size_t max_n);
/// The word problem of a permutation group: letter σ acts on points
/// 0 … k−1 as i ↦ actions[σ][i]; a word is read left to right (its first
/// letter acts first) and accepted iff its product is the identity. Exact
/// for n ≤ 2^layers letters only (see above).
TransformerSpec window_product_transformer(const std::vector<std::string>& letters,
                                           const std::vector<std::vector<std::uint32_t>>& actions, std::size_t layers,
                                           std::size_t max_n);

}  // namespace parallax::models
