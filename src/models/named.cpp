// The named demo models and the S5 group utilities.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>

#include "models/lrnn.hpp"

namespace parallax::models {

namespace {

Perm identity_perm() { return {0, 1, 2, 3, 4}; }

/// Transpositions whose product (first applied first) is the cycle
/// (0 1 2 3 4): (0 1), (0 2), (0 3), (0 4).
std::vector<std::pair<int, int>> cycle_as_transpositions() { return {{0, 1}, {0, 2}, {0, 3}, {0, 4}}; }

Transition pd_transition(const std::vector<Perm>& all, const Perm& g) {
  Transition tr;
  const std::size_t d = all.size();
  for (std::size_t j = 0; j < d; ++j) tr.p.push_back(static_cast<std::uint32_t>(s5_index(compose_perm(g, all[j]))));
  tr.a.assign(d, Exact(1));
  tr.b.assign(d, Exact(0));
  return tr;
}

LrnnSpec s5_pd(bool all_tokens) {
  const auto& all = s5_elements();
  LrnnSpec s;
  s.name = all_tokens ? "s5-all" : "s5";
  s.structure = Structure::PermutationDiagonal;
  s.d = all.size();
  if (all_tokens) {
    for (const auto& g : all) {
      s.alphabet.push_back(perm_name(g));
      s.tokens.push_back(pd_transition(all, g));
    }
  } else {
    s.alphabet = {"s", "c"};
    for (const auto& g : s5_generators()) s.tokens.push_back(pd_transition(all, g));
  }
  s.h0.assign(s.d, Exact(0));
  s.h0[0] = 1;  // the identity permutation
  s.c = s.h0;
  s.c0 = Exact(-1, 2);
  return s;
}

LrnnSpec s5_householder() {
  LrnnSpec s;
  s.name = "s5-householder";
  s.structure = Structure::Dplr;
  s.d = 5;
  s.alphabet = {"s", "c"};
  Transition ts;
  ts.factors.push_back(transposition_factor(5, 0, 1));
  ts.b.assign(5, Exact(0));
  Transition tc;
  for (auto [i, j] : cycle_as_transpositions()) tc.factors.push_back(transposition_factor(5, i, j));
  tc.b.assign(5, Exact(0));
  s.tokens = {ts, tc};
  // h0 = v = (1 … 5); ⟨v, P v⟩ = 55 iff P = I, else ≤ 54 (rearrangement inequality)
  for (int i = 1; i <= 5; ++i) s.h0.push_back(Exact(i));
  s.c = s.h0;
  s.c0 = Exact(-109, 2);
  return s;
}

LrnnSpec parity() {
  LrnnSpec s;
  s.name = "parity";
  s.structure = Structure::Diagonal;
  s.d = 1;
  s.alphabet = {"a", "b"};
  s.tokens = {Transition{{Exact(1)}, {}, {}, {Exact(0)}}, Transition{{Exact(-1)}, {}, {}, {Exact(0)}}};
  s.h0 = {Exact(1)};
  s.c = {Exact(1)};
  return s;
}

LrnnSpec mod3() {
  LrnnSpec s;
  s.name = "mod3";
  s.structure = Structure::Dense;
  s.d = 3;
  s.alphabet = {"a", "b"};
  // a: cyclic shift e_i → e_{i+1 mod 3}; b: identity
  Transition a, b;
  a.a.assign(9, Exact(0));
  b.a.assign(9, Exact(0));
  for (int i = 0; i < 3; ++i) {
    a.a[((i + 1) % 3) * 3 + i] = 1;
    b.a[i * 3 + i] = 1;
  }
  a.b.assign(3, Exact(0));
  b.b.assign(3, Exact(0));
  s.tokens = {a, b};
  s.h0 = {Exact(1), Exact(0), Exact(0)};
  s.c = s.h0;
  s.c0 = Exact(-1, 2);
  return s;
}

LrnnSpec rotation() {
  LrnnSpec s;
  s.name = "rotation";
  s.structure = Structure::Complex;
  s.d = 2;
  s.alphabet = {"a", "b"};
  // λ = (3 + 4i) / 5 has modulus 1 and infinite order; b is its inverse
  s.tokens = {Transition{{Exact(3, 5), Exact(4, 5)}, {}, {}, {Exact(0), Exact(0)}},
              Transition{{Exact(3, 5), Exact(-4, 5)}, {}, {}, {Exact(0), Exact(0)}}};
  s.h0 = {Exact(1), Exact(0)};
  s.c = {Exact(1), Exact(0)};
  s.c0 = Exact(-1, 2);
  return s;
}

LrnnSpec running_mean() {
  // h_t = (1 − x/2)·h + x/2 over one real input x: an input-driven diagonal model
  LrnnSpec s;
  s.name = "leaky-sum";
  s.structure = Structure::Diagonal;
  s.d = 1;
  s.input_dim = 1;
  s.input_basis = {Transition{{Exact(1, 2)}, {}, {}, {Exact(0)}}, Transition{{Exact(0)}, {}, {}, {Exact(1)}}};
  s.h0 = {Exact(0)};
  s.c = {Exact(1)};
  return s;
}

struct Entry {
  NamedModel info;
  LrnnSpec (*make)();
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> r = {
      {{"parity", "diagonal d=1: h <- -h on b; accepts words with an even number of b"}, parity},
      {{"mod3", "dense d=3 cyclic shift on a; accepts words whose number of a is divisible by 3"}, mod3},
      {{"rotation", "complex d=2: rotate by arg((3+4i)/5) on a, back on b; accepts when the net angle has cos > 1/2"},
       rotation},
      {{"leaky-sum", "diagonal d=1, one real input x per step: h <- h/2 + x"}, running_mean},
      {{"s5", "PD d=120 (one state per permutation), tokens s=(0 1), c=(0 1 2 3 4); accepts iff the word's product is "
              "the identity"},
       [] { return s5_pd(false); }},
      {{"s5-all", "PD d=120 with one token per element of S5 (one-line notation, e.g. 10234)"}, [] { return s5_pd(true); }},
      {{"s5-householder", "DPLR d=5, tokens s, c as products of Householder reflections I - k k^T (k = e_i - e_j); "
                          "accepts iff the product is the identity"},
       s5_householder},
  };
  return r;
}

}  // namespace

LrnnSpec random_lrnn(Structure st, std::size_t d, std::size_t tokens, std::uint64_t seed) {
  if (d == 0 || tokens == 0 || tokens > 26) throw ModelError("random_lrnn: need d >= 1 and 1 to 26 tokens");
  if (st == Structure::Complex && d % 2) throw ModelError("random_lrnn: a complex model needs an even d");
  std::mt19937_64 rng(seed);
  auto q = [&](int range, int den) { return Exact(int(rng() % (2 * range + 1)) - range, den); };
  LrnnSpec s;
  s.name = "random-" + to_string(st);
  s.structure = st;
  s.d = d;
  for (std::size_t k = 0; k < tokens; ++k) {
    s.alphabet.push_back(std::string(1, char('a' + k)));
    Transition tr;
    for (std::size_t i = 0; i < d; ++i) tr.b.push_back(q(2, 4));
    switch (st) {
      case Structure::Diagonal:
      case Structure::Complex:
        for (std::size_t i = 0; i < d; ++i) tr.a.push_back(q(2, 4));
        break;
      case Structure::PermutationDiagonal:
        for (std::size_t i = 0; i < d; ++i) tr.a.push_back(q(2, 4)), tr.p.push_back(std::uint32_t(rng() % d));
        break;
      case Structure::Dense:
        for (std::size_t i = 0; i < d * d; ++i) tr.a.push_back(q(2, 4 * int(d)));
        break;
      case Structure::Dplr: {
        LowRankFactor f;
        f.u.resize(1);
        f.v.resize(1);
        for (std::size_t i = 0; i < d; ++i) f.D.push_back(q(1, 4)), f.u[0].push_back(q(1, 4)), f.v[0].push_back(q(1, 4));
        tr.factors.push_back(f);
        break;
      }
    }
    s.tokens.push_back(std::move(tr));
  }
  for (std::size_t i = 0; i < d; ++i) s.h0.push_back(q(2, 2)), s.c.push_back(q(2, 2));
  s.c0 = q(1, 4);
  validate(s, "random model");
  return s;
}

const std::vector<Perm>& s5_elements() {
  static const std::vector<Perm> all = [] {
    std::vector<Perm> v;
    Perm p = identity_perm();
    do v.push_back(p);
    while (std::next_permutation(p.begin(), p.end()));
    return v;
  }();
  return all;
}

std::string perm_name(const Perm& p) {
  std::string s;
  for (auto x : p) s += static_cast<char>('0' + x);
  return s;
}

std::size_t s5_index(const Perm& p) {
  const auto& all = s5_elements();
  return static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), p) - all.begin());
}

Perm compose_perm(const Perm& g, const Perm& x) {
  Perm r{};
  for (std::size_t i = 0; i < 5; ++i) r[i] = g[x[i]];
  return r;
}

std::vector<Perm> s5_generators() { return {Perm{1, 0, 2, 3, 4}, Perm{1, 2, 3, 4, 0}}; }

const std::vector<NamedModel>& named_models() {
  static const std::vector<NamedModel> v = [] {
    std::vector<NamedModel> r;
    for (const auto& e : registry()) r.push_back(e.info);
    return r;
  }();
  return v;
}

LrnnSpec named_model(const std::string& name) {
  for (const auto& e : registry()) {
    if (e.info.name == name) {
      LrnnSpec s = e.make();
      s.name = e.info.name;
      s.description = e.info.description;
      validate(s, "model '" + name + "'");
      return s;
    }
  }
  std::string names;
  for (const auto& e : registry()) names += (names.empty() ? "" : ", ") + e.info.name;
  throw ModelError(fmt::format("unknown model '{}' (named models: {})", name, names));
}

LrnnSpec resolve_model(const std::string& name_or_path) {
  for (const auto& e : registry())
    if (e.info.name == name_or_path) return named_model(name_or_path);
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return load_lrnn(name_or_path);
  std::string names;
  for (const auto& e : registry()) names += (names.empty() ? "" : ", ") + e.info.name;
  throw ModelError(fmt::format("'{}' is neither a named model ({}) nor a model file", name_or_path, names));
}

std::vector<std::uint32_t> random_group_word(const std::vector<Perm>& gens, std::size_t n, bool want_identity,
                                             std::uint64_t seed) {
  if (gens.empty()) throw std::invalid_argument("random_group_word: no generators");
  const auto& all = s5_elements();
  const std::size_t G = all.size();
  std::vector<std::vector<std::size_t>> step(gens.size(), std::vector<std::size_t>(G));
  for (std::size_t g = 0; g < gens.size(); ++g)
    for (std::size_t x = 0; x < G; ++x) step[g][x] = s5_index(compose_perm(gens[g], all[x]));
  // can[r][x]: some word of exactly r letters takes x to the identity (index 0)
  const std::size_t tail = std::min<std::size_t>(n, 64);
  std::vector<std::vector<char>> can(tail + 1, std::vector<char>(G, 0));
  can[0][0] = 1;
  for (std::size_t r = 1; r <= tail; ++r)
    for (std::size_t x = 0; x < G; ++x)
      for (std::size_t g = 0; g < gens.size() && !can[r][x]; ++g) can[r][x] = can[r - 1][step[g][x]];
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, gens.size() - 1);
  std::vector<std::uint32_t> w;
  w.reserve(n);
  std::size_t x = 0;
  for (std::size_t t = 0; t + tail < n; ++t) {
    const std::size_t g = pick(rng);
    w.push_back(static_cast<std::uint32_t>(g));
    x = step[g][x];
  }
  if (want_identity) {
    if (!can[tail][x]) {
      // the prefix is random; retry the whole word from a derived seed
      if (n < tail + 1 && !can[tail][0])
        throw std::invalid_argument(fmt::format("no word of length {} over these generators multiplies to the identity", n));
      return random_group_word(gens, n, want_identity, seed * 6364136223846793005ULL + 1442695040888963407ULL);
    }
    for (std::size_t r = tail; r > 0; --r) {
      std::vector<std::size_t> ok;
      for (std::size_t g = 0; g < gens.size(); ++g)
        if (can[r - 1][step[g][x]]) ok.push_back(g);
      const std::size_t g = ok[std::uniform_int_distribution<std::size_t>(0, ok.size() - 1)(rng)];
      w.push_back(static_cast<std::uint32_t>(g));
      x = step[g][x];
    }
    return w;
  }
  for (std::size_t r = tail; r > 0; --r) {
    const std::size_t g = pick(rng);
    w.push_back(static_cast<std::uint32_t>(g));
    x = step[g][x];
  }
  if (x == 0) {
    // change the last letter: a different generator gives a different product
    if (gens.size() < 2) throw std::invalid_argument("random_group_word: need two generators for a non-identity word");
    const std::size_t last = w.back();
    std::size_t y = 0;  // product before the last letter
    {
      std::size_t z = 0;
      for (std::size_t t = 0; t + 1 < w.size(); ++t) z = step[w[t]][z];
      y = z;
    }
    for (std::size_t g = 0; g < gens.size(); ++g)
      if (g != last && step[g][y] != 0) {
        w.back() = static_cast<std::uint32_t>(g);
        return w;
      }
    throw std::invalid_argument("random_group_word: cannot avoid the identity");
  }
  return w;
}

bool group_word_is_identity(const std::vector<Perm>& gens, const std::vector<std::uint32_t>& word) {
  Perm x = identity_perm();
  for (auto g : word) x = compose_perm(gens.at(g), x);
  return x == identity_perm();
}

}  // namespace parallax::models
