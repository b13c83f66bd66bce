#include "automata/dfa_json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/json_positions.hpp"

namespace parallax::automata {

namespace {

using json = nlohmann::json;

class Reader {
 public:
  Reader(std::string source, const std::string& text) : source_(std::move(source)), lines_(models::json_value_lines(text)) {}
  [[noreturn]] void fail(const std::string& ptr, const std::string& msg) const {
    throw DfaError(models::json_field_message(source_, lines_, ptr, msg));
  }

 private:
  std::string source_;
  std::map<std::string, int> lines_;
};

}  // namespace

Dfa dfa_from_json_text(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw DfaError(models::json_syntax_message(source, text, e.byte, e.what()));
  }
  Reader r(source, text);
  if (!j.is_object()) r.fail("", "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* allowed[] = {"name", "alphabet", "states", "start", "accepting", "transitions"};
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok)
      r.fail("/" + models::json_pointer_token(it.key()),
             fmt::format("unknown field \"{}\" (allowed: name, alphabet, states, start, accepting, transitions)", it.key()));
  }
  for (const char* need : {"alphabet", "states", "start", "accepting", "transitions"})
    if (!j.contains(need)) r.fail("", fmt::format("missing required field \"{}\"", need));
  Dfa d;
  d.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>()
                                                       : std::filesystem::path(source).stem().string();
  const json& al = j["alphabet"];
  if (!al.is_array() || al.empty()) r.fail("/alphabet", "expected a non-empty array of symbol names");
  for (std::size_t i = 0; i < al.size(); ++i) {
    if (!al[i].is_string() || al[i].get<std::string>().empty())
      r.fail("/alphabet/" + std::to_string(i), "expected a non-empty symbol name");
    for (const auto& s : d.alphabet)
      if (s == al[i].get<std::string>()) r.fail("/alphabet/" + std::to_string(i), fmt::format("symbol '{}' appears twice", s));
    d.alphabet.push_back(al[i].get<std::string>());
  }
  std::vector<std::string> names;
  const json& st = j["states"];
  if (st.is_number_unsigned() && st.get<std::uint64_t>() >= 1 && st.get<std::uint64_t>() <= 1000000) {
    d.states = st.get<std::size_t>();
  } else if (st.is_array() && !st.empty()) {
    for (std::size_t i = 0; i < st.size(); ++i) {
      if (!st[i].is_string()) r.fail("/states/" + std::to_string(i), "expected a state name");
      names.push_back(st[i].get<std::string>());
    }
    d.states = names.size();
  } else {
    r.fail("/states", "expected a state count from 1 to 1000000 or a non-empty list of state names");
  }
  auto state = [&](const json& v, const std::string& ptr) -> std::uint32_t {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() < d.states) return static_cast<std::uint32_t>(v.get<std::uint64_t>());
    if (v.is_string())
      for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == v.get<std::string>()) return static_cast<std::uint32_t>(i);
    r.fail(ptr, fmt::format("expected a state (an index 0 … {}{})", d.states - 1, names.empty() ? "" : " or a state name"));
  };
  d.start = state(j["start"], "/start");
  const json& acc = j["accepting"];
  if (!acc.is_array()) r.fail("/accepting", "expected an array of states");
  d.accepting.assign(d.states, false);
  for (std::size_t i = 0; i < acc.size(); ++i) d.accepting[state(acc[i], "/accepting/" + std::to_string(i))] = true;
  const json& tr = j["transitions"];
  if (!tr.is_object()) r.fail("/transitions", "expected an object: symbol → next state of each state");
  for (const auto& sym : d.alphabet) {
    const std::string ptr = "/transitions/" + models::json_pointer_token(sym);
    if (!tr.contains(sym)) r.fail("/transitions", fmt::format("no transitions for symbol '{}'", sym));
    const json& row = tr[sym];
    if (!row.is_array() || row.size() != d.states)
      r.fail(ptr, fmt::format("expected {} next states (one per state), got {}", d.states,
                              row.is_array() ? std::to_string(row.size()) : std::string(row.type_name())));
    std::vector<std::uint32_t> next;
    for (std::size_t q = 0; q < row.size(); ++q) next.push_back(state(row[q], ptr + "/" + std::to_string(q)));
    d.delta.push_back(std::move(next));
  }
  for (auto it = tr.begin(); it != tr.end(); ++it) {
    bool known = false;
    for (const auto& s : d.alphabet) known = known || s == it.key();
    if (!known)
      r.fail("/transitions/" + models::json_pointer_token(it.key()), fmt::format("symbol '{}' is not in the alphabet", it.key()));
  }
  return d;
}

Dfa load_dfa(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DfaError(fmt::format("{}: cannot open DFA file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return dfa_from_json_text(text.str(), path);
}

Dfa resolve_dfa(const std::string& name_or_path) {
  for (const auto& n : builtin_dfa_names())
    if (n == name_or_path) return builtin_dfa(n);
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return load_dfa(name_or_path);
  std::string names;
  for (const auto& n : builtin_dfa_names()) names += (names.empty() ? "" : ", ") + n;
  throw DfaError(fmt::format("'{}' is neither a built-in automaton ({}) nor a DFA file", name_or_path, names));
}

std::string dfa_to_json(const Dfa& d) {
  nlohmann::ordered_json j;
  j["name"] = d.name;
  j["alphabet"] = d.alphabet;
  j["states"] = d.states;
  j["start"] = d.start;
  std::vector<std::size_t> acc;
  for (std::size_t q = 0; q < d.states; ++q)
    if (d.accepting[q]) acc.push_back(q);
  j["accepting"] = acc;
  nlohmann::ordered_json tr = nlohmann::ordered_json::object();
  for (std::size_t s = 0; s < d.alphabet.size(); ++s) tr[d.alphabet[s]] = d.delta[s];
  j["transitions"] = tr;
  return j.dump(2);
}

}  // namespace parallax::automata
