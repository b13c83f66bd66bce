#include "circuits/rnn_circuit.hpp"

#include <stdexcept>

#include "circuits/builder.hpp"

namespace parallax::circuits {

Circuit relu_rnn_circuit(const models::ReluRnn& r, std::size_t n) {
  if (!r.layers.empty() || r.first_rows() != r.d)
    throw std::invalid_argument("relu_rnn_circuit: only the one-layer cell relu(W h + u x + b) is supported");
  Circuit c;
  detail::Builder B(c);
  const std::size_t d = r.d;
  std::vector<GateId> xs;
  for (std::size_t t = 0; t < n; ++t) xs.push_back(B.input());
  std::vector<GateId> h;
  for (const auto& q : r.h0) h.push_back(B.constant(q));
  std::vector<GateId> W, u, b;
  for (const auto& q : r.W) W.push_back(B.constant(q));
  for (std::size_t i = 0; i < d; ++i) u.push_back(B.constant(r.u[i])), b.push_back(B.constant(r.b[i]));
  for (std::size_t t = 0; t < n; ++t) {
    std::vector<GateId> next;
    for (std::size_t i = 0; i < d; ++i) {
      GateId acc = B.add(b[i], B.mul(u[i], xs[t]));
      for (std::size_t j = 0; j < d; ++j) acc = B.add(acc, B.mul(W[i * d + j], h[j]));
      next.push_back(B.relu(acc));
    }
    h = next;
  }
  GateId s = B.constant(r.c0);
  for (std::size_t i = 0; i < d; ++i) s = B.add(s, B.mul(B.constant(r.c[i]), h[i]));
  c.mark_output(B.positive(s));
  c.mark_output(s);
  return c;
}

}  // namespace parallax::circuits
