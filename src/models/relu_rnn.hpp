#pragma once
// A nonlinear RNN: the ReLU MLP cell h_t = relu(W h_{t−1} + u x_t + b) over
// scalar inputs x_t, or h_t = relu(W h_{t−1} + U_σ + b) over tokens σ, with
// readout ⟨c, h_n⟩ + c0. Not associative: it has no parallel scan, and
// unrolled into a circuit its depth grows linearly in n.
//
// A deeper cell (a ReLU MLP with hidden layers, as in the one-layer
// "ReLU-MLP RNN" constructions of Merrill et al.) adds `layers`: the first
// affine map then produces m₁ = b.size() hidden units z₁ = relu(W h + U_σ + b)
// (W is m₁ × d), each further layer z_{k+1} = act(W_k z_k + b_k), and the
// last layer's output (size d) is the new state.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "numeric/scalar_traits.hpp"

namespace parallax::models {

/// A further layer of a deep cell: out = act(W in + b), W rows × cols row-major.
struct MlpLayer {
  std::size_t rows = 0, cols = 0;
  std::vector<numeric::Exact> W, b;
  bool relu = true;  ///< false: affine (allowed for the last layer)
};

struct ReluRnn {
  std::size_t d = 1;
  std::vector<numeric::Exact> W;  ///< m₁·d, row-major (m₁ = b.size(); m₁ = d without layers)
  std::vector<numeric::Exact> u, b, h0, c;
  numeric::Exact c0 = 0;
  /// Token-driven cells: the vector U_σ added at a step reading token σ;
  /// empty for scalar inputs.
  std::vector<std::vector<numeric::Exact>> token_input;
  std::vector<MlpLayer> layers;  ///< empty: the one-layer cell
  /// Width of the first affine map's output.
  std::size_t first_rows() const { return b.size(); }
};

/// Checks the dimensions of a cell; throws std::invalid_argument naming the field.
void validate(const ReluRnn& r);

/// Weights with small rational entries (|W_ij| ≤ 1/2), deterministic in seed.
ReluRnn random_relu_rnn(std::size_t d, std::uint64_t seed);

namespace detail {
/// The sink of relu_rnn_run that keeps nothing.
struct NoStateSink {
  template <class V>
  void operator()(std::size_t, const V&) const {}
};

/// Runs n steps of the cell (first layer relu(W h + input(t, i) + b), then
/// the further layers) and returns the readout score; sink(t, h) receives the
/// state after step t (t = 0 … n−1).
template <class T, class Input, class Sink = NoStateSink>
T relu_rnn_run(const ReluRnn& r, std::size_t n, Input&& input, Sink&& sink = {}) {
  const std::size_t d = r.d, m1 = r.first_rows();
  auto conv = [](const std::vector<numeric::Exact>& v) {
    std::vector<T> out;
    out.reserve(v.size());
    for (const auto& q : v) out.push_back(numeric::from_exact<T>(q));
    return out;
  };
  auto relu = [](T& x) { x = numeric::relu(x); };  // intervals: the hull, so a straddling unit stays certified
  const std::vector<T> W = conv(r.W), b = conv(r.b);
  std::vector<std::vector<T>> LW, Lb;
  for (const auto& L : r.layers) LW.push_back(conv(L.W)), Lb.push_back(conv(L.b));
  std::vector<T> h = conv(r.h0), z(m1), next;
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t i = 0; i < m1; ++i) {
      T acc = b[i] + input(t, i);
      for (std::size_t j = 0; j < d; ++j) acc = acc + W[i * d + j] * h[j];
      relu(acc);
      z[i] = std::move(acc);
    }
    for (std::size_t k = 0; k < r.layers.size(); ++k) {
      const auto& L = r.layers[k];
      next.assign(L.rows, numeric::zero<T>());
      for (std::size_t i = 0; i < L.rows; ++i) {
        T acc = Lb[k][i];
        for (std::size_t j = 0; j < L.cols; ++j)
          if (numeric::sign(L.W[i * L.cols + j]) != numeric::Sign::Zero) acc = acc + LW[k][i * L.cols + j] * z[j];
        if (L.relu) relu(acc);
        next[i] = std::move(acc);
      }
      z.swap(next);
    }
    h.swap(z);
    z.resize(m1);
    sink(t, static_cast<const std::vector<T>&>(h));
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

/// The readout score of a token-driven cell over token indices; sink(t, h_t)
/// receives every state (the state after token t), in order.
template <class T, class Sink = detail::NoStateSink>
T relu_rnn_token_score(const ReluRnn& r, const std::vector<std::uint32_t>& tokens, Sink&& sink = {}) {
  std::vector<std::vector<T>> in(r.token_input.size());
  for (std::size_t s = 0; s < in.size(); ++s)
    for (const auto& q : r.token_input[s]) in[s].push_back(numeric::from_exact<T>(q));
  for (std::size_t t = 0; t < tokens.size(); ++t)
    if (tokens[t] >= in.size())
      throw std::invalid_argument("token index " + std::to_string(tokens[t]) + " at position " + std::to_string(t) +
                                  " is outside the cell's alphabet");
  return detail::relu_rnn_run<T>(
      r, tokens.size(), [&](std::size_t t, std::size_t i) -> const T& { return in[tokens[t]][i]; }, sink);
}

}  // namespace parallax::models
