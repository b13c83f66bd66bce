// Stepwise problems: the reference label after every position (solve_steps)
// against a brute force written here from the documented numbering, its
// consistency with solve(), and the state labels of one-hot constructions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "automata/languages.hpp"
#include "models/lrnn.hpp"
#include "reductions/problem.hpp"

using namespace parallax;
using nlohmann::json;

namespace {

const std::vector<std::string> kStepwise = {
    "word:S3",     "word:S4",      "word:S5",     "word:A4",         "word:A5",    "word:A4xZ5",  "word:Z1",
    "word:Z7",     "word:D5",      "word:S3:all", "word:A4:all",     "word:A4xZ5:all", "word:D4:all", "word:Z60:all",
    "parity",      "modcount:1",   "modcount:3",  "modcount:7",      "imm3:mod:2", "imm3:mod:5",  "imm3:mod:7:4",
    "imm3:mod:2147483647"};

const std::vector<std::string> kNotStepwise = {"majority", "dyck1", "dyck1:3", "imm3:pos", "imm3:zero", "first-eq-last",
                                               "induction", "tcv:2", "formula", "dgc", "cvp"};

// ---- the brute force: group elements multiplied by hand ----------------------

using Perm = std::vector<int>;  // one-line: p[i] is the image of i

Perm cycle(int points, const std::vector<int>& c) {
  Perm p(points);
  for (int i = 0; i < points; ++i) p[i] = i;
  for (std::size_t k = 0; k < c.size(); ++k) p[c[k]] = c[(k + 1) % c.size()];
  return p;
}
Perm then(const Perm& a, const Perm& b) {  // a first, then b
  Perm r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = b[a[i]];
  return r;
}
std::string one_line(const Perm& p) {
  std::string s;
  for (int v : p) s += char('0' + v);
  return s;
}
Perm parse_one_line(const std::string& s) {
  Perm p;
  for (char c : s) p.push_back(c - '0');
  return p;
}

/// The name of the product of `letters` in word:G (or word:G:all, `all`), as
/// the word:G:all alphabet names elements (docs/problems.md).
std::string product_name(const std::string& g, bool all, const std::vector<std::string>& letters) {
  if (g[0] == 'Z') {
    const int m = std::stoi(g.substr(1));
    int k = 0;
    for (const auto& l : letters) k = (k + (all ? std::stoi(l) : 1)) % m;
    return std::to_string(k);
  }
  if (g[0] == 'D') {  // i ↦ e·i + k
    const int n = std::stoi(g.substr(1));
    int e = 1, k = 0;
    for (const auto& l : letters) {
      int le = 1, lk = 1;  // r: +1
      if (!all && l == "f") le = -1, lk = 0;
      if (all) le = l[0] == 'r' ? 1 : -1, lk = std::stoi(l.substr(1));
      // x then y: i ↦ le·(e·i + k) + lk
      e = le * e;
      k = ((le * k + lk) % n + n) % n;
    }
    return (e == 1 ? "r" : "s") + std::to_string(k);
  }
  if (g == "A4xZ5") {
    Perm p = cycle(4, {});
    int k = 0;
    for (const auto& l : letters) {
      if (all) {
        const auto dot = l.find('.');
        p = then(p, parse_one_line(l.substr(0, dot)));
        k = (k + std::stoi(l.substr(dot + 1))) % 5;
      } else if (l == "t") {
        p = then(p, cycle(4, {0, 1, 2}));
        k = (k + 1) % 5;
      } else {
        p = then(p, cycle(4, {1, 2, 3}));
      }
    }
    return one_line(p) + "." + std::to_string(k);
  }
  const int points = g == "A4" ? 4 : g == "A5" ? 5 : g[1] - '0';
  std::map<std::string, Perm> gens;
  if (g[0] == 'S') gens = {{"s", cycle(points, {0, 1})}, {"c", cycle(points, [&] {
                                                               std::vector<int> c;
                                                               for (int i = 0; i < points; ++i) c.push_back(i);
                                                               return c;
                                                             }())}};
  if (g == "A4") gens = {{"t", cycle(4, {0, 1, 2})}, {"u", cycle(4, {1, 2, 3})}};
  if (g == "A5") gens = {{"t", cycle(5, {0, 1, 2})}, {"c", cycle(5, {0, 1, 2, 3, 4})}};
  Perm p = cycle(points, {});
  for (const auto& l : letters) p = then(p, all ? parse_one_line(l) : gens.at(l));
  return one_line(p);
}

std::vector<std::string> word_letters(const json& in) {
  std::vector<std::string> v;
  if (in["word"].is_string())
    for (char c : in["word"].get<std::string>()) v.emplace_back(1, c);
  else
    for (const auto& x : in["word"]) v.push_back(x.get<std::string>());
  return v;
}

std::size_t positions(const std::string& problem, const json& in) {
  return problem.starts_with("imm3") ? in["matrices"].size() : word_letters(in).size();
}

/// The reference labels, by brute force: group products named and looked up
/// in the word:G:all alphabet; counts; full 3×3 matrix products mod P.
std::vector<std::int64_t> brute_steps(const std::string& problem, const json& in) {
  std::vector<std::int64_t> out;
  if (problem.starts_with("word:")) {
    const bool all = problem.ends_with(":all");
    const std::string g = problem.substr(5, problem.size() - 5 - (all ? 4 : 0));
    const auto alphabet = automata::language("word:" + g + ":all").alphabet;
    const auto letters = word_letters(in);
    for (std::size_t t = 1; t <= letters.size(); ++t) {
      const auto name = product_name(g, all, {letters.begin(), letters.begin() + static_cast<std::ptrdiff_t>(t)});
      const auto it = std::find(alphabet.begin(), alphabet.end(), name);
      REQUIRE(it != alphabet.end());
      out.push_back(it - alphabet.begin());
    }
  } else if (problem == "parity" || problem.starts_with("modcount:")) {
    const bool parity = problem == "parity";
    const std::int64_t m = parity ? 2 : std::stoll(problem.substr(9));
    std::int64_t count = 0;
    for (const auto& l : word_letters(in)) {
      count += l == (parity ? "b" : "a");
      out.push_back(count % m);
    }
  } else {
    const std::string rest = problem.substr(9);
    const std::int64_t P = std::stoll(rest.substr(0, rest.find(':')));
    const int k = in.contains("entry") ? in["entry"].get<int>() : 0;
    std::array<std::int64_t, 9> prod{1, 0, 0, 0, 1, 0, 0, 0, 1};
    for (const auto& m : in["matrices"]) {
      std::array<std::int64_t, 9> next{};
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          std::int64_t s = 0;
          for (int l = 0; l < 3; ++l) s += prod[3 * i + l] * m[l][j].get<std::int64_t>();
          next[3 * i + j] = ((s % P) + P) % P;
        }
      prod = next;
      out.push_back(prod[k]);
    }
  }
  return out;
}

/// The instance cut after its first t positions.
json prefix(const std::string& problem, json in, std::size_t t) {
  if (problem.starts_with("imm3")) {
    json ms = json::array();
    for (std::size_t i = 0; i < t; ++i) ms.push_back(in["matrices"][i]);
    in["matrices"] = ms;
  } else {
    const auto letters = word_letters(in);
    json w = json::array();
    for (std::size_t i = 0; i < t; ++i) w.push_back(letters[i]);
    in["word"] = w;
  }
  return in;
}

/// The label after the last position that makes a prefix a yes-instance.
bool documented_answer(const std::string& problem, const json& in, std::int64_t last) {
  if (problem.starts_with("imm3")) return last == in["residue"].get<std::int64_t>();
  return last == 0;  // the identity; an even count; a count divisible by M
}

}  // namespace

TEST_CASE("steps: the labels per position equal a brute force and end in the answer", "[quick][reductions][steps]") {
  for (const auto& name : kStepwise) {
    INFO(name);
    const auto p = reductions::make_problem(name);
    CHECK(!p->info().steps.empty());
    std::size_t checked = 0;
    for (std::size_t n : {1u, 2u, 5u, 17u, 40u})
      for (bool yes : {true, false}) {
        json in;
        try {
          in = p->generate(n, 11 + n, yes);
        } catch (const reductions::ProblemError&) {
          continue;  // no instance of that answer at this size
        }
        INFO(in.dump());
        const auto labels = p->solve_steps(in);
        REQUIRE(labels.size() == positions(name, in));
        CHECK(labels == brute_steps(name, in));
        // the last label gives the answer, as documented and as step_answer says
        REQUIRE(!labels.empty());
        CHECK(p->solve(in) == documented_answer(name, in, labels.back()));
        CHECK(p->solve(in) == p->step_answer(in, labels.back()));
        // every prefix: its own labels are the first ones, and its answer is the step answer there
        for (std::size_t t : {std::size_t(1), (n + 1) / 2, n}) {
          const auto cut = prefix(name, in, t);
          const auto head = p->solve_steps(cut);
          CHECK(head == std::vector<std::int64_t>(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(t)));
          CHECK(p->solve(cut) == p->step_answer(in, labels[t - 1]));
        }
        ++checked;
      }
    CHECK(checked >= 4);
  }
  // by hand: S3's elements in lexicographic order are 012, 021, 102, 120, 201,
  // 210; s = (0 1) is 102, and s then c = (0 1 2) maps 0 ↦ 1 ↦ 2, 1 ↦ 0 ↦ 1,
  // 2 ↦ 2 ↦ 0: 210
  const auto s3 = reductions::make_problem("word:S3");
  CHECK(s3->solve_steps({{"word", "sc"}}) == std::vector<std::int64_t>{2, 5});
  CHECK(s3->solve_steps({{"word", ""}}).empty());
}

TEST_CASE("steps: problems without labels per position say so", "[quick][reductions][steps]") {
  for (const auto& name : kNotStepwise) {
    INFO(name);
    const auto p = reductions::make_problem(name);
    CHECK(p->info().steps.empty());
    json in;
    for (std::size_t n : {6u, 8u, 16u})
      for (bool yes : {true, false})
        if (in.is_null()) try {
            in = p->generate(n, 1, yes);
          } catch (const reductions::ProblemError&) {
          }
    REQUIRE(!in.is_null());
    CHECK(p->solve_steps(in).empty());
    CHECK_THROWS_AS(p->step_answer(in, 0), reductions::ProblemError);
  }
  // the catalogue: exactly these families are stepwise
  for (const auto& info : reductions::problem_catalog()) {
    INFO(info.name);
    const bool stepwise = info.family.starts_with("word:") || info.family == "parity" || info.family == "modcount:M" ||
                          info.family == "imm3:mod:P";
    CHECK(stepwise == !info.steps.empty());
  }
}

TEST_CASE("steps: one-hot constructions label their states, and the state after every prefix carries its label",
          "[quick][reductions][steps]") {
  // decoded here by hand: the argmax of every state of an exact fp64 run
  for (const auto& name : kStepwise) {
    if (name == "imm3:mod:2147483647") continue;  // its pd model has too many states for a quick test
    const auto p = reductions::make_problem(name);
    for (const auto& c : p->info().constructions) {
      if (c.name == "transformer" || c.name == "diag01") continue;
      INFO(name << " / " << c.name);
      json in;
      try {
        in = p->generate(19, 4, true);
      } catch (const reductions::ProblemError&) {
        in = p->generate(19, 4, false);
      }
      const auto enc = p->encode(in, c.name);
      if (c.name != "pd" && c.name != "householder") {
        CHECK(enc.state_labels.empty());
        continue;
      }
      const auto& spec = std::get<models::LrnnSpec>(enc.model->model);
      REQUIRE(enc.state_labels.size() == spec.d);
      models::LrnnStates<double> run;
      models::run_lrnn_states<double>(spec, enc.tokens, nullptr, false, {}, run);
      const auto labels = p->solve_steps(in);
      REQUIRE(run.states.size() == labels.size() * spec.d);
      for (std::size_t t = 0; t < labels.size(); ++t) {
        const auto first = run.states.begin() + static_cast<std::ptrdiff_t>(t * spec.d);
        const auto hot = std::max_element(first, first + static_cast<std::ptrdiff_t>(spec.d)) - first;
        CHECK(std::count(first, first + static_cast<std::ptrdiff_t>(spec.d), 0.0) == static_cast<std::ptrdiff_t>(spec.d) - 1);
        CHECK(enc.state_labels[static_cast<std::size_t>(hot)] == labels[t]);
      }
    }
  }
}
