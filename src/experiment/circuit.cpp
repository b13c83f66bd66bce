#include "experiment/circuit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cmath>
#include <limits>

#include "automata/dfa.hpp"
#include "automata/automaton_json.hpp"
#include "automata/recognizer.hpp"
#include "circuits/rnn_circuit.hpp"
#include "circuits/transformer_circuit.hpp"
#include "models/lrnn.hpp"
#include "models/relu_rnn.hpp"
#include "models/transformer.hpp"
#include "experiment/lengths.hpp"
#include "experiment/store.hpp"
#include "models/json_positions.hpp"
#include "numeric/limits.hpp"

namespace parallax::experiment::circuit {

using namespace parallax::circuits;

std::string spec_forms() {
  return "transformer:FILE (JSON transformer file), transformer:random[:attention=hard|average|softmax][:layers=L]"
         "[:heads=H][:d=K][:ff=K][:mask=causal|bidirectional][:norm=0|1] (defaults hard, 2, 2, 4, 8, causal, 0), "
         "ssm:diag:d=K (diagonal SSM, input-dependent gates; = lrnn:diag:d=K), lrnn:diag:d=K, lrnn:complex:d=K, lrnn:pd:d=K, lrnn:dplr:d=K, lrnn:dense:d=K, lrnn:NAME (named model), "
         "lrnn:FILE (JSON model file), rnn:relu:d=K, dfa:NAME (a built-in language such as parity, contains-aba, word:A5, or s5), dfa:FILE (JSON DFA or NFA)";
}

namespace {

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  throw SpecError(fmt::format("invalid circuit model '{}': {}; valid forms: {}", spec, why, spec_forms()));
}

std::size_t dimension(std::string_view spec, std::string_view part) {
  std::size_t d = 0;
  if (!part.starts_with("d=")) fail(spec, "expected d=K");
  const auto v = part.substr(2);
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || d == 0 || d > 64) fail(spec, "d must be an integer from 1 to 64");
  return d;
}

std::size_t count_of(std::string_view spec, std::string_view key, std::string_view v, std::size_t lo, std::size_t hi) {
  std::size_t x = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi)
    fail(spec, fmt::format("{} must be an integer from {} to {}, got '{}'", key, lo, hi, v));
  return x;
}

/// transformer:random[:key=value]…: models::random_transformer without a
/// positional table, so that one model serves every length n.
models::TransformerSpec random_transformer_spec(std::string_view spec, std::string_view opts, std::uint64_t seed) {
  models::RandomTransformerOptions o;
  o.attention = models::AttentionKind::Hard;
  o.max_len = 0;
  o.seed = seed;
  while (!opts.empty()) {
    if (opts.front() != ':') fail(spec, "options follow transformer:random as :key=value");
    opts.remove_prefix(1);
    const auto end = opts.find(':');
    const auto item = opts.substr(0, end);
    opts = end == std::string_view::npos ? std::string_view() : opts.substr(end);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) fail(spec, fmt::format("option '{}' is not key=value", item));
    const auto key = item.substr(0, eq), v = item.substr(eq + 1);
    try {
      if (key == "attention") o.attention = models::parse_attention_kind(std::string(v));
      else if (key == "mask") o.mask = models::parse_attention_mask(std::string(v));
      else if (key == "layers") o.layers = count_of(spec, key, v, 0, 16);
      else if (key == "heads") o.heads = count_of(spec, key, v, 0, 16);
      else if (key == "d") o.d_model = count_of(spec, key, v, 1, 64);
      else if (key == "ff") o.d_ff = count_of(spec, key, v, 0, 256);
      else if (key == "norm") o.layer_norm = count_of(spec, key, v, 0, 1) == 1;
      else fail(spec, fmt::format("unknown option '{}' (expected attention, mask, layers, heads, d, ff or norm)", key));
    } catch (const models::ModelError& e) {
      fail(spec, e.what());
    }
  }
  return models::random_transformer(o);
}

/// ⌈log₂ n⌉ (0 for n ≤ 1).
std::uint64_t ceil_log2(std::uint64_t n) {
  std::uint64_t l = 0;
  while (l < 64 && (std::uint64_t(1) << l) < n) ++l;
  return l;
}

/// A count of about x (saturating at 2^64 − 1, never below 0).
std::uint64_t count_of_double(double x) {
  if (!(x > 0)) return 0;
  return x >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(std::ceil(x));
}

}  // namespace

std::uint64_t prefix_steps_bound(Network net, std::uint64_t n) {
  if (n <= 1) return 0;
  const std::uint64_t lg = ceil_log2(n);
  switch (net) {
    case Network::Serial: return n - 1;
    case Network::BrentKung: return limits::mul(2, n);
    case Network::Sklansky: return limits::mul(n / 2 + 1, lg);
    case Network::LadnerFischer: return limits::add(n, limits::mul(n / 2 + 1, lg));
    case Network::KoggeStone:
    default: return limits::mul(n, lg);
  }
}

Size estimate(const Request& req, std::size_t n, bool text) {
  Size est;
  constexpr std::size_t p1 = 8, p2 = 16;
  if (n <= p2) return est;
  const std::string_view s = req.spec;
  enum class Growth { Linear, Prefix, Quadratic };
  const Growth growth = s.starts_with("transformer:") || req.fanin == FanIn::Unbounded ? Growth::Quadratic
                        : s.starts_with("rnn:")                                        ? Growth::Linear
                                                                                       : Growth::Prefix;
  const Circuit c1 = build(req, p1), c2 = build(req, p2);
  // the weight of n steps: what a count grows with
  auto weight = [&](std::uint64_t k, bool exact) -> double {
    if (growth == Growth::Linear) return double(k);
    const std::uint64_t steps = exact ? circuits::prefix_stats(req.network, k).size : prefix_steps_bound(req.network, k);
    return double(k) + double(steps);
  };
  auto scale = [&](double q1, double q2) -> std::uint64_t {
    double x = 0;
    if (growth == Growth::Quadratic) {  // q = α·k + β·k² through both probes
      const double beta = std::max(0.0, (q2 - 2 * q1) / (2.0 * p1 * p1));
      const double alpha = std::max(0.0, (q1 - beta * p1 * p1) / p1);
      x = std::max(alpha * double(n) + beta * double(n) * double(n), q2 / p2 * double(n));
    } else {  // the larger per-weight cost of the two, times the weight of n
      x = std::max(q1 / weight(p1, true), q2 / weight(p2, true)) * weight(n, false);
    }
    return count_of_double(1.25 * x);
  };
  est.gates = scale(double(c1.size()), double(c2.size()));
  est.edges = scale(double(c1.edges().size()), double(c2.edges().size()));
  est.constants = scale(double(c1.constants().size()), double(c2.constants().size()));
  using limits::add;
  using limits::mul;
  // gates (16 bytes) and edges (4) while their vectors grow (old and new storage at once), constants as exact
  // numbers, the measurement's three depths per gate; text: the written circuit and its copy (and an AIG)
  std::uint64_t bytes = mul(3, add(mul(est.gates, 16), mul(est.edges, 4)));
  bytes = add(bytes, add(mul(est.constants, 96), mul(est.gates, 12)));
  if (text) bytes = add(bytes, add(mul(est.gates, 100), mul(est.edges, 24)));
  est.bytes = bytes;
  return est;
}

Circuit build(const Request& req, std::size_t n) {
  std::string_view s = req.spec;
  if (s.starts_with("transformer:")) {
    const auto rest = s.substr(12);
    models::TransformerSpec spec;
    if (rest == "random" || rest.starts_with("random:")) {
      spec = random_transformer_spec(s, rest.substr(6), req.seed);
    } else {
      if (rest.empty()) fail(s, "expected transformer:FILE or transformer:random");
      try {
        spec = models::load_transformer(std::string(rest));
      } catch (const models::ModelError& e) {
        fail(s, e.what());
      }
    }
    try {
      return transformer_circuit(spec, n, req.fanin);
    } catch (const std::invalid_argument& e) {
      fail(s, e.what());
    }
  }
  // a diagonal SSM with input-dependent gates is the diagonal token LRNN
  const std::string alias = s.starts_with("ssm:diag:") ? "lrnn:" + std::string(s.substr(4)) : std::string();
  if (s.starts_with("ssm:") && alias.empty()) fail(s, "the SSM form is ssm:diag:d=K");
  if (!alias.empty()) s = alias;
  if (s.starts_with("rnn:")) {
    const auto rest = s.substr(4);
    if (!rest.starts_with("relu:")) fail(s, "the nonlinear cell is rnn:relu:d=K");
    if (req.fanin == FanIn::Unbounded) fail(s, "an RNN has no unbounded fan-in construction");
    return relu_rnn_circuit(models::random_relu_rnn(dimension(s, rest.substr(5)), req.seed), n);
  }
  if (s.starts_with("dfa:")) {
    if (req.fanin == FanIn::Unbounded) fail(s, "the recognizer circuit has bounded fan-in only");
    automata::Dfa dfa;
    try {
      dfa = automata::resolve_dfa(std::string(s.substr(4)));
    } catch (const std::exception& e) {
      fail(s, e.what());
    }
    return automata::recognizer_circuit(dfa, n, req.network);
  }
  if (!s.starts_with("lrnn:")) fail(s, "unknown kind");
  const auto rest = s.substr(5);
  models::LrnnSpec spec;
  const auto colon = rest.find(':');
  const auto head = rest.substr(0, colon);
  const std::pair<const char*, models::Structure> structures[] = {
      {"diag", models::Structure::Diagonal}, {"complex", models::Structure::Complex},
      {"pd", models::Structure::PermutationDiagonal}, {"dplr", models::Structure::Dplr},
      {"dense", models::Structure::Dense}};
  bool generic = false;
  for (const auto& [name, st] : structures) {
    if (head == name && colon != std::string_view::npos) {
      const std::size_t d = dimension(s, rest.substr(colon + 1));
      if (st == models::Structure::Complex && d % 2) fail(s, "a complex model needs an even d");
      spec = models::random_lrnn(st, d, 2, req.seed);
      generic = true;
    }
  }
  if (!generic) {
    try {
      spec = models::resolve_model(std::string(rest));
    } catch (const models::ModelError& e) {
      fail(s, e.what());
    }
  }
  try {
    return lrnn_circuit(spec, n, req.network, req.fanin);
  } catch (const std::invalid_argument& e) {
    fail(s, e.what());
  }
}

Request Options::request(const OptionNames& names) const {
  Request req;
  req.spec = model;
  req.seed = seed;
  try {
    req.network = circuits::network_from_string(network);
  } catch (const std::invalid_argument& e) {
    throw OptionError("network", fmt::format("{}: {}", names("network"), e.what()));
  }
  if (fanin == "bounded") req.fanin = FanIn::Bounded;
  else if (fanin == "unbounded") req.fanin = FanIn::Unbounded;
  else throw OptionError("fanin", fmt::format("{}: '{}' is not bounded or unbounded", names("fanin"), fanin));
  return req;
}

std::vector<std::size_t> Options::lengths(const OptionNames& names) const {
  std::vector<std::size_t> ns;
  if (sweep.empty()) {
    if (n == 0) throw OptionError("n", fmt::format("give {} N (N >= 1) or {} A..B", names("n"), names("sweep")));
    try {
      limits::check_count(n, limits::kMaxLength, names("n"));
    } catch (const limits::LimitError& e) {
      throw OptionError("n", e.what());
    }
    return {n};
  }
  if (n != 0) throw OptionError("n", fmt::format("give {} N or {} A..B, not both", names("n"), names("sweep")));
  const auto dots = sweep.find("..");
  if (dots == std::string::npos)
    throw OptionError("sweep", fmt::format("{}: '{}' is not A..B (n = A, 2A, 4A, … up to B)", names("sweep"), sweep));
  std::size_t ab[2] = {0, 0};
  const std::string part[2] = {sweep.substr(0, dots), sweep.substr(dots + 2)};
  for (int i = 0; i < 2; ++i) {
    if (part[i].find_first_of(",.x+") != std::string::npos)
      throw OptionError("sweep", fmt::format("{}: '{}' is not A..B with whole numbers A and B", names("sweep"), sweep));
    try {
      ab[i] = parse_lengths(part[i]).at(0);  // each from 1 to limits::kMaxLength
    } catch (const std::exception& e) {
      throw OptionError("sweep", fmt::format("{}: {}", names("sweep"), e.what()));
    }
  }
  const std::size_t a = ab[0], b = ab[1];
  if (a == 0 || b < a) throw OptionError("sweep", fmt::format("{}: '{}' needs 1 <= A <= B", names("sweep"), sweep));
  for (std::size_t k = a; k <= b; k *= 2) {  // b ≤ kMaxLength: no overflow
    ns.push_back(k);
    if (k > b / 2) break;
  }
  return ns;
}

void Options::validate(const OptionNames& names) const {
  const auto req = request(names);
  try {
    (void)build(req, 2);
  } catch (const SpecError& e) {
    throw OptionError("model", e.what());
  }
  const std::size_t largest = lengths(names).back();
  const std::string key = sweep.empty() ? "n" : "sweep";
  const std::string option = fmt::format("{} {}", names(key), sweep.empty() ? std::to_string(largest) : sweep);
  try {
    Size size;
    try {
      size = estimate(req, largest, text);
    } catch (const SpecError& e) {
      throw OptionError("model", e.what());
    }
    const std::string what = fmt::format("the circuit of '{}' at n = {}", model, largest);
    limits::check_count(size.gates, limits::kMaxCircuitGates, fmt::format("{}: the gates of {} (estimated)", option, what));
    limits::check_count(size.edges, limits::kMaxCircuitGates,
                        fmt::format("{}: the operand edges of {} (estimated)", option, what));
    limits::check_memory(size.bytes, fmt::format("{}: {} (about {} gates)", option, what, size.gates));
  } catch (const limits::LimitError& e) {
    throw OptionError(key, e.what());
  }
}

Options options_from_json(const nlohmann::ordered_json& keys) {
  const OptionKeys k(keys);
  Options o;
  o.model = k.text("model");
  o.network = k.text("network", o.network);
  o.fanin = k.text("fanin", o.fanin);
  o.n = k.integer("n", 0, 0, limits::kMaxLength);
  o.sweep = k.text("sweep");
  try {  // (its form is checked by the command line's own option)
    o.seed = std::stoull(k.text("seed", "1"));
  } catch (const std::exception&) {
  }
  return o;
}

nlohmann::json config(const Options& o) {
  nlohmann::json config = {{"model", o.model}, {"network", o.network}, {"fanin", o.fanin}, {"seed", o.seed}};
  const auto colon = o.model.find(':');
  if (colon != std::string::npos)
    if (const auto text = models::read_text_file(o.model.substr(colon + 1))) config["model_fnv1a"] = content_hash(*text);
  return config;
}

Hooks store_hooks(const RunResults& run) {
  Hooks h;
  h.stored = [run](std::size_t n) -> std::optional<CircuitRecord> {
    const auto key = circuit_key(n);
    const auto* j = run.find(key);
    if (!j) return std::nullopt;
    return read_stored(run.place(key), [&] { return circuit_record_from_json(nlohmann::json(*j)); });
  };
  h.on_record = [run](const CircuitRecord& r) { run.put_all({{"circuit", circuit_key(r.length), to_json(r)}}); };
  return h;
}

namespace {

/// The record of a circuit built for n steps in `seconds` (without its configuration).
CircuitRecord record_of(std::size_t n, const Circuit& c, const circuits::Metrics& m, double seconds) {
  CircuitRecord r;
  r.length = n;
  r.size = m.size;
  r.depth = m.depth;
  r.depth_bounded = m.depth_bounded;
  r.mult_depth = m.mult_depth;
  r.max_fanin = m.max_fanin;
  r.gates = c.size();
  r.mbytes = std::round(m.bytes / 1e4) / 100;
  r.seconds = std::round(seconds * 1e4) / 1e4;
  return r;
}

}  // namespace

std::vector<CircuitRecord> run(const Options& o, const Hooks& hooks) {
  const auto req = o.request();
  std::vector<CircuitRecord> rows;
  for (const std::size_t n : o.lengths()) {
    if (auto stored = hooks.stored ? hooks.stored(n) : std::nullopt) {  // resumed: measured before
      stored->model.clear();
      rows.push_back(std::move(*stored));
      continue;
    }
    if (hooks.poll) hooks.poll();
    const auto t0 = std::chrono::steady_clock::now();
    const Circuit c = build(req, n);
    const auto m = circuits::measure(c);
    auto rec = record_of(n, c, m, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (hooks.on_record) {
      rec.model = o.model, rec.network = o.network, rec.fanin = o.fanin;
      hooks.on_record(rec);
      rec.model.clear(), rec.network.clear(), rec.fanin.clear();
    }
    rows.push_back(std::move(rec));
  }
  return rows;
}

}  // namespace parallax::experiment::circuit
