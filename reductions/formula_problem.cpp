// formula — the Boolean formula value problem over constants: is a formula
// built from 0, 1, & (and), | (or), ! (not) and parentheses true?
// NC¹-complete under AC⁰ reductions (Buss 1987).
//
// Syntax: `!` binds tightest, then `&`, then `|`; both binary operators are
// left-associative; spaces, tabs and newlines are ignored. The parser is a
// shunting-yard loop with explicit stacks and the formula is stored as a flat
// array of nodes (children before their parent), so parsing, evaluating and
// encoding never recurse: however deep the nesting, the C++ stack is safe.
//
// The reference solver evaluates that node array bottom-up; it knows no
// group theory.
//
// Reduction (Barrington 1989). Products of permutations are read left to
// right (x·y = first x, then y), as the word problems do. Fix the 5-cycle
// σ = (0 1 2 3 4). A σ-program for f is a sequence of elements of S5 whose
// product is σ when f is true and the identity e when f is false:
//   * 1 ↦ (σ), 0 ↦ (e);
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
#include <random>

#include "models/lrnn.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

// ---- formulas ----------------------------------------------------------------

enum class Op : std::uint8_t { False, True, Not, And, Or };

struct Node {
  Op op = Op::False;
  std::uint32_t a = 0, b = 0;  ///< operand node indices (a for Not; a, b for And/Or)
};

/// The parsed formula: children come before their parent; the root is last.
using Formula = std::vector<Node>;

const char* const kField = "formula instance: field 'formula'";

std::string show_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

/// Parses `text`; ProblemError names the field and the 0-based character position.
Formula parse(const std::string& text) {
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

  bool want_operand = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (want_operand) {
      if (c == '0' || c == '1') {
        push({c == '1' ? Op::True : Op::False, 0, 0});
        want_operand = false;
      } else if (c == '!' || c == '(') {
        ops.push_back({c, i});
      } else {
        throw error(i, fmt::format("expected 0, 1, '!' or '(', found {}", show_char(c)));
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
                                                          : "the formula ends where 0, 1, '!' or '(' is expected");
  while (!ops.empty()) {
    if (ops.back().op == '(') throw error(ops.back().pos, "'(' is never closed");
    apply(ops.back().op);
    ops.pop_back();
  }
  return nodes;
}

bool evaluate(const Formula& f) {
  std::vector<std::uint8_t> v(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Node& n = f[i];
    switch (n.op) {
      case Op::False: v[i] = 0; break;
      case Op::True: v[i] = 1; break;
      case Op::Not: v[i] = !v[n.a]; break;
      case Op::And: v[i] = v[n.a] && v[n.b]; break;
      case Op::Or: v[i] = v[n.a] || v[n.b]; break;
    }
  }
  return v.back();
}

Formula read_formula(const Instance& in) {
  if (!in.is_object())
    throw ProblemError(R"(formula instance: expected a JSON object {"problem": "formula", "formula": "<formula>"})");
  if (in.contains("problem") && in["problem"] != "formula")
    throw ProblemError(fmt::format("formula instance: field 'problem': instance of {}, expected \"formula\"", in["problem"].dump()));
  if (!in.contains("formula")) throw ProblemError("formula instance: missing field 'formula'");
  if (!in["formula"].is_string())
    throw ProblemError(fmt::format("{}: expected a string over 0, 1, &, |, !, ( and ), found {}", kField, in["formula"].type_name()));
  return parse(in["formula"].get<std::string>());
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
    if (n.op == Op::False || n.op == Op::True) {
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

/// The σ-program of f (letters = element indices), with σ⁻¹ appended.
std::vector<std::uint8_t> barrington_word(const Formula& f) {
  const Barrington& g = s5();
  std::vector<std::vector<std::uint8_t>> prog(f.size());
  auto negate = [&](std::vector<std::uint8_t>& p) {
    p.back() = g.mul[p.back()][g.sigma_inv];
    for (auto& x : p) x = g.neg[x];
  };
  auto both = [&](std::vector<std::uint8_t>&& p, std::vector<std::uint8_t>&& q) {
    std::vector<std::uint8_t> r;
    r.reserve(2 * (p.size() + q.size()));
    for (auto x : p) r.push_back(g.to_alpha[x]);
    for (auto x : q) r.push_back(g.to_beta[x]);
    for (auto it = p.rbegin(); it != p.rend(); ++it) r.push_back(g.to_alpha_inv[*it]);
    for (auto it = q.rbegin(); it != q.rend(); ++it) r.push_back(g.to_beta_inv[*it]);
    p.clear(), p.shrink_to_fit(), q.clear(), q.shrink_to_fit();
    return r;
  };
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Node& n = f[i];
    switch (n.op) {
      case Op::False: prog[i] = {0}; break;
      case Op::True: prog[i] = {g.sigma}; break;
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
  std::vector<std::uint8_t> word = std::move(prog.back());
  word.push_back(g.sigma_inv);
  return word;
}

/// The longest word encode builds: a balanced formula of depth 10 (1024 leaves).
constexpr std::size_t kMaxWordLetters = (std::size_t{1} << 20) + 1;
/// The most leaves generate builds.
constexpr std::size_t kMaxLeaves = std::size_t{1} << 22;

// ---- the generator -------------------------------------------------------------

struct GenNode {
  bool leaf = true, value = false, is_and = false, negated = false;
  std::uint32_t a = 0, b = 0;
};

/// A balanced random formula over `n` leaves (⌈n/2⌉ left, ⌊n/2⌋ right):
/// random AND/OR gates, a random negation on every node, random constants.
std::uint32_t grow(std::vector<GenNode>& t, std::size_t n, std::mt19937_64& rng) {
  GenNode g;
  if (n == 1) {
    g.value = rng() & 1;
  } else {
    g.leaf = false;
    g.is_and = rng() & 1;
    g.a = grow(t, (n + 1) / 2, rng);
    g.b = grow(t, n / 2, rng);
  }
  g.negated = rng() & 1;
  t.push_back(g);
  return static_cast<std::uint32_t>(t.size() - 1);
}

/// Node values (children come before parents; the root is last).
std::vector<std::uint8_t> values(const std::vector<GenNode>& t) {
  std::vector<std::uint8_t> v(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool x = t[i].leaf ? t[i].value : t[i].is_and ? (v[t[i].a] && v[t[i].b]) : (v[t[i].a] || v[t[i].b]);
    v[i] = x != t[i].negated;
  }
  return v;
}

void print(const std::vector<GenNode>& t, std::uint32_t i, std::string& out) {  // recursion depth ⌈log₂ n⌉
  if (t[i].negated) out += '!';
  if (t[i].leaf) {
    out += t[i].value ? '1' : '0';
    return;
  }
  out += '(';
  print(t, t[i].a, out);
  out += t[i].is_and ? '&' : '|';
  print(t, t[i].b, out);
  out += ')';
}

class FormulaProblem final : public Problem {
 public:
  FormulaProblem() : word_(make_word_problem("word:S5:all")) {
    info_.name = info_.family = "formula";
    info_.complexity = automata::ComplexityClass::NC1Complete;
    info_.claim =
        "Boolean formula value over constants (0, 1, &, |, !) is NC1-complete (Buss 1987); by Barrington 1989 a formula "
        "becomes a width-5 permutation program over S5 whose product is a fixed 5-cycle iff it is true: a balanced "
        "formula of depth D becomes a word:S5:all word of exactly 4^D letters, plus 1 for the inverse 5-cycle";
    info_.instance_format = R"({"problem": "formula", "formula": "<0, 1, &, |, !, ( and ), e.g. ((1&0)|!(0|1))>"})";
    info_.constructions = {
        {"pd", Architecture::Pd, "Barrington's S5 program as a word:S5:all word (4^D + 1 letters at depth D), run by word:S5:all's "
                                 "PD-LRNN: one layer, width 120, exact 0/1 (Barrington 1989; Merrill et al. Thms 6-8)"},
        {"householder", Architecture::Dplr, "Barrington's S5 program as a word:S5:all word (4^D + 1 letters at depth D), run by word:S5:all's "
                                            "DPLR LRNN of Householder reflections (Grazzi et al.)"}};
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (n == 0) throw ProblemError("formula: n is the number of leaves, at least 1");
    if (n > kMaxLeaves) throw ProblemError(fmt::format("formula: at most {} leaves, asked for {}", kMaxLeaves, n));
    if (n == 1) return {{"problem", "formula"}, {"formula", yes ? "1" : "0"}};
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
    std::vector<GenNode> t;
    for (int attempt = 0; attempt < 64; ++attempt) {
      t.clear();
      grow(t, n, rng);
      if ((values(t).back() != 0) == yes) return render(t);
    }
    const auto v = values(t);
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
    return render(t);
  }

  void validate(const Instance& in) const override { (void)read_formula(in); }
  bool solve(const Instance& in) const override { return evaluate(read_formula(in)); }

  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const Formula f = read_formula(in);
    const std::size_t letters = word_length(f);
    if (letters > kMaxWordLetters)
      throw ProblemError(fmt::format("{}: its Barrington word would have {} letters, above the limit of {} (a balanced formula "
                                     "of depth D has 4^D + 1; depth 10 is the most)",
                                     kField, letters == std::numeric_limits<std::size_t>::max() ? std::string("more than 2^62")
                                                                                                 : std::to_string(letters),
                                     kMaxWordLetters));
    const auto word8 = barrington_word(f);
    const std::vector<std::uint32_t> word(word8.begin(), word8.end());
    return word_->encode(word_instance("word:S5:all", s5().names, word), construction);
  }

 private:
  static Instance render(const std::vector<GenNode>& t) {
    std::string s;
    print(t, static_cast<std::uint32_t>(t.size() - 1), s);
    return {{"problem", "formula"}, {"formula", s}};
  }

  ProblemInfo info_;
  std::unique_ptr<Problem> word_;  ///< word:S5:all, whose models run the Barrington word
};

}  // namespace

/// The number of letters of the Barrington word of `formula` (the σ-program
/// plus σ⁻¹): 4^D + 1 for a balanced formula of depth D; SIZE_MAX when it is
/// more than 2^62. ProblemError on a syntax error.
std::size_t formula_word_length(const std::string& formula) { return word_length(parse(formula)); }

std::unique_ptr<Problem> make_formula_problem(const std::string& name) {
  if (name == "formula") return std::make_unique<FormulaProblem>();
  return nullptr;
}

}  // namespace parallax::reductions
