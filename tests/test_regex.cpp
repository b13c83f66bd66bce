// Regular expressions, NFAs, subset construction, Hopcroft minimization and
// DFA equivalence, checked against independent brute-force references:
// std::regex (ECMAScript) for regex membership, a direct ε-NFA simulation,
// Myhill–Nerode classes computed from acceptance signatures, and
// length-lexicographic enumeration for shortest distinguishing words.
// <regex> first, inside the pragma: with sanitizers, GCC 12 reports false
// -Wmaybe-uninitialized warnings inside libstdc++'s regex and std::function.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <functional>
#include <regex>
#pragma GCC diagnostic pop

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/minimize.hpp"
#include "automata/nfa.hpp"
#include "automata/regex.hpp"

using namespace parallax;
using automata::Dfa;
using automata::Nfa;
using Word = std::vector<std::uint32_t>;

namespace {

/// Every word of length 0..max_len over sigma symbols, in length-lexicographic order.
std::vector<Word> all_words(std::size_t sigma, std::size_t max_len) {
  std::vector<Word> out{Word{}};
  std::size_t level_begin = 0;
  for (std::size_t len = 1; len <= max_len; ++len) {
    const std::size_t level_end = out.size();
    for (std::size_t i = level_begin; i < level_end; ++i)
      for (std::uint32_t s = 0; s < sigma; ++s) {
        Word w = out[i];
        w.push_back(s);
        out.push_back(std::move(w));
      }
    level_begin = level_end;
  }
  return out;
}

std::string spell(const std::vector<std::string>& alphabet, const Word& w) {
  std::string s;
  for (auto x : w) s += alphabet.at(x);
  return s;
}

/// Direct simulation of an ε-NFA on sets of states (no subset construction).
bool nfa_accepts(const Nfa& nfa, const Word& w) {
  std::vector<bool> cur(nfa.states, false);
  auto close = [&](std::vector<bool>& set) {
    bool changed = true;
    while (changed) {
      changed = false;
      for (std::size_t q = 0; q < nfa.states; ++q)
        if (set[q])
          for (const auto& e : nfa.edges[q])
            if (e.symbol == Nfa::kEpsilon && !set[e.to]) set[e.to] = changed = true;
    }
  };
  for (auto s : nfa.start) cur[s] = true;
  close(cur);
  for (auto x : w) {
    std::vector<bool> next(nfa.states, false);
    for (std::size_t q = 0; q < nfa.states; ++q)
      if (cur[q])
        for (const auto& e : nfa.edges[q])
          if (e.symbol == x) next[e.to] = true;
    close(next);
    cur = std::move(next);
  }
  for (std::size_t q = 0; q < nfa.states; ++q)
    if (cur[q] && nfa.accepting[q]) return true;
  return false;
}

Dfa make_random_dfa(std::mt19937& rng, std::size_t n, std::size_t sigma, double p_accept = 0.5) {
  Dfa d;
  d.name = "random";
  for (std::size_t a = 0; a < sigma; ++a) d.alphabet.push_back(std::string(1, static_cast<char>('a' + a)));
  d.states = n;
  std::uniform_int_distribution<std::uint32_t> state(0, static_cast<std::uint32_t>(n - 1));
  std::bernoulli_distribution acc(p_accept);
  d.delta.assign(sigma, std::vector<std::uint32_t>(n));
  for (auto& row : d.delta)
    for (auto& t : row) t = state(rng);
  for (std::size_t q = 0; q < n; ++q) d.accepting.push_back(acc(rng));
  d.start = state(rng);
  return d;
}

/// The same automaton with states renamed by a random permutation.
Dfa relabel(const Dfa& d, std::mt19937& rng) {
  std::vector<std::uint32_t> perm(d.states);
  std::iota(perm.begin(), perm.end(), 0u);
  std::shuffle(perm.begin(), perm.end(), rng);
  Dfa r = d;
  for (std::size_t a = 0; a < d.delta.size(); ++a)
    for (std::size_t q = 0; q < d.states; ++q) r.delta[a][perm[q]] = perm[d.delta[a][q]];
  for (std::size_t q = 0; q < d.states; ++q) r.accepting[perm[q]] = d.accepting[q];
  r.start = perm[d.start];
  return r;
}

bool same_structure(const Dfa& x, const Dfa& y) {
  return x.states == y.states && x.start == y.start && x.delta == y.delta && x.accepting == y.accepting &&
         x.alphabet == y.alphabet;
}

std::vector<std::string> letters(const std::string& s) {
  std::vector<std::string> out;
  for (char c : s) out.emplace_back(1, c);
  return out;
}

/// Number of Myhill–Nerode classes by brute force: states reached by words of
/// length < n, grouped by which words of length <= n they accept from there.
std::size_t nerode_classes(const Dfa& d) {
  const auto words = all_words(d.alphabet.size(), d.states);
  auto run = [&](std::uint32_t q, const Word& w) {
    for (auto x : w) q = d.delta[x][q];
    return q;
  };
  std::set<std::uint32_t> reachable;
  for (const auto& w : words)
    if (w.size() < d.states) reachable.insert(run(d.start, w));
  std::set<std::vector<bool>> signatures;
  for (auto q : reachable) {
    std::vector<bool> sig;
    for (const auto& w : words) sig.push_back(d.accepting[run(q, w)]);
    signatures.insert(sig);
  }
  return signatures.size();
}

/// Number of states of the minimal DFA by Moore's algorithm (an independent,
/// quadratic reference): refine reachable states by (class, successor classes)
/// signatures until the count stops growing.
std::size_t moore_classes(const Dfa& d) {
  std::vector<bool> reach(d.states, false);
  std::vector<std::uint32_t> todo{d.start};
  reach[d.start] = true;
  while (!todo.empty()) {
    const auto q = todo.back();
    todo.pop_back();
    for (const auto& row : d.delta)
      if (!reach[row[q]]) reach[row[q]] = true, todo.push_back(row[q]);
  }
  std::vector<std::uint32_t> cls(d.states);
  for (std::size_t q = 0; q < d.states; ++q) cls[q] = d.accepting[q];
  std::size_t count = 0;
  for (;;) {
    std::map<std::vector<std::uint32_t>, std::uint32_t> ids;
    std::vector<std::uint32_t> next(d.states, 0);
    for (std::size_t q = 0; q < d.states; ++q) {
      if (!reach[q]) continue;
      std::vector<std::uint32_t> sig{cls[q]};
      for (const auto& row : d.delta) sig.push_back(cls[row[q]]);
      next[q] = ids.emplace(sig, static_cast<std::uint32_t>(ids.size())).first->second;
    }
    cls = std::move(next);
    if (ids.size() == count) return count;
    count = ids.size();
  }
}

/// A DFA with k copies of each state of `small`, each transition going to a
/// random copy of its target: the language is unchanged and the copies are
/// equivalent, so minimization has to merge many states.
Dfa blow_up(const Dfa& small, std::size_t k, std::mt19937& rng) {
  Dfa d = small;
  d.states = small.states * k;
  d.accepting.clear();
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t q = 0; q < small.states; ++q) d.accepting.push_back(small.accepting[q]);
  for (std::size_t a = 0; a < small.delta.size(); ++a) {
    d.delta[a].assign(d.states, 0);
    for (std::size_t c = 0; c < k; ++c)
      for (std::size_t q = 0; q < small.states; ++q)
        d.delta[a][c * small.states + q] =
            static_cast<std::uint32_t>((rng() % k) * small.states + small.delta[a][q]);
  }
  d.start = static_cast<std::uint32_t>((rng() % k) * small.states + small.start);
  return d;
}

std::string regex_error(const std::string& re, std::size_t* position,
                        const std::vector<std::string>& alphabet = {}) {
  try {
    automata::regex_to_nfa(re, alphabet);
  } catch (const automata::RegexError& e) {
    *position = e.position;
    return e.what();
  }
  return "no error";
}

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("regex: membership agrees with std::regex on all short words", "[quick][regex]") {
  struct Case {
    std::string ours, ecma, alphabet;  // alphabet "" = inferred
    std::string expected_alphabet;
  };
  const std::vector<Case> cases = {
      {"(ab)*", "(ab)*", "", "ab"},
      {"a*b*", "a*b*", "", "ab"},
      {"((a|b)(a|b)(a|b)(ab*a|b))*", "((a|b)(a|b)(a|b)(ab*a|b))*", "", "ab"},
      {"[^a]b?", "[^a]b?", "", "ab"},
      {"a+|b", "a+|b", "", "ab"},
      {"(a|)b", "(a|)b", "", "ab"},
      {"a\\*b", "a\\*b", "", "*ab"},
      {"\\(a\\)|\\|", "\\(a\\)|\\|", "", "()a|"},
      {"\\\\a*", "\\\\a*", "", "\\a"},
      {"\\[a\\.\\]", "\\[a\\.\\]", "", ".[]a"},
      {"a.b", "a.b", "abc", "abc"},
      {".*a.*", ".*a.*", "abc", "abc"},
      {"[a-c]*d", "[a-c]*d", "", "abcd"},
      {"[^ab]*", "[^ab]*", "abc", "abc"},
      {"(a|b)*abb", "(a|b)*abb", "", "ab"},
      {"a?a?a?aaa", "a?a?a?aaa", "", "a"},
      {"(a*b*)*", "(a*b*)*", "", "ab"},
      {"((a))", "((a))", "ab", "ab"},
      {"a(b|c)*d?", "a(b|c)*d?", "", "abcd"},
      {"(a|b|c)+c", "(a|b|c)+c", "", "abc"},
      {"()a", "()a", "", "a"},
      {"a||b", "a||b", "", "ab"},
      {"(|a)(b|)", "(|a)(b|)", "", "ab"},
      {"", "", "ab", "ab"},
      {"[-a]b", "[-a]b", "", "-ab"},
      {"[a-]*", "[a-]*", "", "-a"},
      {"[\\]a]+", "[\\]a]+", "", "]a"},
      {"(a(b(c)?)?)*", "(a(b(c)?)?)*", "", "abc"},
      {"(aa|aab?)*b", "(aa|aab?)*b", "", "ab"},
      {"[^b][^a]|b[a-b]", "[^b][^a]|b[a-b]", "", "ab"},
      {"x[^x]*x", "x[^x]*x", "abx", "abx"},
      {"(a|b)*a(a|b)(a|b)", "(a|b)*a(a|b)(a|b)", "", "ab"},
      {"a b", "a b", "", " ab"},
  };
  for (const auto& c : cases) {
    INFO("regex " << c.ours);
    const auto alphabet = letters(c.alphabet);
    const auto nfa = automata::regex_to_nfa(c.ours, alphabet);
    REQUIRE(nfa.alphabet == letters(c.expected_alphabet));
    REQUIRE_NOTHROW(automata::validate(nfa, "test"));
    const auto raw = automata::determinize(nfa);
    const auto dfa = automata::regex_to_dfa(c.ours, alphabet);
    CHECK(dfa.name == c.ours);
    CHECK(dfa.alphabet == nfa.alphabet);
    CHECK(dfa.states <= raw.states);
    const std::regex reference(c.ecma, std::regex::ECMAScript);
    const std::size_t sigma = nfa.alphabet.size();
    const std::size_t max_len = sigma <= 3 ? 8 : sigma == 4 ? 7 : 6;
    std::size_t accepted = 0, mismatches = 0;
    for (const auto& w : all_words(sigma, max_len)) {
      const auto text = spell(nfa.alphabet, w);
      const bool expected = std::regex_match(text, reference);
      accepted += expected;
      if (automata::accepts(dfa, w) != expected || automata::accepts(raw, w) != expected ||
          nfa_accepts(nfa, w) != expected) {
        if (++mismatches <= 3) FAIL_CHECK("word '" << text << "': std::regex says " << expected);
      }
    }
    CHECK(mismatches == 0);
    CHECK(accepted > 0);  // the comparison is not vacuous
  }
}

TEST_CASE("regex: stacked postfix operators and equivalent spellings", "[quick][regex]") {
  auto same = [](const std::string& x, const std::string& y, const std::vector<std::string>& alphabet = {}) {
    return automata::equivalent(automata::regex_to_dfa(x, alphabet), automata::regex_to_dfa(y, alphabet));
  };
  CHECK(same("a**", "a*"));
  CHECK(same("a+?", "a*"));
  CHECK(same("a?+", "a*"));
  CHECK(same("a*+", "a*"));
  CHECK(same("a??", "a?"));
  CHECK(same("a++", "a+"));
  CHECK(same("(a|b)*", "(a*b*)*"));
  CHECK(same("(ab)*a", "a(ba)*"));
  CHECK(same("[a-c]", "a|b|c"));
  CHECK(same(".", "a|b|c", letters("abc")));
  CHECK(same("[^a]", "b|c", letters("abc")));
  CHECK_FALSE(same("a+", "a*"));
  CHECK_FALSE(same("(a|b)*abb", "(a|b)*ab"));
  // A range with an explicit alphabet covers only the alphabet's symbols.
  CHECK(same("[a-z]", "a|x", letters("ax")));
  // The empty language: a negated class that excludes the whole alphabet.
  const auto none = automata::regex_to_dfa("[^ab]", letters("ab"));
  CHECK(none.states == 1);
  CHECK_FALSE(none.accepting[0]);
  // The empty word only, over an explicit alphabet.
  const auto eps = automata::regex_to_dfa("()", letters("ab"));
  CHECK(eps.states == 2);
  CHECK(automata::accepts(eps, {}));
  CHECK_FALSE(automata::accepts(eps, {0}));
}

TEST_CASE("minimize: known minimal sizes", "[quick][minimize][regex]") {
  CHECK(automata::regex_to_dfa("(ab)*").states == 3);  // even position, odd position, sink
  CHECK(automata::regex_to_dfa("a*b*").states == 3);
  CHECK(automata::regex_to_dfa("(a*ba*b)*a*").states == 2);  // even number of b
  CHECK(automata::regex_to_dfa("(a|b)*aba(a|b)*").states == 4);
  CHECK(automata::regex_to_dfa("(a|b)*a(a|b)(a|b)").states == 8);  // third symbol from the end
  CHECK(automata::regex_to_dfa("a*").states == 1);
  CHECK(automata::regex_to_dfa("aaa").states == 5);  // 0, 1, 2, 3 a's read, sink
  CHECK(automata::minimize(automata::builtin_dfa("parity")).states == 2);
  CHECK(automata::minimize(automata::builtin_dfa("contains-aba")).states == 4);
  CHECK(automata::minimize(automata::builtin_dfa("s5")).states == 120);
  // The regex spellings equal the built-ins exactly after canonical minimization.
  CHECK(same_structure(automata::regex_to_dfa("(a*ba*b)*a*"), automata::minimize(automata::builtin_dfa("parity"))));
  CHECK(same_structure(automata::regex_to_dfa("(a|b)*aba(a|b)*"),
                       automata::minimize(automata::builtin_dfa("contains-aba"))));
  const auto m = automata::minimize(automata::builtin_dfa("parity"));
  CHECK(m.name == "parity");
  CHECK(m.alphabet == std::vector<std::string>{"a", "b"});
}

TEST_CASE("minimize: canonical, idempotent and language-preserving on random DFAs", "[quick][minimize][regex]") {
  std::mt19937 rng(20240607);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 1 + rng() % 14, sigma = 1 + rng() % 3;
    const auto d = make_random_dfa(rng, n, sigma, trial % 5 == 0 ? 0.1 : 0.5);
    INFO("trial " << trial << ", " << n << " states, " << sigma << " symbols");
    const auto m = automata::minimize(d);
    CHECK(m.start == 0);
    CHECK(m.states <= d.states);
    CHECK(same_structure(automata::minimize(m), m));
    CHECK(same_structure(automata::minimize(relabel(d, rng)), m));
    // Canonical numbering: BFS order from 0, symbols in alphabet order.
    std::vector<std::uint32_t> seen{0};
    for (std::size_t i = 0; i < seen.size(); ++i)
      for (std::size_t a = 0; a < sigma; ++a)
        if (std::find(seen.begin(), seen.end(), m.delta[a][seen[i]]) == seen.end()) seen.push_back(m.delta[a][seen[i]]);
    std::vector<std::uint32_t> identity(m.states);
    std::iota(identity.begin(), identity.end(), 0u);
    CHECK(seen == identity);
    // Same language on every word up to length 10 (walking both automata).
    std::size_t disagreements = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> level{{d.start, m.start}};
    for (int len = 0; len <= 10; ++len) {
      std::vector<std::pair<std::uint32_t, std::uint32_t>> next;
      for (auto [p, q] : level) {
        disagreements += d.accepting[p] != m.accepting[q];
        if (len < 10)
          for (std::size_t a = 0; a < sigma; ++a) next.emplace_back(d.delta[a][p], m.delta[a][q]);
      }
      level = std::move(next);
    }
    CHECK(disagreements == 0);
  }
}

TEST_CASE("minimize: state count equals the Myhill-Nerode classes by brute force", "[quick][minimize][regex]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 80; ++trial) {
    const std::size_t n = 1 + rng() % 7, sigma = 1 + rng() % 2;
    const auto d = make_random_dfa(rng, n, sigma, trial % 4 == 0 ? 0.2 : 0.5);
    INFO("trial " << trial);
    const auto m = automata::minimize(d);
    CHECK(m.states == nerode_classes(d));
    CHECK(nerode_classes(m) == m.states);  // no two states of the result are equivalent
  }
}

TEST_CASE("minimize: agrees with the Moore algorithm on larger random DFAs", "[quick][minimize][regex]") {
  std::mt19937 rng(314159);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t sigma = 1 + rng() % 3;
    Dfa d;
    if (trial % 2 == 0) {
      d = make_random_dfa(rng, 1 + rng() % 60, sigma, trial % 6 == 0 ? 0.05 : 0.5);
    } else {
      // Few accepting states and many equivalent copies: lots of merging.
      const auto small = make_random_dfa(rng, 1 + rng() % 12, sigma, trial % 4 == 1 ? 0.1 : 0.4);
      d = blow_up(small, 2 + rng() % 8, rng);
    }
    INFO("trial " << trial << ", " << d.states << " states, " << sigma << " symbols");
    const auto m = automata::minimize(d);
    CHECK(m.states == moore_classes(d));
    CHECK(moore_classes(m) == m.states);
    CHECK(automata::equivalent(d, m));
  }
}

TEST_CASE("distinguishing_word: shortest and correct against enumeration", "[quick][minimize][regex]") {
  std::mt19937 rng(99);
  int found = 0, none = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const std::size_t sigma = 1 + rng() % 2;
    const auto a = make_random_dfa(rng, 1 + rng() % 5, sigma);
    const auto b = trial % 3 == 0 ? relabel(a, rng) : make_random_dfa(rng, 1 + rng() % 5, sigma);
    INFO("trial " << trial);
    // Any distinguishing word has a distinguishing prefix of length < |A| + |B|.
    std::optional<Word> expected;
    for (const auto& w : all_words(sigma, a.states + b.states))
      if (automata::accepts(a, w) != automata::accepts(b, w)) {
        expected = w;  // the first in length-lexicographic order
        break;
      }
    const auto got = automata::distinguishing_word(a, b);
    REQUIRE(got.has_value() == expected.has_value());
    CHECK(automata::equivalent(a, b) == !expected.has_value());
    if (got) {
      ++found;
      CHECK(automata::accepts(a, *got) != automata::accepts(b, *got));
      CHECK(got->size() == expected->size());
      CHECK(*got == *expected);
    } else {
      ++none;
    }
    CHECK(automata::equivalent(a, automata::minimize(a)));
  }
  CHECK(found > 20);
  CHECK(none > 20);
}

TEST_CASE("distinguishing_word: regex examples and alphabet mismatch", "[quick][minimize][regex]") {
  const auto w = automata::distinguishing_word(automata::regex_to_dfa("(a|b)*abb"), automata::regex_to_dfa("(a|b)*bb"));
  REQUIRE(w.has_value());
  CHECK(*w == Word{1, 1});  // "bb"
  CHECK_FALSE(automata::distinguishing_word(automata::regex_to_dfa("a(ba)*"), automata::regex_to_dfa("(ab)*a")));
  CHECK(*automata::distinguishing_word(automata::regex_to_dfa("a*"), automata::regex_to_dfa("a+")) == Word{});
  const auto ab = automata::regex_to_dfa("a|b");
  const auto ba = automata::regex_to_dfa("a|b", {"b", "a"});
  std::string msg;
  try {
    automata::distinguishing_word(ab, ba);
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  CHECK(has(msg, "alphabets differ"));
  CHECK_THROWS_AS(automata::equivalent(ab, automata::regex_to_dfa("a|c")), std::invalid_argument);
}

TEST_CASE("regex: malformed expressions report positions", "[quick][errors][regex][report]") {
  struct Case {
    std::string re;
    std::size_t position;
    std::string phrase;
    std::vector<std::string> alphabet = {};
  };
  const std::vector<Case> cases = {
      {")", 0, "unmatched ')'"},
      {"ab)c", 2, "unmatched ')'"},
      {"(a|b))", 5, "unmatched ')'"},
      {"(ab", 0, "unmatched '('"},
      {"a(b(c)", 1, "unmatched '('"},
      {"*a", 0, "'*' has nothing to repeat"},
      {"a|*", 2, "'*' has nothing to repeat"},
      {"(+a)", 1, "'+' has nothing to repeat"},
      {"ab(?)", 3, "'?' has nothing to repeat"},
      {"ab[cd", 2, "unterminated character class starting at position 2"},
      {"[^", 0, "unterminated character class"},
      {"a[]", 1, "empty character class"},
      {"x[c-a]", 2, "invalid range 'c-a'"},
      {"ab\\", 2, "dangling backslash at the end"},
      {"[a\\", 2, "dangling backslash"},
      {"a]", 1, "unmatched ']'"},
      {"abac", 3, "symbol 'c' (position 3) is not in the alphabet {a, b}", {"a", "b"}},
      {"[ab\\c]", 4, "symbol 'c'", {"a", "b"}},
  };
  for (const auto& c : cases) {
    INFO("regex " << c.re);
    std::size_t position = 12345;
    const auto msg = regex_error(c.re, &position, c.alphabet);
    CHECK(position == c.position);
    CHECK(has(msg, c.phrase));
    CHECK(has(msg, "regex position " + std::to_string(c.position) + ":"));
  }
  // Alphabet problems that are not about a position.
  for (const std::string re : {"()", ".", "", "(|)*"}) {
    std::string msg;
    try {
      automata::regex_to_nfa(re);
    } catch (const std::invalid_argument& e) {
      msg = e.what();
    }
    CHECK(has(msg, "pass an alphabet"));
  }
  CHECK_THROWS_AS(automata::regex_to_nfa("a", {"ab"}), std::invalid_argument);
  CHECK_THROWS_AS(automata::regex_to_nfa("a", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(automata::regex_to_nfa(std::string(2000, '(') + "a" + std::string(2000, ')')), automata::RegexError);
  CHECK(automata::regex_to_dfa(std::string(200, '(') + "a" + std::string(200, ')')).states == 3);
}

TEST_CASE("nfa: subset construction, embedding and validation", "[quick][nfa][regex]") {
  // Several start states; a "third symbol from the end is a" NFA grows to 8.
  Nfa nfa;
  nfa.alphabet = {"a", "b"};
  nfa.states = 4;
  nfa.start = {0};
  nfa.accepting = {false, false, false, true};
  nfa.edges = {{{0, 0}, {1, 0}, {0, 1}}, {{0, 2}, {1, 2}}, {{0, 3}, {1, 3}}, {}};
  const auto d = automata::determinize(nfa);
  CHECK(d.states == 8);
  CHECK(automata::minimize(d).states == 8);
  for (const auto& w : all_words(2, 8)) CHECK(automata::accepts(d, w) == nfa_accepts(nfa, w));
  CHECK_THROWS_AS(automata::determinize(nfa, 5), std::runtime_error);

  // No start state: the empty language, a single rejecting sink.
  Nfa empty = nfa;
  empty.start.clear();
  const auto sink = automata::determinize(empty);
  CHECK(sink.states == 1);
  CHECK_FALSE(sink.accepting[0]);
  CHECK(sink.delta == std::vector<std::vector<std::uint32_t>>{{0}, {0}});

  // ε-cycles and multiple start states.
  Nfa eps;
  eps.alphabet = {"a"};
  eps.states = 3;
  eps.start = {0, 2};
  eps.accepting = {false, true, false};
  eps.edges = {{{Nfa::kEpsilon, 1}}, {{Nfa::kEpsilon, 0}, {0, 2}}, {{0, 2}}};
  const auto de = automata::determinize(eps);
  CHECK(automata::accepts(de, {}));
  CHECK_FALSE(automata::accepts(de, {0}));
  CHECK(de.states == 2);  // {0,1,2} and {2}: the empty subset is never reached

  // The embedding of a DFA is the same language and minimizes identically.
  const auto aba = automata::builtin_dfa("contains-aba");
  CHECK(same_structure(automata::minimize(automata::determinize(automata::to_nfa(aba))), automata::minimize(aba)));

  auto bad = nfa;
  bad.edges[1].push_back({0, 9});
  std::string msg;
  try {
    automata::validate(bad, "here");
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  CHECK(has(msg, "here:"));
  CHECK(has(msg, "unknown state 9"));
  bad = nfa;
  bad.edges[0].push_back({2, 1});
  CHECK_THROWS_WITH(automata::validate(bad, "x"), Catch::Contains("unknown symbol 2"));
  bad = nfa;
  bad.start = {4};
  CHECK_THROWS_WITH(automata::validate(bad, "x"), Catch::Contains("start state 4 is out of range"));
  CHECK_THROWS_AS(automata::determinize(bad), std::invalid_argument);
}

TEST_CASE("minimize: large DFAs", "[standard][minimize][regex]") {
  // A cycle of 100000 states accepting every tenth: 10 classes.
  const std::uint32_t n = 100000;
  Dfa cyc;
  cyc.alphabet = {"a", "b"};
  cyc.states = n;
  cyc.delta.assign(2, std::vector<std::uint32_t>(n));
  for (std::uint32_t q = 0; q < n; ++q) {
    cyc.delta[0][q] = (q + 1) % n;
    cyc.delta[1][q] = q;
    cyc.accepting.push_back(q % 10 == 0);
  }
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(automata::minimize(cyc).states == 10);
  // Accepting only state 0 of the cycle: already minimal.
  for (std::uint32_t q = 0; q < n; ++q) cyc.accepting[q] = q == 0;
  CHECK(automata::minimize(cyc).states == n);
  // A random DFA: almost all reachable states stay distinct; check against
  // a relabeled copy and the language on random words.
  std::mt19937 rng(5);
  const auto d = make_random_dfa(rng, n, 2);
  const auto m = automata::minimize(d);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("three minimizations of 100000-state DFAs: " << seconds << " s");
  CHECK(same_structure(automata::minimize(relabel(d, rng)), m));
  std::uniform_int_distribution<std::uint32_t> sym(0, 1);
  for (int i = 0; i < 2000; ++i) {
    Word w(rng() % 40);
    for (auto& x : w) x = sym(rng);
    CHECK(automata::accepts(d, w) == automata::accepts(m, w));
  }
  CHECK(automata::equivalent(d, m));
}
