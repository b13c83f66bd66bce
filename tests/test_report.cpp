// Tests of `parallax report` (src/report/): stores built record by record
// with a known truth (which cells succeed, which laws generated the depths and
// bits), read back by collect(), and the files written by write_report()
// checked for their structure: the expressivity verdicts and agreements,
// disagreements listed first, the fitted laws, an empty store that says what
// is missing, inline SVG plots, a LaTeX article with booktabs, CSV that
// parses back row for row.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "csv_util.hpp"
#include "experiment/store.hpp"
#include "reductions/problem.hpp"
#include "report/render.hpp"
#include "report/tables.hpp"
#include "report/theory.hpp"

namespace {

namespace fs = std::filesystem;
using parallax_test::parse_csv;
using namespace parallax;
using experiment::Store;
using nlohmann::json;
using nlohmann::ordered_json;
using A = automata::Architecture;

fs::path scratch_dir() {
  static const auto dir = [] {
    auto d = fs::temp_directory_path() / ("parallax-report-test-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string fresh(const std::string& name) {
  const auto p = scratch_dir() / name;
  fs::remove_all(p);
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p.string();
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

/// A reduce accuracy record as `parallax reduce --store` writes it.
ordered_json reduce_record(const std::string& problem, const std::string& construction, std::size_t n,
                           const std::string& precision, std::size_t trials, std::size_t correct) {
  return {{"problem", problem},         {"construction", construction},
          {"n", n},                     {"precision", precision},
          {"trials", trials},           {"yes", trials / 2},
          {"correct", correct},         {"accuracy", double(correct) / double(trials)},
          {"undecided", 0},             {"overflow", false},
          {"scan_checked", true},       {"scan_agree", trials},
          {"ns_per_token", 12.5},       {"max_error", correct == trials ? ordered_json(0.0) : ordered_json(nullptr)},
          {"first_failing_seed", correct == trials ? ordered_json(nullptr) : ordered_json(1234)}};
}

/// One reduce run of (problem, construction): `fail_from` is the first n
/// whose trials are not all correct (0: all correct).
void add_reduce(Store& s, const std::string& problem, const std::string& construction, const std::vector<std::size_t>& ns,
                const std::vector<std::string>& precisions, std::size_t fail_from = 0, std::uint64_t seed = 1) {
  const auto run = s.begin_run("reduce", {{"problem", problem}, {"construction", construction}, {"trials", 10}, {"seed", seed}},
                               "0.1.0", seed);
  for (const auto& p : precisions)
    for (auto n : ns) {
      const bool ok = fail_from == 0 || n < fail_from;
      s.put_result(run, "record", experiment::result_key("record", {{"n", n}, {"precision", p}}),
                   reduce_record(problem, construction, n, p, 10, ok ? 10 : 7));
    }
  s.finish_run(run);
}

const report::Cell& cell(const report::ReportData& d, const std::string& row, automata::Architecture column) {
  for (const auto& r : d.expressivity.rows)
    if (r.name == row)
      for (const auto& c : r.cells)
        if (c.column == column) return c;
  FAIL("no cell " << row << " / " << automata::to_string(column));
  throw 0;
}

/// The store of tests (a) and (b): word:S5 by pd, parity by diag (both all
/// correct) and parity by diag01 failing from n = 64.
std::string agreeing_store(const std::string& name) {
  const auto path = fresh(name);
  auto s = Store::open(path, true);
  add_reduce(s, "word:S5", "pd", {16, 64, 256}, {"exact", "fp32"});
  add_reduce(s, "parity", "diag", {16, 64, 256}, {"fp32"});
  add_reduce(s, "parity", "diag01", {16, 64, 256}, {"fp32"}, 64);
  return path;
}

}  // namespace

TEST_CASE("report: architectures and complexity classes have one name each, in table order", "[quick][report]") {
  std::vector<std::string> keys;
  for (const auto& a : automata::kArchitectures) {
    keys.push_back(automata::to_string(a.architecture));
    CHECK(automata::parse_architecture(a.key) == a.architecture);
  }
  CHECK(keys == std::vector<std::string>{"diag01", "diag11", "complex", "pd", "dplr", "dense", "rnn", "transformer"});
  CHECK_FALSE(automata::parse_architecture("tc0").has_value());
  CHECK(automata::names(A::Transformer).prediction_key == "tc0");
  std::vector<std::string> classes;
  for (const auto& c : automata::kComplexityClasses) {
    classes.push_back(automata::to_string(c.complexity_class));
    CHECK(automata::parse_complexity_class(c.name) == c.complexity_class);
  }
  CHECK(classes == std::vector<std::string>{"AC0", "ACC0", "TC0", "NC1-complete", "C=NC1-complete", "PNC1-complete",
                                            "L-complete", "P-complete"});
  CHECK_FALSE(automata::parse_complexity_class("unknown").has_value());
  CHECK(report::class_text(std::nullopt) == "unknown");
  // every construction of every problem declares a column
  for (const auto& info : reductions::problem_catalog())
    for (const auto& c : info.constructions) CHECK(report::column_of(true, info.name, c.name) == c.architecture);
}

TEST_CASE("report: theory predictions follow the class of the row and the architecture", "[quick][report]") {
  using report::predict;
  // regular rows, from the syntactic monoid
  CHECK(predict("word:S5", A::Pd).verdict == "yes");
  CHECK(predict("word:S5", A::Dense).verdict == "yes");
  CHECK(predict("word:S5", A::Complex).verdict == "no unless TC0 = NC1");
  CHECK(predict("word:S5", A::Transformer).verdict == "no unless TC0 = NC1");
  CHECK(predict("word:S5", A::Diag01).verdict == "no");
  CHECK(predict("parity", A::Diag11).verdict == "yes");
  CHECK(predict("parity", A::Diag01).verdict == "no");
  CHECK(predict("count-mod:3", A::Complex).verdict == "yes");     // abelian group Z3: rotations
  CHECK(predict("count-mod:3", A::Diag11).verdict == "no");       // period 3 needs a non-real eigenvalue
  CHECK(predict("modcount:3", A::Complex).verdict == "yes");      // the problem of the same language
  CHECK(predict("a-star-b-star", A::Complex).verdict == "yes, with several layers");  // star-free
  CHECK_FALSE(predict("a-star-b-star", A::Diag01).covers_one_layer);
  CHECK(predict("word:D5", A::Complex).verdict == "no theorem applies");  // solvable, non-abelian
  // word:G:perm is read as word:G:all, its letters written as permutations
  CHECK(predict("word:S5:perm", A::Pd).verdict == "yes");
  CHECK(predict("word:S5:perm", A::Complex).verdict == "no unless TC0 = NC1");
  CHECK(predict("word:Z6:perm", A::Complex).verdict == "yes");  // abelian: rotations
  CHECK(report::describe_row("word:A5:perm", true).regular);
  // non-regular rows, from their class
  CHECK(predict("majority", A::Diag01).verdict == "yes");
  CHECK(predict("dyck1", A::Rnn).verdict == "yes");
  CHECK(predict("dyck1", A::Pd).verdict == "no theorem applies");
  CHECK(predict("formula", A::Pd).verdict == "yes");
  CHECK(predict("formula", A::Diag11).verdict == "no unless TC0 = NC1");
  CHECK(predict("imm3:pos", A::Dplr).verdict == "yes");
  CHECK(predict("imm3:pos", A::Pd).verdict == "no unless PNC1 = NC1");
  CHECK(predict("imm3:zero", A::Pd).verdict == "no unless C=NC1 = NC1");
  CHECK(predict("imm3:zero", A::Transformer).verdict == "no unless TC0 = C=NC1");
  CHECK(predict("imm3:pos", A::Rnn).verdict.starts_with("yes"));
  CHECK(predict("dgc", A::Rnn).verdict == "yes");
  CHECK(predict("dgc", A::Dense).verdict == "no unless L = PNC1");
  CHECK(predict("cvp", A::Transformer).verdict == "no unless P = TC0");
  CHECK(predict("no-such-thing", A::Pd).verdict == "no theorem applies");
  // every "yes" and "no" carries a citation
  for (const char* row : {"word:S5", "parity", "majority", "imm3:pos", "dgc", "cvp"})
    for (const auto& c : automata::kArchitectures) {
      const auto p = predict(row, c.architecture);
      INFO(row << " / " << c.key);
      if (p.verdict != "no theorem applies") CHECK(p.citation != "-");
    }
  // agreement
  const report::Prediction yes{"yes", "", "x"}, no{"no unless TC0 = NC1", "", "x"}, none{"no theorem applies", "", "-"};
  CHECK(report::agreement("succeeds", yes) == "agrees");
  CHECK(report::agreement("fails", yes) == "DISAGREES");
  CHECK(report::agreement("fails", no) == "agrees");
  CHECK(report::agreement("succeeds", no) == "DISAGREES");
  CHECK(report::agreement("succeeds", none) == "\u2014");
  CHECK(report::agreement("not measured", yes) == "\u2014");
  // columns: the architecture each construction or compiled model declares
  CHECK(report::column_of(true, "majority", "counter") == A::Diag01);
  CHECK(report::column_of(true, "imm3:pos", "dplr") == A::Dplr);
  CHECK(report::column_of(true, "cvp", "relu-rnn-base2") == A::Rnn);
  CHECK(report::column_of(true, "word:S5", "transformer") == A::Transformer);
  CHECK(report::column_of(false, "parity", "wfa") == A::Dplr);
  CHECK(report::column_of(false, "parity", "diag") == A::Diag11);
  CHECK_FALSE(report::column_of(true, "parity", "mystery").has_value());
  CHECK_FALSE(report::column_of(true, "no-such-problem", "pd").has_value());
  CHECK_FALSE(report::column_of(false, "parity", "counter").has_value());  // a construction, not a compiler
}

TEST_CASE("report: the expressivity table has the measured verdicts and they agree with the theory", "[quick][report]") {
  const auto path = agreeing_store("agree.sqlite");
  const auto d = report::collect(Store::open(path, false));
  REQUIRE(d.expressivity.rows.size() == 2);
  // sorted by class: parity (ACC0) before word:S5 (NC1-complete); the class
  // is the problem's own
  CHECK(d.expressivity.rows[0].name == "parity");
  CHECK(d.expressivity.rows[1].name == "word:S5");
  CHECK(report::class_text(d.expressivity.rows[0].complexity) == automata::to_string(reductions::make_problem("parity")->info().complexity));
  CHECK(report::class_text(d.expressivity.rows[1].complexity) == automata::to_string(reductions::make_problem("word:S5")->info().complexity));
  CHECK(d.expressivity.rows[0].cells.size() == automata::kArchitectures.size());

  const auto& s5 = cell(d, "word:S5", A::Pd);
  CHECK(s5.measured == "succeeds");
  CHECK(s5.outcome.starts_with("exact to n = 256 at fp32"));  // finite precision preferred to exact
  CHECK(s5.agreement == "agrees");
  const auto& par = cell(d, "parity", A::Diag11);
  CHECK(par.measured == "succeeds");
  CHECK(par.agreement == "agrees");
  const auto& p01 = cell(d, "parity", A::Diag01);
  CHECK(p01.measured == "fails");
  CHECK(p01.outcome == "fails from n = 64 at fp32");
  CHECK(p01.agreement == "agrees");
  REQUIRE(p01.precisions.size() == 1);
  CHECK(p01.precisions[0].first_failure == 64u);
  CHECK(p01.precisions[0].all_correct == std::vector<bool>{true, false, false});
  CHECK(cell(d, "word:S5", A::Rnn).measured == "not measured");
  CHECK(cell(d, "word:S5", A::Rnn).agreement == "\u2014");
  CHECK(d.expressivity.disagreements.empty());
  // the failing pair has an accuracy curve: 1 at 16, 0.7 after
  REQUIRE(d.accuracy.size() == 1);
  CHECK(d.accuracy[0].construction == "diag01");
  CHECK(d.accuracy[0].series[0].second.back().second == Approx(0.7));
}

TEST_CASE("report: recognize records become language rows, other constructions a note", "[quick][recognize][report]") {
  const auto path = fresh("recognize.sqlite");
  {
    auto s = Store::open(path, true);
    const auto run = s.begin_run("recognize", {{"language", "count-mod:3"}, {"model", "rotation"}, {"seed", 1}}, "0.1.0", 1);
    for (std::size_t n : {10, 100, 1000})
      s.put_result(run, "record", experiment::result_key("record", {{"n", n}, {"precision", "fp32"}}),
                   {{"language", "count-mod:3"}, {"model", "rotation"}, {"n", n}, {"precision", "fp32"}, {"trials", 8},
                    {"accepted", 4}, {"correct", n < 1000 ? 8 : 6}, {"accuracy", n < 1000 ? 1.0 : 0.75}, {"undecided", 0},
                    {"overflow", false}, {"scan_checked", true}, {"scan_agree", 8}, {"ns_per_token", 3.0},
                    {"scan_ns_per_token", 9.0}});
    for (std::size_t n : {10, 100, 1000})
      s.put_result(run, "record", experiment::result_key("record", {{"n", n}, {"precision", "interval:64"}}),
                   {{"language", "count-mod:3"}, {"model", "rotation"}, {"n", n}, {"precision", "interval:64"}, {"trials", 8},
                    {"accepted", 4}, {"correct", 8}, {"accuracy", 1.0}, {"undecided", n == 1000 ? 1 : 0}, {"overflow", false},
                    {"scan_checked", true}, {"scan_agree", 8}, {"ns_per_token", 3.0}, {"scan_ns_per_token", 9.0}});
    s.finish_run(run);
    add_reduce(s, "parity", "mystery", {16, 64}, {"fp32"});
  }
  const auto d = report::collect(Store::open(path, false));
  // parity has only records of a construction outside the columns: no row
  REQUIRE(d.expressivity.rows.size() == 1);
  CHECK(d.expressivity.rows[0].name == "count-mod:3");
  CHECK_FALSE(d.expressivity.rows[0].is_problem);
  CHECK(d.expressivity.rows[0].complexity == automata::ComplexityClass::ACC0);
  const auto& c = cell(d, "count-mod:3", A::Complex);
  // fp32 fails at 1000 and the interval run leaves one trial undecided there
  CHECK(c.measured == "fails");
  CHECK(c.outcome == "fails from n = 10^3 at interval:64");  // a tie goes to the exact arithmetic
  CHECK(c.agreement == "DISAGREES");                         // an abelian group: rotations should do it
  REQUIRE(d.notes.size() == 1);
  CHECK(has(d.notes[0], "mystery (2 records)"));
  CHECK(d.accuracy.size() == 1);  // count-mod:3 / rotation; parity / mystery never fails
}

TEST_CASE("report: a wrong outcome is a disagreement, listed first under the table", "[quick][report]") {
  const auto path = agreeing_store("disagree.sqlite");
  {
    auto s = Store::open(path, false);
    // a fabricated success that the theory rules out: S5 by diagonal [0,1]
    add_reduce(s, "word:S5", "diag01", {16, 64}, {"fp32"});
    // and one that succeeds at exact but fails at fp32 (still "succeeds")
    add_reduce(s, "word:S5", "householder", {16, 64}, {"exact"});
    add_reduce(s, "word:S5", "householder", {16, 64}, {"fp32"}, 64, 2);
  }
  const auto d = report::collect(Store::open(path, false));
  REQUIRE(d.expressivity.disagreements.size() == 1);
  CHECK(d.expressivity.disagreements[0].row == "word:S5");
  CHECK(d.expressivity.disagreements[0].column == A::Diag01);
  CHECK(cell(d, "word:S5", A::Diag01).agreement == "DISAGREES");
  const auto& hh = cell(d, "word:S5", A::Dplr);
  CHECK(hh.measured == "succeeds");
  CHECK(has(hh.outcome, "exact to n = 64 at exact"));
  CHECK(has(hh.outcome, "fails from n = 64 at fp32"));

  const auto out = fresh("disagree-out");
  report::ReportOptions o;
  o.out_dir = out;
  o.plots = false;
  const auto files = report::write_report(d, o);
  CHECK(files.disagreements == 1);
  const auto md = slurp(fs::path(out) / "report.md");
  const auto table_end = md.find("| word:S5 |");
  const auto dis = md.find("**DISAGREES** \u2014 word:S5 \u00d7 diagonal [0,1]");
  REQUIRE(table_end != std::string::npos);
  REQUIRE(dis != std::string::npos);
  CHECK(table_end < dis);
  CHECK(dis < md.find("### Citations"));
  CHECK(dis < md.find("## Circuit depth"));
  CHECK(has(md, "plots were not made: --no-plots was given"));
}

TEST_CASE("report: depth and minimum-bits laws are recovered from exact synthetic data", "[quick][min-bits][precision][report]") {
  const auto path = fresh("laws.sqlite");
  {
    auto s = Store::open(path, true);
    const auto run = s.begin_run("circuit", {{"model", "lrnn:pd:d=5"}, {"network", "tree"}, {"fanin", "bounded"}, {"seed", 1}},
                                 "0.1.0", 1);
    for (std::size_t n = 16; n <= 65536; n *= 4) {
      const double lg = std::log2(double(n));
      s.put_result(run, "circuit", experiment::result_key("circuit", {{"n", n}}),
                   {{"model", "lrnn:pd:d=5"}, {"network", "tree"}, {"fanin", "bounded"}, {"n", n}, {"size", 7 * n - 2},
                    {"depth", 3 + 2 * lg}, {"depth_bounded", true}, {"mult_depth", lg}, {"max_fanin", 2}, {"gates", 7 * n - 2},
                    {"mbytes", 0.5}, {"seconds", 0.01}});
    }
    const auto r2 = s.begin_run("reduce", {{"problem", "imm3:pos"}, {"construction", "dense"}, {"seed", 1}}, "0.1.0", 1);
    for (std::size_t n : {8, 16, 32, 64}) {
      ordered_json mb{{"n", n}, {"records", ordered_json::array()}};
      mb["records"].push_back({{"n", n}, {"arithmetic", "float"}, {"mode", "sequential"}, {"min_bits", n + 3},
                               {"precision", "float:" + std::to_string(n + 3) + ":10"}, {"overflow", false}});
      mb["records"].push_back({{"n", n}, {"arithmetic", "float"}, {"mode", "scan"}, {"min_bits", nullptr},
                               {"precision", "float:2048:10"}, {"overflow", false}});
      s.put_result(r2, "min-bits", "min-bits/n=" + std::to_string(n), mb);
      s.put_result(r2, "record", experiment::result_key("record", {{"n", n}, {"precision", "exact"}}),
                   reduce_record("imm3:pos", "dense", n, "exact", 10, 10));
    }
  }
  const auto d = report::collect(Store::open(path, false));
  REQUIRE(d.depth.size() == 1);
  REQUIRE(d.depth[0].depth_law);
  CHECK(d.depth[0].depth_law->law == experiment::Law::Logarithmic);
  CHECK(d.depth[0].depth_law->b == Approx(2).margin(1e-9));
  CHECK(d.depth[0].depth_law->a == Approx(3).margin(1e-9));
  REQUIRE(d.depth[0].size_law);
  CHECK(d.depth[0].size_law->law == experiment::Law::Linear);
  CHECK(d.depth[0].size_law->b == Approx(7).margin(1e-9));
  CHECK(d.depth[0].depth.size() == 7);

  REQUIRE(d.precision.size() == 2);  // (float, scan) and (float, sequential)
  const auto& seq = d.precision[0].mode == "sequential" ? d.precision[0] : d.precision[1];
  const auto& scan = d.precision[0].mode == "sequential" ? d.precision[1] : d.precision[0];
  REQUIRE(seq.law);
  CHECK(seq.law->law == experiment::Law::Linear);
  CHECK(seq.law->b == Approx(1).margin(1e-9));
  CHECK(seq.law->a == Approx(3).margin(1e-9));
  CHECK_FALSE(scan.law);  // no width found at any n
  const auto& c = cell(d, "imm3:pos", A::Dense);
  CHECK(c.measured == "succeeds");
  CHECK(has(c.outcome, "min bits \u2248 1.00\u00b7n + 3"));
  CHECK(c.agreement == "agrees");
  CHECK(report::law_text({experiment::Law::Logarithmic, -1.5, 2, 0}) == "2.00\u00b7log2 n \u2212 1.50");
  CHECK(report::format_n(1000000) == "10^6");
  CHECK(report::format_n(1u << 20) == "2^20");
  CHECK(report::format_n(4096) == "4096");
}

TEST_CASE("report: an empty store gives every format, saying what is missing", "[quick][report][store]") {
  const auto path = fresh("empty.sqlite");
  Store::open(path, true);
  const auto d = report::collect(Store::open(path, false));
  CHECK(d.expressivity.rows.empty());
  CHECK(d.missing.size() == 5);
  const auto out = fresh("empty-out");
  report::ReportOptions o;
  o.out_dir = out + "/nested/dir";  // created
  const auto files = report::write_report(d, o);
  CHECK(files.disagreements == 0);
  CHECK_FALSE(files.plots_made);
  for (const char* f : {"report.md", "report.html", "report.tex", "expressivity.csv", "depth.csv", "precision.csv",
                        "steps.csv", "newton.csv"}) {
    INFO(f);
    CHECK(fs::exists(fs::path(o.out_dir) / f));
  }
  for (const char* f : {"report.md", "report.html"}) {
    const auto text = slurp(fs::path(o.out_dir) / f);
    INFO(f);
    CHECK(has(text, "no circuit sweeps in this store: the depth table is empty"));
    CHECK(has(text, "the expressivity table is empty"));
    CHECK(has(text, "the precision table is empty"));
    CHECK(has(text, "the per-position table is empty"));
    CHECK(has(text, "the Newton table is empty"));
    CHECK(has(text, "no plots: the store has no data to plot"));
  }
  const auto tex = slurp(fs::path(o.out_dir) / "report.tex");
  CHECK(has(tex, "no circuit sweeps in this store: the depth table is empty"));
  CHECK(has(tex, "\\end{document}"));
  for (const char* f : {"expressivity.csv", "depth.csv", "precision.csv", "steps.csv", "newton.csv"})
    CHECK(parse_csv(slurp(fs::path(o.out_dir) / f)).size() == 1);  // the header only
}

TEST_CASE("report: stepwise problems get their accuracy per position and first wrong position",
          "[quick][report][steps]") {
  const auto path = fresh("steps.sqlite");
  {
    auto s = Store::open(path, true);
    // (row, construction, precision) over two runs of two seeds: positions
    // summed, the first wrong position the smaller
    auto with_steps = [](ordered_json r, const char* check, std::size_t positions, std::size_t correct,
                         std::optional<std::size_t> first_wrong) {
      r["step_check"] = check;
      r["step_positions"] = positions;
      r["step_correct"] = correct;
      r["step_accuracy"] = double(correct) / double(positions);
      r["first_wrong_step"] = first_wrong ? ordered_json(*first_wrong) : ordered_json(nullptr);
      return r;
    };
    for (std::uint64_t seed : {1, 2}) {
      const auto run = s.begin_run("reduce", {{"problem", "modcount:7"}, {"construction", "rotation"}, {"seed", seed}}, "0.1.0", seed);
      for (std::size_t n : {100, 3000}) {
        const bool late = n == 3000;
        s.put_result(run, "record", experiment::record_key(n, "exact"),
                     with_steps(reduce_record("modcount:7", "rotation", n, "exact", 10, 10), "decision", 10 * n, 10 * n, {}));
        s.put_result(run, "record", experiment::record_key(n, "float:8:8"),
                     with_steps(reduce_record("modcount:7", "rotation", n, "float:8:8", 10, 10), "decision", 10 * n,
                                late ? 10 * n - 100 * seed : 10 * n, late ? std::optional<std::size_t>(700 + seed) : std::nullopt));
      }
      s.finish_run(run);
    }
    // a transformer: no output per position; an old record of a stepwise problem: no check at all
    const auto run = s.begin_run("reduce", {{"problem", "parity"}, {"construction", "transformer"}, {"seed", 1}}, "0.1.0", 1);
    auto none = reduce_record("parity", "transformer", 16, "fp32", 10, 10);
    none["step_check"] = "none";
    s.put_result(run, "record", experiment::record_key(16, "fp32"), none);
    s.put_result(run, "record", experiment::record_key(16, "exact"), reduce_record("parity", "transformer", 16, "exact", 10, 10));
    s.finish_run(run);
  }
  const auto d = report::collect(Store::open(path, false));
  CHECK(!d.missing.count("steps"));
  REQUIRE(d.steps.size() == 3);
  const auto& ex = d.steps[0];
  CHECK(ex.row == "modcount:7");
  CHECK(ex.precision == "exact");
  CHECK(ex.check == "decision");
  REQUIRE(ex.points.size() == 2);
  CHECK(ex.points[1].positions == 2 * 30000);
  CHECK(ex.points[1].correct == 2 * 30000);
  CHECK(!ex.points[1].first_wrong);
  const auto& low = d.steps[1];
  CHECK(low.precision == "float:8:8");
  CHECK(low.points[0].correct == low.points[0].positions);
  CHECK(low.points[1].correct == 2 * 30000 - 300);
  CHECK(low.points[1].first_wrong == std::optional<std::size_t>(701));
  CHECK(d.steps[2].row == "parity");
  CHECK(d.steps[2].check == "none");
  CHECK(d.steps[2].precision == "fp32");  // the old exact record has no check and no line
  const auto out = fresh("steps-out");
  report::ReportOptions o;
  o.out_dir = out;
  o.plots = false;
  report::write_report(d, o);
  const auto md = slurp(fs::path(out) / "report.md");
  CHECK(has(md, "## Stepwise problems: accuracy per position"));
  CHECK(has(md, "3000: 0.9950 (t = 701)"));
  CHECK(has(md, "100: 1 (none wrong)"));
  CHECK(has(md, "only the final decision is checked"));
  const auto csv = parse_csv(slurp(fs::path(out) / "steps.csv"));
  REQUIRE(csv.size() == 1 + 5);
  CHECK(csv[0] == std::vector<std::string>{"row", "construction", "readout", "precision", "n", "positions", "correct",
                                           "step_accuracy", "first_wrong_step"});
  CHECK(csv[4] == std::vector<std::string>{"modcount:7", "rotation", "decision", "float:8:8", "3000", "60000", "59700",
                                           "0.995", "701"});
  CHECK(csv[5][2] == "none");
  CHECK(csv[5][5].empty());
}

TEST_CASE("report: HTML with inline SVG, a standalone LaTeX article, Markdown and CSV tables", "[quick][report]") {
  const auto path = agreeing_store("formats.sqlite");
  {
    auto s = Store::open(path, false);
    const auto run = s.begin_run("circuit", {{"model", "lrnn:diag:d=2"}, {"network", "tree"}, {"fanin", "unbounded"}, {"seed", 7}},
                                 "0.1.0", 7);
    for (std::size_t n : {16, 64, 256})
      s.put_result(run, "circuit", "circuit/n=" + std::to_string(n),
                   {{"model", "lrnn:diag:d=2"}, {"network", "tree"}, {"fanin", "unbounded"}, {"n", n}, {"size", 3 * n},
                    {"depth", 4}, {"depth_bounded", false}, {"mult_depth", 1}, {"max_fanin", n}, {"gates", 3 * n},
                    {"mbytes", 0.1}, {"seconds", 0.001}});
    s.finish_run(run);
    const auto solve = s.begin_run("solve", {{"cell", "gru"}, {"seed", 7}}, "0.1.0", 7);
    for (std::size_t t : {1000, 10000})
      s.put_result(solve, "solve", "solve/T=" + std::to_string(t),
                   {{"cell", "gru"}, {"hidden", 8}, {"input", 2}, {"structure", "dense"}, {"length", t}, {"batch", 1},
                    {"method", "deer"}, {"init", "zeros"}, {"precision", "fp64"}, {"tol", 1e-9}, {"threads", 2},
                    {"iterations", t == 1000 ? 6 : 8}, {"converged", true}, {"diverged", false}, {"stalled", false},
                    {"residual", 1e-12}, {"residual_history", {1.0, 1e-12}}, {"max_error_vs_sequential", 2e-15},
                    {"max_error_vs_reference", nullptr}, {"lyapunov", -0.3}, {"seconds_sequential", 0.01 * double(t) / 1000},
                    {"seconds_solve", 0.004 * double(t) / 1000}, {"speedup", 2.5}});
    const auto suite = s.begin_run("suite", {{"name", "smoke"}}, "0.1.0", 0);
    s.put_result(suite, "suite", "suite",
                 {{"name", "smoke"}, {"source", "built-in"}, {"quick", true}, {"toml", "# x"}, {"entries", 3}, {"units", 4},
                  {"jobs", 1}, {"wall_seconds", 2.5}, {"failed_units", 0}});
  }
  const auto store = Store::open(path, false);
  const auto d = report::collect(store);
  REQUIRE(d.newton.size() == 2);
  CHECK(d.newton[0].status == "converged");
  CHECK(has(d.newton_summary, "2 solves: 2 converged"));
  CHECK(d.depth[0].depth_law->law == experiment::Law::Constant);

  const auto out = fresh("formats-out");
  report::ReportOptions o;
  o.out_dir = out;
  o.title = "Smoke & mirrors: 100% _of_ {it}";
  const auto files = report::write_report(d, o);
  const auto md = slurp(fs::path(out) / "report.md");
  const auto html = slurp(fs::path(out) / "report.html");
  const auto tex = slurp(fs::path(out) / "report.tex");

  // provenance, in every format: version, suite, seeds, host, store path
  std::set<std::string> hosts;
  for (const auto& r : store.runs()) hosts.insert(r.host);
  for (const auto* text : {&md, &html, &tex}) {
    CHECK(has(*text, "Parallax " + d.provenance.parallax_version));
    CHECK(has(*text, "runs written by parallax 0.1.0"));
    CHECK(has(*text, "smoke"));
    for (const auto& h : hosts) CHECK(has(*text, h));
  }
  REQUIRE(d.provenance.suite);
  CHECK(d.provenance.suite->units == 4);
  CHECK(has(md, "Suite: smoke (source built-in, quick)"));
  CHECK(has(md, "Seeds: 0, 1, 7"));
  CHECK(has(md, path));

  // Markdown: the table header with every column, the plots linked as PNG
  CHECK(has(md, "| row | class | diagonal [0,1] | diagonal [\u22121,1] | rotation / complex diag. | PD-LRNN | DPLR / Householder | "
                "dense LRNN | nonlinear RNN | transformer |"));
  // LaTeX: a standalone article with booktabs and the title escaped
  CHECK(tex.starts_with("\\documentclass"));
  CHECK(has(tex, "\\begin{document}"));
  CHECK(has(tex, "\\toprule"));
  CHECK(has(tex, "\\bottomrule"));
  CHECK(has(tex, "Smoke \\& mirrors: 100\\% \\_of\\_ \\{it\\}"));
  CHECK(tex.ends_with("\\end{document}\n"));
  // pdflatex-safe: every Unicode symbol spelled in LaTeX
  CHECK(std::all_of(tex.begin(), tex.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  // HTML: one self-contained page
  CHECK(has(html, "Smoke &amp; mirrors"));
  CHECK_FALSE(has(html, "<img"));
  CHECK_FALSE(has(html, "<link"));

  if (report::find_program("gnuplot").empty()) {
    WARN("gnuplot is not on PATH: the plots part of this test is skipped");
    CHECK(has(md, "plots were not made"));
  } else {
    CHECK(files.plots_made);
    CHECK(has(html, "<svg"));
    CHECK_FALSE(has(html, "<?xml"));
    for (const char* p : {"depth", "accuracy_1", "newton_speedup", "newton_iterations"}) {
      INFO(p);
      CHECK(fs::file_size(fs::path(out) / "plots" / (std::string(p) + ".png")) > 0);
      CHECK(has(md, "(plots/" + std::string(p) + ".png)"));
      CHECK(has(tex, "\\includegraphics[width=0.7\\linewidth]{plots/" + std::string(p) + ".png}"));
    }
    CHECK_FALSE(fs::exists(fs::path(out) / "plots" / "min_bits.svg"));  // no min-bits records
  }
  if (report::find_program("pdflatex").empty()) {
    WARN("pdflatex is not on PATH: compiling report.tex is skipped");
  } else {
    const auto cmd = "cd '" + out + "' && pdflatex -interaction=nonstopmode -halt-on-error report.tex > pdflatex.log 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
    CHECK(fs::exists(fs::path(out) / "report.pdf"));
  }

  // CSV: parses back with one line per (row, column), per measurement, per solve
  const auto ex = parse_csv(slurp(fs::path(out) / "expressivity.csv"));
  REQUIRE(ex.size() == 1 + d.expressivity.rows.size() * automata::kArchitectures.size());
  CHECK(ex[0] == std::vector<std::string>{"row", "class", "architecture", "measured", "outcome", "prediction", "citation", "agreement"});
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> by;
  for (std::size_t i = 1; i < ex.size(); ++i) {
    REQUIRE(ex[i].size() == 8);
    by[{ex[i][0], ex[i][2]}] = ex[i];
  }
  CHECK(by.size() == ex.size() - 1);
  CHECK(by[{"parity", "diag01"}][3] == "fails");
  CHECK(by[{"parity", "diag01"}][7] == "agrees");
  CHECK(by[{"word:S5", "pd"}][3] == "succeeds");
  CHECK(by[{"word:S5", "pd"}][5] == "yes");
  CHECK(parse_csv(slurp(fs::path(out) / "depth.csv")).size() == 1 + 3);
  const auto nw = parse_csv(slurp(fs::path(out) / "newton.csv"));
  REQUIRE(nw.size() == 1 + 2);
  CHECK(nw[1][6] == "converged");
  CHECK(std::stod(nw[2][9]) == 2.5);
}

TEST_CASE("report: no gnuplot, bad formats and an unwritable directory", "[quick][errors][report]") {
  const auto path = agreeing_store("errors.sqlite");
  const auto d = report::collect(Store::open(path, false));
  report::ReportOptions o;
  o.out_dir = fresh("errors-out");
  o.gnuplot = "no-such-gnuplot-program";
  o.formats = {"md", "html"};
  const auto files = report::write_report(d, o);
  CHECK_FALSE(files.plots_made);
  CHECK(has(files.plots_note, "no-such-gnuplot-program is not on PATH"));
  CHECK(files.files.size() == 2);
  CHECK(has(slurp(fs::path(o.out_dir) / "report.md"), "plots were not made"));
  CHECK_FALSE(has(slurp(fs::path(o.out_dir) / "report.html"), "<svg"));
  CHECK_FALSE(fs::exists(fs::path(o.out_dir) / "report.tex"));

  CHECK(report::parse_formats("md, csv,md") == std::vector<std::string>{"md", "csv"});
  try {
    report::parse_formats("md,pdf");
    FAIL("pdf accepted");
  } catch (const report::ReportError& e) {
    CHECK(has(e.what(), "'pdf'"));
    CHECK(has(e.what(), "md, html, tex, csv"));
  }
  // a regular file where the directory should be
  const auto file = fresh("not-a-dir");
  std::ofstream(file) << "x";
  o.out_dir = file;
  CHECK_THROWS_AS(report::write_report(d, o), report::ReportError);
  CHECK(report::latex_escape("a_b \u2248 c\u00b7n \u2212 3 \u00e9") == "a\\_b $\\approx$ c$\\cdot$n $-$ 3 ?");
  CHECK(report::csv_field("a,\"b\"") == "\"a,\"\"b\"\"\"");
}

TEST_CASE("report: a stored record with a missing or mistyped field stops the report, naming where",
          "[quick][errors][report][store]") {
  struct Case {
    std::string command;  // of the run
    std::string kind, key;
    ordered_json record;
    std::string field;  // what the message must name
    json config = {{"problem", "parity"}, {"construction", "diag"}, {"seed", 2}};
  };
  auto rec = [](std::initializer_list<std::pair<const char*, ordered_json>> edits) {
    auto r = reduce_record("parity", "diag", 16, "fp32", 10, 10);
    for (const auto& [k, v] : edits) {
      if (v.is_discarded())
        r.erase(k);
      else
        r[k] = v;
    }
    return r;
  };
  const auto gone = ordered_json(ordered_json::value_t::discarded);
  const std::vector<Case> cases = {
      {"reduce", "record", "record/n=16/fp32", rec({{"trials", "10"}}), "field 'trials'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"correct", gone}}), "field 'correct' is missing"},
      {"reduce", "record", "record/n=16/fp32", rec({{"correct", 11}}), "field 'correct'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"n", "sixteen"}}), "field 'n'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"precision", 32}}), "field 'precision'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"accuracy", 0.5}}), "field 'accuracy'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"undecided", -1}}), "field 'undecided'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"step_check", "sometimes"}}), "field 'step_check'"},
      {"reduce", "record", "record/n=16/fp32",
       rec({{"step_check", "state"}, {"step_positions", 160}, {"step_correct", 170}}), "field 'step_correct'"},
      {"reduce", "record", "record/n=16/fp32", rec({{"problem", gone}}), "field 'problem'", {{"seed", 2}}},
      {"reduce", "record", "record/n=16/fp32", ordered_json::array({1, 2}), "not a JSON object"},
      {"reduce", "min-bits", "min-bits/n=16", {{"n", 16}, {"records", "none"}}, "field 'records'"},
      {"reduce",
       "min-bits",
       "min-bits/n=16",
       {{"n", 16},
        {"records",
         {{{"n", 16},
           {"arithmetic", "float"},
           {"mode", "sideways"},
           {"min_bits", 9},
           {"precision", "float:9:10"},
           {"overflow", false}}}}},
       "field 'mode'"},
      {"circuit",
       "circuit",
       "circuit/n=16",
       {{"model", "m"}, {"network", "tree"}, {"fanin", "bounded"}, {"n", 16}, {"depth", "7"}, {"size", 3}},
       "field 'depth'"},
      {"solve", "solve", "solve/T=100", {{"hidden", 4}, {"length", 100}}, "field 'cell' is missing"},
      {"solve", "solve", "solve/T=100", {{"cell", "gru"}, {"length", 100}, {"converged", "yes"}}, "field 'converged'"},
      {"suite", "suite", "suite", {{"name", 7}, {"source", "built-in"}, {"quick", true}}, "field 'name'"},
      {"suite",
       "suite",
       "suite",
       {{"name", "smoke"}, {"source", "built-in"}, {"quick", true}, {"toml", ""}, {"entries", 1}, {"jobs", 1},
        {"wall_seconds", 1.0}, {"failed_units", 0}},
       "field 'units' is missing"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO("case " << i << ": " << c.record.dump());
    const auto path = fresh("malformed" + std::to_string(i) + ".sqlite");
    std::int64_t run = 0;
    {
      auto s = Store::open(path, true);
      add_reduce(s, "word:S5", "pd", {16}, {"fp32"});  // a good run first
      run = s.begin_run(c.command, c.config, "0.1.0", 2);
      s.put_result(run, c.kind, c.key, c.record);
    }
    std::string msg = "no error";
    try {
      report::collect(Store::open(path, false));
    } catch (const experiment::StoreError& e) {
      msg = e.what();
    }
    CHECK(has(msg, path));
    CHECK(has(msg, "run " + std::to_string(run) + " (" + c.command + ")"));
    CHECK(has(msg, "'" + c.key + "'"));
    CHECK(has(msg, c.field));
  }
  // results of other commands and kinds are not the report's: left alone
  const auto path = fresh("foreign.sqlite");
  {
    auto s = Store::open(path, true);
    add_reduce(s, "word:S5", "pd", {16}, {"fp32"});
    const auto run = s.begin_run("scan", {{"x", 1}}, "0.1.0", 1);
    s.put_result(run, "trace", "trace/1", {{"anything", "goes"}});
  }
  CHECK_NOTHROW(report::collect(Store::open(path, false)));
}
