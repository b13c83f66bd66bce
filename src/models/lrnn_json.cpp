// JSON model files (docs/lrnn-json.md): parsing with file:line:field
// messages, and canonical output.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "models/lrnn.hpp"
#include "models/json_positions.hpp"
#include "models/json_reader.hpp"
#include "numeric/limits.hpp"
#include "numeric/output.hpp"
#include "numeric/exact.hpp"

namespace parallax::models {

namespace {

using json = nlohmann::json;

constexpr const char* kFormat = "parallax-lrnn/1";

/// Reads a parsed document, naming file, line and field in every error.
class Reader : public JsonReader<ModelError> {
 public:
  using JsonReader::JsonReader;

  std::vector<Exact> vec(const json& j, const std::string& ptr, std::size_t want) const {
    if (!j.is_array()) fail(ptr, fmt::format("expected an array of {} numbers, got {}", want, j.type_name()));
    if (j.size() != want) fail(ptr, fmt::format("expected {} values, got {}", want, j.size()));
    std::vector<Exact> v;
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(number(j[i], ptr + "/" + std::to_string(i)));
    return v;
  }

  Transition transition(const json& j, const std::string& ptr, Structure s, std::size_t d) const {
    object(j, ptr);
    Transition tr;
    tr.b = j.contains("b") ? vec(j["b"], ptr + "/b", d) : std::vector<Exact>(d, Exact(0));
    switch (s) {
      case Structure::Diagonal:
        only_keys(j, ptr, {"a", "b"});
        tr.a = vec(member(j, ptr, "a"), ptr + "/a", d);
        break;
      case Structure::Complex: {
        only_keys(j, ptr, {"lambda", "b"});
        const json& l = member(j, ptr, "lambda");
        if (!l.is_array() || l.size() != d / 2)
          fail(ptr + "/lambda", fmt::format("expected {} [re, im] pairs (d / 2), got {}", d / 2,
                                            l.is_array() ? std::to_string(l.size()) : std::string(l.type_name())));
        for (std::size_t q = 0; q < l.size(); ++q) {
          const auto pair = vec(l[q], ptr + "/lambda/" + std::to_string(q), 2);
          tr.a.push_back(pair[0]);
          tr.a.push_back(pair[1]);
        }
        break;
      }
      case Structure::PermutationDiagonal: {
        only_keys(j, ptr, {"p", "D", "b"});
        const json& p = member(j, ptr, "p");
        if (!p.is_array() || p.size() != d)
          fail(ptr + "/p", fmt::format("expected {} state indices, got {}", d,
                                       p.is_array() ? std::to_string(p.size()) : std::string(p.type_name())));
        for (std::size_t i = 0; i < d; ++i) {
          const std::string pi = ptr + "/p/" + std::to_string(i);
          if (!p[i].is_number_unsigned() || p[i].get<std::uint64_t>() >= d)
            fail(pi, fmt::format("expected a state index 0 … {}", d - 1));
          tr.p.push_back(static_cast<std::uint32_t>(p[i].get<std::uint64_t>()));
        }
        tr.a = j.contains("D") ? vec(j["D"], ptr + "/D", d) : std::vector<Exact>(d, Exact(1));
        break;
      }
      case Structure::Dense: {
        only_keys(j, ptr, {"A", "b"});
        const json& A = member(j, ptr, "A");
        if (!A.is_array() || A.size() != d)
          fail(ptr + "/A", fmt::format("expected {} rows, got {}", d,
                                       A.is_array() ? std::to_string(A.size()) : std::string(A.type_name())));
        for (std::size_t i = 0; i < d; ++i) {
          const auto row = vec(A[i], ptr + "/A/" + std::to_string(i), d);
          tr.a.insert(tr.a.end(), row.begin(), row.end());
        }
        break;
      }
      case Structure::Dplr: {
        only_keys(j, ptr, {"factors", "b"});
        const json& fs = member(j, ptr, "factors");
        if (!fs.is_array()) fail(ptr + "/factors", "expected an array of factors");
        for (std::size_t f = 0; f < fs.size(); ++f) tr.factors.push_back(factor(fs[f], ptr + "/factors/" + std::to_string(f), d));
        break;
      }
    }
    return tr;
  }

  LowRankFactor factor(const json& j, const std::string& ptr, std::size_t d) const {
    object(j, ptr);
    LowRankFactor f;
    if (j.contains("householder")) {
      // I − β k kᵀ; β defaults to 2 / (kᵀk), the reflection
      only_keys(j, ptr, {"householder", "beta"});
      const auto k = vec(j["householder"], ptr + "/householder", d);
      Exact kk = 0;
      for (const auto& x : k) kk += x * x;
      if (kk == 0 && !j.contains("beta")) fail(ptr + "/householder", "k = 0: give beta explicitly");
      const Exact beta = j.contains("beta") ? number(j["beta"], ptr + "/beta") : Exact(2) / kk;
      return householder_factor(k, beta);
    }
    only_keys(j, ptr, {"D", "u", "v"});
    f.D = j.contains("D") ? vec(j["D"], ptr + "/D", d) : std::vector<Exact>(d, Exact(1));
    const json& u = j.contains("u") ? j["u"] : json::array();
    const json& v = j.contains("v") ? j["v"] : json::array();
    if (!u.is_array() || !v.is_array() || u.size() != v.size())
      fail(ptr, "u and v must be arrays with the same number of vectors (the rank)");
    for (std::size_t q = 0; q < u.size(); ++q) {
      f.u.push_back(vec(u[q], ptr + "/u/" + std::to_string(q), d));
      f.v.push_back(vec(v[q], ptr + "/v/" + std::to_string(q), d));
    }
    return f;
  }

};

Structure structure_from(const Reader& r, const nlohmann::json& j) {
  const std::string s = r.string(j, "/structure");
  if (auto structure = numeric::value_of(kStructureNames, s)) return *structure;
  r.fail("/structure",
         fmt::format("unknown structure \"{}\" (expected {})", s, numeric::names_joined(kStructureNames, ", ", " or ")));
}

json transition_json(const LrnnSpec& s, const Transition& tr) {
  json j = json::object();
  const std::size_t d = s.d;
  switch (s.structure) {
    case Structure::Diagonal: j["a"] = vec_json<json>(tr.a); break;
    case Structure::Complex: {
      json l = json::array();
      for (std::size_t q = 0; q < d / 2; ++q)
        l.push_back(json::array({number_json<json>(tr.a[2 * q]), number_json<json>(tr.a[2 * q + 1])}));
      j["lambda"] = l;
      break;
    }
    case Structure::PermutationDiagonal:
      j["p"] = tr.p;
      j["D"] = vec_json<json>(tr.a);
      break;
    case Structure::Dense: {
      json A = json::array();
      for (std::size_t i = 0; i < d; ++i)
        A.push_back(vec_json<json>(std::vector<Exact>(tr.a.begin() + i * d, tr.a.begin() + (i + 1) * d)));
      j["A"] = A;
      break;
    }
    case Structure::Dplr: {
      json fs = json::array();
      for (const auto& f : tr.factors) {
        json u = json::array(), v = json::array();
        for (const auto& x : f.u) u.push_back(vec_json<json>(x));
        for (const auto& x : f.v) v.push_back(vec_json<json>(x));
        fs.push_back({{"D", vec_json<json>(f.D)}, {"u", u}, {"v", v}});
      }
      j["factors"] = fs;
      break;
    }
  }
  j["b"] = vec_json<json>(tr.b);
  return j;
}


/// Refuses (before any is read) a model whose `transitions` transitions of
/// dimension d would hold more than limits::kMaxParameters numbers.
void check_parameters(const Reader& r, const LrnnSpec& s, std::size_t transitions, const char* field = "/alphabet") {
  const std::uint64_t per = s.structure == Structure::Dense ? limits::mul(s.d, s.d + 1) : limits::mul(s.d, 2);
  const std::uint64_t total = limits::mul(per, transitions);
  if (total > limits::kMaxParameters)
    r.fail(field, fmt::format("{} transitions of dimension d = {} hold {} numbers, above the limit of {} (docs/limits.md)",
                              transitions, s.d, total, limits::kMaxParameters));
}

}  // namespace

LrnnSpec lrnn_from_json_text(const std::string& text, const std::string& source) {
  json j;
  try {
    j = parse_json(text, source);
  } catch (const JsonInputError& e) {
    throw ModelError(e.what());
  }
  Reader r(source, text);
  r.object(j, "");
  r.only_keys(j, "", {"format", "name", "description", "structure", "d", "alphabet", "transitions", "input_dim", "inputs",
                      "h0", "readout"});
  if (j.contains("format") && r.string(j["format"], "/format") != kFormat)
    r.fail("/format", fmt::format("unsupported format \"{}\" (this version reads \"{}\")", j["format"].get<std::string>(), kFormat));
  LrnnSpec s;
  s.name = j.contains("name") ? r.string(j["name"], "/name") : std::filesystem::path(source).stem().string();
  s.description = j.contains("description") ? r.string(j["description"], "/description") : "";
  s.structure = structure_from(r, r.member(j, "", "structure"));
  s.d = r.count(r.member(j, "", "d"), "/d", 1, limits::kMaxModelDim);
  if (s.structure == Structure::Complex && s.d % 2 != 0)
    r.fail("/d", fmt::format("a complex model needs an even d (got {})", s.d));
  if (j.contains("alphabet")) {
    const json& a = j["alphabet"];
    if (!a.is_array()) r.fail("/alphabet", "expected an array of token names");
    if (a.size() > limits::kMaxAlphabet)
      r.fail("/alphabet", fmt::format("{} tokens, above the limit of {} (docs/limits.md)", a.size(), limits::kMaxAlphabet));
    check_parameters(r, s, a.size());
    std::set<std::string> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string name = r.string(a[i], "/alphabet/" + std::to_string(i));
      if (name.empty() || name.find_first_of(" \t\r\n,") != std::string::npos)
        r.fail("/alphabet/" + std::to_string(i), "token names must be non-empty, without spaces or commas");
      if (!seen.insert(name).second) r.fail("/alphabet/" + std::to_string(i), fmt::format("token '{}' appears twice", name));
      s.alphabet.push_back(name);
    }
    const json& ts = r.object(r.member(j, "", "transitions"), "/transitions");
    for (const auto& name : s.alphabet) {
      const std::string ptr = "/transitions/" + json_pointer_token(name);
      if (!ts.contains(name)) r.fail("/transitions", fmt::format("no transition for token '{}'", name));
      s.tokens.push_back(r.transition(ts[name], ptr, s.structure, s.d));
    }
    for (auto it = ts.begin(); it != ts.end(); ++it) {
      if (!seen.count(it.key()))
        r.fail("/transitions/" + json_pointer_token(it.key()), fmt::format("token '{}' is not in the alphabet", it.key()));
    }
  } else if (j.contains("transitions")) {
    r.fail("/transitions", "transitions given without an alphabet");
  }
  if (j.contains("input_dim")) {
    s.input_dim = r.count(j["input_dim"], "/input_dim", 1, limits::kMaxModelDim);
    check_parameters(r, s, s.alphabet.size() + s.input_dim + 1, "/input_dim");
    const json& in = r.member(j, "", "inputs");
    if (!in.is_array() || in.size() != s.input_dim + 1)
      r.fail("/inputs", fmt::format("expected input_dim + 1 = {} transitions (theta_0, theta_1 … theta_m)", s.input_dim + 1));
    for (std::size_t k = 0; k < in.size(); ++k)
      s.input_basis.push_back(r.transition(in[k], "/inputs/" + std::to_string(k), s.structure, s.d));
  } else if (j.contains("inputs")) {
    r.fail("/inputs", "inputs given without input_dim");
  }
  if (s.alphabet.empty() && s.input_dim == 0) r.fail("", "the model needs an alphabet (token inputs) or input_dim (real inputs)");
  s.h0 = j.contains("h0") ? r.vec(j["h0"], "/h0", s.d) : std::vector<Exact>(s.d, Exact(0));
  if (j.contains("readout")) {
    const json& ro = r.object(j["readout"], "/readout");
    r.only_keys(ro, "/readout", {"c", "c0"});
    s.c = r.vec(r.member(ro, "/readout", "c"), "/readout/c", s.d);
    s.c0 = ro.contains("c0") ? r.number(ro["c0"], "/readout/c0") : Exact(0);
  }
  validate(s, source);  // cross-field checks (input basis shapes)
  return s;
}

LrnnSpec load_lrnn(const std::string& path) {
  const auto text = read_text_file(path);
  if (!text) throw ModelError(fmt::format("{}: cannot open model file", path));
  return lrnn_from_json_text(*text, path);
}

std::string lrnn_to_json(const LrnnSpec& s) {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["name"] = s.name;
  if (!s.description.empty()) j["description"] = s.description;
  j["structure"] = to_string(s.structure);
  j["d"] = s.d;
  if (!s.alphabet.empty()) {
    j["alphabet"] = s.alphabet;
    nlohmann::ordered_json ts = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < s.alphabet.size(); ++i) ts[s.alphabet[i]] = transition_json(s, s.tokens[i]);
    j["transitions"] = ts;
  }
  if (s.input_dim > 0) {
    j["input_dim"] = s.input_dim;
    json in = json::array();
    for (const auto& t : s.input_basis) in.push_back(transition_json(s, t));
    j["inputs"] = in;
  }
  j["h0"] = vec_json<json>(s.h0);
  if (s.has_readout()) j["readout"] = {{"c", vec_json<json>(s.c)}, {"c0", number_json<json>(s.c0)}};
  return j.dump(2);
}

void save_lrnn(const LrnnSpec& spec, const std::string& path) {
  // atomic: a failure never leaves a half-written model under the final name
  try {
    io::write_file_atomic(path, lrnn_to_json(spec) + "\n");
  } catch (const io::WriteError& e) {
    throw ModelError(e.what());
  }
}

}  // namespace parallax::models
