#pragma once
// Weighted finite automata over a weight type W (exact rationals, doubles,
// any scalar of the numeric module), in the style of OpenFst's semiring
// parameter: states 0 … n−1, an initial row vector α, one n×n matrix M_σ per
// letter and a final column vector β, so that
//     f(w) = α · M_{w₁} · M_{w₂} ⋯ M_{w_k} · β.
// A word is accepted when f(w) > θ (the cut-point). A probabilistic automaton
// (PFA) is a WFA whose α and every row of every M_σ are probability
// distributions and whose β is a 0/1 vector of final states; f(w) is then the
// probability of ending in a final state.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "numeric/exact.hpp"

namespace parallax::automata {

struct WfaError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

template <class W>
struct Wfa {
  std::string name;
  std::vector<std::string> alphabet;
  std::size_t states = 0;
  std::vector<W> alpha;                ///< initial weights (row vector, n)
  std::vector<std::vector<W>> matrix;  ///< matrix[σ]: n×n row-major, M_σ[i][j] = weight of i → j on σ
  std::vector<W> beta;                 ///< final weights (column vector, n)
  W threshold{};                       ///< accept iff f(w) > threshold
  bool probabilistic = false;          ///< a PFA: validate() checks the stochastic conditions

  const W& at(std::size_t sym, std::size_t i, std::size_t j) const { return matrix[sym][i * states + j]; }
};

/// f(w) = α M_w β, by a left-to-right sweep of the row vector (O(|w| n²)).
template <class W>
W wfa_weight(const Wfa<W>& a, const std::vector<std::uint32_t>& word) {
  std::vector<W> row = a.alpha, next(a.states);
  for (std::size_t t = 0; t < word.size(); ++t) {
    if (word[t] >= a.matrix.size())
      throw WfaError("letter index " + std::to_string(word[t]) + " at position " + std::to_string(t) +
                     " is outside the alphabet of '" + a.name + "'");
    for (std::size_t j = 0; j < a.states; ++j) {
      W acc{};
      for (std::size_t i = 0; i < a.states; ++i) acc = acc + row[i] * a.at(word[t], i, j);
      next[j] = acc;
    }
    row.swap(next);
  }
  W f{};
  for (std::size_t i = 0; i < a.states; ++i) f = f + row[i] * a.beta[i];
  return f;
}

template <class W>
bool wfa_accepts(const Wfa<W>& a, const std::vector<std::uint32_t>& word) {
  return wfa_weight(a, word) > a.threshold;
}

/// Checks dimensions, and for a PFA that α and every row of every M_σ are
/// non-negative and sum to 1 and that β is 0/1. Throws WfaError naming
/// `where` and the offending field (e.g. "matrix 'a' row 2 sums to 3/2").
void validate(const Wfa<numeric::Exact>& a, const std::string& where);

}  // namespace parallax::automata
