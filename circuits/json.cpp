#include "circuits/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/json_positions.hpp"

namespace parallax::circuits {

namespace {
constexpr const char* kFormat = "parallax-circuit/1";
}

std::string circuit_to_json(const Circuit& c) {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["inputs"] = c.num_inputs();
  nlohmann::ordered_json consts = nlohmann::ordered_json::array();
  for (const auto& q : c.constants()) consts.push_back(q.str());
  j["constants"] = consts;
  nlohmann::ordered_json gates = nlohmann::ordered_json::array();
  for (GateId g = 0; g < c.size(); ++g) {
    const Gate& G = c[g];
    nlohmann::ordered_json e;
    e["kind"] = to_string(G.kind);
    if (G.fanin) e["operands"] = std::vector<GateId>(c.operands(g), c.operands(g) + G.fanin);
    if (G.kind == GateKind::Input || G.kind == GateKind::Const || G.kind == GateKind::Threshold) e["param"] = G.param;
    gates.push_back(e);
  }
  j["gates"] = gates;
  j["outputs"] = c.outputs();
  return j.dump(1);
}

Circuit circuit_from_json_text(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = models::parse_json(text, source);
  } catch (const models::JsonInputError& e) {
    throw CircuitFileError(e.what());
  }
  const auto lines = models::json_value_lines(text);
  auto fail = [&](const std::string& ptr, const std::string& msg) {
    throw CircuitFileError(models::json_field_message(source, lines, ptr, msg));
  };
  if (!j.is_object()) fail("", "expected an object");
  if (!j.contains("format") || j["format"] != kFormat) fail("/format", fmt::format("expected \"{}\"", kFormat));
  for (const char* need : {"inputs", "constants", "gates", "outputs"})
    if (!j.contains(need)) fail("", fmt::format("missing field \"{}\"", need));
  Circuit c;
  std::vector<numeric::Exact> consts;
  const auto& cs = j["constants"];
  if (!cs.is_array()) fail("/constants", "expected an array of numbers as strings");
  for (std::size_t i = 0; i < cs.size(); ++i) {
    try {
      consts.push_back(numeric::parse_exact(cs[i].is_string() ? cs[i].get<std::string>() : cs[i].dump()));
    } catch (const std::exception& e) {
      fail("/constants/" + std::to_string(i), e.what());
    }
  }
  const auto& gs = j["gates"];
  if (!gs.is_array()) fail("/gates", "expected an array of gates");
  for (std::size_t i = 0; i < gs.size(); ++i) {
    const std::string ptr = "/gates/" + std::to_string(i);
    const auto& g = gs[i];
    if (!g.is_object() || !g.contains("kind") || !g["kind"].is_string()) fail(ptr, "expected {\"kind\": …}");
    const std::string kind = g["kind"].get<std::string>();
    const auto known = numeric::value_of(kGateKindNames, kind);
    if (!known) fail(ptr + "/kind", fmt::format("unknown gate kind \"{}\"", kind));
    const GateKind gk = *known;
    std::uint32_t param = 0;
    if (g.contains("param")) {
      if (!g["param"].is_number_unsigned()) fail(ptr + "/param", "expected a non-negative integer");
      param = g["param"].get<std::uint32_t>();
    }
    if (gk == GateKind::Input) {
      if (param != c.num_inputs()) fail(ptr + "/param", fmt::format("inputs are numbered in order: expected {}", c.num_inputs()));
      c.input();
      continue;
    }
    if (gk == GateKind::Const) {
      if (param >= consts.size()) fail(ptr + "/param", fmt::format("no constant {} (there are {})", param, consts.size()));
      c.constant(consts[param]);
      continue;
    }
    std::vector<GateId> ops;
    if (!g.contains("operands") || !g["operands"].is_array()) fail(ptr, "missing \"operands\"");
    for (std::size_t o = 0; o < g["operands"].size(); ++o) {
      const auto& v = g["operands"][o];
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() >= i)
        fail(ptr + "/operands/" + std::to_string(o), fmt::format("expected the id of an earlier gate (0 … {})", i == 0 ? 0 : i - 1));
      ops.push_back(static_cast<GateId>(v.get<std::uint64_t>()));
    }
    try {
      c.gate(gk, ops, param);
    } catch (const std::invalid_argument& e) {
      fail(ptr, e.what());
    }
  }
  if (!j["inputs"].is_number_unsigned() || j["inputs"].get<std::size_t>() != c.num_inputs())
    fail("/inputs", fmt::format("expected {} (the input gates)", c.num_inputs()));
  const auto& os = j["outputs"];
  if (!os.is_array()) fail("/outputs", "expected an array of gate ids");
  for (std::size_t o = 0; o < os.size(); ++o) {
    if (!os[o].is_number_unsigned() || os[o].get<std::uint64_t>() >= c.size())
      fail("/outputs/" + std::to_string(o), "expected a gate id");
    c.mark_output(static_cast<GateId>(os[o].get<std::uint64_t>()));
  }
  return c;
}

}  // namespace parallax::circuits
