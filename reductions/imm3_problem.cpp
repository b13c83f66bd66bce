// imm3:pos, imm3:zero, imm3:mod:P — iterated multiplication of 3×3 integer
// matrices with entries in {−1, 0, 1}. An instance is a sequence
// M_1 … M_n (n ≥ 1); its value is the top-left entry of the product,
//     v = (M_1 M_2 ⋯ M_n)_{00} = e_0ᵀ M_1 ⋯ M_n e_0.
//
//   imm3:pos     is v > 0?  PNC¹-complete (Caussinus, McKenzie, Thérien &
//                Vollmer 1998: the sign of an entry of a product of 3×3
//                {−1, 0, 1} matrices is complete for PNC¹). Merrill, Jiang, Li,
//                Lin & Sabharwal (ICML 2026, Thm 5) show DPLR LRNNs solve it.
//   imm3:zero    is v = 0?  C₌NC¹-complete (same paper: zero-testing a GapNC¹
//                function, here one entry of the product).
//   imm3:mod:P   is v ≡ r (mod P), r given by the instance (2 ≤ P ≤ 10, or
//                P a prime below 2³¹)? An instance may query another entry
//                of the product: "entry": k (0 … 8, row-major: entry
//                (k / 3, k % 3)); the name imm3:mod:P:K fixes it to K.
//                NC¹-complete. In NC¹: reduced mod P the matrices form a
//                finite monoid, and a product in a finite monoid is a
//                balanced tree of constant-size lookups (Barrington 1989;
//                Barrington & Thérien 1988). NC¹-hard: the elementary
//                matrices I ± E_ij lie in the alphabet and generate SL₃(F_p)
//                for a prime p | P, a non-solvable group, so by Barrington's
//                theorem its word problem is NC¹-complete; "the product is
//                the identity mod p" is an AND of nine entry tests, each one
//                an instance (permutation matrices move entry (i, j) to
//                (0, 0)) or an OR of P/p of them when p < P.
//
// Reference solver: the row vector e_0ᵀ M_1 ⋯ M_k carried as three exact
// big integers (each step adds or subtracts entries), independent of every
// model. imm3:mod:P is stepwise: the label after matrix t is the queried
// entry of M_1 ⋯ M_t mod P (the same row vector, reduced mod P after every
// matrix), and the pd model's states carry their queried entry as labels.
//
// Constructions. The model's alphabet is specific to the instance: the
// distinct matrices of the instance in order of first appearance; token t
// is the index of M_t in it.
//   dense (pos, zero)  Dense LRNN with h_0 = e_0 and A_t = M_tᵀ, so that
//        h_n = M_nᵀ ⋯ M_1ᵀ e_0 = (M_1 ⋯ M_n)ᵀ e_0 and h_n[0] = v.
//        pos: readout c = e_0, c0 = 0: score v, accept iff v > 0.
//        zero: a linear readout accepts an open half-space, which cannot hold
//        v = 0 without v = 1 or v = −1 (the segment between them would leave
//        it), so the model runs the Kronecker square:
//        width 9, A_t = M_tᵀ ⊗ M_tᵀ, h_0 = e_0 ⊗ e_0, hence
//        h_n = (Pᵀ ⊗ Pᵀ)(e_0 ⊗ e_0) = (Pᵀe_0) ⊗ (Pᵀe_0) with P = M_1⋯M_n, and
//        h_n[0] = v². Readout c = −e_0, c0 = 1/2: score 1/2 − v², positive
//        iff v² < 1/2 iff v = 0 (v is an integer).
//   dplr (pos, zero)   The same matrices A_t as DPLR factors: an exact
//        PᵀLU factorisation over ℚ applied as rank-one row updates and
//        transpositions (automata::dplr_factors, as in compile.cpp's
//        wfa_to_dplr), same h_0 and readout: the Thm 5 route.
//   pd (mod:P)  The finite-monoid construction: a DFA whose states are the
//        row vectors e_0ᵀ M_1 ⋯ M_k mod P reachable from e_0 over the
//        instance's alphabet (at most P³), state x moving to x·M mod P on M,
//        accepting iff x[0] ≡ r; compiled to a PD-LRNN (one-hot state, 0/1
//        entries, exact at any precision) by automata::dfa_to_pd.
//
// Precision: the entries of M_1 ⋯ M_k are at most 3^k in magnitude, so
// floats with about 1.6·n significand bits (3.2·n for the Kronecker square)
// and a wide exponent compute the dense models exactly. The entries of
// random products grow exponentially (about 2^(0.4 k) after k matrices), so
// fp32 overflows on pos instances of a few hundred matrices; zero instances
// need the exact cancellation of large intermediate entries, and low
// precision already fails on some of them at n ≈ 50 (fp32) or 200 (fp64).
//
// Generators (deterministic in the seed, std::mt19937_64), described in
// detail at each function below: pos draws uniformly among the invertible
// matrices and flips one sign; zero plants the answer at a hidden position
// between two "valleys" (see zero_instance); mod draws the residue first.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "automata/compile.hpp"
#include "automata/dfa.hpp"
#include "numeric/exact.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

using numeric::BigInt;
using numeric::Exact;

using Mat = std::array<int, 9>;     ///< row-major, entries in {−1, 0, 1}
using Row = std::array<BigInt, 3>;  ///< a row vector

int det(const Mat& m) {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}
Mat transpose(const Mat& m) { return {m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]}; }
Mat negate(Mat m) {
  for (int& x : m) x = -x;
  return m;
}

/// x·M (entries of M in {−1, 0, 1}: additions and subtractions only).
Row times(const Row& x, const Mat& m) {
  Row y;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 3; ++i) {
      if (m[3 * i + j] == 1) y[j] += x[i];
      if (m[3 * i + j] == -1) y[j] -= x[i];
    }
  return y;
}

/// v = e_iᵀ M_1 ⋯ M_n e_j (entry k = 3i + j of the product), exactly.
BigInt value(const std::vector<Mat>& ms, int k = 0) {
  Row x{BigInt(0), BigInt(0), BigInt(0)};
  x[k / 3] = 1;
  for (const auto& m : ms) x = times(x, m);
  return x[k % 3];
}

/// x·M mod P for a row vector of residues (0 ≤ x_i < P < 2³¹).
std::array<std::int64_t, 3> times_mod(const std::array<std::int64_t, 3>& x, const Mat& m, std::int64_t P) {
  std::array<std::int64_t, 3> y{};
  for (int j = 0; j < 3; ++j) y[j] = ((x[0] * m[j] + x[1] * m[3 + j] + x[2] * m[6 + j]) % P + P) % P;
  return y;
}

/// P³ as decimal text (P < 2³¹: beyond 64 bits).
std::string cube(std::int64_t P) {
  const BigInt b(static_cast<long>(P));
  return BigInt(b * b * b).str();
}

bool is_prime(std::int64_t p) {
  if (p < 2) return false;
  for (std::int64_t q = 2; q * q <= p; ++q)
    if (p % q == 0) return false;
  return true;
}

/// The pd construction's limit: DFA states × distinct matrices (the PD
/// model's size); beyond it the construction is refused, not built.
constexpr std::size_t kMaxPdCells = std::size_t(1) << 22;

/// The 27 vectors of {−1, 0, 1}³, and the invertible {−1, 0, 1} matrices
/// (11808 of them, in lexicographic order of their row-major entries) with
/// the indices of their columns among the 27.
struct MatrixTable {
  std::array<std::array<int, 3>, 27> vec;
  std::vector<Mat> invertible;
  std::vector<std::array<std::uint8_t, 3>> columns;
};

const MatrixTable& table() {
  static const MatrixTable t = [] {
    MatrixTable r;
    for (int c = 0; c < 27; ++c) r.vec[c] = {c % 3 - 1, c / 3 % 3 - 1, c / 9 - 1};
    auto index = [](int a, int b, int c) { return static_cast<std::uint8_t>((a + 1) + 3 * (b + 1) + 9 * (c + 1)); };
    for (int code = 0; code < 19683; ++code) {
      Mat m;
      for (int k = 8, x = code; k >= 0; --k, x /= 3) m[k] = x % 3 - 1;
      if (det(m) == 0) continue;
      r.invertible.push_back(m);
      r.columns.push_back({index(m[0], m[3], m[6]), index(m[1], m[4], m[7]), index(m[2], m[5], m[8])});
    }
    return r;
  }();
  return t;
}

std::string matrix_name(const Mat& m) {  // "+0-/0+0/++0": no spaces or commas (token names)
  std::string s;
  for (int k = 0; k < 9; ++k) {
    if (k == 3 || k == 6) s += '/';
    s += m[k] > 0 ? '+' : m[k] < 0 ? '-' : '0';
  }
  return s;
}

nlohmann::json matrices_json(const std::vector<Mat>& ms) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& m : ms)
    a.push_back(nlohmann::json::array({nlohmann::json::array({m[0], m[1], m[2]}), nlohmann::json::array({m[3], m[4], m[5]}),
                                        nlohmann::json::array({m[6], m[7], m[8]})}));
  return a;
}

std::mt19937_64 make_rng(std::uint64_t seed, std::size_t n, bool yes) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                    static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) >> 32), static_cast<std::uint32_t>(yes),
                    0x1a3u};
  return std::mt19937_64(seq);
}

std::size_t uniform(std::mt19937_64& rng, std::size_t size) {
  return std::uniform_int_distribution<std::size_t>(0, size - 1)(rng);
}

// ---- imm3:zero: the valley walk ---------------------------------------------
//
// A zero-instance of length n cannot be made by drawing n − 1 matrices
// uniformly and choosing the last one (or any single one): with u the row
// vector before position k and w the column vector after it, the value is
// uᵀ M_k w = (M_kᵀ u)·w, and M_kᵀ u ≠ 0 has entries at most |u|₁, so a zero
// needs w to satisfy a small integer relation (and u one with coefficients
// up to |w|₁). The entries of random products grow exponentially, and while
// every uniformly random sequence of 30 matrices has a position admitting
// such a matrix, only about 1% of those of 100 matrices have one. So the
// generator makes u and w small where it plants the answer:
//
//   1. The control position k is uniform in 1 … n.
//   2. The matrices before k form a "valley" walk of length L = k − 1 on the
//      primitive part p of the row vector e_0ᵀ M_1 ⋯ M_j: free steps (a
//      uniform invertible matrix) while 3|p|₁ stays below the budget
//      2^(2 + ⌊0.3·(steps left)⌋), then shrink steps: M is drawn among the
//      invertible matrices with probability ∝ |pM|₁^(−12) (a strong but
//      random pull towards small vectors, which unlike a greedy rule does not
//      get stuck on vectors such as (a, 1, 0)), and once |p|₁ ≤ 3 uniformly
//      among the matrices that keep |pM|₁ ≤ 3. The walk succeeds when it
//      ends with |p|₁ ≤ 3.
//   3. The matrices after k are such a walk too, on the column vector
//      M_j ⋯ M_n e_0: a row walk on transposed matrices, read backwards.
//   4. M_k is drawn uniformly among the invertible matrices with
//      uᵀ M_k w = 0 (yes) or ≠ 0 (no), u and w the walks' primitive ends.
//      For every pair of primitive u, w with |·|₁ ≤ 3 there are at least 688
//      matrices giving 0 (checked exhaustively), and many giving ≠ 0.
//   A walk that fails (a few percent of the instances need a second try) or
//   an empty candidate set restarts at step 1.
//
// Yes- and no-instances come from the same process and differ only in the
// planted matrix, so nothing but the value itself tells them apart: the
// no-instances are near misses (|v| is a small multiple of the gcds of the
// two sides), and both need the exact cancellation of the large entries at
// the peaks of the valleys.

constexpr int kBudgetTenths = 3;  ///< budget slope: 0.3 bits per remaining step

/// |x|₁ of a small vector, or −1 when some entry is large.
long small_norm(const Row& p) {
  long s = 0;
  for (const auto& x : p) {
    if (abs(x) > 1000) return -1;
    s += std::labs(x.convert_to<long>());
  }
  return s;
}

Row primitive(Row x) {
  BigInt g = gcd(gcd(abs(x[0]), abs(x[1])), abs(x[2]));
  if (g > 1)
    for (auto& e : x) e /= g;
  return x;
}

/// log2 |x| (−inf for 0).
double log2_abs(const BigInt& x) {
  if (x == 0) return -INFINITY;
  long e = 0;
  const double d = mpz_get_d_2exp(&e, x.backend().data());
  return std::log2(std::fabs(d)) + static_cast<double>(e);
}

/// One valley walk of `length` steps (see above). Returns false when it does
/// not end with |p|₁ ≤ 3; `end` receives the final primitive vector.
bool valley(std::size_t length, std::mt19937_64& rng, std::vector<Mat>& steps, std::array<long, 3>& end) {
  const auto& t = table();
  const std::size_t count = t.invertible.size();
  Row p{BigInt(1), BigInt(0), BigInt(0)};
  bool shrinking = false;
  std::vector<double> weight(count);
  steps.clear();
  for (std::size_t j = 1; j <= length; ++j) {
    const std::size_t left = length - j;
    const double budget = 2.0 + static_cast<double>(left * kBudgetTenths / 10);  // in bits
    const long small = small_norm(p);
    BigInt n1 = abs(p[0]) + abs(p[1]) + abs(p[2]);
    std::size_t pick;
    if (!shrinking && log2_abs(3 * n1) < budget) {
      pick = uniform(rng, count);
    } else {
      shrinking = true;
      std::array<BigInt, 27> s;
      for (int c = 0; c < 27; ++c) {
        for (int i = 0; i < 3; ++i) {
          if (t.vec[c][i] == 1) s[c] += p[i];
          if (t.vec[c][i] == -1) s[c] -= p[i];
        }
      }
      if (small >= 0 && small <= 3) {
        std::array<long, 27> a;  // |p·c| ≤ |p|₁ ≤ 3
        for (int c = 0; c < 27; ++c) a[c] = std::labs(s[c].convert_to<long>());
        std::vector<std::size_t> keep;
        for (std::size_t m = 0; m < count; ++m) {
          const auto& cl = t.columns[m];
          if (a[cl[0]] + a[cl[1]] + a[cl[2]] <= 3) keep.push_back(m);
        }
        pick = keep[uniform(rng, keep.size())];  // never empty: the identity keeps |p|₁
      } else {
        // |s_c| relative to the largest, as doubles (the sizes only steer the walk)
        double top = -INFINITY;
        std::array<double, 27> lg;
        for (int c = 0; c < 27; ++c) top = std::max(top, lg[c] = log2_abs(s[c]));
        std::array<double, 27> a;
        for (int c = 0; c < 27; ++c) a[c] = std::exp2(lg[c] - top);
        double least = INFINITY;
        for (std::size_t m = 0; m < count; ++m) {
          const auto& cl = t.columns[m];
          weight[m] = std::max(a[cl[0]] + a[cl[1]] + a[cl[2]], 1e-300);
          least = std::min(least, weight[m]);
        }
        double total = 0;
        for (auto& w : weight) {
          const double r = least / w, r2 = r * r, r4 = r2 * r2;
          total += (w = r4 * r4 * r4);  // (least / w)^12
        }
        double x = std::uniform_real_distribution<double>(0, total)(rng);
        pick = count - 1;
        for (std::size_t m = 0; m < count; ++m)
          if ((x -= weight[m]) < 0) {
            pick = m;
            break;
          }
      }
    }
    steps.push_back(t.invertible[pick]);
    p = primitive(times(p, t.invertible[pick]));
  }
  const long small = small_norm(p);
  if (small < 0 || small > 3) return false;
  for (int i = 0; i < 3; ++i) end[i] = p[i].convert_to<long>();
  return true;
}

/// matched: a no-instance whose value is a non-zero multiple of 6, so that its
/// value modulo 2 and modulo 3 (what a finite automaton over the matrices mod
/// q computes) is a yes-instance's 0.
std::vector<Mat> zero_instance(std::size_t n, std::mt19937_64& rng, bool yes, bool matched = false) {
  const auto& t = table();
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::size_t k = uniform(rng, n);  // 0-based control position
    std::vector<Mat> left, right;
    std::array<long, 3> u{}, w{};
    if (!valley(k, rng, left, u) || !valley(n - 1 - k, rng, right, w)) continue;
    std::vector<std::size_t> candidates;
    for (std::size_t m = 0; m < t.invertible.size(); ++m) {
      const Mat& a = t.invertible[m];
      long v = 0;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) v += u[i] * a[3 * i + j] * w[j];
      if ((v == 0) == yes && (!matched || v % 6 == 0)) candidates.push_back(m);
    }
    if (candidates.empty()) continue;
    std::vector<Mat> ms = left;
    ms.push_back(t.invertible[candidates[uniform(rng, candidates.size())]]);
    for (std::size_t i = right.size(); i-- > 0;) ms.push_back(transpose(right[i]));
    return ms;
  }
  throw ProblemError(fmt::format("imm3:zero: could not plant a {}{}-instance of size {}", matched ? "matched " : "", yes ? "yes" : "no", n));
}

// ---- the problems -------------------------------------------------------------

enum class Variant { Pos, Zero, Mod };

class Imm3Problem final : public Problem {
 public:
  Imm3Problem(std::string name, Variant variant, std::int64_t modulus, std::optional<int> entry = std::nullopt)
      : variant_(variant), P_(modulus), entry_(entry) {
    info_.name = std::move(name);
    const std::string format_matrices = R"("matrices": [[[1,0,-1],[0,1,0],[1,1,0]], ...] (n >= 1 matrices, 3x3, entries -1, 0, 1))";
    switch (variant) {
      case Variant::Pos:
        info_.family = "imm3:pos";
        info_.complexity = automata::ComplexityClass::PNC1Complete;
        info_.claim = "is the top-left entry v of a product of 3x3 {-1,0,1} matrices positive? PNC1-complete (Caussinus, "
                      "McKenzie, Therien & Vollmer 1998); DPLR LRNNs solve it (Merrill et al., ICML 2026, Thm 5)";
        info_.instance_format = R"({"problem": "imm3:pos", )" + format_matrices + "}";
        break;
      case Variant::Zero:
        info_.family = "imm3:zero";
        info_.complexity = automata::ComplexityClass::CNC1Complete;
        info_.claim = "is the top-left entry v of a product of 3x3 {-1,0,1} matrices zero? C=NC1-complete (Caussinus, "
                      "McKenzie, Therien & Vollmer 1998)";
        info_.instance_format = R"({"problem": "imm3:zero", )" + format_matrices + "}";
        break;
      case Variant::Mod:
        info_.family = "imm3:mod:P";
        info_.complexity = automata::ComplexityClass::NC1Complete;
        info_.claim = fmt::format("is an entry v of a product of 3x3 {{-1,0,1}} matrices (the top-left one unless the instance's "
                                  "entry says) = r mod {}? In NC1: the "
                                  "matrices mod {} form a finite monoid (Barrington 1989, Barrington-Therien 1988); NC1-hard "
                                  "since it contains the non-solvable SL3(F_p) for a prime p dividing {} (Barrington)",
                                  P_, P_, P_);
        info_.instance_format =
            entry ? fmt::format(R"({{"problem": "{}", {}, "residue": r, "entry": {}}} (0 <= r < {}; entry {} = ({}, {}) of the product, row-major))",
                                info_.name, format_matrices, *entry, P_, *entry, *entry / 3, *entry % 3)
                  : fmt::format(R"({{"problem": "{}", {}, "residue": r[, "entry": k]}} (0 <= r < {}; entry k = 0 ... 8 of the product, row-major, default 0))",
                                info_.name, format_matrices, P_);
        break;
    }
    if (variant == Variant::Mod) {
      info_.steps = fmt::format("after matrix t: the queried entry ({}) of the prefix product M_1...M_t, mod {} "
                                "(0 ... {})",
                                entry ? fmt::format("entry {}", *entry) : std::string("the instance's entry, default 0"), P_,
                                P_ - 1);
      info_.constructions = {{"pd", Architecture::Pd, fmt::format("PD-LRNN, one layer, one-hot over the row vectors e_i^T M1...Mk mod {} "
                                                                  "reachable from e_i (width <= {}), exact 0/1 (finite monoid)",
                                                                  P_, cube(P_))}};
    } else if (variant == Variant::Pos) {
      info_.constructions = {{"dense", Architecture::Dense, "dense LRNN d=3, A_t = M_t^T, h0 = e0, score h_n[0] = v"},
                             {"dplr", Architecture::Dplr, "DPLR LRNN d=3: M_t^T factored exactly (P^T L U) into rank-one updates and "
                                                          "transpositions (Merrill et al. Thm 5), score v"}};
    } else {
      info_.constructions = {{"dense", Architecture::Dense, "dense LRNN d=9 on the Kronecker square: A_t = M_t^T (x) M_t^T, h_n[0] = v^2, "
                                                            "score 1/2 - v^2"},
                             {"dplr", Architecture::Dplr, "DPLR LRNN d=9: the Kronecker square factored exactly (P^T L U) into rank-one "
                                                          "updates and transpositions, score 1/2 - v^2"}};
    }
    if (variant == Variant::Mod) {
      const auto& t = table();
      for (std::size_t m = 0; m < t.invertible.size(); ++m)
        if (std::gcd(std::int64_t(std::abs(det(t.invertible[m]))), P_) == 1) drawable_.push_back(t.invertible[m]);
    } else {
      drawable_ = table().invertible;
    }
  }

  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (n < 1) throw ProblemError(fmt::format("{}: an instance has at least one matrix (n >= 1)", info_.name));
    auto rng = make_rng(seed, n, yes);
    Instance in{{"problem", info_.name}};
    switch (variant_) {
      case Variant::Pos: in["matrices"] = matrices_json(pos_instance(n, rng, yes)); break;
      case Variant::Zero: in["matrices"] = matrices_json(zero_instance(n, rng, yes)); break;
      case Variant::Mod: {
        std::int64_t r = 0;
        in["matrices"] = matrices_json(mod_instance(n, rng, yes, entry_.value_or(0), r));
        in["residue"] = r;
        if (entry_) in["entry"] = *entry_;
        break;
      }
    }
    return in;
  }

  /// imm3:zero: a no-instance whose value is a non-zero multiple of 6 (its
  /// value mod 2 and mod 3 is a yes-instance's 0); the others: the uniform one.
  Instance generate_matched_no(std::size_t n, std::uint64_t seed) const override {
    if (variant_ != Variant::Zero || n < 1) return generate(n, seed, false);
    auto rng = make_rng(seed, n, false);
    rng.discard(1);  // a stream of its own, not generate's
    try {
      return {{"problem", info_.name}, {"matrices", matrices_json(zero_instance(n, rng, false, true))}};
    } catch (const ProblemError&) {
      return generate(n, seed, false);  // the shortest products (n <= 2) have no such value
    }
  }
  std::string matched_negatives() const override {
    return variant_ == Variant::Zero ? "the entry is a non-zero multiple of 6: modulo 2 and modulo 3 it is 0, as a yes-instance's "
                                       "(the uniform no-instance where the construction finds none: n <= 2)"
                                     : "";
  }

  void validate(const Instance& in) const override { (void)read(in); }

  bool solve(const Instance& in) const override {
    const Parsed x = read(in);
    const BigInt v = value(x.matrices, x.entry);
    switch (variant_) {
      case Variant::Pos: return v > 0;
      case Variant::Zero: return v == 0;
      case Variant::Mod: {
        const BigInt P(static_cast<long>(P_));
        BigInt m = v % P;
        if (m < 0) m += P;
        return m == BigInt(static_cast<long>(x.residue));
      }
    }
    return false;
  }

  /// imm3:mod:P: the row vector e_iᵀ M_1 ⋯ M_t carried exactly, as solve()
  /// carries it, reduced mod P after every matrix; its entry j (the queried
  /// entry k = 3i + j) is the label.
  std::vector<std::int64_t> solve_steps(const Instance& in) const override {
    const Parsed x = read(in);
    if (variant_ != Variant::Mod) return {};
    const BigInt P(static_cast<long>(P_));
    Row r{BigInt(0), BigInt(0), BigInt(0)};
    r[static_cast<std::size_t>(x.entry / 3)] = 1;
    std::vector<std::int64_t> labels;
    labels.reserve(x.matrices.size());
    for (const auto& m : x.matrices) {
      r = times(r, m);
      for (auto& e : r) {
        e %= P;
        if (e < 0) e += P;
      }
      labels.push_back(r[static_cast<std::size_t>(x.entry % 3)].convert_to<std::int64_t>());
    }
    return labels;
  }

  /// imm3:mod:P: a prefix is a yes-instance iff its label is the residue.
  /// Reads the residue alone (it is asked once per position).
  bool step_answer(const Instance& in, std::int64_t label) const override {
    if (variant_ != Variant::Mod) return Problem::step_answer(in, label);
    const auto r = in.is_object() && in.contains("residue") ? small_int(in["residue"], 0, P_ - 1) : std::nullopt;
    if (!r) fail(fmt::format("field residue: expected an integer from 0 to {}", P_ - 1));
    return label == *r;
  }

  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const Parsed x = read(in);
    // the instance's alphabet: its distinct matrices, in order of first appearance
    std::vector<Mat> alphabet;
    std::map<Mat, std::uint32_t> index;
    Encoding e;
    for (const auto& m : x.matrices) {
      auto [it, fresh] = index.emplace(m, static_cast<std::uint32_t>(alphabet.size()));
      if (fresh) alphabet.push_back(m);
      e.tokens.push_back(it->second);
    }
    if (construction == "pd")
      e.model = pd_model(alphabet, x.residue, x.entry, &e.state_labels);
    else
      e.model = linear_model(alphabet, construction == "dplr");
    return e;
  }

 private:
  struct Parsed {
    std::vector<Mat> matrices;
    std::int64_t residue = 0;
    int entry = 0;  ///< the queried entry of the product, row-major
  };

  [[noreturn]] void fail(const std::string& what) const { throw ProblemError(info_.name + " instance: " + what); }

  /// An integer in [lo, hi] or nullopt.
  static std::optional<std::int64_t> small_int(const nlohmann::json& j, std::int64_t lo, std::int64_t hi) {
    if (j.is_number_unsigned()) {
      const auto x = j.get<std::uint64_t>();
      if (x <= static_cast<std::uint64_t>(hi) && static_cast<std::int64_t>(x) >= lo) return static_cast<std::int64_t>(x);
      return std::nullopt;
    }
    if (j.is_number_integer()) {
      const auto x = j.get<std::int64_t>();
      if (x >= lo && x <= hi) return x;
    }
    return std::nullopt;
  }

  Parsed read(const Instance& in) const {
    if (!in.is_object()) fail("expected a JSON object " + info_.instance_format);
    if (in.contains("problem") && in["problem"] != info_.name)
      fail(fmt::format("field problem: instance of {}, expected '{}'", in["problem"].dump(), info_.name));
    if (!in.contains("matrices")) fail("missing field \"matrices\"");
    const auto& a = in["matrices"];
    if (!a.is_array() || a.empty()) fail("field matrices: expected a non-empty array of 3x3 matrices");
    Parsed x;
    for (std::size_t t = 0; t < a.size(); ++t) {
      const auto& m = a[t];
      if (!m.is_array() || m.size() != 3) fail(fmt::format("field matrices[{}]: expected 3 rows", t));
      Mat mat;
      for (std::size_t i = 0; i < 3; ++i) {
        if (!m[i].is_array() || m[i].size() != 3) fail(fmt::format("field matrices[{}][{}]: expected a row of 3 entries", t, i));
        for (std::size_t j = 0; j < 3; ++j) {
          const auto v = small_int(m[i][j], -1, 1);
          if (!v) fail(fmt::format("field matrices[{}][{}][{}]: expected -1, 0 or 1, got {}", t, i, j, m[i][j].dump()));
          mat[3 * i + j] = static_cast<int>(*v);
        }
      }
      x.matrices.push_back(mat);
    }
    if (variant_ == Variant::Mod) {
      if (!in.contains("residue")) fail("missing field \"residue\"");
      const auto r = small_int(in["residue"], 0, P_ - 1);
      if (!r) fail(fmt::format("field residue: expected an integer from 0 to {}, got {}", P_ - 1, in["residue"].dump()));
      x.residue = *r;
      if (in.contains("entry")) {
        const auto k = small_int(in["entry"], 0, 8);
        if (!k) fail(fmt::format("field entry: expected an integer from 0 to 8 (row-major), got {}", in["entry"].dump()));
        if (entry_ && *k != *entry_)
          fail(fmt::format("field entry: {} queries entry {}, the instance entry {}", info_.name, *entry_, *k));
        x.entry = static_cast<int>(*k);
      } else {
        x.entry = entry_.value_or(0);
      }
    } else if (in.contains("residue")) {
      fail("field residue: only imm3:mod:P instances have a residue");
    } else if (in.contains("entry")) {
      fail("field entry: only imm3:mod:P instances query an entry (the others read entry (0, 0))");
    }
    return x;
  }

  /// Uniform among the invertible matrices with v ≠ 0 (rejection), then one
  /// uniformly chosen matrix negated when the sign is the wrong one: negating
  /// M_k negates v and maps the invertible {−1, 0, 1} matrices onto
  /// themselves, so for each k it is a bijection between the sequences with
  /// v > 0 and those with v < 0, and the result is uniform among the
  /// sequences with the requested sign.
  std::vector<Mat> pos_instance(std::size_t n, std::mt19937_64& rng, bool yes) const {
    std::vector<Mat> ms(n);
    BigInt v;
    do {
      for (auto& m : ms) m = drawable_[uniform(rng, drawable_.size())];
      v = value(ms);
    } while (v == 0);
    if ((v > 0) != yes) {
      const std::size_t k = uniform(rng, n);
      ms[k] = negate(ms[k]);
    }
    return ms;
  }

  /// P ≤ 10: the residue r is uniform in 0 … P−1; the matrices are uniform
  /// among the {−1, 0, 1} matrices whose determinant is a unit mod P,
  /// conditioned on v ≡ r (yes) or v ≢ r (no), by rejection. Units only: a
  /// matrix singular mod P (det ±2, ±4 for even P, ±3 for P divisible by 3)
  /// can send the row vector to 0 mod P for good, and long uniform products
  /// then have v ≡ 0 almost surely (P = 2: after about 10 matrices), which
  /// would make the residue alone give the answer away. For P = 5, 7 every
  /// invertible matrix is drawn. Drawing r first keeps r uniform in both
  /// classes. A residue no sequence of length n reaches (n = 1: v ∈ {−1, 0,
  /// 1}) is redrawn after 64·P failed draws.
  /// P ≥ 11 (a prime: every invertible matrix is a unit): rejection would
  /// need about P draws, so the pair (matrices, r) is drawn uniformly among
  /// the yes pairs — uniform matrices, r = v mod P — or among the no pairs —
  /// uniform matrices, r uniform among the P − 1 other residues (every
  /// sequence has exactly one yes residue and P − 1 no residues).
  std::vector<Mat> mod_instance(std::size_t n, std::mt19937_64& rng, bool yes, int entry, std::int64_t& residue) const {
    std::vector<Mat> ms(n);
    const auto product_entry = [&] {
      std::array<std::int64_t, 3> x{0, 0, 0};
      x[static_cast<std::size_t>(entry / 3)] = 1;
      for (auto& m : ms) {
        m = drawable_[uniform(rng, drawable_.size())];
        x = times_mod(x, m, P_);
      }
      return x[static_cast<std::size_t>(entry % 3)];
    };
    if (P_ > 10) {
      const std::int64_t v = product_entry();
      residue = yes ? v : (v + 1 + static_cast<std::int64_t>(uniform(rng, static_cast<std::size_t>(P_ - 1)))) % P_;
      return ms;
    }
    for (;;) {
      residue = static_cast<std::int64_t>(uniform(rng, static_cast<std::size_t>(P_)));
      for (int attempt = 0; attempt < 64 * P_; ++attempt)
        if ((product_entry() == residue) == yes) return ms;
    }
  }

  std::shared_ptr<const automata::CompiledModel> linear_model(const std::vector<Mat>& alphabet, bool dplr) const {
    const bool square = variant_ == Variant::Zero;
    const std::size_t d = square ? 9 : 3;
    models::LrnnSpec s;
    s.name = info_.name + (dplr ? "/dplr" : "/dense");
    s.structure = dplr ? models::Structure::Dplr : models::Structure::Dense;
    s.d = d;
    std::size_t most = 0;
    for (const auto& m : alphabet) {
      s.alphabet.push_back(matrix_name(m));
      // A = Mᵀ (row-major: A[i][j] = M[j][i]), or Mᵀ ⊗ Mᵀ with
      // (X ⊗ Y)[3i + k][3j + l] = X[i][j]·Y[k][l]
      std::vector<Exact> A(d * d, Exact(0));
      if (!square) {
        for (std::size_t i = 0; i < 3; ++i)
          for (std::size_t j = 0; j < 3; ++j) A[i * 3 + j] = m[3 * j + i];
      } else {
        for (std::size_t i = 0; i < 3; ++i)
          for (std::size_t k = 0; k < 3; ++k)
            for (std::size_t j = 0; j < 3; ++j)
              for (std::size_t l = 0; l < 3; ++l) A[(3 * i + k) * 9 + (3 * j + l)] = m[3 * j + i] * m[3 * l + k];
      }
      models::Transition tr;
      if (dplr) {
        tr.factors = automata::dplr_factors(A, d);
        most = std::max(most, tr.factors.size());
      } else {
        tr.a = std::move(A);
      }
      tr.b.assign(d, Exact(0));
      s.tokens.push_back(std::move(tr));
    }
    s.h0.assign(d, Exact(0));
    s.h0[0] = 1;  // e_0, or e_0 ⊗ e_0
    s.c.assign(d, Exact(0));
    if (square) {
      s.c[0] = -1;  // 1/2 − v²
      s.c0 = Exact(1, 2);
    } else {
      s.c[0] = 1;  // v
      s.c0 = 0;
    }
    const std::string what = square ? "the Kronecker square M^T (x) M^T, h_n[0] = v^2, score 1/2 - v^2"
                                    : "A = M^T, h_n[0] = v, score v";
    s.description = dplr ? fmt::format("DPLR LRNN d={} over {} distinct matrices, each factored exactly into up to {} "
                                       "rank-one updates and transpositions; {}",
                                       d, alphabet.size(), most, what)
                         : fmt::format("dense LRNN d={} over {} distinct matrices; {}", d, alphabet.size(), what);
    models::validate(s, s.name);
    std::string description = s.description;
    return std::make_shared<const automata::CompiledModel>(
        automata::CompiledModel{std::move(s), dplr ? Architecture::Dplr : Architecture::Dense, std::move(description)});
  }

  /// `labels` (may be null) receives each state's label: the queried entry
  /// of its row vector (the model is one-hot over these states).
  std::shared_ptr<const automata::CompiledModel> pd_model(const std::vector<Mat>& alphabet, std::int64_t residue,
                                                          int entry, std::vector<std::int64_t>* labels = nullptr) const {
    const std::int64_t P = P_;
    automata::Dfa dfa;
    dfa.name = fmt::format("{} (r = {}, entry {})", info_.name, residue, entry);
    for (const auto& m : alphabet) dfa.alphabet.push_back(matrix_name(m));
    using Vec = std::array<std::int64_t, 3>;
    std::map<Vec, std::uint32_t> state_of;
    Vec start{0, 0, 0};
    start[static_cast<std::size_t>(entry / 3)] = 1 % P;
    std::vector<Vec> states{start};
    state_of.emplace(start, 0);
    dfa.delta.assign(alphabet.size(), {});
    for (std::size_t q = 0; q < states.size(); ++q) {  // breadth-first: states grows while scanned
      const Vec x = states[q];
      for (std::size_t a = 0; a < alphabet.size(); ++a) {
        const auto [it, fresh] = state_of.emplace(times_mod(x, alphabet[a], P), static_cast<std::uint32_t>(states.size()));
        if (fresh) {
          states.push_back(it->first);
          if (states.size() * alphabet.size() > kMaxPdCells)
            throw ProblemError(fmt::format("{}: the pd construction needs more than {} states for this instance's {} distinct "
                                           "matrices (up to P^3 = {} row vectors mod {}); it is limited to {} states x "
                                           "matrices",
                                           info_.name, states.size() - 1, alphabet.size(),
                                           cube(P),
                                           P, kMaxPdCells));
        }
        dfa.delta[a].push_back(it->second);
      }
    }
    dfa.states = states.size();
    dfa.start = 0;
    for (const auto& x : states) dfa.accepting.push_back(x[static_cast<std::size_t>(entry % 3)] == residue);
    if (labels) {
      labels->clear();
      for (const auto& x : states) labels->push_back(x[static_cast<std::size_t>(entry % 3)]);
    }
    models::LrnnSpec s = automata::dfa_to_pd(dfa);
    models::validate(s, s.name);
    automata::CompiledModel model{std::move(s), Architecture::Pd, {}};
    model.description = fmt::format("PD-LRNN d={}: one-hot over the row vectors e{}^T M1...Mk mod {} reachable from e{} "
                                    "over {} distinct matrices, accepting iff entry {} is {}",
                                    dfa.states, entry / 3, P, entry / 3, alphabet.size(), entry % 3, residue);
    return std::make_shared<const automata::CompiledModel>(std::move(model));
  }

  ProblemInfo info_;
  Variant variant_;
  std::int64_t P_;
  std::optional<int> entry_;   ///< imm3:mod:P:K: the entry every instance queries
  std::vector<Mat> drawable_;  ///< the matrices the generators draw from
};

}  // namespace

std::unique_ptr<Problem> make_imm3_problem(const std::string& name) {
  if (!name.starts_with("imm3")) return nullptr;
  if (name == "imm3:pos") return std::make_unique<Imm3Problem>(name, Variant::Pos, 0);
  if (name == "imm3:zero") return std::make_unique<Imm3Problem>(name, Variant::Zero, 0);
  if (name.starts_with("imm3:mod:")) {
    // imm3:mod:P or imm3:mod:P:K; P and K plain decimal (no sign, no leading zero)
    const std::string rest = name.substr(9);
    const std::size_t colon = rest.find(':');
    const std::string p_text = rest.substr(0, colon), k_text = colon == std::string::npos ? "" : rest.substr(colon + 1);
    auto decimal = [](const std::string& t, std::size_t most) {
      return !t.empty() && t.size() <= most && t.find_first_not_of("0123456789") == std::string::npos &&
             (t.size() == 1 || t[0] != '0');
    };
    const std::string expected =
        "expected imm3:mod:P or imm3:mod:P:K, with P from 2 to 10 or a prime below 2^31, and K the queried entry of the "
        "product (0 ... 8, row-major)";
    if (!decimal(p_text, 10)) throw ProblemError(fmt::format("problem '{}': {}", name, expected));
    const std::int64_t P = std::stoll(p_text);
    if (P < 2 || P >= (std::int64_t(1) << 31) || (P > 10 && !is_prime(P)))
      throw ProblemError(fmt::format("problem '{}': P = {} is {}; {}", name, P,
                                     P < 2 ? "below 2" : P >= (std::int64_t(1) << 31) ? "2^31 or more" : "not a prime",
                                     expected));
    std::optional<int> entry;
    if (colon != std::string::npos) {
      if (!decimal(k_text, 1) || k_text[0] > '8') throw ProblemError(fmt::format("problem '{}': {}", name, expected));
      entry = k_text[0] - '0';
    }
    return std::make_unique<Imm3Problem>(name, Variant::Mod, P, entry);
  }
  throw ProblemError(fmt::format(
      "unknown problem '{}' (expected imm3:pos, imm3:zero, or imm3:mod:P[:K] with 2 <= P <= 10 or P a prime below 2^31)",
      name));
}

}  // namespace parallax::reductions
