#include "automata/compile.hpp"

#include <fmt/format.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "automata/fit.hpp"

namespace parallax::automata {

using models::LowRankFactor;
using models::LrnnSpec;
using models::Structure;
using models::Transition;
using numeric::Exact;

std::string to_string(ModelKind k) { return std::string(kModelKinds[static_cast<std::size_t>(k)].name); }

const std::vector<ModelKind>& all_model_kinds() {
  static const std::vector<ModelKind> k = [] {
    std::vector<ModelKind> all;
    for (const auto& n : kModelKinds) all.push_back(n.kind);
    return all;
  }();
  return k;
}

Architecture architecture_of(ModelKind k) { return kModelKinds[static_cast<std::size_t>(k)].architecture; }

bool is_exact_compiler(ModelKind k) { return k != ModelKind::Diag01; }

ModelKind parse_model_kind(const std::string& name) {
  std::string list;
  for (auto k : all_model_kinds()) {
    if (to_string(k) == name) return k;
    list += (list.empty() ? "" : ", ") + to_string(k);
  }
  throw std::invalid_argument(fmt::format("unknown model '{}' (expected one of {})", name, list));
}

namespace {

/// Readout on a one-hot state: +1 on accepting states, −1 elsewhere.
void one_hot_readout(LrnnSpec& s, const Dfa& dfa) {
  s.h0.assign(dfa.states, Exact(0));
  s.h0[dfa.start] = 1;
  s.c.clear();
  for (std::size_t q = 0; q < dfa.states; ++q) s.c.push_back(Exact(dfa.accepting[q] ? 1 : -1));
  s.c0 = 0;
}

/// Row update: replaces coordinate j by ⟨r, h⟩, i.e. I + e_j (r − e_j)ᵀ.
LowRankFactor row_update(std::size_t n, std::size_t j, std::vector<Exact> r) {
  LowRankFactor f;
  f.D.assign(n, Exact(1));
  std::vector<Exact> e(n, Exact(0));
  e[j] = 1;
  r[j] -= 1;
  f.u.push_back(std::move(e));
  f.v.push_back(std::move(r));
  return f;
}

Exact mpfr_to_exact(mpfr_t x) {
  mpz_t z;
  mpz_init(z);
  const mpfr_exp_t e = mpfr_get_z_2exp(z, x);
  numeric::BigInt m(z);
  mpz_clear(z);
  Exact r(m);
  if (e >= 0) return r * Exact(numeric::BigInt(1) << e);
  return r / Exact(numeric::BigInt(1) << static_cast<unsigned>(-e));
}

/// cos and sin of 2π·num/den, rounded to `bits` bits, as exact rationals.
std::pair<Exact, Exact> cos_sin(long num, long den, int bits) {
  mpfr_t x, c, s;
  mpfr_inits2(bits + 16, x, c, s, static_cast<mpfr_ptr>(nullptr));
  mpfr_const_pi(x, MPFR_RNDN);
  mpfr_mul_si(x, x, 2 * num, MPFR_RNDN);
  mpfr_div_si(x, x, den, MPFR_RNDN);
  mpfr_sin_cos(s, c, x, MPFR_RNDN);
  mpfr_prec_round(c, bits, MPFR_RNDN);
  mpfr_prec_round(s, bits, MPFR_RNDN);
  std::pair<Exact, Exact> r{mpfr_to_exact(c), mpfr_to_exact(s)};
  mpfr_clears(x, c, s, static_cast<mpfr_ptr>(nullptr));
  // exact values where they are rational, so that e.g. m = 4 is exact
  auto snap = [](Exact& v) {
    for (const Exact& q : {Exact(0), Exact(1), Exact(-1), Exact(1, 2), Exact(-1, 2)})
      if (abs(v - q) < Exact(1, 1 << 30)) v = q;
  };
  snap(r.first);
  snap(r.second);
  return r;
}

/// p^e for a permutation, by shifting along its cycles (O(n)).
std::vector<std::uint32_t> perm_power(const std::vector<std::uint32_t>& p, std::size_t e) {
  std::vector<std::uint32_t> r(p.size());
  std::vector<bool> seen(p.size(), false);
  std::vector<std::uint32_t> cyc;
  for (std::size_t q = 0; q < p.size(); ++q) {
    if (seen[q]) continue;
    cyc.clear();
    for (std::uint32_t x = static_cast<std::uint32_t>(q); !seen[x]; x = p[x]) seen[x] = true, cyc.push_back(x);
    for (std::size_t i = 0; i < cyc.size(); ++i) r[cyc[i]] = cyc[(i + e) % cyc.size()];
  }
  return r;
}

/// For a group automaton whose group is cyclic and acts regularly (a
/// minimal DFA of a cyclic group language): a state numbering k(q) ∈ Z_m with
/// k(start) = 0 and each letter adding shift[σ].
bool cyclic_structure(const Dfa& dfa, std::vector<long>& k_of_state, std::vector<long>& shift, std::string& why) {
  const std::size_t m = dfa.states;
  k_of_state.assign(m, -1);
  shift.assign(dfa.alphabet.size(), 0);
  for (std::size_t a = 0; a < dfa.alphabet.size(); ++a)
    for (std::size_t b = a + 1; b < dfa.alphabet.size(); ++b)
      for (std::size_t q = 0; q < m; ++q)
        if (dfa.delta[b][dfa.delta[a][q]] != dfa.delta[a][dfa.delta[b][q]]) {
          why = fmt::format("letters '{}' and '{}' do not commute, so the group is not cyclic", dfa.alphabet[a], dfa.alphabet[b]);
          return false;
        }
  // Abelian and transitive (every state of a minimal DFA is reachable), so
  // the action is regular: |G| = m and an element's order is the length of
  // the start's orbit under it. G is cyclic iff some element has order m.
  // Build one of maximal order letter by letter: for x of order o and y of
  // order p in an abelian group, x^(o/o')·y^(p/p') has order lcm(o, p) when
  // o' | o and p' | p are coprime with o'·p' = lcm(o, p).
  auto order = [&](const std::vector<std::uint32_t>& p) {
    std::size_t n = 1;
    for (std::uint32_t q = p[dfa.start]; q != dfa.start; q = p[q]) ++n;
    return n;
  };
  std::vector<std::uint32_t> best(m);
  for (std::size_t q = 0; q < m; ++q) best[q] = static_cast<std::uint32_t>(q);
  std::size_t best_order = 1;
  for (const auto& letter : dfa.delta) {
    const std::size_t p_order = order(letter), l = std::lcm(best_order, p_order);
    if (l == best_order) continue;
    // split l into coprime parts: each prime power goes to the side that has it in full
    std::size_t o1 = 1, p1 = 1, rest = l;
    for (std::size_t f = 2; rest > 1; ++f) {
      if (f * f > rest) f = rest;  // what is left is prime
      if (rest % f) continue;
      std::size_t pw = 1;
      while (rest % f == 0) rest /= f, pw *= f;
      (best_order % pw == 0 ? o1 : p1) *= pw;
    }
    const auto x = perm_power(best, best_order / o1), y = perm_power(letter, p_order / p1);
    for (std::size_t q = 0; q < m; ++q) best[q] = y[x[q]];
    best_order = o1 * p1;
  }
  if (best_order != m) {
    why = fmt::format("the group has exponent {} < {} = |G|, so it is abelian but not cyclic", best_order, m);
    return false;
  }
  std::uint32_t q = dfa.start;
  for (std::size_t k = 0; k < m; ++k, q = best[q]) k_of_state[q] = static_cast<long>(k);
  for (std::size_t s = 0; s < dfa.alphabet.size(); ++s) {
    shift[s] = k_of_state[dfa.delta[s][dfa.start]];
    for (std::size_t x = 0; x < m; ++x)
      if (k_of_state[dfa.delta[s][x]] != (k_of_state[x] + shift[s]) % static_cast<long>(m)) {
        why = fmt::format("letter '{}' does not act as a rotation of Z_{}", dfa.alphabet[s], m);
        return false;
      }
  }
  return true;
}

}  // namespace

bool is_group_automaton(const Dfa& dfa, std::string* why) {
  for (std::size_t s = 0; s < dfa.delta.size(); ++s) {
    std::vector<std::int64_t> seen(dfa.states, -1);
    for (std::size_t q = 0; q < dfa.states; ++q) {
      const auto to = dfa.delta[s][q];
      if (seen[to] >= 0) {
        if (why)
          *why = fmt::format("letter '{}' sends states {} and {} both to {}, so it is not a permutation", dfa.alphabet[s],
                             seen[to], q, to);
        return false;
      }
      seen[to] = static_cast<std::int64_t>(q);
    }
  }
  return true;
}

LrnnSpec dfa_to_pd(const Dfa& dfa) {
  LrnnSpec s;
  s.name = dfa.name + "/pd";
  s.description = fmt::format("PD-LRNN, one layer, width {} (one-hot state), compiled from DFA '{}'", dfa.states, dfa.name);
  s.structure = Structure::PermutationDiagonal;
  s.d = dfa.states;
  s.alphabet = dfa.alphabet;
  for (const auto& row : dfa.delta) {
    Transition t;
    t.a.assign(dfa.states, Exact(1));
    t.p = row;  // column q of A is e_{δ(q, σ)}
    t.b.assign(dfa.states, Exact(0));
    s.tokens.push_back(std::move(t));
  }
  one_hot_readout(s, dfa);
  return s;
}

LrnnSpec group_to_householder(const Dfa& dfa) {
  std::string why;
  if (!is_group_automaton(dfa, &why))
    throw CompileRefused(fmt::format(
        "householder: the minimal DFA of '{}' is not a group automaton ({}); a single layer of Householder products "
        "(orthogonal, invertible) runs only group automata (Grazzi et al.: all regular languages need several layers, "
        "by Krohn–Rhodes). Use --model pd, wfa or relu-rnn.",
        dfa.name, why));
  LrnnSpec s;
  s.name = dfa.name + "/householder";
  s.structure = Structure::Dplr;
  s.d = dfa.states;
  s.alphabet = dfa.alphabet;
  std::size_t most = 0;
  for (const auto& perm : dfa.delta) {
    Transition t;
    // a cycle c0 → c1 → … → c_{k−1} → c0 is (c_{k−2} c_{k−1}) first, …, (c0 c1) last
    std::vector<bool> done(dfa.states, false);
    for (std::size_t q = 0; q < dfa.states; ++q) {
      if (done[q]) continue;
      std::vector<std::size_t> cyc;
      for (std::size_t x = q; !done[x]; x = perm[x]) done[x] = true, cyc.push_back(x);
      for (std::size_t i = cyc.size(); i-- > 1;)
        t.factors.push_back(models::transposition_factor(dfa.states, cyc[i - 1], cyc[i]));
    }
    most = std::max(most, t.factors.size());
    if (t.factors.empty()) {  // the identity letter: one factor diag(1)
      LowRankFactor f;
      f.D.assign(dfa.states, Exact(1));
      t.factors.push_back(std::move(f));
    }
    t.b.assign(dfa.states, Exact(0));
    s.tokens.push_back(std::move(t));
  }
  s.description = fmt::format("DPLR LRNN, width {}, each letter a product of up to {} Householder factors I - k k^T, "
                              "compiled from group automaton '{}'",
                              dfa.states, most, dfa.name);
  one_hot_readout(s, dfa);
  return s;
}

LrnnSpec z2_to_diagonal(const Dfa& dfa) {
  std::string why;
  const bool group = is_group_automaton(dfa, &why);
  if (dfa.states == 1) {
    LrnnSpec s;
    s.name = dfa.name + "/diag";
    s.description = "diagonal LRNN d=1 (a constant language)";
    s.structure = Structure::Diagonal;
    s.d = 1;
    s.alphabet = dfa.alphabet;
    for (std::size_t k = 0; k < dfa.alphabet.size(); ++k) s.tokens.push_back(Transition{{Exact(1)}, {}, {}, {Exact(0)}});
    s.h0 = {Exact(1)};
    s.c = {Exact(0)};
    s.c0 = dfa.accepting[0] ? Exact(1) : Exact(-1);
    return s;
  }
  if (!group)
    throw CompileRefused(fmt::format(
        "diag: the minimal DFA of '{}' is not a group automaton ({}); this compiler builds diagonal LRNNs with "
        "eigenvalues ±1 for Z2 group languages such as parity. Use --model pd.",
        dfa.name, why));
  if (dfa.states != 2) {
    std::vector<long> k, shift;
    std::string cyc_why;
    if (cyclic_structure(dfa, k, shift, cyc_why))
      throw CompileRefused(fmt::format(
          "diag: '{}' counts modulo {}: a diagonal LRNN with real eigenvalues cannot count modulo m unless m is a power "
          "of 2 — it needs non-real eigenvalues (Grazzi et al., ICLR 2025). Use --model rotation (complex diagonal) "
          "or pd (exact permutations).",
          dfa.name, dfa.states));
    throw CompileRefused(fmt::format("diag: the group of '{}' ({} states) is not Z2; a diagonal LRNN with real "
                                     "eigenvalues in [-1, 1] commutes, and this compiler handles parity-like (Z2) "
                                     "languages. Use --model pd or householder.",
                                     dfa.name, dfa.states));
  }
  // two states: each letter keeps (+1) or swaps (−1) them
  LrnnSpec s;
  s.name = dfa.name + "/diag";
  s.description = fmt::format("diagonal LRNN d=1 with eigenvalues +1/-1, compiled from '{}' (parity needs an eigenvalue "
                              "outside [0, inf): Grazzi et al.)",
                              dfa.name);
  s.structure = Structure::Diagonal;
  s.d = 1;
  s.alphabet = dfa.alphabet;
  for (const auto& perm : dfa.delta)
    s.tokens.push_back(Transition{{Exact(perm[0] == 0 ? 1 : -1)}, {}, {}, {Exact(0)}});
  s.h0 = {Exact(1)};
  // h = +1 in the start state, −1 in the other
  s.c = {Exact(dfa.accepting[dfa.start] ? 1 : -1)};
  s.c0 = 0;
  if (dfa.accepting[0] == dfa.accepting[1]) s.c = {Exact(0)}, s.c0 = dfa.accepting[0] ? 1 : -1;
  return s;
}

LrnnSpec cyclic_to_rotation(const Dfa& dfa, int bits) {
  std::string why;
  if (!is_group_automaton(dfa, &why))
    throw CompileRefused(fmt::format("rotation: the minimal DFA of '{}' is not a group automaton ({}); rotations "
                                     "(complex eigenvalues of modulus 1) run cyclic group languages only. Use --model pd.",
                                     dfa.name, why));
  std::vector<long> k_of, shift;
  if (!cyclic_structure(dfa, k_of, shift, why))
    throw CompileRefused(fmt::format("rotation: the group of '{}' is not cyclic ({}); commuting rotations cannot "
                                     "express it. Use --model pd or householder.",
                                     dfa.name, why));
  const long m = static_cast<long>(dfa.states);
  std::vector<long> acc;  // accepting residues
  for (std::size_t q = 0; q < dfa.states; ++q)
    if (dfa.accepting[q]) acc.push_back(k_of[q]);
  LrnnSpec s;
  s.name = dfa.name + "/rotation";
  s.structure = Structure::Complex;
  s.alphabet = dfa.alphabet;
  if (acc.empty()) {
    s.d = 2;
    for (std::size_t k = 0; k < dfa.alphabet.size(); ++k) s.tokens.push_back(Transition{{Exact(1), Exact(0)}, {}, {}, {Exact(0), Exact(0)}});
    s.h0 = {Exact(1), Exact(0)};
    s.c = {Exact(0), Exact(0)};
    s.c0 = -1;
    s.description = "complex diagonal LRNN d=2 (the empty language)";
    return s;
  }
  if (acc.size() == 1 || acc.size() + 1 == static_cast<std::size_t>(m)) {
    // one accepting (or one rejecting) residue r: rotate (1, 0) by 2π·k/m and
    // test cos(2π(k − r)/m) against the midpoint of 1 and cos(2π/m)
    long r = acc.size() == 1 ? acc[0] : 0;
    if (acc.size() != 1)
      for (long x = 0; x < m; ++x)
        if (std::find(acc.begin(), acc.end(), x) == acc.end()) r = x;
    const int sign = acc.size() == 1 ? 1 : -1;
    s.d = 2;
    for (long sh : shift) {
      auto [c, sn] = cos_sin(sh, m, bits);
      s.tokens.push_back(Transition{{c, sn}, {}, {}, {Exact(0), Exact(0)}});
    }
    s.h0 = {Exact(1), Exact(0)};
    auto [cr, sr] = cos_sin(r, m, bits);
    auto [c1, s1] = cos_sin(1, m, bits);
    (void)s1;
    // ⟨(cos 2πr/m, sin 2πr/m), h⟩ = cos(2π(k − r)/m)
    s.c = {cr * sign, sr * sign};
    s.c0 = -Exact(sign) * (1 + c1) / 2;
    if (m == 1) s.c = {Exact(0), Exact(0)}, s.c0 = 1;
    s.description = fmt::format("complex diagonal LRNN d=2: a rotation by 2*pi*k/{} per letter (parameters rounded to "
                                "{} bits), compiled from '{}'",
                                m, bits, dfa.name);
    return s;
  }
  // general accepting set A ⊆ Z_m: the Fourier expansion of its indicator,
  // 1_A(k) = |A|/m + Σ_j (2/m) Σ_a cos(2πj(k − a)/m) (j = m/2 weighted 1/m),
  // one rotation block per frequency j = 1 … ⌊m/2⌋
  const long blocks = m / 2;
  s.d = static_cast<std::size_t>(2 * blocks);
  for (long sh : shift) {
    Transition t;
    for (long j = 1; j <= blocks; ++j) {
      auto [c, sn] = cos_sin(j * sh, m, bits);
      t.a.push_back(c);
      t.a.push_back(sn);
    }
    t.b.assign(s.d, Exact(0));
    s.tokens.push_back(std::move(t));
  }
  for (long j = 1; j <= blocks; ++j) {
    s.h0.push_back(Exact(1));
    s.h0.push_back(Exact(0));
    Exact cx = 0, cy = 0;
    for (long a : acc) {
      auto [c, sn] = cos_sin(j * a, m, bits);
      cx += c;
      cy += sn;
    }
    const Exact w = (2 * j == m) ? Exact(1, m) : Exact(2, m);
    s.c.push_back(cx * w);
    s.c.push_back(cy * w);
  }
  s.c0 = Exact(static_cast<long>(acc.size()), m) - Exact(1, 2);
  s.description = fmt::format("complex diagonal LRNN d={}: rotations by 2*pi*j*k/{} for j = 1..{}, Fourier readout of "
                              "the accepting set (parameters rounded to {} bits), compiled from '{}'",
                              s.d, m, blocks, bits, dfa.name);
  return s;
}

Wfa<Exact> dfa_as_wfa(const Dfa& dfa) {
  Wfa<Exact> w;
  w.name = dfa.name;
  w.alphabet = dfa.alphabet;
  const std::size_t n = w.states = dfa.states;
  w.alpha.assign(n, Exact(0));
  w.alpha[dfa.start] = 1;
  for (std::size_t q = 0; q < n; ++q) w.beta.push_back(Exact(dfa.accepting[q] ? 1 : 0));
  for (const auto& row : dfa.delta) {
    std::vector<Exact> m(n * n, Exact(0));
    for (std::size_t q = 0; q < n; ++q) m[q * n + row[q]] = 1;
    w.matrix.push_back(std::move(m));
  }
  w.threshold = Exact(1, 2);
  return w;
}

namespace {
/// The LRNN of a WFA: h_0 = αᵀ, h_t = M_{w_t}ᵀ h_{t−1}, score ⟨β, h⟩ − θ.
LrnnSpec wfa_frame(const Wfa<Exact>& w, Structure st, const std::string& what) {
  validate(w, w.name);
  LrnnSpec s;
  s.name = w.name + "/" + what;
  s.structure = st;
  s.d = w.states;
  s.alphabet = w.alphabet;
  s.h0 = w.alpha;
  s.c = w.beta;
  s.c0 = -w.threshold;
  return s;
}
std::vector<Exact> transposed(const std::vector<Exact>& m, std::size_t n) {
  std::vector<Exact> t(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) t[j * n + i] = m[i * n + j];
  return t;
}
}  // namespace

LrnnSpec wfa_to_dense(const Wfa<Exact>& w) {
  LrnnSpec s = wfa_frame(w, Structure::Dense, "dense");
  for (const auto& m : w.matrix) s.tokens.push_back(Transition{transposed(m, w.states), {}, {}, std::vector<Exact>(w.states, Exact(0))});
  s.description = fmt::format("dense LRNN d={}, A = M^T per letter, compiled from WFA '{}'", w.states, w.name);
  return s;
}

std::vector<LowRankFactor> dplr_factors(const std::vector<Exact>& A, std::size_t n) {
  // Gaussian elimination with row pivoting: P A = L U
  std::vector<Exact> U = A, L(n * n, Exact(0));
  std::vector<std::size_t> perm(n);
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  for (std::size_t i = 0; i < n; ++i) L[i * n + i] = 1;
  std::vector<std::pair<std::size_t, std::size_t>> swaps;
  for (std::size_t col = 0, row = 0; col < n && row < n; ++col) {
    std::size_t piv = row;
    while (piv < n && U[piv * n + col] == 0) ++piv;
    if (piv == n) continue;  // nothing to eliminate in this column
    if (piv != row) {
      for (std::size_t k = 0; k < n; ++k) std::swap(U[piv * n + k], U[row * n + k]);
      for (std::size_t k = 0; k < row; ++k) std::swap(L[piv * n + k], L[row * n + k]);
      swaps.emplace_back(row, piv);
    }
    for (std::size_t r = row + 1; r < n; ++r) {
      if (U[r * n + col] == 0) continue;
      const Exact f = U[r * n + col] / U[row * n + col];
      L[r * n + row] = f;
      for (std::size_t k = col; k < n; ++k) U[r * n + k] -= f * U[row * n + k];
    }
    ++row;
  }
  // A = P⁻¹ L U with P = S_m ⋯ S_1 (swaps in order), so P⁻¹ = S_1 ⋯ S_m:
  // apply U, then L, then S_m, …, S_1.
  std::vector<LowRankFactor> out;
  auto is_unit_row = [&](const std::vector<Exact>& M, std::size_t j) {
    for (std::size_t k = 0; k < n; ++k)
      if (M[j * n + k] != (k == j ? 1 : 0)) return false;
    return true;
  };
  for (std::size_t j = 0; j < n; ++j)  // upper triangular: row j reads coordinates ≥ j, still unchanged
    if (!is_unit_row(U, j)) out.push_back(row_update(n, j, std::vector<Exact>(U.begin() + j * n, U.begin() + (j + 1) * n)));
  for (std::size_t j = n; j-- > 0;)  // lower triangular: row j reads coordinates ≤ j, bottom up
    if (!is_unit_row(L, j)) out.push_back(row_update(n, j, std::vector<Exact>(L.begin() + j * n, L.begin() + (j + 1) * n)));
  for (std::size_t k = swaps.size(); k-- > 0;)
    out.push_back(models::transposition_factor(n, swaps[k].first, swaps[k].second));
  if (out.empty()) {
    LowRankFactor id;
    id.D.assign(n, Exact(1));
    out.push_back(std::move(id));
  }
  return out;
}

LrnnSpec wfa_to_dplr(const Wfa<Exact>& w) {
  LrnnSpec s = wfa_frame(w, Structure::Dplr, "wfa");
  std::size_t most = 0;
  for (const auto& m : w.matrix) {
    Transition t;
    t.factors = dplr_factors(transposed(m, w.states), w.states);
    most = std::max(most, t.factors.size());
    t.b.assign(w.states, Exact(0));
    s.tokens.push_back(std::move(t));
  }
  s.description = fmt::format("DPLR LRNN d={}, each letter's M^T factored exactly into up to {} rank-one updates and "
                              "transpositions, compiled from WFA '{}'",
                              w.states, most, w.name);
  return s;
}

models::ReluRnn dfa_to_relu_rnn(const Dfa& dfa) {
  // units g_(p,σ) = [previous state p, last letter σ] plus a start unit; the
  // current state is s_q = Σ_{δ(p,σ)=q} g_(p,σ) + [q = start]·g_start, and
  // g'_(q,τ) = relu(s_q + [x = τ] − 1) is an exact lookup on 0/1 values
  const std::size_t Q = dfa.states, S = dfa.alphabet.size(), d = Q * S + 1, start_unit = Q * S;
  if (d > 2048)  // W alone holds d² exact rationals
    throw CompileRefused(fmt::format("relu-rnn: width {} (|Q|·|Σ| + 1) is too large (at most 2048)", d));
  models::ReluRnn r;
  r.d = d;
  r.W.assign(d * d, Exact(0));
  auto unit = [&](std::size_t q, std::size_t s) { return q * S + s; };
  for (std::size_t q = 0; q < Q; ++q)
    for (std::size_t tau = 0; tau < S; ++tau) {
      const std::size_t row = unit(q, tau);
      for (std::size_t p = 0; p < Q; ++p)
        for (std::size_t s = 0; s < S; ++s)
          if (dfa.delta[s][p] == q) r.W[row * d + unit(p, s)] = 1;
      if (q == dfa.start) r.W[row * d + start_unit] = 1;
    }
  r.b.assign(d, Exact(-1));
  r.b[start_unit] = -1;  // the start unit never fires again
  r.u.assign(d, Exact(0));
  r.token_input.assign(S, std::vector<Exact>(d, Exact(0)));
  for (std::size_t tau = 0; tau < S; ++tau)
    for (std::size_t q = 0; q < Q; ++q) r.token_input[tau][unit(q, tau)] = 1;
  r.h0.assign(d, Exact(0));
  r.h0[start_unit] = 1;
  r.c.assign(d, Exact(0));
  for (std::size_t p = 0; p < Q; ++p)
    for (std::size_t s = 0; s < S; ++s)
      if (dfa.accepting[dfa.delta[s][p]]) r.c[unit(p, s)] = 1;
  if (dfa.accepting[dfa.start]) r.c[start_unit] = 1;
  r.c0 = Exact(-1, 2);
  return r;
}

namespace {

CompiledModel lrnn_model(models::LrnnSpec spec, ModelKind kind) {
  models::validate(spec, spec.name);
  std::string description = spec.description;
  return {std::move(spec), architecture_of(kind), std::move(description)};
}

}  // namespace

CompiledModel compile(const Dfa& dfa, ModelKind kind) {
  switch (kind) {
    case ModelKind::Pd: return lrnn_model(dfa_to_pd(dfa), kind);
    case ModelKind::Householder: return lrnn_model(group_to_householder(dfa), kind);
    case ModelKind::Diag: return lrnn_model(z2_to_diagonal(dfa), kind);
    case ModelKind::Rotation: return lrnn_model(cyclic_to_rotation(dfa), kind);
    case ModelKind::Dense: return lrnn_model(wfa_to_dense(dfa_as_wfa(dfa)), kind);
    case ModelKind::Wfa: return lrnn_model(wfa_to_dplr(dfa_as_wfa(dfa)), kind);
    case ModelKind::Diag01: return lrnn_model(fit_diag01(dfa).spec, kind);
    case ModelKind::ReluRnn: {
      models::ReluRnn relu = dfa_to_relu_rnn(dfa);
      std::string description = fmt::format("ReLU RNN d={} (one-hot state x letter lookup), compiled from '{}'", relu.d, dfa.name);
      return {std::move(relu), architecture_of(kind), std::move(description)};
    }
  }
  throw std::logic_error("compile: unknown model kind");
}

CompiledModel compile(const Wfa<Exact>& w, ModelKind kind) {
  switch (kind) {
    case ModelKind::Dense: return lrnn_model(wfa_to_dense(w), kind);
    case ModelKind::Wfa: return lrnn_model(wfa_to_dplr(w), kind);
    default:
      throw CompileRefused(fmt::format("{}: a weighted automaton compiles to --model dense or wfa only (a {} model "
                                       "needs a DFA: finitely many states reached, 0/1 weights)",
                                       to_string(kind), to_string(kind)));
  }
}

}  // namespace parallax::automata
