#include "automata/automaton_json.hpp"

#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "automata/languages.hpp"
#include "models/json_positions.hpp"
#include "numeric/enum_names.hpp"
#include "numeric/limits.hpp"

namespace parallax::automata {

namespace {

using json = nlohmann::json;
using numeric::Exact;

constexpr numeric::EnumName<AutomatonKind> kAutomatonKinds[] = {
    {AutomatonKind::Dfa, "dfa"}, {AutomatonKind::Nfa, "nfa"}, {AutomatonKind::Wfa, "wfa"}, {AutomatonKind::Pfa, "pfa"}};

std::string idx(std::size_t i) { return std::to_string(i); }

/// Reads one automaton document, failing with "file:line: field /ptr: msg".
class Reader {
 public:
  Reader(std::string source, const std::string& text) : source_(std::move(source)), lines_(models::json_value_lines(text)) {}

  [[noreturn]] void fail(const std::string& ptr, const std::string& msg) const {
    throw AutomatonError(models::json_field_message(source_, lines_, ptr, msg));
  }

  void allow_fields(const json& j, std::initializer_list<const char*> allowed) const {
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok)
        fail("/" + models::json_pointer_token(it.key()), fmt::format("unknown field \"{}\" (allowed: {})", it.key(), list));
    }
  }

  void require_fields(const json& j, std::initializer_list<const char*> need) const {
    for (const char* n : need)
      if (!j.contains(n)) fail("", fmt::format("missing required field \"{}\"", n));
  }

  std::vector<std::string> alphabet(const json& al) const {
    if (!al.is_array() || al.empty()) fail("/alphabet", "expected a non-empty array of symbol names");
    if (al.size() > limits::kMaxAlphabet)
      fail("/alphabet", fmt::format("{} symbols, above the limit of {} (docs/limits.md)", al.size(), limits::kMaxAlphabet));
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < al.size(); ++i) {
      if (!al[i].is_string() || al[i].get<std::string>().empty())
        fail("/alphabet/" + idx(i), "expected a non-empty symbol name");
      if (!seen.insert(al[i].get<std::string>()).second)
        fail("/alphabet/" + idx(i), fmt::format("symbol '{}' appears twice", al[i].get<std::string>()));
      out.push_back(al[i].get<std::string>());
    }
    return out;
  }

  /// "states": a count or a list of names.
  /// `letters` symbols; a weighted automaton (`square`) holds states² weights per symbol.
  void states(const json& st, std::size_t letters, bool square = false) {
    names_.clear();
    index_.clear();
    const std::uint64_t max = limits::kMaxStates;
    if (st.is_number_unsigned() && st.get<std::uint64_t>() >= 1 && st.get<std::uint64_t>() <= max) {
      count_ = st.get<std::size_t>();
    } else if (st.is_array() && !st.empty() && st.size() <= max) {
      count_ = st.size();
    } else {
      fail("/states", fmt::format("expected a state count from 1 to {} or a non-empty list of at most that many state names "
                                  "(docs/limits.md)", max));
    }
    const std::uint64_t entries = limits::mul(square ? limits::mul(count_, count_) : count_, letters);
    const std::uint64_t cap = square ? limits::kMaxParameters : limits::kMaxTableEntries;
    if (entries > cap)
      fail("/states", fmt::format("{} states × {} symbols make {} {}, above the limit of {} (docs/limits.md)", count_, letters,
                                  entries, square ? "weights" : "transitions", cap));
    if (st.is_array()) {
      for (std::size_t i = 0; i < st.size(); ++i) {
        if (!st[i].is_string()) fail("/states/" + idx(i), "expected a state name");
        const std::string& n = st[i].get_ref<const std::string&>();
        if (!index_.emplace(n, std::uint32_t(i)).second) fail("/states/" + idx(i), fmt::format("state '{}' appears twice", n));
        names_.push_back(n);
      }
    }
  }
  std::size_t count() const { return count_; }

  std::uint32_t state(const json& v, const std::string& ptr) const {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() < count_) return static_cast<std::uint32_t>(v.get<std::uint64_t>());
    if (v.is_string())
      if (auto it = index_.find(v.get_ref<const std::string&>()); it != index_.end()) return it->second;
    const std::string shown = v.is_string() ? "'" + v.get<std::string>() + "'" : v.dump();
    fail(ptr, fmt::format("unknown state {} (expected an index 0 … {}{})", shown, count_ - 1,
                          names_.empty() ? "" : " or a state name"));
  }

  std::vector<bool> state_set(const json& v, const std::string& ptr) const {
    if (!v.is_array()) fail(ptr, "expected an array of states");
    std::vector<bool> s(count_, false);
    for (std::size_t i = 0; i < v.size(); ++i) s[state(v[i], ptr + "/" + idx(i))] = true;
    return s;
  }

  Exact weight(const json& v, const std::string& ptr) const {
    try {
      if (v.is_number()) return numeric::parse_exact(v.dump());
      if (v.is_string()) return numeric::parse_exact(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(ptr, e.what());
    }
    fail(ptr, "expected a weight: a number or a string such as \"1/3\"");
  }

  std::vector<Exact> weights(const json& v, const std::string& ptr, std::size_t n) const {
    if (!v.is_array() || v.size() != n)
      fail(ptr, fmt::format("expected {} weights (one per state), got {}", n,
                            v.is_array() ? std::to_string(v.size()) : std::string(v.type_name())));
    std::vector<Exact> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(weight(v[i], ptr + "/" + idx(i)));
    return out;
  }

 private:
  std::string source_;
  std::map<std::string, int> lines_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::size_t count_ = 0;
};

std::string default_name(const json& j, const std::string& source) {
  return j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>()
                                                     : std::filesystem::path(source).stem().string();
}

Dfa read_dfa(const json& j, Reader& r, const std::string& source) {
  r.allow_fields(j, {"type", "name", "alphabet", "states", "start", "accepting", "transitions", "complete"});
  r.require_fields(j, {"alphabet", "states", "start", "accepting", "transitions"});
  bool complete = true;
  if (j.contains("complete")) {
    if (!j["complete"].is_boolean()) r.fail("/complete", "expected true or false");
    complete = j["complete"].get<bool>();
  }
  Dfa d;
  d.name = default_name(j, source);
  d.alphabet = r.alphabet(j["alphabet"]);
  r.states(j["states"], d.alphabet.size());
  d.states = r.count();
  d.start = r.state(j["start"], "/start");
  d.accepting = r.state_set(j["accepting"], "/accepting");
  const json& tr = j["transitions"];
  if (!tr.is_object()) r.fail("/transitions", "expected an object: symbol → next state of each state");
  for (auto it = tr.begin(); it != tr.end(); ++it) {
    bool known = false;
    for (const auto& s : d.alphabet) known = known || s == it.key();
    if (!known)
      r.fail("/transitions/" + models::json_pointer_token(it.key()), fmt::format("symbol '{}' is not in the alphabet", it.key()));
  }
  // Missing transitions (partial DFAs) lead to a sink, added only if used.
  const std::uint32_t sink = static_cast<std::uint32_t>(d.states);
  bool sink_used = false;
  for (const auto& sym : d.alphabet) {
    const std::string ptr = "/transitions/" + models::json_pointer_token(sym);
    std::vector<std::uint32_t> next(d.states, sink);
    if (!tr.contains(sym)) {
      if (complete)
        r.fail("/transitions", fmt::format("no transitions for symbol '{}' in a DFA declared complete "
                                           "(set \"complete\": false to send missing transitions to a sink)",
                                           sym));
      sink_used = true;
    } else {
      const json& row = tr[sym];
      if (!row.is_array() || row.size() != d.states)
        r.fail(ptr, fmt::format("expected {} next states (one per state{}), got {}", d.states,
                                complete ? "" : ", null for a missing transition",
                                row.is_array() ? std::to_string(row.size()) : std::string(row.type_name())));
      for (std::size_t q = 0; q < row.size(); ++q) {
        if (row[q].is_null()) {
          if (complete)
            r.fail(ptr + "/" + idx(q), fmt::format("missing transition from state {} on '{}' in a DFA declared complete "
                                                   "(set \"complete\": false to send it to a sink)",
                                                   q, sym));
          sink_used = true;
          continue;
        }
        next[q] = r.state(row[q], ptr + "/" + idx(q));
      }
    }
    d.delta.push_back(std::move(next));
  }
  if (sink_used) {
    d.states += 1;
    d.accepting.push_back(false);
    for (auto& row : d.delta) row.push_back(sink);
  }
  return d;
}

Nfa read_nfa(const json& j, Reader& r) {
  r.allow_fields(j, {"type", "name", "alphabet", "states", "start", "accepting", "transitions"});
  r.require_fields(j, {"alphabet", "states", "start", "accepting", "transitions"});
  Nfa a;
  a.alphabet = r.alphabet(j["alphabet"]);
  r.states(j["states"], a.alphabet.size());
  a.states = r.count();
  const json& st = j["start"];
  if (st.is_array()) {
    for (std::size_t i = 0; i < st.size(); ++i) a.start.push_back(r.state(st[i], "/start/" + idx(i)));
  } else {
    a.start.push_back(r.state(st, "/start"));
  }
  a.accepting = r.state_set(j["accepting"], "/accepting");
  a.edges.assign(a.states, {});
  const json& tr = j["transitions"];
  if (!tr.is_array()) r.fail("/transitions", "expected an array of {\"from\", \"symbol\", \"to\"} objects");
  for (std::size_t e = 0; e < tr.size(); ++e) {
    const std::string ptr = "/transitions/" + idx(e);
    const json& t = tr[e];
    if (!t.is_object() || !t.contains("from") || !t.contains("to") || !t.contains("symbol"))
      r.fail(ptr, "expected {\"from\": state, \"symbol\": name (null or \"\" for ε), \"to\": state}");
    for (auto it = t.begin(); it != t.end(); ++it)
      if (it.key() != "from" && it.key() != "to" && it.key() != "symbol")
        r.fail(ptr + "/" + models::json_pointer_token(it.key()), fmt::format("unknown field \"{}\"", it.key()));
    const std::uint32_t from = r.state(t["from"], ptr + "/from"), to = r.state(t["to"], ptr + "/to");
    std::uint32_t sym = Nfa::kEpsilon;
    const json& s = t["symbol"];
    if (s.is_string() && !s.get<std::string>().empty()) {
      sym = static_cast<std::uint32_t>(a.alphabet.size());
      for (std::size_t k = 0; k < a.alphabet.size(); ++k)
        if (a.alphabet[k] == s.get<std::string>()) sym = static_cast<std::uint32_t>(k);
      if (sym == a.alphabet.size()) r.fail(ptr + "/symbol", fmt::format("symbol '{}' is not in the alphabet", s.get<std::string>()));
    } else if (!s.is_null() && !(s.is_string() && s.get<std::string>().empty())) {
      r.fail(ptr + "/symbol", "expected a symbol name, or null or \"\" for an ε-transition");
    }
    a.edges[from].push_back({sym, to});
  }
  return a;
}

Wfa<Exact> read_wfa(const json& j, Reader& r, const std::string& source, bool pfa) {
  r.allow_fields(j, {"type", "name", "alphabet", "states", "initial", "final", "matrices", "threshold"});
  r.require_fields(j, {"alphabet", "states", "initial", "final", "matrices"});
  Wfa<Exact> w;
  w.name = default_name(j, source);
  w.probabilistic = pfa;
  w.alphabet = r.alphabet(j["alphabet"]);
  r.states(j["states"], w.alphabet.size(), true);
  const std::size_t n = w.states = r.count();
  if (n > 4096) r.fail("/states", "a weighted automaton may have at most 4096 states");
  w.alpha = r.weights(j["initial"], "/initial", n);
  w.beta = r.weights(j["final"], "/final", n);
  w.threshold = j.contains("threshold") ? r.weight(j["threshold"], "/threshold") : Exact(0);
  const json& ms = j["matrices"];
  if (!ms.is_object()) r.fail("/matrices", "expected an object: symbol → n×n matrix (a list of rows)");
  for (auto it = ms.begin(); it != ms.end(); ++it) {
    bool known = false;
    for (const auto& s : w.alphabet) known = known || s == it.key();
    if (!known) r.fail("/matrices/" + models::json_pointer_token(it.key()), fmt::format("symbol '{}' is not in the alphabet", it.key()));
  }
  for (const auto& sym : w.alphabet) {
    const std::string ptr = "/matrices/" + models::json_pointer_token(sym);
    if (!ms.contains(sym)) r.fail("/matrices", fmt::format("no matrix for symbol '{}'", sym));
    const json& m = ms[sym];
    if (!m.is_array() || m.size() != n)
      r.fail(ptr, fmt::format("dimension mismatch: expected {} rows (one per state), got {}", n,
                              m.is_array() ? std::to_string(m.size()) : std::string(m.type_name())));
    std::vector<Exact> flat;
    for (std::size_t i = 0; i < n; ++i) {
      const json& row = m[i];
      if (!row.is_array() || row.size() != n)
        r.fail(ptr + "/" + idx(i), fmt::format("dimension mismatch: expected a row of {} weights, got {}", n,
                                               row.is_array() ? std::to_string(row.size()) : std::string(row.type_name())));
      for (std::size_t k = 0; k < n; ++k) flat.push_back(r.weight(row[k], ptr + "/" + idx(i) + "/" + idx(k)));
    }
    w.matrix.push_back(std::move(flat));
  }
  if (pfa) {
    // name the field of the first violated stochastic condition
    auto check_dist = [&](const std::vector<Exact>& v, std::size_t off, const std::string& ptr, const std::string& what) {
      Exact sum = 0;
      for (std::size_t k = 0; k < n; ++k) {
        if (v[off + k] < 0) r.fail(ptr + "/" + idx(k), fmt::format("{} has a negative probability", what));
        sum += v[off + k];
      }
      if (sum != 1) r.fail(ptr, fmt::format("{} sums to {}, not 1", what, sum.str()));
    };
    check_dist(w.alpha, 0, "/initial", "the initial distribution");
    for (std::size_t s = 0; s < w.alphabet.size(); ++s)
      for (std::size_t i = 0; i < n; ++i)
        check_dist(w.matrix[s], i * n, "/matrices/" + models::json_pointer_token(w.alphabet[s]) + "/" + idx(i),
                   fmt::format("row {} of the matrix of '{}'", i, w.alphabet[s]));
    for (std::size_t i = 0; i < n; ++i)
      if (w.beta[i] != 0 && w.beta[i] != 1) r.fail("/final/" + idx(i), "a PFA's final vector must be 0 or 1 per state");
  }
  return w;
}

}  // namespace

std::string to_string(AutomatonKind k) { return numeric::name_of(kAutomatonKinds, k); }

void validate(const Wfa<Exact>& a, const std::string& where) {
  const std::size_t n = a.states;
  auto bad = [&](const std::string& m) { throw WfaError(where + ": " + m); };
  if (a.alpha.size() != n) bad(fmt::format("dimension mismatch: {} initial weights for {} states", a.alpha.size(), n));
  if (a.beta.size() != n) bad(fmt::format("dimension mismatch: {} final weights for {} states", a.beta.size(), n));
  if (a.matrix.size() != a.alphabet.size()) bad(fmt::format("{} matrices for {} letters", a.matrix.size(), a.alphabet.size()));
  for (std::size_t s = 0; s < a.matrix.size(); ++s)
    if (a.matrix[s].size() != n * n) bad(fmt::format("dimension mismatch: matrix of '{}' has {} entries, not {}", a.alphabet[s], a.matrix[s].size(), n * n));
  if (!a.probabilistic) return;
  auto dist = [&](const std::vector<Exact>& v, std::size_t off, const std::string& what) {
    Exact sum = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (v[off + k] < 0) bad(what + " has a negative probability");
      sum += v[off + k];
    }
    if (sum != 1) bad(fmt::format("{} sums to {}, not 1", what, sum.str()));
  };
  dist(a.alpha, 0, "the initial distribution");
  for (std::size_t s = 0; s < a.matrix.size(); ++s)
    for (std::size_t i = 0; i < n; ++i) dist(a.matrix[s], i * n, fmt::format("row {} of the matrix of '{}'", i, a.alphabet[s]));
  for (std::size_t i = 0; i < n; ++i)
    if (a.beta[i] != 0 && a.beta[i] != 1) bad("a PFA's final vector must be 0 or 1 per state");
}

Automaton automaton_from_json_text(const std::string& text, const std::string& source) {
  json j;
  try {
    j = models::parse_json(text, source);
  } catch (const models::JsonInputError& e) {
    throw AutomatonError(e.what());
  }
  Reader r(source, text);
  if (!j.is_object()) r.fail("", "expected an object");
  Automaton a;
  std::string type = "dfa";
  if (j.contains("type")) {
    if (!j["type"].is_string()) r.fail("/type", "expected \"dfa\", \"nfa\", \"wfa\" or \"pfa\"");
    type = j["type"].get<std::string>();
  }
  const auto kind = numeric::value_of(kAutomatonKinds, type);
  if (!kind)
    r.fail("/type", fmt::format("unknown automaton type \"{}\" (expected {})", type,
                                numeric::names_joined(kAutomatonKinds, ", ", " or ")));
  a.kind = *kind;
  if (a.kind == AutomatonKind::Dfa) {
    a.dfa = read_dfa(j, r, source);
  } else if (a.kind == AutomatonKind::Nfa) {
    a.nfa = read_nfa(j, r);
    // the subset construction is bounded like a DFA file's transition table
    const std::size_t max_states = std::min<std::uint64_t>(1000000, limits::kMaxTableEntries / a.nfa.alphabet.size());
    try {
      a.dfa = determinize(a.nfa, max_states);
    } catch (const std::runtime_error& e) {
      throw AutomatonError(fmt::format("{}: the NFA cannot be determinized within the limits (docs/limits.md): {}", source,
                                       e.what()));
    }
    a.dfa.name = default_name(j, source);
  } else {
    a.wfa = read_wfa(j, r, source, a.kind == AutomatonKind::Pfa);
  }
  return a;
}

Automaton load_automaton(const std::string& path) {
  const auto text = models::read_text_file(path);
  if (!text) throw AutomatonError(fmt::format("{}: cannot open automaton file", path));
  return automaton_from_json_text(*text, path);
}

namespace {
Dfa unweighted(Automaton a, const std::string& source) {
  if (a.weighted())
    throw AutomatonError(fmt::format("{}: a {} file has no DFA; this command needs a DFA or NFA", source, to_string(a.kind)));
  return std::move(a.dfa);
}
}  // namespace

Dfa dfa_from_json_text(const std::string& text, const std::string& source) {
  return unweighted(automaton_from_json_text(text, source), source);
}

Dfa load_dfa(const std::string& path) { return unweighted(load_automaton(path), path); }

Dfa resolve_dfa(const std::string& name_or_path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return load_dfa(name_or_path);
  for (const auto& n : builtin_dfa_names())
    if (n == name_or_path) return builtin_dfa(n);
  try {
    return language(name_or_path);
  } catch (const std::invalid_argument& e) {
    throw AutomatonError(fmt::format("'{}' is not an automaton file, and not a built-in language: {}", name_or_path, e.what()));
  }
}

std::string dfa_to_json(const Dfa& d) {
  nlohmann::ordered_json j;
  j["type"] = "dfa";
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

std::string wfa_to_json(const Wfa<Exact>& w) {
  nlohmann::ordered_json j;
  auto str = [](const std::vector<Exact>& v, std::size_t off, std::size_t n) {
    std::vector<std::string> s;
    for (std::size_t k = 0; k < n; ++k) s.push_back(v[off + k].str());
    return s;
  };
  j["type"] = w.probabilistic ? "pfa" : "wfa";
  j["name"] = w.name;
  j["alphabet"] = w.alphabet;
  j["states"] = w.states;
  j["initial"] = str(w.alpha, 0, w.states);
  j["final"] = str(w.beta, 0, w.states);
  nlohmann::ordered_json ms = nlohmann::ordered_json::object();
  for (std::size_t s = 0; s < w.alphabet.size(); ++s) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < w.states; ++i) rows.push_back(str(w.matrix[s], i * w.states, w.states));
    ms[w.alphabet[s]] = rows;
  }
  j["matrices"] = ms;
  j["threshold"] = w.threshold.str();
  return j.dump(2);
}

}  // namespace parallax::automata
