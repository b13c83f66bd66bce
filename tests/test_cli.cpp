// End-to-end tests of the `parallax` executable: exit codes, messages, output.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <cmath>

#include "cli_harness.hpp"
#include "experiment/lengths.hpp"
#include "experiment/npy.hpp"
#include "models/cell.hpp"
#include "numeric/limits.hpp"
#include "solve/newton.hpp"

using namespace parallax_test;

TEST_CASE("cli: help, version and usage errors", "[quick][cli][errors]") {
  auto r = cli("--help");
  CHECK(r.code == 0);
  for (const char* sub : {"precisions", "models", "scan", "bench", "demo", "circuit"}) CHECK(contains(r.out, sub));
  r = cli("--version");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "parallax 0."));
  r = cli("");
  CHECK(r.code == 2);
  r = cli("no-such-command");
  CHECK(r.code == 2);
  r = cli("scan --no-such-flag");
  CHECK(r.code == 2);
}

TEST_CASE("cli: precisions lists every form and rejects malformed specs", "[quick][cli][errors][precision]") {
  auto r = cli("precisions --json");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  std::string forms;
  for (const auto& row : rows) forms += row.at("form").get<std::string>() + " ";
  for (const char* f : {"fp64", "fp32", "bf16", "fp16", "float:", "fixed:", "log:", "poly:", "exact", "interval:"})
    CHECK(contains(forms, f));
  for (const char* bad : {"float:0:8", "fixed:3", "log:-1", "fp33"}) {
    r = cli(std::string("precisions --check ") + bad);
    CHECK(r.code == 2);
    CHECK(contains(r.err, bad));
    CHECK(contains(r.err, "fixed:I.F"));  // the message lists the valid forms
  }
  r = cli("precisions --check log:2 --n 1024 --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("resolved") == "float:20:0");
  r = cli("scan --model parity --tokens ab --precision fp33");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "fp33"));
}

TEST_CASE("cli: scan agrees across precisions and modes on the S5 model", "[quick][cli][precision][scan]") {
  // s5: accept iff the product of the generators is the identity. s^2 = e, c^5 = e.
  for (const char* prec : {"exact", "fp64", "fp32", "bf16", "fp16", "float:4:3", "fixed:3.0", "interval:8", "log:1"}) {
    for (const char* mode : {"", "--parallel --threads 2"}) {
      auto r = cli(std::string("scan --model s5 --tokens 's s c c c c c' --json --precision ") + prec + " " + mode);
      REQUIRE(r.code == 0);
      CHECK(json_lines(r.out).at(0).at("verdict") == "accept");
      r = cli(std::string("scan --model s5 --tokens 's c s' --json --precision ") + prec + " " + mode);
      REQUIRE(r.code == 0);
      CHECK(json_lines(r.out).at(0).at("verdict") == "reject");
    }
  }
}

TEST_CASE("cli: scan on a random sequence gives the same verdict sequentially and in parallel", "[quick][cli][scan]") {
  for (int seed = 1; seed <= 4; ++seed) {
    const std::string base = "scan --model parity --random 5000 --seed " + std::to_string(seed) + " --precision exact --json";
    auto a = cli(base), b = cli(base + " --parallel --threads 2");
    REQUIRE(a.code == 0);
    REQUIRE(b.code == 0);
    CHECK(json_lines(a.out).at(0).at("score") == json_lines(b.out).at(0).at("score"));
    CHECK(json_lines(a.out).at(0).at("n") == 5000);
  }
}

TEST_CASE("cli: bad model files name the file, line and field, exit 2", "[quick][cli][errors]") {
  auto p = write_file("broken.json", "{\n  \"structure\": \"diagonal\",\n  \"d\": 2,\n  oops\n}\n");
  auto r = cli("scan --model '" + p.string() + "' --tokens a");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "broken.json:4"));

  r = cli("scan --model no-such-model-or-file --tokens a");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no-such-model-or-file"));

  r = cli("scan --model parity --tokens 'a q b'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "q"));

  r = cli("scan --model parity");
  CHECK(r.code == 2);

  // a model saved by `models --show` loads back, and a wrong dimension is named
  r = cli("models --show parity");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  auto good = write_file("parity.json", j.dump(2));
  r = cli("scan --model '" + good.string() + "' --tokens 'b b a' --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("verdict") == "accept");
  j["d"] = 3;
  auto wrong = write_file("wrong-d.json", j.dump(2));
  r = cli("scan --model '" + wrong.string() + "' --tokens 'b'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "wrong-d.json"));
  CHECK(contains(r.err, "expected 3"));
}

TEST_CASE("cli: token files and real-valued input files", "[quick][cli]") {
  auto toks = write_file("tokens.txt", "s s\nc c c c c\n");
  auto r = cli("scan --model s5 --tokens-file '" + toks.string() + "' --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("verdict") == "accept");
  r = cli("scan --model s5 --tokens-file /nonexistent/tokens.txt");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "/nonexistent/tokens.txt"));

  // real-valued inputs: leaky-sum is h <- h/2 + x, read exactly
  auto xs = write_file("inputs.txt", "1\n0.5 # half\n\n3\n");
  for (const char* mode : {"", "--parallel --threads 2"}) {
    r = cli("scan --model leaky-sum --precision exact --json --inputs-file '" + xs.string() + "' " + mode);
    REQUIRE(r.code == 0);
    CHECK(json_lines(r.out).at(0).at("score") == "7/2");
    CHECK(json_lines(r.out).at(0).at("n") == 3);
  }
  auto bad = write_file("bad-inputs.txt", "1\n2 x\n");
  r = cli("scan --model leaky-sum --inputs-file '" + bad.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "bad-inputs.txt:2"));
}

TEST_CASE("cli: bench scan --quick reports every figure", "[quick][cli][scan]") {
  auto r = cli("bench scan --quick --json");
  REQUIRE(r.code == 0);
  std::set<std::string> benches;
  for (const auto& row : json_lines(r.out)) {
    benches.insert(row.at("bench").get<std::string>());
    CHECK(row.at("elements_per_s").get<double>() > 0);
  }
  CHECK(benches.size() >= 4);
}

TEST_CASE("cli: demo recognizes S5 exactly with the PD LRNN and reports every precision", "[quick][cli][precision][recognize]") {
  auto r = cli("demo --lengths 8,64 --trials 6 --precisions exact,fp32,bf16,float:4:3,fixed:2.0,interval:8,log:1 --json");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 2 * 7 * 2);
  for (const auto& row : rows) {
    if (row.at("model") == "s5") {  // PD: entries 0 and 1 only, exact at every precision
      CHECK(row.at("correct_sequential") == 6);
      CHECK(row.at("correct_parallel") == 6);
    }
    if (row.at("precision") == "exact") CHECK(row.at("correct_sequential") == 6);
  }
  r = cli("demo --precisions fp33");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "fp33"));
  r = cli("demo --models parity");
  CHECK(r.code == 2);
}

TEST_CASE("cli: circuit measures compiled models and sweeps with depth fits", "[quick][circuits][cli]") {
  auto r = cli("circuit --model lrnn:pd:d=3 --sweep 8..256 --json");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 6);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].at("n") == (8u << i));
    for (const char* f : {"size", "depth", "depth_bounded", "mult_depth", "max_fanin"}) CHECK(rows[i].contains(f));
    CHECK(rows[i].at("max_fanin") == 2);
    if (i > 0) CHECK(rows[i].at("depth").get<int>() > rows[i - 1].at("depth").get<int>());
  }
  r = cli("circuit --model lrnn:diag:d=2 --sweep 4..64");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "log2 n (logarithmic"));
  r = cli("circuit --model rnn:relu:d=2 --sweep 4..64");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "linear depth"));
  r = cli("circuit --model lrnn:diag:d=2 --fanin unbounded --sweep 4..64");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "constant depth"));
  r = cli("circuit --model lrnn:parity --n 3 --format dot");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "digraph"));
  r = cli("circuit --model dfa:contains-aba --n 16 --format aiger");
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("aag ", 0) == 0);
  auto dfa = write_file("aba-dfa.json",
                        "{\"alphabet\": [\"a\", \"b\"], \"states\": 4, \"start\": 0, \"accepting\": [3],\n"
                        " \"transitions\": {\"a\": [1, 1, 3, 3], \"b\": [0, 2, 0, 3]}}\n");
  r = cli("circuit --model 'dfa:" + dfa.string() + "' --n 8 --format json");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out).at("format") == "parallax-circuit/1");
  auto bad_dfa = write_file("bad-dfa.json", "{\"alphabet\": [\"a\"],\n \"states\": 0}\n");
  r = cli("circuit --model 'dfa:" + bad_dfa.string() + "' --n 8");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "bad-dfa.json"));
  r = cli("circuit --model dfa:s5 --sweep 2..16 --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).size() == 4);
  for (const char* bad : {"circuit --model lrnn:pd:d=3 --n 4 --format aiger", "circuit --model dfa:nope --n 4",
                          "circuit --model dfa:parity --sweep 2..8 --format blif", "circuit --model lrnn:hexagon:d=3 --n 4",
                          "circuit --model lrnn:pd:d=0 --n 4", "circuit --model lrnn:mod3 --n 4 --fanin unbounded",
                          "circuit --model lrnn:pd:d=3 --sweep 9..3", "circuit --model lrnn:pd:d=3",
                          "circuit --model lrnn:pd:d=3 --n 4 --network zigzag"}) {
    INFO(bad);
    r = cli(bad);
    CHECK(r.code == 2);
    CHECK(!r.err.empty());
  }
}

// ---- automata: languages, classify, recognize ----------------------------

TEST_CASE("cli: languages lists the built-in library", "[quick][cli]") {
  const auto r = cli("languages --json");
  REQUIRE(r.code == 0);
  std::set<std::string> names;
  for (const auto& j : json_lines(r.out)) names.insert(j["name"].get<std::string>());
  for (const char* n : {"parity", "even-length", "count-mod:M", "ab-star", "a-star-b-star", "first-eq-last", "contains-aba",
                        "dyck1:K", "word:S5", "word:A5", "word:A4xZ5", "word:D<n>", "word:Z<m>"})
    CHECK(names.count(n) == 1);
}

TEST_CASE("cli: classify gives the circuit class of the monoid", "[quick][circuits][classify][cli][monoid]") {
  struct Case {
    std::string args, cls;
    std::size_t monoid;
    bool aperiodic, quasi;
  };
  for (const auto& c : std::vector<Case>{{"--language even-length", "AC0", 2, false, true},
                                         {"--language parity", "ACC0", 2, false, false},
                                         {"--language contains-aba", "AC0", 12, true, true},
                                         {"--language word:S5", "NC1-complete", 120, false, false},
                                         {"--language word:A5", "NC1-complete", 60, false, false},
                                         {"--language word:A4xZ5", "ACC0", 60, false, false},
                                         {"--regex '((a|b)(a|b)(a|b)(ab*a|b))*'", "NC1-complete", 0, false, false}}) {
    INFO(c.args);
    const auto r = cli("classify " + c.args + " --json");
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["class"] == c.cls);
    if (c.monoid) CHECK(j["monoid_size"] == c.monoid);
    CHECK(j["aperiodic"] == c.aperiodic);
    CHECK(j["quasi_aperiodic"] == c.quasi);
    for (const char* f : {"states", "idempotents", "groups", "stability_index", "predictions"}) CHECK(j.contains(f));
    if (c.cls == "NC1-complete") {
      CHECK(j["predictions"]["tc0"]["verdict"] == "no unless TC0 = NC1");
      bool non_solvable = false;
      for (const auto& g : j["groups"]) non_solvable = non_solvable || !g["solvable"].get<bool>();
      CHECK(non_solvable);
    }
  }
  const auto s5 = nlohmann::json::parse(cli("classify --language word:S5 --json").out);
  CHECK(s5["groups"][0]["name"] == "S_5");
  CHECK(s5["groups"][0]["order"] == 120);
  const auto mod3 = nlohmann::json::parse(cli("classify --language count-mod:3 --json").out);
  CHECK(mod3["predictions"]["diag11"]["verdict"] == "no");
  CHECK(mod3["predictions"]["diag01"]["verdict"] == "no");
  const auto parity = nlohmann::json::parse(cli("classify --language parity --json").out);
  CHECK(parity["predictions"]["diag11"]["verdict"] == "yes");
  const auto table = cli("classify --language parity");
  REQUIRE(table.code == 0);
  CHECK(table.out.find("ACC0") != std::string::npos);
  CHECK(table.out.find("Grazzi") != std::string::npos);
}

TEST_CASE("cli: classify and recognize refuse bad input with exit 2", "[quick][classify][cli][errors][recognize]") {
  auto r = cli("classify --language no-such-language");
  CHECK(r.code == 2);
  CHECK(r.err.find("no-such-language") != std::string::npos);
  r = cli("classify --regex 'a(b'");
  CHECK(r.code == 2);
  CHECK(r.err.find("position") != std::string::npos);
  r = cli("classify --language parity --regex ab");
  CHECK(r.code == 2);
  r = cli("classify --language word:S5 --max-monoid 100");
  CHECK(r.code == 1);
  CHECK(r.err.find("more than 100") != std::string::npos);
  const auto bad = write_file("bad-dfa.json", "{\n \"alphabet\": [\"a\"],\n \"states\": 2,\n \"start\": 0,\n"
                                              " \"accepting\": [1],\n \"transitions\": {\"a\": [1, null]}\n}\n");
  r = cli("classify --automaton '" + bad.string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("bad-dfa.json:6") != std::string::npos);
  CHECK(r.err.find("declared complete") != std::string::npos);
  r = cli("recognize --language count-mod:3 --model diag --lengths 10");
  CHECK(r.code == 2);
  CHECK(r.err.find("non-real eigenvalues") != std::string::npos);
  r = cli("recognize --language contains-aba --model householder --lengths 10");
  CHECK(r.code == 2);
  CHECK(r.err.find("not a group automaton") != std::string::npos);
  r = cli("recognize --language parity --model pd --lengths ten");
  CHECK(r.code == 2);
  r = cli("recognize --language parity --model pd --precision fp99");
  CHECK(r.code == 2);
  r = cli("recognize --language parity --model nope");
  CHECK(r.code == 2);
  CHECK(r.err.find("relu-rnn") != std::string::npos);
}

TEST_CASE("cli: recognize measures accuracy, scan agreement and minimum bits", "[quick][cli][min-bits][precision][recognize][scan]") {
  auto r = cli("recognize --language word:S5 --model householder --lengths 5,50 --precision fp32,bf16 --trials 8 --json");
  REQUIRE(r.code == 0);
  auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 4);
  for (const auto& j : rows) {
    CHECK(j["accuracy"] == 1.0);
    CHECK(j["scan_agree"] == 8);
    CHECK(j["accepted"] == 4);
  }
  // the same seed gives the same words: identical records up to timings
  auto again = json_lines(cli("recognize --language word:S5 --model householder --lengths 5,50 --precision fp32,bf16 "
                              "--trials 8 --json").out);
  REQUIRE(again.size() == rows.size());
  r = cli("recognize --language count-mod:5 --model pd --lengths 10,1000 --precision fp32 --trials 6 --min-bits --json");
  REQUIRE(r.code == 0);
  std::size_t min_rows = 0;
  for (const auto& j : json_lines(r.out))
    if (j["record"] == "min_bits") {
      ++min_rows;
      CHECK(j["min_bits"] == 2);  // 0/1 entries: exact at any width
    }
  CHECK(min_rows == 4);  // two lengths x (sequential, scan)
  // rotation fails at a tiny width on long words, and --check turns that into exit 1
  r = cli("recognize --language count-mod:5 --model rotation --lengths 2000 --precision float:3:10 --trials 6 --check");
  CHECK(r.code == 1);
  r = cli("recognize --language count-mod:5 --model rotation --lengths 2000 --precision float:3:10 --trials 6 --json");
  REQUIRE(r.code == 0);
  const auto j = json_lines(r.out).at(0);
  CHECK(j["accuracy"].get<double>() < 1.0);
  CHECK(j["first_failure"].is_number());
  // user strings
  const auto words = write_file("words.txt", "abba\n# a comment\nbbbb\naaaaa\n");
  r = cli("recognize --language count-mod:5 --model relu-rnn --strings '" + words.string() + "' --precision exact --json");
  REQUIRE(r.code == 0);
  rows = json_lines(r.out);
  REQUIRE(rows.size() == 2);  // lengths 4 and 5
  for (const auto& row : rows) CHECK(row["accuracy"] == 1.0);
  const auto badwords = write_file("badwords.txt", "abba\nabxa\n");
  r = cli("recognize --language count-mod:5 --model pd --strings '" + badwords.string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("badwords.txt:2") != std::string::npos);
}

TEST_CASE("cli: recognize runs weighted automata through dense and DPLR models", "[quick][cli][dplr][recognize][wfa]") {
  // f(w) = number of a's; accept when more than 2
  const auto wfa = write_file("count.json", R"({"type": "wfa", "alphabet": ["a", "b"], "states": 2,
    "initial": [1, 0], "final": [0, 1], "threshold": "5/2",
    "matrices": {"a": [[1, 1], [0, 1]], "b": [[1, 0], [0, 1]]}})");
  for (const char* m : {"dense", "wfa"}) {
    const auto r = cli(std::string("recognize --automaton '") + wfa.string() + "' --model " + m +
                       " --lengths 3,8 --precision exact,fp32 --trials 10 --json");
    REQUIRE(r.code == 0);
    for (const auto& j : json_lines(r.out)) CHECK(j["accuracy"] == 1.0);
  }
  const auto r = cli(std::string("recognize --automaton '") + wfa.string() + "' --model pd --lengths 3");
  CHECK(r.code == 2);
  // f(w) = 2^(number of a) leaves fp16's range (65504) on long words: reported
  const auto doubling = write_file("doubling.json", R"({"type": "wfa", "alphabet": ["a", "b"], "states": 1,
    "initial": [1], "final": [1], "threshold": 1024, "matrices": {"a": [[2]], "b": [[1]]}})");
  const auto o = cli("recognize --automaton '" + doubling.string() + "' --model dense --lengths 8,64 --precision fp16 --trials 6 --json");
  REQUIRE(o.code == 0);
  const auto rows = json_lines(o.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["overflow"] == false);
  CHECK(rows[1]["overflow"] == true);
  const auto pfa = write_file("bad.pfa.json", R"({"type": "pfa", "alphabet": ["a"], "states": 2,
    "initial": [1, 0], "final": [0, 1],
    "matrices": {"a": [[0.5, 0.5], [0.75, 0.5]]}})");
  const auto e = cli("recognize --automaton '" + pfa.string() + "' --model dense --lengths 3");
  CHECK(e.code == 2);
  CHECK(e.err.find("/matrices/a/1") != std::string::npos);
  CHECK(e.err.find("sums to 5/4") != std::string::npos);
}

TEST_CASE("cli: bench monoid enumerates the same monoid sizes as the library", "[quick][cli][monoid]") {
  const auto g = scratch_dir() / "m.g";
  const auto r = cli("bench monoid --random 3 --repeat 1 --json --gap-out '" + g.string() + "'");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["name"] == "word:S5");
  CHECK(rows[0]["monoid_size"] == 120);
  const std::string prog = slurp(g);
  CHECK(prog.find("Size(Semigroup(") != std::string::npos);
  CHECK(prog.find("Transformation([") != std::string::npos);
}

TEST_CASE("cli: equivalent compares languages and prints a shortest counterexample", "[quick][cli]") {
  auto r = cli("equivalent parity 're:(a|ba*b)*'");
  CHECK(r.code == 0);
  CHECK(r.out.find("equivalent") != std::string::npos);
  r = cli("equivalent contains-aba 're:(a|b)*aba(a|b)*' --json");
  CHECK(r.code == 0);
  CHECK(json_lines(r.out).at(0)["equivalent"] == true);
  r = cli("equivalent 're:a*b*' 're:(a|b)*' --json");
  CHECK(r.code == 1);
  const auto j = json_lines(r.out).at(0);
  CHECK(j["counterexample"] == "ba");  // the shortest word in one language only
  CHECK(j["accepted_by"] == "b");
  r = cli("equivalent word:S5 parity");
  CHECK(r.code == 2);
  CHECK(r.err.find("alphabets differ") != std::string::npos);
  r = cli("equivalent 're:(ab' parity");
  CHECK(r.code == 2);
}

TEST_CASE("cli: classify writes the Cayley graph of the syntactic monoid", "[quick][classify][cli][monoid]") {
  const auto dot = scratch_dir() / "cayley.dot";
  const auto r = cli("classify --language word:S3 --json --cayley '" + dot.string() + "'");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["monoid_size"] == 6);
  const std::string text = slurp(dot);
  std::size_t nodes = 0, edges = 0;
  for (std::size_t at = 0; (at = text.find("[label=", at)) != std::string::npos; ++at) ++nodes;
  for (std::size_t at = 0; (at = text.find(" -> ", at)) != std::string::npos; ++at) ++edges;
  CHECK(edges == 6 * 2);       // one edge per element and letter
  CHECK(nodes == 6 + edges);   // node labels, then edge labels
  CHECK(text.find("label=\"1\", style=bold") != std::string::npos);  // the identity, idempotent
}

TEST_CASE("cli: recognize takes length ranges and fits minimum bits against n", "[quick][cli][min-bits][precision][recognize]") {
  const auto r = cli("recognize --language count-mod:5 --model pd --lengths 4..64x2 --precision fp32 --trials 4 --min-bits --no-scan --json");
  REQUIRE(r.code == 0);
  std::size_t acc = 0;
  nlohmann::json fit;
  for (const auto& j : json_lines(r.out)) {
    if (j["record"] == "accuracy") ++acc;
    if (j["record"] == "min_bits_fit") fit = j;
  }
  CHECK(acc == 5);  // 4, 8, 16, 32, 64
  REQUIRE(fit.is_object());
  CHECK(fit["law"] == "constant");
  CHECK(fit["a"] == 2);
  CHECK(fit["points"] == 5);
  CHECK(cli("recognize --language parity --model pd --lengths 8..64").code == 2);
}

TEST_CASE("cli: problems lists the word problems and prints example instances", "[quick][cli][reductions]") {
  auto r = cli("problems --json");
  REQUIRE(r.code == 0);
  bool s5 = false;
  for (const auto& j : json_lines(r.out))
    if (j["problem"] == "word:S5") s5 = j["class"] == "NC1-complete";
  CHECK(s5);
  r = cli("problems --example word:A5 --n 10 --seed 3");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["answer"] == true);
  CHECK(rows[1]["answer"] == false);
  CHECK(rows[0]["word"].get<std::string>().size() == 10);
  CHECK(cli("problems --example word:Q8").code == 2);
}

TEST_CASE("cli: reduce checks constructions against the reference and reads instance files", "[quick][cli][reductions]") {
  auto r = cli("reduce --problem word:A5 --construction householder --lengths 8..32x2 --precision fp32,exact --trials 6 --json");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 6);
  for (const auto& j : rows) {
    CHECK(j["accuracy"] == 1.0);
    CHECK(j["yes"] == 3);
    CHECK(j["scan_agree"] == 6);
  }
  r = cli("reduce --problem majority --lengths 9,101 --precision bf16 --trials 8 --min-bits --no-scan --json");
  REQUIRE(r.code == 0);
  CHECK(cli("reduce --problem word:S5 --construction rotation").code == 2);
  CHECK(cli("reduce --problem word:Q8").code == 2);
  CHECK(cli("reduce --problem parity --lengths 8..2").code == 2);
  const auto file = write_file("s5.jsonl", "{\"id\": \"one\", \"word\": \"sscc\"}\n"
                                           "{\"word\": \"ss\"}\n"
                                           "{\"word\": \"sxs\"}\n"
                                           "not json\n"
                                           "{\"word\": \"ccccc\"}\n");
  r = cli("reduce --problem word:S5 --input '" + file.string() + "' --precision exact --json");
  CHECK(r.code == 2);  // two malformed lines, reported and skipped
  const auto recs = json_lines(r.out);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0]["id"] == "one");
  CHECK(recs[0]["reference"] == false);
  CHECK(recs[1]["id"] == 2);
  CHECK(recs[1]["reference"] == true);  // s·s = identity
  CHECK(recs[2]["reference"] == true);  // c⁵ = identity
  for (const auto& j : recs) CHECK(j["correct"] == true);
  CHECK(r.err.find("s5.jsonl:3") != std::string::npos);
  CHECK(r.err.find("s5.jsonl:4") != std::string::npos);
}

using namespace parallax;

TEST_CASE("cli: solve matches the sequential states, dumps them, and reads .npy inputs", "[quick][cli][npy][solve]") {
  auto r = cli("solve --cell paragru --hidden 8 --length 5000 --method newton --threads 2 --json");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["converged"] == true);
  CHECK(j["iterations"].get<int>() >= 2);
  CHECK(j["max_error_vs_sequential"].get<double>() <= 1e-12);
  CHECK(j["residual_history"].size() == j["iterations"].get<std::size_t>() + 1);
  r = cli("solve --cell gru --hidden 6 --length 3000 --method quasi-deer --grad --json");
  REQUIRE(r.code == 0);
  j = nlohmann::json::parse(r.out);
  CHECK(j["gradient_max_diff_vs_bptt"].get<double>() <= 1e-9 * j["gradient_max_abs"].get<double>());
  CHECK(j["gradient_max_abs"].get<double>() > 1);
  r = cli("solve --cell paralstm --hidden 8 --length 2000 --iters 3 --precision fp32 --json");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["iterations"] == 3);

  // inputs from a .npy file, states back into one, checked against the library's sequential run
  const std::size_t B = 2, T = 60, m = 3;
  const auto cell = models::random_cell(models::CellKind::Gru, 4, m, 5, 0.8);
  const auto cell_path = write_file("gru.json", models::cell_to_json(cell));
  std::vector<double> X(B * T * m);
  for (std::size_t i = 0; i < X.size(); ++i) X[i] = std::sin(0.37 * double(i));
  const auto in_path = scratch_dir() / "x.npy", out_path = scratch_dir() / "h.npy";
  experiment::write_npy(in_path.string(), {B, T, m}, X.data());
  r = cli("solve --cell '" + cell_path.string() + "' --method deer --inputs '" + in_path.string() + "' --dump-states '" +
          out_path.string() + "' --json");
  REQUIRE(r.code == 0);
  j = nlohmann::json::parse(r.out);
  CHECK(j["batch"] == B);
  CHECK(j["length"] == T);
  const auto H = experiment::read_npy(out_path.string());
  REQUIRE(H.shape == std::vector<std::size_t>{B, T, 4});
  for (std::size_t b = 0; b < B; ++b) {
    std::vector<double> xb(X.begin() + b * T * m, X.begin() + (b + 1) * T * m), ref;
    solve::run_sequential(cell, xb, T, cell.h0, ref);
    for (std::size_t i = 0; i < ref.size(); ++i) CHECK(H.data[b * T * 4 + i] == Approx(ref[i]).margin(1e-12));
  }
}

TEST_CASE("cli: solve refuses bad input with exit 2 and reports divergence with exit 1", "[quick][cli][errors][solve]") {
  auto r = cli("solve --cell tanhrnn");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "unknown cell 'tanhrnn'"));
  r = cli("solve --method newtonish");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "quasi-elk"));
  r = cli("solve --precision exact");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "exp and tanh"));
  r = cli("solve --init jacobi:x");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "jacobi:K"));
  const auto bad_cell = write_file("bad_cell.json", "{\"cell\": \"elman\", \"hidden\": 2, \"input\": 1,\n \"weights\": {\"W\": [[1, 2], [3, \"x\"]], \"U\": [[1], [1]], \"b\": [0, 0]}}");
  r = cli("solve --cell '" + bad_cell.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "bad_cell.json:2"));
  CHECK(contains(r.err, "/weights/W/1/1"));
  std::vector<double> X(10 * 3, 0.5);
  const auto wrong = scratch_dir() / "wrong.npy";
  experiment::write_npy(wrong.string(), {10, 3}, X.data());
  r = cli("solve --cell gru --input-size 2 --inputs '" + wrong.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "wrong.npy"));
  CHECK(contains(r.err, "(T, 2)"));
  // DEER on a cell with a large gain: the first linear solve explodes
  r = cli("solve --cell elman --hidden 8 --gain 3 --length 300 --method deer --json");
  CHECK(r.code == 1);
  CHECK(contains(r.err, "diverged"));
  CHECK(nlohmann::json::parse(r.out)["diverged"] == true);
}

TEST_CASE("cli: bench solve runs every group in child processes and reports peak memory", "[standard][cli][solve]") {
  const auto r = cli("bench solve --quick --max-length 100 --threads 1 --json");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  std::set<std::string> groups;
  for (const auto& row : rows) {
    groups.insert(row["group"].get<std::string>().substr(0, row["group"].get<std::string>().find(' ')));
    CHECK(row["T"] == 100);
    CHECK(row["peak_MiB"].get<double>() > 1);
    const std::string outcome = row["converged"].get<std::string>();
    INFO(row.dump());
    if (row["method"] == "deer" && row["gain"].get<double>() > 1) {
      CHECK(outcome == "diverged");  // DEER's hard case
    } else {
      CHECK(outcome == "yes");
      CHECK(row["max_error"].get<double>() <= (row["group"].get<std::string>().find("--iters 3") != std::string::npos ? 1e-3 : 1e-9));
    }
  }
  CHECK(groups == std::set<std::string>{"pararnn", "gru", "large-gain", "predictability", "deer-demo"});
}

TEST_CASE("cli: solve --check-structure confirms every built-in cell's declared Jacobian structure", "[quick][cli][solve]") {
  for (const char* cell : {"elman", "gru", "lstm", "paragru", "paralstm", "argru"}) {
    const auto r = cli(std::string("solve --cell ") + cell + " --hidden 5 --length 50 --check-structure --json");
    INFO(cell << ": " << r.err);
    REQUIRE(r.code == 0);
    CHECK(nlohmann::json::parse(r.out)["structure_violation"] == 0.0);
  }
}

TEST_CASE("cli: scan runs a transformer file and refuses what a transformer cannot do", "[quick][cli][errors][scan][transformer]") {
  // the majority model of docs/transformer-json.md: score = fraction of 1s − 1/2
  const auto file = write_file("majority-transformer.json", R"({
    "format": "parallax-transformer/1", "name": "majority", "vocab": ["0", "1"], "d_model": 2,
    "embedding": [[0, 0], [1, 0]],
    "layers": [{"heads": [{"attention": "average", "mask": "causal", "d_head": 1,
                           "W_Q": [[0], [0]], "W_K": [[0], [0]], "W_V": [[1], [0]], "W_O": [[0, 1]]}]}],
    "readout": {"c": [0, 1], "c0": "-1/2"}})");
  const std::string m = "scan --model 'transformer:" + file.string() + "' ";
  auto r = cli(m + "--tokens 01101 --precision exact --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("score") == "1/10");  // 3/5 − 1/2
  CHECK(json_lines(r.out).at(0).at("verdict") == "accept");
  r = cli(m + "--tokens 0110 --precision fp32 --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("verdict") == "reject");  // a tie: score 0
  r = cli(m + "--tokens 0120");
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown token '2'") != std::string::npos);
  r = cli(m + "--tokens 01 --parallel");
  CHECK(r.code == 2);
  CHECK(r.err.find("no scan") != std::string::npos);
  r = cli("scan --model transformer:/nonexistent/t.json --tokens 01");
  CHECK(r.code == 2);
  CHECK(r.err.find("/nonexistent/t.json") != std::string::npos);
}

TEST_CASE("cli: a fixed-point transformer run that saturates reports it", "[quick][cli][scan][transformer][fixed]") {
  // the majority model with the token 1 embedded as 9, beyond fixed:4.4's largest value 7.9375
  const auto file = write_file("saturating-transformer.json", R"({
    "format": "parallax-transformer/1", "name": "majority9", "vocab": ["0", "1"], "d_model": 2,
    "embedding": [[0, 0], [9, 0]],
    "layers": [{"heads": [{"attention": "average", "mask": "causal", "d_head": 1,
                           "W_Q": [[0], [0]], "W_K": [[0], [0]], "W_V": [[1], [0]], "W_O": [[0, 1]]}]}],
    "readout": {"c": [0, 1], "c0": "-1/2"}})");
  const std::string m = "scan --model 'transformer:" + file.string() + "' --tokens 0110 ";
  auto r = cli(m + "--precision fixed:4.4 --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("events") == nlohmann::json::array({"saturated"}));
  r = cli(m + "--precision fixed:4.4");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("events     saturated\n") != std::string::npos);
  r = cli(m + "--precision fixed:8.4 --json");  // 9 fits
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("events") == nlohmann::json::array());
}

TEST_CASE("cli: numeric options refuse signs, bases and non-finite values they do not take", "[quick][cli][errors]") {
  // {arguments, the option the message must name, what it must say}; one line per case.
  const struct {
    const char* args;
    const char* option;
    const char* says;
  } cases[] = {
      {"demo --lengths -1", "--lengths", "non-negative decimal integer, got '-1'"},
      {"demo --lengths 16,-1", "--lengths", "got '-1'"},
      {"demo --trials 0x10", "--trials", "got '0x10'"},
      {"circuit --model s5 --n -1", "--n", "non-negative decimal integer"},
      {"scan --model s5 --random 5 --seed -1", "--seed", "got '-1'"},
      {"scan --model s5 --random 1e3", "--random", "got '1e3'"},
      {"scan --model s5 --random 5 --threads 0x2", "--threads", "decimal integer, got '0x2'"},
      {"scan --model s5 --random 5 --block 0b11", "--block", "got '0b11'"},
      {"problems --n true", "--n", "got 'true'"},
      {"solve --cell gru --tol nan", "--tol", "finite number, got 'nan'"},
      {"solve --cell gru --sigma2 inf", "--sigma2", ""},
      {"solve --cell gru --gain -nan", "--gain", ""},
      {"solve --cell gru --length -4", "--length", "-4"},
      {"bench scan --repeats 1e3", "--repeats", "decimal integer, got '1e3'"},
      {"bench solve --seed -7", "--seed", "got '-7'"},
      {"store export x.sqlite --run 0x1", "--run", "got '0x1'"},
      {"reduce --problem majority --construction counter --max-bits -5", "--max-bits", "from 2 to"},
      {"reduce --problem majority --construction counter --exponent-bits 31", "--exponent-bits", "from 2 to 30"},
      {"recognize --language parity --model pd --max-bits 1", "--max-bits", "from 2 to"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = cli(c.args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.option));
    CHECK(contains(r.err, c.says));
  }
  // the same options still take what they promise
  CHECK(cli("scan --model s5 --random +5 --seed 3").code == 0);
  CHECK(cli("problems --n 4").code == 0);
}

namespace {

/// Sets PARALLAX_MEMORY_LIMIT for the commands a test runs (the children
/// inherit it) and restores the earlier value.
class MemoryLimit {
 public:
  explicit MemoryLimit(const char* value) {
    if (const char* old = std::getenv("PARALLAX_MEMORY_LIMIT")) old_ = old, had_ = true;
    ::setenv("PARALLAX_MEMORY_LIMIT", value, 1);
  }
  ~MemoryLimit() {
    if (had_) ::setenv("PARALLAX_MEMORY_LIMIT", old_.c_str(), 1);
    else ::unsetenv("PARALLAX_MEMORY_LIMIT");
  }

 private:
  std::string old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("cli: sizes that multiply into memory or time are refused before any work, naming the option", "[quick][errors][cli]") {
  const MemoryLimit limit("4G");
  // {arguments, what the message must say}; each is refused at once (exit 2), before an allocation
  const struct {
    const char* args;
    const char* says;
  } cases[] = {
      {"scan --model parity --random 100000000000", "--random is 100000000000, above the limit"},
      {"scan --model parity --random 100 --parallel --block 18446744073709551615", "--block"},
      {"scan --model parity --random 500000000 --parallel --block 1", "the scan of --random 500000000 (model d = 1, --block 1)"},
      {"scan --model parity --random 1000 --parallel --threads 100000 --block 1", "--threads is 100000, above the limit of 1024"},
      {"solve --cell elman --hidden 1 --length 1099511627776", "--length is 1099511627776"},
      {"solve --cell elman --hidden 1 --length 1000000000", "--length 1000000000 with --hidden 1"},
      {"solve --cell gru --hidden 100000", "--hidden is 100000"},
      {"solve --cell gru --hidden 10000", "a random gru cell of 300090000 parameters"},
      {"solve --cell gru --hidden 2000", "2000×2000 Jacobian blocks per step"},
      {"solve --batch 100000000 --length 1", "--batch 100000000 × --length 1"},
      {"solve --cell gru --hidden 64 --length 100000 --grad", "--grad"},
      {"solve --input-scale 1e308 --length 10", "--input-scale 1e+308: the random inputs overflow"},
      {"solve --cell gru --gain 1e308 --length 10", "--gain 1e+308: the random weights overflow"},
      {"solve --tol 1e308 --length 10", "--tol 1e+308: a tolerance of 1 or more"},
      {"solve --iters 100000000", "--iters is 100000000"},
      {"solve --threads 100000", "--threads is 100000"},
      {"circuit --model lrnn:diag:d=2 --sweep 1..-1", "--sweep: '-1'"},
      {"circuit --model lrnn:diag:d=2 --sweep 1..1e9", "--sweep 1..1e9: the gates of the circuit"},
      {"circuit --model lrnn:diag:d=2 --n 10000000000", "--n is 10000000000"},
      {"circuit --model transformer:random --n 5000", "--n 5000: the circuit of 'transformer:random'"},
      {"demo --trials 1000000000000", "--trials is 1000000000000"},
      {"demo --trials 100000000", "--trials 100000000)"},
      {"demo --lengths 10000000000", "--lengths: a length is 10000000000"},
      {"demo --lengths 1000000 --trials 400", "--lengths and --trials: the demo would evaluate"},
      {"demo --threads 100000", "--threads is 100000"},
      {"bench scan --n-scalar 1000000000000", "--n-scalar is 1000000000000"},
      {"bench scan --threads 100000", "--threads is 100000"},
      {"bench argru --hidden 1024 --eval-length 100000000", "--eval-length 100000000"},
      {"bench monoid --max-monoid 1000000000000", "--max-monoid 1000000000000"},
      {"bench solve --threads 1 100000", "--threads is 100000"},
      {"recognize --language parity --model diag --lengths 0..1000000000+1", "--lengths: '0..1000000000+1': 1000000001 lengths"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = cli(c.args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.says));
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: length lists count a range from its ends before building it", "[quick][errors][cli]") {
  using V = std::vector<std::size_t>;
  CHECK(experiment::parse_lengths("3..20x3") == V{3, 9});
  CHECK(experiment::parse_lengths("1e9") == V{1000000000});
  CHECK(experiment::parse_lengths("1..100000+1").size() == 100000);
  CHECK(experiment::parse_lengths("1..100000+1").back() == 100000);
  CHECK(experiment::parse_lengths("0..999999999+333333333") == V{0, 333333333, 666666666, 999999999});
  CHECK(experiment::parse_lengths("1..1000000000x10").back() == 1000000000);
  CHECK_THROWS_AS(experiment::parse_lengths("0..1000000000+1"), limits::LimitError);
  CHECK_THROWS_AS(experiment::parse_lengths("1..100000+1,5"), limits::LimitError);
  for (const char* bad : {"0x10", "inf", "nan", "1e999", "1000000001", "+5", " 5", "5 ", "1e", ".", "1..2x1e10"}) {
    INFO(bad);
    CHECK_THROWS_AS(experiment::parse_lengths(bad), std::invalid_argument);
  }
  CHECK_THROWS_AS(experiment::parse_lengths("100", 99), std::invalid_argument);  // a caller's tighter limit
}

TEST_CASE("cli: circuit --sweep reads its ends as lengths, and the circuit's estimate is at least its size", "[quick][errors][cli]") {
  // "1e3" was read as 1 (one row, silently): now n = 1, 2, 4, … 512
  auto r = cli("circuit --model lrnn:parity --sweep 1..1e3 --json");
  REQUIRE(r.code == 0);
  const auto rows = json_lines(r.out);
  REQUIRE(rows.size() == 10);
  CHECK(rows.back().at("n") == 512);
  // the estimate the memory check uses (printed when a tiny limit refuses it) is never below the built circuit
  for (const char* model : {"lrnn:diag:d=4 --network kogge-stone", "lrnn:dense:d=3 --network brent-kung", "dfa:parity",
                            "rnn:relu:d=3", "transformer:random", "ssm:diag:d=2 --fanin unbounded"}) {
    INFO(model);
    r = cli(std::string("circuit --model ") + model + " --n 300 --json");
    REQUIRE(r.code == 0);
    const std::uint64_t gates = json_lines(r.out).at(0).at("gates").get<std::uint64_t>();
    std::uint64_t estimate = 0;
    {
      const MemoryLimit tiny("1K");
      r = cli(std::string("circuit --model ") + model + " --n 300 --json");
    }
    CHECK(r.code == 2);
    const auto at = r.err.find("(about ");
    REQUIRE(at != std::string::npos);
    estimate = std::stoull(r.err.substr(at + 7));
    CHECK(estimate >= gates);
    CHECK(estimate <= 4 * gates);
  }
}

TEST_CASE("cli: scan and solve report the threads they used, not the requested count", "[quick][cli]") {
  // 1000 steps fit one block of the chained scan: one thread, whatever was asked
  auto r = cli("scan --model parity --random 1000 --parallel --threads 8 --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("threads") == 1);
  r = cli("scan --model parity --random 100000 --parallel --threads 2 --block 1000 --json");
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("threads") == 2);
  r = cli("scan --model parity --random 10 --parallel --threads 4 --block 1000000000 --json");  // a block longer than the input
  REQUIRE(r.code == 0);
  CHECK(json_lines(r.out).at(0).at("threads") == 1);
  // solve: at most one thread per 16 steps
  r = cli("solve --length 20 --threads 8 --json");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out).at("threads") == 1);
  r = cli("solve --length 200 --threads 2 --json");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out).at("threads") == 2);
}
