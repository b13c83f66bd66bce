// tcv:D — threshold circuit value at depth D: given a threshold circuit of
// depth at most D (its description) and its input bits, is its output 1?
// For fixed D this is in TC⁰ (each level is one layer of threshold gates,
// the wiring is looked up by comparing wire ids), and a transformer follows
// the description as an instruction: the "transformer" construction is the
// instruction-following model of models/instruction_transformer.hpp, 2·D
// layers, one model for every circuit within its limits.
//
// Instance (size n = the number of input bits):
//   {"problem": "tcv:2", "inputs": "0110",
//    "gates": [{"k": 2, "operands": ["+w0", "-w1", "+w3"]}, …]}
// Wires 0 … m−1 are the inputs, gate g is wire m + g, an operand "+wR" or
// "-wR" names an earlier wire, plain or negated; a gate is 1 iff at least k
// of its literals are 1; the output is the last gate.
//
// Generated instances: layered random circuits (random_threshold_circuit)
// with n inputs, n gates per inner level, fan-in ≤ 4 and depth exactly D,
// with random inputs; drawn until the answer is the requested one.
// Reference solver: direct evaluation, gate by gate.
#include <fmt/format.h>

#include <random>

#include "models/instruction_transformer.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

constexpr std::size_t kMaxFanin = 4;
constexpr std::size_t kMaxInputs = 512;

struct TcvInstance {
  models::ThresholdCircuitDesc circuit;
  std::vector<bool> inputs;
};

class TcvProblem final : public Problem {
 public:
  explicit TcvProblem(const std::string& name) {
    const std::string digits = name.substr(4);
    if (digits.empty() || digits.size() > 1 || digits[0] < '1' || digits[0] > '8')
      throw ProblemError(fmt::format("problem '{}': expected tcv:D with a depth D from 1 to 8", name));
    depth_ = static_cast<std::size_t>(digits[0] - '0');
    info_.name = name;
    info_.family = "tcv:D";
    info_.complexity = automata::ComplexityClass::TC0;
    info_.claim = fmt::format(
        "the value of a threshold circuit of depth <= {} given in the input: for fixed depth in TC0 (one layer of "
        "threshold gates per level, the wiring looked up by comparing wire ids); a log-precision transformer follows "
        "such a description with O(D) layers (Merrill & Sabharwal, TACL 2023)",
        depth_);
    info_.instance_format = fmt::format(
        R"({{"problem": "{}", "inputs": "<bits>", "gates": [{{"k": K, "operands": ["+wR" or "-wR", ...]}}, ...]}})", name);
    info_.constructions = {{"transformer", Architecture::Transformer, fmt::format("the instruction-following transformer: {} layers (fetch each "
                                                                                  "operand's value by hard attention, average a gate's literals, "
                                                                                  "an exact ReLU step against k)",
                                                                                  2 * depth_)}};
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (n == 0 || n > kMaxInputs) throw ProblemError(fmt::format("{}: the size (input bits) must be from 1 to {}", info_.name, kMaxInputs));
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(yes), 0x7cu};
    std::mt19937_64 rng(seq);
    for (int attempt = 0; attempt < 256; ++attempt) {
      models::RandomThresholdCircuitOptions o;
      o.inputs = static_cast<std::uint32_t>(n);
      o.gates_per_level = n;
      o.depth = depth_;
      o.max_fanin = kMaxFanin;
      o.seed = rng();
      TcvInstance in{models::random_threshold_circuit(o), std::vector<bool>(n)};
      for (std::size_t i = 0; i < n; ++i) in.inputs[i] = rng() % 2 == 1;
      if (models::evaluate_threshold_circuit(in.circuit, in.inputs) == yes) return to_json(in);
    }
    throw ProblemError(fmt::format("{}: no {}-instance found of size {}", info_.name, yes ? "yes" : "no", n));
  }
  void validate(const Instance& in) const override { (void)read(in); }
  bool solve(const Instance& in) const override {
    const auto t = read(in);
    return models::evaluate_threshold_circuit(t.circuit, t.inputs);
  }
  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const auto t = read(in);
    // one model per input count: its wire limit holds every generated
    // circuit of that size (n inputs + (D − 1)·n gates + the output)
    const std::size_t wires = std::max<std::size_t>(t.circuit.wires(), depth_ * t.circuit.inputs + 1);
    auto model = transformers_.get(wires, [&](std::size_t w) {
      return models::instruction_transformer({depth_, std::max<std::size_t>(w, 2), kMaxFanin});
    });
    try {
      return {model, models::instruction_tokens(std::get<models::TransformerSpec>(model->model), t.circuit, t.inputs)};
    } catch (const models::TransformerError& e) {
      throw ProblemError(e.what());
    }
  }

 private:
  Instance to_json(const TcvInstance& t) const {
    std::string bits;
    for (bool b : t.inputs) bits += b ? '1' : '0';
    nlohmann::json gates = nlohmann::json::array();
    for (const auto& g : t.circuit.gates) {
      nlohmann::json ops = nlohmann::json::array();
      for (const auto& o : g.operands) ops.push_back(fmt::format("{}w{}", o.negated ? '-' : '+', o.wire));
      gates.push_back({{"k", g.k}, {"operands", ops}});
    }
    return {{"problem", info_.name}, {"inputs", bits}, {"gates", gates}};
  }

  TcvInstance read(const Instance& in) const {
    if (!in.is_object()) throw ProblemError(info_.name + ": an instance is a JSON object " + info_.instance_format);
    if (in.contains("problem") && in["problem"] != info_.name)
      throw ProblemError(fmt::format("field /problem: instance of {}, expected '{}'", in["problem"].dump(), info_.name));
    if (!in.contains("inputs") || !in["inputs"].is_string())
      throw ProblemError("field /inputs: expected a string of input bits such as \"0110\"");
    TcvInstance t;
    const std::string bits = in["inputs"].get<std::string>();
    for (std::size_t i = 0; i < bits.size(); ++i) {
      if (bits[i] != '0' && bits[i] != '1') throw ProblemError(fmt::format("field /inputs: character {} is not 0 or 1", i));
      t.inputs.push_back(bits[i] == '1');
    }
    t.circuit.inputs = static_cast<std::uint32_t>(t.inputs.size());
    if (!in.contains("gates") || !in["gates"].is_array()) throw ProblemError("field /gates: expected an array of gates");
    const auto& gates = in["gates"];
    for (std::size_t g = 0; g < gates.size(); ++g) {
      const auto& G = gates[g];
      const std::string where = fmt::format("field /gates/{}", g);
      if (!G.is_object() || !G.contains("k") || !G["k"].is_number_integer() || G["k"].get<long long>() < 0 ||
          G["k"].get<long long>() > 64)
        throw ProblemError(where + "/k: expected an integer threshold from 0 to 64");
      if (!G.contains("operands") || !G["operands"].is_array()) throw ProblemError(where + "/operands: expected an array");
      models::ThresholdGateDesc gate;
      gate.k = G["k"].get<std::uint32_t>();
      for (std::size_t o = 0; o < G["operands"].size(); ++o) {
        const auto& op = G["operands"][o];
        const std::string s = op.is_string() ? op.get<std::string>() : "";
        if (s.size() < 3 || (s[0] != '+' && s[0] != '-') || s[1] != 'w' || s.find_first_not_of("0123456789", 2) != std::string::npos ||
            s.size() > 9)
          throw ProblemError(fmt::format("{}/operands/{}: expected \"+wR\" or \"-wR\" with a wire number R", where, o));
        gate.operands.push_back({static_cast<std::uint32_t>(std::stoul(s.substr(2))), s[0] == '-'});
      }
      t.circuit.gates.push_back(std::move(gate));
    }
    try {
      models::validate(t.circuit);
      if (models::circuit_depth(t.circuit) > depth_)
        throw ProblemError(fmt::format("field /gates: the circuit has depth {}, more than {} allows", models::circuit_depth(t.circuit),
                                       info_.name));
      if (models::circuit_max_fanin(t.circuit) > kMaxFanin)
        throw ProblemError(fmt::format("field /gates: a gate has fan-in {}, more than {}", models::circuit_max_fanin(t.circuit), kMaxFanin));
    } catch (const models::InstructionError& e) {
      throw ProblemError(std::string("field /gates: ") + e.what());
    }
    return t;
  }

  ProblemInfo info_;
  std::size_t depth_ = 1;
  TransformerCache transformers_;
};

}  // namespace

std::unique_ptr<Problem> make_tcv_problem(const std::string& name) {
  if (name.starts_with("tcv:")) return std::make_unique<TcvProblem>(name);
  return nullptr;
}

}  // namespace parallax::reductions
