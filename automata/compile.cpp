#include "automata/compile.hpp"

#include <fmt/format.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace parallax::automata {

using models::LowRankFactor;
using models::LrnnSpec;
using models::Structure;
using models::Transition;
using numeric::Exact;

std::string to_string(ModelKind k) {
  switch (k) {
    case ModelKind::Pd: return "pd";
    case ModelKind::Householder: return "householder";
    case ModelKind::Diag: return "diag";
    case ModelKind::Rotation: return "rotation";
    case ModelKind::Dense: return "dense";
    case ModelKind::Wfa: return "wfa";
    case ModelKind::ReluRnn: return "relu-rnn";
    case ModelKind::Diag01: return "diag01";
    case ModelKind::Transformer: return "transformer";
  }
  return "?";
}

const std::vector<ModelKind>& all_model_kinds() {
  static const std::vector<ModelKind> k = {ModelKind::Pd,    ModelKind::Householder, ModelKind::Diag,   ModelKind::Rotation,
                                           ModelKind::Dense, ModelKind::Wfa,         ModelKind::ReluRnn, ModelKind::Diag01};
  return k;
}

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

// ---- diag01: a fitted [0,1]-diagonal LRNN ------------------------------------

namespace {

/// splitmix64: a fixed, platform-independent stream (std distributions are not).
struct SplitMix {
  std::uint64_t x;
  std::uint64_t next() {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double unit() { return double(next() >> 11) * 0x1.0p-53; }  ///< [0, 1)
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

/// All words of length ≤ L in length-lexicographic order, as a trie: word i
/// (i ≥ 1) is word parent[i] followed by letter[i]; word 0 is the empty word.
struct TrainingSet {
  std::size_t max_length = 0;
  std::vector<std::uint32_t> parent, letter;
  std::vector<double> label;  ///< +1 accepted, −1 rejected
};

std::size_t words_up_to(std::size_t letters, std::size_t L, std::size_t cap) {
  std::size_t total = 1, level = 1;
  for (std::size_t l = 1; l <= L; ++l) {
    if (level > cap / letters + 1) return cap + 1;
    level *= letters;
    total += level;
    if (total > cap) return cap + 1;
  }
  return total;
}

TrainingSet training_set(const Dfa& dfa, const Diag01Options& o) {
  const std::size_t S = dfa.alphabet.size();
  std::size_t L = 0;
  while (L < o.max_length && words_up_to(S, L + 1, o.max_words) <= o.max_words) ++L;
  while (L < std::min(o.min_length, o.max_length) && words_up_to(S, L + 1, o.hard_max_words) <= o.hard_max_words) ++L;
  TrainingSet t;
  t.max_length = L;
  std::vector<std::uint32_t> state = {dfa.start};
  t.parent.push_back(0);
  t.letter.push_back(0);
  std::size_t begin = 0, end = 1;
  for (std::size_t l = 1; l <= L; ++l) {
    for (std::size_t i = begin; i < end; ++i)
      for (std::size_t a = 0; a < S; ++a) {
        t.parent.push_back(static_cast<std::uint32_t>(i));
        t.letter.push_back(static_cast<std::uint32_t>(a));
        state.push_back(dfa.delta[a][state[i]]);
      }
    begin = end;
    end = t.parent.size();
  }
  for (auto q : state) t.label.push_back(dfa.accepting[q] ? 1.0 : -1.0);
  return t;
}

/// Parameters of a candidate: lambda[σ·d + i], b[σ·d + i], readout c (d), c0.
struct Diag01Params {
  std::vector<double> lambda, b, c;
  double c0 = 0;
  std::size_t correct = 0;
  double margin = -std::numeric_limits<double>::infinity();
  double balanced = 0;  ///< best balanced accuracy (mean of the two classes' accuracies) of any readout tried
  bool better_than(const Diag01Params& o) const {
    return correct != o.correct ? correct > o.correct : margin > o.margin + 1e-12;
  }
};

/// Cholesky factor (in place, lower triangle) of G + ridge·I for a symmetric
/// positive semi-definite G (n×n); the ridge keeps constant or repeated
/// features harmless.
void cholesky(std::vector<double>& G, std::size_t n) {
  double tr = 0;
  for (std::size_t i = 0; i < n; ++i) tr += G[i * n + i];
  const double ridge = 1e-9 * tr / double(n) + 1e-12;
  for (std::size_t i = 0; i < n; ++i) G[i * n + i] += ridge;
  for (std::size_t j = 0; j < n; ++j) {
    double dj = G[j * n + j];
    for (std::size_t k = 0; k < j; ++k) dj -= G[j * n + k] * G[j * n + k];
    dj = std::sqrt(std::max(dj, 1e-300));
    G[j * n + j] = dj;
    for (std::size_t i = j + 1; i < n; ++i) {
      double v = G[i * n + j];
      for (std::size_t k = 0; k < j; ++k) v -= G[i * n + k] * G[j * n + k];
      G[i * n + j] = v / dj;
    }
  }
}

/// Solves L Lᵀ x = r with the factor of cholesky().
std::vector<double> cholesky_solve(const std::vector<double>& L, std::vector<double> r, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < i; ++k) r[i] -= L[i * n + k] * r[k];
    r[i] /= L[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t k = i + 1; k < n; ++k) r[i] -= L[k * n + i] * r[k];
    r[i] /= L[i * n + i];
  }
  return r;
}

/// States of every training word in double, then the readout (c, c0). Two
/// least-squares fits on the ±1 labels, plain and with each class weighing
/// one half (so that a rare class is not fitted away); then `steps` Newton
/// steps on the class-weighted logistic loss Σ_w ω_w log(1 + e^{−y_w s_w})
/// from the second (on separable data its direction tends to the largest
/// margin). Of all iterates the one with the best training accuracy, then
/// scale-free margin min_w y_w s_w / max_w |s_w|, is kept. Returns the work
/// done, in word passes.
std::size_t fit_readout(Diag01Params& p, const TrainingSet& t, std::size_t d, std::size_t steps, std::vector<double>& h) {
  const std::size_t N = t.label.size(), n = d + 1;
  std::size_t positives = 0;
  for (double y : t.label) positives += y > 0;
  const double wpos = positives ? 0.5 / double(positives) : 0.0, wneg = positives < N ? 0.5 / double(N - positives) : 0.0;
  auto weight = [&](std::size_t w) { return t.label[w] > 0 ? wpos : wneg; };
  h.assign(N * d, 0.0);
  std::vector<double> G(n * n, 0.0), r(n, 0.0), Gb(n * n, 0.0), rb(n, 0.0), x(n);
  auto features = [&](std::size_t w) {
    for (std::size_t i = 0; i < d; ++i) x[i] = h[w * d + i];
    x[d] = 1;
  };
  for (std::size_t w = 0; w < N; ++w) {
    if (w > 0) {
      const double* hp = &h[t.parent[w] * d];
      const std::size_t o = t.letter[w] * d;
      for (std::size_t i = 0; i < d; ++i) h[w * d + i] = p.lambda[o + i] * hp[i] + p.b[o + i];
    }
    features(w);
    const double om = weight(w);
    for (std::size_t i = 0; i < n; ++i) {
      r[i] += t.label[w] * x[i];
      rb[i] += om * t.label[w] * x[i];
      for (std::size_t j = 0; j <= i; ++j) G[i * n + j] += x[i] * x[j], Gb[i * n + j] += om * x[i] * x[j];
    }
  }
  auto symmetric = [&](std::vector<double>& M) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) M[i * n + j] = M[j * n + i];
  };
  symmetric(G);
  symmetric(Gb);
  cholesky(G, n);
  cholesky(Gb, n);
  const std::vector<double> plain = cholesky_solve(G, std::move(r), n);
  std::vector<double> sol = cholesky_solve(Gb, std::move(rb), n);
  p.correct = 0;
  p.margin = -std::numeric_limits<double>::infinity();
  p.balanced = 0;
  p.c.assign(d, 0.0);
  p.c0 = -1;
  std::vector<double> g(n);
  // evaluates w (and, with `newton`, accumulates the logistic Newton system at w in G, g)
  auto pass = [&](const std::vector<double>& w, bool newton) {
    if (newton) std::fill(G.begin(), G.end(), 0.0), std::fill(g.begin(), g.end(), 0.0);
    std::size_t correct = 0, correct_pos = 0;
    double low = std::numeric_limits<double>::infinity(), high = 0;
    for (std::size_t k = 0; k < N; ++k) {
      features(k);
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) s += w[i] * x[i];
      const double ys = s * t.label[k];
      correct += ys > 0;
      correct_pos += ys > 0 && t.label[k] > 0;
      low = std::min(low, ys);
      high = std::max(high, std::fabs(s));
      if (!newton) continue;
      const double q = 1 / (1 + std::exp(std::clamp(ys, -40.0, 40.0)));  // 1 − σ(ys)
      const double om = weight(k), curv = om * q * (1 - q);
      for (std::size_t i = 0; i < n; ++i) {
        g[i] += om * q * t.label[k] * x[i];
        for (std::size_t j = 0; j <= i; ++j) G[i * n + j] += curv * x[i] * x[j];
      }
    }
    const double margin = high > 0 ? low / high : -1.0;
    if (!std::isfinite(margin)) return false;
    p.balanced = std::max(p.balanced, wpos * double(correct_pos) + wneg * double(correct - correct_pos));
    if (correct > p.correct || (correct == p.correct && margin > p.margin)) {
      p.correct = correct;
      p.margin = margin;
      p.c.assign(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(d));
      p.c0 = w[d];
    }
    return true;
  };
  pass(plain, false);
  std::size_t work = 2;
  for (std::size_t step = 0;; ++step) {
    ++work;
    if (!pass(sol, step < steps) || step == steps) break;
    symmetric(G);
    cholesky(G, n);
    const auto delta = cholesky_solve(G, g, n);
    for (std::size_t i = 0; i < n; ++i) sol[i] += delta[i];
  }
  return work;
}

Exact dyadic(double x, int bits) {
  const double scaled = std::nearbyint(std::ldexp(x, bits));
  if (!std::isfinite(scaled) || std::fabs(scaled) > 0x1.0p62)
    throw std::logic_error(fmt::format("diag01: parameter {} does not fit a 64-bit dyadic with {} fractional bits", x, bits));
  return Exact(static_cast<long long>(scaled)) / Exact(numeric::BigInt(1) << bits);
}

}  // namespace

Diag01Fit fit_diag01(const Dfa& dfa, const Diag01Options& o) {
  const std::size_t S = dfa.alphabet.size();
  if (S == 0 || dfa.states == 0) throw std::invalid_argument(fmt::format("diag01: '{}' has no letters or no states", dfa.name));
  if (o.width == 0) throw std::invalid_argument("diag01: width must be at least 1");
  if (o.fraction_bits < 1 || o.fraction_bits > 52) throw std::invalid_argument("diag01: fraction_bits must be in 1..52");
  const std::size_t d = std::min(o.width, dfa.states);
  const TrainingSet t = training_set(dfa, o);
  SplitMix rng{o.seed};
  std::vector<double> h;

  auto draw_lambda = [&] {
    const std::size_t k = rng.below(3);
    return k == 0 ? 0.0 : k == 1 ? 1.0 : rng.unit();
  };
  auto draw_b = [&] {
    const std::size_t k = rng.below(4);
    const double sign = rng.below(2) ? 1.0 : -1.0;
    return k == 0 ? 0.0 : k == 1 ? sign : k == 2 ? 2 * sign : 2 * rng.unit() - 1;
  };
  // 1. every candidate with the least-squares readouts only
  std::vector<Diag01Params> pool;
  for (std::size_t k = 0; k < std::max<std::size_t>(o.candidates, 1); ++k) {
    Diag01Params p;
    for (std::size_t j = 0; j < S * d; ++j) p.lambda.push_back(draw_lambda()), p.b.push_back(draw_b());
    fit_readout(p, t, d, 0, h);
    pool.push_back(std::move(p));
  }
  // 2. the leaders by accuracy and by balanced accuracy get the logistic readout
  std::vector<std::size_t> order(pool.size()), shortlist;
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return pool[x].better_than(pool[y]); });
  shortlist.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::min(o.shortlist, order.size())));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return pool[x].balanced > pool[y].balanced; });
  for (std::size_t k = 0; k < std::min(o.shortlist, order.size()); ++k)
    if (std::find(shortlist.begin(), shortlist.end(), order[k]) == shortlist.end()) shortlist.push_back(order[k]);
  Diag01Params best = pool[shortlist.front()];
  for (std::size_t k : shortlist) {
    Diag01Params p = pool[k];
    fit_readout(p, t, d, o.readout_steps, h);
    if (p.better_than(best)) best = std::move(p);
  }
  // 3. coordinate refinement: single-entry moves, kept while they improve
  std::size_t work = 0;
  for (std::size_t round = 0; round < o.refine_rounds && best.correct < t.label.size(); ++round) {
    bool improved = false;
    for (std::size_t j = 0; j < S * d && work * t.label.size() <= o.refine_budget; ++j) {
      const double l = best.lambda[j], b = best.b[j];
      const double lambda_moves[] = {0.0, 1.0, std::clamp(l - 0.1, 0.0, 1.0), std::clamp(l + 0.1, 0.0, 1.0), l * l,
                                     std::sqrt(l)};
      const double b_moves[] = {0.0, -b, b - 0.5, b + 0.5, b - 1, b + 1};
      for (double v : lambda_moves) {
        if (v == best.lambda[j]) continue;
        Diag01Params p = best;
        p.lambda[j] = v;
        work += fit_readout(p, t, d, o.readout_steps, h);
        if (p.better_than(best)) best = std::move(p), improved = true;
      }
      for (double v : b_moves) {
        if (v == best.b[j]) continue;
        Diag01Params p = best;
        p.b[j] = v;
        work += fit_readout(p, t, d, o.readout_steps, h);
        if (p.better_than(best)) best = std::move(p), improved = true;
      }
    }
    if (!improved) break;
  }

  // round to dyadic rationals; the score's sign is unchanged by scaling (c, c0)
  double scale = std::fabs(best.c0);
  for (double x : best.c) scale = std::max(scale, std::fabs(x));
  if (!(scale > 0) || !std::isfinite(scale)) scale = 1;
  const int bits = o.fraction_bits;
  LrnnSpec s;
  s.name = dfa.name + "/diag01";
  s.structure = Structure::Diagonal;
  s.d = d;
  s.alphabet = dfa.alphabet;
  for (std::size_t a = 0; a < S; ++a) {
    Transition tr;
    for (std::size_t i = 0; i < d; ++i) {
      tr.a.push_back(dyadic(std::clamp(best.lambda[a * d + i], 0.0, 1.0), bits));
      tr.b.push_back(dyadic(best.b[a * d + i], bits));
      if (tr.a.back() < 0 || tr.a.back() > 1) throw std::logic_error("diag01: a rounded eigenvalue left [0, 1]");
    }
    s.tokens.push_back(std::move(tr));
  }
  s.h0.assign(d, Exact(0));
  for (double x : best.c) s.c.push_back(dyadic(x / scale, bits));
  s.c0 = dyadic(best.c0 / scale, bits);

  // the rounded model's training accuracy, exactly (same recurrence as run_lrnn)
  Diag01Fit f;
  f.max_length = t.max_length;
  f.words = t.label.size();
  std::vector<std::vector<Exact>> state(t.label.size());
  for (std::size_t w = 0; w < t.label.size(); ++w) {
    auto& hw = state[w];
    if (w == 0) {
      hw = s.h0;
    } else {
      const auto& hp = state[t.parent[w]];
      const auto& tr = s.tokens[t.letter[w]];
      hw.resize(d);
      for (std::size_t i = 0; i < d; ++i) hw[i] = tr.a[i] * hp[i] + tr.b[i];
    }
    Exact score = s.c0;
    for (std::size_t i = 0; i < d; ++i) score += s.c[i] * hw[i];
    f.correct += (score > 0) == (t.label[w] > 0);
    f.accepted += t.label[w] > 0;
  }
  s.description = fmt::format("diagonal [0,1] LRNN d={}, fitted (training accuracy {:.4f} on words of length <= {}: "
                              "{}/{}, a constant answer gets {:.4f}; parameters multiples of 2^-{}), from '{}'",
                              d, f.accuracy(), f.max_length, f.correct, f.words, f.majority(), bits, dfa.name);
  f.spec = std::move(s);
  return f;
}

CompiledModel compile(const Dfa& dfa, ModelKind kind) {
  CompiledModel m{kind, false, {}, {}, {}};
  switch (kind) {
    case ModelKind::Pd: m.lrnn = dfa_to_pd(dfa); break;
    case ModelKind::Householder: m.lrnn = group_to_householder(dfa); break;
    case ModelKind::Diag: m.lrnn = z2_to_diagonal(dfa); break;
    case ModelKind::Rotation: m.lrnn = cyclic_to_rotation(dfa); break;
    case ModelKind::Dense: m.lrnn = wfa_to_dense(dfa_as_wfa(dfa)); break;
    case ModelKind::Wfa: m.lrnn = wfa_to_dplr(dfa_as_wfa(dfa)); break;
    case ModelKind::Diag01: m.lrnn = fit_diag01(dfa).spec; break;
    case ModelKind::ReluRnn:
      m.is_relu = true;
      m.relu = dfa_to_relu_rnn(dfa);
      m.description = fmt::format("ReLU RNN d={} (one-hot state x letter lookup), compiled from '{}'", m.relu.d, dfa.name);
      return m;
    case ModelKind::Transformer:
      throw CompileRefused(fmt::format("transformer: automata do not compile to transformers; the transformer "
                                       "constructions belong to problems (`parallax problems`), not to '{}'",
                                       dfa.name));
  }
  models::validate(m.lrnn, m.lrnn.name);
  m.description = m.lrnn.description;
  return m;
}

CompiledModel compile(const Wfa<Exact>& w, ModelKind kind) {
  CompiledModel m{kind, false, {}, {}, {}};
  switch (kind) {
    case ModelKind::Dense: m.lrnn = wfa_to_dense(w); break;
    case ModelKind::Wfa: m.lrnn = wfa_to_dplr(w); break;
    default:
      throw CompileRefused(fmt::format("{}: a weighted automaton compiles to --model dense or wfa only (a {} model "
                                       "needs a DFA: finitely many states reached, 0/1 weights)",
                                       to_string(kind), to_string(kind)));
  }
  models::validate(m.lrnn, m.lrnn.name);
  m.description = m.lrnn.description;
  return m;
}

}  // namespace parallax::automata
