// The circuit sweep as a library call (experiment/circuit.hpp): options,
// hooks for resume and storing, and records equal to the circuits' own metrics.
#include <catch2/catch.hpp>

#include <map>

#include "circuits/metrics.hpp"
#include "experiment/circuit.hpp"

using namespace parallax;

TEST_CASE("circuit experiment: a sweep measures each length, resumes from the hook and hands new records over",
          "[quick][circuit][experiment]") {
  experiment::circuit::Options o;
  o.model = "lrnn:pd:d=3";
  o.sweep = "16..64";
  o.validate();
  REQUIRE(o.lengths() == std::vector<std::size_t>{16, 32, 64});

  // alone: one row per length, the metrics of the circuit built at that length
  const auto rows = experiment::circuit::run(o);
  REQUIRE(rows.size() == 3);
  for (const auto& r : rows) {
    const auto c = experiment::circuit::build(o.request(), r.length);
    const auto m = circuits::measure(c);
    CHECK(r.model.empty());
    CHECK(r.depth == m.depth);
    CHECK(r.size == m.size);
    CHECK(r.gates == c.size());
  }
  CHECK(rows[0].depth < rows[2].depth);

  // through hooks: n = 32 is "stored" (with a depth no circuit has), the others are measured and handed over
  std::map<std::size_t, experiment::CircuitRecord> handed;
  experiment::circuit::Hooks hooks;
  hooks.stored = [&](std::size_t n) -> std::optional<experiment::CircuitRecord> {
    if (n != 32) return std::nullopt;
    auto r = rows[1];
    r.model = o.model, r.network = o.network, r.fanin = o.fanin;
    r.depth = 999;
    return r;
  };
  hooks.on_record = [&](const experiment::CircuitRecord& r) { handed[r.length] = r; };
  const auto resumed = experiment::circuit::run(o, hooks);
  REQUIRE(resumed.size() == 3);
  CHECK(resumed[1].depth == 999);     // read back, not rebuilt
  CHECK(resumed[1].model.empty());    // a row: the configuration left out
  CHECK(resumed[0].depth == rows[0].depth);
  REQUIRE(handed.size() == 2);
  CHECK(handed.count(32) == 0);
  CHECK(handed.at(16).model == "lrnn:pd:d=3");  // what is stored carries its configuration
  CHECK(handed.at(64).fanin == "bounded");
  CHECK(experiment::circuit_record_from_json(nlohmann::json(experiment::to_json(handed.at(64)))).depth == rows[2].depth);

  // the configuration a store keys the run by
  const auto config = experiment::circuit::config(o);
  CHECK(config.at("model") == "lrnn:pd:d=3");
  CHECK(config.at("network") == "brent-kung");
  CHECK_FALSE(config.contains("model_fnv1a"));  // no file behind the spec
}

TEST_CASE("circuit experiment: bad options name the option", "[quick][circuit][experiment][errors]") {
  experiment::circuit::Options o;
  o.model = "lrnn:pd:d=3";
  o.n = 16;
  o.sweep = "16..64";
  try {
    o.validate();
    FAIL("n and sweep together were accepted");
  } catch (const experiment::OptionError& e) {
    CHECK((e.option == "n" || e.option == "sweep"));
  }
  o.sweep.clear();
  o.fanin = "wide";
  CHECK_THROWS_AS(o.validate(), experiment::OptionError);
  o.fanin = "bounded";
  o.model = "lrnn:nope";
  try {
    o.validate();
    FAIL("a bad model spec was accepted");
  } catch (const experiment::OptionError& e) {
    CHECK(e.option == "model");
  }
}
