// Linear RNNs: every structure, sequential vs parallel vs an independent dense
// reference, at every precision; JSON files; the S5 word problem.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "models/lrnn.hpp"
#include "models/model.hpp"
#include "numeric/dispatch.hpp"

using namespace parallax;
using models::LrnnSpec;
using models::ModelError;
using models::Structure;
using models::Transition;
using numeric::Exact;

namespace {

using Mat = std::vector<Exact>;  // d×d row-major

/// A as a dense matrix, written from the structure's definition.
Mat dense_of(const LrnnSpec& s, const Transition& tr) {
  const std::size_t d = s.d;
  Mat A(d * d, Exact(0));
  switch (s.structure) {
    case Structure::Diagonal:
      for (std::size_t i = 0; i < d; ++i) A[i * d + i] = tr.a[i];
      break;
    case Structure::Complex:
      for (std::size_t q = 0; q < d / 2; ++q) {
        const Exact re = tr.a[2 * q], im = tr.a[2 * q + 1];
        A[(2 * q) * d + 2 * q] = re;
        A[(2 * q) * d + 2 * q + 1] = -im;
        A[(2 * q + 1) * d + 2 * q] = im;
        A[(2 * q + 1) * d + 2 * q + 1] = re;
      }
      break;
    case Structure::PermutationDiagonal:
      for (std::size_t j = 0; j < d; ++j) A[tr.p[j] * d + j] += tr.a[j];
      break;
    case Structure::Dense: A = tr.a; break;
    case Structure::Dplr: {
      for (std::size_t i = 0; i < d; ++i) A[i * d + i] = 1;
      for (const auto& f : tr.factors) {
        Mat F(d * d, Exact(0));
        for (std::size_t i = 0; i < d; ++i) F[i * d + i] = f.D[i];
        for (std::size_t q = 0; q < f.u.size(); ++q)
          for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j) F[i * d + j] += f.u[q][i] * f.v[q][j];
        Mat P(d * d, Exact(0));  // F · A
        for (std::size_t i = 0; i < d; ++i)
          for (std::size_t j = 0; j < d; ++j)
            for (std::size_t l = 0; l < d; ++l) P[i * d + j] += F[i * d + l] * A[l * d + j];
        A = P;
      }
      break;
    }
  }
  return A;
}

/// h_n and the score by dense matrix-vector products.
std::pair<std::vector<Exact>, Exact> reference(const LrnnSpec& s, const std::vector<std::uint32_t>& word) {
  std::vector<Mat> As;
  for (const auto& tr : s.tokens) As.push_back(dense_of(s, tr));
  std::vector<Exact> h = s.h0;
  for (auto tok : word) {
    std::vector<Exact> nh = s.tokens[tok].b;
    for (std::size_t i = 0; i < s.d; ++i)
      for (std::size_t j = 0; j < s.d; ++j) nh[i] += As[tok][i * s.d + j] * h[j];
    h = nh;
  }
  Exact score = s.c0;
  for (std::size_t i = 0; i < s.c.size(); ++i) score += s.c[i] * h[i];
  return {h, score};
}

Exact small_rational(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> num(-4, 4), den(1, 4);
  return Exact(num(rng), den(rng));
}

std::vector<Exact> rvec(std::mt19937_64& rng, std::size_t n) {
  std::vector<Exact> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(small_rational(rng));
  return v;
}

/// A random model of the given structure with three tokens.
LrnnSpec random_model(Structure st, std::size_t d, std::mt19937_64& rng) {
  LrnnSpec s;
  s.name = "random-" + models::to_string(st);
  s.structure = st;
  s.d = d;
  s.alphabet = {"x", "y", "z"};
  for (int k = 0; k < 3; ++k) {
    Transition tr;
    tr.b = rvec(rng, d);
    switch (st) {
      case Structure::Diagonal:
      case Structure::Complex: tr.a = rvec(rng, d); break;
      case Structure::PermutationDiagonal:
        tr.a = rvec(rng, d);
        for (std::size_t j = 0; j < d; ++j) tr.p.push_back(static_cast<std::uint32_t>(rng() % d));
        break;
      case Structure::Dense: tr.a = rvec(rng, d * d); break;
      case Structure::Dplr:
        for (int f = 0; f < 2; ++f) {
          models::LowRankFactor F;
          F.D = rvec(rng, d);
          for (int q = 0; q <= f; ++q) F.u.push_back(rvec(rng, d)), F.v.push_back(rvec(rng, d));
          tr.factors.push_back(F);
        }
        break;
    }
    s.tokens.push_back(tr);
  }
  s.h0 = rvec(rng, d);
  s.c = rvec(rng, d);
  s.c0 = small_rational(rng);
  models::validate(s, "random model");
  return s;
}

std::vector<std::uint32_t> random_word(std::mt19937_64& rng, std::size_t n, std::size_t k) {
  std::vector<std::uint32_t> w(n);
  for (auto& x : w) x = static_cast<std::uint32_t>(rng() % k);
  return w;
}

const Structure kAll[] = {Structure::Diagonal, Structure::Complex, Structure::PermutationDiagonal, Structure::Dplr,
                          Structure::Dense};

}  // namespace

TEST_CASE("models: every structure, exact sequential == parallel == dense reference", "[quick][models]") {
  std::mt19937_64 rng(11);
  for (Structure st : kAll) {
    const auto s = random_model(st, 4, rng);
    for (std::size_t n : {0, 1, 2, 7, 40}) {
      const auto w = random_word(rng, n, 3);
      const auto [h_ref, score_ref] = reference(s, w);
      for (bool par : {false, true}) {
        INFO(models::to_string(st) << " n = " << n << (par ? " parallel" : " sequential"));
        const auto run = models::run_lrnn<Exact>(s, w, par, {2, 3});
        CHECK(run.h == h_ref);
        CHECK(run.score == score_ref);
        CHECK((run.accept == numeric::Sign::Positive) == (score_ref > 0));
      }
    }
  }
}

TEST_CASE("models: finite precisions track the exact run, and intervals enclose it", "[quick][interval][models][precision]") {
  std::mt19937_64 rng(12);
  for (Structure st : kAll) {
    auto s = random_model(st, 4, rng);
    // keep the maps contractive so that every format stays in range
    for (auto& tr : s.tokens) {
      for (auto& x : tr.a) x /= 8;
      for (auto& f : tr.factors) {
        for (auto& x : f.D) x /= 8;
        for (auto& u : f.u)
          for (auto& x : u) x /= 8;
      }
    }
    const auto w = random_word(rng, 30, 3);
    const auto exact = models::run_lrnn<Exact>(s, w, false);
    for (const char* spec : {"fp64", "fp32", "float:30:8", "float:80:0", "fixed:8.40", "log:8"}) {
      const auto p = numeric::Precision::parse(spec).resolve(w.size());
      const int bits = p.kind == numeric::Precision::Kind::Fixed ? 40 : p.significand_bits();
      for (bool par : {false, true}) {
        numeric::dispatch(p, [&](auto tag) {
          using T = typename decltype(tag)::type;
          const auto run = models::run_lrnn<T>(s, w, par, {2, 4});
          INFO(models::to_string(st) << " at " << spec << (par ? " parallel" : " sequential"));
          for (std::size_t i = 0; i < s.d; ++i)
            CHECK(std::fabs(numeric::to_double(run.h[i]) - exact.h[i].template convert_to<double>()) <=
                  std::ldexp(1.0, 8 - bits));
        });
      }
    }
    for (bool par : {false, true}) {
      numeric::dispatch(numeric::Precision::parse("interval:24"), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, numeric::Interval>) {
          const auto run = models::run_lrnn<T>(s, w, par, {2, 4});
          for (std::size_t i = 0; i < s.d; ++i) CHECK(run.h[i].contains(exact.h[i]));
          CHECK(run.score.contains(exact.score));
        }
      });
    }
  }
}

TEST_CASE("models: real-valued inputs", "[quick][models]") {
  const auto s = models::named_model("leaky-sum");  // h <- h/2 + x
  std::vector<std::vector<Exact>> xs;
  Exact expect = 0;
  for (int t = 1; t <= 50; ++t) {
    xs.push_back({Exact(t % 7 - 3, 5)});
    expect = expect / 2 + Exact(t % 7 - 3, 5);
  }
  for (bool par : {false, true}) {
    const auto run = models::run_lrnn_inputs<Exact>(s, xs, par, {2, 3});
    CHECK(run.h.at(0) == expect);
  }
  xs.push_back({Exact(1), Exact(2)});
  CHECK_THROWS_AS(models::run_lrnn_inputs<Exact>(s, xs, false), ModelError);
}

TEST_CASE("models: the S5 models decide the word problem like permutation composition", "[quick][models]") {
  const auto gens = models::s5_generators();
  const auto pd = models::named_model("s5");
  const auto hh = models::named_model("s5-householder");
  for (std::size_t n : {8, 9, 64, 301}) {
    for (int k = 0; k < 6; ++k) {
      const bool want = k % 2 == 0;
      const auto w = models::random_group_word(gens, n, want, 100 * n + k);
      REQUIRE(w.size() == n);
      const bool ref = models::group_word_is_identity(gens, w);
      CHECK(ref == want);
      for (bool par : {false, true}) {
        for (const char* spec : {"exact", "fp32", "fixed:2.0", "bf16"}) {
          numeric::dispatch(numeric::Precision::parse(spec), [&](auto tag) {
            using T = typename decltype(tag)::type;
            INFO("n = " << n << " at " << spec << (par ? " parallel" : " sequential"));
            CHECK((models::run_lrnn<T>(pd, w, par, {2, 16}).accept == numeric::Sign::Positive) == ref);
          });
        }
        CHECK((models::run_lrnn<Exact>(hh, w, par, {2, 16}).accept == numeric::Sign::Positive) == ref);
      }
    }
  }
  // s5-all: one token per group element; a word and its inverse word cancel
  const auto all = models::named_model("s5-all");
  REQUIRE(all.d == 120);
  REQUIRE(all.alphabet.size() == 120);
  const auto toks = models::parse_tokens(all, "10234 12340 12340", "--tokens");
  CHECK(models::run_lrnn<double>(all, toks, false).accept == numeric::Sign::Negative);
  const auto back = models::parse_tokens(all, "12340 40123 10234 10234", "--tokens");
  CHECK(models::run_lrnn<double>(all, back, true).accept == numeric::Sign::Positive);
}

TEST_CASE("models: JSON round trip of every named model and of random models", "[quick][json][models]") {
  for (const auto& m : models::named_models()) {
    const auto s = models::named_model(m.name);
    const std::string text = models::lrnn_to_json(s);
    const auto back = models::lrnn_from_json_text(text, m.name + ".json");
    CHECK(models::lrnn_to_json(back) == text);
  }
  std::mt19937_64 rng(13);
  for (Structure st : kAll) {
    const auto s = random_model(st, 4, rng);
    const auto back = models::lrnn_from_json_text(models::lrnn_to_json(s), "random.json");
    const auto w = random_word(rng, 20, 3);
    CHECK(models::run_lrnn<Exact>(back, w, false).h == models::run_lrnn<Exact>(s, w, false).h);
  }
  // save / load through a file
  const auto path = (std::filesystem::temp_directory_path() / "parallax-test-model.json").string();
  models::save_lrnn(models::named_model("mod3"), path);
  const auto loaded = models::load_lrnn(path);
  CHECK(loaded.structure == Structure::Dense);
  CHECK(models::run_lrnn<Exact>(loaded, models::parse_tokens(loaded, "aaba", "--tokens"), false).accept ==
        numeric::Sign::Positive);
  std::filesystem::remove(path);
}

TEST_CASE("models: JSON errors name the file, line and field", "[quick][errors][json][models]") {
  auto err = [](const std::string& text) {
    try {
      models::lrnn_from_json_text(text, "m.json");
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto has = [](const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; };
  std::string e = err("{\n \"structure\": \"diagonal\",\n \"d\": 2\n \"x\": 1}");
  CHECK(has(e, "m.json:4"));
  e = err("{\n \"structure\": \"diagonal\",\n \"d\": \"two\",\n \"alphabet\": [\"a\"]}");
  CHECK(has(e, "m.json:3"));
  CHECK(has(e, "/d"));
  e = err("{\n \"structure\": \"pd\",\n \"d\": 2,\n \"alphabet\": [\"a\"],\n \"transitions\": {\n  \"a\": {\"p\": [0, 2]}\n }\n}");
  CHECK(has(e, "m.json:6"));
  CHECK(has(e, "/transitions/a/p/1"));
  e = err("{\"structure\": \"diagonal\", \"d\": 2, \"alphabet\": [\"a\"], \"transitions\": {\"a\": {\"a\": [1]}}}");
  CHECK(has(e, "/transitions/a/a"));
  CHECK(has(e, "expected 2 values, got 1"));
  e = err("{\"structure\": \"hexagonal\", \"d\": 2}");
  CHECK(has(e, "unknown structure"));
  e = err("{\"structure\": \"diagonal\", \"d\": 1, \"alphabet\": [\"a\"], \"transitions\": {\"a\": {\"a\": [1], \"bb\": [0]}}}");
  CHECK(has(e, "unknown field \"bb\""));
  e = err("{\"structure\": \"diagonal\", \"d\": 1, \"alphabet\": [\"a\"], \"transitions\": {\"a\": {\"a\": [\"1/0\"]}}}");
  CHECK(has(e, "/transitions/a/a/0"));
  e = err("{\"structure\": \"diagonal\", \"d\": 1, \"alphabet\": [\"a\", \"b\"], \"transitions\": {\"a\": {\"a\": [1]}}}");
  CHECK(has(e, "no transition for token 'b'"));
  e = err("{\"structure\": \"complex\", \"d\": 3, \"alphabet\": [\"a\"], \"transitions\": {}}");
  CHECK(has(e, "even d"));
  CHECK_THROWS_AS(models::load_lrnn("/nonexistent/model.json"), ModelError);
  CHECK_THROWS_AS(models::resolve_model("no-such-model"), ModelError);
}

TEST_CASE("models: JSON numbers are exact, and Householder factors default to reflections", "[quick][dplr][json][models]") {
  const auto s = models::lrnn_from_json_text(R"({
    "structure": "dplr", "d": 2, "alphabet": ["r"],
    "transitions": {"r": {"factors": [{"householder": [1, -1]}], "b": [0.1, "1/3"]}},
    "h0": [1, 0], "readout": {"c": [0, 1], "c0": -0.5}
  })", "hh.json");
  const auto run = models::run_lrnn<Exact>(s, std::vector<std::uint32_t>{0}, false);
  // I − k kᵀ with k = (1, −1) swaps the coordinates: (0, 1) + (1/10, 1/3)
  CHECK(run.h[0] == Exact(1, 10));
  CHECK(run.h[1] == Exact(4, 3));
  CHECK(run.score == Exact(4, 3) - Exact(1, 2));
}

TEST_CASE("models: token parsing", "[quick][models]") {
  const auto s = models::named_model("parity");
  CHECK(models::parse_tokens(s, "abba", "--tokens") == std::vector<std::uint32_t>{0, 1, 1, 0});
  CHECK(models::parse_tokens(s, "a b,b\na", "f.txt") == std::vector<std::uint32_t>{0, 1, 1, 0});
  try {
    models::parse_tokens(s, "a b\nb q", "f.txt");
    FAIL("no error");
  } catch (const ModelError& e) {
    CHECK(std::string(e.what()).find("f.txt:2") != std::string::npos);
    CHECK(std::string(e.what()).find("'q'") != std::string::npos);
  }
  const auto s5 = models::named_model("s5");
  CHECK(models::parse_tokens(s5, "scc", "--tokens").size() == 3);
}

TEST_CASE("models: one Model decides by the sign of its readout score", "[quick][models]") {
  using models::Verdict;
  CHECK(models::to_string(Verdict::Accept) == "accept");
  CHECK(models::to_string(Verdict::Reject) == "reject");
  CHECK(models::to_string(Verdict::Undecided) == "undecided");
  CHECK(models::verdict_of(numeric::Sign::Positive) == Verdict::Accept);
  CHECK(models::verdict_of(numeric::Sign::Zero) == Verdict::Reject);
  CHECK(models::verdict_of(numeric::Sign::Negative) == Verdict::Reject);
  CHECK(models::verdict_of(numeric::Sign::Unknown) == Verdict::Undecided);
  CHECK(models::verdict_of(true) == Verdict::Accept);
  CHECK(models::verdict_of(false) == Verdict::Reject);
  const models::Model parity = models::named_model("parity");  // accepts an even number of b
  CHECK(models::has_scan(parity));
  for (bool parallel : {false, true}) {
    const auto even = models::decide<numeric::Exact>(parity, {1, 0, 1}, parallel);
    CHECK(even.verdict == Verdict::Accept);
    REQUIRE(even.score.has_value());
    CHECK(*even.score > 0);
    CHECK(models::decide<double>(parity, {1, 0}, parallel).verdict == Verdict::Reject);
  }
  models::ReluRnn relu;  // h' = relu(h + x), score h - 1/2: accepts once a 1 was read
  relu.d = 1;
  relu.W = {numeric::Exact(1)};
  relu.b = {numeric::Exact(0)};
  relu.u = {numeric::Exact(0)};
  relu.token_input = {{numeric::Exact(0)}, {numeric::Exact(1)}};
  relu.h0 = {numeric::Exact(0)};
  relu.c = {numeric::Exact(1)};
  relu.c0 = numeric::Exact(-1, 2);
  models::validate(relu);
  const models::Model m = relu;
  CHECK_FALSE(models::has_scan(m));
  CHECK(models::decide<numeric::Exact>(m, {0, 1, 0}, false).verdict == Verdict::Accept);
  CHECK(models::decide<numeric::Exact>(m, {0, 0}, true).verdict == Verdict::Reject);
}

TEST_CASE("models: one reader for every model file, and its writer round-trips", "[quick][models][json]") {
  const models::Model lrnn = models::named_model("parity");
  models::RandomTransformerOptions ro;
  ro.seed = 7;
  const models::Model tf = models::random_transformer(ro);
  const models::Model cell = models::random_cell(models::CellKind::Gru, 3, 2, 5, 0.9);
  for (const auto* m : {&lrnn, &tf, &cell}) {
    const std::string text = models::model_to_json(*m);
    const models::Model back = models::model_from_json_text(text, "m.json");
    CHECK(back.index() == m->index());
    CHECK(models::kind_name(back) == models::kind_name(*m));
    CHECK(models::model_to_json(back) == text);
  }
  CHECK(models::kind_name(lrnn) == "lrnn");
  CHECK(models::kind_name(tf) == "transformer");
  CHECK(models::kind_name(cell) == "cell");
  CHECK(std::get<models::TransformerSpec>(models::model_from_json_text(models::model_to_json(tf), "t.json")) ==
        std::get<models::TransformerSpec>(tf));
  // a cell decides nothing
  CHECK_FALSE(models::has_readout(cell));
  CHECK(models::has_readout(lrnn));
  CHECK_THROWS_AS(models::decide<double>(cell, {0, 1}, false), ModelError);
  // a text of no kind names the file and the fields that tell the kinds apart
  try {
    models::model_from_json_text(R"({"name": "x"})", "odd.json");
    FAIL("no error");
  } catch (const ModelError& e) {
    const std::string what = e.what();
    CHECK(what.find("odd.json") != std::string::npos);
    CHECK(what.find("d_model") != std::string::npos);
  }
  // a syntax error is reported with its line
  CHECK_THROWS_WITH(models::model_from_json_text("{\n  \"structure\": ", "bad.json"), Catch::Contains("bad.json:2"));
  // a ReLU RNN has no file format
  models::ReluRnn relu = models::random_relu_rnn(2, 1);
  CHECK_THROWS_AS(models::model_to_json(models::Model(relu)), ModelError);
}
