// The scan experiment (experiment/scan.hpp) as a library: options refused
// with the field named, results equal to the sequential reference, records
// that read back; and the device side below it (models/lrnn_device.hpp, the
// 16-bit formats of numeric/half.hpp, numeric::dispatch_native), which needs
// no GPU to check.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "experiment/records.hpp"  // RecordFieldError
#include "experiment/scan.hpp"
#include "models/lrnn.hpp"
#include "models/lrnn_device.hpp"
#include "models/transformer.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/half.hpp"

using namespace parallax;
namespace scan = experiment::scan;
using numeric::Exact;

namespace {

std::filesystem::path temp_file(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "parallax-test-scan-experiment";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p;
}

/// The field named by the Error that f throws, with the message checked for `says`.
template <class F>
std::string refused_field(F&& f, const std::string& says) {
  try {
    f();
  } catch (const scan::Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(says) != std::string::npos);
    return e.field;
  }
  FAIL("no scan::Error");
  return "";
}

scan::Options options(const std::string& model, const std::string& tokens) {
  scan::Options o;
  o.model = model;
  o.tokens = tokens;
  return o;
}

/// A random word over the model's alphabet, names separated by spaces.
std::string random_word(const models::LrnnSpec& spec, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string w;
  for (std::size_t t = 0; t < n; ++t) w += (t ? " " : "") + spec.alphabet[rng() % spec.alphabet.size()];
  return w;
}

const char* kMajority = R"({
    "format": "parallax-transformer/1", "name": "majority", "vocab": ["0", "1"], "d_model": 2,
    "embedding": [[0, 0], [1, 0]],
    "layers": [{"heads": [{"attention": "average", "mask": "causal", "d_head": 1,
                           "W_Q": [[0], [0]], "W_K": [[0], [0]], "W_V": [[1], [0]], "W_O": [[0, 1]]}]}],
    "readout": {"c": [0, 1], "c0": "-1/2"}})";

}  // namespace

TEST_CASE("scan experiment: validate names the field and the option at fault", "[quick][scan][experiment][errors]") {
  CHECK(refused_field([] { options("parity", "").validate(); }, "give exactly one input") == "tokens");
  auto o = options("parity", "ab");
  o.random = 3;
  CHECK(refused_field([&] { o.validate(); }, "give exactly one input") == "random");
  o = options("parity", "");
  o.random = 100000000000;
  CHECK(refused_field([&] { o.validate(); }, "--random is 100000000000") == "random");
  o = options("parity", "ab");
  o.threads = 1025;
  CHECK(refused_field([&] { o.validate(); }, "--threads is 1025") == "threads");
  o = options("parity", "ab");
  o.block = 1000000001;
  CHECK(refused_field([&] { o.validate(); }, "--block is 1000000001") == "block");
  o = options("parity", "ab");
  o.algo = kernels::cuda::ScanAlgo::Cub;
  CHECK(refused_field([&] { o.validate(); }, "--algo chooses the scan of --device cuda") == "algo");
  o = options("parity", "ab");
  o.device = scan::Device::Cuda;
  o.parallel = true;
  CHECK(refused_field([&] { o.validate(); }, "--parallel is the CPU's scan") == "parallel");
  o = options("transformer:t.json", "01");
  o.device = scan::Device::Cuda;
  CHECK(refused_field([&] { o.validate(); }, "a transformer has no scan") == "device");
  o = options("transformer:t.json", "");
  o.inputs_file = "x.txt";
  CHECK(refused_field([&] { o.validate(); }, "not --inputs-file") == "inputs_file");
  CHECK_NOTHROW(options("parity", "ab").validate());
}

TEST_CASE("scan experiment: run refuses bad input with the field named", "[quick][scan][experiment][errors]") {
  CHECK(refused_field([] { scan::run(options("no-such-model", "ab")); }, "no-such-model") == "model");
  CHECK(refused_field([] { scan::run(options("parity", "abc")); }, "unknown token 'c'") == "tokens");
  auto o = options("parity", "");
  o.tokens_file = "/nonexistent/tokens.txt";
  CHECK(refused_field([&] { scan::run(o); }, "/nonexistent/tokens.txt: cannot open token file") == "tokens_file");
  o = options("leaky-sum", "");
  o.random = 5;
  CHECK(refused_field([&] { scan::run(o); }, "has no token alphabet") == "random");
  // what the device scans is checked before the device is needed
  o = options("mod3", "ab");
  o.device = scan::Device::Cuda;
  o.precision = numeric::Precision::parse("bf16");
  CHECK(refused_field([&] { scan::run(o); }, "is for diagonal models; model 'mod3' is dense") == "device");
  o.precision = numeric::Precision::parse("exact");
  CHECK(refused_field([&] { scan::run(o); }, "--precision exact: --device cuda runs fp32 and fp64") == "device");
  o = options("s5", "s c");
  o.device = scan::Device::Cuda;
  CHECK(refused_field([&] { scan::run(o); }, "the device's pd scan takes d ≤ 64") == "device");
  o = options("transformer:" + temp_file("majority.json", kMajority).string(), "01");
  o.precision = numeric::Precision::parse("fixed:4.4");
  CHECK_NOTHROW(scan::run(o));
}

TEST_CASE("scan experiment: run equals the sequential reference", "[quick][scan][experiment]") {
  for (const char* name : {"parity", "mod3", "rotation", "s5", "s5-householder"}) {
    const auto spec = models::named_model(name);
    for (std::size_t n : {0, 1, 7, 300}) {
      const std::string word = random_word(spec, n, n + 1);
      const auto tokens = models::parse_tokens(spec, word, "word");
      const auto ref = models::run_lrnn<Exact>(spec, tokens, false);
      for (bool parallel : {false, true}) {
        INFO(name << " n = " << n << (parallel ? " parallel" : " sequential"));
        auto o = options(name, word);
        if (n == 0) o.random = 0;  // the empty input
        o.precision = numeric::Precision::parse("exact");
        o.parallel = parallel;
        o.threads = 2;
        o.block = parallel ? 16 : 0;
        o.show_state = 1000;
        const auto r = scan::run(o);
        CHECK(r.kind == scan::Kind::Lrnn);
        CHECK(r.n == n);
        CHECK(r.d == spec.d);
        CHECK(r.parallel == parallel);
        CHECK(r.score == numeric::to_string(ref.score));
        CHECK(r.verdict == (ref.accept == numeric::Sign::Positive ? "accept" : "reject"));
        REQUIRE(r.state.size() == spec.d);
        CHECK_FALSE(r.state_truncated);
        for (std::size_t i = 0; i < spec.d; ++i) CHECK(r.state[i] == numeric::to_string(ref.h[i]));
      }
      // at fp32, sequentially: the same rounding as the model's own evaluation
      auto o = options(name, word);
      if (n == 0) o.random = 0;
      o.precision = numeric::Precision::parse("fp32");
      o.show_state = 2;
      const auto r = scan::run(o);
      const auto f = models::run_lrnn<float>(spec, tokens, false);
      CHECK(r.score == numeric::to_string(f.score));
      CHECK(r.state.size() == std::min<std::size_t>(2, spec.d));
      CHECK(r.state_truncated == (spec.d > 2));
      CHECK(r.scalar == "fp32");
    }
  }
  // real-valued inputs: leaky-sum is h <- h/2 + x, read exactly
  auto o = options("leaky-sum", "");
  o.inputs_file = temp_file("inputs.txt", "1\n0.5 # half\n\n3\n").string();
  o.precision = numeric::Precision::parse("exact");
  for (bool parallel : {false, true}) {
    o.parallel = parallel;
    const auto r = scan::run(o);
    CHECK(r.n == 3);
    CHECK(r.score == "7/2");
  }
  // log:C is resolved at the input's length
  o = options("parity", "");
  o.random = 300;
  o.precision = numeric::Precision::parse("log:2");
  CHECK(scan::run(o).precision == numeric::Precision::parse("log:2").resolve(300).to_string());
  // a transformer file: the evaluator itself
  const auto file = temp_file("majority.json", kMajority);
  o = options("transformer:" + file.string(), "01101");
  o.precision = numeric::Precision::parse("exact");
  const auto r = scan::run(o);
  const auto spec = models::load_transformer(file.string());
  const auto ref = models::run_transformer<Exact>(spec, models::parse_transformer_tokens(spec, "01101", "t"));
  CHECK(r.kind == scan::Kind::Transformer);
  CHECK(r.score == numeric::to_string(ref.score));
  CHECK(r.score == "1/10");
  CHECK(r.state == std::vector<std::string>{"1", "3/5"});
}

TEST_CASE("scan experiment: records read back from their JSON", "[quick][scan][experiment][store]") {
  auto o = options("mod3", "");
  o.random = 30;
  o.parallel = true;
  o.precision = numeric::Precision::parse("fixed:1.1");
  const auto lrnn = scan::run(o);
  o = options("transformer:" + temp_file("majority.json", kMajority).string(), "0110");
  o.precision = numeric::Precision::parse("interval:12");
  const auto transformer = scan::run(o);
  scan::Record device;
  device.kind = scan::Kind::Device;
  device.model = "parity", device.structure = "diagonal", device.d = 1, device.n = 4;
  device.precision = "bf16", device.scalar = "bf16 inputs, fp32 arithmetic";
  device.algo = "layered", device.gpu = "a GPU";
  device.score = "1", device.verdict = "accept", device.state = {"1"};
  device.kernel_ms = 0.25, device.total_ms = 1.5, device.cpu_seconds = 1e-6;
  device.cpu_max_abs_diff = std::numeric_limits<double>::infinity();  // JSON null

  const std::vector<std::vector<std::string>> fields = {
      {"model", "structure", "d", "n", "precision", "scalar", "mode", "threads", "score", "verdict", "state",
       "state_truncated", "seconds", "events"},
      {"model", "layers", "d_model", "n", "precision", "scalar", "score", "verdict", "stream", "seconds", "events"},
      {"model", "structure", "d", "n", "precision", "scalar", "device", "algo", "gpu", "score", "verdict", "state",
       "state_truncated", "kernel_ms", "total_ms", "cpu_max_abs_diff", "cpu_seconds"}};
  const scan::Record* records[] = {&lrnn, &transformer, &device};
  for (std::size_t k = 0; k < 3; ++k) {
    const auto j = scan::to_json(*records[k]);
    std::vector<std::string> keys;
    for (const auto& [key, value] : j.items()) keys.push_back(key);
    CHECK(keys == fields[k]);
    const auto text = j.dump();
    const auto back = scan::from_json(nlohmann::json::parse(text));
    CHECK(back.kind == records[k]->kind);
    CHECK(back.state == records[k]->state);
    CHECK(back.state_truncated == records[k]->state_truncated);
    CHECK(scan::to_json(back).dump() == text);
  }
  CHECK(lrnn.events == std::vector<std::string>{"saturated"});
  CHECK(scan::to_json(device).dump().find("\"cpu_max_abs_diff\":null") != std::string::npos);
  CHECK(std::isinf(scan::from_json(nlohmann::json::parse(scan::to_json(device).dump())).cpu_max_abs_diff));

  auto bad = nlohmann::json::parse(scan::to_json(lrnn).dump());
  bad["mode"] = "diagonal";
  CHECK_THROWS_WITH(scan::from_json(bad), Catch::Contains("field 'mode'"));
  bad = nlohmann::json::parse(scan::to_json(transformer).dump());
  bad["stream"] = {1, 2};
  CHECK_THROWS_AS(scan::from_json(bad), experiment::RecordFieldError);
  bad.erase("n");
  CHECK_THROWS_WITH(scan::from_json(bad), Catch::Contains("field 'n' is missing"));
}

TEST_CASE("device scan: what the device runs is known without a GPU", "[quick][scan][cuda]") {
  using kernels::cuda::ScanAlgo;
  const auto p = [](const char* s) { return numeric::Precision::parse(s); };
  CHECK_NOTHROW(models::check_device_scan(models::named_model("parity"), p("fp16"), ScanAlgo::Cub));
  CHECK_NOTHROW(models::check_device_scan(models::named_model("s5-householder"), p("fp32"), ScanAlgo::Layered));
  CHECK_THROWS_WITH(models::check_device_scan(models::named_model("rotation"), p("bf16"), ScanAlgo::Layered),
                    Catch::Contains("is for diagonal models"));
  CHECK_THROWS_WITH(models::check_device_scan(models::named_model("mod3"), p("fp64"), ScanAlgo::Cub),
                    Catch::Contains("--algo cub scans diagonal models only"));
  CHECK_THROWS_WITH(models::check_device_scan(models::named_model("s5"), p("fp32"), ScanAlgo::Sequential),
                    Catch::Contains("d ≤ 64"));
  CHECK_THROWS_WITH(models::check_device_scan(models::named_model("parity"), p("float:24:8"), ScanAlgo::Layered),
                    Catch::Contains("runs fp32 and fp64"));
  if (!kernels::cuda::available())
    CHECK_THROWS_AS(models::run_lrnn_device(models::named_model("parity"), {0, 1}, p("fp32"), ScanAlgo::Layered),
                    kernels::cuda::Unavailable);
}

TEST_CASE("dispatch_native: the device's formats as types", "[quick][numeric][precision]") {
  const auto type_of = [](const char* spec) {
    std::string name = "none";
    numeric::dispatch_native(numeric::Precision::parse(spec), [&](auto tag) {
      using T = typename decltype(tag)::type;
      name = std::is_same_v<T, double>           ? "double"
             : std::is_same_v<T, float>          ? "float"
             : std::is_same_v<T, numeric::Bf16> ? "bf16"
                                                 : "fp16";
    });
    return name;
  };
  CHECK(type_of("fp64") == "double");
  CHECK(type_of("fp32") == "float");
  CHECK(type_of("bf16") == "bf16");
  CHECK(type_of("float:8:8") == "bf16");
  CHECK(type_of("fp16") == "fp16");
  CHECK(type_of("float:11:5") == "fp16");
  for (const char* other : {"float:24:8", "exact", "fixed:4.4", "interval:8", "log:2"}) CHECK(type_of(other) == "none");
}

TEST_CASE("half formats: bit patterns of correctly rounded values", "[quick][numeric][precision]") {
  using numeric::Bf16;
  using numeric::Fp16;
  CHECK(numeric::half_bits<Fp16>(Exact(1)) == 0x3c00);
  CHECK(numeric::half_bits<Fp16>(Exact(-2)) == 0xc000);
  CHECK(numeric::half_bits<Fp16>(Exact(1, 3)) == 0x3555);
  CHECK(numeric::half_bits<Fp16>(Exact(65504)) == 0x7bff);
  CHECK(numeric::half_bits<Fp16>(Exact(65520)) == 0x7c00);  // the tie above the largest finite value rounds to inf
  CHECK(numeric::half_bits<Fp16>(Exact(1, 1 << 24)) == 0x0001);
  CHECK(numeric::half_bits<Fp16>(Exact(1, 1 << 25)) == 0x0000);  // a tie to even: zero
  CHECK(numeric::half_bits<Fp16>(Exact(3, 1 << 25)) == 0x0002);
  CHECK(numeric::half_bits<Bf16>(Exact(1)) == 0x3f80);
  CHECK(numeric::half_bits<Bf16>(Exact(1, 3)) == 0x3eab);
  CHECK(numeric::half_bits<Bf16>(Exact(-1, 2)) == 0xbf00);
  // every finite pattern is its own value's rounding; the values are those of float:11:5 and float:8:8
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    for (int f = 0; f < 2; ++f) {
      const float v = f ? numeric::half_value<Bf16>(bits) : numeric::half_value<Fp16>(bits);
      if (!std::isfinite(v) || (v == 0 && (bits & 0x8000))) continue;
      const std::uint16_t again = f ? numeric::half_bits<Bf16>(Exact(v)) : numeric::half_bits<Fp16>(Exact(v));
      if (again != bits) FAIL("pattern " << b << (f ? " bf16" : " fp16") << " reads back as " << again);
    }
  }
}
