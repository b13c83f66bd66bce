#include "automata/monoid.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include <immintrin.h>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_map>

namespace parallax::automata {

MonoidTooLarge::MonoidTooLarge(std::size_t bound)
    : std::runtime_error("the monoid has more than " + std::to_string(bound) +
                         " elements; raise the bound with --max-monoid") {}

std::uint32_t Monoid::multiply(std::uint32_t x, std::uint32_t y) const {
  // x·y = x·a₁·a₂···a_k for y's word: walk the right Cayley graph.
  std::uint32_t letters[64];
  std::vector<std::uint32_t> spill;
  std::size_t n = 0;
  for (std::uint32_t e = y; e != 0; e = parent[e]) {
    if (n < 64)
      letters[n] = last_letter[e];
    else
      spill.push_back(last_letter[e]);
    ++n;
  }
  for (std::size_t i = n; i-- > 0;) x = right[x][i < 64 ? letters[i] : spill[i - 64]];
  return x;
}

std::vector<std::uint32_t> Monoid::word(std::uint32_t e) const {
  std::vector<std::uint32_t> w;
  for (; e != 0; e = parent[e]) w.push_back(last_letter[e]);
  std::reverse(w.begin(), w.end());
  return w;
}

namespace {

// out[q] = gen[x[q]] for byte transformations of degree ≤ 128 with AVX-512
// VBMI: the generator sits in two registers and one vpermi2b composes 64
// points. Products are the inner loop of the enumeration, and most DFAs
// have at most 128 states. Chosen at run time; the scalar loop is the
// fallback and the reference (the tests run whichever this CPU takes).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void compose_bytes_vbmi(const std::uint8_t* x,
                                                                                const std::uint8_t* gen,
                                                                                std::uint8_t* out, std::size_t degree) {
  const __mmask64 lo_mask = degree >= 64 ? ~__mmask64{0} : ((__mmask64{1} << degree) - 1);
  const __mmask64 hi_mask = degree <= 64 ? 0 : degree >= 128 ? ~__mmask64{0} : ((__mmask64{1} << (degree - 64)) - 1);
  const __m512i lo = _mm512_maskz_loadu_epi8(lo_mask, gen);
  const __m512i hi = _mm512_maskz_loadu_epi8(hi_mask, gen + 64);
  for (std::size_t q = 0; q < degree; q += 64) {
    const std::size_t left = degree - q;
    const __mmask64 m = left >= 64 ? ~__mmask64{0} : ((__mmask64{1} << left) - 1);
    const __m512i idx = _mm512_maskz_loadu_epi8(m, x + q);
    _mm512_mask_storeu_epi8(out + q, m, _mm512_permutex2var_epi8(lo, idx, hi));
  }
}

bool cpu_has_vbmi() {
  static const bool has = __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw");
  return has;
}

// Breadth-first enumeration with an open-addressing hash table over a flat
// array of transformations stored in the narrowest type T that holds a state.
template <typename T>
Monoid enumerate_impl(const std::vector<std::vector<std::uint32_t>>& gens, std::size_t degree,
                      std::size_t max_size) {
  const std::size_t k = gens.size();
  std::vector<T> data;
  std::vector<std::uint32_t> slots(1u << 10, Monoid::kNone);
  std::size_t count = 0;

  // Eight bytes per multiply (not one): hashing is the inner loop of the
  // enumeration, and a byte-serial hash dominated it for wide transformations.
  auto hash = [bytes = degree * sizeof(T)](const T* p) {
    const auto* c = reinterpret_cast<const unsigned char*>(p);
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ bytes;
    std::size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, c + i, 8);
      h = (h ^ w) * 0xff51afd7ed558ccdull;
      h ^= h >> 29;
    }
    if (i < bytes) {
      std::uint64_t w = 0;
      std::memcpy(&w, c + i, bytes - i);
      h = (h ^ w) * 0xff51afd7ed558ccdull;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  };
  auto equal = [&](std::uint32_t e, const T* p) {
    return std::equal(p, p + degree, data.begin() + static_cast<std::ptrdiff_t>(e * degree));
  };
  auto rehash = [&]() {
    std::vector<std::uint32_t> bigger(slots.size() * 2, Monoid::kNone);
    const std::size_t mask = bigger.size() - 1;
    for (std::uint32_t e = 0; e < count; ++e) {
      std::size_t s = hash(data.data() + e * degree) & mask;
      while (bigger[s] != Monoid::kNone) s = (s + 1) & mask;
      bigger[s] = e;
    }
    slots.swap(bigger);
  };

  Monoid m;
  m.degree = degree;
  std::vector<std::uint32_t> right_flat;

  // Returns the index of p, inserting it (with the given parent and letter)
  // if new.
  auto find_or_insert = [&](const T* p, std::uint32_t parent, std::uint32_t letter) {
    const std::size_t mask = slots.size() - 1;
    std::size_t s = hash(p) & mask;
    while (slots[s] != Monoid::kNone) {
      if (equal(slots[s], p)) return slots[s];
      s = (s + 1) & mask;
    }
    if (count >= max_size) throw MonoidTooLarge(max_size);
    const auto e = static_cast<std::uint32_t>(count++);
    slots[s] = e;
    data.insert(data.end(), p, p + degree);
    m.parent.push_back(parent);
    m.last_letter.push_back(letter);
    if (2 * count > slots.size()) rehash();
    return e;
  };

  // Froidure–Pin: elements are found in short-lex order of their shortest
  // words. For e = b·s (first letter b, suffix s) and a generator g, if the
  // word of s followed by g is not reduced — s·g = r was already reached by a
  // smaller word — then e·g = b·r = (b·prefix(r))·last(r) is read off the
  // Cayley graphs without multiplying; only reduced words cost a product
  // and a hash lookup.
  std::vector<std::uint32_t> first, suffix;  // per element (identity: kNone)
  std::vector<std::uint8_t> reduced;         // per (element, generator), like right_flat
  std::vector<std::uint32_t> left_flat;
  auto insert_word = [&](const T* p, std::uint32_t parent, std::uint32_t letter) {
    const std::size_t before = count;
    const std::uint32_t e = find_or_insert(p, parent, letter);
    if (count > before) {
      first.push_back(parent == 0 ? letter : first[parent]);
      suffix.push_back(parent == 0 ? 0 : right_flat[std::size_t{suffix[parent]} * k + letter]);
    }
    right_flat.push_back(e);
    reduced.push_back(count > before ? 1 : 0);
  };

  std::vector<T> tmp(degree);
  for (std::size_t q = 0; q < degree; ++q) tmp[q] = static_cast<T>(q);
  [[maybe_unused]] const bool vbmi = degree >= 32 && degree <= 128 && cpu_has_vbmi() && std::getenv("PARALLAX_NO_VBMI") == nullptr;
  find_or_insert(tmp.data(), Monoid::kNone, Monoid::kNone);
  first.push_back(Monoid::kNone);
  suffix.push_back(Monoid::kNone);

  // generators in the element type: the composition below is a gather on T
  std::vector<T> gen_t(k * degree);
  for (std::size_t g = 0; g < k; ++g)
    for (std::size_t q = 0; q < degree; ++q) gen_t[g * degree + q] = static_cast<T>(gens[g][q]);
  for (std::size_t g = 0; g < k; ++g) insert_word(gen_t.data() + g * degree, 0, static_cast<std::uint32_t>(g));
  for (std::size_t g = 0; g < k; ++g) left_flat.push_back(right_flat[g]);

  // Left Cayley graph without hashing: for x = p·a, g·x = (g·p)·a, computed
  // one length level at a time once the level before has all its right edges.
  std::size_t with_left = 1;
  auto fill_left = [&](std::size_t upto) {
    for (std::size_t x = with_left; x < upto; ++x)
      for (std::size_t g = 0; g < k; ++g)
        left_flat.push_back(right_flat[std::size_t{left_flat[std::size_t{m.parent[x]} * k + g]} * k + m.last_letter[x]]);
    with_left = upto;
  };
  for (std::size_t lo = 1; lo < count;) {
    const std::size_t hi = count;  // one length level: [lo, hi)
    fill_left(lo);
    for (std::size_t i = lo; i < hi; ++i) {
      const std::uint32_t b = first[i], s = suffix[i];
      for (std::size_t g = 0; g < k; ++g) {
        if (!reduced[std::size_t{s} * k + g]) {
          const std::uint32_t r = right_flat[std::size_t{s} * k + g];
          right_flat.push_back(r == 0 ? right_flat[b]
                                      : right_flat[std::size_t{left_flat[std::size_t{m.parent[r]} * k + b]} * k +
                                                   m.last_letter[r]]);
          reduced.push_back(0);
          continue;
        }
        const T* x = data.data() + i * degree;
        const T* gen = gen_t.data() + g * degree;
        if constexpr (std::is_same_v<T, std::uint8_t>) {
          if (vbmi) {
            compose_bytes_vbmi(x, gen, tmp.data(), degree);
            insert_word(tmp.data(), static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(g));
            continue;
          }
        }
        for (std::size_t q = 0; q < degree; ++q) tmp[q] = gen[x[q]];
        insert_word(tmp.data(), static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(g));
      }
    }
    lo = hi;
  }
  fill_left(count);

  const std::size_t n = count;
  m.generator_element.resize(k);
  for (std::size_t g = 0; g < k; ++g) m.generator_element[g] = right_flat[g];

  std::vector<std::uint32_t> flat(data.begin(), data.end());
  m.elements = degree ? Rows<std::uint32_t>(degree, std::move(flat)) : Rows<std::uint32_t>::empty_rows(n);
  m.right = k ? Rows<std::uint32_t>(k, std::move(right_flat)) : Rows<std::uint32_t>::empty_rows(n);
  m.left = k ? Rows<std::uint32_t>(k, std::move(left_flat)) : Rows<std::uint32_t>::empty_rows(n);
  return m;
}

// Tails and cycles of the functional graph of a transformation, with
// reusable scratch space (called once per element on large monoids).
class FunctionalGraph {
 public:
  IndexPeriod analyze(std::span<const std::uint32_t> t) {
    const std::size_t n = t.size();
    state_.assign(n, 0);
    tail_.resize(n);
    cycle_.resize(n);
    pos_.resize(n);
    IndexPeriod r;
    std::size_t max_tail = 0;
    for (std::size_t start = 0; start < n; ++start) {
      if (state_[start] != 0) continue;
      path_.clear();
      std::size_t v = start;
      while (state_[v] == 0) {
        state_[v] = 1;
        pos_[v] = path_.size();
        path_.push_back(static_cast<std::uint32_t>(v));
        v = t[v];
      }
      std::size_t rest = path_.size();
      if (state_[v] == 1) {  // closed a new cycle: path_[pos_[v]..] lies on it
        const std::size_t len = path_.size() - pos_[v];
        for (std::size_t i = pos_[v]; i < path_.size(); ++i) {
          tail_[path_[i]] = 0;
          cycle_[path_[i]] = len;
          state_[path_[i]] = 2;
        }
        r.period = std::lcm(r.period, len);
        rest = pos_[v];
      }
      for (std::size_t i = rest; i-- > 0;) {
        const std::uint32_t u = path_[i];
        tail_[u] = tail_[t[u]] + 1;
        cycle_[u] = cycle_[t[u]];
        state_[u] = 2;
        max_tail = std::max(max_tail, tail_[u]);
      }
    }
    r.index = std::max<std::size_t>(1, max_tail);
    return r;
  }

 private:
  std::vector<std::uint8_t> state_;  // 0 unvisited, 1 on the current path, 2 done
  std::vector<std::size_t> tail_, cycle_, pos_;
  std::vector<std::uint32_t> path_;
};

// Relabels classes 0, 1, ... in order of their smallest member (labels are
// below label.size()).
std::size_t renumber(std::vector<std::uint32_t>& label) {
  std::vector<std::uint32_t> map(label.size(), Monoid::kNone);
  std::uint32_t next = 0;
  for (auto& x : label) {
    if (map[x] == Monoid::kNone) map[x] = next++;
    x = map[x];
  }
  return next;
}

}  // namespace

Monoid enumerate_monoid(const std::vector<std::vector<std::uint32_t>>& generators, std::size_t degree,
                        std::size_t max_size) {
  for (std::size_t g = 0; g < generators.size(); ++g) {
    if (generators[g].size() != degree)
      throw std::invalid_argument("monoid generator " + std::to_string(g) + " has " +
                                  std::to_string(generators[g].size()) + " entries, expected " +
                                  std::to_string(degree));
    for (auto v : generators[g])
      if (v >= degree)
        throw std::invalid_argument("monoid generator " + std::to_string(g) + " maps to " + std::to_string(v) +
                                    ", outside 0.." + std::to_string(degree) + "-1");
  }
  if (max_size == 0) throw MonoidTooLarge(0);
  if (max_size > std::numeric_limits<std::uint32_t>::max() - 1)
    max_size = std::numeric_limits<std::uint32_t>::max() - 1;  // indices are uint32 with kNone reserved
  if (degree <= 256) return enumerate_impl<std::uint8_t>(generators, degree, max_size);
  if (degree <= 65536) return enumerate_impl<std::uint16_t>(generators, degree, max_size);
  return enumerate_impl<std::uint32_t>(generators, degree, max_size);
}

Monoid transition_monoid_of(const Dfa& dfa, std::size_t max_size) {
  if (dfa.delta.size() != dfa.alphabet.size())
    throw std::invalid_argument("DFA '" + dfa.name + "' has " + std::to_string(dfa.delta.size()) +
                                " transition rows for " + std::to_string(dfa.alphabet.size()) + " symbols");
  return enumerate_monoid(dfa.delta, dfa.states, max_size);
}

bool is_idempotent(const Monoid& m, std::uint32_t e) {
  // e·e = e iff e fixes every point of its image
  const auto& t = m.elements[e];
  for (auto v : t)
    if (t[v] != v) return false;
  return true;
}

std::vector<std::uint32_t> idempotents(const Monoid& m) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t e = 0; e < m.size(); ++e)
    if (is_idempotent(m, e)) out.push_back(e);
  return out;
}

IndexPeriod index_and_period(const Monoid& m, std::uint32_t x) {
  FunctionalGraph fg;
  return fg.analyze(m.elements[x]);
}

bool is_aperiodic(const Monoid& m) {
  FunctionalGraph fg;
  for (const auto& t : m.elements)
    if (fg.analyze(t).period != 1) return false;
  return true;
}

std::size_t largest_period(const Monoid& m) {
  FunctionalGraph fg;
  std::size_t p = 1;
  for (const auto& t : m.elements) p = std::max(p, fg.analyze(t).period);
  return p;
}

namespace {
template <class Graph>
Components tarjan(const Graph& graph) {
  // Iterative Tarjan: an explicit stack of (vertex, next edge) frames, so a
  // million-vertex Cayley graph does not overflow the call stack.
  constexpr std::uint32_t kUnset = Monoid::kNone;
  const std::size_t n = graph.size();
  std::vector<std::uint32_t> index(n, kUnset), low(n, 0), comp(n, kUnset), stack;
  std::vector<bool> on_stack(n, false);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> frames;
  std::uint32_t counter = 0, comps = 0;
  auto open = [&](std::uint32_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    frames.emplace_back(v, 0);
  };
  for (std::size_t root = 0; root < n; ++root) {
    if (index[root] != kUnset) continue;
    open(static_cast<std::uint32_t>(root));
    while (!frames.empty()) {
      const std::uint32_t v = frames.back().first;
      const std::uint32_t i = frames.back().second;
      if (i < graph[v].size()) {
        ++frames.back().second;
        const std::uint32_t w = graph[v][i];
        if (index[w] == kUnset)
          open(w);
        else if (on_stack[w])
          low[v] = std::min(low[v], index[w]);
        continue;
      }
      if (low[v] == index[v]) {
        std::uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = comps;
        } while (w != v);
        ++comps;
      }
      frames.pop_back();
      if (!frames.empty()) {
        const std::uint32_t u = frames.back().first;
        low[u] = std::min(low[u], low[v]);
      }
    }
  }
  Components c;
  c.component = std::move(comp);
  c.count = renumber(c.component);
  return c;
}
}  // namespace

Components strongly_connected_components(const std::vector<std::vector<std::uint32_t>>& graph) { return tarjan(graph); }
Components strongly_connected_components(const Rows<std::uint32_t>& graph) { return tarjan(graph); }

GreenClasses green_classes(const Monoid& m) {
  const std::size_t n = m.size();
  GreenClasses g;
  // x R y iff xM = yM iff x and y reach each other in the right Cayley graph
  // (x·w = y and y·v = x); dually for L.
  auto r = strongly_connected_components(m.right);
  auto l = strongly_connected_components(m.left);
  g.r = std::move(r.component);
  g.r_count = r.count;
  g.l = std::move(l.component);
  g.l_count = l.count;
  g.h.resize(n);
  {
    std::unordered_map<std::uint64_t, std::uint32_t> ids;
    ids.reserve(n);
    for (std::size_t e = 0; e < n; ++e) {
      const std::uint64_t key = (std::uint64_t{g.r[e]} << 32) | g.l[e];
      g.h[e] = ids.emplace(key, static_cast<std::uint32_t>(ids.size())).first->second;
    }
    g.h_count = ids.size();
  }
  // D = R ∨ L (= R∘L in a finite monoid): join each element with the first
  // element of its R-class and of its L-class.
  std::vector<std::uint32_t> uf(n);
  std::iota(uf.begin(), uf.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (uf[x] != x) x = uf[x] = uf[uf[x]];
    return x;
  };
  auto unite = [&](std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) uf[std::max(a, b)] = std::min(a, b);
  };
  std::vector<std::uint32_t> first_r(g.r_count, Monoid::kNone), first_l(g.l_count, Monoid::kNone);
  for (std::uint32_t e = 0; e < n; ++e) {
    if (first_r[g.r[e]] == Monoid::kNone) first_r[g.r[e]] = e;
    if (first_l[g.l[e]] == Monoid::kNone) first_l[g.l[e]] = e;
    unite(e, first_r[g.r[e]]);
    unite(e, first_l[g.l[e]]);
  }
  g.d.resize(n);
  for (std::uint32_t e = 0; e < n; ++e) g.d[e] = find(e);
  g.d_count = renumber(g.d);
  return g;
}

std::vector<RegularDClass> regular_d_classes(const Monoid& m, const GreenClasses& green) {
  const std::size_t n = m.size();
  // bucket the elements by H-class (counting sort)
  std::vector<std::uint32_t> start(green.h_count + 1, 0), members(n);
  for (std::size_t e = 0; e < n; ++e) ++start[green.h[e] + 1];
  for (std::size_t h = 0; h < green.h_count; ++h) start[h + 1] += start[h];
  {
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::uint32_t e = 0; e < n; ++e) members[fill[green.h[e]]++] = e;
  }
  std::vector<std::size_t> d_size(green.d_count, 0);
  for (std::size_t e = 0; e < n; ++e) ++d_size[green.d[e]];

  std::vector<RegularDClass> out;
  std::vector<bool> seen(green.d_count, false);
  for (std::uint32_t e = 0; e < n; ++e) {
    if (seen[green.d[e]] || !is_idempotent(m, e)) continue;
    seen[green.d[e]] = true;
    RegularDClass c;
    c.d_class = green.d[e];
    c.idempotent = e;
    c.size = d_size[c.d_class];
    // H_e acts on im(e): h = e·h·e, so h maps im(e) onto im(h) = im(e)
    // bijectively, and h is determined by that restriction.
    std::vector<std::uint32_t> image(m.elements[e]);
    std::sort(image.begin(), image.end());
    image.erase(std::unique(image.begin(), image.end()), image.end());
    c.rank = image.size();
    std::vector<std::uint32_t> pos(m.degree, Monoid::kNone);
    for (std::size_t i = 0; i < image.size(); ++i) pos[image[i]] = static_cast<std::uint32_t>(i);
    std::vector<Perm> perms;
    for (std::uint32_t i = start[green.h[e]]; i < start[green.h[e] + 1]; ++i) {
      const auto& t = m.elements[members[i]];
      Perm p(image.size());
      for (std::size_t j = 0; j < image.size(); ++j) p[j] = pos[t[image[j]]];
      perms.push_back(std::move(p));
    }
    c.group = group_from_elements(perms, image.size());
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const RegularDClass& a, const RegularDClass& b) { return a.d_class < b.d_class; });
  return out;
}

StableSemigroup stable_semigroup(const Monoid& m) {
  const std::size_t k = m.generator_element.size();
  std::vector<char> mark(m.size(), 0);
  // S ↦ S·Σ on sorted sets of element indices
  auto step = [&](const std::vector<std::uint32_t>& s) {
    std::vector<std::uint32_t> out;
    for (auto x : s)
      for (std::size_t g = 0; g < k; ++g) {
        const std::uint32_t y = m.right[x][g];
        if (!mark[y]) {
          mark[y] = 1;
          out.push_back(y);
        }
      }
    if (out.size() > m.size() / 16) {  // dense: read the marks in order instead of sorting
      std::size_t i = 0;
      for (std::uint32_t y = 0; y < m.size(); ++y)
        if (mark[y]) {
          out[i++] = y;
          mark[y] = 0;
        }
    } else {
      for (auto y : out) mark[y] = 0;
      std::sort(out.begin(), out.end());
    }
    return out;
  };
  // The sequence S_1 = η(Σ), S_{i+1} = S_i·Σ is eventually periodic. Brent's
  // cycle detection finds the period λ and the first periodic term S_{1+μ}
  // keeping only two sets in memory. S_s = S_{2s} needs s in the periodic
  // part (earlier terms never recur) and λ | s.
  const std::vector<std::uint32_t> first = step({0});
  std::size_t power = 1, lambda = 1;
  std::vector<std::uint32_t> tortoise = first, hare = step(first);
  while (tortoise != hare) {
    if (power == lambda) {
      tortoise = hare;
      power *= 2;
      lambda = 0;
    }
    hare = step(hare);
    ++lambda;
  }
  tortoise = first;
  hare = first;
  for (std::size_t i = 0; i < lambda; ++i) hare = step(hare);
  std::size_t mu = 0;
  while (tortoise != hare) {
    tortoise = step(tortoise);
    hare = step(hare);
    ++mu;
  }
  StableSemigroup r;
  const std::size_t periodic_from = 1 + mu;  // tortoise = S_{1+μ}
  r.stability_index = (periodic_from + lambda - 1) / lambda * lambda;
  for (std::size_t i = periodic_from; i < r.stability_index; ++i) tortoise = step(tortoise);
  r.elements = std::move(tortoise);
  return r;
}

bool is_quasi_aperiodic(const Monoid& m, const StableSemigroup& stable) {
  FunctionalGraph fg;
  for (auto x : stable.elements)
    if (fg.analyze(m.elements[x]).period != 1) return false;
  return true;
}

// ---- the right Cayley graph ---------------------------------------------------

std::string cayley_dot(const Dfa& dfa, const Monoid& m) {
  const auto escape = [](const std::string& text) {
    std::string escaped;
    for (char c : text) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    return escaped;
  };
  std::ostringstream out;
  out << "digraph cayley {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (std::uint32_t e = 0; e < m.size(); ++e) {
    std::string label;
    for (auto g : m.word(e)) label += dfa.alphabet[g].size() == 1 ? dfa.alphabet[g] : "[" + dfa.alphabet[g] + "]";
    if (label.empty()) label = "1";
    out << "  e" << e << " [label=\"" << escape(label) << '"' << (is_idempotent(m, e) ? ", style=bold" : "") << "];\n";
  }
  for (std::uint32_t e = 0; e < m.size(); ++e)
    for (std::size_t g = 0; g < dfa.alphabet.size(); ++g)
      out << "  e" << e << " -> e" << m.right[e][g] << " [label=\"" << escape(dfa.alphabet[g]) << "\"];\n";
  out << "}\n";
  return out.str();
}

}  // namespace parallax::automata
