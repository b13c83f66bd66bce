#include "automata/languages.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "automata/perm_group.hpp"

namespace parallax::automata {

namespace {

constexpr std::size_t kMaxParam = 10000;

std::string valid_specs() {
  return fmt::format(
      "valid: parity, even-length, count-mod:M (M from 1 to {0}), ab-star, a-star-b-star, first-eq-last, "
      "contains-aba, dyck1:K (K from 1 to {0}), word:G and word:G:all with G one of Z<m> (m from 1 to {0}), "
      "S3, S4, S5, A4, A5, D<n> (n from 3 to {0}), A4xZ5",
      kMaxParam);
}

[[noreturn]] void unknown_spec(const std::string& spec) {
  throw std::invalid_argument(fmt::format("unknown language '{}' ({})", spec, valid_specs()));
}

/// A decimal parameter in [lo, hi]; plain digits only, so "+3", "03" and
/// "3x" are rejected rather than silently read as 3.
std::size_t parse_param(const std::string& text, std::size_t lo, std::size_t hi, const std::string& what,
                        const std::string& spec) {
  const bool digits = !text.empty() && text.size() <= 9 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                      !(text.size() > 1 && text[0] == '0');
  const std::size_t v = digits ? std::stoul(text) : 0;
  if (!digits || v < lo || v > hi)
    throw std::invalid_argument(fmt::format("language '{}': {} must be an integer from {} to {}, got '{}' ({})", spec,
                                            what, lo, hi, text, valid_specs()));
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == sep)
      parts.emplace_back();
    else
      parts.back() += c;
  }
  return parts;
}

Dfa two_letter(const std::string& spec, std::size_t states) {
  Dfa d;
  d.name = spec;
  d.alphabet = {"a", "b"};
  d.states = states;
  d.delta.assign(2, std::vector<std::uint32_t>(states));
  d.accepting.assign(states, false);
  return d;
}

// ---- finite groups ----------------------------------------------------------

/// A finite group with its elements numbered 0..order−1 (0 the identity)
/// and a generating set with letter names.
struct Group {
  std::vector<std::string> names;                                     ///< per element
  std::function<std::uint32_t(std::uint32_t, std::uint32_t)> then;  ///< x first, then g
  std::vector<std::string> gen_letters;
  std::vector<std::uint32_t> gens;  ///< element indices
};

bool is_even(const Perm& p) {
  std::size_t inversions = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    for (std::size_t j = i + 1; j < p.size(); ++j) inversions += p[i] > p[j];
  return inversions % 2 == 0;
}

/// A group of permutations of 0..n−1 (S_n, or A_n when even_only), in
/// lexicographic order so the identity comes first.
struct PermTable {
  std::size_t n = 0;
  std::vector<Perm> elements;
  std::vector<std::uint32_t> index_of_code;  ///< by base-n code; n^n entries (n ≤ 5)

  std::size_t code(const Perm& p) const {
    std::size_t c = 0;
    for (auto v : p) c = c * n + v;
    return c;
  }
  std::uint32_t index(const Perm& p) const { return index_of_code[code(p)]; }
  std::uint32_t then(std::uint32_t x, std::uint32_t g) const { return index(perm_compose(elements[x], elements[g])); }
  std::string name(std::uint32_t x) const {
    std::string s;
    for (auto v : elements[x]) s += static_cast<char>('0' + v);
    return s;
  }
};

std::shared_ptr<PermTable> perm_table(std::size_t n, bool even_only) {
  auto g = std::make_shared<PermTable>();
  g->n = n;
  std::size_t codes = 1;
  for (std::size_t i = 0; i < n; ++i) codes *= n;
  g->index_of_code.assign(codes, UINT32_MAX);
  Perm p = perm_identity(n);
  do {
    if (even_only && !is_even(p)) continue;
    g->index_of_code[g->code(p)] = static_cast<std::uint32_t>(g->elements.size());
    g->elements.push_back(p);
  } while (std::next_permutation(p.begin(), p.end()));
  return g;
}

Group permutation_group(std::size_t n, bool even_only, const std::vector<std::string>& letters,
                        const std::vector<Perm>& gens) {
  auto pg = perm_table(n, even_only);
  Group g;
  for (std::uint32_t x = 0; x < pg->elements.size(); ++x) g.names.push_back(pg->name(x));
  g.then = [pg](std::uint32_t x, std::uint32_t y) { return pg->then(x, y); };
  g.gen_letters = letters;
  for (const auto& p : gens) g.gens.push_back(pg->index(p));
  return g;
}

Group cyclic_group(std::size_t m) {
  Group g;
  for (std::size_t k = 0; k < m; ++k) g.names.push_back(std::to_string(k));
  const auto mm = static_cast<std::uint32_t>(m);
  g.then = [mm](std::uint32_t x, std::uint32_t y) { return (x + y) % mm; };
  g.gen_letters = {"a"};
  g.gens = {static_cast<std::uint32_t>(1 % m)};
  return g;
}

/// D_n as the affine maps i ↦ ε·i + k (mod n): r<k> (ε = +1) is index k,
/// s<k> (ε = −1) is index n + k.
Group dihedral_group(std::size_t n) {
  Group g;
  for (std::size_t k = 0; k < n; ++k) g.names.push_back("r" + std::to_string(k));
  for (std::size_t k = 0; k < n; ++k) g.names.push_back("s" + std::to_string(k));
  const auto nn = static_cast<std::uint32_t>(n);
  g.then = [nn](std::uint32_t x, std::uint32_t y) {
    const bool xs = x >= nn, ys = y >= nn;
    const std::uint32_t kx = x % nn, ky = y % nn;
    // y(x(i)) = ε_y(ε_x i + k_x) + k_y
    const std::uint32_t k = ((ys ? nn - kx : kx) + ky) % nn;
    return (xs != ys ? nn : 0) + k;
  };
  g.gen_letters = {"r", "f"};
  g.gens = {1 % nn, nn};
  return g;
}

/// A4 × Z5: element (p, k) is index 5·index(p) + k.
Group a4_times_z5() {
  auto pg = perm_table(4, true);
  Group g;
  for (std::uint32_t x = 0; x < pg->elements.size(); ++x)
    for (std::uint32_t k = 0; k < 5; ++k) g.names.push_back(pg->name(x) + "." + std::to_string(k));
  g.then = [pg](std::uint32_t x, std::uint32_t y) { return pg->then(x / 5, y / 5) * 5 + (x % 5 + y % 5) % 5; };
  g.gen_letters = {"t", "u"};
  g.gens = {pg->index(perm_cycle(4, {0, 1, 2})) * 5 + 1, pg->index(perm_cycle(4, {1, 2, 3})) * 5};
  return g;
}

Dfa group_dfa(const std::string& spec, const Group& g, bool all) {
  const std::size_t order = g.names.size();
  const std::size_t letters = all ? order : g.gens.size();
  if (order * letters > max_language_transitions)
    throw std::invalid_argument(
        fmt::format("language '{}': {} states × {} letters = {} transitions, above the limit of {} (use word:G "
                    "with the small generating set, or a smaller group)",
                    spec, order, letters, order * letters, max_language_transitions));
  Dfa d;
  d.name = spec;
  d.alphabet = all ? g.names : g.gen_letters;
  d.states = order;
  d.delta.assign(letters, std::vector<std::uint32_t>(order));
  for (std::size_t s = 0; s < letters; ++s) {
    const auto el = all ? static_cast<std::uint32_t>(s) : g.gens[s];
    for (std::uint32_t x = 0; x < order; ++x) d.delta[s][x] = g.then(x, el);
  }
  d.start = 0;
  d.accepting.assign(order, false);
  d.accepting[0] = true;
  return d;
}

Dfa word_problem(const std::string& spec, const std::vector<std::string>& parts) {
  // parts: "word", G, and optionally "all"
  if (parts.size() < 2 || parts.size() > 3 || (parts.size() == 3 && parts[2] != "all")) unknown_spec(spec);
  const std::string& G = parts[1];
  const bool all = parts.size() == 3;
  if (G == "S3" || G == "S4" || G == "S5") {
    const std::size_t n = static_cast<std::size_t>(G[1] - '0');
    const std::vector<std::uint32_t> full = perm_identity(n);  // the points 0 … n−1
    return group_dfa(spec, permutation_group(n, false, {"s", "c"}, {perm_cycle(n, {0, 1}), perm_cycle(n, full)}), all);
  }
  if (G == "A4")
    return group_dfa(spec, permutation_group(4, true, {"t", "u"}, {perm_cycle(4, {0, 1, 2}), perm_cycle(4, {1, 2, 3})}),
                     all);
  if (G == "A5")
    return group_dfa(
        spec, permutation_group(5, true, {"t", "c"}, {perm_cycle(5, {0, 1, 2}), perm_cycle(5, {0, 1, 2, 3, 4})}), all);
  if (G == "A4xZ5") return group_dfa(spec, a4_times_z5(), all);
  if (G.size() >= 2 && G[0] == 'Z')
    return group_dfa(spec, cyclic_group(parse_param(G.substr(1), 1, kMaxParam, "the order m of Z<m>", spec)), all);
  if (G.size() >= 2 && G[0] == 'D')
    return group_dfa(spec, dihedral_group(parse_param(G.substr(1), 3, kMaxParam, "n of D<n>", spec)), all);
  throw std::invalid_argument(fmt::format("language '{}': unknown group '{}' ({})", spec, G, valid_specs()));
}

}  // namespace

const std::vector<LanguageInfo>& language_catalog() {
  static const std::vector<LanguageInfo> v = {
      {"parity", "an even number of b, over {a, b}", "parity"},
      {"even-length", "words of even length, over {a, b}", "even-length"},
      {"count-mod:M", "the number of a is divisible by M (1 ≤ M ≤ 10000), over {a, b}; M states", "count-mod:3"},
      {"ab-star", "(ab)*, over {a, b}", "ab-star"},
      {"a-star-b-star", "a*b*, over {a, b}", "a-star-b-star"},
      {"first-eq-last", "nonempty words whose first letter equals the last, over {a, b}", "first-eq-last"},
      {"contains-aba", "words with the factor aba, over {a, b}", "contains-aba"},
      {"dyck1:K",
       "balanced parentheses of nesting depth ≤ K (1 ≤ K ≤ 10000), over {(, )}; states: depth 0..K and a dead sink",
       "dyck1:3"},
      {"word:Z<m>", "the word problem of the cyclic group Z_m (1 ≤ m ≤ 10000) over a = +1; m states", "word:Z5"},
      {"word:S3", "the word problem of S3 over s = (0 1), c = (0 1 2); 6 states", "word:S3"},
      {"word:S4", "the word problem of S4 over s = (0 1), c = (0 1 2 3); 24 states", "word:S4"},
      {"word:S5", "the word problem of S5 over s = (0 1), c = (0 1 2 3 4); 120 states (the builtin s5)", "word:S5"},
      {"word:A4", "the word problem of A4 over t = (0 1 2), u = (1 2 3); 12 states", "word:A4"},
      {"word:A5", "the word problem of A5 over t = (0 1 2), c = (0 1 2 3 4); 60 states", "word:A5"},
      {"word:D<n>",
       "the word problem of the dihedral group of order 2n (3 ≤ n ≤ 10000) over r = rotation i ↦ i+1, "
       "f = reflection i ↦ −i (mod n); 2n states",
       "word:D6"},
      {"word:A4xZ5", "the word problem of A4 × Z5 over t = ((0 1 2), +1), u = ((1 2 3), +0); 60 states",
       "word:A4xZ5"},
      {"word:G:all",
       "the word problem of G (any group above) with one letter per element: permutations in one-line notation "
       "(\"10234\"), Z_m as 0..m-1, D_n as r0..r{n-1} (i ↦ i+k) and s0..s{n-1} (i ↦ k−i), A4xZ5 as <perm>.<k>; "
       "at most 10^7 transitions (states × letters)",
       "word:A4:all"},
  };
  return v;
}

Dfa language(const std::string& spec) {
  const auto parts = split(spec, ':');
  const std::string& head = parts[0];
  if (head == "word") return word_problem(spec, parts);
  const bool takes_param = head == "count-mod" || head == "dyck1";
  if (takes_param && parts.size() != 2)
    throw std::invalid_argument(
        fmt::format("language '{}': '{}' needs one parameter, e.g. {}:3 ({})", spec, head, head, valid_specs()));
  if (!takes_param && parts.size() != 1) unknown_spec(spec);

  if (head == "parity") {
    auto d = two_letter(spec, 2);
    d.delta = {{0, 1}, {1, 0}};  // state = number of b mod 2
    d.accepting[0] = true;
    return d;
  }
  if (head == "even-length") {
    auto d = two_letter(spec, 2);
    d.delta = {{1, 0}, {1, 0}};  // state = length mod 2
    d.accepting[0] = true;
    return d;
  }
  if (head == "count-mod") {
    const auto m = parse_param(parts[1], 1, kMaxParam, "M", spec);
    auto d = two_letter(spec, m);
    for (std::uint32_t q = 0; q < m; ++q) {  // state = number of a mod M
      d.delta[0][q] = static_cast<std::uint32_t>((q + 1) % m);
      d.delta[1][q] = q;
    }
    d.accepting[0] = true;
    return d;
  }
  if (head == "ab-star") {
    // 0: between blocks (accept), 1: after an a, 2: dead
    auto d = two_letter(spec, 3);
    d.delta = {{1, 2, 2}, {2, 0, 2}};
    d.accepting[0] = true;
    return d;
  }
  if (head == "a-star-b-star") {
    // 0: only a so far, 1: some b, 2: dead (an a after a b)
    auto d = two_letter(spec, 3);
    d.delta = {{0, 2, 2}, {1, 1, 2}};
    d.accepting[0] = d.accepting[1] = true;
    return d;
  }
  if (head == "first-eq-last") {
    // 0: empty; then (first, last): 1 = (a, a), 2 = (a, b), 3 = (b, b), 4 = (b, a)
    auto d = two_letter(spec, 5);
    d.delta = {{1, 1, 1, 4, 4}, {3, 2, 2, 3, 3}};
    d.accepting[1] = d.accepting[3] = true;
    return d;
  }
  if (head == "contains-aba") {
    // 0: no progress, 1: seen a, 2: seen ab, 3: seen aba (absorbing)
    auto d = two_letter(spec, 4);
    d.delta = {{1, 1, 3, 3}, {0, 2, 0, 3}};
    d.accepting[3] = true;
    return d;
  }
  if (head == "dyck1") {
    const auto k = parse_param(parts[1], 1, kMaxParam, "K", spec);
    Dfa d;
    d.name = spec;
    d.alphabet = {"(", ")"};
    d.states = k + 2;  // depth 0..K, then the dead sink K+1
    const auto dead = static_cast<std::uint32_t>(k + 1);
    d.delta.assign(2, std::vector<std::uint32_t>(d.states, dead));
    for (std::uint32_t q = 0; q <= k; ++q) {
      if (q < k) d.delta[0][q] = q + 1;
      if (q > 0) d.delta[1][q] = q - 1;
    }
    d.accepting.assign(d.states, false);
    d.accepting[0] = true;
    return d;
  }
  unknown_spec(spec);
}

}  // namespace parallax::automata
