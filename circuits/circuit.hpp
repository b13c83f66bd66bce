#pragma once
// Circuit IR: a topologically ordered DAG of gates. Gate i reads only gates
// with smaller ids, so one forward pass evaluates or measures a circuit.
//
// Storage is flat: a Gate is 16 bytes (kind, fan-in, offset of its operands
// in one shared edge array, and a parameter), operands are 4-byte gate ids,
// and rational constants live in a side table. A circuit of g gates with e
// edges takes 16·g + 4·e bytes plus its constants.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "numeric/enum_names.hpp"
#include "numeric/exact.hpp"

namespace parallax::circuits {

using GateId = std::uint32_t;

enum class GateKind : std::uint8_t {
  Input,      ///< parameter = input index
  Const,      ///< parameter = index into the constant table
  Add,        ///< a + b
  Sub,        ///< a − b
  Neg,        ///< −a
  Mul,        ///< a · b
  Positive,   ///< 1 if a > 0 else 0 (the sign / positivity test)
  Relu,       ///< max(a, 0)
  Max,        ///< max of its operands (fan-in ≥ 2; unbounded fan-in when > 2)
  And,        ///< Boolean, fan-in ≥ 2
  Or,         ///< Boolean, fan-in ≥ 2
  Not,        ///< Boolean
  Xor,        ///< Boolean, fan-in ≥ 2
  Sum,        ///< unbounded fan-in Σ
  Product,    ///< unbounded fan-in Π
  Threshold,  ///< 1 if at least `parameter` operands are 1 (Boolean operands)
  Majority,   ///< 1 if more than half of the operands are 1
  // Word operations of transformer circuits (circuits/transformer_circuit.hpp).
  // Each is in TC⁰ on p-bit numbers: division and iterated multiplication
  // are (Hesse, Allender & Barrington 2002), and exp and √ to p bits are
  // truncated series / Newton iterations of constantly many such steps.
  Div,        ///< a / b
  Exp,        ///< e^a
  Sqrt,       ///< √a
  Ge,         ///< 1 if a ≥ b else 0 (compared without rounding a − b)
};
inline constexpr int kGateKinds = 21;
/// The names circuit files and reports give the kinds.
inline constexpr numeric::EnumName<GateKind> kGateKindNames[] = {
    {GateKind::Input, "input"},
    {GateKind::Const, "const"},
    {GateKind::Add, "add"},
    {GateKind::Sub, "sub"},
    {GateKind::Neg, "neg"},
    {GateKind::Mul, "mul"},
    {GateKind::Positive, "positive"},
    {GateKind::Relu, "relu"},
    {GateKind::Max, "max"},
    {GateKind::And, "and"},
    {GateKind::Or, "or"},
    {GateKind::Not, "not"},
    {GateKind::Xor, "xor"},
    {GateKind::Sum, "sum"},
    {GateKind::Product, "product"},
    {GateKind::Threshold, "threshold"},
    {GateKind::Majority, "majority"},
    {GateKind::Div, "div"},
    {GateKind::Exp, "exp"},
    {GateKind::Sqrt, "sqrt"},
    {GateKind::Ge, "ge"}};

/// Gate families, the granularity at which circuit classes differ.
enum class Family : std::uint8_t { Input, Arithmetic, Comparison, Boolean, Threshold };

const char* to_string(GateKind k);
const char* to_string(Family f);
Family family_of(GateKind k);
/// Whether the kind takes any number of operands (Sum, Product, Threshold,
/// Majority; And, Or, Xor and Max with more than two operands count as
/// unbounded fan-in gates too, see metrics).
bool is_unbounded_kind(GateKind k);

struct Gate {
  GateKind kind;
  std::uint8_t reserved = 0;
  std::uint16_t reserved2 = 0;
  std::uint32_t fanin;   ///< number of operands
  std::uint32_t first;   ///< operands are edges()[first … first + fanin)
  std::uint32_t param;   ///< input index, constant index or threshold k
};
static_assert(sizeof(Gate) == 16, "a gate is 16 bytes");

class Circuit {
 public:
  GateId input();  ///< the next input (inputs are numbered in creation order)
  GateId constant(const numeric::Exact& value);
  GateId add(GateId a, GateId b) { return binary(GateKind::Add, a, b); }
  GateId sub(GateId a, GateId b) { return binary(GateKind::Sub, a, b); }
  GateId mul(GateId a, GateId b) { return binary(GateKind::Mul, a, b); }
  GateId max(GateId a, GateId b) { return binary(GateKind::Max, a, b); }
  GateId div(GateId a, GateId b) { return binary(GateKind::Div, a, b); }
  GateId ge(GateId a, GateId b) { return binary(GateKind::Ge, a, b); }
  GateId exp(GateId a) { return unary(GateKind::Exp, a); }
  GateId sqrt(GateId a) { return unary(GateKind::Sqrt, a); }
  GateId neg(GateId a) { return unary(GateKind::Neg, a); }
  GateId positive(GateId a) { return unary(GateKind::Positive, a); }
  GateId relu(GateId a) { return unary(GateKind::Relu, a); }
  GateId bnot(GateId a) { return unary(GateKind::Not, a); }
  GateId band(GateId a, GateId b) { return binary(GateKind::And, a, b); }
  GateId bor(GateId a, GateId b) { return binary(GateKind::Or, a, b); }
  GateId bxor(GateId a, GateId b) { return binary(GateKind::Xor, a, b); }
  /// Any kind with any operands (unbounded fan-in gates, n-ary Boolean gates).
  GateId gate(GateKind kind, const std::vector<GateId>& operands, std::uint32_t param = 0);
  GateId sum(const std::vector<GateId>& xs) { return gate(GateKind::Sum, xs); }
  GateId product(const std::vector<GateId>& xs) { return gate(GateKind::Product, xs); }
  GateId threshold(const std::vector<GateId>& xs, std::uint32_t k) { return gate(GateKind::Threshold, xs, k); }
  GateId majority(const std::vector<GateId>& xs) { return gate(GateKind::Majority, xs); }

  void mark_output(GateId g);

  std::size_t size() const { return gates_.size(); }
  std::size_t num_inputs() const { return inputs_; }
  const Gate& operator[](GateId g) const { return gates_[g]; }
  const std::vector<Gate>& gates() const { return gates_; }
  const std::vector<GateId>& edges() const { return edges_; }
  const std::vector<GateId>& outputs() const { return outputs_; }
  const std::vector<numeric::Exact>& constants() const { return constants_; }
  /// Operands of gate g.
  const GateId* operands(GateId g) const { return edges_.data() + gates_[g].first; }
  /// Bytes held by gates, edges and outputs (constants excluded).
  std::size_t bytes() const;
  void reserve(std::size_t gates, std::size_t edges);

 private:
  GateId binary(GateKind k, GateId a, GateId b);
  GateId unary(GateKind k, GateId a);
  GateId push(GateKind k, std::uint32_t fanin, std::uint32_t param);
  void check_operand(GateId g) const;

  std::vector<Gate> gates_;
  std::vector<GateId> edges_;
  std::vector<GateId> outputs_;
  std::vector<numeric::Exact> constants_;
  std::size_t inputs_ = 0;
};

}  // namespace parallax::circuits
