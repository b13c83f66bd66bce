// word:G:perm — word problems whose letters are group elements written as
// permutations: membership and shape errors, the reference solver against
// word:G:all on the same word, the generator's answers and its uniformity,
// and every construction's decisions against the reference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "problem_errors.hpp"
#include "automata/perm_group.hpp"
#include "experiment/sweep.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"

using namespace parallax;
using automata::Perm;

namespace {

Perm cycle(std::size_t n, std::vector<std::uint32_t> c, std::uint32_t offset = 0) { return automata::perm_cycle(n, c, offset); }

/// The documented generators of each group on its documented point set
/// (docs/problems.md), from which the test builds G by closure.
std::vector<Perm> generators(const std::string& g, std::size_t& degree) {
  if (g[0] == 'S') {
    degree = static_cast<std::size_t>(g[1] - '0');
    std::vector<std::uint32_t> all(degree);
    std::iota(all.begin(), all.end(), 0u);
    return {cycle(degree, {0, 1}), cycle(degree, all)};
  }
  if (g == "A4") return degree = 4, std::vector<Perm>{cycle(4, {0, 1, 2}), cycle(4, {1, 2, 3})};
  if (g == "A5") return degree = 5, std::vector<Perm>{cycle(5, {0, 1, 2}), cycle(5, {0, 1, 2, 3, 4})};
  if (g == "A4xZ5") return degree = 9, std::vector<Perm>{cycle(9, {0, 1, 2}), cycle(9, {1, 2, 3}), cycle(9, {0, 1, 2, 3, 4}, 4)};
  degree = std::stoul(g.substr(1));
  std::vector<std::uint32_t> all(degree);
  std::iota(all.begin(), all.end(), 0u);
  if (g[0] == 'Z') return {cycle(degree, all)};
  Perm f(degree);  // D_n: the rotation and the reflection i ↦ −i
  for (std::size_t i = 0; i < degree; ++i) f[i] = static_cast<std::uint32_t>((degree - i) % degree);
  return {cycle(degree, all), f};
}

std::vector<Perm> closure(const std::string& g) {
  std::size_t degree = 0;
  const auto gens = generators(g, degree);
  return automata::group_closure(gens, degree);
}

/// The word:G:all letter naming an element, as docs/problems.md documents
/// the names (computed here from the permutation, not by the library).
std::string all_name(const std::string& g, const Perm& p) {
  if (g[0] == 'Z') return std::to_string(p[0]);
  if (g[0] == 'D') {
    const std::size_t n = p.size(), k = p[0];
    std::string name(1, p[1] == (k + 1) % n ? 'r' : 's');
    return name + std::to_string(k);
  }
  std::string s;
  for (std::size_t i = 0; i < std::min<std::size_t>(p.size(), 4); ++i) s += static_cast<char>('0' + p[i]);
  if (g == "A4xZ5") return s + "." + std::to_string(p[4] - 4);
  for (std::size_t i = 4; i < p.size(); ++i) s += static_cast<char>('0' + p[i]);
  return s;
}

reductions::Instance perm_instance(const std::string& problem, const std::vector<Perm>& word) {
  nlohmann::json w = nlohmann::json::array();
  for (const auto& p : word) w.push_back(p);
  return {{"problem", problem}, {"word", w}};
}

using parallax_test::validation_error;

std::size_t elements_of(const std::string& g) { return closure(g).size(); }

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// The groups whose word:G:all exists, small enough to close here.
const std::vector<std::string> kGroups = {"S3", "S4", "S5", "A4", "A5", "A4xZ5", "Z1", "Z2", "Z6", "D3", "D4", "D5"};

}  // namespace

TEST_CASE("word:G:perm: shape, degree and membership errors name the field and the letter's index", "[quick][errors][reductions]") {
  const auto a5 = reductions::make_problem("word:A5:perm");
  auto msg = [&](const reductions::Problem& p, const nlohmann::json& word) { return validation_error(p, {{"word", word}}); };
  // an odd permutation is not in A5: the letter's index, the group and why
  std::string m = msg(*a5, nlohmann::json::parse("[[1,2,3,4,0], [1,0,2,3,4]]"));
  CHECK(has(m, "field /word/1:"));
  CHECK(has(m, "[1, 0, 2, 3, 4]"));
  CHECK(has(m, "not an element of A5"));
  CHECK(has(m, "odd"));
  CHECK(msg(*a5, nlohmann::json::parse("[[1,2,3,4,0], [1,0,3,2,4]]")) == "accepted");  // even
  // degree, image range, repeated images, letter and word shape
  m = msg(*a5, nlohmann::json::parse("[[0,1,2,3]]"));
  CHECK(has(m, "field /word/0:"));
  CHECK(has(m, "4 images, expected 5"));
  CHECK(has(m, "the 5 points 0..4"));
  CHECK(has(msg(*a5, nlohmann::json::parse("[[0,1,2,3,4],[0,1,2,3,4,5]]")), "field /word/1: 6 images"));
  CHECK(has(msg(*a5, nlohmann::json::parse("[[0,1,2,3,5]]")), "field /word/0/4: expected an integer from 0 to 4"));
  CHECK(has(msg(*a5, nlohmann::json::parse("[[0,1,2,3,-1]]")), "field /word/0/4:"));
  CHECK(has(msg(*a5, nlohmann::json::parse("[[0,1.0,2,3,4]]")), "field /word/0/1:"));
  CHECK(has(msg(*a5, nlohmann::json::parse("[[0,\"1\",2,3,4]]")), "field /word/0/1:"));
  m = msg(*a5, nlohmann::json::parse("[[0,1,2,3,4],[0,2,2,3,4]]"));
  CHECK(has(m, "field /word/1: not a permutation"));
  CHECK(has(m, "2 is the image of both 1 and 2"));
  CHECK(has(msg(*a5, nlohmann::json::parse("[\"01234\"]")), "field /word/0: expected a permutation"));
  CHECK(has(msg(*a5, "tc"), "field /word: expected an array"));
  CHECK(has(validation_error(*a5, {{"wrd", nlohmann::json::array()}}), "\"word\""));
  CHECK(has(validation_error(*a5, {{"problem", "word:A5:all"}, {"word", nlohmann::json::array()}}), "/problem"));
  CHECK(has(validation_error(*a5, nlohmann::json::array()), "object"));
  CHECK(msg(*a5, nlohmann::json::array()) == "accepted");  // the empty word: the identity
  CHECK(a5->solve({{"word", nlohmann::json::array()}}));
  // signed integers (a C++ or Python caller) read like the unsigned ones of a JSON file
  CHECK(msg(*a5, nlohmann::json::array({nlohmann::json::array({1, 2, 0, 3, 4})})) == "accepted");
  // the other groups' memberships and their reasons
  const auto z7 = reductions::make_problem("word:Z7:perm");
  CHECK(msg(*z7, nlohmann::json::parse("[[3,4,5,6,0,1,2]]")) == "accepted");
  CHECK(has(msg(*z7, nlohmann::json::parse("[[3,4,5,6,0,1,2],[1,0,2,3,4,5,6]]")), "field /word/1:"));
  CHECK(has(msg(*z7, nlohmann::json::parse("[[1,0,2,3,4,5,6]]")), "not a rotation"));
  const auto d5 = reductions::make_problem("word:D5:perm");
  CHECK(msg(*d5, nlohmann::json::parse("[[2,1,0,4,3], [4,0,1,2,3]]")) == "accepted");  // s2 (i ↦ 2 − i), r4
  CHECK(has(msg(*d5, nlohmann::json::parse("[[1,0,2,3,4]]")), "not an element of D5"));
  const auto a4z5 = reductions::make_problem("word:A4xZ5:perm");
  CHECK(msg(*a4z5, nlohmann::json::parse("[[1,2,0,3,5,6,7,8,4]]")) == "accepted");
  CHECK(has(msg(*a4z5, nlohmann::json::parse("[[1,0,2,3,4,5,6,7,8]]")), "not an element of A4xZ5"));   // odd on 0..3
  CHECK(has(msg(*a4z5, nlohmann::json::parse("[[0,1,2,3,5,4,6,7,8]]")), "not an element of A4xZ5"));   // not a rotation of 4..8
  CHECK(has(msg(*a4z5, nlohmann::json::parse("[[4,1,2,3,0,5,6,7,8]]")), "not an element of A4xZ5"));   // crosses between the parts
  // a group too large to list: its letters are still checked, by their formula
  const auto big = reductions::make_problem("word:D10000:perm");
  Perm refl(10000), odd(10000);
  for (std::uint32_t i = 0; i < 10000; ++i) refl[i] = (10000 + 7 - i) % 10000, odd[i] = i;
  std::swap(odd[3], odd[4]);
  CHECK(validation_error(*big, perm_instance("word:D10000:perm", {refl})) == "accepted");
  m = validation_error(*big, perm_instance("word:D10000:perm", {refl, odd}));
  CHECK(has(m, "field /word/1:"));
  CHECK(has(m, "(10000 images)"));  // shortened
  // names
  for (const char* bad : {"word:S6:perm", "word:Z0:perm", "word:D2:perm", "word:Q8:perm", "word::perm"})
    CHECK_THROWS_AS(reductions::make_problem(bad), reductions::ProblemError);
  // word:G:all refuses a group too large for its alphabet as a problem error, like any bad name
  CHECK_THROWS_AS(reductions::make_problem("word:Z5000:all"), reductions::ProblemError);
}

TEST_CASE("word:G:perm: membership is G's, by closure of the documented generators", "[quick][reductions]") {
  std::mt19937_64 rng(3);
  for (const auto& g : kGroups) {
    INFO(g);
    const auto p = reductions::make_problem("word:" + g + ":perm");
    const auto elements = closure(g);
    const std::size_t degree = elements[0].size();
    auto accepted = [&](const Perm& x) { return validation_error(*p, perm_instance("word:" + g + ":perm", {x})) == "accepted"; };
    if (degree <= 6) {  // every permutation of the point set
      Perm x(degree);
      std::iota(x.begin(), x.end(), 0u);
      std::size_t count = 0;
      do {
        const bool member = std::binary_search(elements.begin(), elements.end(), x);
        REQUIRE(accepted(x) == member);
        count += member;
      } while (std::next_permutation(x.begin(), x.end()));
      CHECK(count == elements.size());
    } else {  // every element, and random permutations
      for (const auto& x : elements) REQUIRE(accepted(x));
      for (int k = 0; k < 3000; ++k) {
        Perm x(degree);
        std::iota(x.begin(), x.end(), 0u);
        std::shuffle(x.begin(), x.end(), rng);
        REQUIRE(accepted(x) == std::binary_search(elements.begin(), elements.end(), x));
      }
    }
  }
}

TEST_CASE("word:G:perm: the reference solver agrees with word:G:all on the same word", "[quick][reductions]") {
  std::mt19937_64 rng(8);
  std::size_t yes = 0, total = 0;
  for (const auto& g : kGroups) {
    INFO(g);
    const auto perm = reductions::make_problem("word:" + g + ":perm");
    const auto all = reductions::make_problem("word:" + g + ":all");
    const auto elements = closure(g);
    for (int k = 0; k < 300; ++k) {
      // short words of random elements; every third one closed to the identity
      const std::size_t n = rng() % 7;
      std::vector<Perm> word;
      nlohmann::json names = nlohmann::json::array();
      for (std::size_t i = 0; i < n; ++i) word.push_back(elements[rng() % elements.size()]);
      if (k % 3 == 0 && n > 0) {
        Perm prod = automata::perm_identity(elements[0].size());
        for (std::size_t i = 0; i + 1 < n; ++i) prod = automata::perm_compose(prod, word[i]);
        word.back() = automata::perm_inverse(prod);
      }
      for (const auto& x : word) names.push_back(all_name(g, x));
      const bool want = all->solve({{"word", names}});
      REQUIRE(perm->solve(perm_instance("word:" + g + ":perm", word)) == want);
      // the running products after every letter: word:G:all's labels
      REQUIRE(perm->solve_steps(perm_instance("word:" + g + ":perm", word)) == all->solve_steps({{"word", names}}));
      yes += want;
      ++total;
    }
  }
  CHECK(yes > total / 4);
  CHECK(yes < total * 3 / 4 + 1);
  // letters apply left to right, (a·b)[i] = b[a[i]]: a = [1,0,2], b = [1,2,0] give
  // a·b = [2,1,0], so a·b·[2,1,0] is the identity, and reversed it is the
  // commutator of a and b, which is not
  const auto s3 = reductions::make_problem("word:S3:perm");
  CHECK(s3->solve(perm_instance("word:S3:perm", {{1, 0, 2}, {1, 2, 0}, {2, 1, 0}})));
  CHECK_FALSE(s3->solve(perm_instance("word:S3:perm", {{2, 1, 0}, {1, 2, 0}, {1, 0, 2}})));
}

TEST_CASE("word:G:perm: generated instances have the requested answer and are uniform within it", "[quick][reductions]") {
  for (const std::string name : {"word:S5:perm", "word:A5:perm", "word:A4xZ5:perm", "word:D4:perm", "word:Z6:perm", "word:Z1:perm",
                                 "word:Z5000:perm", "word:D2000:perm"}) {
    INFO(name);
    const auto p = reductions::make_problem(name);
    for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 12u})
      for (bool want : {true, false}) {
        INFO("n = " << n << ", " << want);
        if (!want && (n == 0 || name == "word:Z1:perm")) {
          CHECK_THROWS_AS(p->generate(n, 1, want), reductions::ProblemError);  // every such word is the identity
          continue;
        }
        for (std::uint64_t seed = 0; seed < 5; ++seed) {
          const auto in = p->generate(n, seed, want);
          CHECK(in["problem"].get<std::string>() == name);
          CHECK(in["word"].size() == n);
          p->validate(in);
          REQUIRE(p->solve(in) == want);
          CHECK(p->generate(n, seed, want) == in);
        }
      }
  }
  // S3, two letters: 6 words are the identity (g, g⁻¹), 30 are not; each about equally often
  const auto p = reductions::make_problem("word:S3:perm");
  for (bool want : {true, false}) {
    std::map<std::string, int> count;
    const int draws = want ? 6000 : 30000;
    for (int s = 0; s < draws; ++s) count[p->generate(2, static_cast<std::uint64_t>(s), want)["word"].dump()]++;
    CHECK(count.size() == (want ? 6u : 30u));
    for (const auto& [word, c] : count) {
      INFO(word);
      CHECK(c > 800);
      CHECK(c < 1200);
    }
  }
}

TEST_CASE("word:G:perm: every construction decides like the reference solver", "[quick][reductions]") {
  const auto exact = numeric::Precision::parse("exact"), fp64 = numeric::Precision::parse("fp64"),
             fp32 = numeric::Precision::parse("fp32");
  for (const std::string g : {"S3", "S4", "S5", "A4", "A5", "A4xZ5", "Z1", "Z2", "Z6", "D4", "D5"}) {
    const std::string name = "word:" + g + ":perm";
    const auto p = reductions::make_problem(name);
    const auto all = reductions::make_problem("word:" + g + ":all");
    // the constructions are word:G:all's
    std::vector<std::string> mine, theirs;
    for (const auto& c : p->info().constructions) mine.push_back(c.name);
    for (const auto& c : all->info().constructions) theirs.push_back(c.name);
    CHECK(mine == theirs);
    for (const auto& c : p->info().constructions) {
      // diag01 is fitted (seconds per group; tests/test_diag01.cpp): one group shows the delegation
      if (c.name == "diag01" && g != "S3") continue;
      INFO(name << " / " << c.name);
      // the Householder models of the larger :all alphabets (S5: 120 letters of
      // up to 119 reflections at width 120) are slow to run: two words there
      const int words = c.name == "householder" && elements_of(g) >= 60 ? 2 : 10;
      for (int k = 0; k < words; ++k) {
        const bool want = k % 2 == 0;
        if (!want && g == "Z1") continue;
        const auto in = p->generate(3 + static_cast<std::size_t>(k) * 3, static_cast<std::uint64_t>(k), want);
        const auto enc = p->encode(in, c.name);
        CHECK(enc.model->architecture == c.architecture);
        // each letter became the word:G:all letter of its element: the same tokens as that word's
        // (one mapping for every construction; building word:G:all's models twice is slow)
        if (c.name == "pd" || c.name == "diag01") {
          nlohmann::json names = nlohmann::json::array();
          for (const auto& x : in["word"]) names.push_back(all_name(g, x.get<Perm>()));
          REQUIRE(enc.tokens == all->encode({{"word", names}}, c.name).tokens);
        }
        if (c.name == "diag01") continue;  // fitted, not exact (tests/test_diag01.cpp)
        if (enc.model->exact_max_length && enc.tokens.size() > enc.model->exact_max_length) continue;
        const auto& prec = c.name == "rotation" ? fp32 : c.name == "pd" ? exact : fp64;
        REQUIRE((experiment::decide(*enc.model, enc.tokens, prec, false) == models::Verdict::Accept) == want);
        if (enc.model->has_scan()) REQUIRE((experiment::decide(*enc.model, enc.tokens, prec, true) == models::Verdict::Accept) == want);
      }
    }
  }
}

TEST_CASE("word:G:perm: a group too large for word:G:all gets a PD-LRNN over the instance's letters", "[quick][reductions]") {
  const auto exact = numeric::Precision::parse("exact"), fp32 = numeric::Precision::parse("fp32");
  for (const std::string name : {"word:Z5000:perm", "word:D2000:perm"}) {
    INFO(name);
    const auto p = reductions::make_problem(name);
    REQUIRE(p->info().constructions.size() == 1);
    CHECK(p->info().constructions[0].name == "pd");
    CHECK(automata::to_string(p->info().complexity) == "ACC0");
    CHECK_THROWS_AS(p->encode(p->generate(4, 1, true), "householder"), reductions::ProblemError);
    for (std::size_t n : {0u, 1u, 2u, 5u, 9u, 20u})
      for (bool want : {true, false}) {
        if (!want && n == 0) continue;
        INFO("n = " << n << ", " << want);
        const auto in = p->generate(n, 3, want);
        const auto enc = p->encode(in, "pd");
        CHECK(enc.tokens.size() == n);
        const models::Verdict w = models::verdict_of(want);
        for (bool par : {false, true}) {
          CHECK(experiment::decide(*enc.model, enc.tokens, exact, par) == w);
          CHECK(experiment::decide(*enc.model, enc.tokens, fp32, par) == w);
        }
        // the tokens are named like word:G:all's letters would be
        const auto& alphabet = std::get<models::LrnnSpec>(enc.model->model).alphabet;
        for (std::size_t i = 0; i < n; ++i) CHECK(alphabet.at(enc.tokens[i]) == all_name(name.substr(5, 1), in["word"][i].get<Perm>()));
      }
  }
  // past the limit on |G| x distinct letters, encode refuses and says why
  const auto z = reductions::make_problem("word:Z5000:perm");
  std::vector<Perm> word;
  for (std::uint32_t k = 0; k < 60; ++k) {
    Perm r(5000);
    for (std::uint32_t i = 0; i < 5000; ++i) r[i] = (i + k) % 5000;
    word.push_back(r);
  }
  try {
    (void)z->encode(perm_instance("word:Z5000:perm", word), "pd");
    FAIL("encode accepted 60 distinct letters of Z5000");
  } catch (const reductions::ProblemError& e) {
    CHECK(has(e.what(), "60 distinct letters"));
    CHECK(has(e.what(), "limit"));
  }
  word.resize(40);  // 5000 x 40 transitions fit
  CHECK(z->encode(perm_instance("word:Z5000:perm", word), "pd").tokens.size() == 40);
}

TEST_CASE("word:G:perm: the class is word:G:all's, and the format names the point set", "[quick][monoid][reductions]") {
  for (const auto& g : kGroups) {
    INFO(g);
    CHECK(reductions::make_problem("word:" + g + ":perm")->info().complexity == reductions::make_problem("word:" + g + ":all")->info().complexity);
  }
  CHECK(automata::to_string(reductions::make_problem("word:S5:perm")->info().complexity) == "NC1-complete");
  CHECK(automata::to_string(reductions::make_problem("word:A4xZ5:perm")->info().complexity) == "ACC0");
  CHECK(automata::to_string(reductions::make_problem("word:Z1:perm")->info().complexity) == "AC0");
  const auto info = reductions::make_problem("word:A5:perm")->info();
  CHECK(info.family == "word:G:perm");
  CHECK(has(info.instance_format, "the 5 points 0..4"));
  CHECK(has(reductions::make_problem("word:D7:perm")->info().instance_format, "the 7 vertices 0..6 of the 7-gon"));
  CHECK(has(reductions::make_problem("word:A4xZ5:perm")->info().instance_format, "the 9 points 0..8"));
}
