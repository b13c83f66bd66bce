// imm3:pos, imm3:zero, imm3:mod:P: the reference solver against a full
// matrix product, the generators' labels and structure, every construction
// against the reference at exact precision, and the malformed instances.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "experiment/sweep.hpp"
#include "models/lrnn.hpp"
#include "numeric/exact.hpp"
#include "numeric/precision.hpp"
#include "reductions/registry.hpp"

using namespace parallax;
using numeric::BigInt;
using numeric::Exact;

namespace {

using Mat3 = std::array<std::array<BigInt, 3>, 3>;

std::vector<std::array<int, 9>> matrices_of(const reductions::Instance& in) {
  std::vector<std::array<int, 9>> out;
  for (const auto& m : in.at("matrices")) {
    std::array<int, 9> a{};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) a[3 * i + j] = m.at(i).at(j).get<int>();
    out.push_back(a);
  }
  return out;
}

/// Entry k (row-major) of M_1 ⋯ M_n by full 3×3 products, left to right (independent of the solver's row vector).
BigInt naive_value(const std::vector<std::array<int, 9>>& ms, int k = 0) {
  Mat3 P;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) P[i][j] = i == j ? 1 : 0;
  for (const auto& m : ms) {
    Mat3 Q;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        BigInt s = 0;
        for (int k = 0; k < 3; ++k) s += P[i][k] * m[3 * k + j];
        Q[i][j] = s;
      }
    P = Q;
  }
  return P[k / 3][k % 3];
}

int det(const std::array<int, 9>& m) {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

nlohmann::json to_json(const std::vector<std::array<int, 9>>& ms) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& m : ms)
    a.push_back({{m[0], m[1], m[2]}, {m[3], m[4], m[5]}, {m[6], m[7], m[8]}});
  return a;
}

std::vector<std::array<int, 9>> random_matrices(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::array<int, 9>> ms(n);
  for (auto& m : ms)
    for (auto& x : m) x = static_cast<int>(rng() % 3) - 1;
  return ms;
}

std::int64_t mod(const BigInt& v, std::int64_t P) {
  BigInt r = v % BigInt(static_cast<long>(P));
  if (r < 0) r += BigInt(static_cast<long>(P));
  return r.convert_to<std::int64_t>();
}

/// The row vectors u_j = e_0ᵀ M_1 ⋯ M_j (u[0] = e_0) and the column vectors
/// w_j = M_{j+1} ⋯ M_n e_0 (w[n] = e_0), 0-based: the value is u_j · w_j.
void sides(const std::vector<std::array<int, 9>>& ms, std::vector<std::array<BigInt, 3>>& u,
           std::vector<std::array<BigInt, 3>>& w) {
  const std::size_t n = ms.size();
  u.assign(n + 1, {0, 0, 0});
  w.assign(n + 1, {0, 0, 0});
  u[0] = {1, 0, 0};
  w[n] = {1, 0, 0};
  for (std::size_t t = 0; t < n; ++t)
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 3; ++r) u[t + 1][c] += u[t][r] * ms[t][3 * r + c];
  for (std::size_t t = n; t-- > 0;)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) w[t][r] += ms[t][3 * r + c] * w[t + 1][c];
}

/// |x / gcd(x)|₁ when it is small, else a large number.
long primitive_norm(const std::array<BigInt, 3>& x) {
  const BigInt g = gcd(gcd(abs(x[0]), abs(x[1])), abs(x[2]));
  BigInt s = 0;
  for (const auto& e : x) s += abs(e / g);
  return s > 1000 ? 1000 : s.convert_to<long>();
}

/// The positions j (0-based) where the row vector before M_j and the column
/// vector after it both have primitive parts of 1-norm ≤ 3.
std::vector<std::size_t> small_meetings(const std::vector<std::array<int, 9>>& ms) {
  std::vector<std::array<BigInt, 3>> u, w;
  sides(ms, u, w);
  std::vector<std::size_t> out;
  for (std::size_t j = 0; j < ms.size(); ++j)
    if (primitive_norm(u[j]) <= 3 && primitive_norm(w[j + 1]) <= 3) out.push_back(j);
  return out;
}

/// Whether some invertible matrix in place of M_j makes the value 0.
bool zero_reachable_at(const std::vector<std::array<int, 9>>& ms, std::size_t j) {
  std::vector<std::array<BigInt, 3>> u, w;
  sides(ms, u, w);
  for (int code = 0; code < 19683; ++code) {
    std::array<int, 9> m;
    for (int k = 8, x = code; k >= 0; --k, x /= 3) m[k] = x % 3 - 1;
    if (det(m) == 0) continue;
    BigInt v = 0;
    for (int k = 0; k < 9; ++k)
      if (m[k]) v += m[k] * u[j][k / 3] * w[j + 1][k % 3];
    if (v == 0) return true;
  }
  return false;
}

const std::vector<std::string> kNames = {"imm3:pos", "imm3:zero", "imm3:mod:2", "imm3:mod:3",
                                         "imm3:mod:5", "imm3:mod:6", "imm3:mod:10"};

int modulus(const std::string& name) { return name.starts_with("imm3:mod:") ? std::stoi(name.substr(9)) : 0; }

bool expected(const std::string& name, const reductions::Instance& in) {
  const BigInt v = naive_value(matrices_of(in));
  if (name == "imm3:pos") return v > 0;
  if (name == "imm3:zero") return v == 0;
  return mod(v, modulus(name)) == in.at("residue").get<int>();
}

}  // namespace

TEST_CASE("imm3: the reference solver agrees with full matrix products", "[quick][imm3][reductions]") {
  std::mt19937_64 rng(11);
  for (const auto& name : kNames) {
    INFO(name);
    const auto p = reductions::make_imm3_problem(name);
    REQUIRE(p);
    std::size_t yes = 0;
    for (int k = 0; k < 300; ++k) {
      // singular matrices included; short products often have v = 0
      const auto ms = random_matrices(rng, 1 + rng() % 40);
      reductions::Instance in{{"problem", name}, {"matrices", to_json(ms)}};
      if (modulus(name)) in["residue"] = static_cast<int>(rng() % static_cast<std::uint64_t>(modulus(name)));
      const bool want = expected(name, in);
      REQUIRE(p->solve(in) == want);
      yes += want;
    }
    CHECK(yes > 10);
    CHECK(yes < 290);
  }
}

TEST_CASE("imm3: generated instances have the requested answer and are deterministic", "[quick][imm3][reductions]") {
  for (const auto& name : kNames) {
    INFO(name);
    const auto p = reductions::make_imm3_problem(name);
    const int P = modulus(name);
    for (std::size_t n : {1u, 2u, 3u, 10u, 100u}) {
      std::set<int> residues[2];
      for (std::uint64_t seed = 0; seed < (n == 100 ? 6u : 16u); ++seed)
        for (bool want : {true, false}) {
          INFO("n = " << n << ", seed " << seed << ", yes " << want);
          const auto in = p->generate(n, seed, want);
          p->validate(in);
          const auto ms = matrices_of(in);
          REQUIRE(ms.size() == n);
          REQUIRE(p->solve(in) == want);
          REQUIRE(expected(name, in) == want);
          for (const auto& m : ms) {
            REQUIRE(det(m) != 0);  // generators draw invertible matrices (units mod P for mod:P)
            if (P) REQUIRE(std::gcd(std::abs(det(m)), P) == 1);
          }
          if (P) residues[want].insert(in.at("residue").get<int>());
          CHECK(p->generate(n, seed, want) == in);
        }
      // the residue alone does not tell the answer: it varies in both classes
      if (P && n >= 10) {
        CHECK(residues[0].size() >= 2);
        CHECK(residues[1].size() >= 2);
      }
    }
    CHECK(p->generate(10, 1, true) != p->generate(10, 2, true));
  }
}

TEST_CASE("imm3: zero instances plant the answer at a hidden position, in both classes", "[quick][imm3][reductions]") {
  // The value is u_j · w_{j+1} at every split; random products make both
  // sides large, so a zero (or a near miss) is planted where both are small.
  // That position must not always be the last one (nor always the same),
  // and the no-instances must be built the same way, one matrix away from 0.
  const auto p = reductions::make_imm3_problem("imm3:zero");
  const std::size_t n = 30, trials = 16;
  std::size_t ends_last = 0, first_half = 0, second_half = 0, no_near_miss = 0;
  for (std::uint64_t seed = 0; seed < trials; ++seed) {
    const auto yes = matrices_of(p->generate(n, seed, true));
    REQUIRE(naive_value(yes) == 0);
    const auto at = small_meetings(yes);
    REQUIRE(!at.empty());
    ends_last += at.back() == n - 1;
    (at.front() < n / 2 ? first_half : second_half) += 1;
    const auto no = matrices_of(p->generate(n, seed, false));
    REQUIRE(naive_value(no) != 0);
    const auto no_at = small_meetings(no);
    REQUIRE(!no_at.empty());
    no_near_miss += zero_reachable_at(no, no_at.front());
  }
  CHECK(ends_last <= trials / 2);
  CHECK(first_half >= 3);
  CHECK(second_half >= 3);
  CHECK(no_near_miss == trials);
  // uniform random products of this length have no such position away from the ends
  std::mt19937_64 rng(8);
  std::size_t random_meetings = 0;
  const auto& all = [] {
    std::vector<std::array<int, 9>> v;
    for (int code = 0; code < 19683; ++code) {
      std::array<int, 9> m;
      for (int k = 8, x = code; k >= 0; --k, x /= 3) m[k] = x % 3 - 1;
      if (det(m) != 0) v.push_back(m);
    }
    return v;
  }();
  for (std::size_t k = 0; k < trials; ++k) {
    std::vector<std::array<int, 9>> ms(n);
    for (auto& m : ms) m = all[rng() % all.size()];
    const auto at = small_meetings(ms);
    for (std::size_t j : at)
      if (j >= 5 && j + 6 <= n) {  // away from both ends
        ++random_meetings;
        break;
      }
  }
  CHECK(random_meetings <= 2);
  // with n = 1 the answer is the entry itself: M_00 = 0
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    CHECK(matrices_of(p->generate(1, seed, true))[0][0] == 0);
    CHECK(matrices_of(p->generate(1, seed, false))[0][0] != 0);
  }
}

TEST_CASE("imm3: small primitive sides always admit a zero and a nonzero matrix", "[quick][imm3][reductions]") {
  // what the zero generator relies on when it plants the answer
  std::vector<std::array<int, 3>> small;
  for (int a = -3; a <= 3; ++a)
    for (int b = -3; b <= 3; ++b)
      for (int c = -3; c <= 3; ++c)
        if (std::abs(a) + std::abs(b) + std::abs(c) <= 3 && std::gcd(std::gcd(a, b), c) == 1) small.push_back({a, b, c});
  REQUIRE(small.size() == 50);
  std::vector<std::array<int, 9>> all;
  for (int code = 0; code < 19683; ++code) {
    std::array<int, 9> m;
    for (int k = 8, x = code; k >= 0; --k, x /= 3) m[k] = x % 3 - 1;
    if (det(m) != 0) all.push_back(m);
  }
  REQUIRE(all.size() == 11808);
  std::size_t fewest_zero = all.size(), fewest_nonzero = all.size();
  for (const auto& u : small)
    for (const auto& w : small) {
      std::size_t zero = 0;
      for (const auto& m : all) {
        int v = 0;
        for (int k = 0; k < 9; ++k) v += u[k / 3] * m[k] * w[k % 3];
        zero += v == 0;
      }
      fewest_zero = std::min(fewest_zero, zero);
      fewest_nonzero = std::min(fewest_nonzero, all.size() - zero);
    }
  CHECK(fewest_zero >= 688);
  CHECK(fewest_nonzero >= 688);
}

TEST_CASE("imm3: long zero instances are generated", "[quick][imm3][reductions]") {
  const auto p = reductions::make_imm3_problem("imm3:zero");
  for (std::size_t n : {300u, 1000u})
    for (std::uint64_t seed = 0; seed < 4; ++seed)
      for (bool want : {true, false}) {
        const auto in = p->generate(n, seed, want);
        REQUIRE(matrices_of(in).size() == n);
        REQUIRE(p->solve(in) == want);
      }
}

TEST_CASE("imm3: every construction decides like the reference at exact precision", "[quick][imm3][precision][reductions]") {
  const auto exact = numeric::Precision::parse("exact");
  for (const auto& name : kNames) {
    const auto p = reductions::make_imm3_problem(name);
    const auto& cs = p->info().constructions;
    REQUIRE(cs.size() == (modulus(name) ? 1u : 2u));
    for (const auto& c : cs) {
      INFO(name << " / " << c.name);
      std::size_t count = 0;
      for (std::size_t n : {1u, 2u, 5u, 12u, 25u})
        for (std::uint64_t seed = 0; seed < 12; ++seed) {
          const bool want = seed % 2 == 0;
          const auto in = p->generate(n, seed, want);
          const auto enc = p->encode(in, c.name);
          REQUIRE(enc.tokens.size() == n);
          REQUIRE(std::get<models::LrnnSpec>(enc.model->model).alphabet.size() <= n);
          REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, false) == models::verdict_of(want));
          REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, true) == models::verdict_of(want));
          ++count;
        }
      // uniformly random matrices, singular ones included
      std::mt19937_64 rng(5);
      for (int k = 0; k < 20; ++k) {
        reductions::Instance in{{"problem", name}, {"matrices", to_json(random_matrices(rng, 1 + rng() % 15))}};
        if (modulus(name)) in["residue"] = static_cast<int>(rng() % static_cast<std::uint64_t>(modulus(name)));
        const bool want = expected(name, in);
        const auto enc = p->encode(in, c.name);
        REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, false) == models::verdict_of(want));
        REQUIRE(experiment::decide(*enc.model, enc.tokens, exact, true) == models::verdict_of(want));
        ++count;
      }
      CHECK(count >= 50);
    }
  }
}

TEST_CASE("imm3: the dense and DPLR scores are v and 1/2 - v^2 exactly", "[quick][dplr][imm3][reductions]") {
  std::mt19937_64 rng(3);
  for (const char* name : {"imm3:pos", "imm3:zero"}) {
    const auto p = reductions::make_imm3_problem(name);
    const bool square = std::string(name) == "imm3:zero";
    for (int k = 0; k < 30; ++k) {
      const auto ms = random_matrices(rng, 1 + rng() % 20);
      const reductions::Instance in{{"problem", name}, {"matrices", to_json(ms)}};
      const BigInt v = naive_value(ms);
      const Exact want = square ? Exact(1, 2) - Exact(v * v) : Exact(v);
      for (const char* c : {"dense", "dplr"}) {
        INFO(name << " / " << c);
        const auto enc = p->encode(in, c);
        REQUIRE(std::get<models::LrnnSpec>(enc.model->model).d == (square ? 9u : 3u));
        for (bool parallel : {false, true}) CHECK(models::run_lrnn<Exact>(std::get<models::LrnnSpec>(enc.model->model), enc.tokens, parallel).score == want);
      }
    }
  }
}

TEST_CASE("imm3: wide floats decide long instances, the PD model any precision", "[quick][imm3][precision][reductions]") {
  // entries of M_1 ⋯ M_k are at most 3^k < 2^(1.6 k) (their squares 2^(3.2 k)):
  // with M = 2n + 8 (4n + 8) significand bits and an unbounded exponent the
  // dense products are exact and the DPLR factors' rounding is far below 1/2
  for (const char* name : {"imm3:pos", "imm3:zero"}) {
    const auto p = reductions::make_imm3_problem(name);
    const bool square = std::string(name) == "imm3:zero";
    const std::size_t n = square ? 120 : 200;
    const auto prec = numeric::Precision::parse(fmt::format("float:{}:0", (square ? 4 : 2) * n + 8));
    for (const char* c : {"dense", "dplr"})
      for (std::uint64_t seed = 0; seed < 4; ++seed) {
        INFO(name << " / " << c << " seed " << seed);
        const bool want = seed % 2 == 0;
        const auto in = p->generate(n, seed, want);
        const auto enc = p->encode(in, c);
        CHECK(experiment::decide(*enc.model, enc.tokens, prec, false) == models::verdict_of(want));
        CHECK(experiment::decide(*enc.model, enc.tokens, prec, true) == models::verdict_of(want));
      }
  }
  const auto p = reductions::make_imm3_problem("imm3:mod:7");
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const bool want = seed % 2 == 0;
    const auto in = p->generate(500, seed, want);
    const auto enc = p->encode(in, "pd");
    CHECK(std::get<models::LrnnSpec>(enc.model->model).d <= 343u);
    CHECK(experiment::decide(*enc.model, enc.tokens, numeric::Precision::parse("fp32"), true) == models::verdict_of(want));
  }
}

TEST_CASE("imm3: malformed instances and names are refused with the field named", "[quick][errors][imm3][reductions]") {
  const auto p = reductions::make_imm3_problem("imm3:mod:5");
  const nlohmann::json good = {{"problem", "imm3:mod:5"}, {"matrices", to_json({{1, 0, -1, 0, 1, 0, 1, 1, 0}, {0, 1, 0, 1, 0, 0, 0, 0, 1}})}, {"residue", 3}};
  auto message = [&](const reductions::Instance& in) -> std::string {
    try {
      p->validate(in);
    } catch (const reductions::ProblemError& e) {
      return e.what();
    }
    return "accepted";
  };
  CHECK(message(good) == "accepted");
  auto with = [&](const std::string& key, const nlohmann::json& v) {
    auto in = good;
    in[key] = v;
    return in;
  };
  auto bad_entry = good;
  bad_entry["matrices"][1][1][2] = 2;
  CHECK(message(bad_entry).find("matrices[1][1][2]: expected -1, 0 or 1") != std::string::npos);
  bad_entry["matrices"][1][1][2] = 0.5;
  CHECK(message(bad_entry).find("matrices[1][1][2]") != std::string::npos);
  bad_entry["matrices"][1][1][2] = "1";
  CHECK(message(bad_entry).find("matrices[1][1][2]") != std::string::npos);
  bad_entry["matrices"][1][1][2] = 18446744073709551615ull;  // would wrap to -1 as a signed integer
  CHECK(message(bad_entry).find("matrices[1][1][2]") != std::string::npos);
  auto short_row = good;
  short_row["matrices"][0][2] = {1, 0};
  CHECK(message(short_row).find("matrices[0][2]") != std::string::npos);
  auto two_rows = good;
  two_rows["matrices"][1] = {{1, 0, 0}, {0, 1, 0}};
  CHECK(message(two_rows).find("matrices[1]") != std::string::npos);
  CHECK(message(with("matrices", nlohmann::json::array())).find("matrices") != std::string::npos);
  CHECK(message(with("matrices", 3)).find("matrices") != std::string::npos);
  CHECK(message(with("residue", 5)).find("residue") != std::string::npos);
  CHECK(message(with("residue", -1)).find("residue") != std::string::npos);
  CHECK(message(with("problem", "imm3:pos")).find("problem") != std::string::npos);
  auto no_residue = good;
  no_residue.erase("residue");
  CHECK(message(no_residue).find("residue") != std::string::npos);
  auto no_matrices = good;
  no_matrices.erase("matrices");
  CHECK(message(no_matrices).find("\"matrices\"") != std::string::npos);
  CHECK(message(nlohmann::json::array()).find("object") != std::string::npos);
  CHECK_THROWS_AS(p->solve(bad_entry), reductions::ProblemError);
  CHECK_THROWS_AS(p->encode(good, "dense"), reductions::ProblemError);
  CHECK_THROWS_AS(reductions::make_imm3_problem("imm3:pos")->encode(good, "pd"), reductions::ProblemError);
  // a residue belongs to mod:P instances only
  CHECK_THROWS_AS(reductions::make_imm3_problem("imm3:pos")->validate(with("problem", "imm3:pos")), reductions::ProblemError);
  for (const char* bad : {"imm3", "imm3:", "imm3:neg", "imm3:mod:1", "imm3:mod:12", "imm3:mod:x", "imm3:mod:", "imm3:mod:05",
                          "imm3:mod:2147483648", "imm3:mod:4294967311", "imm3:mod:2147483649", "imm3:mod:-7",
                          "imm3:mod:7:9", "imm3:mod:7:", "imm3:mod:7:01", "imm3:mod:7:a", "imm3:mod:7:1:2"})
    CHECK_THROWS_AS(reductions::make_imm3_problem(bad), reductions::ProblemError);
  CHECK_THROWS_WITH(reductions::make_imm3_problem("imm3:mod:15"), Catch::Contains("P = 15 is not a prime"));
  CHECK_THROWS_WITH(reductions::make_imm3_problem("imm3:mod:2147483648"), Catch::Contains("2^31 or more"));
  for (const char* good : {"imm3:mod:11", "imm3:mod:29", "imm3:mod:2147483647", "imm3:mod:6:8", "imm3:mod:29:0"})
    CHECK(reductions::make_imm3_problem(good) != nullptr);
  // an entry: 0 … 8, and the one the name fixes
  CHECK(message(with("entry", 8)) == "accepted");
  CHECK(message(with("entry", 9)).find("field entry: expected an integer from 0 to 8") != std::string::npos);
  CHECK(message(with("entry", "1")).find("field entry") != std::string::npos);
  auto fixed = with("entry", 3);
  fixed["problem"] = "imm3:mod:5:4";
  CHECK_THROWS_WITH(reductions::make_imm3_problem("imm3:mod:5:4")->validate(fixed), Catch::Contains("queries entry 4"));
  CHECK_THROWS_WITH(reductions::make_imm3_problem("imm3:pos")->validate(nlohmann::json{{"matrices", good["matrices"]}, {"entry", 1}}),
                    Catch::Contains("field entry"));
  CHECK(reductions::make_imm3_problem("word:S5") == nullptr);
  CHECK(reductions::make_imm3_problem("parity") == nullptr);
  CHECK_THROWS_AS(reductions::make_imm3_problem("imm3:pos")->generate(0, 1, true), reductions::ProblemError);
}

TEST_CASE("imm3: mod:P for primes up to 2^31 - 1 and any queried entry, against full products", "[quick][imm3][reductions]") {
  std::mt19937_64 rng(5);
  for (const std::int64_t P : {std::int64_t(11), std::int64_t(29), std::int64_t(65521), std::int64_t(2147483647)}) {
    for (const int k : {-1, 0, 4, 8}) {  // -1: no entry in the name
      const std::string name = fmt::format("imm3:mod:{}{}", P, k < 0 ? "" : fmt::format(":{}", k));
      INFO(name);
      const auto p = reductions::make_imm3_problem(name);
      // the solver on random instances (any residue, any entry the name allows)
      for (int t = 0; t < 60; ++t) {
        const auto ms = random_matrices(rng, 1 + rng() % 30);
        const int entry = k >= 0 ? k : static_cast<int>(rng() % 9);
        const std::int64_t v = mod(naive_value(ms, entry), P);
        reductions::Instance in{{"problem", name}, {"matrices", to_json(ms)}, {"entry", entry}};
        in["residue"] = t % 2 ? v : static_cast<std::int64_t>((v + 1 + rng() % static_cast<std::uint64_t>(P - 1)) % P);
        REQUIRE(p->solve(in) == (t % 2 == 1));
      }
      // generated instances: the requested answer, the name's entry, deterministic, residues in both classes varied
      std::set<std::int64_t> residues[2];
      for (std::size_t n : {1u, 7u, 60u})
        for (std::uint64_t seed = 0; seed < 8; ++seed)
          for (bool want : {true, false}) {
            const auto in = p->generate(n, seed, want);
            p->validate(in);
            REQUIRE(in.contains("entry") == (k >= 0));
            const int entry = in.value("entry", 0);
            REQUIRE(entry == std::max(k, 0));
            REQUIRE((mod(naive_value(matrices_of(in), entry), P) == in.at("residue").get<std::int64_t>()) == want);
            REQUIRE(p->solve(in) == want);
            REQUIRE(p->generate(n, seed, want) == in);
            if (n == 60) residues[want].insert(in.at("residue").get<std::int64_t>());
          }
      CHECK(residues[0].size() >= 4);
      CHECK(residues[1].size() >= 4);
    }
  }
  // small P keeps its generator: entry 0 through the name gives the instances of the plain name
  const auto plain = reductions::make_imm3_problem("imm3:mod:5");
  const auto named = reductions::make_imm3_problem("imm3:mod:5:0");
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    auto in = named->generate(20, seed, seed % 2 == 0);
    CHECK(in.at("entry") == 0);
    in.erase("entry");
    in["problem"] = "imm3:mod:5";
    CHECK(in == plain->generate(20, seed, seed % 2 == 0));
  }
}

TEST_CASE("imm3: the pd construction queries any entry, and refuses what would be too large", "[quick][imm3][reductions]") {
  for (const char* name : {"imm3:mod:5:7", "imm3:mod:11:2", "imm3:mod:3"}) {
    INFO(name);
    const auto p = reductions::make_imm3_problem(name);
    for (std::uint64_t seed = 0; seed < 6; ++seed) {
      const bool want = seed % 2 == 0;
      const auto in = p->generate(40, seed, want);
      const auto enc = p->encode(in, "pd");
      CHECK(experiment::decide(*enc.model, enc.tokens, numeric::Precision::parse("fp32"), true) == models::verdict_of(want));
      CHECK(experiment::decide(*enc.model, enc.tokens, numeric::Precision::parse("exact"), false) == models::verdict_of(want));
    }
  }
  // P = 2^31 - 1: up to P^3 row vectors; the construction is refused with the reason, before any large allocation
  const auto big = reductions::make_imm3_problem("imm3:mod:2147483647");
  const auto in = big->generate(200, 1, true);
  CHECK(big->solve(in));
  CHECK_THROWS_WITH(big->encode(in, "pd"), Catch::Contains("the pd construction needs more than"));
}

TEST_CASE("imm3: the catalog entries name the class and the constructions", "[quick][imm3][reductions]") {
  CHECK(automata::to_string(reductions::make_imm3_problem("imm3:pos")->info().complexity) == "PNC1-complete");
  CHECK(automata::to_string(reductions::make_imm3_problem("imm3:zero")->info().complexity) == "C=NC1-complete");
  const auto m = reductions::make_imm3_problem("imm3:mod:4");
  CHECK(automata::to_string(m->info().complexity) == "NC1-complete");
  CHECK(m->info().family == "imm3:mod:P");
  CHECK(m->info().constructions.at(0).name == "pd");
  for (const char* name : {"imm3:pos", "imm3:zero"}) {
    const auto q = reductions::make_imm3_problem(name);
    const auto& cs = q->info().constructions;
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].name == "dense");
    CHECK(cs[1].name == "dplr");
  }
}
