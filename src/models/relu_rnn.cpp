#include "models/relu_rnn.hpp"

#include <random>
#include <stdexcept>
#include <string>

namespace parallax::models {

void validate(const ReluRnn& r) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("ReLU RNN: " + what);
  };
  const std::size_t m1 = r.first_rows();
  need(r.d >= 1, "d must be at least 1");
  need(r.W.size() == m1 * r.d, "W must have b.size() x d entries");
  need(r.h0.size() == r.d && r.c.size() == r.d, "h0 and c must have d entries");
  need(r.u.empty() || r.u.size() == m1, "u must have b.size() entries");
  for (const auto& U : r.token_input) need(U.size() == m1, "each token_input vector must have b.size() entries");
  std::size_t in = m1;
  for (std::size_t k = 0; k < r.layers.size(); ++k) {
    const auto& L = r.layers[k];
    const std::string at = "layers[" + std::to_string(k) + "]";
    need(L.cols == in, at + ".cols must equal the previous layer's rows");
    need(L.W.size() == L.rows * L.cols && L.b.size() == L.rows, at + ": W must be rows x cols and b must have rows entries");
    need(L.relu || k + 1 == r.layers.size(), at + ": only the last layer may be affine");
    in = L.rows;
  }
  need(in == r.d, "the last layer must output d values");
}

ReluRnn random_relu_rnn(std::size_t d, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto q = [&](int range, int den) { return numeric::Exact(int(rng() % (2 * range + 1)) - range, den); };
  ReluRnn r;
  r.d = d;
  for (std::size_t i = 0; i < d * d; ++i) r.W.push_back(q(4, 8));
  for (std::size_t i = 0; i < d; ++i) {
    r.u.push_back(q(4, 4));
    r.b.push_back(q(2, 4));
    r.h0.push_back(q(2, 2));
    r.c.push_back(q(3, 2));
  }
  r.c0 = q(2, 4);
  return r;
}

}  // namespace parallax::models
