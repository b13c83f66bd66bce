#include "automata/perm_group.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

namespace parallax::automata {

GroupTooLarge::GroupTooLarge(std::size_t bound)
    : std::runtime_error("the group has more than " + std::to_string(bound) + " elements") {}

Perm perm_identity(std::size_t degree) {
  Perm p(degree);
  std::iota(p.begin(), p.end(), 0u);
  return p;
}

Perm perm_cycle(std::size_t degree, const std::vector<std::uint32_t>& c, std::uint32_t offset) {
  Perm p = perm_identity(degree);
  for (std::size_t i = 0; i < c.size(); ++i) p[offset + c[i]] = offset + c[(i + 1) % c.size()];
  return p;
}

Perm perm_compose(const Perm& a, const Perm& b) {
  Perm r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) r[i] = b[a[i]];
  return r;
}

Perm perm_inverse(const Perm& p) {
  Perm r(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) r[p[i]] = static_cast<std::uint32_t>(i);
  return r;
}

bool is_permutation(const Perm& p) {
  std::vector<bool> seen(p.size(), false);
  for (auto v : p) {
    if (v >= p.size() || seen[v]) return false;
    seen[v] = true;
  }
  return true;
}

std::size_t perm_order(const Perm& p) {
  std::vector<bool> seen(p.size(), false);
  std::size_t order = 1;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (seen[i]) continue;
    std::size_t len = 0;
    for (std::size_t j = i; !seen[j]; j = p[j]) {
      seen[j] = true;
      ++len;
    }
    order = std::lcm(order, len);
  }
  return order;
}

bool PermGroup::contains(const Perm& p) const { return std::binary_search(elements.begin(), elements.end(), p); }

namespace {

struct PermHash {
  std::size_t operator()(const Perm& p) const noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    for (auto v : p) h = (h ^ v) * 0x100000001B3ull + (h >> 31);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

// Incremental closure: the elements stay closed under right multiplication
// by every generator added so far, which for a finite set containing the
// identity means they form the generated group.
class Closure {
 public:
  Closure(std::size_t degree, std::size_t max_order) : degree_(degree), max_order_(max_order) {
    insert(perm_identity(degree));
  }

  bool contains(const Perm& p) const { return set_.count(p) != 0; }

  // Adds g as a generator unless it already lies in the group.
  void add_generator(const Perm& g) {
    if (g.size() != degree_ || !is_permutation(g))
      throw std::invalid_argument("a group generator is not a permutation of degree " + std::to_string(degree_));
    if (contains(g)) return;
    gens_.push_back(g);
    // old elements are closed under the old generators: only x·g is new
    const std::size_t old = elems_.size();
    for (std::size_t i = 0; i < old; ++i) insert(perm_compose(elems_[i], g));
    for (std::size_t i = old; i < elems_.size(); ++i)
      for (std::size_t k = 0; k < gens_.size(); ++k) insert(perm_compose(elems_[i], gens_[k]));
  }

  const std::vector<Perm>& generators() const { return gens_; }
  std::size_t size() const { return elems_.size(); }

  PermGroup take() {
    PermGroup g;
    g.degree = degree_;
    g.generators = gens_;
    g.elements = std::move(elems_);
    std::sort(g.elements.begin(), g.elements.end());
    return g;
  }

 private:
  void insert(Perm p) {
    if (set_.count(p)) return;
    if (elems_.size() >= max_order_) throw GroupTooLarge(max_order_);
    set_.insert(p);
    elems_.push_back(std::move(p));
  }

  std::size_t degree_;
  std::size_t max_order_;
  std::vector<Perm> gens_;
  std::vector<Perm> elems_;
  std::unordered_set<Perm, PermHash> set_;
};

Perm commutator(const Perm& a, const Perm& b) {
  return perm_compose(perm_compose(perm_inverse(a), perm_inverse(b)), perm_compose(a, b));
}

bool is_identity(const Perm& p) {
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] != i) return false;
  return true;
}

// The smallest normal subgroup of g containing `seeds`. Conjugating the
// generators of N by the generators of G suffices: N^x ⊆ N for a finite N
// forces N^x = N, so N is then closed under conjugation by all of G.
PermGroup normal_closure(const PermGroup& g, const std::vector<Perm>& seeds) {
  Closure n(g.degree, std::max<std::size_t>(g.order(), 1));
  for (const auto& s : seeds) n.add_generator(s);
  for (std::size_t i = 0; i < n.generators().size(); ++i) {
    const Perm x = n.generators()[i];
    for (const auto& y : g.generators) n.add_generator(perm_compose(perm_compose(perm_inverse(y), x), y));
  }
  return n.take();
}

std::size_t factorial(std::size_t n) { return n <= 1 ? 1 : n * factorial(n - 1); }

// Element-order statistics of S_n (or A_n if even_only), from cycle types:
// the class of a type with m_i cycles of length i has n! / Π i^{m_i} m_i!
// elements, of order lcm{i : m_i > 0}; it lies in A_n iff Σ (i-1) m_i is even.
void cycle_types(std::size_t remaining, std::size_t max_part, std::vector<std::size_t>& mult, std::size_t n,
                 bool even_only, std::map<std::size_t, std::size_t>& stats) {
  if (remaining == 0) {
    std::size_t denom = 1, order = 1, parity = 0;
    for (std::size_t i = 1; i <= n; ++i) {
      for (std::size_t k = 0; k < mult[i]; ++k) denom *= i;
      denom *= factorial(mult[i]);
      if (mult[i]) order = std::lcm(order, i);
      parity += (i - 1) * mult[i];
    }
    if (!even_only || parity % 2 == 0) stats[order] += factorial(n) / denom;
    return;
  }
  for (std::size_t part = std::min(remaining, max_part); part >= 1; --part) {
    ++mult[part];
    cycle_types(remaining - part, part, mult, n, even_only, stats);
    --mult[part];
  }
}

std::map<std::size_t, std::size_t> symmetric_statistics(std::size_t n, bool even_only) {
  std::map<std::size_t, std::size_t> stats;
  std::vector<std::size_t> mult(n + 1, 0);
  cycle_types(n, n, mult, n, even_only, stats);
  return stats;
}

std::vector<std::size_t> prime_factors(std::size_t n) {
  std::vector<std::size_t> ps;
  for (std::size_t p = 2; p * p <= n; ++p)
    if (n % p == 0) {
      ps.push_back(p);
      while (n % p == 0) n /= p;
    }
  if (n > 1) ps.push_back(n);
  return ps;
}

// Finite abelian groups are determined by the number of solutions of
// x^d = 1: for the p-part Π Z_{p^{e_j}}, #{x : x^{p^i} = 1} = p^{Σ_j min(i, e_j)},
// so the successive differences of the exponents count the e_j ≥ i.
std::string abelian_name(const std::vector<std::size_t>& orders, std::size_t n) {
  auto dividing = [&](std::size_t d) {
    std::size_t c = 0;
    for (auto o : orders) c += (d % o == 0);
    return c;
  };
  auto log_p = [](std::size_t x, std::size_t p) {
    std::size_t k = 0;
    while (x > 1) {
      x /= p;
      ++k;
    }
    return k;
  };
  std::vector<std::vector<std::size_t>> exps;  // per prime, descending
  std::vector<std::size_t> primes = prime_factors(n);
  std::size_t factors = 0;
  for (auto p : primes) {
    std::vector<std::size_t> at_least;  // at_least[i-1] = #{j : e_j ≥ i}
    std::size_t prev = 0, pk = 1;
    while (true) {
      pk *= p;
      const std::size_t a = log_p(dividing(pk), p);
      if (a == prev) break;
      at_least.push_back(a - prev);
      prev = a;
    }
    std::vector<std::size_t> e;
    for (std::size_t i = at_least.size(); i >= 1; --i) {
      const std::size_t next = i < at_least.size() ? at_least[i] : 0;
      for (std::size_t k = 0; k < at_least[i - 1] - next; ++k) e.push_back(i);
    }
    factors = std::max(factors, e.size());
    exps.push_back(e);
  }
  std::vector<std::size_t> inv(factors, 1);  // largest first
  for (std::size_t k = 0; k < primes.size(); ++k)
    for (std::size_t j = 0; j < exps[k].size(); ++j)
      for (std::size_t t = 0; t < exps[k][j]; ++t) inv[j] *= primes[k];
  std::string name;
  for (std::size_t j = factors; j >= 1; --j) name += (name.empty() ? "Z_" : " x Z_") + std::to_string(inv[j - 1]);
  return name;
}

// D_m (order 2m): an element r of order m whose powers form a subgroup of
// index 2 outside of which every element is an involution. Any group with
// this property is dihedral: for s outside ⟨r⟩, s² = (sr)² = 1 gives
// s r s = r⁻¹, the dihedral presentation.
bool is_dihedral(const PermGroup& g, const std::vector<std::size_t>& orders) {
  const std::size_t n = g.order();
  if (n % 2 != 0 || n < 6) return false;
  const std::size_t m = n / 2;
  for (std::size_t i = 0; i < n; ++i) {
    if (orders[i] != m) continue;
    std::vector<Perm> powers;
    Perm x = perm_identity(g.degree);
    for (std::size_t k = 0; k < m; ++k) {
      powers.push_back(x);
      x = perm_compose(x, g.elements[i]);
    }
    std::sort(powers.begin(), powers.end());
    for (std::size_t j = 0; j < n; ++j)
      if (!std::binary_search(powers.begin(), powers.end(), g.elements[j]) && orders[j] != 2) return false;
    return true;  // every element of order m ≥ 3 generates the rotations, so one suffices
  }
  return false;
}

}  // namespace

std::vector<Perm> group_closure(const std::vector<Perm>& generators, std::size_t degree, std::size_t max_order) {
  return generate_group(generators, degree, max_order).elements;
}

PermGroup generate_group(const std::vector<Perm>& generators, std::size_t degree, std::size_t max_order) {
  Closure c(degree, max_order);
  for (const auto& g : generators) c.add_generator(g);
  return c.take();
}

PermGroup group_from_elements(const std::vector<Perm>& elements, std::size_t degree) {
  Closure c(degree, std::max<std::size_t>(elements.size(), 1));
  try {
    for (const auto& e : elements) c.add_generator(e);
  } catch (const GroupTooLarge&) {
    throw std::invalid_argument("group_from_elements: the elements are not closed under products");
  }
  PermGroup g = c.take();
  if (g.order() != elements.size())
    throw std::invalid_argument("group_from_elements: the elements do not form a group (or repeat)");
  return g;
}

bool is_abelian(const PermGroup& g) {
  for (std::size_t i = 0; i < g.generators.size(); ++i)
    for (std::size_t j = i + 1; j < g.generators.size(); ++j)
      if (perm_compose(g.generators[i], g.generators[j]) != perm_compose(g.generators[j], g.generators[i]))
        return false;
  return true;
}

std::vector<std::size_t> element_orders(const PermGroup& g) {
  std::vector<std::size_t> out;
  out.reserve(g.order());
  for (const auto& x : g.elements) out.push_back(perm_order(x));
  return out;
}

std::map<std::size_t, std::size_t> order_statistics(const PermGroup& g) {
  std::map<std::size_t, std::size_t> stats;
  for (const auto& x : g.elements) ++stats[perm_order(x)];
  return stats;
}

std::size_t center_size(const PermGroup& g) {
  std::size_t count = 0;
  for (const auto& x : g.elements) {
    bool central = true;
    for (const auto& y : g.generators)
      if (perm_compose(x, y) != perm_compose(y, x)) {
        central = false;
        break;
      }
    count += central;
  }
  return count;
}

// G' is the normal closure of the commutators of a generating set: modulo
// that normal subgroup the generators commute, so the quotient is abelian.
PermGroup derived_subgroup(const PermGroup& g) {
  std::vector<Perm> seeds;
  for (std::size_t i = 0; i < g.generators.size(); ++i)
    for (std::size_t j = i + 1; j < g.generators.size(); ++j) {
      Perm c = commutator(g.generators[i], g.generators[j]);
      if (!is_identity(c)) seeds.push_back(std::move(c));
    }
  return normal_closure(g, seeds);
}

std::vector<PermGroup> derived_series(const PermGroup& g) {
  std::vector<PermGroup> series{g};
  while (true) {
    PermGroup next = derived_subgroup(series.back());
    if (next.order() == series.back().order()) break;  // G' ⊆ G, so equal orders mean G' = G
    series.push_back(std::move(next));
  }
  return series;
}

std::vector<std::size_t> derived_series_orders(const PermGroup& g) {
  std::vector<std::size_t> orders;
  for (const auto& h : derived_series(g)) orders.push_back(h.order());
  return orders;
}

bool solvable(const PermGroup& g) { return derived_series(g).back().order() == 1; }

std::string group_name(const PermGroup& g) {
  const std::size_t n = g.order();
  if (n == 1) return "1";
  const auto orders = element_orders(g);
  if (is_abelian(g)) return abelian_name(orders, n);
  std::map<std::size_t, std::size_t> stats;
  for (auto o : orders) ++stats[o];
  const auto series = derived_series_orders(g);
  const std::size_t center = center_size(g);
  for (std::size_t k = 3; k <= 7; ++k) {
    const std::size_t f = factorial(k);
    // S_3 is the only non-abelian group of order 6. S_4 is the only group of
    // order 24 with derived series 24 ⊃ 12 ⊃ 4 ⊃ 1 and trivial centre. For
    // k ≥ 5 the derived subgroup is perfect of order k!/2, hence A_k (the
    // unique perfect group of orders 60, 360 and 2520); with index 2 and a
    // trivial centre G embeds in Aut(A_k), which is S_k for k ≠ 6; for k = 6
    // the element orders separate S_6 from PGL(2,9) and M_10.
    if (n == f) {
      const bool shape = k == 3   ? series == std::vector<std::size_t>{6, 3, 1}
                         : k == 4 ? series == std::vector<std::size_t>{24, 12, 4, 1}
                                  : series == std::vector<std::size_t>{f, f / 2};
      if (shape && center == 1 && stats == symmetric_statistics(k, false)) return "S_" + std::to_string(k);
    }
    // A_4 is the only group of order 12 whose derived subgroup has order 4.
    if (k >= 4 && n == f / 2) {
      const bool shape = k == 4 ? series == std::vector<std::size_t>{12, 4, 1} : series == std::vector<std::size_t>{n};
      if (shape && center == 1 && stats == symmetric_statistics(k, true)) return "A_" + std::to_string(k);
    }
  }
  if (is_dihedral(g, orders)) return "D_" + std::to_string(n / 2);
  if (n == 8) return "Q_8";  // the only non-abelian, non-dihedral group of order 8
  return "order " + std::to_string(n) + (series.back() == 1 ? ", solvable" : ", non-solvable");
}

}  // namespace parallax::automata
