#pragma once
// A nonlinear RNN: the ReLU MLP cell h_t = relu(W h_{t−1} + u x_t + b) over
// scalar inputs x_t, or h_t = relu(W h_{t−1} + U_σ + b) over tokens σ, with
// readout ⟨c, h_n⟩ + c0. Not associative: it has no parallel scan, and
// unrolled into a circuit its depth grows linearly in n.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "numeric/scalar_traits.hpp"

namespace parallax::models {

struct ReluRnn {
  std::size_t d = 1;
  std::vector<numeric::Exact> W;  ///< d·d, row-major
  std::vector<numeric::Exact> u, b, h0, c;
  numeric::Exact c0 = 0;
  /// Token-driven cells: the vector U_σ added at a step reading token σ;
  /// empty for scalar inputs.
  std::vector<std::vector<numeric::Exact>> token_input;
};

/// Weights with small rational entries (|W_ij| ≤ 1/2), deterministic in seed.
ReluRnn random_relu_rnn(std::size_t d, std::uint64_t seed);

namespace detail {
/// Runs n steps h ← relu(W h + input(t, i) + b) and returns the readout score.
template <class T, class Input>
T relu_rnn_run(const ReluRnn& r, std::size_t n, Input&& input) {
  const std::size_t d = r.d;
  std::vector<T> W, b, h, next(d);
  for (const auto& q : r.W) W.push_back(numeric::from_exact<T>(q));
  for (const auto& q : r.b) b.push_back(numeric::from_exact<T>(q));
  for (const auto& q : r.h0) h.push_back(numeric::from_exact<T>(q));
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t i = 0; i < d; ++i) {
      T acc = b[i] + input(t, i);
      for (std::size_t j = 0; j < d; ++j) acc = acc + W[i * d + j] * h[j];
      next[i] = numeric::sign(acc) == numeric::Sign::Positive ? acc : numeric::zero<T>();
    }
    h.swap(next);
  }
  T s = numeric::from_exact<T>(r.c0);
  for (std::size_t i = 0; i < d; ++i) s = s + numeric::from_exact<T>(r.c[i]) * h[i];
  return s;
}
}  // namespace detail

/// The readout score after running the cell over scalar inputs xs, in scalar type T.
template <class T>
T relu_rnn_score(const ReluRnn& r, const std::vector<numeric::Exact>& xs) {
  std::vector<T> u;
  for (const auto& q : r.u) u.push_back(numeric::from_exact<T>(q));
  T x = numeric::zero<T>();
  std::size_t at = static_cast<std::size_t>(-1);
  return detail::relu_rnn_run<T>(r, xs.size(), [&](std::size_t t, std::size_t i) {
    if (t != at) x = numeric::from_exact<T>(xs[at = t]);
    return u[i] * x;
  });
}

/// The readout score of a token-driven cell over token indices.
template <class T>
T relu_rnn_token_score(const ReluRnn& r, const std::vector<std::uint32_t>& tokens) {
  std::vector<std::vector<T>> in(r.token_input.size());
  for (std::size_t s = 0; s < in.size(); ++s)
    for (const auto& q : r.token_input[s]) in[s].push_back(numeric::from_exact<T>(q));
  for (std::size_t t = 0; t < tokens.size(); ++t)
    if (tokens[t] >= in.size())
      throw std::invalid_argument("token index " + std::to_string(tokens[t]) + " at position " + std::to_string(t) +
                                  " is outside the cell's alphabet");
  return detail::relu_rnn_run<T>(r, tokens.size(), [&](std::size_t t, std::size_t i) -> const T& { return in[tokens[t]][i]; });
}

}  // namespace parallax::models
