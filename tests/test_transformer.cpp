// Transformers (src/models/transformer.*): the JSON file and its error
// messages, hand-built averaging and hard attention checked exactly against
// brute force, masks, softmax and layer norm across precisions, and the
// refusals of precisions without exp or a square root.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <mpfi.h>
#include <nlohmann/json.hpp>

#include "models/transformer.hpp"
#include "numeric/dispatch.hpp"
#include "test_paths.hpp"

using namespace parallax;
using Catch::Matchers::Contains;
using models::AttentionKind;
using models::AttentionMask;
using models::TieBreak;
using models::TransformerError;
using models::TransformerSpec;
using numeric::Exact;
using numeric::Sign;

namespace {

/// vocab {0, 1}; column 0 is the bit, one averaging head with zero query and
/// key weights writes the mean of the bits over the visible keys into
/// column 1; readout column 1 − 1/2 (majority).
TransformerSpec fraction_model(AttentionMask mask) {
  TransformerSpec s = models::make_transformer({"0", "1"}, 2);
  s.name = "fraction";
  s.embedding.at(1, 0) = 1;
  auto& L = models::add_layer(s);
  auto& h = models::add_head(s, L, AttentionKind::Average, mask, 1);
  h.W_V.at(0, 0) = 1;
  h.W_O.at(0, 1) = 1;
  models::set_readout(s, {Exact(0), Exact(1)}, Exact(-1, 2));
  return s;
}

/// Every binary string of length 1 … max_n.
std::vector<std::vector<std::uint32_t>> binary_strings(std::size_t max_n) {
  std::vector<std::vector<std::uint32_t>> r;
  for (std::size_t n = 1; n <= max_n; ++n)
    for (std::uint32_t bits = 0; bits < (1u << n); ++bits) {
      std::vector<std::uint32_t> w(n);
      for (std::size_t i = 0; i < n; ++i) w[i] = (bits >> i) & 1u;
      r.push_back(std::move(w));
    }
  return r;
}

Sign majority(const std::vector<std::uint32_t>& w) {
  long ones = 0;
  for (auto b : w) ones += b;
  const long twice = 2 * ones - static_cast<long>(w.size());
  return twice > 0 ? Sign::Positive : twice < 0 ? Sign::Negative : Sign::Zero;
}

/// vocab {x}; column 0 = 1 (embedding), columns 1 and 2 from the positional
/// table: p_t and t. One hard head with q = 1, k_j = p_j, v_j = j writes the
/// attended position into column 3.
TransformerSpec argmax_model(const std::vector<int>& p, AttentionMask mask, TieBreak tie) {
  TransformerSpec s = models::make_transformer({"x"}, 4);
  s.embedding.at(0, 0) = 1;
  models::set_positions(s, p.size());
  for (std::size_t t = 0; t < p.size(); ++t) {
    s.positions.at(t, 1) = p[t];
    s.positions.at(t, 2) = static_cast<long>(t);
  }
  auto& L = models::add_layer(s);
  auto& h = models::add_head(s, L, AttentionKind::Hard, mask, 1);
  h.tie = tie;
  h.W_Q.at(0, 0) = 1;
  h.W_K.at(1, 0) = 1;
  h.W_V.at(2, 0) = 1;
  h.W_O.at(0, 3) = 1;
  return s;
}

std::size_t line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

/// A valid file, one field per line, that the malformed cases edit.
const std::string kBase = R"({
  "name": "base",
  "vocab": ["0", "1"],
  "d_model": 2,
  "embedding": [[0, 0], [1, 0]],
  "layers": [
    {
      "heads": [
        {
          "attention": "average",
          "mask": "causal",
          "d_head": 1,
          "W_Q": [[0], [0]],
          "W_K": [[0], [0]],
          "W_V": [[1], [0]],
          "W_O": [[0, 1]]
        }
      ]
    }
  ],
  "readout": {"c": [0, 1], "c0": "-1/2"}
}
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    models::transformer_from_json_text(text, "bad.json");
  } catch (const TransformerError& e) {
    return e.what();
  }
  FAIL("no error for:\n" << text);
  return "";
}

std::vector<std::uint32_t> random_tokens(std::mt19937_64& rng, std::size_t n, std::size_t vocab) {
  std::vector<std::uint32_t> w(n);
  for (auto& t : w) t = static_cast<std::uint32_t>(rng() % vocab);
  return w;
}

template <class T>
std::vector<double> scores_of(const models::TransformerRun<T>& run) {
  std::vector<double> r;
  for (const auto& s : run.scores) r.push_back(numeric::to_double(s));
  return r;
}

}  // namespace

TEST_CASE("transformer: JSON round trip", "[quick][json][transformer]") {
  models::RandomTransformerOptions o;
  o.layer_norm = true;
  o.seed = 7;
  TransformerSpec s = models::random_transformer(o);
  s.description = "a round-trip test";
  s.bos = "c";
  s.layers[0].heads[0].kind = AttentionKind::Hard;
  s.layers[0].heads[0].tie = TieBreak::Rightmost;
  s.layers[0].heads[0].scale = Exact(1, 3);
  s.layers[1].heads[1].kind = AttentionKind::Average;
  s.layers[1].heads[1].mask = AttentionMask::Bidirectional;
  s.layers[1].heads[0].W_Q.at(1, 1) = Exact(-7, 1000003);  // not a float: kept as "-7/1000003"
  auto& extra = models::add_layer(s);  // an MLP-only layer
  auto& m = models::add_mlp(s, extra, 3);
  m.W1.at(0, 2) = Exact(5, 2);
  m.b2[3] = Exact(-1, 8);
  extra.norm_mlp = models::make_layer_norm(s, Exact(1, 7));

  const std::string text = models::transformer_to_json(s);
  const TransformerSpec back = models::transformer_from_json_text(text, "rt.json");
  CHECK(back == s);
  CHECK(models::transformer_to_json(back) == text);
  CHECK(text.find("\"-7/1000003\"") != std::string::npos);

  const auto path = std::filesystem::temp_directory_path() / "parallax-transformer-rt.json";
  { std::ofstream(path) << text; }
  CHECK(models::load_transformer(path.string()) == s);
  std::filesystem::remove(path);

  // a shared output projection W_O in the layer reads as per-head blocks
  const TransformerSpec r = models::random_transformer({});
  nlohmann::json j = nlohmann::json::parse(models::transformer_to_json(r));
  for (auto& layer : j["layers"]) {
    nlohmann::json wo = nlohmann::json::array();
    for (auto& head : layer["heads"]) {
      for (auto& row : head["W_O"]) wo.push_back(row);
      head.erase("W_O");
    }
    layer["W_O"] = wo;
  }
  CHECK(models::transformer_from_json_text(j.dump(1), "shared.json") == r);
}

TEST_CASE("transformer: malformed files name the file, line and field", "[quick][errors][transformer]") {
  REQUIRE_NOTHROW(models::transformer_from_json_text(kBase, "bad.json"));

  // unknown field
  std::string t = replaced(kBase, "\"d_head\": 1,", "\"d_head\": 1, \"W_X\": 3,");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/W_X: unknown field", line_of(t, "W_X"))));
  t = replaced(kBase, "\"d_model\": 2,", "\"d_model\": 2, \"depth\": 2,");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /depth: unknown field", line_of(t, "depth"))));

  // bad attention kind, mask and tie rule
  t = replaced(kBase, "\"average\"", "\"sparse\"");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/attention: unknown attention kind \"sparse\"",
                                               line_of(t, "sparse"))));
  t = replaced(kBase, "\"causal\"", "\"sideways\"");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/mask", line_of(t, "sideways"))));
  t = replaced(kBase, "\"d_head\": 1,", "\"d_head\": 1, \"tie\": \"middle\",");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/tie", line_of(t, "middle"))));

  // wrong matrix sizes
  t = replaced(kBase, "\"W_Q\": [[0], [0]]", "\"W_Q\": [[0], [0], [0]]");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/W_Q: is a 3×1 matrix, expected 2×1",
                                               line_of(t, "W_Q"))));
  t = replaced(kBase, "\"W_O\": [[0, 1]]", "\"W_O\": [[0, 1, 2]]");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/W_O: is a 1×3 matrix, expected 1×2",
                                               line_of(t, "W_O"))));
  t = replaced(kBase, "\"embedding\": [[0, 0], [1, 0]]", "\"embedding\": [[0, 0]]");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /embedding: is a 1×2 matrix, expected 2×2", line_of(t, "embedding"))));
  t = replaced(kBase, "\"c\": [0, 1]", "\"c\": [0, 1, 1]");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /readout/c: has 3 values, expected 2", line_of(t, "\"c\""))));

  // bad shapes: ragged rows, a number for a matrix, a bad dimension, a missing field
  t = replaced(kBase, "\"embedding\": [[0, 0], [1, 0]]", "\"embedding\": [[0, 0],\n [1]]");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /embedding/1: row 1 has 1 numbers but row 0 has 2",
                                               line_of(t, "[1]]"))));
  t = replaced(kBase, "\"W_K\": [[0], [0]]", "\"W_K\": 0");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/W_K: expected a matrix", line_of(t, "W_K"))));
  t = replaced(kBase, "\"d_model\": 2", "\"d_model\": 0");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /d_model: expected an integer between 1", line_of(t, "d_model"))));
  t = replaced(kBase, "\"d_head\": 1,", "");
  CHECK_THAT(error_of(t), Contains("field /layers/0/heads/0: missing required field \"d_head\""));
  t = replaced(kBase, "\"W_V\": [[1], [0]]", "\"W_V\": [[\"1/0\"], [0]]");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /layers/0/heads/0/W_V/0/0", line_of(t, "1/0"))));
  t = replaced(kBase, "\"d_model\": 2,", "\"d_model\": 2, \"bos\": \"#\",");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}: field /bos: bos token '#' is not in the vocabulary", line_of(t, "bos"))));

  // malformed JSON and missing files
  t = replaced(kBase, "\"d_head\": 1,", "\"d_head\": 1,,");
  CHECK_THAT(error_of(t), Contains(fmt::format("bad.json:{}:", line_of(t, ",,"))) && Contains("malformed JSON"));
  CHECK_THROWS_WITH(models::load_transformer("/nonexistent/t.json"), Contains("/nonexistent/t.json") && Contains("cannot open"));
}

TEST_CASE("transformer: averaging attention computes the fraction of ones exactly and decides majority", "[quick][transformer]") {
  const TransformerSpec s = fraction_model(AttentionMask::Causal);
  for (const auto& w : binary_strings(10)) {
    long ones = 0;
    for (auto b : w) ones += b;
    const auto run = models::run_transformer<Exact>(s, w);
    INFO("n = " << w.size() << ", ones = " << ones);
    REQUIRE(run.stream.size() == w.size());
    CHECK(run.stream.back()[1] == Exact(ones, static_cast<long>(w.size())));
    CHECK(run.score == Exact(ones, static_cast<long>(w.size())) - Exact(1, 2));
    CHECK(run.accept == majority(w));
  }
  // the same decisions in floats, fixed point and (certified) intervals
  for (const char* spec : {"fp64", "fp32", "bf16", "fixed:8.8", "interval:64", "float:100:15"}) {
    numeric::dispatch(numeric::Precision::parse(spec), [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (const auto& w : binary_strings(8)) {
        INFO(spec << ", n = " << w.size());
        CHECK(models::run_transformer<T>(s, w).accept == majority(w));
      }
    });
  }
}

TEST_CASE("transformer: unique hard attention picks the documented position", "[quick][transformer]") {
  const std::vector<int> p = {2, 7, 1, 7, 3, 9, 9, 4, 0, 9};
  const std::vector<std::uint32_t> w(p.size(), 0);
  for (AttentionMask mask : {AttentionMask::Causal, AttentionMask::Bidirectional}) {
    for (TieBreak tie : {TieBreak::Leftmost, TieBreak::Rightmost}) {
      const TransformerSpec s = argmax_model(p, mask, tie);
      const auto run = models::run_transformer<Exact>(s, w);
      for (std::size_t i = 0; i < p.size(); ++i) {
        const std::size_t keys = mask == AttentionMask::Causal ? i + 1 : p.size();
        std::size_t want = 0;
        for (std::size_t j = 0; j < keys; ++j)
          if (p[j] > p[want] || (p[j] == p[want] && tie == TieBreak::Rightmost)) want = j;
        INFO(models::to_string(mask) << " " << models::to_string(tie) << ", query " << i);
        CHECK(run.stream[i][3] == Exact(static_cast<long>(want)));
      }
      // the scores are small integers: every precision attends to the same position
      for (const char* spec : {"fp32", "fixed:6.2", "interval:24", "bf16"}) {
        numeric::dispatch(numeric::Precision::parse(spec), [&](auto tag) {
          using T = typename decltype(tag)::type;
          const auto r = models::run_transformer<T>(s, w);
          for (std::size_t i = 0; i < p.size(); ++i)
            CHECK(numeric::to_double(r.stream[i][3]) == numeric::to_double(run.stream[i][3]));
        });
      }
    }
  }
  // spot checks of the rule: leftmost of the tied 9s at 5, 6, 9 is 5; rightmost 9
  const auto left = models::run_transformer<Exact>(argmax_model(p, AttentionMask::Bidirectional, TieBreak::Leftmost), w);
  const auto right = models::run_transformer<Exact>(argmax_model(p, AttentionMask::Bidirectional, TieBreak::Rightmost), w);
  CHECK(left.stream[0][3] == 5);
  CHECK(right.stream[0][3] == 9);
}

TEST_CASE("transformer: causal and bidirectional masks differ where they should", "[quick][transformer]") {
  const TransformerSpec causal = fraction_model(AttentionMask::Causal);
  const TransformerSpec bidir = fraction_model(AttentionMask::Bidirectional);
  bool differed = false;
  for (const auto& w : binary_strings(6)) {
    const auto c = models::run_transformer<Exact>(causal, w);
    const auto b = models::run_transformer<Exact>(bidir, w);
    long ones = 0, prefix = 0;
    for (auto x : w) ones += x;
    for (std::size_t i = 0; i < w.size(); ++i) {
      prefix += w[i];
      CHECK(c.stream[i][1] == Exact(prefix, static_cast<long>(i + 1)));       // keys 0 … i
      CHECK(b.stream[i][1] == Exact(ones, static_cast<long>(w.size())));      // every key
      differed = differed || c.stream[i][1] != b.stream[i][1];
    }
    CHECK(c.stream.back()[1] == b.stream.back()[1]);  // the last query sees every key either way
  }
  CHECK(differed);
  const auto c = models::run_transformer<Exact>(causal, {1, 0});
  const auto b = models::run_transformer<Exact>(bidir, {1, 0});
  CHECK(c.stream[0][1] == 1);
  CHECK(b.stream[0][1] == Exact(1, 2));
  CHECK(c.scores[0] == Exact(1, 2));
  CHECK(b.scores[0] == 0);
}

TEST_CASE("transformer: softmax in fp64 agrees with float:100:15 and exact precision refuses it", "[quick][errors][precision][transformer]") {
  std::mt19937_64 rng(11);
  for (bool norm : {false, true}) {
    models::RandomTransformerOptions o;
    o.layer_norm = norm;
    o.seed = norm ? 21 : 20;
    o.mask = norm ? AttentionMask::Bidirectional : AttentionMask::Causal;
    const TransformerSpec s = models::random_transformer(o);
    for (std::size_t n : {1, 2, 5, 16}) {
      const auto w = random_tokens(rng, n, o.vocab);
      std::vector<double> fp64, big, lo, hi, width;
      numeric::dispatch(numeric::Precision::parse("fp64"), [&](auto tag) {
        fp64 = scores_of(models::run_transformer<typename decltype(tag)::type>(s, w));
      });
      numeric::dispatch(numeric::Precision::parse("float:100:15"), [&](auto tag) {
        using T = typename decltype(tag)::type;
        CHECK(std::is_same_v<T, numeric::BigFloat>);
        big = scores_of(models::run_transformer<T>(s, w));
      });
      numeric::dispatch(numeric::Precision::parse("interval:120"), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, numeric::Interval>) {
          for (const auto& x : models::run_transformer<T>(s, w).scores) {
            lo.push_back(x.lower()), hi.push_back(x.upper());
            mpfr_t diam;  // the exact width (lower() and upper() round outward to doubles)
            mpfr_init2(diam, 64);
            mpfi_diam_abs(diam, x.get());
            width.push_back(mpfr_get_d(diam, MPFR_RNDU));
            mpfr_clear(diam);
          }
        }
      });
      REQUIRE(fp64.size() == n);
      REQUIRE(big.size() == n);
      REQUIRE(lo.size() == n);
      for (std::size_t i = 0; i < n; ++i) {
        INFO((norm ? "layer norm, " : "") << "n = " << n << ", position " << i);
        CHECK(std::fabs(fp64[i] - big[i]) <= 1e-12 * std::max(1.0, std::fabs(big[i])));
        // the certified enclosure holds the 100-bit value and is narrow
        const double slack = 1e-14 * std::max(1.0, std::fabs(big[i]));
        CHECK(lo[i] - slack <= big[i]);
        CHECK(big[i] <= hi[i] + slack);
        CHECK(width[i] <= 1e-20 * std::max(1.0, std::fabs(big[i])));
      }
    }
    const std::vector<std::uint32_t> w = {0, 1, 2};
    CHECK_THROWS_WITH(models::run_transformer<Exact>(s, w),
                      Contains("softmax") && Contains("exp") && Contains("precision 'exact'") && Contains("/layers/0/heads/0"));
    CHECK_THROWS_AS(models::run_transformer<Exact>(s, w), TransformerError);
    numeric::dispatch(numeric::Precision::parse("fixed:16.16"), [&](auto tag) {
      using T = typename decltype(tag)::type;
      CHECK_THROWS_WITH(models::run_transformer<T>(s, w), Contains("softmax") && Contains("precision 'fixed'"));
    });
    CHECK_THAT(models::transformer_precision_problem(s, numeric::Precision::parse("exact")), Contains("softmax"));
    CHECK_THAT(models::transformer_precision_problem(s, numeric::Precision::parse("fixed:8.8")), Contains("softmax"));
    CHECK(models::transformer_precision_problem(s, numeric::Precision::parse("bf16")).empty());
    CHECK(models::transformer_precision_problem(s, numeric::Precision::parse("interval:64")).empty());
  }
}

TEST_CASE("transformer: fp32 and fp64 agree on a random 2-layer 2-head transformer", "[quick][precision][transformer]") {
  std::mt19937_64 rng(5);
  for (AttentionKind kind : {AttentionKind::Softmax, AttentionKind::Average}) {
    for (bool norm : {false, true}) {
      models::RandomTransformerOptions o;
      o.layers = 2;
      o.heads = 2;
      o.attention = kind;
      o.layer_norm = norm;
      o.seed = 100 + 2 * static_cast<int>(kind) + norm;
      const TransformerSpec s = models::random_transformer(o);
      for (std::size_t n : {1, 3, 8, 16}) {
        const auto w = random_tokens(rng, n, o.vocab);
        const auto d = models::run_transformer<double>(s, w);
        const auto f = models::run_transformer<float>(s, w);
        for (std::size_t i = 0; i < n; ++i) {
          INFO(models::to_string(kind) << (norm ? " with layer norm" : "") << ", n = " << n << ", position " << i);
          CHECK(std::fabs(double(f.scores[i]) - d.scores[i]) <= 1e-4 * std::max(1.0, std::fabs(d.scores[i])));
          for (std::size_t c = 0; c < s.d_model; ++c)
            CHECK(std::fabs(double(f.stream[i][c]) - d.stream[i][c]) <= 1e-4 * std::max(1.0, std::fabs(d.stream[i][c])));
        }
      }
    }
  }
}

TEST_CASE("transformer: layer norm normalises the stream and needs a square root", "[quick][transformer]") {
  // an MLP-only layer with zero weights followed by a layer norm: x ← LN(x)
  TransformerSpec s = models::make_transformer({"a", "b"}, 3);
  s.embedding.values = {Exact(1), Exact(2), Exact(6), Exact(-1), Exact(0), Exact(1, 2)};
  auto& L = models::add_layer(s);
  models::add_mlp(s, L, 1);
  L.norm_mlp = models::make_layer_norm(s, Exact(1, 1000));
  L.norm_mlp->gain = {Exact(2), Exact(1), Exact(1)};
  L.norm_mlp->bias = {Exact(0), Exact(1), Exact(0)};
  const auto r = models::run_transformer<double>(s, {0, 1});
  for (std::size_t t = 0; t < 2; ++t) {
    const std::vector<double> x = t == 0 ? std::vector<double>{1, 2, 6} : std::vector<double>{-1, 0, 0.5};
    const double mu = (x[0] + x[1] + x[2]) / 3;
    double var = 0;
    for (double v : x) var += (v - mu) * (v - mu) / 3;
    const double g[3] = {2, 1, 1}, b[3] = {0, 1, 0};
    for (std::size_t k = 0; k < 3; ++k) CHECK(r.stream[t][k] == Approx(g[k] * (x[k] - mu) / std::sqrt(var + 1e-3) + b[k]));
  }
  // the certified enclosure holds the fp64 values; the emulated formats are close
  numeric::dispatch(numeric::Precision::parse("interval:80"), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto ri = models::run_transformer<T>(s, {0, 1});
    for (std::size_t t = 0; t < 2; ++t)
      for (std::size_t k = 0; k < 3; ++k) {
        CHECK(numeric::to_double(ri.stream[t][k]) == Approx(r.stream[t][k]).epsilon(1e-14));
      }
  });
  for (const char* spec : {"bf16", "float:60:0"}) {
    numeric::dispatch(numeric::Precision::parse(spec), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const auto re = models::run_transformer<T>(s, {0, 1});
      for (std::size_t t = 0; t < 2; ++t)
        for (std::size_t k = 0; k < 3; ++k) CHECK(numeric::to_double(re.stream[t][k]) == Approx(r.stream[t][k]).epsilon(0.05));
    });
  }
  CHECK_THROWS_WITH(models::run_transformer<Exact>(s, {0}),
                    Contains("/layers/0/norm_mlp") && Contains("square root") && Contains("precision 'exact'"));
  numeric::dispatch(numeric::Precision::parse("fixed:8.8"), [&](auto tag) {
    using T = typename decltype(tag)::type;
    CHECK_THROWS_WITH(models::run_transformer<T>(s, {0}), Contains("square root") && Contains("precision 'fixed'"));
  });
  // without the norm the same model runs exactly
  s.layers[0].norm_mlp.reset();
  CHECK(models::run_transformer<Exact>(s, {1}).stream[0][2] == Exact(1, 2));
}

TEST_CASE("transformer: intervals report an undecided hard-attention comparison", "[quick][interval][report][transformer]") {
  // k_0 = 3 · (1/3) and k_1 = 1 are equal, but 1/3 is not a binary number:
  // its enclosure times 3 overlaps 1 without being the point 1.
  TransformerSpec s = models::make_transformer({"x"}, 4);
  s.embedding.at(0, 0) = 1;
  models::set_positions(s, 2);
  s.positions.at(0, 1) = Exact(1, 3);
  s.positions.at(1, 2) = 1;
  s.positions.at(1, 3) = 1;  // v_1 = 1, v_0 = 0
  for (AttentionKind kind : {AttentionKind::Hard, AttentionKind::Average}) {
    TransformerSpec m = s;
    auto& L = models::add_layer(m);
    auto& h = models::add_head(m, L, kind, AttentionMask::Bidirectional, 1);
    h.W_Q.at(0, 0) = 1;
    h.W_K.at(1, 0) = 3;
    h.W_K.at(2, 0) = 1;
    h.W_V.at(3, 0) = 1;
    h.W_O.at(0, 0) = 1;
    // exactly a tie: hard attention takes the leftmost key (v = 0), average the mean
    const auto ex = models::run_transformer<Exact>(m, {0, 0});
    CHECK(ex.stream[0][0] == (kind == AttentionKind::Hard ? Exact(1) : Exact(3, 2)));
    numeric::dispatch(numeric::Precision::parse("interval:64"), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, numeric::Interval>) {
      CHECK_THROWS_AS(models::run_transformer<T>(m, {0, 0}), models::TransformerUndecided);
      CHECK_THROWS_WITH(models::run_transformer<T>(m, {0, 0}), Contains("undecided") && Contains("/layers/0/heads/0"));
      // one key only (causal query 0) is decided
      m.layers[0].heads[0].mask = AttentionMask::Causal;
      CHECK_THROWS_AS(models::run_transformer<T>(m, {0, 0}), models::TransformerUndecided);  // query 1 still ties
      CHECK(models::run_transformer<T>(m, {0}).stream[0][0].contains(Exact(1)));
      m.layers[0].heads[0].mask = AttentionMask::Bidirectional;
      // a certified gap decides
      m.positions.at(1, 2) = 2;
      const auto r = models::run_transformer<T>(m, {0, 0});
      CHECK(r.stream[0][0].contains(Exact(2)));  // attends to key 1 (v = 1)
      }
    });
  }
}

TEST_CASE("transformer: inputs, bos, max_len and validation errors", "[quick][errors][transformer]") {
  TransformerSpec s = fraction_model(AttentionMask::Causal);
  CHECK_THROWS_WITH(models::run_transformer<Exact>(s, {}), Contains("empty input"));
  CHECK_THROWS_WITH(models::run_transformer<Exact>(s, {0, 2}), Contains("token index 2 at position 1"));
  CHECK(models::parse_transformer_tokens(s, "0110", "--tokens") == std::vector<std::uint32_t>{0, 1, 1, 0});
  CHECK_THROWS_AS(models::parse_transformer_tokens(s, "01x", "--tokens"), TransformerError);
  CHECK(models::token_index(s, "1") == 1);

  // a bos token is position 0: the fraction now counts it as a 0
  s.bos = "0";
  const auto r = models::run_transformer<Exact>(s, {1, 1});
  REQUIRE(r.stream.size() == 3);
  CHECK(r.stream[2][1] == Exact(2, 3));
  CHECK(models::run_transformer<Exact>(s, {}).stream.size() == 1);
  s.max_len = 3;
  CHECK_NOTHROW(models::run_transformer<Exact>(s, {1, 1}));
  CHECK_THROWS_WITH(models::run_transformer<Exact>(s, {1, 1, 1}), Contains("exceeds max_len = 3"));

  TransformerSpec bad = fraction_model(AttentionMask::Causal);
  bad.layers[0].heads[0].W_Q = models::ExactMatrix(3, 1);
  CHECK_THROWS_WITH(models::validate(bad), Contains("/layers/0/heads/0/W_Q") && Contains("expected 2×1"));
  CHECK_THROWS_AS(models::run_transformer<double>(bad, {0}), TransformerError);
  bad = fraction_model(AttentionMask::Causal);
  bad.layers[0].norm_mlp = models::make_layer_norm(bad, Exact(1, 10));
  CHECK_THROWS_WITH(models::validate(bad), Contains("/layers/0/norm_mlp") && Contains("needs an mlp"));
  bad = fraction_model(AttentionMask::Causal);
  bad.vocab[1] = "0";
  CHECK_THROWS_WITH(models::validate(bad), Contains("/vocab/1") && Contains("twice"));
  bad = fraction_model(AttentionMask::Causal);
  models::set_positions(bad, 4);
  bad.max_len = 5;
  CHECK_THROWS_WITH(models::validate(bad), Contains("/max_len"));
}

TEST_CASE("transformer: the documented example file decides majority", "[quick][transformer]") {
  // the first ```json block of docs/transformer-json.md
  std::ifstream in(std::string(parallax_test::source_dir) + "/docs/transformer-json.md");
  REQUIRE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const auto begin = text.find("```json\n");
  REQUIRE(begin != std::string::npos);
  const auto end = text.find("```", begin + 8);
  const TransformerSpec s = models::transformer_from_json_text(text.substr(begin + 8, end - begin - 8), "doc.json");
  CHECK(s.name == "majority");
  for (const auto& w : binary_strings(10)) CHECK(models::run_transformer<Exact>(s, w).accept == majority(w));
}
