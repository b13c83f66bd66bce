// Built-in regular languages (automata/languages.hpp) checked word by word
// against predicates written here, group word problems checked against
// permutations composed here, and the path-counting word sampler
// (automata/sample.hpp) checked against brute-force counts and for
// uniformity.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <queue>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/languages.hpp"
#include "automata/sample.hpp"
#include "models/lrnn.hpp"

using namespace parallax;
using automata::Dfa;
using Word = std::vector<std::uint32_t>;
using Perm = std::vector<int>;  // one-line notation, i ↦ p[i]

namespace {

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

std::string spec_error(const std::string& spec) {
  try {
    automata::language(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

/// Calls f on every word over `letters` symbols of length exactly n.
void for_each_word(std::size_t letters, std::size_t n, const std::function<void(const Word&)>& f) {
  Word w(n, 0);
  while (true) {
    f(w);
    std::size_t i = 0;
    while (i < n && ++w[i] == letters) w[i++] = 0;
    if (i == n) return;
  }
}

/// Every word up to length max_len.
void for_each_word_upto(std::size_t letters, std::size_t max_len, const std::function<void(const Word&)>& f) {
  for (std::size_t n = 0; n <= max_len; ++n) for_each_word(letters, n, f);
}

std::string as_text(const Word& w, const std::string& letters) {
  std::string s;
  for (auto x : w) s += letters.at(x);
  return s;
}

void check_complete(const Dfa& d) {
  INFO(d.name);
  REQUIRE(d.states > 0);
  REQUIRE(d.delta.size() == d.alphabet.size());
  REQUIRE(d.accepting.size() == d.states);
  REQUIRE(d.start < d.states);
  for (const auto& row : d.delta) {
    REQUIRE(row.size() == d.states);
    for (auto t : row) REQUIRE(t < d.states);
  }
}

/// Membership of every word up to length 10 against a predicate on the
/// word spelled with `letters` (one character per symbol).
void check_against(const std::string& spec, const std::string& letters,
                   const std::function<bool(const std::string&)>& member) {
  const auto d = automata::language(spec);
  check_complete(d);
  CHECK(d.name == spec);
  REQUIRE(d.alphabet.size() == letters.size());
  for (std::size_t i = 0; i < letters.size(); ++i) REQUIRE(d.alphabet[i] == std::string(1, letters[i]));
  std::size_t checked = 0;
  for_each_word_upto(letters.size(), 10, [&](const Word& w) {
    const auto text = as_text(w, letters);
    INFO(spec << " on '" << text << "'");
    REQUIRE(automata::accepts(d, w) == member(text));
    ++checked;
  });
  CHECK(checked == 2047);
}

// ---- permutations, composed independently of the library ----------------

Perm identity(std::size_t n) {
  Perm p(n);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

/// x first, then g.
Perm then(const Perm& x, const Perm& g) {
  Perm r(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) r[i] = g[static_cast<std::size_t>(x[i])];
  return r;
}

Perm from_cycle(std::size_t n, const std::vector<int>& c) {
  Perm p = identity(n);
  for (std::size_t i = 0; i < c.size(); ++i) p[static_cast<std::size_t>(c[i])] = c[(i + 1) % c.size()];
  return p;
}

/// The product of the word's letters, the first letter applied first.
Perm product(const std::vector<Perm>& letters, const Word& w, std::size_t degree) {
  Perm p = identity(degree);
  for (auto x : w) p = then(p, letters[x]);
  return p;
}

/// The size of the group the permutations generate (closure by BFS).
std::size_t generated_order(const std::vector<Perm>& gens, std::size_t degree) {
  std::set<Perm> seen{identity(degree)};
  std::queue<Perm> todo;
  todo.push(identity(degree));
  while (!todo.empty()) {
    const Perm p = todo.front();
    todo.pop();
    for (const auto& g : gens)
      if (seen.insert(then(p, g)).second) todo.push(then(p, g));
  }
  return seen.size();
}

std::size_t reachable_states(const Dfa& d) {
  std::vector<bool> seen(d.states, false);
  std::queue<std::uint32_t> todo;
  seen[d.start] = true;
  todo.push(d.start);
  std::size_t count = 1;
  while (!todo.empty()) {
    const auto q = todo.front();
    todo.pop();
    for (const auto& row : d.delta)
      if (!seen[row[q]]) {
        seen[row[q]] = true;
        ++count;
        todo.push(row[q]);
      }
  }
  return count;
}

/// A group word-problem DFA: |G| states, one accepting state (the start),
/// every letter a bijection, every state reachable, and membership equal to
/// "the product of the test-side permutations is the identity" on all words
/// up to max_len and on random longer words.
void check_word_problem(const Dfa& d, const std::vector<Perm>& letters, std::size_t degree, std::size_t order,
                        std::size_t max_len) {
  INFO(d.name);
  check_complete(d);
  REQUIRE(d.alphabet.size() == letters.size());
  CHECK(d.states == order);
  CHECK(reachable_states(d) == order);  // the letters generate the whole group
  CHECK(generated_order(letters, degree) == order);
  CHECK(std::count(d.accepting.begin(), d.accepting.end(), true) == 1);
  CHECK(d.accepting[d.start]);
  for (const auto& row : d.delta) CHECK(std::set<std::uint32_t>(row.begin(), row.end()).size() == d.states);
  const Perm id = identity(degree);
  for_each_word_upto(letters.size(), max_len, [&](const Word& w) {
    INFO("word " << automata::format_word(d, w));
    REQUIRE(automata::accepts(d, w) == (product(letters, w, degree) == id));
  });
  // Random words, and words built to be the identity (w, then w reversed
  // with each letter replaced by its inverse written as a power).
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(letters.size() - 1));
  for (int t = 0; t < 200; ++t) {
    Word w(5 + static_cast<std::size_t>(t % 23));
    for (auto& x : w) x = pick(rng);
    REQUIRE(automata::accepts(d, w) == (product(letters, w, degree) == id));
    Word back = w;
    for (auto it = w.rbegin(); it != w.rend(); ++it) {
      // the inverse of g is g^(k−1) where k is the order of g
      std::size_t k = 1;
      for (Perm p = letters[*it]; p != id; p = then(p, letters[*it])) ++k;
      for (std::size_t i = 0; i + 1 < k; ++i) back.push_back(*it);
    }
    REQUIRE(automata::accepts(d, back));
  }
}

Perm parse_perm(const std::string& s) {
  Perm p;
  for (char c : s) p.push_back(c - '0');
  return p;
}

Perm cyclic_shift(std::size_t m, std::size_t k) {
  Perm p(m);
  for (std::size_t i = 0; i < m; ++i) p[i] = static_cast<int>((i + k) % m);
  return p;
}

/// D_n on the vertices 0..n−1: r<k> is i ↦ i + k, s<k> is i ↦ k − i.
Perm dihedral(std::size_t n, bool reflect, std::size_t k) {
  Perm p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<int>(reflect ? (k + n - i) % n : (i + k) % n);
  return p;
}

/// A4 × Z5 acting on 9 points: the perm on 0..3 and the shift on 4..8.
Perm a4z5(const Perm& p, std::size_t k) {
  Perm r = p;
  for (std::size_t i = 0; i < 5; ++i) r.push_back(static_cast<int>(4 + (i + k) % 5));
  return r;
}

/// The test-side permutation of each letter of a word:G:all DFA, from its name.
std::vector<Perm> all_letters(const Dfa& d, const std::string& group) {
  std::vector<Perm> out;
  for (const auto& name : d.alphabet) {
    if (group[0] == 'Z') {
      out.push_back(cyclic_shift(d.states, std::stoul(name)));
    } else if (group[0] == 'D') {
      REQUIRE((name[0] == 'r' || name[0] == 's'));
      out.push_back(dihedral(d.states / 2, name[0] == 's', std::stoul(name.substr(1))));
    } else if (group == "A4xZ5") {
      const auto dot = name.find('.');
      REQUIRE(dot == 4);
      out.push_back(a4z5(parse_perm(name.substr(0, 4)), std::stoul(name.substr(5))));
    } else {
      out.push_back(parse_perm(name));
    }
  }
  return out;
}

// ---- brute force for the sampler ------------------------------------------

struct BruteCounts {
  std::size_t accepted = 0, rejected = 0;
};

BruteCounts brute_counts(const Dfa& d, std::size_t n) {
  BruteCounts c;
  for_each_word(d.alphabet.size(), n, [&](const Word& w) { (automata::accepts(d, w) ? c.accepted : c.rejected)++; });
  return c;
}

void check_log2(long double got, std::size_t count) {
  if (count == 0) {
    CHECK(std::isinf(got));
    CHECK(got < 0);
  } else {
    CHECK(std::fabs(got - std::log2(static_cast<long double>(count))) < 1e-12L);
  }
}

std::size_t code_of(const Word& w, std::size_t letters) {
  std::size_t c = 0;
  for (auto x : w) c = c * letters + x;
  return c;
}

/// Draws `draws` words and returns the chi-square statistic against the
/// uniform distribution on the brute-forced slice; every draw must be in the
/// slice and every word of the slice must appear.
double chi_square(const Dfa& d, std::size_t n, bool accepted, std::size_t draws, std::uint64_t seed,
                  std::size_t* slice_size) {
  std::map<std::size_t, std::size_t> hist;  // every word of the slice, by code
  for_each_word(d.alphabet.size(), n, [&](const Word& w) {
    if (automata::accepts(d, w) == accepted) hist[code_of(w, d.alphabet.size())] = 0;
  });
  *slice_size = hist.size();
  const automata::WordSampler sampler(d, n);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < draws; ++i) {
    const auto w = sampler.sample(accepted, rng);
    REQUIRE(w.size() == n);
    REQUIRE(automata::accepts(d, w) == accepted);
    hist.at(code_of(w, d.alphabet.size()))++;
  }
  const double expected = static_cast<double>(draws) / static_cast<double>(hist.size());
  double chi2 = 0;
  for (const auto& [code, count] : hist) {
    CHECK(count > 0);
    chi2 += (static_cast<double>(count) - expected) * (static_cast<double>(count) - expected) / expected;
  }
  return chi2;
}

}  // namespace

// ---- languages --------------------------------------------------------------

TEST_CASE("languages: small languages agree with direct predicates on all words up to length 10",
          "[quick][languages]") {
  check_against("parity", "ab", [](const std::string& w) { return std::count(w.begin(), w.end(), 'b') % 2 == 0; });
  check_against("even-length", "ab", [](const std::string& w) { return w.size() % 2 == 0; });
  for (long m : {1, 2, 3, 5, 7, 11}) {
    check_against("count-mod:" + std::to_string(m), "ab",
                  [m](const std::string& w) { return std::count(w.begin(), w.end(), 'a') % m == 0; });
  }
  check_against("ab-star", "ab", [](const std::string& w) {
    if (w.size() % 2 != 0) return false;
    for (std::size_t i = 0; i < w.size(); i += 2)
      if (w.substr(i, 2) != "ab") return false;
    return true;
  });
  check_against("a-star-b-star", "ab", [](const std::string& w) { return std::is_sorted(w.begin(), w.end()); });
  check_against("first-eq-last", "ab", [](const std::string& w) { return !w.empty() && w.front() == w.back(); });
  check_against("contains-aba", "ab", [](const std::string& w) { return has(w, "aba"); });
  for (int k : {1, 2, 3, 5, 10000}) {
    check_against("dyck1:" + std::to_string(k), "()", [k](const std::string& w) {
      int depth = 0;
      for (char c : w) {
        depth += c == '(' ? 1 : -1;
        if (depth < 0 || depth > k) return false;
      }
      return depth == 0;
    });
  }
}

TEST_CASE("languages: the catalog lists distinct names whose examples build", "[quick][languages]") {
  const auto& cat = automata::language_catalog();
  std::set<std::string> names;
  for (const auto& info : cat) {
    INFO(info.name);
    CHECK(names.insert(info.name).second);
    CHECK_FALSE(info.description.empty());
    const auto d = automata::language(info.example);
    CHECK(d.name == info.example);
    check_complete(d);
  }
  for (const char* n : {"parity", "even-length", "count-mod:M", "ab-star", "a-star-b-star", "first-eq-last",
                        "contains-aba", "dyck1:K", "word:S5", "word:G:all"})
    CHECK(names.count(n) == 1);
  // the sizes the header promises
  CHECK(automata::language("count-mod:7").states == 7);
  CHECK(automata::language("dyck1:4").states == 6);
  CHECK(automata::language("dyck1:10000").states == 10002);
}

TEST_CASE("languages: the built-in DFAs of dfa.hpp are the same languages", "[quick][languages]") {
  for (const char* name : {"parity", "contains-aba"}) {
    const auto a = automata::language(name);
    const auto b = automata::builtin_dfa(name);
    CHECK(a.alphabet == b.alphabet);
    for_each_word_upto(2, 10, [&](const Word& w) { REQUIRE(automata::accepts(a, w) == automata::accepts(b, w)); });
  }
  // word:S5 must be the S5 automaton of the LRNN models state for state:
  // states in s5_elements() order, letters s5_generators(), x then the letter
  const auto s5 = automata::language("word:S5");
  const auto& perms = models::s5_elements();
  const auto gens = models::s5_generators();
  CHECK(s5.alphabet == std::vector<std::string>{"s", "c"});
  REQUIRE(s5.states == perms.size());
  CHECK(s5.start == 0);
  for (std::size_t g = 0; g < gens.size(); ++g)
    for (std::size_t x = 0; x < perms.size(); ++x)
      REQUIRE(s5.delta[g][x] == models::s5_index(models::compose_perm(gens[g], perms[x])));
  CHECK(s5.accepting[models::s5_index(perms[0])]);
  CHECK(std::count(s5.accepting.begin(), s5.accepting.end(), true) == 1);
  const auto b = automata::builtin_dfa("s5");
  CHECK(s5.delta == b.delta);
  CHECK(s5.accepting == b.accepting);
}

TEST_CASE("languages: group word problems over generators match composed permutations", "[quick][languages]") {
  for (std::size_t n : {3, 4, 5}) {
    Perm c(n);
    for (std::size_t i = 0; i < n; ++i) c[i] = static_cast<int>((i + 1) % n);
    const std::size_t order = n == 3 ? 6 : n == 4 ? 24 : 120;
    const auto d = automata::language("word:S" + std::to_string(n));
    CHECK(d.alphabet == std::vector<std::string>{"s", "c"});
    check_word_problem(d, {from_cycle(n, {0, 1}), c}, n, order, 10);
  }
  {
    const auto d = automata::language("word:A4");
    CHECK(d.alphabet == std::vector<std::string>{"t", "u"});
    check_word_problem(d, {from_cycle(4, {0, 1, 2}), from_cycle(4, {1, 2, 3})}, 4, 12, 10);
  }
  {
    const auto d = automata::language("word:A5");
    CHECK(d.alphabet == std::vector<std::string>{"t", "c"});
    check_word_problem(d, {from_cycle(5, {0, 1, 2}), from_cycle(5, {0, 1, 2, 3, 4})}, 5, 60, 10);
  }
  {
    const auto d = automata::language("word:A4xZ5");
    CHECK(d.alphabet == std::vector<std::string>{"t", "u"});
    check_word_problem(d, {a4z5(from_cycle(4, {0, 1, 2}), 1), a4z5(from_cycle(4, {1, 2, 3}), 0)}, 9, 60, 10);
  }
  for (std::size_t n : {3, 4, 7, 12}) {
    const auto d = automata::language("word:D" + std::to_string(n));
    CHECK(d.alphabet == std::vector<std::string>{"r", "f"});
    check_word_problem(d, {dihedral(n, false, 1), dihedral(n, true, 0)}, n, 2 * n, 10);
  }
  for (std::size_t m : {1, 2, 5, 60}) {
    const auto d = automata::language("word:Z" + std::to_string(m));
    CHECK(d.alphabet == std::vector<std::string>{"a"});
    check_word_problem(d, {cyclic_shift(m, 1)}, m, m, 10);
  }
  // the largest parameters still build and stay groups
  const auto d = automata::language("word:D10000");
  CHECK(d.states == 20000);
  CHECK(reachable_states(d) == 20000);
  CHECK(automata::language("word:Z10000").states == 10000);
}

TEST_CASE("languages: word problems with one letter per element", "[quick][languages]") {
  struct Case {
    std::string group;
    std::size_t order, degree, max_len;
  };
  for (const auto& c : std::vector<Case>{{"S3", 6, 3, 4},
                                         {"S4", 24, 4, 3},
                                         {"S5", 120, 5, 2},
                                         {"A4", 12, 4, 4},
                                         {"A5", 60, 5, 2},
                                         {"D5", 10, 5, 4},
                                         {"D8", 16, 8, 3},
                                         {"Z7", 7, 7, 4},
                                         {"Z60", 60, 60, 2},
                                         {"A4xZ5", 60, 9, 2}}) {
    const auto d = automata::language("word:" + c.group + ":all");
    INFO(d.name);
    CHECK(d.alphabet.size() == c.order);
    CHECK(std::set<std::string>(d.alphabet.begin(), d.alphabet.end()).size() == c.order);  // distinct names
    const auto letters = all_letters(d, c.group);
    CHECK(std::set<Perm>(letters.begin(), letters.end()).size() == c.order);  // distinct elements
    check_word_problem(d, letters, c.degree, c.order, c.max_len);
    // reading x then y from the identity lands where the letter named x·y does
    std::map<Perm, std::uint32_t> letter_of;
    for (std::uint32_t i = 0; i < letters.size(); ++i) letter_of[letters[i]] = i;
    for (std::uint32_t x = 0; x < c.order; ++x)
      for (std::uint32_t y = 0; y < c.order; ++y)
        REQUIRE(d.delta[y][d.delta[x][d.start]] == d.delta[letter_of.at(then(letters[x], letters[y]))][d.start]);
  }
  // one-line names and the identity first
  const auto s3 = automata::language("word:S3:all");
  CHECK(s3.alphabet == std::vector<std::string>{"012", "021", "102", "120", "201", "210"});
  CHECK(automata::language("word:D3:all").alphabet ==
        std::vector<std::string>{"r0", "r1", "r2", "s0", "s1", "s2"});
  CHECK(automata::language("word:A4xZ5:all").alphabet.front() == "0123.0");
  CHECK(automata::language("word:Z4:all").alphabet == std::vector<std::string>{"0", "1", "2", "3"});
}

TEST_CASE("languages: transition cap at 10^7", "[quick][languages]") {
  CHECK(automata::language("word:Z3162:all").alphabet.size() == 3162);  // 3162² < 10^7
  const auto e = spec_error("word:Z10000:all");
  CHECK(has(e, "word:Z10000:all"));
  CHECK(has(e, "10000000"));
  CHECK(has(spec_error("word:Z3163:all"), "10000000"));
  CHECK(has(spec_error("word:D1582:all"), "10000000"));  // 3164² > 10^7
}

TEST_CASE("languages: bad specs name the valid languages and ranges", "[quick][errors][languages]") {
  const auto e = spec_error("nope");
  CHECK(has(e, "unknown language 'nope'"));
  for (const char* n : {"parity", "even-length", "count-mod:M (M from 1 to 10000)", "ab-star", "a-star-b-star",
                        "first-eq-last", "contains-aba", "dyck1:K (K from 1 to 10000)", "Z<m> (m from 1 to 10000)",
                        "S3", "S4", "S5", "A4", "A5", "D<n> (n from 3 to 10000)", "A4xZ5"})
    CHECK(has(e, n));
  CHECK(has(spec_error("count-mod:0"), "M must be an integer from 1 to 10000, got '0'"));
  CHECK(has(spec_error("count-mod:10001"), "from 1 to 10000"));
  CHECK(has(spec_error("count-mod:x"), "got 'x'"));
  CHECK(has(spec_error("count-mod:-3"), "got '-3'"));
  CHECK(has(spec_error("count-mod:03"), "got '03'"));
  CHECK(has(spec_error("count-mod:99999999999999999999"), "from 1 to 10000"));
  CHECK(has(spec_error("count-mod"), "needs one parameter"));
  CHECK(has(spec_error("count-mod:3:4"), "needs one parameter"));
  CHECK(has(spec_error("dyck1:0"), "K must be an integer from 1 to 10000"));
  CHECK(has(spec_error("dyck1"), "needs one parameter"));
  CHECK(has(spec_error("parity:2"), "unknown language 'parity:2'"));
  CHECK(has(spec_error("word:Z0"), "from 1 to 10000"));
  CHECK(has(spec_error("word:Z"), "unknown group 'Z'"));
  CHECK(has(spec_error("word:D2"), "n of D<n> must be an integer from 3 to 10000"));
  CHECK(has(spec_error("word:D10001"), "from 3 to 10000"));
  CHECK(has(spec_error("word:Q8"), "unknown group 'Q8'"));
  CHECK(has(spec_error("word:S6"), "unknown group 'S6'"));
  CHECK(has(spec_error("word:S5:some"), "unknown language 'word:S5:some'"));
  CHECK(has(spec_error("word"), "unknown language 'word'"));
  CHECK(has(spec_error(""), "unknown language ''"));
}

// ---- sampling ---------------------------------------------------------------

TEST_CASE("sample: log2 counts equal brute-force counts", "[quick][languages][sample]") {
  for (const char* spec : {"parity", "even-length", "count-mod:3", "ab-star", "a-star-b-star", "first-eq-last",
                           "contains-aba", "dyck1:2", "word:S3", "word:A4xZ5"}) {
    const auto d = automata::language(spec);
    for (std::size_t n = 0; n <= 11; ++n) {
      INFO(spec << " n=" << n);
      const automata::WordSampler s(d, n);
      const auto c = brute_counts(d, n);
      CHECK(s.length() == n);
      CHECK(s.has_accepted() == (c.accepted > 0));
      CHECK(s.has_rejected() == (c.rejected > 0));
      check_log2(s.log2_accepted(), c.accepted);
      check_log2(s.log2_rejected(), c.rejected);
    }
  }
  const auto s3all = automata::language("word:S3:all");
  for (std::size_t n = 0; n <= 5; ++n) {
    const automata::WordSampler s(s3all, n);
    const auto c = brute_counts(s3all, n);
    check_log2(s.log2_accepted(), c.accepted);
    check_log2(s.log2_rejected(), c.rejected);
  }
  // closed forms: Catalan numbers for unbounded depth, 2^(m−1) for depth ≤ 2
  check_log2(automata::WordSampler(automata::language("dyck1:1000"), 20).log2_accepted(), 16796);
  CHECK(std::fabs(automata::WordSampler(automata::language("dyck1:2"), 80).log2_accepted() - 39) < 1e-12L);
  CHECK(std::fabs(automata::WordSampler(automata::language("parity"), 200).log2_accepted() - 199) < 1e-12L);
}

TEST_CASE("sample: draws are uniform over the slice", "[quick][languages][sample]") {
  struct Case {
    std::string spec;
    std::size_t n;
    bool accepted;
    std::size_t draws;
  };
  // contains-aba and first-eq-last are far from uniform under a naive random
  // walk; n = 10 spans three checkpoint blocks (B = 4).
  for (const auto& c : std::vector<Case>{{"contains-aba", 6, true, 20000},
                                         {"contains-aba", 7, false, 20000},
                                         {"first-eq-last", 5, false, 8000},
                                         {"a-star-b-star", 9, true, 5000},
                                         {"word:S3", 10, true, 30000}}) {
    INFO(c.spec << " n=" << c.n << (c.accepted ? " accepted" : " rejected"));
    std::size_t slice = 0;
    const double chi2 = chi_square(automata::language(c.spec), c.n, c.accepted, c.draws, 12345, &slice);
    const double df = static_cast<double>(slice - 1);
    INFO("slice " << slice << ", chi-square " << chi2);
    CHECK(slice > 5);
    CHECK(chi2 < df + 5 * std::sqrt(2 * df));  // about 5 standard deviations
  }
}

TEST_CASE("sample: membership, determinism and empty slices", "[quick][languages][sample]") {
  const auto d = automata::language("word:A5");
  const automata::WordSampler s(d, 37);
  std::mt19937_64 r1(42), r2(42), r3(43);
  std::vector<Word> a, b, c;
  for (int i = 0; i < 50; ++i) {
    const bool want = i % 2 == 0;
    a.push_back(s.sample(want, r1));
    b.push_back(s.sample(want, r2));
    c.push_back(s.sample(want, r3));
    REQUIRE(a.back().size() == 37);
    REQUIRE(automata::accepts(d, a.back()) == want);
    REQUIRE(automata::accepts(d, c.back()) == want);
  }
  CHECK(a == b);
  CHECK(a != c);

  const automata::WordSampler odd(automata::language("ab-star"), 7);
  CHECK_FALSE(odd.has_accepted());
  CHECK(odd.has_rejected());
  std::mt19937_64 rng(1);
  CHECK_THROWS_AS(odd.sample(true, rng), std::invalid_argument);
  try {
    odd.sample(true, rng);
  } catch (const std::invalid_argument& e) {
    CHECK(has(e.what(), "no accepted word of length 7"));
  }
  CHECK(automata::accepts(automata::language("ab-star"), odd.sample(false, rng)) == false);

  const automata::WordSampler even(automata::language("even-length"), 8);
  CHECK(even.has_accepted());
  CHECK_FALSE(even.has_rejected());
  CHECK_THROWS_AS(even.sample(false, rng), std::invalid_argument);
  CHECK_FALSE(automata::WordSampler(automata::language("dyck1:3"), 9).has_accepted());
  CHECK_FALSE(automata::WordSampler(automata::language("first-eq-last"), 0).has_accepted());

  // n = 0: the empty word
  const automata::WordSampler zero(automata::language("parity"), 0);
  CHECK(zero.has_accepted());
  CHECK_FALSE(zero.has_rejected());
  CHECK(zero.sample(true, rng).empty());

  // exactly one word: dyck1:1 at length 12 is ()()()()()()
  const auto dy = automata::language("dyck1:1");
  const automata::WordSampler one(dy, 12);
  CHECK(one.log2_accepted() == 0);
  CHECK(automata::format_word(dy, one.sample(true, rng)) == "()()()()()()");

  // a DFA with more states: deep Dyck words stay balanced and in depth
  const auto deep = automata::language("dyck1:50");
  const automata::WordSampler ds(deep, 2000);
  for (int i = 0; i < 5; ++i) {
    const auto w = ds.sample(true, rng);
    int depth = 0, top = 0;
    for (auto x : w) {
      depth += x == 0 ? 1 : -1;
      REQUIRE(depth >= 0);
      top = std::max(top, depth);
    }
    CHECK(depth == 0);
    CHECK(top <= 50);
    CHECK_FALSE(automata::accepts(deep, ds.sample(false, rng)));
  }

  // Counts 2^20000 apart: only a^n is accepted from the start, while an
  // unreachable accepting sink has 2^k words; the small count must not be
  // flushed to zero by the huge one.
  Dfa skew;
  skew.name = "skew";
  skew.alphabet = {"a", "b"};
  skew.states = 3;
  skew.delta = {{0, 1, 2}, {2, 1, 2}};
  skew.accepting = {true, true, false};
  const std::size_t big = 20000;
  const automata::WordSampler sk(skew, big);
  CHECK(sk.has_accepted());
  CHECK(sk.log2_accepted() == 0);
  CHECK(std::fabs(sk.log2_rejected() - big) < 1e-9L);
  CHECK(sk.sample(true, rng) == Word(big, 0));
  CHECK_FALSE(automata::accepts(skew, sk.sample(false, rng)));

  // a malformed DFA is refused
  Dfa bad = automata::language("parity");
  bad.delta[1][0] = 5;
  CHECK_THROWS_AS(automata::WordSampler(bad, 3), std::invalid_argument);
}

TEST_CASE("sample: a million symbols", "[standard][languages][sample]") {
  const auto d = automata::language("count-mod:5");
  const std::size_t n = 1000000;
  const auto t0 = std::chrono::steady_clock::now();
  const automata::WordSampler s(d, n);
  // about 2^n / 5 accepted and 4·2^n / 5 rejected words (the other terms of
  // the roots-of-unity filter are below 0.81^n relatively)
  CHECK(std::fabs(s.log2_accepted() - (n - std::log2(5.0L))) < 1e-5L);
  CHECK(std::fabs(s.log2_rejected() - (n + std::log2(0.8L))) < 1e-5L);
  std::mt19937_64 rng(2024);
  for (bool want : {true, false}) {
    const auto w = s.sample(want, rng);
    REQUIRE(w.size() == n);
    const auto as = std::count(w.begin(), w.end(), 0u);
    CHECK((as % 5 == 0) == want);
    CHECK(automata::accepts(d, w) == want);
    // a uniform word has about n/2 a's
    CHECK(std::fabs(static_cast<double>(as) - n / 2.0) < 5 * std::sqrt(n / 4.0));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("count-mod:5 at n = 10^6: counting and two draws took " << secs << " s");
}

TEST_CASE("sample: parse_word and format_word", "[quick][languages][sample]") {
  const auto ab = automata::language("contains-aba");
  CHECK(automata::parse_word(ab, "abba", "--word") == Word{0, 1, 1, 0});
  CHECK(automata::parse_word(ab, " a, b  b\na ", "--word") == Word{0, 1, 1, 0});
  CHECK(automata::parse_word(ab, "", "--word").empty());
  CHECK(automata::format_word(ab, {0, 1, 1, 0}) == "abba");
  std::string e;
  try {
    automata::parse_word(ab, "ab abxa", "words.txt");
  } catch (const std::invalid_argument& ex) {
    e = ex.what();
  }
  CHECK(has(e, "words.txt"));
  CHECK(has(e, "unknown symbol 'x'"));
  CHECK(has(e, "position 5"));
  CHECK(has(e, "character 6"));
  CHECK(has(e, "for 'contains-aba' (alphabet: a b)"));

  const auto z = automata::language("word:Z12:all");
  const Word w{11, 3, 0, 1};
  CHECK(automata::format_word(z, w) == "11 3 0 1");
  CHECK(automata::parse_word(z, "11 3,0 1", "--word") == w);
  CHECK(automata::parse_word(z, automata::format_word(z, w), "--word") == w);
  try {
    automata::parse_word(z, "11 113", "--word");
    FAIL("no error");
  } catch (const std::invalid_argument& ex) {
    CHECK(has(ex.what(), "unknown symbol '113' at position 2"));
  }
  // a long alphabet is shortened in the message
  try {
    automata::parse_word(automata::language("word:Z60:all"), "x", "--word");
    FAIL("no error");
  } catch (const std::invalid_argument& ex) {
    CHECK(has(ex.what(), "(60 symbols)"));
  }
  // round trip of sampled words through text
  const auto s5 = automata::language("word:S5:all");
  const automata::WordSampler s(s5, 9);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20; ++i) {
    const auto x = s.sample(i % 3 == 0, rng);
    CHECK(automata::parse_word(s5, automata::format_word(s5, x), "--word") == x);
  }
}
