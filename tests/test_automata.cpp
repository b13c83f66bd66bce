// DFAs: built-ins, JSON files (round trip, errors with file:line:field),
// transition monoids, and recognizers compiled from files.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/automaton_json.hpp"
#include "automata/recognizer.hpp"
#include "circuits/evaluate.hpp"

using namespace parallax;

namespace {

std::string err(const std::string& text) {
  try {
    automata::dfa_from_json_text(text, "m.json");
  } catch (const automata::AutomatonError& e) {
    return e.what();
  }
  return "no error";
}

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("automata: built-in DFAs and their transition monoids", "[quick][dfa][monoid]") {
  const auto parity = automata::builtin_dfa("parity");
  CHECK(automata::accepts(parity, {1, 0, 1}));
  CHECK_FALSE(automata::accepts(parity, {1, 0, 0}));
  CHECK(automata::transition_monoid(parity).elements.size() == 2);
  const auto aba = automata::builtin_dfa("contains-aba");
  CHECK(automata::accepts(aba, {1, 0, 1, 0, 1}));
  CHECK_FALSE(automata::accepts(aba, {0, 0, 1, 1, 0}));
  const auto s5 = automata::builtin_dfa("s5");
  const auto mon = automata::transition_monoid(s5);
  CHECK(mon.elements.size() == 120);  // the transition monoid of the S5 word problem is S5
  // the composition table is associative and element 0 is the identity
  for (std::size_t x = 0; x < 120; x += 7)
    for (std::size_t y = 0; y < 120; y += 5)
      for (std::size_t z = 0; z < 120; z += 11)
        REQUIRE(mon.compose[mon.compose[x][y]][z] == mon.compose[x][mon.compose[y][z]]);
  for (std::size_t x = 0; x < 120; ++x) CHECK(mon.compose[0][x] == x);
  CHECK_THROWS_AS(automata::builtin_dfa("nope"), std::invalid_argument);
}

TEST_CASE("automata: DFA files round-trip and compile to recognizers", "[quick][dfa][recognize]") {
  for (const auto& name : automata::builtin_dfa_names()) {
    const auto d = automata::builtin_dfa(name);
    const auto back = automata::dfa_from_json_text(automata::dfa_to_json(d), name + ".json");
    CHECK(back.delta == d.delta);
    CHECK(back.accepting == d.accepting);
    CHECK(back.start == d.start);
    CHECK(back.alphabet == d.alphabet);
  }
  // contains "aba", written with named states
  const auto file = automata::dfa_from_json_text(R"({
    "alphabet": ["a", "b"],
    "states": ["none", "a", "ab", "aba"],
    "start": "none",
    "accepting": ["aba"],
    "transitions": {"a": ["a", "a", "aba", "aba"], "b": ["none", "ab", "none", "aba"]}
  })", "aba.json");
  CHECK(file.name == "aba");
  const auto ref = automata::builtin_dfa("contains-aba");
  for (std::size_t n = 0; n <= 8; ++n) {
    const auto c = automata::recognizer_circuit(file, n, circuits::Network::LadnerFischer);
    for (std::size_t mask = 0; mask < (std::size_t(1) << n); ++mask) {
      std::vector<std::uint32_t> w(n);
      for (std::size_t i = 0; i < n; ++i) w[i] = (mask >> i) & 1;
      REQUIRE(automata::accepts(file, w) == automata::accepts(ref, w));
      REQUIRE(circuits::evaluate_bits(c, automata::recognizer_inputs(file, w)).at(0) == automata::accepts(ref, w));
    }
  }
}

TEST_CASE("automata: bad DFA files name the file, line and field", "[quick][dfa][errors]") {
  std::string e = err("{\n \"alphabet\": [\"a\"],\n \"states\": 2\n \"start\": 0}");
  CHECK(has(e, "m.json:4"));
  e = err("{\n \"alphabet\": [\"a\"],\n \"states\": 2,\n \"start\": 5,\n \"accepting\": [],\n \"transitions\": {\"a\": [0, 1]}\n}");
  CHECK(has(e, "m.json:4"));
  CHECK(has(e, "/start"));
  e = err("{\n \"alphabet\": [\"a\"],\n \"states\": 2,\n \"start\": 0,\n \"accepting\": [1],\n \"transitions\": {\n  \"a\": [0]\n }\n}");
  CHECK(has(e, "m.json:7"));
  CHECK(has(e, "/transitions/a"));
  CHECK(has(e, "expected 2 next states"));
  e = err(R"({"alphabet": ["a"], "states": 1, "start": 0, "accepting": [], "transitions": {"a": [0], "b": [0]}})");
  CHECK(has(e, "'b' is not in the alphabet"));
  e = err(R"({"alphabet": ["a"], "states": 1, "start": 0, "accepting": []})");
  CHECK(has(e, "missing required field \"transitions\""));
  e = err(R"({"alphabet": ["a"], "states": 1, "start": 0, "accepting": [], "transitions": {"a": [0]}, "extra": 1})");
  CHECK(has(e, "unknown field \"extra\""));
  CHECK_THROWS_AS(automata::load_dfa("/nonexistent/dfa.json"), automata::AutomatonError);
  CHECK_THROWS_AS(automata::resolve_dfa("no-such-dfa"), automata::AutomatonError);
}
