#pragma once
// Internal to circuits/: a gate builder that folds constants while a circuit
// is built (x + 0 = x, x·1 = x, x·0 = 0, constant ∘ constant = constant), so
// that compiled models keep the sparsity of their parameters.
#include <optional>
#include <vector>

#include "circuits/circuit.hpp"

namespace parallax::circuits::detail {

using numeric::Exact;

/// Builds gates with constants folded: x + 0 = x, x·1 = x, x·0 = 0, c₁ ∘ c₂ = c.
class Builder {
 public:
  explicit Builder(Circuit& c) : c_(c) {}

  GateId constant(const Exact& v) {
    GateId g = c_.constant(v);
    known_.resize(c_.size());
    known_[g] = v;
    return g;
  }
  GateId input() {
    GateId g = c_.input();
    known_.resize(c_.size());
    return g;
  }
  std::optional<Exact> value(GateId g) const { return g < known_.size() ? known_[g] : std::nullopt; }
  bool is(GateId g, int v) const {
    const auto k = value(g);
    return k && *k == v;
  }
  GateId add(GateId a, GateId b) {
    if (is(a, 0)) return b;
    if (is(b, 0)) return a;
    if (value(a) && value(b)) return constant(*value(a) + *value(b));
    return track(c_.add(a, b));
  }
  GateId mul(GateId a, GateId b) {
    if (is(a, 0) || is(b, 0)) return zero();
    if (is(a, 1)) return b;
    if (is(b, 1)) return a;
    if (value(a) && value(b)) return constant(*value(a) * *value(b));
    return track(c_.mul(a, b));
  }
  GateId sum(std::vector<GateId> xs) {
    std::vector<GateId> live;
    Exact k = 0;
    for (GateId x : xs) {
      if (value(x)) k += *value(x);
      else live.push_back(x);
    }
    if (k != 0 || live.empty()) live.push_back(constant(k));
    if (live.size() == 1) return live[0];
    return track(c_.sum(live));
  }
  GateId product(std::vector<GateId> xs) {
    std::vector<GateId> live;
    Exact k = 1;
    for (GateId x : xs) {
      if (value(x)) k *= *value(x);
      else live.push_back(x);
    }
    if (k == 0) return zero();
    if (k != 1 || live.empty()) live.push_back(constant(k));
    if (live.size() == 1) return live[0];
    return track(c_.product(live));
  }
  GateId positive(GateId a) { return track(c_.positive(a)); }
  GateId relu(GateId a) {
    if (value(a)) return constant(*value(a) > 0 ? *value(a) : Exact(0));
    return track(c_.relu(a));
  }
  GateId zero() {
    if (!zero_) zero_ = constant(Exact(0));
    return *zero_;
  }

 private:
  GateId track(GateId g) {
    known_.resize(c_.size());
    return g;
  }
  Circuit& c_;
  std::vector<std::optional<Exact>> known_;
  std::optional<GateId> zero_;
};

}  // namespace parallax::circuits::detail
