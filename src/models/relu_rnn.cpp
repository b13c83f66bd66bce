#include "models/relu_rnn.hpp"

#include <random>

namespace parallax::models {

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
