#include "circuits/circuit.hpp"

#include <fmt/format.h>

#include <iterator>
#include <limits>
#include <stdexcept>

namespace parallax::circuits {

static_assert(std::size(kGateKindNames) == kGateKinds);

const char* to_string(GateKind k) { return numeric::name_of(kGateKindNames, k); }

const char* to_string(Family f) {
  switch (f) {
    case Family::Input: return "input";
    case Family::Arithmetic: return "arithmetic";
    case Family::Comparison: return "comparison";
    case Family::Boolean: return "boolean";
    case Family::Threshold: return "threshold";
  }
  return "?";
}

Family family_of(GateKind k) {
  switch (k) {
    case GateKind::Input:
    case GateKind::Const: return Family::Input;
    case GateKind::Add:
    case GateKind::Sub:
    case GateKind::Neg:
    case GateKind::Mul:
    case GateKind::Sum:
    case GateKind::Product:
    case GateKind::Div:
    case GateKind::Exp:
    case GateKind::Sqrt: return Family::Arithmetic;
    case GateKind::Positive:
    case GateKind::Relu:
    case GateKind::Max:
    case GateKind::Ge: return Family::Comparison;
    case GateKind::And:
    case GateKind::Or:
    case GateKind::Not:
    case GateKind::Xor: return Family::Boolean;
    case GateKind::Threshold:
    case GateKind::Majority: return Family::Threshold;
  }
  return Family::Input;
}

bool is_unbounded_kind(GateKind k) {
  return k == GateKind::Sum || k == GateKind::Product || k == GateKind::Threshold || k == GateKind::Majority;
}

GateId Circuit::push(GateKind k, std::uint32_t fanin, std::uint32_t param) {
  if (gates_.size() >= std::numeric_limits<GateId>::max()) throw std::length_error("circuit: too many gates");
  gates_.push_back(Gate{k, 0, 0, fanin, static_cast<std::uint32_t>(edges_.size() - fanin), param});
  return static_cast<GateId>(gates_.size() - 1);
}

void Circuit::check_operand(GateId g) const {
  if (g >= gates_.size())
    throw std::invalid_argument(fmt::format("circuit: operand {} does not exist yet (gates are added in topological order)", g));
}

GateId Circuit::input() {
  return push(GateKind::Input, 0, static_cast<std::uint32_t>(inputs_++));
}

GateId Circuit::constant(const numeric::Exact& value) {
  constants_.push_back(value);
  return push(GateKind::Const, 0, static_cast<std::uint32_t>(constants_.size() - 1));
}

GateId Circuit::binary(GateKind k, GateId a, GateId b) {
  check_operand(a);
  check_operand(b);
  edges_.push_back(a);
  edges_.push_back(b);
  return push(k, 2, 0);
}

GateId Circuit::unary(GateKind k, GateId a) {
  check_operand(a);
  edges_.push_back(a);
  return push(k, 1, 0);
}

GateId Circuit::gate(GateKind kind, const std::vector<GateId>& xs, std::uint32_t param) {
  if (kind == GateKind::Input || kind == GateKind::Const)
    throw std::invalid_argument("circuit: use input() and constant() for inputs and constants");
  const std::size_t want = (kind == GateKind::Neg || kind == GateKind::Not || kind == GateKind::Positive ||
                            kind == GateKind::Relu || kind == GateKind::Exp || kind == GateKind::Sqrt)
                               ? 1
                               : (kind == GateKind::Sub || kind == GateKind::Add || kind == GateKind::Mul ||
                                  kind == GateKind::Div || kind == GateKind::Ge)
                                     ? 2
                                     : 0;
  if (kind == GateKind::Max && xs.size() < 2)
    throw std::invalid_argument(fmt::format("circuit: a max gate takes at least 2 operands, got {}", xs.size()));
  if (want && xs.size() != want)
    throw std::invalid_argument(fmt::format("circuit: a {} gate takes {} operand(s), got {}", to_string(kind), want, xs.size()));
  if (!want && xs.empty()) throw std::invalid_argument(fmt::format("circuit: a {} gate needs operands", to_string(kind)));
  if (kind == GateKind::Threshold && param > xs.size())
    throw std::invalid_argument(fmt::format("circuit: threshold {} above the fan-in {}", param, xs.size()));
  for (GateId x : xs) check_operand(x);
  edges_.insert(edges_.end(), xs.begin(), xs.end());
  return push(kind, static_cast<std::uint32_t>(xs.size()), param);
}

void Circuit::mark_output(GateId g) {
  check_operand(g);
  outputs_.push_back(g);
}

std::size_t Circuit::bytes() const {
  return gates_.size() * sizeof(Gate) + edges_.size() * sizeof(GateId) + outputs_.size() * sizeof(GateId);
}

void Circuit::reserve(std::size_t gates, std::size_t edges) {
  gates_.reserve(gates);
  edges_.reserve(edges);
}

}  // namespace parallax::circuits
