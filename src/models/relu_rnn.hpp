#pragma once
// A nonlinear RNN: the ReLU MLP cell h_t = relu(W h_{t−1} + u x_t + b) over
// scalar inputs x_t, with readout ⟨c, h_n⟩ + c0. Not associative: it has no
// parallel scan, and unrolled into a circuit its depth grows linearly in n.
#include <cstdint>
#include <vector>

#include "numeric/scalar_traits.hpp"

namespace parallax::models {

struct ReluRnn {
  std::size_t d = 1;
  std::vector<numeric::Exact> W;  ///< d·d, row-major
  std::vector<numeric::Exact> u, b, h0, c;
  numeric::Exact c0 = 0;
};

/// Weights with small rational entries (|W_ij| ≤ 1/2), deterministic in seed.
ReluRnn random_relu_rnn(std::size_t d, std::uint64_t seed);

/// The readout score after running the cell over xs, in scalar type T.
template <class T>
T relu_rnn_score(const ReluRnn& r, const std::vector<numeric::Exact>& xs) {
  const std::size_t d = r.d;
  std::vector<T> h, next(d);
  for (const auto& q : r.h0) h.push_back(numeric::from_exact<T>(q));
  for (const auto& x : xs) {
    const T xt = numeric::from_exact<T>(x);
    for (std::size_t i = 0; i < d; ++i) {
      T acc = numeric::from_exact<T>(r.b[i]) + numeric::from_exact<T>(r.u[i]) * xt;
      for (std::size_t j = 0; j < d; ++j) acc = acc + numeric::from_exact<T>(r.W[i * d + j]) * h[j];
      next[i] = numeric::sign(acc) == numeric::Sign::Positive ? acc : numeric::zero<T>();
    }
    h.swap(next);
  }
  T s = numeric::from_exact<T>(r.c0);
  for (std::size_t i = 0; i < d; ++i) s = s + numeric::from_exact<T>(r.c[i]) * h[i];
  return s;
}

}  // namespace parallax::models
