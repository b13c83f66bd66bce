// The fitted [0,1]-diagonal LRNN (model kind diag01, automata/compile.hpp):
// its parameters stay in the class, its reported training accuracy is what
// the exact model does on the training words, the fit is deterministic, and
// — the point of the model — the theorem that limits the class shows up in
// its decisions: on u v^k the score of a diagonal LRNN with eigenvalues in
// [0, 1] is α + βk + Σ γ_μ μ^k over at most d + 1 terms (the products μ of
// the letters' eigenvalues lie in [0, 1]), so it has at most d real zeros and
// the decision changes at most d times as k grows (Grazzi et al., ICLR 2025,
// Thm 1: such a model cannot recognize parity).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "automata/compile.hpp"
#include "automata/dfa.hpp"
#include "automata/fit.hpp"
#include "automata/languages.hpp"
#include "automata/minimize.hpp"
#include "experiment/sweep.hpp"
#include "models/lrnn.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"

using namespace parallax;
using automata::CompiledModel;
using automata::Dfa;
using automata::ModelKind;
using numeric::Exact;
using Word = std::vector<std::uint32_t>;

namespace {

Dfa minimal_language(const std::string& spec) { return automata::minimize(automata::language(spec)); }

/// Every word of length ≤ L over `letters` letters (shortest first).
std::vector<Word> all_words(std::size_t letters, std::size_t L) {
  std::vector<Word> out = {Word{}};
  for (std::size_t begin = 0, l = 1; l <= L; ++l) {
    const std::size_t end = out.size();
    for (std::size_t i = begin; i < end; ++i)
      for (std::uint32_t a = 0; a < letters; ++a) {
        Word w = out[i];
        w.push_back(a);
        out.push_back(std::move(w));
      }
    begin = end;
  }
  return out;
}

bool is_dyadic(const Exact& x, int bits) {
  const Exact scaled = x * Exact(numeric::BigInt(1) << bits);
  return denominator(scaled) == 1;
}

std::size_t letter_index(const Dfa& d, const std::string& name) {
  for (std::size_t k = 0; k < d.alphabet.size(); ++k)
    if (d.alphabet[k] == name) return k;
  FAIL("no letter " << name << " in " << d.name);
  return 0;
}

/// One step of the model, exactly, independent of models::run_lrnn.
void step(const models::LrnnSpec& s, std::vector<Exact>& h, std::uint32_t x) {
  for (std::size_t i = 0; i < s.d; ++i) h[i] = s.tokens[x].a[i] * h[i] + s.tokens[x].b[i];
}
bool accepts_state(const models::LrnnSpec& s, const std::vector<Exact>& h) {
  Exact score = s.c0;
  for (std::size_t i = 0; i < s.d; ++i) score += s.c[i] * h[i];
  return score > 0;
}

/// Decisions on u v^k for k = 0 … kmax, exactly (incrementally).
std::vector<bool> decisions_on_powers(const models::LrnnSpec& s, const Word& u, const Word& v, std::size_t kmax) {
  std::vector<Exact> h = s.h0;
  for (auto x : u) step(s, h, x);
  std::vector<bool> out = {accepts_state(s, h)};
  for (std::size_t k = 1; k <= kmax; ++k) {
    for (auto x : v) step(s, h, x);
    out.push_back(accepts_state(s, h));
  }
  return out;
}

std::size_t changes(const std::vector<bool>& d) {
  std::size_t n = 0;
  for (std::size_t k = 1; k < d.size(); ++k) n += d[k] != d[k - 1];
  return n;
}

Word concat_power(const Word& u, const Word& v, std::size_t k) {
  Word w = u;
  for (std::size_t j = 0; j < k; ++j) w.insert(w.end(), v.begin(), v.end());
  return w;
}

const std::vector<std::string> kLanguages = {"parity", "count-mod:3", "contains-aba", "a-star-b-star", "dyck1:3",
                                             "word:S3", "word:S5"};

/// A smaller search than compile()'s, to keep the tests quick: every
/// property checked here holds for any fit.
automata::Diag01Options quick_search() {
  automata::Diag01Options o;
  o.candidates = 40;
  o.shortlist = 2;
  o.refine_rounds = 1;
  return o;
}

CompiledModel as_model(const automata::Diag01Fit& f) {
  return {f.spec, automata::architecture_of(ModelKind::Diag01), f.spec.description};
}

const models::LrnnSpec& lrnn(const CompiledModel& m) { return std::get<models::LrnnSpec>(m.model); }

}  // namespace

TEST_CASE("diag01: the name round-trips and a weighted automaton is refused", "[quick][diag01][errors][wfa]") {
  CHECK(automata::parse_model_kind("diag01") == ModelKind::Diag01);
  CHECK(automata::to_string(ModelKind::Diag01) == "diag01");
  const auto& all = automata::all_model_kinds();
  CHECK(std::find(all.begin(), all.end(), ModelKind::Diag01) != all.end());
  CHECK_FALSE(automata::is_exact_compiler(ModelKind::Diag01));
  for (ModelKind k : all)
    if (k != ModelKind::Diag01) CHECK(automata::is_exact_compiler(k));
  try {
    (void)automata::parse_model_kind("diag02");
    FAIL("diag02 was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("diag01") != std::string::npos);
  }
  automata::Wfa<Exact> w;
  w.name = "w";
  w.alphabet = {"a"};
  w.states = 1;
  w.alpha = {Exact(1)};
  w.beta = {Exact(1)};
  w.matrix = {{Exact(1, 2)}};
  w.threshold = Exact(1, 3);
  CHECK_THROWS_AS(automata::compile(w, ModelKind::Diag01), automata::CompileRefused);
}

TEST_CASE("diag01: every eigenvalue is in [0,1] and every parameter is a 16-bit dyadic rational", "[quick][diag01]") {
  for (const auto& spec : kLanguages) {
    INFO(spec);
    const Dfa d = minimal_language(spec);
    const CompiledModel m =
        spec == "parity" ? automata::compile(d, ModelKind::Diag01) : as_model(automata::fit_diag01(d, quick_search()));
    CHECK(m.architecture == automata::Architecture::Diag01);
    CHECK(std::holds_alternative<models::LrnnSpec>(m.model));
    const auto& s = lrnn(m);
    CHECK(s.structure == models::Structure::Diagonal);
    CHECK(s.d == std::min<std::size_t>(4, d.states));
    CHECK(s.alphabet == d.alphabet);
    REQUIRE(s.tokens.size() == d.alphabet.size());
    REQUIRE(s.c.size() == s.d);
    for (const auto& x : s.h0) CHECK(x == 0);
    for (const auto& t : s.tokens) {
      REQUIRE(t.a.size() == s.d);
      for (const auto& l : t.a) {
        CHECK(l >= 0);
        CHECK(l <= 1);
        CHECK(is_dyadic(l, 16));
      }
      for (const auto& b : t.b) CHECK(is_dyadic(b, 16));
    }
    for (const auto& c : s.c) CHECK(is_dyadic(c, 16));
    CHECK(is_dyadic(s.c0, 16));
    CHECK(m.description.find("diagonal [0,1] LRNN") != std::string::npos);
  }
}

TEST_CASE("diag01: the reported training accuracy is the exact model's on every training word", "[quick][diag01]") {
  const auto exact = numeric::Precision::parse("exact");
  for (const std::string spec : {"parity", "contains-aba", "dyck1:3", "word:S3"}) {
    INFO(spec);
    const Dfa d = minimal_language(spec);
    const auto fit = spec == "parity" ? automata::fit_diag01(d) : automata::fit_diag01(d, quick_search());
    const CompiledModel m = as_model(fit);
    // compile() is the default fit
    if (spec == "parity") CHECK(models::lrnn_to_json(lrnn(automata::compile(d, ModelKind::Diag01))) == models::lrnn_to_json(fit.spec));
    // two letters: 2^(L+1) − 1 ≤ 4096 words, so L = 11
    CHECK(d.alphabet.size() == 2);
    CHECK(fit.max_length == 11);
    const auto words = all_words(d.alphabet.size(), fit.max_length);
    CHECK(fit.words == words.size());
    std::size_t correct = 0, accepted = 0;
    for (const auto& w : words) {
      accepted += automata::accepts(d, w);
      correct += experiment::decide(m, w, exact, false) == models::verdict_of(automata::accepts(d, w));
    }
    CHECK(fit.correct == correct);
    CHECK(fit.accepted == accepted);
    CHECK(fit.accuracy() == double(correct) / double(words.size()));
    CHECK(m.description.find(std::to_string(correct) + "/" + std::to_string(words.size())) != std::string::npos);
    CHECK(m.description.find("length <= 11") != std::string::npos);
  }
}

TEST_CASE("diag01: the fit is deterministic and cannot recognize parity, counting or a group", "[quick][diag01][recognize]") {
  const auto exact = numeric::Precision::parse("exact");
  struct Case {
    std::string spec, letter;
    std::function<bool(std::size_t)> member;  // is v^k in the language?
  };
  const std::vector<Case> cases = {{"parity", "b", [](std::size_t k) { return k % 2 == 0; }},
                                   {"count-mod:3", "a", [](std::size_t k) { return k % 3 == 0; }},
                                   {"word:S5", "c", [](std::size_t k) { return k % 5 == 0; }}};
  for (const auto& c : cases) {
    INFO(c.spec);
    const Dfa d = minimal_language(c.spec);
    // compile()'s own search for parity, a smaller one for the others
    const bool full = c.spec == "parity";
    const CompiledModel m1 = full ? automata::compile(d, ModelKind::Diag01) : as_model(automata::fit_diag01(d, quick_search()));
    const CompiledModel m2 = full ? automata::compile(d, ModelKind::Diag01) : as_model(automata::fit_diag01(d, quick_search()));
    CHECK(models::lrnn_to_json(lrnn(m1)) == models::lrnn_to_json(lrnn(m2)));
    CHECK(m1.description == m2.description);
    const Word v = {static_cast<std::uint32_t>(letter_index(d, c.letter))};
    for (std::size_t k = 0; k <= 12; ++k) REQUIRE(automata::accepts(d, concat_power({}, v, k)) == c.member(k));
    const auto dec = decisions_on_powers(lrnn(m1), {}, v, 1000);
    // the exponential-sum bound: at most d changes, while the language changes every 2, 3 or 5 steps
    CHECK(changes(dec) <= lrnn(m1).d);
    std::size_t errors = 0;
    for (std::size_t k = 1; k <= 1000; ++k) errors += dec[k] != c.member(k);
    CHECK(errors > 0);
    // the incremental run is the model's: compare with the harness at exact precision
    for (std::size_t k : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 11u, 500u, 1000u}) {
      INFO("k = " << k);
      const Word w = concat_power({}, v, k);
      CHECK(experiment::decide(m1, w, exact, false) == models::verdict_of(dec[k]));
      CHECK(experiment::decide(m1, w, exact, true) == models::verdict_of(dec[k]));
    }
  }
}

TEST_CASE("diag01: on star-free languages the decision on u v^k also changes at most d times", "[quick][diag01]") {
  const auto exact = numeric::Precision::parse("exact");
  std::mt19937_64 rng(11);
  for (const std::string spec : {"a-star-b-star", "contains-aba"}) {
    INFO(spec);
    const Dfa d = minimal_language(spec);
    const auto fit = spec == "a-star-b-star" ? automata::fit_diag01(d) : automata::fit_diag01(d, quick_search());
    const CompiledModel m = as_model(fit);
    INFO(m.description);
    // the class's limit holds whatever the fit: u v^k for random u, v
    for (int trial = 0; trial < 20; ++trial) {
      Word u(rng() % 5), v(1 + rng() % 3);
      for (auto& x : u) x = static_cast<std::uint32_t>(rng() % 2);
      for (auto& x : v) x = static_cast<std::uint32_t>(rng() % 2);
      CHECK(changes(decisions_on_powers(lrnn(m), u, v, 150)) <= lrnn(m).d);
    }
    // beyond the training lengths nothing is promised about correctness; the
    // sequential and parallel exact runs must still agree
    for (int trial = 0; trial < 40; ++trial) {
      Word w(fit.max_length + 1 + rng() % 120);
      for (auto& x : w) x = static_cast<std::uint32_t>(rng() % 2);
      CHECK(experiment::decide(m, w, exact, false) == experiment::decide(m, w, exact, true));
    }
  }
}

TEST_CASE("diag01: the language problems offer the fitted construction", "[quick][diag01][reductions]") {
  for (const std::string name : {"parity", "modcount:3", "word:S5", "dyck1:3"}) {
    INFO(name);
    const auto p = reductions::make_problem(name);
    bool listed = false;
    for (const auto& c : p->info().constructions) listed = listed || c.name == "diag01";
    CHECK(listed);
    if (name == "word:S5" || name == "dyck1:3") continue;  // compiling is the same as for the others, and slower
    const auto in = p->generate(8, 3, true);
    const auto enc = p->encode(in, "diag01");
    REQUIRE(enc.model);
    CHECK(enc.model->architecture == automata::Architecture::Diag01);
    for (const auto& t : lrnn(*enc.model).tokens)
      for (const auto& l : t.a) CHECK((l >= 0 && l <= 1));
  }
}
