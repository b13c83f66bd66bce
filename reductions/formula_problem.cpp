// formula — the Boolean formula value problem: is a formula built from 0, 1,
// variables x0, x1, …, & (and), | (or), ! (not) and parentheses true, under
// the instance's assignment of bits to its variables? NC¹-complete under AC⁰
// reductions (Buss 1987). Without variables it is the formula value problem
// over constants; with them it is Barrington's setting, a formula read as a
// branching program over input bits.
//
// Syntax: `!` binds tightest, then `&`, then `|`; both binary operators are
// left-associative; spaces, tabs and newlines are ignored. The parser is a
// shunting-yard loop with explicit stacks and the formula is stored as a flat
// array of nodes (children before their parent), so parsing, evaluating and
// encoding never recurse: however deep the nesting, the C++ stack is safe.
//
// The reference solver evaluates that node array bottom-up, reading each
// variable's bit from the assignment; it knows no group theory.
//
// Reduction (Barrington 1989). Products of permutations are read left to
// right (x·y = first x, then y), as the word problems do. Fix the 5-cycle
// σ = (0 1 2 3 4). A σ-program for f is a sequence of elements of S5 whose
// product is σ when f is true and the identity e when f is false:
//   * 1 ↦ (σ), 0 ↦ (e), and a variable x_i ↦ the one instruction "σ if
//     x_i = 1, else e" (Barrington's program reads input bit i there);
//   * ¬f: multiply the last element by σ⁻¹ (the product becomes e or σ⁻¹),
//     then conjugate every element by a fixed δ with δ⁻¹σ⁻¹δ = σ (a product
//     of conjugates is the conjugate of the product): a σ-program for ¬f of
//     the same length;
//   * f ∧ g: fix 5-cycles α, β with αβα⁻¹β⁻¹ = σ (found by brute force over
//     S5; they exist because the commutator of suitable 5-cycles is a
//     5-cycle, and every 5-cycle is conjugate to σ). Conjugating a σ-program
//     P of f element-wise by γ_α (γ_α⁻¹σγ_α = α) gives an α-program P_α;
//     the reversed sequence of its inverses is an α⁻¹-program P_α⁻¹. Then
//     P_α · Q_β · P_α⁻¹ · Q_β⁻¹ multiplies to αβα⁻¹β⁻¹ = σ when f and g are
//     true, and to e as soon as one of them is false (a factor e makes the
//     other factor cancel with its inverse);
//   * f ∨ g = ¬(¬f ∧ ¬g).
// The steps act on the elements an instruction yields (both its 1- and its
// 0-element), so the program is one fixed sequence of instructions for the
// formula, each reading at most one bit, and its product under an
// assignment is σ or e as the formula is true or false there. The encoder
// substitutes the instance's assignment: the word is what the program yields
// for it, so the model reads one S5 element per instruction and never sees
// the formula or the bits themselves (they are the program's input, consumed
// by the reduction, as in Barrington's theorem).
// So |¬f| = |f|, |f ∧ g| = |f ∨ g| = 2|f| + 2|g|, and a balanced formula of
// depth D (2^D leaves) becomes a program of exactly 4^D elements. Appending
// σ⁻¹ gives a word of word:S5:all (one letter per element of S5, named in
// one-line notation) whose product is the identity iff f is true. Adjacent
// letters are deliberately not multiplied together: the word keeps the plain
// 4^D + 1 letters of the construction, so the reduction's blow-up shows in
// the experiments. The models are word:S5:all's (a PD-LRNN of width 120, or
// Householder reflections), which run the word in O(log n) parallel depth.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <optional>
#include <random>

#include "models/lrnn.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

// ---- formulas ----------------------------------------------------------------

enum class Op : std::uint8_t { False, True, Var, Not, And, Or };

struct Node {
  Op op = Op::False;
  std::uint32_t a = 0, b = 0;  ///< operand node indices (a for Not; a, b for And/Or); a is the index i of x_i for Var
};

/// The parsed formula: children come before their parent; the root is last.
using Formula = std::vector<Node>;

/// The bits of an assignment, bit i the value of x_i.
using Bits = std::vector<std::uint8_t>;

const char* const kField = "formula instance: field 'formula'";
const char* const kAssignment = "formula instance: field 'assignment'";

/// The most bits an assignment may have, and so the most variables (x0 …
/// x1048575): as many as the leaves of the longest formula encode builds a
/// word for, and small enough that an index never overflows.
constexpr std::size_t kMaxVariables = std::size_t{1} << 20;

std::string show_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

/// Parses `text`; ProblemError names the field and the 0-based character
/// position. `bits` is the assignment's size, which every variable's index
/// must be below; nullopt when the instance has no assignment (then a
/// variable is an error).
Formula parse(const std::string& text, std::optional<std::size_t> bits) {
  struct Pending {
    char op;          ///< '(', '!', '&' or '|'
    std::size_t pos;  ///< where it appears
  };
  Formula nodes;
  std::vector<std::uint32_t> operands;  // node indices
  std::vector<Pending> ops;
  auto error = [&](std::size_t pos, const std::string& what) {
    return ProblemError(fmt::format("{}: character {}: {}", kField, pos, what));
  };
  auto push = [&](Node n) {
    if (nodes.size() >= std::numeric_limits<std::uint32_t>::max())
      throw ProblemError(fmt::format("{}: too many nodes", kField));
    operands.push_back(static_cast<std::uint32_t>(nodes.size()));
    nodes.push_back(n);
  };
  auto apply = [&](char op) {  // the operands are there: the parser only reduces complete operands
    Node n;
    n.b = 0;
    if (op == '!') {
      n.op = Op::Not;
      n.a = operands.back();
      operands.pop_back();
    } else {
      n.op = op == '&' ? Op::And : Op::Or;
      n.b = operands.back();
      operands.pop_back();
      n.a = operands.back();
      operands.pop_back();
    }
    push(n);
  };
  auto precedence = [](char op) { return op == '!' ? 3 : op == '&' ? 2 : op == '|' ? 1 : 0; };
  // x<i>: the index follows the x directly, in decimal without leading zeros
  // (so each variable has one spelling); returns the position after it
  auto variable = [&](std::size_t i) {
    std::size_t end = i + 1, index = 0;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
      if (end > i + 1 && index == 0)
        throw error(i, fmt::format("variable '{}': write its index without leading zeros", text.substr(i, end + 1 - i)));
      index = index * 10 + static_cast<std::size_t>(text[end] - '0');
      if (index >= kMaxVariables) throw error(i, fmt::format("a variable's index must be below {}", kMaxVariables));
      ++end;
    }
    if (end == i + 1)
      throw error(i, end < text.size() ? fmt::format("expected a variable index after 'x', found {}", show_char(text[end]))
                                       : std::string("expected a variable index after 'x'"));
    if (!bits)
      throw error(i, fmt::format("variable x{} needs the instance's field 'assignment' (bit i is x_i), which is missing", index));
    if (index >= *bits)
      throw error(i, *bits == 0 ? fmt::format("variable x{}, but field 'assignment' is empty", index)
                                : fmt::format("variable x{}, but field 'assignment' has {} bit{} (x0 … x{})", index, *bits,
                                              *bits == 1 ? "" : "s", *bits - 1));
    push({Op::Var, static_cast<std::uint32_t>(index), 0});
    return end;
  };

  bool want_operand = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (want_operand) {
      if (c == '0' || c == '1') {
        push({c == '1' ? Op::True : Op::False, 0, 0});
        want_operand = false;
      } else if (c == 'x') {
        i = variable(i) - 1;
        want_operand = false;
      } else if (c == '!' || c == '(') {
        ops.push_back({c, i});
      } else {
        throw error(i, fmt::format("expected 0, 1, a variable x<i>, '!' or '(', found {}", show_char(c)));
      }
    } else if (c == '&' || c == '|') {
      while (!ops.empty() && precedence(ops.back().op) >= precedence(c)) {
        apply(ops.back().op);
        ops.pop_back();
      }
      ops.push_back({c, i});
      want_operand = true;
    } else if (c == ')') {
      while (!ops.empty() && ops.back().op != '(') {
        apply(ops.back().op);
        ops.pop_back();
      }
      if (ops.empty()) throw error(i, "')' without a matching '('");
      ops.pop_back();
    } else {
      throw error(i, fmt::format("expected '&', '|' or ')', found {}", show_char(c)));
    }
  }
  if (want_operand)
    throw error(text.size(), nodes.empty() && ops.empty() ? "the formula is empty"
                                                          : "the formula ends where 0, 1, a variable, '!' or '(' is expected");
  while (!ops.empty()) {
    if (ops.back().op == '(') throw error(ops.back().pos, "'(' is never closed");
    apply(ops.back().op);
    ops.pop_back();
  }
  return nodes;
}

bool evaluate(const Formula& f, const Bits& bits) {
  std::vector<std::uint8_t> v(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Node& n = f[i];
    switch (n.op) {
      case Op::False: v[i] = 0; break;
      case Op::True: v[i] = 1; break;
      case Op::Var: v[i] = bits[n.a]; break;
      case Op::Not: v[i] = !v[n.a]; break;
      case Op::And: v[i] = v[n.a] && v[n.b]; break;
      case Op::Or: v[i] = v[n.a] || v[n.b]; break;
    }
  }
  return v.back();
}

/// The field 'assignment': a string of 0 and 1, or an array of 0/1 or
/// false/true; bit i is x_i.
Bits read_assignment(const nlohmann::json& a) {
  Bits bits;
  if (a.is_string()) {
    const auto& s = a.get_ref<const std::string&>();
    if (s.size() > kMaxVariables) throw ProblemError(fmt::format("{}: {} bits, more than {}", kAssignment, s.size(), kMaxVariables));
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '0' && s[i] != '1')
        throw ProblemError(fmt::format("{}: character {}: expected 0 or 1, found {}", kAssignment, i, show_char(s[i])));
      bits.push_back(s[i] == '1');
    }
  } else if (a.is_array()) {
    if (a.size() > kMaxVariables) throw ProblemError(fmt::format("{}: {} bits, more than {}", kAssignment, a.size(), kMaxVariables));
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto& x = a[i];
      if (x.is_boolean()) {
        bits.push_back(x.get<bool>());
      } else if (x.is_number_integer() && (x == 0 || x == 1)) {
        bits.push_back(x == 1);
      } else {
        throw ProblemError(fmt::format("{}: element {}: expected 0, 1, false or true, found {}", kAssignment, i, x.dump()));
      }
    }
  } else {
    throw ProblemError(fmt::format("{}: expected a string of 0 and 1 (bit i is x_i, e.g. \"101\") or an array of 0/1 or "
                                   "false/true, found {}",
                                   kAssignment, a.type_name()));
  }
  return bits;
}

struct Read {
  Formula formula;
  Bits bits;  ///< the assignment; empty when the instance has none
};

/// The formula and assignment of an instance of `problem` ("formula" or
/// "formula:vars:K"); `vars` is K, the exact size formula:vars:K requires
/// of the assignment (0 for formula: any size, or none without variables).
Read read_formula(const Instance& in, const std::string& problem, std::size_t vars) {
  if (!in.is_object())
    throw ProblemError(fmt::format(
        R"(formula instance: expected a JSON object {{"problem": "{}", "formula": "<formula>", "assignment": "<bits>"}})", problem));
  if (in.contains("problem") && in["problem"] != problem)
    throw ProblemError(fmt::format("formula instance: field 'problem': instance of {}, expected \"{}\"", in["problem"].dump(), problem));
  if (!in.contains("formula")) throw ProblemError("formula instance: missing field 'formula'");
  if (!in["formula"].is_string())
    throw ProblemError(
        fmt::format("{}: expected a string over 0, 1, x<i>, &, |, !, ( and ), found {}", kField, in["formula"].type_name()));
  Read r;
  std::optional<std::size_t> bits;
  if (in.contains("assignment")) {
    r.bits = read_assignment(in["assignment"]);
    bits = r.bits.size();
  }
  if (vars != 0) {
    if (!bits) throw ProblemError(fmt::format("formula instance: missing field 'assignment' ({} bits, x0 … x{})", vars, vars - 1));
    if (*bits != vars)
      throw ProblemError(fmt::format("{}: {} bit{}, expected {} ({} assigns x0 … x{})", kAssignment, *bits, *bits == 1 ? "" : "s", vars,
                                     problem, vars - 1));
  }
  r.formula = parse(in["formula"].get<std::string>(), bits);
  return r;
}

// ---- S5 and Barrington's construction ----------------------------------------

/// S5 with its elements numbered 0..119 as models::s5_elements() numbers
/// them (lexicographic order of their one-line notation, 0 the identity),
/// and the constants of the construction.
struct Barrington {
  std::vector<std::string> names;  ///< one-line notation: the letters of word:S5:all
  std::array<std::array<std::uint8_t, 120>, 120> mul{};  ///< mul[x][y] = x then y
  std::array<std::uint8_t, 120> inv{};
  std::uint8_t sigma = 0, sigma_inv = 0;
  // element-wise maps: ¬ (conjugation by δ), the α- and β-conjugates and their inverses
  std::array<std::uint8_t, 120> neg{}, to_alpha{}, to_alpha_inv{}, to_beta{}, to_beta_inv{};

  static std::uint8_t index(const models::Perm& p) { return static_cast<std::uint8_t>(models::s5_index(p)); }
  std::uint8_t conj(std::uint8_t x, std::uint8_t g) const { return mul[mul[inv[g]][x]][g]; }  // g⁻¹ x g
  std::uint8_t conjugator(std::uint8_t from, std::uint8_t to) const {  // some g with g⁻¹·from·g = to
    for (std::uint8_t g = 0; g < 120; ++g)
      if (conj(from, g) == to) return g;
    throw std::logic_error("formula: no conjugator in S5");
  }
  bool is_five_cycle(std::uint8_t x) const {  // in S5 the elements of order 5 are the 5-cycles
    std::uint8_t y = x;
    for (int k = 1; k < 5; ++k) {
      if (y == 0) return false;
      y = mul[y][x];
    }
    return y == 0;
  }

  Barrington() {
    const auto& elements = models::s5_elements();
    for (const auto& p : elements) names.push_back(models::perm_name(p));
    for (std::size_t x = 0; x < 120; ++x)
      for (std::size_t y = 0; y < 120; ++y) {
        mul[x][y] = index(models::compose_perm(elements[y], elements[x]));
        if (mul[x][y] == 0) inv[x] = static_cast<std::uint8_t>(y);
      }
    sigma = index({1, 2, 3, 4, 0});
    sigma_inv = inv[sigma];
    // α, β: the first pair of 5-cycles (in element order) with αβα⁻¹β⁻¹ = σ
    std::uint8_t alpha = 0, beta = 0;
    bool found = false;
    for (std::uint8_t a = 0; a < 120 && !found; ++a)
      for (std::uint8_t b = 0; b < 120 && !found; ++b)
        if (is_five_cycle(a) && is_five_cycle(b) && mul[mul[mul[a][b]][inv[a]]][inv[b]] == sigma) alpha = a, beta = b, found = true;
    if (!found) throw std::logic_error("formula: no 5-cycles with a 5-cycle commutator");
    const std::uint8_t delta = conjugator(sigma_inv, sigma), ga = conjugator(sigma, alpha), gb = conjugator(sigma, beta);
    for (std::uint8_t x = 0; x < 120; ++x) {
      neg[x] = conj(x, delta);
      to_alpha[x] = conj(x, ga);
      to_alpha_inv[x] = inv[to_alpha[x]];
      to_beta[x] = conj(x, gb);
      to_beta_inv[x] = inv[to_beta[x]];
    }
  }
};

const Barrington& s5() {
  static const Barrington b;
  return b;
}

/// The word's letter count: 1 per constant, |¬f| = |f|, 2|f| + 2|g| per
/// binary gate, plus the final σ⁻¹; SIZE_MAX when it is more than 2^62.
std::size_t word_length(const Formula& f) {
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> len(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Node& n = f[i];
    if (n.op == Op::False || n.op == Op::True || n.op == Op::Var) {
      len[i] = 1;
    } else if (n.op == Op::Not) {
      len[i] = len[n.a];
    } else {
      const std::size_t a = len[n.a], b = len[n.b];
      len[i] = (a >= kMax / 4 || b >= kMax / 4) ? kMax : 2 * a + 2 * b;
    }
  }
  return len.back() == kMax ? kMax : len.back() + 1;
}

/// One instruction of a branching program over S5: it yields `one` when
/// input bit `var` is 1 and `zero` when it is 0; a constant's instruction
/// reads no bit (var = kNoVar, one = zero).
struct Instruction {
  static constexpr std::uint32_t kNoVar = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t var = kNoVar;
  std::uint8_t one = 0, zero = 0;
};

/// Barrington's σ-program of f as instructions, with σ⁻¹ appended. Every step
/// acts on both elements of an instruction, so the program does not depend
/// on the assignment; only what it yields does.
std::vector<Instruction> barrington_program(const Formula& f) {
  const Barrington& g = s5();
  std::vector<std::vector<Instruction>> prog(f.size());
  auto map = [](Instruction x, const std::array<std::uint8_t, 120>& m) {
    x.one = m[x.one], x.zero = m[x.zero];
    return x;
  };
  auto negate = [&](std::vector<Instruction>& p) {
    p.back().one = g.mul[p.back().one][g.sigma_inv];
    p.back().zero = g.mul[p.back().zero][g.sigma_inv];
    for (auto& x : p) x = map(x, g.neg);
  };
  auto both = [&](std::vector<Instruction>&& p, std::vector<Instruction>&& q) {
    std::vector<Instruction> r;
    r.reserve(2 * (p.size() + q.size()));
    for (auto x : p) r.push_back(map(x, g.to_alpha));
    for (auto x : q) r.push_back(map(x, g.to_beta));
    for (auto it = p.rbegin(); it != p.rend(); ++it) r.push_back(map(*it, g.to_alpha_inv));
    for (auto it = q.rbegin(); it != q.rend(); ++it) r.push_back(map(*it, g.to_beta_inv));
    p.clear(), p.shrink_to_fit(), q.clear(), q.shrink_to_fit();
    return r;
  };
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Node& n = f[i];
    switch (n.op) {
      case Op::False: prog[i] = {{Instruction::kNoVar, 0, 0}}; break;
      case Op::True: prog[i] = {{Instruction::kNoVar, g.sigma, g.sigma}}; break;
      case Op::Var: prog[i] = {{n.a, g.sigma, 0}}; break;
      case Op::Not:
        prog[i] = std::move(prog[n.a]);
        negate(prog[i]);
        break;
      case Op::And: prog[i] = both(std::move(prog[n.a]), std::move(prog[n.b])); break;
      case Op::Or:
        negate(prog[n.a]);
        negate(prog[n.b]);
        prog[i] = both(std::move(prog[n.a]), std::move(prog[n.b]));
        negate(prog[i]);
        break;
    }
  }
  std::vector<Instruction> program = std::move(prog.back());
  program.push_back({Instruction::kNoVar, g.sigma_inv, g.sigma_inv});
  return program;
}

/// What the program yields under `bits`: the word:S5:all word (letters =
/// element indices) whose product is the identity iff f is true there.
std::vector<std::uint32_t> barrington_word(const Formula& f, const Bits& bits) {
  const auto program = barrington_program(f);
  std::vector<std::uint32_t> word;
  word.reserve(program.size());
  for (const auto& x : program) word.push_back(x.var != Instruction::kNoVar && bits[x.var] ? x.one : x.zero);
  return word;
}

/// The longest word encode builds: a balanced formula of depth 10 (1024 leaves).
constexpr std::size_t kMaxWordLetters = (std::size_t{1} << 20) + 1;
/// The most leaves generate builds.
constexpr std::size_t kMaxLeaves = std::size_t{1} << 22;
/// The most variables formula:vars:K takes (K), like the other families' parameters.
constexpr std::size_t kMaxGeneratedVariables = 10000;

// ---- the generator -------------------------------------------------------------

struct GenNode {
  bool leaf = true, value = false, is_and = false, negated = false;
  bool is_var = false;  ///< a leaf x_var (formula:vars:K) rather than the constant `value`
  std::uint32_t a = 0, b = 0, var = 0;
};

/// A balanced random formula over `n` leaves (⌈n/2⌉ left, ⌊n/2⌋ right):
/// random AND/OR gates, a random negation on every node, and leaves that are
/// random constants (vars = 0) or variables drawn uniformly from x0 … x(vars−1).
std::uint32_t grow(std::vector<GenNode>& t, std::size_t n, std::mt19937_64& rng, std::size_t vars) {
  GenNode g;
  if (n == 1) {
    if (vars == 0) {
      g.value = rng() & 1;
    } else {
      g.is_var = true;
      g.var = std::uniform_int_distribution<std::uint32_t>(0, static_cast<std::uint32_t>(vars - 1))(rng);
    }
  } else {
    g.leaf = false;
    g.is_and = rng() & 1;
    g.a = grow(t, (n + 1) / 2, rng, vars);
    g.b = grow(t, n / 2, rng, vars);
  }
  g.negated = rng() & 1;
  t.push_back(g);
  return static_cast<std::uint32_t>(t.size() - 1);
}

/// Node values under `bits` (children come before parents; the root is last).
std::vector<std::uint8_t> values(const std::vector<GenNode>& t, const Bits& bits) {
  std::vector<std::uint8_t> v(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    const GenNode& g = t[i];
    const bool x = g.leaf ? (g.is_var ? bits[g.var] != 0 : g.value) : g.is_and ? (v[g.a] && v[g.b]) : (v[g.a] || v[g.b]);
    v[i] = x != g.negated;
  }
  return v;
}

void print(const std::vector<GenNode>& t, std::uint32_t i, std::string& out) {  // recursion depth ⌈log₂ n⌉
  if (t[i].negated) out += '!';
  if (t[i].leaf) {
    if (t[i].is_var)
      out += 'x' + std::to_string(t[i].var);
    else
      out += t[i].value ? '1' : '0';
    return;
  }
  out += '(';
  print(t, t[i].a, out);
  out += t[i].is_and ? '&' : '|';
  print(t, t[i].b, out);
  out += ')';
}

/// formula (vars = 0) and formula:vars:K (vars = K): the same formulas,
/// solver and constructions; formula:vars:K's instances assign exactly K
/// bits, and its generator builds formulas over those variables.
class FormulaProblem final : public Problem {
 public:
  FormulaProblem(std::string name, std::size_t vars) : vars_(vars), word_(make_word_problem("word:S5:all")) {
    info_.name = std::move(name);
    info_.family = "formula";
    info_.complexity = automata::ComplexityClass::NC1Complete;
    const std::string program =
        "by Barrington 1989 a formula becomes a width-5 permutation program over S5 whose product is a fixed 5-cycle iff "
        "it is true: a balanced formula of depth D becomes a word:S5:all word of exactly 4^D letters, plus 1 for the "
        "inverse 5-cycle";
    if (vars_ == 0) {
      info_.claim =
          "Boolean formula value (over 0, 1, &, |, ! and, with an assignment, variables x<i>) is NC1-complete (Buss 1987); " +
          program;
      info_.instance_format =
          R"({"problem": "formula", "formula": "<0, 1, x<i>, &, |, !, ( and ), e.g. ((1&0)|!(x0|x1))>", )"
          R"("assignment": "<bits, bit i is x_i, e.g. 01; required only when variables occur>"})";
    } else {
      info_.claim = fmt::format(
          "Boolean formula value over x0 ... x{} under an assignment is NC1-complete (Buss 1987); {}; each variable's "
          "instruction reads its input bit, and the reduction substitutes the assignment, so the model reads the word "
          "the program yields for it",
          vars_ - 1, program);
      info_.instance_format = fmt::format(
          R"({{"problem": "{}", "formula": "<0, 1, x0 ... x{}, &, |, !, ( and ), e.g. ((x0&x1)|!x{})>", "assignment": "<{} bits, bit i is x_i>"}})",
          info_.name, vars_ - 1, vars_ - 1, vars_);
    }
    // with variables the word is the program with the assignment's bits substituted
    const std::string what = vars_ == 0 ? "Barrington's S5 program" : "Barrington's S5 program, the assignment substituted,";
    info_.constructions = {
        {"pd", Architecture::Pd, what + " as a word:S5:all word (4^D + 1 letters at depth D), run by word:S5:all's "
                                        "PD-LRNN: one layer, width 120, exact 0/1 (Barrington 1989; Merrill et al. Thms 6-8)"},
        {"householder", Architecture::Dplr, what + " as a word:S5:all word (4^D + 1 letters at depth D), run by word:S5:all's "
                                                   "DPLR LRNN of Householder reflections (Grazzi et al.)"}};
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (n == 0) throw ProblemError(fmt::format("{}: n is the number of leaves, at least 1", info_.name));
    if (n > kMaxLeaves) throw ProblemError(fmt::format("{}: at most {} leaves, asked for {}", info_.name, kMaxLeaves, n));
    if (n == 1 && vars_ == 0) return {{"problem", "formula"}, {"formula", yes ? "1" : "0"}};
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(yes)};
    std::mt19937_64 rng(seq);
    // Rejection sampling gives the random balanced formula conditioned on its
    // value, so no surface feature separates the labels beyond what the value
    // itself implies. Every node's output is a uniform bit (a leaf's constant,
    // and an AND/OR gate's output, are each XORed with an independent fair
    // negation), so a try succeeds with probability 1/2: 64 tries fail with
    // probability 2^-64. The fallback then negates a uniformly random node to
    // which the root is sensitive (flipping its output flips the root's), so
    // the answer is not forced through the root's shape alone.
    // With variables, each try draws the assignment too (uniform bits), so
    // the pair (formula, assignment) is conditioned on its value as a whole:
    // a leaf's output is then its variable's bit XOR a fair negation, still
    // uniform, and so is the root's.
    std::vector<GenNode> t;
    Bits bits;
    for (int attempt = 0; attempt < 64; ++attempt) {
      t.clear();
      bits.assign(vars_, 0);
      for (auto& b : bits) b = rng() & 1;
      grow(t, n, rng, vars_);
      if ((values(t, bits).back() != 0) == yes) return render(t, bits);
    }
    const auto v = values(t, bits);
    std::vector<std::uint8_t> sensitive(t.size(), 0);
    std::vector<std::uint32_t> candidates;
    sensitive.back() = 1;
    for (std::size_t i = t.size(); i-- > 0;) {  // parents come after children: walk down from the root
      if (!sensitive[i]) continue;
      candidates.push_back(static_cast<std::uint32_t>(i));
      if (t[i].leaf) continue;
      // AND passes a child's flip on iff the sibling's output is 1, OR iff it is 0
      const std::uint8_t pass = t[i].is_and ? 1 : 0;
      sensitive[t[i].a] = v[t[i].b] == pass;
      sensitive[t[i].b] = v[t[i].a] == pass;
    }
    t[candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(rng)]].negated ^= true;
    return render(t, bits);
  }

  void validate(const Instance& in) const override { (void)read_formula(in, info_.name, vars_); }
  bool solve(const Instance& in) const override {
    const Read r = read_formula(in, info_.name, vars_);
    return evaluate(r.formula, r.bits);
  }

  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const Read r = read_formula(in, info_.name, vars_);
    const std::size_t letters = word_length(r.formula);
    if (letters > kMaxWordLetters)
      throw ProblemError(fmt::format("{}: its Barrington word would have {} letters, above the limit of {} (a balanced formula "
                                     "of depth D has 4^D + 1; depth 10 is the most)",
                                     kField, letters == std::numeric_limits<std::size_t>::max() ? std::string("more than 2^62")
                                                                                                 : std::to_string(letters),
                                     kMaxWordLetters));
    const auto word = barrington_word(r.formula, r.bits);
    return word_->encode(word_instance("word:S5:all", s5().names, word), construction);
  }

 private:
  Instance render(const std::vector<GenNode>& t, const Bits& bits) const {
    std::string s;
    print(t, static_cast<std::uint32_t>(t.size() - 1), s);
    if (vars_ == 0) return {{"problem", "formula"}, {"formula", s}};
    std::string a;
    for (auto b : bits) a += b ? '1' : '0';
    return {{"problem", info_.name}, {"formula", s}, {"assignment", a}};
  }

  std::size_t vars_;  ///< K of formula:vars:K; 0 for formula
  ProblemInfo info_;
  std::unique_ptr<Problem> word_;  ///< word:S5:all, whose models run the Barrington word
};

}  // namespace

/// The number of letters of the Barrington word of `formula` (the σ-program
/// plus σ⁻¹): 4^D + 1 for a balanced formula of depth D; SIZE_MAX when it is
/// more than 2^62. ProblemError on a syntax error.
/// Variables x<i> are allowed with any index.
std::size_t formula_word_length(const std::string& formula) { return word_length(parse(formula, kMaxVariables)); }

std::unique_ptr<Problem> make_formula_problem(const std::string& name) {
  if (name == "formula") return std::make_unique<FormulaProblem>(name, 0);
  if (!name.starts_with("formula:")) return nullptr;
  const std::string digits = name.starts_with("formula:vars:") ? name.substr(13) : std::string();
  std::size_t k = 0;
  if (digits.empty() || digits.size() > 5 || digits[0] == '0' || digits.find_first_not_of("0123456789") != std::string::npos ||
      (k = std::stoul(digits)) < 1 || k > kMaxGeneratedVariables)
    throw ProblemError(fmt::format("problem '{}': expected formula or formula:vars:K with K from 1 to {}", name, kMaxGeneratedVariables));
  return std::make_unique<FormulaProblem>(name, k);
}

}  // namespace parallax::reductions
