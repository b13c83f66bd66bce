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
//   imm3:mod:P   is v ≡ r (mod P), r given by the instance (2 ≤ P ≤ 10)?
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
// model.
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

/// v = e_0ᵀ M_1 ⋯ M_n e_0, exactly.
BigInt value(const std::vector<Mat>& ms) {
  Row x{BigInt(1), BigInt(0), BigInt(0)};
  for (const auto& m : ms) x = times(x, m);
  return x[0];
}

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

std::vector<Mat> zero_instance(std::size_t n, std::mt19937_64& rng, bool yes) {
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
      if ((v == 0) == yes) candidates.push_back(m);
    }
    if (candidates.empty()) continue;
    std::vector<Mat> ms = left;
    ms.push_back(t.invertible[candidates[uniform(rng, candidates.size())]]);
    for (std::size_t i = right.size(); i-- > 0;) ms.push_back(transpose(right[i]));
    return ms;
  }
  throw ProblemError(fmt::format("imm3:zero: could not plant a {}-instance of size {}", yes ? "yes" : "no", n));
}

// ---- the problems -------------------------------------------------------------

enum class Variant { Pos, Zero, Mod };

class Imm3Problem final : public Problem {
 public:
  Imm3Problem(std::string name, Variant variant, int modulus) : variant_(variant), P_(modulus) {
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
        info_.claim = fmt::format("is the top-left entry v of a product of 3x3 {{-1,0,1}} matrices = r mod {}? In NC1: the "
                                  "matrices mod {} form a finite monoid (Barrington 1989, Barrington-Therien 1988); NC1-hard "
                                  "since it contains the non-solvable SL3(F_p) for a prime p dividing {} (Barrington)",
                                  P_, P_, P_);
        info_.instance_format =
            fmt::format(R"({{"problem": "{}", {}, "residue": r}} (0 <= r < {}))", info_.name, format_matrices, P_);
        break;
    }
    if (variant == Variant::Mod) {
      info_.constructions = {{"pd", Architecture::Pd, fmt::format("PD-LRNN, one layer, one-hot over the row vectors e0^T M1...Mk mod {} "
                                                                  "reachable from e0 (width <= {}), exact 0/1 (finite monoid)",
                                                                  P_, P_ * P_ * P_)}};
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
        if (std::gcd(std::abs(det(t.invertible[m])), P_) == 1) drawable_.push_back(t.invertible[m]);
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
        int r = 0;
        in["matrices"] = matrices_json(mod_instance(n, rng, yes, r));
        in["residue"] = r;
        break;
      }
    }
    return in;
  }

  void validate(const Instance& in) const override { (void)read(in); }

  bool solve(const Instance& in) const override {
    const Parsed x = read(in);
    const BigInt v = value(x.matrices);
    switch (variant_) {
      case Variant::Pos: return v > 0;
      case Variant::Zero: return v == 0;
      case Variant::Mod: {
        BigInt m = v % P_;
        if (m < 0) m += P_;
        return m == x.residue;
      }
    }
    return false;
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
      e.model = pd_model(alphabet, x.residue);
    else
      e.model = linear_model(alphabet, construction == "dplr");
    return e;
  }

 private:
  struct Parsed {
    std::vector<Mat> matrices;
    int residue = 0;
  };

  [[noreturn]] void fail(const std::string& what) const { throw ProblemError(info_.name + " instance: " + what); }

  /// An integer in [lo, hi] or nullopt.
  static std::optional<long> small_int(const nlohmann::json& j, long lo, long hi) {
    if (j.is_number_unsigned()) {
      const auto x = j.get<std::uint64_t>();
      if (x <= static_cast<std::uint64_t>(hi) && static_cast<long>(x) >= lo) return static_cast<long>(x);
      return std::nullopt;
    }
    if (j.is_number_integer()) {
      const auto x = j.get<std::int64_t>();
      if (x >= lo && x <= hi) return static_cast<long>(x);
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
      x.residue = static_cast<int>(*r);
    } else if (in.contains("residue")) {
      fail("field residue: only imm3:mod:P instances have a residue");
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

  /// The residue r is uniform in 0 … P−1; the matrices are uniform among the
  /// {−1, 0, 1} matrices whose determinant is a unit mod P, conditioned on
  /// v ≡ r (yes) or v ≢ r (no), by rejection. Units only: a matrix singular
  /// mod P (det ±2, ±4 for even P, ±3 for P divisible by 3) can send the row
  /// vector to 0 mod P for good, and long uniform products then have v ≡ 0
  /// almost surely (P = 2: after about 10 matrices), which would make the
  /// residue alone give the answer away. For P = 5, 7 every invertible matrix
  /// is drawn. Drawing r first keeps r uniform in both classes. A residue no
  /// sequence of length n reaches (n = 1: v ∈ {−1, 0, 1}) is redrawn after
  /// 64·P failed draws.
  std::vector<Mat> mod_instance(std::size_t n, std::mt19937_64& rng, bool yes, int& residue) const {
    std::vector<Mat> ms(n);
    for (;;) {
      residue = static_cast<int>(uniform(rng, static_cast<std::size_t>(P_)));
      for (int attempt = 0; attempt < 64 * P_; ++attempt) {
        std::array<int, 3> x{1, 0, 0};
        for (auto& m : ms) {
          m = drawable_[uniform(rng, drawable_.size())];
          std::array<int, 3> y{};
          for (int j = 0; j < 3; ++j) y[j] = ((x[0] * m[j] + x[1] * m[3 + j] + x[2] * m[6 + j]) % P_ + P_) % P_;
          x = y;
        }
        if ((x[0] == residue) == yes) return ms;
      }
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

  std::shared_ptr<const automata::CompiledModel> pd_model(const std::vector<Mat>& alphabet, int residue) const {
    const int P = P_;
    automata::Dfa dfa;
    dfa.name = fmt::format("{} (r = {})", info_.name, residue);
    for (const auto& m : alphabet) dfa.alphabet.push_back(matrix_name(m));
    auto code = [&](const std::array<int, 3>& x) { return static_cast<std::size_t>((x[0] * P + x[1]) * P + x[2]); };
    std::vector<std::int64_t> state_of(static_cast<std::size_t>(P * P * P), -1);
    std::vector<std::array<int, 3>> states{{1 % P, 0, 0}};
    state_of[code(states[0])] = 0;
    dfa.delta.assign(alphabet.size(), {});
    for (std::size_t q = 0; q < states.size(); ++q) {  // breadth-first: states grows while scanned
      const auto x = states[q];
      for (std::size_t a = 0; a < alphabet.size(); ++a) {
        const Mat& m = alphabet[a];
        std::array<int, 3> y{};
        for (int j = 0; j < 3; ++j) y[j] = ((x[0] * m[j] + x[1] * m[3 + j] + x[2] * m[6 + j]) % P + P) % P;
        auto& s = state_of[code(y)];
        if (s < 0) {
          s = static_cast<std::int64_t>(states.size());
          states.push_back(y);
        }
        dfa.delta[a].push_back(static_cast<std::uint32_t>(s));
      }
    }
    dfa.states = states.size();
    dfa.start = 0;
    for (const auto& x : states) dfa.accepting.push_back(x[0] == residue);
    models::LrnnSpec s = automata::dfa_to_pd(dfa);
    models::validate(s, s.name);
    automata::CompiledModel model{std::move(s), Architecture::Pd, {}};
    model.description = fmt::format("PD-LRNN d={}: one-hot over the row vectors e0^T M1...Mk mod {} reachable from e0 "
                                    "over {} distinct matrices, accepting iff the first entry is {}",
                                    dfa.states, P, alphabet.size(), residue);
    return std::make_shared<const automata::CompiledModel>(std::move(model));
  }

  ProblemInfo info_;
  Variant variant_;
  int P_;
  std::vector<Mat> drawable_;  ///< the matrices the generators draw from
};

}  // namespace

std::unique_ptr<Problem> make_imm3_problem(const std::string& name) {
  if (!name.starts_with("imm3")) return nullptr;
  if (name == "imm3:pos") return std::make_unique<Imm3Problem>(name, Variant::Pos, 0);
  if (name == "imm3:zero") return std::make_unique<Imm3Problem>(name, Variant::Zero, 0);
  if (name.starts_with("imm3:mod:")) {
    const std::string digits = name.substr(9);
    if (!digits.empty() && digits.size() <= 2 && digits.find_first_not_of("0123456789") == std::string::npos) {
      const int P = std::stoi(digits);
      if (P >= 2 && P <= 10 && std::to_string(P) == digits) return std::make_unique<Imm3Problem>(name, Variant::Mod, P);
    }
    throw ProblemError(fmt::format("problem '{}': expected imm3:mod:P with P an integer from 2 to 10", name));
  }
  throw ProblemError(fmt::format("unknown problem '{}' (expected imm3:pos, imm3:zero or imm3:mod:P with 2 <= P <= 10)", name));
}

}  // namespace parallax::reductions
