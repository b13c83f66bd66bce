// Datasets: export is deterministic, labelled by the reference solver, free of
// cross-split duplicates and described by its manifest; the audit passes
// Parallax's own exports and catches broken copies (flipped labels,
// duplicated lines, a planted length shortcut); the command line's exit codes.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <map>
#include <set>
#include <sstream>

#include "cli_harness.hpp"
#include "experiment/dataset.hpp"
#include "experiment/options.hpp"
#include "reductions/problem.hpp"
#include "test_paths.hpp"

using namespace parallax;
namespace ds = experiment::dataset;
namespace fs = std::filesystem;
using parallax_test::cli;
using parallax_test::scratch_dir;
using parallax_test::slurp;

namespace {

std::vector<nlohmann::json> lines_of(const fs::path& p) {
  std::vector<nlohmann::json> v;
  std::istringstream in(slurp(p));
  for (std::string line; std::getline(in, line);) v.push_back(nlohmann::json::parse(line));
  return v;
}

void write_lines(const fs::path& p, const std::vector<nlohmann::json>& lines) {
  std::string text;
  for (const auto& l : lines) text += l.dump() + "\n";
  std::ofstream(p) << text;
}

ds::ExportOptions export_options(const std::string& problem, const std::string& splits, const fs::path& out) {
  ds::ExportOptions o;
  o.problem = problem;
  o.splits = splits;
  o.per_length = 6;
  o.balanced = true;
  o.seed = 7;
  o.out = out.string();
  o.command = "test";
  o.version = "0";
  return o;
}

const ds::Check* find(const ds::AuditReport& r, const std::string& check, const std::string& split) {
  for (const auto& c : r.checks)
    if (c.check == check && c.split == split && !c.passed) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("dataset: splits parse as length lists and bad ones name the part", "[quick][dataset][errors]") {
  const auto s = ds::parse_splits("train=2..5,val=8..16x2,10,test=100");
  REQUIRE(s.size() == 3);
  CHECK(s[0].name == "train");
  CHECK(s[0].lengths == std::vector<std::size_t>{2, 3, 4, 5});
  CHECK(s[1].lengths == std::vector<std::size_t>{8, 16, 10});
  CHECK(s[1].lengths_text == "8..16x2,10");
  CHECK(s[2].lengths == std::vector<std::size_t>{100});
  for (const char* bad : {"", "train", "=2..4", "train=", "train=0", "train=5..2", "tr ain=4", "a=2,a=3", "train=x", "2,train=3"})
    CHECK_THROWS_AS(ds::parse_splits(bad), experiment::OptionError);
  CHECK_THROWS_WITH(ds::parse_splits("a=2,a=3"), Catch::Contains("split 'a' is given twice"));
  CHECK_THROWS_WITH(ds::parse_splits("test=5..2"), Catch::Contains("split test"));
}

TEST_CASE("dataset: an instance's length is its n, else its longest array or string", "[quick][dataset]") {
  CHECK(ds::instance_length(nlohmann::json{{"problem", "word:S5"}, {"word", "sscsc"}, {"n", 9}}) == 9);
  CHECK(ds::instance_length(nlohmann::json{{"problem", "word:S5:all"}, {"word", "sscsc"}, {"split", "training-set"}}) == 5);
  CHECK(ds::instance_length(nlohmann::json{{"matrices", nlohmann::json::array({1, 2, 3})}, {"residue", 1}}) == 3);
  CHECK(ds::instance_length(nlohmann::json{{"problem", "x"}}) == 0);
  CHECK(ds::instance_length(nlohmann::json::array({1, 2})) == 0);
}

TEST_CASE("dataset: export is deterministic, labelled by the reference, and without cross-split duplicates",
          "[quick][dataset]") {
  for (const char* problem : {"word:S5", "word:A5", "imm3:zero", "imm3:mod:29", "majority", "dgc", "formula:vars:3"}) {
    INFO(problem);
    const fs::path a = scratch_dir() / fmt::format("export-a-{}", std::hash<std::string>{}(problem));
    const fs::path b = scratch_dir() / fmt::format("export-b-{}", std::hash<std::string>{}(problem));
    const auto rep = ds::export_dataset(export_options(problem, "train=20..30+2,val=20..30+2,test=40..48+4", a));
    ds::export_dataset(export_options(problem, "train=20..30+2,val=20..30+2,test=40..48+4", b));
    for (const char* f : {"train.jsonl", "val.jsonl", "test.jsonl", "manifest.json"})
      CHECK(slurp(a / f) == slurp(b / f));  // same options, same bytes
    CHECK(rep.instances == 6 * (6 + 6 + 3));
    const auto p = reductions::make_problem(problem);
    std::map<std::string, std::string> owner;
    for (const char* split : {"train", "val", "test"}) {
      std::size_t yes = 0, lines = 0;
      for (auto l : lines_of(a / fmt::format("{}.jsonl", split))) {
        CHECK(l.at("split") == split);
        CHECK(p->solve(l) == l.at("answer").get<bool>());
        yes += l.at("answer").get<bool>();
        ++lines;
        for (const char* f : {"answer", "split", "n"}) l.erase(f);
        const auto [it, fresh] = owner.emplace(l.dump(), split);
        CHECK((fresh || it->second == split));  // no instance in two splits
      }
      CHECK(2 * yes == lines);  // balanced
      // the manifest's counts and digest
      const auto m = nlohmann::json::parse(slurp(a / "manifest.json"));
      bool found = false;
      for (const auto& e : m.at("splits"))
        if (e.at("name") == split) {
          found = true;
          CHECK(e.at("instances") == lines);
          CHECK(e.at("yes") == yes);
        }
      CHECK(found);
      CHECK(m.at("sha256").at(fmt::format("{}.jsonl", split)).get<std::string>().size() == 64);
    }
    // the export passes its own audit
    ds::AuditOptions ao;
    ao.problem = problem;
    ao.files = {(a / "train.jsonl").string(), (a / "val.jsonl").string(), (a / "test.jsonl").string()};
    const auto audit = ds::audit(ao);
    for (const auto& c : audit.checks) {
      INFO(c.check << " " << c.split << ": " << c.detail);
      CHECK(c.passed);
    }
  }
  // a seed changes the instances
  const fs::path c = scratch_dir() / "export-seed";
  auto o = export_options("word:A5", "train=20..30+2", c);
  o.seed = 8;
  ds::export_dataset(o);
  CHECK(slurp(c / "train.jsonl") != slurp(scratch_dir() / fmt::format("export-a-{}", std::hash<std::string>{}("word:A5")) / "train.jsonl"));
  // lengths that cannot supply new instances are refused, naming the split and length
  CHECK_THROWS_WITH(ds::export_dataset(export_options("word:S5", "train=6,val=6", scratch_dir() / "few")),
                    Catch::Contains("split val, length 6"));
  CHECK_THROWS_WITH(ds::export_dataset(export_options("word:S5", "train=3", scratch_dir() / "none")),
                    Catch::Contains("split train, length 3"));
}

TEST_CASE("dataset: the audit catches flipped labels, duplicated lines and a planted shortcut", "[quick][dataset]") {
  const fs::path dir = scratch_dir() / "audit-source";
  ds::export_dataset(export_options("word:A5", "train=20..40+2,test=20..40+2", dir));
  const auto train = lines_of(dir / "train.jsonl"), test = lines_of(dir / "test.jsonl");
  ds::AuditOptions ao;
  ao.problem = "word:A5";
  auto run = [&](const std::vector<nlohmann::json>& tr, const std::vector<nlohmann::json>& te, const std::string& tag) {
    const fs::path t = scratch_dir() / (tag + "-train.jsonl"), u = scratch_dir() / (tag + "-test.jsonl");
    write_lines(t, tr);
    write_lines(u, te);
    ao.files = {t.string(), u.string()};
    return ds::audit(ao);
  };
  CHECK(run(train, test, "clean").passed());

  // flipped labels: counted, listed with file:line
  auto flipped = test;
  for (std::size_t i = 0; i < flipped.size(); i += 10) flipped[i]["answer"] = !flipped[i]["answer"].get<bool>();
  const auto f = run(train, flipped, "flipped");
  CHECK_FALSE(f.passed());
  REQUIRE(find(f, "labels", ""));
  CHECK(find(f, "labels", "")->detail.find(fmt::format("{} of", (flipped.size() + 9) / 10)) == 0);
  REQUIRE_FALSE(f.wrong.empty());
  CHECK(f.wrong[0].find("flipped-test.jsonl:1: label") != std::string::npos);

  // duplicated lines: train lines copied into test (leakage), and repeated within train
  auto leaky = test;
  for (std::size_t i = 0; i < 5; ++i) leaky[i] = train[i], leaky[i]["split"] = "test";
  auto doubled = train;
  for (std::size_t i = 0; i < train.size() / 5; ++i) doubled.push_back(train[i]);
  const auto d = run(doubled, leaky, "dup");
  CHECK(find(d, "leakage", "test"));
  CHECK(find(d, "duplicates", "train"));
  CHECK_FALSE(find(d, "labels", ""));

  // a planted shortcut: yes-instances only at lengths ≡ 0 mod 4, no-instances only at lengths ≡ 2 mod 4
  auto planted = [](const std::vector<nlohmann::json>& ls) {
    std::vector<nlohmann::json> out;
    for (const auto& l : ls)
      if ((l.at("n").get<std::size_t>() % 4 == 0) == l.at("answer").get<bool>()) out.push_back(l);
    return out;
  };
  const auto s = run(planted(train), planted(test), "shortcut");
  const ds::Check* c = find(s, "shortcut", "test");
  REQUIRE(c);
  CHECK(c->value > 0.4);
  CHECK(c->detail.find("yes iff") != std::string::npos);  // the rule is stated

  // a planted token shortcut: yes-instances that start with t, no-instances that start with c
  auto first_letter = [](const std::vector<nlohmann::json>& ls) {
    std::vector<nlohmann::json> out;
    for (const auto& l : ls)
      if ((l.at("word").get<std::string>()[0] == 't') == l.at("answer").get<bool>()) out.push_back(l);
    return out;
  };
  const auto fl = run(first_letter(train), first_letter(test), "first-letter");
  const ds::Check* fc = find(fl, "shortcut", "test");
  REQUIRE(fc);
  CHECK(fc->detail.find("first-1") == 0);
  CHECK(fc->value > 0.4);

  // an unbalanced split
  std::vector<nlohmann::json> yes_only;
  for (const auto& l : test)
    if (l.at("answer").get<bool>()) yes_only.push_back(l);
  CHECK(find(run(train, yes_only, "balance"), "balance", "test"));
}

TEST_CASE("dataset: the commands' exit codes and messages", "[quick][dataset][errors][cli]") {
  const fs::path out = scratch_dir() / "cli-export";
  auto r = cli(fmt::format("dataset export --problem word:A5 --splits train=20..24+2,test=30 --per-length 4 --balanced --out '{}'",
                           out.string()));
  REQUIRE(r.code == 0);
  CHECK(r.out.find("instances in") != std::string::npos);
  r = cli(fmt::format("audit --problem word:A5 '{}' '{}'", (out / "train.jsonl").string(), (out / "test.jsonl").string()));
  CHECK(r.code == 0);
  CHECK(r.out.find("audit: passed") != std::string::npos);
  // a flipped label: exit 1, the line named
  auto lines = lines_of(out / "test.jsonl");
  lines[2]["answer"] = !lines[2]["answer"].get<bool>();
  write_lines(scratch_dir() / "test.jsonl", lines);
  r = cli(fmt::format("audit --problem word:A5 '{}' '{}' --json", (out / "train.jsonl").string(), (scratch_dir() / "test.jsonl").string()));
  CHECK(r.code == 1);
  CHECK(r.out.find("\"check\":\"labels\"") != std::string::npos);
  // bad input: exit 2 naming the file and line, the option or the split
  std::ofstream(scratch_dir() / "bad.jsonl") << lines[0].dump() << "\n{\"problem\":\"word:A5\",\"word\":\"tc\"}\n";
  r = cli(fmt::format("audit --problem word:A5 '{}'", (scratch_dir() / "bad.jsonl").string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("bad.jsonl:2: field answer") != std::string::npos);
  r = cli(fmt::format("dataset export --problem word:S5 --splits train=0 --out '{}'", out.string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("--splits") != std::string::npos);
  r = cli(fmt::format("dataset export --problem nope --out '{}'", out.string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("--problem") != std::string::npos);
  r = cli(fmt::format("dataset export --problem word:S5 --format csv --out '{}'", out.string()));
  CHECK(r.code == 2);
  r = cli("audit --problem word:S5 --max-wrong 2 x.jsonl");
  CHECK(r.code == 2);
  // convert: the options and formats are named
  r = cli(fmt::format("dataset convert '{}' --problem word:A5 --from csv --to jsonl --out '{}'", out.string(), (scratch_dir() / "cv").string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("--from csv") != std::string::npos);
  r = cli(fmt::format("dataset convert '{}' --problem word:A5 --from jsonl --to linearrnn --out '{}'", out.string(), (scratch_dir() / "cv").string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("--to linearrnn: the linear-RNN task files encode") != std::string::npos);
  r = cli(fmt::format("dataset convert '{}' --problem word:A5 --from jsonl --to jsonl --out '{}'", (out / "nope").string(), (scratch_dir() / "cv").string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("no such file or folder") != std::string::npos);
  r = cli(fmt::format("dataset convert '{}' --problem word:A5 --from jsonl --to jsonl --out '{}'", out.string(), (scratch_dir() / "cv").string()));
  CHECK(r.code == 0);
  CHECK(slurp(scratch_dir() / "cv" / "test.jsonl") == slurp(out / "test.jsonl"));  // jsonl to jsonl: the same lines
}

TEST_CASE("dataset: the uniform word:S5 export has the sign shortcut, which the count-mod-2 probe finds", "[quick][dataset]") {
  // Every yes-word of S5 (product = identity) is an even permutation, so it has an even number of
  // the transposition s; uniform no-words are odd about half the time. A finite-state rule
  // (count(s) mod 2) therefore beats the majority class by about 25 points.
  const fs::path dir = scratch_dir() / "s5-sign";
  auto o = export_options("word:S5", "train=20..40+2,test=20..40+2", dir);
  o.per_length = 24;
  o.negatives = "uniform";
  ds::export_dataset(o);
  ds::AuditOptions ao;
  ao.problem = "word:S5";
  ao.files = {dir.string()};  // a folder: its .jsonl files
  const auto rep = ds::audit(ao);
  const ds::Check* c = nullptr;
  for (const auto& k : rep.checks)
    if (!k.passed && k.detail.starts_with("count-mod-2[s]")) c = &k;
  REQUIRE(c);
  CHECK(c->split == "test");
  CHECK(c->value > 0.15);
  CHECK(c->detail.find("yes iff count(s) mod 2 in {0}") != std::string::npos);

  // matched negatives (the default): products in A5 = [S5, S5], never the identity; the audit passes
  const auto p = reductions::make_problem("word:S5");
  CHECK(p->matched_negatives().find("60 of the 120") != std::string::npos);
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto in = p->generate_matched_no(20 + seed % 7, seed);
    CHECK_FALSE(p->solve(in));
    const auto w = in.at("word").get<std::string>();
    CHECK(std::count(w.begin(), w.end(), 's') % 2 == 0);  // even: in A5
    CHECK(w.size() == 20 + seed % 7);
  }
  CHECK(reductions::make_problem("word:Z5")->matched_negatives().empty());  // abelian: nothing to match
  // imm3:zero: the entry of a matched no-instance is a non-zero multiple of 6
  const auto z = reductions::make_problem("imm3:zero");
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    auto in = z->generate_matched_no(8 + seed % 5, seed);
    CHECK_FALSE(z->solve(in));
    std::array<std::int64_t, 3> row{1, 0, 0};
    for (const auto& mat : in.at("matrices")) {
      std::array<std::int64_t, 3> next{0, 0, 0};
      for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t k = 0; k < 3; ++k) next[c] += row[k] * mat[k][c].get<std::int64_t>();
      row = next;
    }
    CHECK(row[0] != 0);
    CHECK(row[0] % 6 == 0);
  }
  // with uniform no-instances the entry modulo 3 gives imm3:zero away
  const fs::path zu = scratch_dir() / "zero-uniform";
  auto zo = export_options("imm3:zero", "train=8..30,test=31..40", zu);
  zo.negatives = "uniform";
  ds::export_dataset(zo);
  ds::AuditOptions za;
  za.problem = "imm3:zero";
  za.files = {zu.string()};
  bool mod3 = false;
  for (const auto& k : ds::audit(za).checks) mod3 = mod3 || (!k.passed && k.detail.starts_with("entry-mod-3"));
  CHECK(mod3);
  CHECK(reductions::make_problem("majority")->matched_negatives().empty());
  const fs::path m = scratch_dir() / "s5-matched";
  ds::export_dataset(export_options("word:S5", "train=20..40+2,test=20..40+2", m));
  ao.files = {m.string()};
  for (const auto& k : ds::audit(ao).checks) {
    INFO(k.check << " " << k.split << ": " << k.detail);
    CHECK(k.passed);
  }
  CHECK(nlohmann::json::parse(slurp(m / "manifest.json")).at("negatives") == "matched");
}

TEST_CASE("dataset: the linear-RNN task files round-trip and their bad lines are named", "[quick][dataset]") {
  for (const char* problem : {"dgc", "imm3:zero"}) {
    INFO(problem);
    const std::string tag = problem == std::string("dgc") ? "dgc" : "zero";
    const fs::path j = scratch_dir() / ("lr-jsonl-" + tag), l = scratch_dir() / ("lr-txt-" + tag), back = scratch_dir() / ("lr-back-" + tag);
    auto o = export_options(problem, "train=4..12,test=13..16", j);
    ds::export_dataset(o);
    o.out = l.string();
    o.format = "linearrnn";
    const auto rep = ds::export_dataset(o);
    CHECK(fs::exists(l / "train_src.txt"));
    CHECK(fs::exists(l / "test_tgt.txt"));
    CHECK(rep.manifest.at("sha256").contains("train_tgt.txt"));
    // the same instances in both formats: the answers line by line, the matrices verbatim
    const auto p = reductions::make_problem(problem);
    const auto read = ds::read_dataset(*p, ds::Format::LinearRnn, {(l / "train_src.txt").string(), (l / "test_src.txt").string()});
    const auto ref = ds::read_dataset(*p, ds::Format::Jsonl, {(j / "train.jsonl").string(), (j / "test.jsonl").string()});
    REQUIRE(read.size() == ref.size());
    for (std::size_t i = 0; i < read.size(); ++i) {
      CHECK(read[i].split == ref[i].split);
      CHECK(read[i].answer == ref[i].answer);
      CHECK(p->solve(read[i].instance) == *read[i].answer);
      if (tag == "zero") CHECK(read[i].instance.at("matrices") == ref[i].instance.at("matrices"));
      else CHECK(read[i].instance.at("edges").size() == ref[i].instance.at("edges").size());
    }
    // convert back to jsonl: the audit passes on it
    ds::ConvertOptions co;
    co.problem = problem;
    co.inputs = {l.string()};
    co.from = "linearrnn";
    co.to = "jsonl";
    co.out = back.string();
    CHECK(ds::convert(co).instances == read.size());
    ds::AuditOptions ao;
    ao.problem = problem;
    ao.files = {back.string()};
    for (const auto& c : ds::audit(ao).checks) {
      INFO(c.check << " " << c.split << ": " << c.detail);
      CHECK(c.passed);
    }
    // a flipped label in a _tgt file is caught and located in the _src file's line
    std::string tgt = slurp(l / "test_tgt.txt");
    tgt[0] = tgt[0] == '0' ? '1' : '0';
    std::ofstream(l / "test_tgt.txt") << tgt;
    ao.format = "linearrnn";
    ao.files = {l.string()};
    const auto bad = ds::audit(ao);
    REQUIRE(find(bad, "labels", ""));
    REQUIRE_FALSE(bad.wrong.empty());
    CHECK(bad.wrong[0].find("test_src.txt:1:") != std::string::npos);
  }
  // the linear-RNN generator's own shape: source 0, target N, sorted edges u < v (nodes = largest id + 1)
  const fs::path d = scratch_dir() / "lr-hand";
  fs::create_directories(d);
  std::ofstream(d / "train_src.txt") << "0;0-10;1-11;10-100;100\n0;0-11;1-10;10-100;100\n";
  std::ofstream(d / "train_tgt.txt") << "1\n0\n";
  const auto p = reductions::make_problem("dgc");
  const auto ls = ds::read_dataset(*p, ds::Format::LinearRnn, {(d / "train_tgt.txt").string()});
  REQUIRE(ls.size() == 2);
  CHECK(ls[0].instance.at("nodes") == 5);
  CHECK(ls[0].split == "train");
  CHECK(p->solve(ls[0].instance));
  CHECK_FALSE(p->solve(ls[1].instance));
  CHECK(ds::read_dataset(*p, ds::Format::LinearRnn, {(d / "train_src.txt").string()}, {9})[0].instance.at("nodes") == 9);
  // and says so: a note unless --nodes is given
  REQUIRE(ds::reading_notes(ds::Format::LinearRnn, *p).size() == 1);
  CHECK(ds::reading_notes(ds::Format::LinearRnn, *p)[0].find("largest node id + 1") != std::string::npos);
  CHECK(ds::reading_notes(ds::Format::LinearRnn, *p, {9}).empty());
  ds::AuditOptions nodes_audit;
  nodes_audit.problem = "dgc";
  nodes_audit.format = "linearrnn";
  nodes_audit.files = {(d / "train_src.txt").string()};
  CHECK(ds::audit(nodes_audit).notes.size() == 1);
  // bad lines name the file, the line and the field
  auto fails = [&](const std::string& problem, const std::string& src, const std::string& tgt, const std::string& what) {
    std::ofstream(d / "bad_src.txt") << src;
    std::ofstream(d / "bad_tgt.txt") << tgt;
    const auto q = reductions::make_problem(problem);
    CHECK_THROWS_WITH(ds::read_dataset(*q, ds::Format::LinearRnn, {(d / "bad_src.txt").string()}), Catch::Contains(what));
  };
  fails("dgc", "0;0-1;1\n0;0-12;1\n", "1\n1\n", "bad_src.txt:2: source line: edge 1");
  fails("dgc", "0;0-1;1-0;1\n", "1\n", "cycle");
  fails("dgc", "0;0-1;1\n", "2\n", "bad_src.txt:1: target line: expected 0 or 1");
  fails("dgc", "0;0-1;1\n0;0-1;1\n", "1\n", "2 lines, but");
  fails("imm3:zero", "2|1,0,0,0,1,0,0,0,1\n", "0\n", "T is 2 but 1 matrices follow");
  fails("imm3:zero", "1|1,0,0,0,2,0,0,0,1\n", "0\n", "matrix 1, entry 4: expected -1, 0 or 1, found '2'");
  fails("imm3:mod:29", "1|31|0|1,0,0,0,1,0,0,0,1\n", "1\n", "field m: imm3:mod:29 has m = 29");
  fails("imm3:mod:29", "1|29|9|1,0,0,0,1,0,0,0,1\n", "1\n", "field qk");
  fails("imm3:mod:29", "2|29|0|1,0,0,0,1,0,0,0,1|1,0,0,0,1,0,0,0,1\n", "1\n", "target line: 1 labels for 2 matrices");
  std::filesystem::remove(d / "bad_tgt.txt");
  CHECK_THROWS(ds::read_dataset(*p, ds::Format::LinearRnn, {(d / "bad_src.txt").string()}));
  // formats refuse the problems they cannot encode
  CHECK_THROWS_WITH(ds::check_format_supports(ds::Format::LinearRnn, *reductions::make_problem("majority")),
                    Catch::Contains("not majority"));
  CHECK_THROWS_WITH(ds::check_format_supports(ds::Format::WordCsv, *reductions::make_problem("word:S5")),
                    Catch::Contains("word:G:all"));
}

namespace {

/// The word-problem CSVs' own arithmetic, written independently: S_n's elements are the
/// permutations of 0..n-1 in lexicographic order, (p·q)(i) = p(q(i)), acc ← acc·x.
struct CsvGroup {
  std::vector<std::vector<int>> elements;
  explicit CsvGroup(int n) {
    std::vector<int> p(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) p[std::size_t(i)] = i;
    do elements.push_back(p);
    while (std::next_permutation(p.begin(), p.end()));
  }
  std::size_t times(std::size_t a, std::size_t b) const {
    std::vector<int> r(elements[a].size());
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = elements[a][std::size_t(elements[b][i])];
    return std::size_t(std::find(elements.begin(), elements.end(), r) - elements.begin());
  }
};

}  // namespace

TEST_CASE("dataset: word-problem CSVs made by the CSV convention audit clean, and a wrong running product is located",
          "[quick][dataset]") {
  for (const int n : {3, 5}) {
    INFO("S" << n);
    const CsvGroup g(n);
    const fs::path dir = scratch_dir() / fmt::format("csv-S{}", n) / "train";
    fs::create_directories(dir);
    std::mt19937_64 rng(n);
    std::string text = "seed,input,target\n";
    for (int line = 0; line < 40; ++line) {
      std::string input, target;
      std::size_t acc = 0;  // the identity is element 0
      for (int k = 0; k < 12; ++k) {
        const std::size_t x = rng() % g.elements.size();
        acc = g.times(acc, x);
        input += (k ? " " : "") + std::to_string(x);
        target += (k ? " " : "") + std::to_string(acc);
      }
      text += fmt::format("0,{},{}\n", input, target);
    }
    const fs::path file = dir / fmt::format("S{}=12.csv", n);
    std::ofstream(file) << text;
    const std::string problem = fmt::format("word:S{}:all", n);
    ds::AuditOptions ao;
    ao.problem = problem;
    ao.format = "word-csv";
    ao.files = {file.string()};
    const auto clean = ds::audit(ao);
    REQUIRE(find(clean, "labels", "") == nullptr);
    CHECK(clean.splits.at("train").at("lines") == 40);
    // the lines read are Parallax instances whose running products are the CSV's, inverted
    const auto p = reductions::make_problem(problem);
    const auto read = ds::read_dataset(*p, ds::Format::WordCsv, {file.string()});
    REQUIRE(read.size() == 40);
    CHECK(read[0].split == "train");
    CHECK(read[0].targets == p->solve_steps(read[0].instance));
    // convert to jsonl and back: the same bytes
    ds::ConvertOptions co;
    co.problem = problem;
    co.inputs = {(dir.parent_path()).string()};
    co.from = "word-csv";
    co.to = "jsonl";
    co.out = (scratch_dir() / fmt::format("csv-S{}-jsonl", n)).string();
    ds::convert(co);
    co.inputs = {co.out};
    co.from = "jsonl";
    co.to = "word-csv";
    co.out = (scratch_dir() / fmt::format("csv-S{}-back", n)).string();
    ds::convert(co);
    CHECK(slurp(fs::path(co.out) / "train" / fmt::format("S{}=12.csv", n)) == text);
    // one wrong running product: the line and the position are named
    auto broken = text;
    const auto line3 = [&] {
      std::size_t at = 0;
      for (int i = 0; i < 3; ++i) at = broken.find('\n', at) + 1;
      return at;
    }();
    const auto last_space = broken.find('\n', line3) - 1;  // the last label's last digit
    broken[last_space] = broken[last_space] == '0' ? '1' : '0';
    std::ofstream(file) << broken;
    const auto bad = ds::audit(ao);
    REQUIRE(find(bad, "labels", ""));
    REQUIRE(bad.wrong.size() == 1);
    CHECK(bad.wrong[0].find(fmt::format("=12.csv:4: position 12: label")) != std::string::npos);
  }
}

TEST_CASE("dataset: stepwise exports carry per-position labels in every format and round-trip", "[quick][dataset]") {
  // imm3:mod:29 as the linear-RNN task files: T|m|qk|matrices, targets v1|...|vT
  const fs::path l = scratch_dir() / "step-imm";
  auto o = export_options("imm3:mod:29:4", "train=2..10,test=11..14", l);
  o.format = "linearrnn";
  ds::export_dataset(o);
  const auto p = reductions::make_problem("imm3:mod:29:4");
  const auto lines = ds::read_dataset(*p, ds::Format::LinearRnn, {l.string() + "/train_src.txt"});
  REQUIRE(lines.size() == 9 * 6);
  for (const auto& x : lines) {
    CHECK(x.targets == p->solve_steps(x.instance));
    CHECK(x.targets.size() == x.n);
    CHECK(x.instance.at("entry") == 4);
  }
  CHECK(slurp(l / "train_src.txt").starts_with("2|29|4|"));
  // jsonl carries the same targets, beside the decision
  const fs::path j = scratch_dir() / "step-imm-jsonl";
  o.format = "jsonl";
  o.out = j.string();
  ds::export_dataset(o);
  const auto js = lines_of(j / "train.jsonl");
  REQUIRE(js.size() == lines.size());
  for (std::size_t i = 0; i < js.size(); ++i) CHECK(js[i].at("targets") == nlohmann::json(lines[i].targets));
  // a wrong per-position label in a _tgt file is found at its position
  std::string tgt = slurp(l / "test_tgt.txt");
  const auto bar = tgt.find('|');
  tgt[bar - 1] = tgt[bar - 1] == '0' ? '1' : '0';
  std::ofstream(l / "test_tgt.txt") << tgt;
  ds::AuditOptions ao;
  ao.problem = "imm3:mod:29:4";
  ao.format = "linearrnn";
  ao.files = {l.string()};
  const auto bad = ds::audit(ao);
  REQUIRE(bad.wrong.size() == 1);
  CHECK(bad.wrong[0].find("test_src.txt:1: position 1: label") != std::string::npos);
  // word:S3:all as permutation matrices (m = 6), and as a CSV
  const fs::path w = scratch_dir() / "step-s3";
  auto ws = export_options("word:S3:all", "train=5..8,test=9..12", w);
  ws.format = "linearrnn";
  ds::export_dataset(ws);
  CHECK(slurp(w / "train_src.txt").find("|6|0|") != std::string::npos);
  ao.problem = "word:S3:all";
  ao.files = {w.string()};
  CHECK(ds::audit(ao).passed());
  ws.format = "word-csv";
  ws.out = (scratch_dir() / "step-s3-csv").string();
  const auto rep = ds::export_dataset(ws);
  CHECK(fs::exists(scratch_dir() / "step-s3-csv" / "train" / "S3=5.csv"));
  CHECK(rep.manifest.at("splits")[0].at("files").size() == 4);
  ao.format = "word-csv";
  ao.files = {ws.out};
  CHECK(ds::audit(ao).passed());
}
