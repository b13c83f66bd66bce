// The formula problem: parser errors, the reference solver, Barrington's
// S5 program (its product, checked here with separate permutation code), its
// 4^D + 1 length, the PD-LRNN's decisions, and the generator's labels; then
// the same with variables and an assignment (formula, formula:vars:K).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "problem_errors.hpp"
#include "experiment/sweep.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {
std::size_t formula_word_length(const std::string& formula);
}

using namespace parallax;

namespace {

// ---- a separate S5: one-line notation, products read left to right ----

using P5 = std::array<int, 5>;

P5 from_name(const std::string& s) {
  P5 p{};
  std::array<bool, 5> seen{};
  bool ok = s.size() == 5;
  for (std::size_t i = 0; ok && i < 5; ++i) {
    p[i] = s[i] - '0';
    ok = p[i] >= 0 && p[i] < 5 && !seen[static_cast<std::size_t>(p[i])];
    if (ok) seen[static_cast<std::size_t>(p[i])] = true;
  }
  if (!ok) FAIL("'" << s << "' is not a permutation of 0..4 in one-line notation");
  return p;
}

/// The product of the encoded word (first letter first), read through the model's own letter names.
P5 product(const reductions::Encoding& enc) {
  P5 r{0, 1, 2, 3, 4};
  const auto& names = std::get<models::LrnnSpec>(enc.model->model).alphabet;
  for (auto t : enc.tokens) {
    if (t >= names.size()) FAIL("token " << t << " is not a letter");
    const P5 g = from_name(names[t]);
    P5 next{};
    for (int i = 0; i < 5; ++i) next[i] = g[r[i]];
    r = next;
  }
  return r;
}

bool is_identity(const P5& p) { return p == P5{0, 1, 2, 3, 4}; }

reductions::Instance inst(const std::string& f) { return {{"problem", "formula"}, {"formula", f}}; }

struct TF {
  std::string text;
  bool value;
};

/// Every formula with k leaves: all shapes, & and | gates, an optional ! on every node, constants 0/1.
std::vector<TF> all_formulas(int k) {
  std::vector<TF> out;
  if (k == 1) {
    for (bool neg : {false, true})
      for (bool c : {false, true}) out.push_back({std::string(neg ? "!" : "") + (c ? "1" : "0"), c != neg});
    return out;
  }
  for (int l = 1; l < k; ++l) {
    const auto left = all_formulas(l), right = all_formulas(k - l);
    for (const auto& a : left)
      for (const auto& b : right)
        for (bool is_and : {false, true})
          for (bool neg : {false, true}) {
            const bool v = is_and ? (a.value && b.value) : (a.value || b.value);
            out.push_back({std::string(neg ? "!" : "") + "(" + a.text + (is_and ? "&" : "|") + b.text + ")", v != neg});
          }
  }
  return out;
}

/// A random formula over `leaves` leaves: balanced, or split at random; optional spaces.
TF random_formula(std::size_t leaves, bool balanced, std::mt19937_64& rng) {
  const std::string sp = rng() % 4 == 0 ? " " : "";
  TF f;
  if (leaves == 1) {
    const bool c = rng() & 1;
    f = {std::string(c ? "1" : "0"), c};
  } else {
    const std::size_t l = balanced ? leaves / 2 : 1 + rng() % (leaves - 1);
    const TF a = random_formula(l, balanced, rng), b = random_formula(leaves - l, balanced, rng);
    const bool is_and = rng() & 1;
    f = {"(" + sp + a.text + sp + (is_and ? "&" : "|") + sp + b.text + sp + ")",
         is_and ? (a.value && b.value) : (a.value || b.value)};
  }
  for (std::size_t n = rng() % 3; n-- > 0;) f = {"!" + sp + f.text, !f.value};
  return f;
}

using parallax_test::validation_error;

std::size_t pow4(int d) { return std::size_t{1} << (2 * d); }

}  // namespace

TEST_CASE("formula: syntax errors name the field and the character position", "[quick][errors][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  REQUIRE(p);
  const std::vector<std::pair<std::string, std::size_t>> bad = {
      {"", 0}, {"   ", 3}, {"1&", 2}, {"1&x", 2}, {"(1|0", 0}, {"1|0)", 3}, {"10", 1}, {"( 1 & ) ", 6},
      {"!!", 2}, {"1 & 0 !", 6}, {"((1)", 0}, {"(1))&0", 3}, {"1 && 0", 3}, {"()", 1}, {"1|2", 2}};
  for (const auto& [text, pos] : bad) {
    INFO(text);
    const std::string m = validation_error(*p, inst(text));
    CHECK(m.find("field 'formula'") != std::string::npos);
    CHECK(m.find("character " + std::to_string(pos) + ":") != std::string::npos);
    CHECK_THROWS_AS(p->solve(inst(text)), reductions::ProblemError);
    CHECK_THROWS_AS(reductions::formula_word_length(text), reductions::ProblemError);
  }
  CHECK(validation_error(*p, {{"formula", 5}}).find("field 'formula'") != std::string::npos);
  CHECK(validation_error(*p, {{"formla", "1"}}).find("'formula'") != std::string::npos);
  CHECK(validation_error(*p, {{"problem", "cvp"}, {"formula", "1"}}).find("'problem'") != std::string::npos);
  CHECK(validation_error(*p, nlohmann::json::array()).find("object") != std::string::npos);
  CHECK(validation_error(*p, {{"formula", " ( 1\t&\n0 ) "}, {"id", 7}}) == "accepted");
  CHECK_FALSE(reductions::make_formula_problem("word:S5"));
  CHECK_THROWS_AS(p->encode(inst("1"), "relu-rnn"), reductions::ProblemError);
  CHECK_THROWS_AS(p->generate(0, 1, true), reductions::ProblemError);
}

TEST_CASE("formula: the reference solver on hand-checked formulas", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  const std::vector<std::pair<std::string, bool>> cases = {
      {"1", true},           {"0", false},         {"!0", true},           {"!!1", true},
      {"((1&0)|!(0|1))", false},                   {"((1&1)|!(0|0))", true}, {"1|0&0", true},  // & binds tighter than |
      {"0&0|1", true},       {"!1|1", true},       {"!(1|1)", false},      {"!0&0", false},   // ! binds tightest
      {"1&0|0&1", false},    {" 1 & ( 0 | ! 0 ) ", true}, {"(((((1)))))", true}, {"1&1&1&0", false},
      {"0|0|0|1", true},     {"!(!(1&!0)|0)", true}};
  for (const auto& [text, want] : cases) {
    INFO(text);
    CHECK(p->solve(inst(text)) == want);
  }
  // deep nesting is parsed without recursion
  std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  CHECK(p->solve(inst(deep)));
  CHECK(reductions::formula_word_length(deep) == 2);
  std::string nots = std::string(100001, '!') + "1";
  CHECK_FALSE(p->solve(inst(nots)));
  const auto enc = p->encode(inst(nots), "pd");
  CHECK(enc.tokens.size() == 2);
  CHECK_FALSE(is_identity(product(enc)));
  // a long chain: the word would blow up (length doubles per gate), so encode refuses it
  std::string chain = "1";
  for (int i = 0; i < 300; ++i) chain += "&1";
  CHECK(p->solve(inst(chain)));
  CHECK(reductions::formula_word_length(chain) > (std::size_t{1} << 40));
  try {
    (void)p->encode(inst(chain), "pd");
    FAIL("encode accepted a formula whose word is too long");
  } catch (const reductions::ProblemError& e) {
    CHECK(std::string(e.what()).find("limit") != std::string::npos);
  }
}

TEST_CASE("formula: every formula with up to 4 leaves becomes a word that multiplies to the identity iff true", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  std::size_t count = 0, yes = 0;
  for (int k = 1; k <= 4; ++k)
    for (const auto& f : all_formulas(k)) {
      const auto enc = p->encode(inst(f.text), "pd");
      if (is_identity(product(enc)) != f.value || p->solve(inst(f.text)) != f.value ||
          enc.tokens.size() != reductions::formula_word_length(f.text))
        FAIL_CHECK(f.text);
      ++count;
      yes += f.value;
    }
  CHECK(count == 4 + 64 + 2048 + 81920);
  CHECK(yes > count / 3);
  CHECK(yes < 2 * count / 3);
}

TEST_CASE("formula: random formulas, their Barrington words and the PD-LRNN's decisions", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  const auto exact = numeric::Precision::parse("exact"), fp32 = numeric::Precision::parse("fp32");
  std::mt19937_64 rng(11);
  for (int k = 0; k < 1500; ++k) {
    const std::size_t leaves = 1 + rng() % 10;
    const TF f = random_formula(leaves, k % 3 == 0, rng);
    INFO(f.text);
    REQUIRE(p->solve(inst(f.text)) == f.value);
    const auto enc = p->encode(inst(f.text), "pd");
    REQUIRE(is_identity(product(enc)) == f.value);
    REQUIRE(enc.tokens.size() == reductions::formula_word_length(f.text));
    if (k % 30 == 0 && enc.tokens.size() < 600) {
      const models::Verdict want = models::verdict_of(f.value);
      REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, false) == want);
      REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, true) == want);
    }
    if (k % 10 == 0) {
      const models::Verdict want = models::verdict_of(f.value);
      REQUIRE(experiment::decide(*enc.model, enc.tokens, fp32, false) == want);
      REQUIRE(experiment::decide(*enc.model, enc.tokens, fp32, true) == want);
    }
  }
}

TEST_CASE("formula: a balanced formula of depth D gives a word of 4^D + 1 letters", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  std::mt19937_64 rng(5);
  for (int d = 0; d <= 5; ++d) {
    INFO("D = " << d);
    for (int k = 0; k < 4; ++k) {
      const TF f = random_formula(std::size_t{1} << d, true, rng);
      CHECK(reductions::formula_word_length(f.text) == pow4(d) + 1);
      const auto enc = p->encode(inst(f.text), "pd");
      CHECK(enc.tokens.size() == pow4(d) + 1);
      CHECK(is_identity(product(enc)) == f.value);
    }
    for (bool want : {false, true}) {
      const auto in = p->generate(std::size_t{1} << d, 3, want);
      CHECK(reductions::formula_word_length(in["formula"].get<std::string>()) == pow4(d) + 1);
    }
  }
  CHECK(p->info().claim.find("4^D") != std::string::npos);
  CHECK(automata::to_string(p->info().complexity) == "NC1-complete");
}

TEST_CASE("formula: generated instances have the requested answer and a balanced shape", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  for (std::size_t n : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 13u, 16u, 33u}) {
    for (std::uint64_t seed = 0; seed < 20; ++seed)
      for (bool want : {false, true}) {
        INFO("n = " << n << ", seed " << seed);
        const auto in = p->generate(n, seed, want);
        p->validate(in);
        const std::string text = in["formula"].get<std::string>();
        REQUIRE(p->solve(in) == want);
        REQUIRE(p->generate(n, seed, want) == in);
        // n leaves, nesting depth ⌈log₂ n⌉
        std::size_t leaves = 0, depth = 0, open = 0, ceil_log = 0;
        for (char c : text) {
          leaves += c == '0' || c == '1';
          if (c == '(') depth = std::max(depth, ++open);
          if (c == ')') --open;
        }
        while ((std::size_t{1} << ceil_log) < n) ++ceil_log;
        CHECK(leaves == n);
        CHECK(depth == ceil_log);
      }
  }
  CHECK(p->generate(1, 4, true)["formula"] == "1");
  CHECK(p->generate(1, 4, false)["formula"] == "0");
}

TEST_CASE("formula: the root's negation does not predict the generated label", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  for (std::size_t n : {2u, 5u, 8u}) {
    INFO("n = " << n);
    int negated[2] = {0, 0};
    for (std::uint64_t seed = 0; seed < 1000; ++seed)
      for (bool want : {false, true}) {
        const std::string f = p->generate(n, seed, want)["formula"].get<std::string>();
        negated[want] += f[0] == '!';
      }
    const double yes = negated[1] / 1000.0, no = negated[0] / 1000.0;
    CHECK(std::abs(yes - no) <= 0.10);
  }
}

TEST_CASE("formula: the encoded models decide generated instances", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  const auto exact = numeric::Precision::parse("exact"), fp32 = numeric::Precision::parse("fp32");
  for (std::size_t n : {1u, 2u, 3u, 4u, 6u, 8u, 16u})
    for (std::uint64_t seed = 0; seed < 3; ++seed)
      for (bool want : {false, true}) {
        INFO("n = " << n << ", seed " << seed << ", " << want);
        const auto in = p->generate(n, seed, want);
        const models::Verdict w = models::verdict_of(want);
        const auto pd = p->encode(in, "pd");
        CHECK(is_identity(product(pd)) == want);
        for (bool par : {false, true}) {
          CHECK(experiment::decide(*pd.model, pd.tokens, exact, par) == w);
          CHECK(experiment::decide(*pd.model, pd.tokens, fp32, par) == w);
        }
        if (n == 2 && seed == 0) {  // the Householder model (width 120, many factors a letter) is slow to run
          const auto hh = p->encode(in, "householder");
          CHECK(hh.tokens == pd.tokens);
          CHECK(experiment::decide(*hh.model, hh.tokens, exact, false) == w);
        }
      }
  // 256 leaves: 4^8 + 1 = 65537 letters, exact 0/1 matrices in fp32
  for (bool want : {false, true}) {
    const auto enc = p->encode(p->generate(256, 9, want), "pd");
    CHECK(enc.tokens.size() == pow4(8) + 1);
    CHECK(experiment::decide(*enc.model, enc.tokens, fp32, true) == models::verdict_of(want));
  }
}

// ---- variables and assignments ----

namespace {

/// A formula over variables x0 … x(k−1) and constants, with its truth table
/// over every assignment (bit i of the table's index is x_i), computed here
/// leaf by leaf: a brute-force evaluation independent of the parser.
struct VF {
  std::string text;
  std::vector<bool> table;
};

VF random_vformula(std::size_t leaves, std::size_t k, std::mt19937_64& rng) {
  const std::size_t rows = std::size_t{1} << k;
  VF f;
  if (leaves == 1) {
    f.table.resize(rows);
    if (rng() % 5 == 0) {  // a constant now and then
      const bool c = rng() & 1;
      f.text = c ? "1" : "0";
      for (std::size_t a = 0; a < rows; ++a) f.table[a] = c;
    } else {
      const std::size_t i = rng() % k;
      f.text = "x" + std::to_string(i);
      for (std::size_t a = 0; a < rows; ++a) f.table[a] = (a >> i) & 1;
    }
  } else {
    const std::size_t l = 1 + rng() % (leaves - 1);
    const VF a = random_vformula(l, k, rng), b = random_vformula(leaves - l, k, rng);
    const bool is_and = rng() & 1;
    f.text = "(" + a.text + (is_and ? "&" : "|") + b.text + ")";
    f.table.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) f.table[r] = is_and ? (a.table[r] && b.table[r]) : (a.table[r] || b.table[r]);
  }
  if (rng() % 3 == 0) {
    f.text = "!" + f.text;
    f.table.flip();
  }
  return f;
}

/// Row `a` of a truth table as an assignment string: character i is x_i.
std::string bits_of(std::size_t a, std::size_t k) {
  std::string s;
  for (std::size_t i = 0; i < k; ++i) s += ((a >> i) & 1) ? '1' : '0';
  return s;
}

reductions::Instance vinst(const std::string& f, const nlohmann::json& assignment, const std::string& problem = "formula") {
  return {{"problem", problem}, {"formula", f}, {"assignment", assignment}};
}

/// The formula with every x_i replaced by its bit (the constant-only formula of the same shape).
std::string substitute(const std::string& f, const std::string& bits) {
  std::string out;
  for (std::size_t i = 0; i < f.size();) {
    if (f[i] != 'x') {
      out += f[i++];
      continue;
    }
    std::size_t j = i + 1, v = 0;
    while (j < f.size() && std::isdigit(static_cast<unsigned char>(f[j]))) v = v * 10 + static_cast<std::size_t>(f[j++] - '0');
    out += bits.at(v);
    i = j;
  }
  return out;
}

}  // namespace

TEST_CASE("formula: variables and assignments: errors name the field, the position and the variable", "[quick][errors][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  // a variable beyond the assignment: named, with the assignment's size
  std::string m = validation_error(*p, vinst("(x0 & x5)", "101"));
  CHECK(m.find("field 'formula'") != std::string::npos);
  CHECK(m.find("character 6:") != std::string::npos);
  CHECK(m.find("x5") != std::string::npos);
  CHECK(m.find("'assignment' has 3 bits") != std::string::npos);
  // a variable without any assignment
  m = validation_error(*p, inst("1 & !x2"));
  CHECK(m.find("character 5:") != std::string::npos);
  CHECK(m.find("x2") != std::string::npos);
  CHECK(m.find("'assignment'") != std::string::npos);
  CHECK(m.find("missing") != std::string::npos);
  CHECK(validation_error(*p, vinst("x0", "")).find("empty") != std::string::npos);
  // malformed variables
  const std::vector<std::pair<std::string, std::size_t>> bad = {
      {"x", 0}, {"1&x", 2}, {"x 1", 0}, {"(x&1)", 1}, {"x01", 0}, {"x00|1", 0}, {"x1048576", 0}, {"x99999999999999999999", 0},
      {"X0", 0}, {"x0x1", 2}, {"x1 0", 3}};
  for (const auto& [text, pos] : bad) {
    INFO(text);
    const std::string e = validation_error(*p, vinst(text, "11"));
    CHECK(e.find("field 'formula'") != std::string::npos);
    CHECK(e.find("character " + std::to_string(pos) + ":") != std::string::npos);
  }
  CHECK(validation_error(*p, vinst("x01", "11")).find("leading zeros") != std::string::npos);
  CHECK(validation_error(*p, vinst("x1048576", "1")).find("below 1048576") != std::string::npos);
  // malformed assignments: the field and the character or element
  m = validation_error(*p, vinst("x0", "1021"));
  CHECK(m.find("field 'assignment': character 2:") != std::string::npos);
  CHECK(m.find("'2'") != std::string::npos);
  CHECK(validation_error(*p, vinst("x0", nlohmann::json::array({0, 1, 2}))).find("field 'assignment': element 2:") != std::string::npos);
  CHECK(validation_error(*p, vinst("x0", nlohmann::json::array({true, "1"}))).find("field 'assignment': element 1:") != std::string::npos);
  CHECK(validation_error(*p, vinst("x0", nlohmann::json::array({1, 0.5}))).find("element 1") != std::string::npos);
  CHECK(validation_error(*p, vinst("x0", 1)).find("field 'assignment': expected a string") != std::string::npos);
  CHECK(validation_error(*p, vinst("x0", nlohmann::json::object())).find("field 'assignment'") != std::string::npos);
  CHECK_THROWS_AS(p->solve(vinst("x3", "101")), reductions::ProblemError);
  CHECK_THROWS_AS(p->encode(vinst("x3", "101"), "pd"), reductions::ProblemError);
  // accepted: unused bits, an assignment beside a constant-only formula, bits as an array
  CHECK(validation_error(*p, vinst("x0", "10110")) == "accepted");
  CHECK(validation_error(*p, vinst("1&0", "")) == "accepted");
  CHECK(validation_error(*p, vinst("x1|x0", nlohmann::json::array({1, false}))) == "accepted");
  // formula:vars:K: exactly K bits, its own name in 'problem'
  const auto v3 = reductions::make_problem("formula:vars:3");
  CHECK(v3->info().name == "formula:vars:3");
  CHECK(v3->info().family == "formula");
  CHECK(validation_error(*v3, vinst("x0", "101", "formula:vars:3")) == "accepted");
  CHECK(validation_error(*v3, vinst("1", "101", "formula:vars:3")) == "accepted");
  m = validation_error(*v3, vinst("x0", "10", "formula:vars:3"));
  CHECK(m.find("field 'assignment'") != std::string::npos);
  CHECK(m.find("2 bits, expected 3") != std::string::npos);
  CHECK(validation_error(*v3, vinst("x0", "1011", "formula:vars:3")).find("4 bits, expected 3") != std::string::npos);
  CHECK(validation_error(*v3, {{"formula", "x0"}}).find("missing field 'assignment'") != std::string::npos);
  CHECK(validation_error(*v3, vinst("x0", "101")).find("field 'problem'") != std::string::npos);  // "formula" is another problem's
  CHECK(validation_error(*p, vinst("x0", "101", "formula:vars:3")).find("field 'problem'") != std::string::npos);
  for (const char* name : {"formula:vars:0", "formula:vars:", "formula:vars:10001", "formula:vars:03", "formula:vars:x", "formula:x", "formula:"})
    CHECK_THROWS_AS(reductions::make_problem(name), reductions::ProblemError);
  CHECK(reductions::make_problem("formula:vars:10000")->info().name == "formula:vars:10000");
  CHECK_FALSE(reductions::make_formula_problem("formulas"));
  CHECK_THROWS_AS(v3->generate(0, 1, true), reductions::ProblemError);
}

TEST_CASE("formula: with variables the solver matches a brute-force truth table over every assignment", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  // hand-checked
  CHECK_FALSE(p->solve(vinst("((x0&x1)|!x2)", "101")));
  CHECK(p->solve(vinst("((x0&x1)|!x2)", "110")));
  CHECK(p->solve(vinst("((x0&x1)|!x2)", nlohmann::json::array({1, 1, 1}))));
  CHECK(p->solve(vinst("x1 | x0 & 0", nlohmann::json::array({false, true}))));  // & binds tighter
  CHECK(p->solve(vinst("x10", "00000000001")));
  CHECK_FALSE(p->solve(vinst("x10", "11111111110")));
  std::mt19937_64 rng(21);
  std::size_t yes = 0, total = 0;
  for (int t = 0; t < 200; ++t) {
    const std::size_t k = 1 + rng() % 4, leaves = 1 + rng() % 9;
    const VF f = random_vformula(leaves, k, rng);
    INFO(f.text);
    for (std::size_t a = 0; a < (std::size_t{1} << k); ++a) {
      const std::string bits = bits_of(a, k);
      INFO(bits);
      REQUIRE(p->solve(vinst(f.text, bits)) == f.table[a]);
      // the array form reads the same bits
      nlohmann::json arr = nlohmann::json::array();
      for (char c : bits) arr.push_back(a % 2 ? nlohmann::json(c == '1') : nlohmann::json(c - '0'));
      REQUIRE(p->solve(vinst(f.text, arr)) == f.table[a]);
      // unused extra bits change nothing
      REQUIRE(p->solve(vinst(f.text, bits + "1")) == f.table[a]);
      yes += f.table[a];
      ++total;
    }
  }
  CHECK(yes > total / 4);
  CHECK(yes < 3 * total / 4);
}

TEST_CASE("formula: with variables the word is the program's yield for the assignment", "[quick][formula][reductions]") {
  const auto p = reductions::make_formula_problem("formula");
  const auto exact = numeric::Precision::parse("exact"), fp32 = numeric::Precision::parse("fp32");
  std::mt19937_64 rng(17);
  std::size_t decided = 0;
  for (int t = 0; t < 120; ++t) {
    const std::size_t k = 1 + rng() % 4, leaves = 1 + rng() % 8;
    const VF f = random_vformula(leaves, k, rng);
    INFO(f.text);
    const std::size_t length = reductions::formula_word_length(f.text);
    for (std::size_t a = 0; a < (std::size_t{1} << k); ++a) {
      const std::string bits = bits_of(a, k);
      INFO(bits);
      const auto enc = p->encode(vinst(f.text, bits), "pd");
      // one program for every assignment: the same length, and the substituted
      // constant-only formula gives the same word letter for letter
      REQUIRE(enc.tokens.size() == length);
      REQUIRE(enc.tokens == p->encode(inst(substitute(f.text, bits)), "pd").tokens);
      REQUIRE(is_identity(product(enc)) == f.table[a]);
      if ((t + a) % 7 == 0 && enc.tokens.size() < 2000) {
        const models::Verdict want = models::verdict_of(f.table[a]);
        for (bool par : {false, true}) {
          REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, par) == want);
          REQUIRE(experiment::decide(*enc.model, enc.tokens, fp32, par) == want);
        }
        ++decided;
      }
    }
  }
  CHECK(decided > 20);
}

TEST_CASE("formula:vars:K: generated instances have the requested answer, K bits and n variable leaves", "[quick][formula][reductions]") {
  for (std::size_t k : {1u, 3u, 8u}) {
    const std::string name = "formula:vars:" + std::to_string(k);
    const auto p = reductions::make_problem(name);
    CHECK(p->info().instance_format.find("\"" + name + "\"") != std::string::npos);
    CHECK(automata::to_string(p->info().complexity) == "NC1-complete");
    for (std::size_t n : {1u, 2u, 3u, 5u, 8u, 13u, 32u})
      for (std::uint64_t seed = 0; seed < 15; ++seed)
        for (bool want : {false, true}) {
          INFO(name << ", n = " << n << ", seed " << seed);
          const auto in = p->generate(n, seed, want);
          REQUIRE(in["problem"] == name);
          p->validate(in);
          REQUIRE(p->solve(in) == want);
          REQUIRE(p->generate(n, seed, want) == in);
          const std::string text = in["formula"].get<std::string>(), bits = in["assignment"].get<std::string>();
          CHECK(bits.size() == k);
          CHECK(bits.find_first_not_of("01") == std::string::npos);
          // every leaf is a variable of the assignment; n of them; nesting depth ⌈log₂ n⌉
          std::size_t leaves = 0, depth = 0, open = 0, ceil_log = 0;
          for (std::size_t i = 0; i < text.size(); ++i) {
            CHECK(text[i] != '0');
            CHECK(text[i] != '1');
            if (text[i] == 'x') {
              ++leaves;
              std::size_t v = 0;
              while (i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]))) v = v * 10 + static_cast<std::size_t>(text[++i] - '0');
              CHECK(v < k);
            }
            if (text[i] == '(') depth = std::max(depth, ++open);
            if (text[i] == ')') --open;
          }
          while ((std::size_t{1} << ceil_log) < n) ++ceil_log;
          CHECK(leaves == n);
          CHECK(depth == ceil_log);
          // the plain formula problem answers the same formula and bits alike
          CHECK(reductions::make_formula_problem("formula")->solve(vinst(text, bits)) == want);
        }
  }
}

TEST_CASE("formula:vars:K: neither the root's negation nor the bits predict the generated label", "[quick][formula][reductions]") {
  for (const char* name : {"formula:vars:1", "formula:vars:4"})
    for (std::size_t n : {1u, 4u, 7u}) {
      INFO(name << ", n = " << n);
      const auto p = reductions::make_problem(name);
      int negated[2] = {0, 0}, ones[2] = {0, 0}, bits[2] = {0, 0};
      for (std::uint64_t seed = 0; seed < 1000; ++seed)
        for (bool want : {false, true}) {
          const auto in = p->generate(n, seed, want);
          negated[want] += in["formula"].get<std::string>()[0] == '!';
          for (char c : in["assignment"].get<std::string>()) ones[want] += c == '1', ++bits[want];
        }
      CHECK(std::abs(negated[1] - negated[0]) / 1000.0 <= 0.10);
      CHECK(std::abs(double(ones[1]) / bits[1] - double(ones[0]) / bits[0]) <= 0.10);
    }
}

TEST_CASE("formula:vars:K: the encoded models decide generated instances", "[quick][formula][reductions]") {
  const auto exact = numeric::Precision::parse("exact"), fp32 = numeric::Precision::parse("fp32");
  for (const char* name : {"formula:vars:2", "formula:vars:5"}) {
    const auto p = reductions::make_problem(name);
    for (std::size_t n : {1u, 2u, 3u, 4u, 8u, 16u})
      for (std::uint64_t seed = 0; seed < 3; ++seed)
        for (bool want : {false, true}) {
          INFO(name << ", n = " << n << ", seed " << seed << ", " << want);
          const auto in = p->generate(n, seed, want);
          const auto enc = p->encode(in, "pd");
          CHECK(enc.tokens.size() == reductions::formula_word_length(in["formula"].get<std::string>()));
          CHECK(is_identity(product(enc)) == want);
          const models::Verdict w = models::verdict_of(want);
          for (bool par : {false, true}) {
            CHECK(experiment::decide(*enc.model, enc.tokens, exact, par) == w);
            CHECK(experiment::decide(*enc.model, enc.tokens, fp32, par) == w);
          }
          if (n == 2 && seed == 0) {  // the Householder model is slow at width 120
            const auto hh = p->encode(in, "householder");
            CHECK(hh.tokens == enc.tokens);
            CHECK(experiment::decide(*hh.model, hh.tokens, exact, false) == w);
          }
        }
    // 64 leaves: 4^6 + 1 letters
    for (bool want : {false, true}) {
      const auto enc = p->encode(p->generate(64, 5, want), "pd");
      CHECK(enc.tokens.size() == pow4(6) + 1);
      CHECK(experiment::decide(*enc.model, enc.tokens, fp32, true) == models::verdict_of(want));
    }
  }
}
