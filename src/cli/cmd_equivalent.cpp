// `parallax equivalent`: do two automata, regexes or built-in languages
// accept the same words? Prints a shortest word on which they differ.
#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "automata/automaton_json.hpp"
#include "automata/minimize.hpp"
#include "automata/regex.hpp"
#include "automata/sample.hpp"
#include "cli/common.hpp"

namespace parallax::cli {
namespace {

struct EquivalentOpts {
  std::string a, b, alphabet;
  FormatFlags fmt;
};

bool is_regex(const std::string& s) { return s.starts_with("re:"); }

automata::Dfa load_side(const std::string& spec, const std::vector<std::string>& alphabet) {
  try {
    if (is_regex(spec)) return automata::regex_to_dfa(spec.substr(3), alphabet);
    return automata::resolve_dfa(spec);
  } catch (const automata::RegexError& e) {
    throw CliError(kBadInput, fmt::format("'{}': {}", spec, e.what()));
  } catch (const automata::AutomatonError& e) {
    throw CliError(kBadInput, e.what());
  } catch (const std::invalid_argument& e) {
    throw CliError(kBadInput, fmt::format("'{}': {}", spec, e.what()));
  }
}

void run(const EquivalentOpts& o) {
  // a regex takes --alphabet, else the other side's alphabet, else the
  // symbols of both regexes
  std::vector<std::string> alphabet;
  for (char c : o.alphabet) alphabet.emplace_back(1, c);
  automata::Dfa da, db;
  if (!is_regex(o.a)) da = load_side(o.a, alphabet);
  if (!is_regex(o.b)) db = load_side(o.b, alphabet);
  if (alphabet.empty()) {
    if (!is_regex(o.a)) alphabet = da.alphabet;
    else if (!is_regex(o.b)) alphabet = db.alphabet;
    else {
      std::set<std::string> syms;
      for (const auto* re : {&o.a, &o.b})
        for (const auto& s : load_side(*re, {}).alphabet) syms.insert(s);
      alphabet.assign(syms.begin(), syms.end());
    }
  }
  if (is_regex(o.a)) da = load_side(o.a, alphabet);
  if (is_regex(o.b)) db = load_side(o.b, alphabet);
  if (da.alphabet != db.alphabet)
    throw CliError(kBadInput, fmt::format("the alphabets differ: {{{}}} and {{{}}} (letters and their order must agree)",
                                          fmt::join(da.alphabet, ", "), fmt::join(db.alphabet, ", ")));
  const auto ma = automata::minimize(da), mb = automata::minimize(db);
  const auto w = automata::distinguishing_word(ma, mb);
  const std::string word = w ? (w->empty() ? std::string("(empty word)") : automata::format_word(ma, *w)) : "";
  nlohmann::ordered_json j = {{"a", o.a},
                              {"b", o.b},
                              {"equivalent", !w.has_value()},
                              {"states_a", ma.states},
                              {"states_b", mb.states}};
  if (w) {
    j["counterexample"] = word;
    j["accepted_by"] = automata::accepts(ma, *w) ? "a" : "b";
  }
  if (o.fmt.format() == Format::Table) {
    if (!w)
      fmt::print("equivalent: both accept the same words (minimal DFAs of {} states)\n", ma.states);
    else
      fmt::print("not equivalent: the shortest word on which they differ is {}, accepted by {} only\n", word,
                 automata::accepts(ma, *w) ? o.a : o.b);
  } else {
    Records r({"a", "b", "equivalent", "states_a", "states_b", "counterexample", "accepted_by"});
    if (!w) j["counterexample"] = nullptr, j["accepted_by"] = nullptr;
    r.add(j);
    r.print(o.fmt.format());
  }
  if (w) throw CliError(kFailure, "");
}

}  // namespace

void add_equivalent(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "equivalent",
      "Check whether two languages are equal; if not, print a shortest word accepted by exactly one (exit 1). "
      "Each side is a built-in language, an automaton file, or re:REGEX");
  auto o = std::make_shared<EquivalentOpts>();
  cmd->add_option("A", o->a, "First language: NAME, FILE or re:REGEX")->required();
  cmd->add_option("B", o->b, "Second language: NAME, FILE or re:REGEX")->required();
  cmd->add_option("--alphabet", o->alphabet, "Alphabet of the regexes, as a string of symbols (e.g. ab)");
  o->fmt.add_to(*cmd);
  cmd->callback([o] { run(*o); });
}

}  // namespace parallax::cli
