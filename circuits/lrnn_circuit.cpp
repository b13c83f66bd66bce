#include "circuits/lrnn_circuit.hpp"

#include <fmt/format.h>

#include "circuits/builder.hpp"

#include <optional>
#include <stdexcept>

namespace parallax::circuits {

namespace {

using numeric::Exact;
using detail::Builder;

/// One affine map as gates: A is diagonal (d entries) or full (d·d, row-major).
struct Map {
  std::vector<GateId> A, b;
};

Map compose(Builder& B, const Map& first, const Map& second, std::size_t d, bool diagonal) {
  Map r;
  if (diagonal) {
    for (std::size_t i = 0; i < d; ++i) {
      r.A.push_back(B.mul(second.A[i], first.A[i]));
      r.b.push_back(B.add(B.mul(second.A[i], first.b[i]), second.b[i]));
    }
    return r;
  }
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      GateId acc = B.zero();
      for (std::size_t l = 0; l < d; ++l) acc = B.add(acc, B.mul(second.A[i * d + l], first.A[l * d + j]));
      r.A.push_back(acc);
    }
  for (std::size_t i = 0; i < d; ++i) {
    GateId acc = second.b[i];
    for (std::size_t l = 0; l < d; ++l) acc = B.add(acc, B.mul(second.A[i * d + l], first.b[l]));
    r.b.push_back(acc);
  }
  return r;
}

std::vector<GateId> apply(Builder& B, const Map& m, const std::vector<GateId>& h, std::size_t d, bool diagonal) {
  std::vector<GateId> out;
  for (std::size_t i = 0; i < d; ++i) {
    GateId acc = m.b[i];
    if (diagonal) {
      acc = B.add(acc, B.mul(m.A[i], h[i]));
    } else {
      for (std::size_t j = 0; j < d; ++j) acc = B.add(acc, B.mul(m.A[i * d + j], h[j]));
    }
    out.push_back(acc);
  }
  return out;
}

/// The exact matrix of a token's map (d·d, row-major), from the structure's definition.
std::vector<Exact> dense_matrix(const models::LrnnSpec& s, const models::Transition& tr) {
  using models::Structure;
  const std::size_t d = s.d;
  std::vector<Exact> A(d * d, Exact(0));
  switch (s.structure) {
    case Structure::Diagonal:
      for (std::size_t i = 0; i < d; ++i) A[i * d + i] = tr.a[i];
      break;
    case Structure::Complex:
      for (std::size_t q = 0; q < d / 2; ++q) {
        A[(2 * q) * d + 2 * q] = tr.a[2 * q];
        A[(2 * q) * d + 2 * q + 1] = -tr.a[2 * q + 1];
        A[(2 * q + 1) * d + 2 * q] = tr.a[2 * q + 1];
        A[(2 * q + 1) * d + 2 * q + 1] = tr.a[2 * q];
      }
      break;
    case Structure::PermutationDiagonal:
      for (std::size_t j = 0; j < d; ++j) A[tr.p[j] * d + j] += tr.a[j];
      break;
    case Structure::Dense: A = tr.a; break;
    case Structure::Dplr: {
      for (std::size_t i = 0; i < d; ++i) A[i * d + i] = 1;
      for (const auto& f : tr.factors) {
        std::vector<Exact> F(d * d, Exact(0)), P(d * d, Exact(0));
        for (std::size_t i = 0; i < d; ++i) F[i * d + i] = f.D[i];
        for (std::size_t q = 0; q < f.u.size(); ++q)
          for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j) F[i * d + j] += f.u[q][i] * f.v[q][j];
        for (std::size_t i = 0; i < d; ++i)
          for (std::size_t j = 0; j < d; ++j)
            for (std::size_t l = 0; l < d; ++l) P[i * d + j] += F[i * d + l] * A[l * d + j];
        A = P;
      }
      break;
    }
  }
  return A;
}

}  // namespace

std::vector<Exact> one_hot_inputs(const models::LrnnSpec& spec, const std::vector<std::uint32_t>& tokens) {
  const std::size_t k = spec.alphabet.size();
  std::vector<Exact> x(tokens.size() * k, Exact(0));
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t] >= k) throw std::invalid_argument("one_hot_inputs: token outside the alphabet");
    x[t * k + tokens[t]] = 1;
  }
  return x;
}

Circuit lrnn_circuit(const models::LrnnSpec& spec, std::size_t n, Network net, FanIn fanin) {
  if (spec.alphabet.empty())
    throw std::invalid_argument(fmt::format("model '{}': circuits are built for token models (it has no alphabet)", spec.name));
  if (!spec.has_readout()) throw std::invalid_argument(fmt::format("model '{}' has no readout", spec.name));
  const bool diagonal = spec.structure == models::Structure::Diagonal;
  if (fanin == FanIn::Unbounded && !diagonal)
    throw std::invalid_argument(
        fmt::format("model '{}': the unbounded fan-in construction is for diagonal models ({} given)", spec.name,
                    models::to_string(spec.structure)));
  const std::size_t d = spec.d, k = spec.alphabet.size();
  Circuit c;
  Builder B(c);
  // inputs, then the per-token parameters combined with the indicators
  std::vector<std::vector<GateId>> x(n, std::vector<GateId>(k));
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t s = 0; s < k; ++s) x[t][s] = B.input();
  std::vector<std::vector<Exact>> As;
  for (const auto& tr : spec.tokens) As.push_back(diagonal ? tr.a : dense_matrix(spec, tr));
  auto select = [&](std::size_t t, auto value_of) {  // Σ_σ x[t][σ]·v_σ, a constant when all v_σ agree
    bool same = true;
    for (std::size_t s = 1; s < k; ++s) same = same && value_of(s) == value_of(0);
    if (same) return B.constant(value_of(0));
    std::vector<GateId> terms;
    for (std::size_t s = 0; s < k; ++s) terms.push_back(B.mul(B.constant(value_of(s)), x[t][s]));
    GateId acc = B.zero();
    for (GateId g : terms) acc = B.add(acc, g);
    return acc;
  };
  std::vector<Map> steps(n);
  const std::size_t na = diagonal ? d : d * d;
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t e = 0; e < na; ++e) steps[t].A.push_back(select(t, [&](std::size_t s) { return As[s][e]; }));
    for (std::size_t i = 0; i < d; ++i)
      steps[t].b.push_back(select(t, [&](std::size_t s) { return spec.tokens[s].b[i]; }));
  }
  std::vector<GateId> h0, cvec;
  for (std::size_t i = 0; i < d; ++i) h0.push_back(B.constant(spec.h0[i])), cvec.push_back(B.constant(spec.c[i]));
  const GateId c0 = B.constant(spec.c0);
  auto score = [&](const std::vector<GateId>& h) {
    GateId acc = c0;
    for (std::size_t i = 0; i < d; ++i) acc = B.add(acc, B.mul(cvec[i], h[i]));
    return acc;
  };

  if (fanin == FanIn::Unbounded) {
    std::vector<GateId> h;
    for (std::size_t i = 0; i < d; ++i) {
      std::vector<GateId> terms, all;
      for (std::size_t t = 0; t < n; ++t) all.push_back(steps[t].A[i]);
      all.push_back(h0[i]);
      terms.push_back(B.product(all));
      for (std::size_t t = 0; t < n; ++t) {
        std::vector<GateId> f{steps[t].b[i]};
        for (std::size_t s = t + 1; s < n; ++s) f.push_back(steps[s].A[i]);
        terms.push_back(B.product(f));
      }
      h.push_back(B.sum(terms));
    }
    const GateId sc = score(h);
    c.mark_output(B.positive(sc));
    c.mark_output(sc);
    return c;
  }

  const auto prefixes =
      apply_prefix(net, steps, [&](const Map& first, const Map& second) { return compose(B, first, second, d, diagonal); });
  GateId last = score(h0);
  for (std::size_t t = 0; t < n; ++t) {
    last = score(apply(B, prefixes[t], h0, d, diagonal));
    c.mark_output(B.positive(last));
  }
  c.mark_output(last);
  return c;
}

}  // namespace parallax::circuits
