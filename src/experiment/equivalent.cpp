// The equivalence check (equivalent.hpp).
#include "experiment/equivalent.hpp"

#include <fmt/format.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "automata/automaton_json.hpp"
#include "automata/minimize.hpp"
#include "automata/regex.hpp"
#include "automata/sample.hpp"
#include "experiment/records.hpp"

namespace parallax::experiment::equivalent {
namespace {

bool is_regex(const std::string& s) { return s.starts_with("re:"); }

/// One side as a DFA; `side` ("a", "b") is the option blamed for a bad one.
automata::Dfa load_side(const char* side, const std::string& spec, const std::vector<std::string>& alphabet) {
  try {
    if (is_regex(spec)) return automata::regex_to_dfa(spec.substr(3), alphabet);
    return automata::resolve_dfa(spec);
  } catch (const automata::RegexError& e) {
    throw OptionError(side, fmt::format("'{}': {}", spec, e.what()));
  } catch (const automata::AutomatonError& e) {
    throw OptionError(side, e.what());
  } catch (const std::invalid_argument& e) {
    throw OptionError(side, fmt::format("'{}': {}", spec, e.what()));
  }
}

}  // namespace

void Options::validate(const OptionNames&) const {
  if (a.empty()) throw OptionError("a", "the first language is empty (give NAME, FILE or re:REGEX)");
  if (b.empty()) throw OptionError("b", "the second language is empty (give NAME, FILE or re:REGEX)");
}

nlohmann::ordered_json to_json(const Record& r) {
  nlohmann::ordered_json j = {{"a", r.a},
                              {"b", r.b},
                              {"equivalent", r.equivalent},
                              {"states_a", r.states_a},
                              {"states_b", r.states_b}};
  j["counterexample"] = r.counterexample ? nlohmann::ordered_json(*r.counterexample) : nullptr;
  j["accepted_by"] = r.accepted_by ? nlohmann::ordered_json(*r.accepted_by) : nullptr;
  return j;
}

Record record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  Record r;
  r.a = f.text("a");
  r.b = f.text("b");
  r.equivalent = f.flag("equivalent");
  r.states_a = f.count("states_a");
  r.states_b = f.count("states_b");
  r.counterexample = f.text_or_null("counterexample");
  r.accepted_by = f.text_or_null("accepted_by");
  if (r.equivalent && r.counterexample) f.fail("counterexample", "null for equivalent languages");
  if (!r.equivalent && !r.counterexample) f.fail("counterexample", "a word on which the languages differ");
  if (r.equivalent && r.accepted_by) f.fail("accepted_by", "null for equivalent languages");
  if (!r.equivalent && (!r.accepted_by || (*r.accepted_by != "a" && *r.accepted_by != "b")))
    f.fail("accepted_by", "\"a\" or \"b\"");
  return r;
}

Record run(const Options& o, const OptionNames& names) {
  o.validate(names);
  // a regex takes the alphabet given, else the other side's alphabet, else
  // the symbols of both regexes
  std::vector<std::string> alphabet;
  for (char c : o.alphabet) alphabet.emplace_back(1, c);
  automata::Dfa da, db;
  if (!is_regex(o.a)) da = load_side("a", o.a, alphabet);
  if (!is_regex(o.b)) db = load_side("b", o.b, alphabet);
  if (alphabet.empty()) {
    if (!is_regex(o.a)) {
      alphabet = da.alphabet;
    } else if (!is_regex(o.b)) {
      alphabet = db.alphabet;
    } else {
      std::set<std::string> symbols;
      for (const auto& s : load_side("a", o.a, {}).alphabet) symbols.insert(s);
      for (const auto& s : load_side("b", o.b, {}).alphabet) symbols.insert(s);
      alphabet.assign(symbols.begin(), symbols.end());
    }
  }
  if (is_regex(o.a)) da = load_side("a", o.a, alphabet);
  if (is_regex(o.b)) db = load_side("b", o.b, alphabet);
  if (da.alphabet != db.alphabet)
    throw OptionError("b", fmt::format("the alphabets differ: {{{}}} and {{{}}} (letters and their order must agree)",
                                       fmt::join(da.alphabet, ", "), fmt::join(db.alphabet, ", ")));
  const auto ma = automata::minimize(da), mb = automata::minimize(db);
  const auto w = automata::distinguishing_word(ma, mb);
  Record r;
  r.a = o.a;
  r.b = o.b;
  r.equivalent = !w.has_value();
  r.states_a = ma.states;
  r.states_b = mb.states;
  if (w) {
    r.counterexample = w->empty() ? std::string("(empty word)") : automata::format_word(ma, *w);
    r.accepted_by = automata::accepts(ma, *w) ? "a" : "b";
  }
  return r;
}

}  // namespace parallax::experiment::equivalent
