// The classify and equivalent experiments (experiment/classify.hpp,
// experiment/equivalent.hpp) as a library: options refused with the option
// named, records that agree with the algebra of known languages and with an
// independent enumeration of the transition monoid, records that read back,
// the Cayley graph checked edge by edge against the automaton, and shortest
// counterexamples checked against a brute-force search.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/languages.hpp"
#include "automata/minimize.hpp"
#include "automata/regex.hpp"
#include "experiment/classify.hpp"
#include "experiment/equivalent.hpp"
#include "experiment/records.hpp"
#include "numeric/output.hpp"

using namespace parallax;
namespace cl = experiment::classify;
namespace eq = experiment::equivalent;

namespace {

std::filesystem::path scratch() {
  const auto dir = std::filesystem::temp_directory_path() / "parallax-test-classify-experiment";
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto path = scratch() / name;
  std::ofstream(path) << text;
  return path;
}

cl::Options of_language(const std::string& name) {
  cl::Options o;
  o.source.language = name;
  return o;
}

cl::Options of_regex(const std::string& regex, const std::string& alphabet = "") {
  cl::Options o;
  o.source.regex = regex;
  o.source.alphabet = alphabet;
  return o;
}

/// The option an OptionError of f names ("" when f throws none).
template <class F>
std::string option_refused(F&& f) {
  try {
    f();
  } catch (const experiment::OptionError& e) {
    return e.option;
  }
  return "";
}

/// The transition monoid of a DFA by breadth-first search over words, as a
/// set of state maps: the reference for the monoid's size and idempotents.
std::set<std::vector<std::uint32_t>> monoid_by_search(const automata::Dfa& d) {
  std::vector<std::uint32_t> identity(d.states);
  for (std::uint32_t q = 0; q < d.states; ++q) identity[q] = q;
  std::set<std::vector<std::uint32_t>> seen = {identity};
  std::vector<std::vector<std::uint32_t>> frontier = {identity};
  while (!frontier.empty()) {
    std::vector<std::vector<std::uint32_t>> next;
    for (const auto& f : frontier)
      for (const auto& letter : d.delta) {
        std::vector<std::uint32_t> g(d.states);
        for (std::uint32_t q = 0; q < d.states; ++q) g[q] = letter[f[q]];
        if (seen.insert(g).second) next.push_back(g);
      }
    frontier = std::move(next);
  }
  return seen;
}

std::size_t idempotents_of(const std::set<std::vector<std::uint32_t>>& m) {
  std::size_t n = 0;
  for (const auto& f : m) {
    bool idempotent = true;
    for (std::uint32_t q = 0; q < f.size(); ++q) idempotent = idempotent && f[f[q]] == f[q];
    n += idempotent;
  }
  return n;
}

/// Whether d accepts the word (letters as characters of the alphabet's one-character names).
bool accepts_text(const automata::Dfa& d, const std::string& word) {
  std::vector<std::uint32_t> w;
  for (char c : word)
    for (std::uint32_t g = 0; g < d.alphabet.size(); ++g)
      if (d.alphabet[g] == std::string(1, c)) w.push_back(g);
  REQUIRE(w.size() == word.size());
  return automata::accepts(d, w);
}

}  // namespace

TEST_CASE("classify experiment: the record of parity is the one the command printed", "[quick][classify][monoid]") {
  // `parallax classify --language parity --json` before classify was an experiment
  const std::string expected = R"json({"language":"parity","states":2,"monoid_size":2,"idempotents":1,"groups":[{"order":2,"solvable":true,"name":"Z_2"}],"aperiodic":false,"quasi_aperiodic":false,"stability_index":1,"stable_semigroup_size":2,"max_period":2,"class":"ACC0","predictions":{"tc0":{"architecture":"log-precision transformer / diagonal SSM","verdict":"no theorem applies","reason":"the language is in ACC0 (inside TC0), so the TC0 bound does not rule it out; no construction is claimed","citation":"-"},"diag01":{"architecture":"diagonal LRNN, eigenvalues in [0,1]","verdict":"no","reason":"the monoid has an element of period 2 > 1, so membership of u v^k w must keep changing with k, while with eigenvalues in [0,1] the state on v^k converges","citation":"Grazzi et al., ICLR 2025, Thm 1 (parity needs an eigenvalue outside [0, inf))"},"diag11":{"architecture":"diagonal LRNN, real eigenvalues in [-1,1]","verdict":"yes","reason":"a Z2 group language: one coordinate, eigenvalue -1 on the letters that swap the states (--model diag)","citation":"Grazzi et al., ICLR 2025 (negative eigenvalues solve parity)"},"pd":{"architecture":"PD-LRNN (permutation x diagonal)","verdict":"yes","reason":"one layer of width |Q| = 2 runs the DFA exactly with 0/1 entries (--model pd)","citation":"Terzic et al., NeurIPS 2025; Merrill et al., Thms 6-8"},"dplr":{"architecture":"DPLR / Householder products","verdict":"yes","reason":"a group automaton: one layer of width 2, each letter a product of at most 1 Householder factors (k - 1 for a letter moving k states) (--model householder)","citation":"Grazzi et al., ICLR 2025"},"rnn":{"architecture":"nonlinear RNN","verdict":"yes","reason":"a one-hot state x letter lookup MLP of width |Q||Sigma| + 1 = 5 (--model relu-rnn)","citation":"Merrill et al. (nonlinear RNNs simulate finite automata and counter machines)"}}})json";
  const auto r = cl::run(of_language("parity"));
  CHECK(cl::to_json(r).dump() == expected);
  CHECK(r.circuit_class == automata::ComplexityClass::ACC0);
  REQUIRE(r.groups.size() == 1);
  CHECK(r.groups[0].name == "Z_2");
}

TEST_CASE("classify experiment: records agree with the algebra of known languages", "[quick][classify][monoid]") {
  struct Case {
    cl::Options options;
    automata::ComplexityClass cls;
    std::size_t monoid;
    bool aperiodic, quasi;
    std::string group;  ///< the largest group's name ("" when aperiodic)
  };
  using C = automata::ComplexityClass;
  const std::vector<Case> cases = {
      {of_language("even-length"), C::AC0, 2, false, true, "Z_2"},   // a group, yet AC0: Σ^2 is trivial
      {of_language("parity"), C::ACC0, 2, false, false, "Z_2"},
      {of_language("contains-aba"), C::AC0, 12, true, true, ""},
      {of_language("count-mod:3"), C::ACC0, 3, false, false, "Z_3"},
      {of_language("word:S3"), C::ACC0, 6, false, false, "S_3"},
      {of_language("word:S5"), C::NC1Complete, 120, false, false, "S_5"},
      {of_language("word:A5"), C::NC1Complete, 60, false, false, "A_5"},
      {of_regex("(ab)*"), C::AC0, 6, true, true, ""},
  };
  for (const auto& c : cases) {
    INFO(c.options.source.language << c.options.source.regex);
    const auto r = cl::run(c.options);
    CHECK(r.circuit_class == c.cls);
    CHECK(r.monoid_size == c.monoid);
    CHECK(r.aperiodic == c.aperiodic);
    CHECK(r.quasi_aperiodic == c.quasi);
    CHECK(r.aperiodic == (r.max_period == 1));
    CHECK(r.groups.empty() == c.group.empty());
    if (!c.group.empty()) CHECK(r.groups[0].name == c.group);
    bool non_solvable = false;
    for (const auto& g : r.groups) non_solvable = non_solvable || !g.solvable;
    CHECK(non_solvable == (c.cls == C::NC1Complete));
    // the monoid and its idempotents, against a search over words of the minimal DFA
    const auto minimal = automata::minimize(c.options.source.load().dfa);
    CHECK(r.states == minimal.states);
    const auto m = monoid_by_search(minimal);
    CHECK(r.monoid_size == m.size());
    CHECK(r.idempotents == idempotents_of(m));
    // one prediction per architecture automata::predict names, each with a verdict
    std::set<automata::Architecture> seen;
    for (const auto& p : r.predictions) {
      CHECK(seen.insert(p.architecture).second);
      CHECK_FALSE(p.verdict.empty());
    }
    CHECK(seen.size() == 6);
    if (c.cls == C::NC1Complete)
      for (const auto& p : r.predictions)
        if (p.architecture == automata::Architecture::Transformer) CHECK(p.verdict == "no unless TC0 = NC1");
  }
}

TEST_CASE("classify experiment: records read back", "[quick][classify]") {
  for (const auto& options : {of_language("parity"), of_language("word:S5"), of_language("contains-aba"),
                              of_regex("x\"y\\\\z*")}) {
    const auto j = cl::to_json(cl::run(options));
    const auto back = cl::record_from_json(nlohmann::ordered_json::parse(j.dump()));
    CHECK(cl::to_json(back).dump() == j.dump());
  }
  const auto good = nlohmann::json::parse(cl::to_json(cl::run(of_language("word:S3"))).dump());
  // an unordered object reads back the same record, the predictions in key order
  {
    const auto unordered = cl::record_from_json(good);
    const auto in_order = cl::record_from_json(nlohmann::ordered_json::parse(good.dump()));
    CHECK(nlohmann::json(cl::to_json(unordered)) == nlohmann::json(cl::to_json(in_order)));
    REQUIRE(unordered.predictions.size() == 6);
    for (std::size_t i = 1; i < unordered.predictions.size(); ++i)
      CHECK(automata::names(unordered.predictions[i - 1].architecture).prediction_key <
            automata::names(unordered.predictions[i].architecture).prediction_key);
  }
  const auto refused = [](const nlohmann::json& j) -> std::string {
    try {
      (void)cl::record_from_json(j);
    } catch (const experiment::RecordFieldError& e) {
      return e.what();
    }
    return "";
  };
  auto j = good;
  j.erase("monoid_size");
  CHECK(refused(j).find("'monoid_size'") != std::string::npos);
  j = good;
  j["class"] = "NP";
  CHECK(refused(j).find("'class'") != std::string::npos);
  j = good;
  j["groups"][0]["order"] = -2;
  CHECK(refused(j).find("groups[0]: field 'order'") != std::string::npos);
  j = good;
  j["predictions"]["pd"].erase("verdict");
  CHECK(refused(j).find("predictions.pd: field 'verdict'") != std::string::npos);
  j = good;
  j["predictions"]["rnn"]["architecture"] = "dense LRNN";
  CHECK(refused(j).find("predictions.rnn: field 'architecture'") != std::string::npos);
  j = good;
  j["predictions"]["lstm"] = j["predictions"]["rnn"];
  CHECK(refused(j).find("predictions.lstm") != std::string::npos);
  CHECK(refused(nlohmann::json::array()).find("not a JSON object") != std::string::npos);
}

TEST_CASE("classify experiment: bad options are refused naming the option", "[quick][classify][errors]") {
  cl::Options none;
  CHECK(option_refused([&] { none.validate(); }) == "language");
  auto two = of_language("parity");
  two.source.regex = "ab";
  CHECK(option_refused([&] { two.validate(); }) == "regex");
  auto alphabet = of_language("parity");
  alphabet.source.alphabet = "ab";
  CHECK(option_refused([&] { alphabet.validate(); }) == "alphabet");
  try {
    alphabet.validate();
  } catch (const experiment::OptionError& e) {
    CHECK(std::string(e.what()) == "--alphabet applies to --regex only");
  }
  try {
    alphabet.validate(experiment::OptionNames{false});
  } catch (const experiment::OptionError& e) {
    CHECK(std::string(e.what()) == "alphabet applies to regex only");
  }
  CHECK(option_refused([] { (void)cl::run(of_language("no-such-language")); }) == "language");
  CHECK(option_refused([] { (void)cl::run(of_regex("a(b")); }) == "regex");
  CHECK(option_refused([] { (void)cl::run(of_regex("ab", "aab")); }) == "alphabet");
  cl::Options wfa;
  wfa.source.automaton = write("wfa.json", R"({"type": "wfa", "alphabet": ["a"], "states": 1, "initial": [1], )"
                                           R"("final": [1], "matrices": {"a": [[1]]}, "threshold": 0})")
                             .string();
  CHECK(option_refused([&] { (void)cl::run(wfa); }) == "automaton");
  cl::Options missing;
  missing.source.automaton = (scratch() / "no-such-file.json").string();
  CHECK(option_refused([&] { (void)cl::run(missing); }) == "automaton");
  // past max_monoid: TooLarge, naming the language
  auto small = of_language("word:S5");
  small.max_monoid = 100;
  CHECK_THROWS_WITH(cl::run(small), Catch::Contains("word:S5: the monoid has more than 100"));
  // the Cayley graph: an unwritable path before any work, a monoid too large to draw
  auto to_dir = of_language("parity");
  to_dir.cayley = scratch().string();
  CHECK_THROWS_AS(cl::run(to_dir), io::WriteError);
  // the full transformation monoid T_6 (6^6 = 46656 elements): a cycle, a transposition, a rank-5 map
  cl::Options t6;
  t6.source.automaton = write("t6.json", R"({"alphabet": ["c", "t", "m"], "states": 6, "start": 0, "accepting": [0], )"
                                         R"("transitions": {"c": [1, 2, 3, 4, 5, 0], "t": [1, 0, 2, 3, 4, 5], )"
                                         R"("m": [0, 0, 2, 3, 4, 5]}})")
                            .string();
  CHECK(cl::run(t6).monoid_size == 46656);
  t6.cayley = (scratch() / "t6.dot").string();
  CHECK(option_refused([&] { (void)cl::run(t6); }) == "cayley");
}

TEST_CASE("classify experiment: the Cayley graph follows the automaton", "[quick][classify][monoid]") {
  for (const std::string name : {"word:S3", "contains-aba", "count-mod:4"}) {
    INFO(name);
    auto o = of_language(name);
    o.cayley = (scratch() / "cayley.dot").string();
    const auto r = cl::run(o);
    std::ifstream in(o.cayley);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto minimal = automata::minimize(automata::language(name));
    // each node's label is a word; its map of the states is the element
    const auto map_of = [&](const std::string& word) {
      std::vector<std::uint32_t> f(minimal.states);
      for (std::uint32_t q = 0; q < minimal.states; ++q) {
        std::uint32_t s = q;
        for (char c : word == "1" ? std::string() : word)
          for (std::uint32_t g = 0; g < minimal.alphabet.size(); ++g)
            if (minimal.alphabet[g] == std::string(1, c)) s = minimal.delta[g][s];
        f[q] = s;
      }
      return f;
    };
    std::map<std::string, std::vector<std::uint32_t>> node;  // e17 → its map
    std::set<std::vector<std::uint32_t>> distinct;
    std::size_t bold = 0, edges = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      const auto label_at = line.find("[label=\"");
      if (label_at == std::string::npos) continue;
      const auto label = line.substr(label_at + 8, line.find('"', label_at + 8) - label_at - 8);
      const auto arrow = line.find(" -> ");
      if (arrow == std::string::npos) {
        const auto id = line.substr(2, line.find(' ', 2) - 2);
        const auto f = map_of(label);
        node[id] = f;
        distinct.insert(f);
        bool idempotent = true;
        for (std::uint32_t q = 0; q < f.size(); ++q) idempotent = idempotent && f[f[q]] == f[q];
        CHECK(idempotent == (line.find("style=bold") != std::string::npos));
        bold += idempotent;
        continue;
      }
      // e -> f under a letter: f's map is e's map followed by the letter
      const auto from = line.substr(2, arrow - 2), to = line.substr(arrow + 4, line.find(' ', arrow + 4) - arrow - 4);
      REQUIRE(node.count(from));
      REQUIRE(node.count(to));
      std::vector<std::uint32_t> expected(minimal.states);
      for (std::uint32_t g = 0; g < minimal.alphabet.size(); ++g)
        if (minimal.alphabet[g] == label)
          for (std::uint32_t q = 0; q < minimal.states; ++q) expected[q] = minimal.delta[g][node[from][q]];
      CHECK(node[to] == expected);
      ++edges;
    }
    CHECK(node.size() == r.monoid_size);
    CHECK(distinct.size() == r.monoid_size);  // a shortest word per element, all different
    CHECK(bold == r.idempotents);
    CHECK(edges == r.monoid_size * minimal.alphabet.size());
  }
}

TEST_CASE("equivalent experiment: shortest counterexamples, records that read back", "[quick][classify]") {
  const auto run = [](const std::string& a, const std::string& b, const std::string& alphabet = "") {
    eq::Options o;
    o.a = a;
    o.b = b;
    o.alphabet = alphabet;
    return eq::run(o);
  };
  auto r = run("parity", "re:(a|ba*b)*");
  CHECK(r.equivalent);
  CHECK(r.states_a == 2);
  CHECK_FALSE(r.counterexample);
  r = run("contains-aba", "re:(a|b)*aba(a|b)*");
  CHECK(r.equivalent);
  // differing pairs: the counterexample is accepted by exactly the side named,
  // and no shorter word separates them (all words over {a, b} up to its length)
  for (const auto& pair : std::vector<std::pair<std::string, std::string>>{
           {"re:a*b*", "re:(a|b)*"}, {"re:(ab)*", "ab-star"}, {"parity", "even-length"}, {"re:(aa)*", "re:(aaa)*"},
           {"contains-aba", "re:(a|b)*ab(a|b)*"}, {"re:a*", "re:b*"}}) {
    const std::string& a = pair.first;
    const std::string& b = pair.second;
    INFO(a << " vs " << b);
    r = run(a, b);
    if (a == "re:(ab)*") {
      CHECK(r.equivalent);
      continue;
    }
    REQUIRE_FALSE(r.equivalent);
    REQUIRE(r.counterexample);
    REQUIRE(r.accepted_by);
    const auto load = [](const std::string& spec) {
      return spec.starts_with("re:") ? automata::regex_to_dfa(spec.substr(3), {"a", "b"}) : automata::language(spec);
    };
    const auto da = load(a), db = load(b);
    const std::string word = *r.counterexample == "(empty word)" ? "" : *r.counterexample;
    CHECK(accepts_text(da, word) != accepts_text(db, word));
    CHECK(*r.accepted_by == (accepts_text(da, word) ? "a" : "b"));
    std::vector<std::string> words = {""};
    for (std::size_t len = 0; len < word.size(); ++len) {
      for (const auto& w : words) CHECK(accepts_text(da, w) == accepts_text(db, w));
      std::vector<std::string> longer;
      for (const auto& w : words) longer.push_back(w + "a"), longer.push_back(w + "b");
      words = std::move(longer);
    }
    const auto j = eq::to_json(r);
    CHECK(eq::to_json(eq::record_from_json(nlohmann::json::parse(j.dump()))).dump() == j.dump());
  }
  const auto equal = eq::to_json(run("parity", "re:(a|ba*b)*"));
  CHECK(equal.dump() ==
        R"({"a":"parity","b":"re:(a|ba*b)*","equivalent":true,"states_a":2,"states_b":2,"counterexample":null,"accepted_by":null})");
  CHECK(eq::to_json(eq::record_from_json(nlohmann::json::parse(equal.dump()))).dump() == equal.dump());
  auto j = nlohmann::json::parse(equal.dump());
  j["counterexample"] = "ab";
  CHECK_THROWS_WITH(eq::record_from_json(j), Catch::Contains("'counterexample'"));
  // a bad side is refused naming it
  CHECK(option_refused([&] { (void)run("re:(ab", "parity"); }) == "a");
  CHECK(option_refused([&] { (void)run("parity", "no-such-language"); }) == "b");
  CHECK(option_refused([&] { (void)run("word:S5", "parity"); }) == "b");  // the alphabets differ
  CHECK(option_refused([&] { (void)run("", "parity"); }) == "a");
}
