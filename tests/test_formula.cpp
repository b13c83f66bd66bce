// The formula problem: parser errors, the reference solver, Barrington's
// S5 program (its product, checked here with separate permutation code), its
// 4^D + 1 length, the PD-LRNN's decisions, and the generator's labels.
#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <string>
#include <vector>

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

std::string error_of(const reductions::Problem& p, const reductions::Instance& in) {
  try {
    p.validate(in);
  } catch (const reductions::ProblemError& e) {
    return e.what();
  }
  return "accepted";
}

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
    const std::string m = error_of(*p, inst(text));
    CHECK(m.find("field 'formula'") != std::string::npos);
    CHECK(m.find("character " + std::to_string(pos) + ":") != std::string::npos);
    CHECK_THROWS_AS(p->solve(inst(text)), reductions::ProblemError);
    CHECK_THROWS_AS(reductions::formula_word_length(text), reductions::ProblemError);
  }
  CHECK(error_of(*p, {{"formula", 5}}).find("field 'formula'") != std::string::npos);
  CHECK(error_of(*p, {{"formla", "1"}}).find("'formula'") != std::string::npos);
  CHECK(error_of(*p, {{"problem", "cvp"}, {"formula", "1"}}).find("'problem'") != std::string::npos);
  CHECK(error_of(*p, nlohmann::json::array()).find("object") != std::string::npos);
  CHECK(error_of(*p, {{"formula", " ( 1\t&\n0 ) "}, {"id", 7}}) == "accepted");
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
