#pragma once
// Evaluation of a circuit over any scalar type of the numeric module (exact
// rationals included) and over bits. Boolean and threshold gates read an
// operand as true when it is nonzero and produce 0 or 1.
//
// Every gate rounds once, as the scalar type's operation does; Sum and Product
// fold their operands left to right (((x₀ + x₁) + x₂) + …), so a circuit built
// in the order a model evaluates reproduces it bit for bit. Comparisons (Max,
// Ge) compare without rounding a difference. Exp and Sqrt use the numeric
// module's exp_of / sqrt_of (numeric/exp_sqrt.hpp); on types without them
// (exact rationals, fixed point) they throw std::domain_error.
#include <stdexcept>
#include <string>
#include <vector>

#include "circuits/circuit.hpp"
#include "numeric/exp_sqrt.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::circuits {

/// The values of every gate for the given inputs (one per input gate).
template <class T>
std::vector<T> evaluate_all(const Circuit& c, const std::vector<T>& inputs) {
  if (inputs.size() != c.num_inputs())
    throw std::invalid_argument("circuit evaluation: " + std::to_string(inputs.size()) + " inputs given, the circuit has " +
                                std::to_string(c.num_inputs()));
  std::vector<T> v;
  v.reserve(c.size());
  const T zero = numeric::zero<T>(), one = numeric::one<T>();
  auto truth = [](const T& x) {
    const auto s = numeric::sign(x);
    if (s == numeric::Sign::Unknown) throw std::domain_error("circuit evaluation: the truth of an operand cannot be decided");
    return s != numeric::Sign::Zero;
  };
  for (GateId g = 0; g < c.size(); ++g) {
    const Gate& G = c[g];
    const GateId* op = c.operands(g);
    switch (G.kind) {
      case GateKind::Input: v.push_back(inputs[G.param]); break;
      case GateKind::Const: v.push_back(numeric::from_exact<T>(c.constants()[G.param])); break;
      case GateKind::Add: v.push_back(v[op[0]] + v[op[1]]); break;
      case GateKind::Sub: v.push_back(v[op[0]] - v[op[1]]); break;
      case GateKind::Neg: v.push_back(-v[op[0]]); break;
      case GateKind::Mul: v.push_back(v[op[0]] * v[op[1]]); break;
      case GateKind::Positive: {
        const auto s = numeric::sign(v[op[0]]);
        if (s == numeric::Sign::Unknown) throw std::domain_error("circuit evaluation: a positivity test cannot be decided");
        v.push_back(s == numeric::Sign::Positive ? one : zero);
        break;
      }
      case GateKind::Relu: v.push_back(numeric::sign(v[op[0]]) == numeric::Sign::Positive ? v[op[0]] : zero); break;
      case GateKind::Max: {
        // the first operand attaining the maximum (ties keep the earlier one)
        std::uint32_t best = 0;
        for (std::uint32_t i = 1; i < G.fanin; ++i) {
          const auto s = numeric::compare_values(v[op[i]], v[op[best]]);
          if (s == numeric::Sign::Unknown) throw std::domain_error("circuit evaluation: a max gate cannot be decided");
          if (s == numeric::Sign::Positive) best = i;
        }
        v.push_back(v[op[best]]);
        break;
      }
      case GateKind::Ge: {
        const auto s = numeric::compare_values(v[op[0]], v[op[1]]);
        if (s == numeric::Sign::Unknown) throw std::domain_error("circuit evaluation: a ge (a >= b) test cannot be decided");
        v.push_back(s == numeric::Sign::Negative ? zero : one);
        break;
      }
      case GateKind::Div: v.push_back(v[op[0]] / v[op[1]]); break;
      case GateKind::Exp:
      case GateKind::Sqrt: {
        if constexpr (numeric::has_exp_sqrt_v<T>) {
          v.push_back(G.kind == GateKind::Exp ? numeric::exp_of(v[op[0]]) : numeric::sqrt_of(v[op[0]]));
        } else {
          throw std::domain_error(std::string("circuit evaluation: gate ") + std::to_string(g) + " is an " +
                                  to_string(G.kind) + " gate, which the scalar type " + numeric::scalar_name<T>() +
                                  " cannot evaluate (use a float or interval precision)");
        }
        break;
      }
      case GateKind::Not: v.push_back(truth(v[op[0]]) ? zero : one); break;
      case GateKind::And:
      case GateKind::Or:
      case GateKind::Xor:
      case GateKind::Threshold:
      case GateKind::Majority: {
        std::uint32_t ones = 0;
        for (std::uint32_t i = 0; i < G.fanin; ++i) ones += truth(v[op[i]]);
        bool r = false;
        switch (G.kind) {
          case GateKind::And: r = ones == G.fanin; break;
          case GateKind::Or: r = ones > 0; break;
          case GateKind::Xor: r = ones % 2 == 1; break;
          case GateKind::Threshold: r = ones >= G.param; break;
          default: r = 2 * ones > G.fanin; break;
        }
        v.push_back(r ? one : zero);
        break;
      }
      case GateKind::Sum: {
        T acc = v[op[0]];
        for (std::uint32_t i = 1; i < G.fanin; ++i) acc = acc + v[op[i]];
        v.push_back(acc);
        break;
      }
      case GateKind::Product: {
        T acc = v[op[0]];
        for (std::uint32_t i = 1; i < G.fanin; ++i) acc = acc * v[op[i]];
        v.push_back(acc);
        break;
      }
    }
  }
  return v;
}

/// The output values, in mark_output order.
template <class T>
std::vector<T> evaluate(const Circuit& c, const std::vector<T>& inputs) {
  const auto v = evaluate_all(c, inputs);
  std::vector<T> out;
  for (GateId g : c.outputs()) out.push_back(v[g]);
  return out;
}

/// A circuit of Boolean and threshold gates (plus constants 0 / 1) on bits.
/// Throws std::invalid_argument on an arithmetic or comparison gate.
std::vector<bool> evaluate_bits(const Circuit& c, const std::vector<bool>& inputs);

}  // namespace parallax::circuits
