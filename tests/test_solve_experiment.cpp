// The solve experiment as a library (experiment/solve.hpp): Options and their
// checks, run() against the sequential recurrence, the hooks, and the
// record's JSON form.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "experiment/records.hpp"
#include "experiment/solve.hpp"
#include "experiment/solve_bench.hpp"
#include "solve/newton.hpp"

using namespace parallax;
namespace xs = parallax::experiment::solve;

namespace {

/// The option an invalid Options names (empty when validate() accepts them).
std::string refused_option(const xs::Options& o, std::string* message = nullptr) {
  try {
    o.validate();
  } catch (const xs::OptionError& e) {
    if (message) *message = e.what();
    return e.option;
  }
  return "";
}

}  // namespace

TEST_CASE("solve experiment: validate() names the offending option", "[quick][solve][errors]") {
  CHECK(refused_option(xs::Options{}).empty());
  struct Case {
    std::function<void(xs::Options&)> set;
    std::string option, text;
  };
  const std::vector<Case> cases = {
      {[](auto& o) { o.tol = 1; }, "tol", "--tol 1: a tolerance of 1 or more"},
      {[](auto& o) { o.hidden = 100000; }, "hidden", "--hidden is 100000, above the limit"},
      {[](auto& o) { o.cell = "gru", o.hidden = 10000; }, "hidden", "a random gru cell of"},
      {[](auto& o) { o.length = 0; }, "length", "--length must be ≥ 1"},
      {[](auto& o) { o.batch = 0; }, "batch", "--batch must be ≥ 1"},
      {[](auto& o) { o.max_iter = 20000000; }, "max-iter", "--max-iter is 20000000"},
      {[](auto& o) { o.gain = -1; }, "gain", "--gain -1"},
      {[](auto& o) { o.sigma2 = 0; }, "sigma2", "--sigma2 0"},
      {[](auto& o) { o.cell = "tanhrnn"; }, "cell", "unknown cell 'tanhrnn'"},
      {[](auto& o) { o.cell = "c.json", o.weights = "w.json"; }, "weights", "--weights goes with a cell kind"},
      {[](auto& o) { o.method = "newtonish"; }, "method", "newtonish"},
      {[](auto& o) { o.init = "jacobi:x"; }, "init", "jacobi:x"},
      {[](auto& o) { o.precision = "exact"; }, "precision", "nonlinear cells need exp and tanh"},
      {[](auto& o) { o.precision = "fp33"; }, "precision", "fp33"},
      {[](auto& o) { o.grad = true, o.precision = "bf16"; }, "grad", "--grad runs in fp64 and fp32"},
      {[](auto& o) { o.reference = "maybe"; }, "reference", "--reference 'maybe'"},
      {[](auto& o) { o.device = "tpu"; }, "device", "--device 'tpu'"},
      {[](auto& o) { o.device = "cuda", o.precision = "bf16"; }, "precision", "--device cuda solves in fp32 and fp64"},
      {[](auto& o) { o.device = "cuda", o.history = true; }, "history", "--history"},
      {[](auto& o) { o.device = "cuda", o.reset = true; }, "device", "--device cuda"},
      {[](auto& o) { o.device = "cuda", o.given.sigma2 = true; }, "sigma2", "ELK's damping"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    xs::Options o;
    cases[i].set(o);
    std::string message;
    CHECK(refused_option(o, &message) == cases[i].option);
    CHECK_THAT(message, Catch::Contains(cases[i].text));
    CHECK_THROWS_AS(xs::run(o), xs::OptionError);  // run() checks first
  }
}

TEST_CASE("solve experiment: a suite entry's keys become Options, errors name the key", "[quick][solve][errors]") {
  auto o = xs::options_from_json(nlohmann::ordered_json::parse(
      R"({"cell": "gru", "hidden": 4, "input_size": 3, "length": [100, 1000, 10], "max-iter": 7, "sigma2": 1e4,
          "check_structure": true, "precision": "fp32"})"));
  CHECK(o.cell == "gru");
  CHECK(o.hidden == 4);
  CHECK(o.input == 3);
  CHECK(o.length == 1000);  // the largest of the list is checked
  CHECK(o.max_iter == 7);
  CHECK(o.sigma2 == 1e4);
  CHECK(o.check_structure);
  CHECK(o.precision == "fp32");
  CHECK(o.given.hidden);
  CHECK(o.given.sigma2);
  CHECK_FALSE(o.given.batch);
  CHECK_NOTHROW(o.validate());

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"cell": "grue"})", "cell"},           {R"({"method": "newt"})", "method"},
      {R"({"precision": "exact"})", "precision"}, {R"({"length": [100, 0]})", "length"},
      {R"({"hidden": 2.5})", "hidden"},           {R"({"max_iter": "x"})", "max_iter"},
      {R"({"grad": 1})", "grad"},                 {R"({"store": "x.sqlite"})", "store"},
  };
  for (const auto& [text, key] : bad) {
    INFO(text);
    try {
      (void)xs::options_from_json(nlohmann::ordered_json::parse(text));
      FAIL("accepted");
    } catch (const xs::OptionError& e) {
      CHECK(e.option == key);
      CHECK_THAT(e.what(), Catch::Contains(key));
    }
  }
  // the suite's wording, which `parallax run` prints after the entry's name
  try {
    (void)xs::options_from_json(nlohmann::ordered_json::parse(R"({"precision": "exact"})"));
  } catch (const xs::OptionError& e) {
    CHECK_THAT(e.what(), Catch::Contains("impossible for a nonlinear cell"));
  }
  // validate() then names keys the entry's reader lets through
  o = xs::options_from_json(nlohmann::ordered_json::parse(R"({"tol": 2})"));
  CHECK(refused_option(o) == "tol");
}

TEST_CASE("solve experiment: run() gives the sequential states, and its hooks store and resume", "[quick][solve]") {
  xs::Options o;
  o.cell = "gru";
  o.hidden = 5;
  o.length = 300;
  o.batch = 2;
  o.method = "deer";
  o.keep_states = true;
  o.reference = "on";
  std::string stored_key;
  nlohmann::json stored_config;
  int stored_records = 0;
  xs::Hooks hooks;
  hooks.stored = [&](const nlohmann::json& config, const std::string& key) -> std::optional<xs::Record> {
    stored_config = config, stored_key = key;
    return std::nullopt;
  };
  hooks.on_record = [&](const std::string& key, const xs::Record&) {
    CHECK(key == stored_key);
    ++stored_records;
  };
  const auto res = xs::run(o, hooks);
  const auto& r = res.record;
  CHECK_FALSE(res.resumed);
  CHECK(stored_records == 1);
  CHECK(stored_key == "solve/T=300");
  CHECK(stored_config.at("cell") == "gru");
  CHECK(stored_config.at("method") == "deer");
  CHECK(r.converged);
  CHECK_FALSE(r.diverged);
  CHECK(r.length == 300);
  CHECK(r.batch == 2);
  CHECK(r.method == "deer");
  CHECK(r.max_error_vs_sequential < 1e-10);
  REQUIRE(r.max_error_vs_reference);
  CHECK(*r.max_error_vs_reference < 1e-10);
  CHECK_FALSE(r.device);

  // the states are the sequential recurrence's, sequence by sequence
  const models::Cell cell = xs::make_cell(o);
  std::size_t batch = o.batch, len = o.length;
  const auto X = xs::make_inputs(o, cell, batch, len);
  const std::size_t n = cell.state_dim(), m = cell.input;
  REQUIRE(res.state_dim == n);
  REQUIRE(res.states.size() == batch * len * n);
  double err = 0;
  for (std::size_t b = 0; b < batch; ++b) {
    const std::vector<double> Xb(X.begin() + b * len * m, X.begin() + (b + 1) * len * m);
    std::vector<double> H;
    parallax::solve::run_sequential(cell, Xb, len, cell.h0, H);
    for (std::size_t i = 0; i < H.size(); ++i) err = std::max(err, std::fabs(H[i] - res.states[b * len * n + i]));
  }
  CHECK(err < 1e-10);

  // a stored record is the result, and nothing is solved or stored again
  hooks.stored = [&](const nlohmann::json&, const std::string&) -> std::optional<xs::Record> { return r; };
  const auto again = xs::run(o, hooks);
  CHECK(again.resumed);
  CHECK(stored_records == 1);
  CHECK(xs::to_json(again.record).dump() == xs::to_json(r).dump());
}

TEST_CASE("solve experiment: the poll runs between iterations and its exception stops the solve", "[quick][solve][errors]") {
  xs::Options o;
  o.cell = "gru";
  o.hidden = 4;
  o.length = 2000;
  o.method = "deer";
  o.threads = 2;
  xs::Hooks hooks;
  int calls = 0, records = 0;
  hooks.on_record = [&](const std::string&, const xs::Record&) { ++records; };
  hooks.poll = [&] { ++calls; };
  const auto plain = xs::run(o, hooks);
  CHECK(plain.record.converged);
  // at least once per iteration (and per slice of each linearisation and block of each scan)
  CHECK(calls > 2 * plain.record.iterations);
  CHECK(records == 1);
  for (const int stop_at : {1, 2, calls / 2}) {
    int n = 0;
    hooks.poll = [&] {
      if (++n == stop_at) throw std::runtime_error("stop");
    };
    CHECK_THROWS_WITH(xs::run(o, hooks), "stop");
    CHECK(n == stop_at);  // nothing polled after the throw
  }
  CHECK(records == 1);  // no record for a stopped solve
}

TEST_CASE("solve experiment: records round-trip through JSON", "[quick][solve][store]") {
  xs::Options o;
  o.cell = "elman";
  o.hidden = 3;
  o.length = 64;
  o.grad = true;
  o.reset = true;
  o.check_structure = true;
  const xs::Record r = xs::run(o).record;
  const auto j = xs::to_json(r);
  for (const char* field : {"cell", "structure", "threads", "residual_history", "lyapunov", "resets", "structure_violation",
                            "gradient_max_diff_vs_bptt", "seconds_gradient_implicit", "speedup"})
    CHECK(j.contains(field));
  CHECK(xs::to_json(xs::record_from_json(j)).dump() == j.dump());

  // a diverged run: non-finite measurements are null, and stay so
  xs::Options d;
  d.cell = "elman", d.hidden = 8, d.gain = 3, d.length = 300, d.method = "deer";
  const xs::Record dr = xs::run(d).record;
  CHECK(dr.diverged);
  REQUIRE(dr.divergence);
  const auto dj = xs::to_json(dr);
  CHECK(xs::to_json(xs::record_from_json(dj)).dump() == dj.dump());

  // a device record (made by hand: no GPU is needed to check its form)
  xs::Record g = r;
  g.device = xs::Record::Device{};
  g.device->gpu = "a GPU";
  g.device->fixed_iters = 3;
  g.device->iterations_per_sequence = {3, 3};
  g.device->ms_adjoint = 1.5;
  g.device->adjoint_max_diff_vs_cpu = 1e-7;
  g.device->ms_adjoint_total = 2.5;
  g.device->seconds_gradient_host = 0.25;
  const auto gj = xs::to_json(g);
  CHECK(gj.begin().key() == "device");
  CHECK_FALSE(gj.contains("residual_history"));
  CHECK(xs::to_json(xs::record_from_json(gj)).dump() == gj.dump());

  // a malformed record names the field
  auto broken = j;
  broken.erase("iterations");
  CHECK_THROWS_WITH(xs::record_from_json(broken), Catch::Contains("iterations"));
  broken = j;
  broken["residual_history"] = "none";
  CHECK_THROWS_AS(xs::record_from_json(broken), experiment::RecordFieldError);
}

TEST_CASE("solve experiment: bench solve runs each configuration through its hook and reads its record", "[quick][solve]") {
  xs::BenchOptions o;
  o.quick = true;
  o.max_length = 100;
  o.threads = {1};
  const auto configs = xs::bench_configs(o);
  REQUIRE_FALSE(configs.empty());
  for (const auto& c : configs) CHECK(c.length == 100);
  const auto args = configs.front().solve_args();
  CHECK(args.front() == "solve");
  CHECK(std::find(args.begin(), args.end(), "--json") != args.end());

  // a fake process: the first configuration prints nothing and fails, the others print a record
  xs::Record r;
  r.cell = "gru", r.method = "deer", r.threads = 7, r.iterations = 4, r.converged = true;
  std::size_t calls = 0, progress = 0;
  xs::BenchHooks hooks;
  hooks.run_solve = [&](const std::vector<std::string>&) {
    return calls++ == 0 ? xs::BenchRun{"", 3, 1.0} : xs::BenchRun{xs::to_json(r).dump() + "\n", 0, 12.34};
  };
  hooks.progress = [&](std::size_t, std::size_t, const std::string&) { ++progress; };
  const auto rows = xs::run_bench(o, hooks);
  REQUIRE(rows.size() == configs.size());
  CHECK(progress == configs.size() + 1);
  const auto failed = xs::to_json(rows[0]);
  CHECK(failed.at("converged") == "failed (exit 3)");
  CHECK(failed.at("iterations").is_null());
  const auto ok = xs::to_json(rows[1]);
  CHECK(ok.at("converged") == "yes");
  CHECK(ok.at("iterations") == 4);
  CHECK(ok.at("threads") == 7);  // the threads the solve used
  CHECK(ok.at("peak_MiB") == 12.3);
  std::vector<std::string> keys;
  for (const auto& [k, v] : ok.items()) keys.push_back(k);
  auto columns = xs::bench_columns();
  std::sort(keys.begin(), keys.end()), std::sort(columns.begin(), columns.end());
  CHECK(keys == columns);

  o.threads = {1, 100000};
  CHECK_THROWS_WITH(xs::run_bench(o, hooks), Catch::Contains("--threads is 100000"));
}
