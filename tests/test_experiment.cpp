// The experiment helpers: length lists and growth-law fits.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "experiment/demo.hpp"
#include "experiment/fit.hpp"
#include "experiment/lengths.hpp"
#include "experiment/suite.hpp"
#include "numeric/limits.hpp"

using namespace parallax;
using experiment::Law;

TEST_CASE("experiment: length lists, geometric and arithmetic ranges", "[quick][experiment]") {
  using V = std::vector<std::size_t>;
  CHECK(experiment::parse_lengths("8,16,32") == V{8, 16, 32});
  CHECK(experiment::parse_lengths("1e6") == V{1000000});
  CHECK(experiment::parse_lengths("8..65536x2").size() == 14);
  CHECK(experiment::parse_lengths("8..65536x2").back() == 65536);
  CHECK(experiment::parse_lengths("10..100000x10") == V{10, 100, 1000, 10000, 100000});
  CHECK(experiment::parse_lengths("3..20x3") == V{3, 9});
  CHECK(experiment::parse_lengths("10..50+10") == V{10, 20, 30, 40, 50});
  CHECK(experiment::parse_lengths("0,1..4+1,1e2") == V{0, 1, 2, 3, 4, 100});
  for (const char* bad : {"", "ten", "8..2", "8..64", "8..64x1", "0..64x2", "1..5+0", "-3", "2.5", "1e12", "64..8x2"}) {
    INFO(bad);
    CHECK_THROWS_AS(experiment::parse_lengths(bad), std::invalid_argument);
  }
  try {
    experiment::parse_lengths("8,1x,16");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("'1x'") != std::string::npos);
  }
}

TEST_CASE("experiment: growth-law fits recover the law that generated the data", "[quick][experiment]") {
  std::vector<double> n;
  for (double v = 16; v <= 65536; v *= 2) n.push_back(v);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> noise(-0.2, 0.2);
  std::vector<double> c, lg, li;
  for (double v : n) {
    c.push_back(7);
    lg.push_back(3 + 2 * std::log2(v) + noise(rng));
    li.push_back(1 + 0.01 * v + noise(rng));
  }
  const auto fc = experiment::best_law(n, c);
  CHECK(fc.law == Law::Constant);
  CHECK(fc.a == Approx(7));
  CHECK(fc.rss == Approx(0).margin(1e-12));
  const auto fl = experiment::best_law(n, lg);
  CHECK(fl.law == Law::Logarithmic);
  CHECK(fl.b == Approx(2).margin(0.05));
  CHECK(fl.a == Approx(3).margin(0.5));
  const auto fn = experiment::best_law(n, li);
  CHECK(fn.law == Law::Linear);
  CHECK(fn.b == Approx(0.01).margin(1e-4));
  // the residual is the sum of squared errors of the reported line
  double rss = 0;
  for (std::size_t i = 0; i < n.size(); ++i) rss += std::pow(lg[i] - (fl.a + fl.b * std::log2(n[i])), 2);
  CHECK(fl.rss == Approx(rss));
  CHECK_THROWS_AS(experiment::best_law({8}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(experiment::fit_laws({0, 8}, {1, 2}), std::invalid_argument);
}

TEST_CASE("experiment: suites refuse nonsense counts and empty lists with file, line and key",
          "[quick][errors][experiment]") {
  struct Case {
    const char* text;
    const char* place;  // FILE:LINE:
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"trials = 0\n", "s.toml:1:", "'trials' must be an integer from 1 to 100000000, got 0"},
      {"trials = -5\n", "s.toml:1:", "'trials' must be an integer from 1"},
      {"trials = 100000001\n", "s.toml:1:", "'trials'"},
      {"trials = \"20\"\n", "s.toml:1:", "'trials'"},
      {"seed = -1\n", "s.toml:1:", "'seed' must be an integer from 0"},
      {"[[reduce]]\nproblem = \"parity\"\nprecision = []\n", "s.toml:3:", "'precision' is an empty list"},
      {"[[solve]]\ncell = \"gru\"\nquick = { length = [] }\n", "s.toml:3:", "'length' is an empty list"},
      {"[[solve]]\ncell = \"gru\"\ngain = nan\n", "s.toml:3:", "'gain' must be a finite number"},
      {"[[solve]]\ncell = \"gru\"\ngain = inf\n", "s.toml:3:", "'gain' must be a finite number"},
      {"[reduce]\nproblem = \"parity\"\n", "s.toml:1:", "write each entry as a [[reduce]] table"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::string msg = "accepted";
    try {
      experiment::parse_suite(c.text, "s.toml");
    } catch (const experiment::SuiteError& e) {
      msg = e.what();
    }
    CHECK(msg.starts_with(c.place));
    CHECK(msg.find(c.expect) != std::string::npos);
  }
  const auto ok = experiment::parse_suite("trials = 100000000\nseed = 0\n[[reduce]]\nproblem = \"parity\"\n", "s.toml");
  CHECK(ok.trials == 100000000u);
  CHECK(ok.entries.size() == 1);
  // the built-in suite passes its own checks
  CHECK_NOTHROW(experiment::parse_suite(experiment::default_suite_toml(), "built-in"));
}

TEST_CASE("experiment: the S5 demo's options are refused by name, and its rows count the words", "[quick][experiment]") {
  namespace demo = experiment::demo;
  CHECK_NOTHROW(demo::Options{}.validate());
  auto refused = [](const demo::Options& o, const std::string& option, const std::string& says) {
    INFO(option << ": " << says);
    try {
      (void)demo::run(o);
      FAIL("accepted");
    } catch (const experiment::OptionError& e) {
      CHECK(e.option == option);
      CHECK(std::string(e.what()).find(says) != std::string::npos);
    }
  };
  demo::Options o;
  o.lengths = {};
  refused(o, "lengths", "--lengths: give at least one length");
  o.lengths = {8, 0};
  refused(o, "lengths", "--lengths: lengths must be positive");
  o = {}, o.precisions = {"fp32", "fp33"};
  refused(o, "precisions", "fp33");
  o = {}, o.models = {"s5", "parity"};
  refused(o, "models", "model 'parity' does not read the S5 generator alphabet [s, c]");
  o = {}, o.lengths = {1000000}, o.trials = 400;
  CHECK_THROWS_AS(o.validate(), limits::LimitError);

  o = {}, o.lengths = {8, 33}, o.trials = 4, o.precisions = {"exact", "log:1"}, o.models = {"s5"};
  std::vector<std::string> seen;
  const auto res = demo::run(o, [&](const std::string& what) { seen.push_back(what); });
  REQUIRE(res.rows.size() == 4);
  CHECK(seen == std::vector<std::string>{"s5 exact n=8", "s5 exact n=33", "s5 log:1 n=8", "s5 log:1 n=33"});
  CHECK_FALSE(res.sequential_parallel_disagree);
  for (const auto& r : res.rows) {
    CHECK(r.model == "s5");
    CHECK(r.trials == 4);
    CHECK(r.correct_sequential == 4);  // the PD LRNN is exact at any precision that holds 0 and 1
    CHECK(r.correct_parallel == 4);
    CHECK(r.undecided == 0);
  }
  CHECK(res.rows[0].precision == "exact");
  CHECK(res.rows[2].precision.rfind("log:1 = ", 0) == 0);  // resolved at the length
}
