// Transformation monoids, permutation groups and the circuit classification
// of regular languages, each checked against an independent reference:
// brute-force closures with std::set/std::map, direct composition, the
// definitions of Green's relations (xM = yM), and known sizes and groups.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "automata/classify.hpp"
#include "automata/dfa.hpp"
#include "automata/monoid.hpp"
#include "automata/perm_group.hpp"

using namespace parallax;
using automata::Perm;

namespace {

using Tr = std::vector<std::uint32_t>;

Tr then(const Tr& x, const Tr& y) {  // x first, then y
  Tr r(x.size());
  for (std::size_t q = 0; q < x.size(); ++q) r[q] = y[x[q]];
  return r;
}

Tr identity(std::size_t n) {
  Tr r(n);
  for (std::size_t q = 0; q < n; ++q) r[q] = static_cast<std::uint32_t>(q);
  return r;
}

// Reference: every product of generators with its BFS distance (the length
// of a shortest word) from the identity.
std::map<Tr, std::size_t> brute_monoid(const std::vector<Tr>& gens, std::size_t n) {
  std::map<Tr, std::size_t> dist{{identity(n), 0}};
  std::vector<Tr> frontier{identity(n)};
  for (std::size_t d = 1; !frontier.empty(); ++d) {
    std::vector<Tr> next;
    for (const auto& x : frontier)
      for (const auto& g : gens) {
        Tr y = then(x, g);
        if (dist.emplace(y, d).second) next.push_back(y);
      }
    frontier.swap(next);
  }
  return dist;
}

std::set<Perm> brute_group(const std::vector<Perm>& gens, std::size_t n) {
  std::set<Perm> s;
  for (const auto& [x, d] : brute_monoid(gens, n)) s.insert(x);
  return s;
}

std::vector<Tr> random_generators(std::mt19937& rng, std::size_t n, std::size_t k) {
  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(n - 1));
  std::vector<Tr> gens(k, Tr(n));
  for (auto& g : gens)
    for (auto& v : g) v = pick(rng);
  return gens;
}

Perm cycle_perm(std::size_t n, const std::vector<std::uint32_t>& cycle) {
  Perm p = identity(n);
  for (std::size_t i = 0; i < cycle.size(); ++i) p[cycle[i]] = cycle[(i + 1) % cycle.size()];
  return p;
}

Perm n_cycle(std::size_t n) {
  Perm p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint32_t>((i + 1) % n);
  return p;
}

std::vector<Tr> full_transformation_generators(std::size_t n) {
  Tr collapse = identity(n);
  collapse[0] = 1;  // 0 ↦ 1, the rest fixed
  return {n_cycle(n), cycle_perm(n, {0, 1}), collapse};
}

automata::Dfa make_dfa(std::vector<std::vector<std::uint32_t>> delta, std::vector<bool> accepting) {
  automata::Dfa d;
  d.name = "test";
  d.states = accepting.size();
  d.accepting = std::move(accepting);
  for (std::size_t s = 0; s < delta.size(); ++s) d.alphabet.push_back(std::string(1, char('a' + s)));
  d.delta = std::move(delta);
  return d;
}

std::size_t rank_of(const Tr& t) { return std::set<std::uint32_t>(t.begin(), t.end()).size(); }

}  // namespace

TEST_CASE("monoid: enumeration agrees with a brute-force closure on random transformations",
          "[quick][monoid]") {
  std::mt19937 rng(20240611);
  for (int trial = 0; trial < 120; ++trial) {
    const std::size_t n = 1 + trial % 5;
    const std::size_t k = 1 + (trial / 5) % 3;
    const auto gens = random_generators(rng, n, k);
    const auto ref = brute_monoid(gens, n);
    const auto m = automata::enumerate_monoid(gens, n);
    INFO("trial " << trial << ", degree " << n << ", " << k << " generators");
    REQUIRE(m.size() == ref.size());
    REQUIRE(m.degree == n);
    CHECK(m.elements[0] == identity(n));
    std::set<Tr> seen(m.elements.begin(), m.elements.end());
    CHECK(seen.size() == m.size());  // no duplicates
    for (const auto& t : m.elements) REQUIRE(ref.count(t) == 1);
    for (std::size_t g = 0; g < k; ++g) CHECK(m.elements[m.generator_element[g]] == gens[g]);
    // Cayley graphs against direct composition; words evaluate to their
    // element, have shortest length, and come in order of length
    std::size_t prev_len = 0;
    for (std::uint32_t e = 0; e < m.size(); ++e) {
      for (std::size_t g = 0; g < k; ++g) {
        REQUIRE(m.elements[m.right[e][g]] == then(m.elements[e], gens[g]));
        REQUIRE(m.elements[m.left[e][g]] == then(gens[g], m.elements[e]));
      }
      const auto w = m.word(e);
      Tr value = identity(n);
      for (auto a : w) value = then(value, gens[a]);
      REQUIRE(value == m.elements[e]);
      REQUIRE(w.size() == ref.at(m.elements[e]));
      REQUIRE(w.size() >= prev_len);
      prev_len = w.size();
    }
    // multiply against composition for all pairs (a sample of rows when large)
    const std::uint32_t row_step = m.size() > 300 ? 37 : 1;
    for (std::uint32_t x = 0; x < m.size(); x += row_step)
      for (std::uint32_t y = 0; y < m.size(); ++y)
        REQUIRE(m.elements[m.multiply(x, y)] == then(m.elements[x], m.elements[y]));
    // idempotents, index and period by brute force over powers
    std::size_t idem = 0, max_period = 1;
    for (std::uint32_t x = 0; x < m.size(); ++x) {
      idem += then(m.elements[x], m.elements[x]) == m.elements[x];
      std::vector<Tr> powers{m.elements[x]};  // powers[i] = x^(i+1)
      while (true) {
        const Tr next = then(powers.back(), m.elements[x]);
        const auto it = std::find(powers.begin(), powers.end(), next);
        if (it != powers.end()) {
          const auto ip = automata::index_and_period(m, x);
          CHECK(ip.index == static_cast<std::size_t>(it - powers.begin()) + 1);
          CHECK(ip.period == static_cast<std::size_t>(powers.end() - it));
          max_period = std::max(max_period, static_cast<std::size_t>(powers.end() - it));
          break;
        }
        powers.push_back(next);
      }
    }
    CHECK(automata::largest_period(m) == max_period);
    CHECK(automata::is_aperiodic(m) == (max_period == 1));
    const auto ids = automata::idempotents(m);
    CHECK(ids.size() == idem);
    for (auto e : ids) CHECK(m.multiply(e, e) == e);
  }
}

TEST_CASE("monoid: Green's relations agree with their definitions on random monoids", "[quick][monoid]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 2 + trial % 4;
    const auto gens = random_generators(rng, n, 1 + trial % 3);
    const auto m = automata::enumerate_monoid(gens, n);
    if (m.size() > 150) continue;
    INFO("trial " << trial << ", size " << m.size());
    // xM and Mx as sets of transformations
    std::vector<std::set<Tr>> right_ideal(m.size()), left_ideal(m.size());
    for (std::size_t x = 0; x < m.size(); ++x)
      for (const auto& y : m.elements) {
        right_ideal[x].insert(then(m.elements[x], y));
        left_ideal[x].insert(then(y, m.elements[x]));
      }
    // MxM: D = J in a finite monoid
    std::vector<std::set<Tr>> two_sided(m.size());
    for (std::size_t x = 0; x < m.size(); ++x)
      for (const auto& a : left_ideal[x])
        for (const auto& b : m.elements) two_sided[x].insert(then(a, b));
    const auto green = automata::green_classes(m);
    for (std::size_t x = 0; x < m.size(); ++x)
      for (std::size_t y = 0; y < m.size(); ++y) {
        const bool r = right_ideal[x] == right_ideal[y], l = left_ideal[x] == left_ideal[y];
        REQUIRE((green.r[x] == green.r[y]) == r);
        REQUIRE((green.l[x] == green.l[y]) == l);
        REQUIRE((green.h[x] == green.h[y]) == (r && l));
        REQUIRE((green.d[x] == green.d[y]) == (two_sided[x] == two_sided[y]));
      }
    // maximal subgroups: the H-class of each chosen idempotent, faithfully
    const auto regular = automata::regular_d_classes(m, green);
    std::set<std::uint32_t> regular_ds;
    for (auto e : automata::idempotents(m)) regular_ds.insert(green.d[e]);
    CHECK(regular.size() == regular_ds.size());
    for (const auto& d : regular) {
      std::size_t h_size = 0;
      for (std::size_t x = 0; x < m.size(); ++x) h_size += green.h[x] == green.h[d.idempotent];
      CHECK(d.group.order() == h_size);
      CHECK(d.rank == rank_of(m.elements[d.idempotent]));
    }
  }
}

TEST_CASE("monoid: sizes of known monoids", "[quick][monoid]") {
  for (std::size_t n = 3; n <= 5; ++n) {  // full transformation monoid T_n
    std::size_t nn = 1;
    for (std::size_t i = 0; i < n; ++i) nn *= n;
    CHECK(automata::enumerate_monoid(full_transformation_generators(n), n).size() == nn);
  }
  std::size_t fact = 2;
  for (std::size_t n = 3; n <= 7; ++n) {  // S_n = <(0 1), (0 1 ... n-1)>
    fact *= n;
    const auto m = automata::enumerate_monoid({cycle_perm(n, {0, 1}), n_cycle(n)}, n);
    CHECK(m.size() == fact);
    CHECK(automata::idempotents(m).size() == 1);
  }
  // degree above 256 (16-bit storage): the cyclic group of a 300-cycle
  const auto z300 = automata::enumerate_monoid({n_cycle(300)}, 300);
  CHECK(z300.size() == 300);
  CHECK(z300.elements[z300.multiply(299, 1)] == identity(300));
  // long words (beyond multiply's 64-letter buffer) against composition
  for (std::uint32_t x : {0u, 1u, 7u, 150u, 299u})
    for (std::uint32_t y : {2u, 63u, 64u, 65u, 200u, 299u})
      CHECK(z300.elements[z300.multiply(x, y)] == then(z300.elements[x], z300.elements[y]));
  CHECK(z300.word(299).size() == 299);
  // contains "aba": compare with a brute-force closure of its letters
  const auto aba = automata::builtin_dfa("contains-aba");
  const auto m = automata::transition_monoid_of(aba);
  const auto ref = brute_monoid(aba.delta, aba.states);
  CHECK(m.size() == ref.size());
  // by hand (states none, a, ab, aba): 1, a, b, ab, ba, bb, aba (the zero),
  // abb, bab, bba, babb, bbab; e.g. abb·a = a and bbab·b = bb close it up
  CHECK(m.size() == 12);
  for (const auto& [t, d] : ref) CHECK(std::find(m.elements.begin(), m.elements.end(), t) != m.elements.end());
  std::size_t idem = 0;
  for (const auto& [t, d] : ref) idem += then(t, t) == t;
  CHECK(automata::idempotents(m).size() == idem);
  // the builtin S5 automaton: its transition monoid is S5 acting regularly
  const auto s5 = automata::transition_monoid_of(automata::builtin_dfa("s5"));
  CHECK(s5.size() == 120);
  CHECK(automata::idempotents(s5).size() == 1);
  // a degree-0 automaton has a one-element monoid
  CHECK(automata::enumerate_monoid({Tr{}, Tr{}}, 0).size() == 1);
}

TEST_CASE("monoid: MonoidTooLarge past the bound", "[quick][monoid]") {
  const auto gens = full_transformation_generators(4);
  CHECK(automata::enumerate_monoid(gens, 4, 256).size() == 256);
  CHECK_THROWS_AS(automata::enumerate_monoid(gens, 4, 255), automata::MonoidTooLarge);
  try {
    automata::enumerate_monoid(gens, 4, 100);
    FAIL("no exception");
  } catch (const automata::MonoidTooLarge& e) {
    CHECK(std::string(e.what()) == "the monoid has more than 100 elements; raise the bound with --max-monoid");
  }
  CHECK_THROWS_AS(automata::summarize(automata::builtin_dfa("s5"), 119), automata::MonoidTooLarge);
  CHECK_NOTHROW(automata::summarize(automata::builtin_dfa("s5"), 120));
  // malformed generators
  CHECK_THROWS_AS(automata::enumerate_monoid({{0, 3, 1}}, 3), std::invalid_argument);
  CHECK_THROWS_AS(automata::enumerate_monoid({{0, 1}}, 3), std::invalid_argument);
}

TEST_CASE("monoid: Green's classes of T_3", "[quick][monoid]") {
  const auto m = automata::enumerate_monoid(full_transformation_generators(3), 3);
  REQUIRE(m.size() == 27);
  const auto green = automata::green_classes(m);
  // in T_n: R = same kernel, L = same image, D = same rank
  CHECK(green.d_count == 3);
  CHECK(green.r_count == 1 + 3 + 1);
  CHECK(green.l_count == 1 + 3 + 3);
  CHECK(green.h_count == 1 + 9 + 3);
  for (std::size_t x = 0; x < 27; ++x)
    for (std::size_t y = 0; y < 27; ++y) {
      const auto& a = m.elements[x];
      const auto& b = m.elements[y];
      bool same_kernel = true;
      for (std::size_t p = 0; p < 3; ++p)
        for (std::size_t q = 0; q < 3; ++q) same_kernel = same_kernel && ((a[p] == a[q]) == (b[p] == b[q]));
      CHECK((green.r[x] == green.r[y]) == same_kernel);
      CHECK((green.l[x] == green.l[y]) == (std::set<std::uint32_t>(a.begin(), a.end()) ==
                                           std::set<std::uint32_t>(b.begin(), b.end())));
      CHECK((green.d[x] == green.d[y]) == (rank_of(a) == rank_of(b)));
    }
  const auto regular = automata::regular_d_classes(m, green);
  REQUIRE(regular.size() == 3);  // every D-class of T_n is regular
  std::map<std::size_t, std::string> by_rank;
  for (const auto& d : regular) by_rank[d.rank] = automata::group_name(d.group);
  CHECK(by_rank[3] == "S_3");
  CHECK(by_rank[2] == "Z_2");  // S_2
  CHECK(by_rank[1] == "1");
  for (const auto& d : regular) {
    const std::size_t sizes[] = {0, 3, 18, 6};  // D-class sizes of T_3 by rank
    CHECK(d.size == sizes[d.rank]);
  }
  CHECK_FALSE(automata::is_aperiodic(m));
}

TEST_CASE("monoid: strongly connected components without recursion", "[quick][monoid]") {
  const std::uint32_t n = 1000000;
  std::vector<std::vector<std::uint32_t>> path(n);
  for (std::uint32_t v = 0; v + 1 < n; ++v) path[v] = {v + 1};
  auto c = automata::strongly_connected_components(path);
  CHECK(c.count == n);
  CHECK(c.component[12345] == 12345);
  path[n - 1] = {0};  // close the cycle
  c = automata::strongly_connected_components(path);
  CHECK(c.count == 1);
  // two cycles joined by a one-way edge, plus a self-loop
  const std::vector<std::vector<std::uint32_t>> g{{1}, {0, 2}, {3}, {2}, {4}};
  c = automata::strongly_connected_components(g);
  CHECK(c.count == 3);
  CHECK(c.component == std::vector<std::uint32_t>{0, 0, 1, 1, 2});
}

TEST_CASE("monoid: stability index agrees with brute-force powers of the alphabet", "[quick][monoid]") {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 80; ++trial) {
    const std::size_t n = 2 + trial % 4;
    const auto gens = random_generators(rng, n, 1 + trial % 3);
    const auto m = automata::enumerate_monoid(gens, n);
    if (m.size() > 500) continue;
    // sets[i] = η(Σ^i) as sets of transformations, i = 0..limit
    const std::size_t limit = 400;
    std::vector<std::set<Tr>> sets{{identity(n)}};
    for (std::size_t i = 1; i <= limit; ++i) {
      std::set<Tr> next;
      for (const auto& x : sets.back())
        for (const auto& g : gens) next.insert(then(x, g));
      sets.push_back(std::move(next));
    }
    std::size_t s = 1;
    while (2 * s <= limit && sets[s] != sets[2 * s]) ++s;
    REQUIRE(2 * s <= limit);
    const auto stable = automata::stable_semigroup(m);
    INFO("trial " << trial);
    CHECK(stable.stability_index == s);
    std::set<Tr> got;
    for (auto e : stable.elements) got.insert(m.elements[e]);
    CHECK(got == sets[s]);
    // S is a semigroup; quasi-aperiodic iff no element of S has period > 1
    bool qa = true;
    for (const auto& x : sets[s]) {
      for (const auto& y : sets[s]) REQUIRE(sets[s].count(then(x, y)) == 1);
      Tr p = x;
      for (std::size_t i = 0; i < 8; ++i) p = then(p, p);  // x^256: on the cycle of every point
      qa = qa && then(p, x) == p;
    }
    CHECK(automata::is_quasi_aperiodic(m, stable) == qa);
  }
  // no letters: Σ^s is empty
  const auto empty = automata::stable_semigroup(automata::enumerate_monoid({}, 3));
  CHECK(empty.stability_index == 1);
  CHECK(empty.elements.empty());
}

TEST_CASE("perm groups: names, orders, solvability", "[quick][group][monoid]") {
  auto named = [](const std::vector<Perm>& gens, std::size_t n) {
    const auto g = automata::generate_group(gens, n);
    // the closure is the brute-force one
    const auto ref = brute_group(gens, n);
    REQUIRE(std::vector<Perm>(ref.begin(), ref.end()) == g.elements);
    return g;
  };
  struct Case {
    std::string expected;
    std::size_t order;
    bool solvable;
    std::size_t center;
    automata::PermGroup g;
  };
  // Q_8 acting regularly: units ±1, ±i, ±j, ±k as 0..7 = (unit u, sign s) ↦ 2u + s
  auto q8_mult = [](std::uint32_t a, std::uint32_t b) {
    // unit table u·v = sign · unit, units 1, i, j, k
    static const int unit[4][4] = {{0, 1, 2, 3}, {1, 0, 3, 2}, {2, 3, 0, 1}, {3, 2, 1, 0}};
    static const int neg[4][4] = {{0, 0, 0, 0}, {0, 1, 0, 1}, {0, 1, 1, 0}, {0, 0, 1, 1}};
    const std::uint32_t u = a / 2, v = b / 2;
    const std::uint32_t sign = (a % 2) ^ (b % 2) ^ static_cast<std::uint32_t>(neg[u][v]);
    return static_cast<std::uint32_t>(2 * unit[u][v]) + sign;
  };
  Perm qi(8), qj(8);
  for (std::uint32_t x = 0; x < 8; ++x) {
    qi[x] = q8_mult(x, 2);  // right multiplication by i
    qj[x] = q8_mult(x, 4);  // by j
  }
  Perm refl5(5), refl4(4);
  for (std::uint32_t i = 0; i < 5; ++i) refl5[i] = (5 - i) % 5;
  for (std::uint32_t i = 0; i < 4; ++i) refl4[i] = (4 - i) % 4;
  const Perm z60 = automata::perm_compose(
      automata::perm_compose(cycle_perm(12, {0, 1, 2}), cycle_perm(12, {3, 4, 5, 6})), cycle_perm(12, {7, 8, 9, 10, 11}));
  std::vector<Case> cases{
      {"1", 1, true, 1, named({}, 3)},
      {"S_3", 6, true, 1, named({cycle_perm(3, {0, 1}), n_cycle(3)}, 3)},
      {"S_4", 24, true, 1, named({cycle_perm(4, {0, 1}), n_cycle(4)}, 4)},
      {"S_5", 120, false, 1, named({cycle_perm(5, {0, 1}), n_cycle(5)}, 5)},
      {"A_4", 12, true, 1, named({cycle_perm(4, {0, 1, 2}), cycle_perm(4, {1, 2, 3})}, 4)},
      {"A_5", 60, false, 1, named({n_cycle(5), cycle_perm(5, {0, 1, 2})}, 5)},
      {"D_4", 8, true, 2, named({n_cycle(4), refl4}, 4)},
      {"D_5", 10, true, 1, named({n_cycle(5), refl5}, 5)},
      {"Z_6", 6, true, 6, named({n_cycle(6)}, 6)},
      {"Z_60", 60, true, 60, named({z60}, 12)},
      {"Q_8", 8, true, 2, named({qi, qj}, 8)},
      {"Z_2 x Z_2", 4, true, 4, named({cycle_perm(4, {0, 1}), cycle_perm(4, {2, 3})}, 4)},
      {"Z_2 x Z_6", 12, true, 12, named({cycle_perm(8, {0, 1}), cycle_perm(8, {2, 3}), cycle_perm(8, {4, 5, 6})}, 8)},
      {"S_6", 720, false, 1, named({cycle_perm(6, {0, 1}), n_cycle(6)}, 6)},
      {"A_6", 360, false, 1, named({cycle_perm(6, {0, 1, 2}), cycle_perm(6, {1, 2, 3, 4, 5})}, 6)},
      // S_3 x Z_2 (= D_6): dihedral of order 12
      {"D_6", 12, true, 2, named({cycle_perm(5, {0, 1}), cycle_perm(5, {0, 1, 2}), cycle_perm(5, {3, 4})}, 5)},
      // A_5 x Z_2: not S_5 (centre of order 2)
      {"order 120, non-solvable", 120, false, 2, named({cycle_perm(7, {0, 1, 2, 3, 4}), cycle_perm(7, {0, 1, 2}), cycle_perm(7, {5, 6})}, 7)},
      // S_4 x Z_2: order 48, solvable, no name claimed
      {"order 48, solvable", 48, true, 2, named({cycle_perm(6, {0, 1}), cycle_perm(6, {0, 1, 2, 3}), cycle_perm(6, {4, 5})}, 6)},
  };
  for (const auto& c : cases) {
    INFO(c.expected);
    CHECK(c.g.order() == c.order);
    CHECK(automata::solvable(c.g) == c.solvable);
    CHECK(automata::center_size(c.g) == c.center);
    CHECK(automata::is_abelian(c.g) == (c.center == c.order));
    CHECK(automata::group_name(c.g) == c.expected);
    // group_from_elements recovers the same group from its elements alone
    const auto again = automata::group_from_elements(c.g.elements, c.g.degree);
    CHECK(again.elements == c.g.elements);
    CHECK(again.generators.size() <= 8);
    CHECK(automata::group_name(again) == c.expected);
  }
  // derived series against the textbook ones
  const auto s4 = automata::generate_group({cycle_perm(4, {0, 1}), n_cycle(4)}, 4);
  CHECK(automata::derived_series_orders(s4) == std::vector<std::size_t>{24, 12, 4, 1});
  const auto s5 = automata::generate_group({cycle_perm(5, {0, 1}), n_cycle(5)}, 5);
  CHECK(automata::derived_series_orders(s5) == std::vector<std::size_t>{120, 60});
  // S_5 in its regular representation (the builtin automaton) is still S_5
  const auto dfa = automata::builtin_dfa("s5");
  const auto regular = automata::generate_group(dfa.delta, dfa.states);
  CHECK(regular.order() == 120);
  CHECK(automata::group_name(regular) == "S_5");
  // element order statistics of S_4: 1 + 9 involutions + 8 of order 3 + 6 of order 4
  CHECK(automata::order_statistics(s4) == std::map<std::size_t, std::size_t>{{1, 1}, {2, 9}, {3, 8}, {4, 6}});
  CHECK_THROWS_AS(automata::generate_group({n_cycle(7), cycle_perm(7, {0, 1})}, 7, 1000), automata::GroupTooLarge);
  CHECK_THROWS_AS(automata::generate_group({{0, 0, 1}}, 3), std::invalid_argument);
}

TEST_CASE("classify: the Barrington-Compton-Straubing-Therien examples", "[quick][classify][monoid]") {
  SECTION("even length is AC0 although its monoid is the group Z_2") {
    const auto s = automata::summarize(make_dfa({{1, 0}, {1, 0}}, {true, false}));
    CHECK(s.states == 2);
    CHECK(s.monoid_size == 2);
    CHECK(s.idempotents == 1);
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].name == "Z_2");
    CHECK_FALSE(s.aperiodic);
    CHECK(s.max_period == 2);
    CHECK(s.stability_index == 2);
    CHECK(s.stable_semigroup_size == 1);
    CHECK(s.quasi_aperiodic);
    CHECK(s.circuit_class == automata::ComplexityClass::AC0);
  }
  SECTION("parity of the number of b is ACC0") {
    const auto s = automata::summarize(automata::builtin_dfa("parity"));
    CHECK(s.monoid_size == 2);
    CHECK(s.stability_index == 1);
    CHECK(s.stable_semigroup_size == 2);
    CHECK_FALSE(s.quasi_aperiodic);
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].order == 2);
    CHECK(s.groups[0].solvable);
    CHECK(s.circuit_class == automata::ComplexityClass::ACC0);
    CHECK(automata::to_string(s.circuit_class) == "ACC0");
  }
  SECTION("contains aba is aperiodic, hence AC0") {
    const auto s = automata::summarize(automata::builtin_dfa("contains-aba"));
    CHECK(s.monoid_size == 12);
    CHECK(s.aperiodic);
    CHECK(s.max_period == 1);
    CHECK(s.quasi_aperiodic);
    CHECK(s.groups.empty());
    CHECK(s.circuit_class == automata::ComplexityClass::AC0);
    CHECK(automata::to_string(s.circuit_class) == "AC0");
    // aperiodic by brute force: x^k = x^(k+1) for every element
    const auto m = automata::transition_monoid_of(automata::builtin_dfa("contains-aba"));
    for (const auto& x : m.elements) {
      Tr p = x;
      for (int i = 0; i < 4; ++i) p = then(p, x);
      CHECK(then(p, x) == p);
    }
    CHECK(automata::is_aperiodic(m));
  }
  SECTION("the S5 word problem is NC1-complete") {
    const auto s = automata::summarize(automata::builtin_dfa("s5"));
    CHECK(s.states == 120);
    CHECK(s.monoid_size == 120);
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].order == 120);
    CHECK(s.groups[0].name == "S_5");
    CHECK(s.max_period == 6);  // the largest element order in S_5, e.g. (0 1)(2 3 4)
    CHECK_FALSE(s.groups[0].solvable);
    CHECK(s.circuit_class == automata::ComplexityClass::NC1Complete);
    CHECK(automata::to_string(s.circuit_class) == "NC1-complete");
  }
  SECTION("a mod 3 after the last reset is AC0 although the monoid contains Z_3") {
    // a: +1 mod 3, b: reset to 0. a^s = 1 once 3 | s, so Σ^s maps to the
    // identity and the three constants: no group survives in the stable
    // semigroup (the language only needs the last b's position mod 3).
    const auto s = automata::summarize(make_dfa({{1, 2, 0}, {0, 0, 0}}, {true, false, false}));
    CHECK(s.monoid_size == 3 + 3);  // 1, a, a², and the three constants
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].name == "Z_3");
    CHECK(s.max_period == 3);
    CHECK(s.stability_index == 3);
    CHECK(s.stable_semigroup_size == 4);
    CHECK(s.quasi_aperiodic);
    CHECK(s.circuit_class == automata::ComplexityClass::AC0);
  }
  SECTION("the number of a mod 3 over a, b is ACC0") {
    const auto s = automata::summarize(make_dfa({{1, 2, 0}, {0, 1, 2}}, {true, false, false}));
    CHECK(s.monoid_size == 3);
    CHECK(s.stability_index == 2);  // η(Σ) = {1, a}, η(Σ²) = Z_3
    CHECK(s.stable_semigroup_size == 3);
    CHECK_FALSE(s.quasi_aperiodic);
    CHECK(s.circuit_class == automata::ComplexityClass::ACC0);
  }
  SECTION("length divisible by 3, over one letter: quasi-aperiodic with s = 3") {
    const auto s = automata::summarize(make_dfa({{1, 2, 0}}, {true, false, false}));
    CHECK(s.stability_index == 3);
    CHECK(s.stable_semigroup_size == 1);
    CHECK(s.circuit_class == automata::ComplexityClass::AC0);
  }
  SECTION("a DFA whose rows do not match its alphabet is rejected") {
    auto d = make_dfa({{1, 0}}, {true, false});
    d.alphabet.push_back("z");
    CHECK_THROWS_AS(automata::summarize(d), std::invalid_argument);
  }
}

TEST_CASE("monoid: the full transformation monoid T_6", "[quick][monoid]") {
  const auto m = automata::enumerate_monoid(full_transformation_generators(6), 6);
  CHECK(m.size() == 46656);
  // idempotents of T_n: Σ_k C(n,k) k^(n-k); for n = 6 that is 1057
  CHECK(automata::idempotents(m).size() == 1057);
  const auto green = automata::green_classes(m);
  CHECK(green.d_count == 6);
  const auto regular = automata::regular_d_classes(m, green);
  REQUIRE(regular.size() == 6);
  for (const auto& d : regular) {
    std::size_t f = 1;
    for (std::size_t i = 2; i <= d.rank; ++i) f *= i;
    CHECK(d.group.order() == f);  // the maximal subgroup of rank k is S_k
  }
}

TEST_CASE("monoid: the full transformation monoid T_7", "[extreme][monoid]") {
  const auto t0 = std::chrono::steady_clock::now();
  const auto m = automata::enumerate_monoid(full_transformation_generators(7), 7);
  const auto t1 = std::chrono::steady_clock::now();
  std::printf("T_7: %zu elements enumerated in %.3f s\n", m.size(), std::chrono::duration<double>(t1 - t0).count());
  CHECK(m.size() == 823543);
  const auto green = automata::green_classes(m);
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("T_7: Green's classes in %.3f s\n", std::chrono::duration<double>(t2 - t1).count());
  CHECK(green.d_count == 7);
  CHECK(green.l_count == 127);  // one L-class per non-empty image
  CHECK(green.r_count == 877);  // one R-class per partition of 7 points (Bell number B_7)
  const auto regular = automata::regular_d_classes(m, green);
  REQUIRE(regular.size() == 7);
  std::map<std::size_t, std::string> by_rank;
  for (const auto& d : regular) by_rank[d.rank] = automata::group_name(d.group);
  CHECK(by_rank[7] == "S_7");
  CHECK(by_rank[6] == "S_6");
  CHECK(by_rank[5] == "S_5");
  CHECK(by_rank[3] == "S_3");
  CHECK(by_rank[2] == "Z_2");
  CHECK(by_rank[1] == "1");
  // multiply against composition on a sample of pairs
  std::mt19937 rng(1);
  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(m.size() - 1));
  for (int i = 0; i < 20000; ++i) {
    const auto x = pick(rng), y = pick(rng);
    REQUIRE(m.elements[m.multiply(x, y)] == then(m.elements[x], m.elements[y]));
  }
  const auto t3 = std::chrono::steady_clock::now();
  const auto stable = automata::stable_semigroup(m);
  std::printf("T_7: stable semigroup (s = %zu, %zu elements) in %.3f s\n", stable.stability_index,
              stable.elements.size(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t3).count());
}

TEST_CASE("monoid: the vectorized and scalar products enumerate the same monoid", "[quick][monoid]") {
  // Degrees 32..128 take the AVX-512 VBMI product where the CPU has it;
  // PARALLAX_NO_VBMI forces the scalar loop. Both must give identical tables.
  std::mt19937_64 rng(11);
  for (std::size_t degree : {32u, 63u, 64u, 65u, 100u, 128u}) {
    std::vector<Tr> gens;
    // a rotation, a reflection and a constant: the dihedral group D_n plus
    // the n constant maps, 3n elements
    Tr cycle(degree), half(degree), random(degree);
    for (std::size_t q = 0; q < degree; ++q) {
      cycle[q] = static_cast<std::uint32_t>((q + 1) % degree);
      half[q] = static_cast<std::uint32_t>((degree - q) % degree);
      random[q] = static_cast<std::uint32_t>(rng() % degree);
    }
    std::fill(random.begin(), random.end(), random[0]);
    gens = {cycle, half, random};
    const auto fast = automata::enumerate_monoid(gens, degree, 2000000);
    ::setenv("PARALLAX_NO_VBMI", "1", 1);
    const auto slow = automata::enumerate_monoid(gens, degree, 2000000);
    ::unsetenv("PARALLAX_NO_VBMI");
    REQUIRE(fast.size() == slow.size());
    CHECK(fast.size() == 3 * degree);
    CHECK(fast.elements.flat() == slow.elements.flat());
    CHECK(fast.right.flat() == slow.right.flat());
    CHECK(fast.left.flat() == slow.left.flat());
    for (std::uint32_t e = 0; e < fast.size(); ++e)
      for (std::size_t g = 0; g < gens.size(); ++g) {
        Tr prod(degree);
        for (std::size_t q = 0; q < degree; ++q) prod[q] = gens[g][fast.elements[e][q]];
        REQUIRE(fast.elements[fast.right[e][g]] == prod);
      }
  }
}
