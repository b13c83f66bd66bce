// Transformers: validation, the JSON file (docs/transformer-json.md), builder
// helpers, random models, and the evaluator with its instantiations for every
// scalar type of the numeric module.
#include "models/transformer.hpp"

#include <fmt/format.h>
#include <mpfi.h>
#include <mpfr.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <type_traits>

#include "models/json_positions.hpp"
#include "models/json_reader.hpp"
#include "numeric/limits.hpp"
#include "numeric/all.hpp"
#include "numeric/exp_sqrt.hpp"
#include "numeric/functions.hpp"
#include "numeric/mpfr_range.hpp"

namespace parallax::models {

// ---- names ------------------------------------------------------------------------

const char* to_string(AttentionKind k) {
  switch (k) {
    case AttentionKind::Softmax: return "softmax";
    case AttentionKind::Hard: return "hard";
    case AttentionKind::Average: return "average";
  }
  return "?";
}
const char* to_string(AttentionMask m) { return m == AttentionMask::Causal ? "causal" : "bidirectional"; }
const char* to_string(TieBreak t) { return t == TieBreak::Leftmost ? "leftmost" : "rightmost"; }

AttentionKind parse_attention_kind(const std::string& name) {
  for (auto k : {AttentionKind::Softmax, AttentionKind::Hard, AttentionKind::Average})
    if (name == to_string(k)) return k;
  throw TransformerError(fmt::format("unknown attention kind \"{}\" (expected softmax, hard or average)", name));
}
AttentionMask parse_attention_mask(const std::string& name) {
  for (auto m : {AttentionMask::Causal, AttentionMask::Bidirectional})
    if (name == to_string(m)) return m;
  throw TransformerError(fmt::format("unknown mask \"{}\" (expected causal or bidirectional)", name));
}
TieBreak parse_tie_break(const std::string& name) {
  for (auto t : {TieBreak::Leftmost, TieBreak::Rightmost})
    if (name == to_string(t)) return t;
  throw TransformerError(fmt::format("unknown tie rule \"{}\" (expected leftmost or rightmost)", name));
}

// ---- validation -------------------------------------------------------------------

namespace {

/// fail(ptr, msg) must throw.
using FailFn = std::function<void(const std::string&, const std::string&)>;

void check_valid(const TransformerSpec& s, const FailFn& fail) {
  auto shape = [&](const ExactMatrix& m, const std::string& ptr, std::size_t rows, std::size_t cols, const char* what) {
    if (m.rows != rows || m.cols != cols || m.values.size() != rows * cols)
      fail(ptr, fmt::format("is a {}×{} matrix, expected {}×{} ({})", m.rows, m.cols, rows, cols, what));
  };
  auto length = [&](const std::vector<Exact>& v, const std::string& ptr, std::size_t want, const char* what) {
    if (v.size() != want) fail(ptr, fmt::format("has {} values, expected {} ({})", v.size(), want, what));
  };
  const std::size_t d = s.d_model;
  if (d == 0) fail("/d_model", "must be at least 1");
  if (s.vocab.empty()) fail("/vocab", "the vocabulary is empty");
  for (std::size_t i = 0; i < s.vocab.size(); ++i) {
    const std::string& t = s.vocab[i];
    if (t.empty() || t.find_first_of(" \t\r\n,") != std::string::npos)
      fail(fmt::format("/vocab/{}", i), "token names must be non-empty, without spaces or commas");
    for (std::size_t j = 0; j < i; ++j)
      if (s.vocab[j] == t) fail(fmt::format("/vocab/{}", i), fmt::format("token '{}' appears twice", t));
  }
  shape(s.embedding, "/embedding", s.vocab.size(), d, "one row of d_model numbers per vocab token");
  if (s.has_positions()) {
    shape(s.positions, "/positions", s.positions.rows, d, "max_len rows of d_model numbers");
    if (s.max_len != s.positions.rows)
      fail("/max_len", fmt::format("is {} but the positional table has {} rows", s.max_len, s.positions.rows));
  }
  if (!s.bos.empty()) {
    bool known = false;
    for (const auto& t : s.vocab) known = known || t == s.bos;
    if (!known) fail("/bos", fmt::format("bos token '{}' is not in the vocabulary", s.bos));
  }
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const auto& L = s.layers[l];
    const std::string lp = fmt::format("/layers/{}", l);
    for (std::size_t h = 0; h < L.heads.size(); ++h) {
      const auto& H = L.heads[h];
      const std::string hp = fmt::format("{}/heads/{}", lp, h);
      if (H.d_head == 0) fail(hp + "/d_head", "must be at least 1");
      shape(H.W_Q, hp + "/W_Q", d, H.d_head, "d_model × d_head");
      shape(H.W_K, hp + "/W_K", d, H.d_head, "d_model × d_head");
      shape(H.W_V, hp + "/W_V", d, H.d_head, "d_model × d_head");
      shape(H.W_O, hp + "/W_O", H.d_head, d, "d_head × d_model");
    }
    if (L.mlp) {
      const auto& M = *L.mlp;
      const std::string mp = lp + "/mlp";
      if (M.d_ff == 0) fail(mp + "/d_ff", "must be at least 1");
      shape(M.W1, mp + "/W1", d, M.d_ff, "d_model × d_ff");
      length(M.b1, mp + "/b1", M.d_ff, "d_ff");
      shape(M.W2, mp + "/W2", M.d_ff, d, "d_ff × d_model");
      length(M.b2, mp + "/b2", d, "d_model");
    }
    auto norm = [&](const std::optional<LayerNorm>& n, const char* key, bool sublayer, const char* needs) {
      if (!n) return;
      const std::string np = lp + "/" + key;
      if (!sublayer) fail(np, fmt::format("a layer norm after a sublayer the layer does not have ({})", needs));
      if (n->eps <= 0) fail(np + "/eps", fmt::format("must be > 0 (got {})", n->eps.str()));
      length(n->gain, np + "/gain", d, "d_model");
      length(n->bias, np + "/bias", d, "d_model");
    };
    norm(L.norm_attn, "norm_attn", !L.heads.empty(), "norm_attn needs at least one head");
    norm(L.norm_mlp, "norm_mlp", L.mlp.has_value(), "norm_mlp needs an mlp");
  }
  if (s.has_readout()) length(s.c, "/readout/c", d, "d_model");
}

/// The layer's "norm_attn" or "norm_mlp".
template <class Layer>
auto& norm_of(Layer& L, const std::string& key) {
  return key == "norm_attn" ? L.norm_attn : L.norm_mlp;
}

/// The first use of softmax, of a layer norm, or of the default softmax scale
/// (1/√d_head), for precisions without exp or √ (named `precision`).
std::string missing_function_problem(const TransformerSpec& s, const std::string& precision) {
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const auto& L = s.layers[l];
    for (std::size_t h = 0; h < L.heads.size(); ++h)
      if (L.heads[h].kind == AttentionKind::Softmax)
        return fmt::format(
            "transformer '{}': /layers/{}/heads/{} uses softmax attention, which needs exp: precision '{}' has none "
            "(it runs hard and average attention, ReLU MLPs and the residual stream; use a float or interval precision "
            "for softmax)",
            s.name, l, h, precision);
    for (const char* key : {"norm_attn", "norm_mlp"})
      if (norm_of(L, key).has_value())
        return fmt::format(
            "transformer '{}': /layers/{}/{} is a layer norm, which needs a square root: precision '{}' has none "
            "(use a float or interval precision, or a model without layer norm)",
            s.name, l, key, precision);
  }
  return "";
}

}  // namespace

void validate(const TransformerSpec& spec) {
  check_valid(spec, [&](const std::string& ptr, const std::string& msg) {
    throw TransformerError(fmt::format("transformer '{}': {}: {}", spec.name, ptr, msg));
  });
}

std::string transformer_precision_problem(const TransformerSpec& spec, const numeric::Precision& p) {
  if (p.kind == numeric::Precision::Kind::Exact || p.kind == numeric::Precision::Kind::Fixed)
    return missing_function_problem(spec, p.to_string());
  return "";
}

// ---- JSON ---------------------------------------------------------------------------

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr const char* kFormat = "parallax-transformer/1";
/// Largest size a file may give (d_model, max_len, d_head, d_ff).
constexpr std::size_t kMaxCount = limits::kMaxModelDim;

/// Reads a parsed document, naming file, line and field in every error.
class Reader : public JsonReader<TransformerError> {
 public:
  using JsonReader::JsonReader;

  /// A vector of any length (validate checks the length).
  std::vector<Exact> vec(const json& j, const std::string& ptr, const char* what) const {
    array(j, ptr, what);
    std::vector<Exact> v;
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(number(j[i], ptr + "/" + std::to_string(i)));
    return v;
  }

  /// A matrix as an array of rows of equal length (validate checks the shape).
  ExactMatrix matrix(const json& j, const std::string& ptr, const char* what) const {
    if (!j.is_array()) fail(ptr, fmt::format("expected a matrix ({}) as an array of rows, got {}", what, j.type_name()));
    ExactMatrix m;
    m.rows = j.size();
    for (std::size_t i = 0; i < j.size(); ++i) {
      const std::string rp = ptr + "/" + std::to_string(i);
      if (!j[i].is_array()) fail(rp, fmt::format("expected a row (an array of numbers) of the matrix {}, got {}", what, j[i].type_name()));
      if (i == 0) m.cols = j[i].size();
      if (j[i].size() != m.cols)
        fail(rp, fmt::format("row {} has {} numbers but row 0 has {} (matrix {})", i, j[i].size(), m.cols, what));
      for (std::size_t k = 0; k < j[i].size(); ++k) m.values.push_back(number(j[i][k], rp + "/" + std::to_string(k)));
    }
    return m;
  }

  /// The head's, else the layer's, else the top level's `key`, parsed by `parse`.
  template <class E>
  E inherited(const json& head, const json& layer, const json& top, const std::string& hp, const std::string& lp,
              const char* key, E (*parse)(const std::string&), std::optional<E> fallback) const {
    const json* src = nullptr;
    std::string ptr;
    if (head.contains(key)) src = &head[key], ptr = hp + "/" + key;
    else if (layer.contains(key)) src = &layer[key], ptr = lp + "/" + key;
    else if (top.contains(key)) src = &top[key], ptr = std::string("/") + key;
    if (!src) {
      if (fallback) return *fallback;
      fail(hp, fmt::format("missing \"{}\" (give it in the head, in its layer or at the top level)", key));
    }
    const std::string name = string(*src, ptr);
    try {
      return parse(name);
    } catch (const TransformerError& e) {
      fail(ptr, e.what());
    }
  }

  LayerNorm layer_norm(const json& j, const std::string& ptr) const {
    object(j, ptr);
    only_keys(j, ptr, {"eps", "gain", "bias"});
    LayerNorm n;
    n.eps = number(member(j, ptr, "eps"), ptr + "/eps");
    n.gain = j.contains("gain") ? vec(j["gain"], ptr + "/gain", "d_model numbers") : std::vector<Exact>();
    n.bias = j.contains("bias") ? vec(j["bias"], ptr + "/bias", "d_model numbers") : std::vector<Exact>();
    return n;
  }

};

ojson number_json(const Exact& q) {
  if (denominator(q) == 1) {
    const numeric::BigInt z = numerator(q);
    if (z >= std::numeric_limits<std::int64_t>::min() && z <= std::numeric_limits<std::int64_t>::max())
      return z.convert_to<std::int64_t>();
  }
  return q.str();
}

ojson vec_json(const std::vector<Exact>& v) {
  ojson a = ojson::array();
  for (const auto& q : v) a.push_back(number_json(q));
  return a;
}

ojson matrix_json(const ExactMatrix& m) {
  ojson a = ojson::array();
  for (std::size_t i = 0; i < m.rows; ++i)
    a.push_back(vec_json(std::vector<Exact>(m.values.begin() + i * m.cols, m.values.begin() + (i + 1) * m.cols)));
  return a;
}

/// JSON with two-space indentation, arrays of scalars on one line (so a
/// matrix prints one row per line).
void emit(const ojson& j, int indent, std::ostringstream& out) {
  const std::string pad(indent, ' '), inner(indent + 2, ' ');
  auto scalar_array = [](const ojson& a) {
    for (const auto& x : a)
      if (x.is_structured()) return false;
    return true;
  };
  if (j.is_object()) {
    if (j.empty()) {
      out << "{}";
      return;
    }
    out << "{\n";
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) out << ",\n";
      first = false;
      out << inner << ojson(it.key()).dump() << ": ";
      emit(it.value(), indent + 2, out);
    }
    out << "\n" << pad << "}";
  } else if (j.is_array() && !j.empty() && !scalar_array(j)) {
    out << "[\n";
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i) out << ",\n";
      out << inner;
      emit(j[i], indent + 2, out);
    }
    out << "\n" << pad << "]";
  } else if (j.is_array()) {
    out << "[";
    for (std::size_t i = 0; i < j.size(); ++i) out << (i ? ", " : "") << j[i].dump();
    out << "]";
  } else {
    out << j.dump();
  }
}

}  // namespace

TransformerSpec transformer_from_json_text(const std::string& text, const std::string& source) {
  json j;
  try {
    j = parse_json(text, source);
  } catch (const JsonInputError& e) {
    throw TransformerError(e.what());
  }
  Reader r(source, text);
  r.object(j, "");
  r.only_keys(j, "", {"format", "name", "description", "vocab", "d_model", "max_len", "bos", "embedding", "positions",
                      "attention", "mask", "layers", "readout"});
  if (j.contains("format") && r.string(j["format"], "/format") != kFormat)
    r.fail("/format", fmt::format("unsupported format \"{}\" (this version reads \"{}\")", j["format"].get<std::string>(), kFormat));
  TransformerSpec s;
  s.name = j.contains("name") ? r.string(j["name"], "/name") : std::filesystem::path(source).stem().string();
  s.description = j.contains("description") ? r.string(j["description"], "/description") : "";
  const json& vocab = r.array(r.member(j, "", "vocab"), "/vocab", "token names");
  for (std::size_t i = 0; i < vocab.size(); ++i) s.vocab.push_back(r.string(vocab[i], "/vocab/" + std::to_string(i)));
  s.d_model = r.count(r.member(j, "", "d_model"), "/d_model", 1, kMaxCount);
  s.embedding = r.matrix(r.member(j, "", "embedding"), "/embedding", "one row of d_model numbers per vocab token");
  if (j.contains("positions") && !j["positions"].is_null()) {
    s.positions = r.matrix(j["positions"], "/positions", "max_len rows of d_model numbers");
    if (s.positions.rows == 0) r.fail("/positions", "the positional table is empty (omit it for no positional encoding)");
    s.max_len = s.positions.rows;
  }
  if (j.contains("max_len")) {
    s.max_len = r.count(j["max_len"], "/max_len", 1, kMaxCount);
    if (s.has_positions() && s.max_len != s.positions.rows)
      r.fail("/max_len", fmt::format("is {} but the positional table has {} rows", s.max_len, s.positions.rows));
  }
  if (j.contains("bos")) s.bos = r.string(j["bos"], "/bos");
  const json empty = json::object();
  // numbers the file implies without writing them (default biases and norms):
  // bounded before they are allocated
  std::uint64_t implied = 0;
  auto imply = [&](std::uint64_t n, const std::string& ptr) {
    implied = limits::add(implied, n);
    if (implied > limits::kMaxParameters)
      r.fail(ptr, fmt::format("the defaults the file implies (zero biases, unit norms) reach {} numbers, above the limit of {} "
                              "(docs/limits.md)", implied, limits::kMaxParameters));
  };
  if (j.contains("layers")) {
    const json& layers = r.array(j["layers"], "/layers", "layers");
    if (layers.size() > limits::kMaxLayers)
      r.fail("/layers", fmt::format("{} layers, above the limit of {} (docs/limits.md)", layers.size(), limits::kMaxLayers));
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const std::string lp = "/layers/" + std::to_string(l);
      const json& lj = r.object(layers[l], lp);
      r.only_keys(lj, lp, {"attention", "mask", "heads", "W_O", "mlp", "norm_attn", "norm_mlp"});
      TransformerLayer L;
      const json& heads = lj.contains("heads") ? r.array(lj["heads"], lp + "/heads", "attention heads") : json::array();
      const bool shared_wo = lj.contains("W_O");
      for (std::size_t h = 0; h < heads.size(); ++h) {
        const std::string hp = lp + "/heads/" + std::to_string(h);
        const json& hj = r.object(heads[h], hp);
        r.only_keys(hj, hp, {"attention", "mask", "tie", "d_head", "scale", "W_Q", "W_K", "W_V", "W_O"});
        AttentionHead H;
        H.kind = r.inherited<AttentionKind>(hj, lj, j, hp, lp, "attention", parse_attention_kind, std::nullopt);
        H.mask = r.inherited<AttentionMask>(hj, lj, j, hp, lp, "mask", parse_attention_mask, std::nullopt);
        H.tie = r.inherited<TieBreak>(hj, empty, empty, hp, lp, "tie", parse_tie_break, TieBreak::Leftmost);
        H.d_head = r.count(r.member(hj, hp, "d_head"), hp + "/d_head", 1, kMaxCount);
        if (hj.contains("scale")) H.scale = r.number(hj["scale"], hp + "/scale");
        H.W_Q = r.matrix(r.member(hj, hp, "W_Q"), hp + "/W_Q", "d_model × d_head");
        H.W_K = r.matrix(r.member(hj, hp, "W_K"), hp + "/W_K", "d_model × d_head");
        H.W_V = r.matrix(r.member(hj, hp, "W_V"), hp + "/W_V", "d_model × d_head");
        if (shared_wo && hj.contains("W_O"))
          r.fail(hp + "/W_O", "the layer gives W_O for all heads: give it there or in every head, not both");
        if (!shared_wo) H.W_O = r.matrix(r.member(hj, hp, "W_O"), hp + "/W_O", "d_head × d_model");
        L.heads.push_back(std::move(H));
      }
      if (shared_wo) {
        // the concatenated output projection: head h owns rows [off, off + d_head)
        const ExactMatrix W = r.matrix(lj["W_O"], lp + "/W_O", "heads · d_head × d_model");
        std::size_t total = 0;
        for (const auto& H : L.heads) total += H.d_head;
        if (L.heads.empty()) r.fail(lp + "/W_O", "an output projection in a layer without heads");
        if (W.rows != total || W.cols != s.d_model)
          r.fail(lp + "/W_O", fmt::format("is a {}×{} matrix, expected {}×{} (the heads' d_head summed × d_model)", W.rows,
                                          W.cols, total, s.d_model));
        std::size_t off = 0;
        for (auto& H : L.heads) {
          H.W_O = ExactMatrix(H.d_head, W.cols);
          for (std::size_t i = 0; i < H.d_head; ++i)
            for (std::size_t k = 0; k < W.cols; ++k) H.W_O.at(i, k) = W.at(off + i, k);
          off += H.d_head;
        }
      }
      if (lj.contains("mlp")) {
        const std::string mp = lp + "/mlp";
        const json& mj = r.object(lj["mlp"], mp);
        r.only_keys(mj, mp, {"d_ff", "W1", "b1", "W2", "b2"});
        ReluMlp M;
        M.d_ff = r.count(r.member(mj, mp, "d_ff"), mp + "/d_ff", 1, kMaxCount);
        M.W1 = r.matrix(r.member(mj, mp, "W1"), mp + "/W1", "d_model × d_ff");
        if (!mj.contains("b1")) imply(M.d_ff, mp + "/d_ff");
        if (!mj.contains("b2")) imply(s.d_model, mp);
        M.b1 = mj.contains("b1") ? r.vec(mj["b1"], mp + "/b1", "d_ff numbers") : std::vector<Exact>(M.d_ff, Exact(0));
        M.W2 = r.matrix(r.member(mj, mp, "W2"), mp + "/W2", "d_ff × d_model");
        M.b2 = mj.contains("b2") ? r.vec(mj["b2"], mp + "/b2", "d_model numbers") : std::vector<Exact>(s.d_model, Exact(0));
        L.mlp = std::move(M);
      }
      for (const char* key : {"norm_attn", "norm_mlp"}) {
        if (!lj.contains(key)) continue;
        LayerNorm n = r.layer_norm(lj[key], lp + "/" + key);
        imply(limits::mul(s.d_model, 2), lp + "/" + key);
        if (n.gain.empty()) n.gain.assign(s.d_model, Exact(1));
        if (n.bias.empty()) n.bias.assign(s.d_model, Exact(0));
        norm_of(L, key) = std::move(n);
      }
      s.layers.push_back(std::move(L));
    }
  }
  if (j.contains("readout")) {
    const json& ro = r.object(j["readout"], "/readout");
    r.only_keys(ro, "/readout", {"c", "c0"});
    s.c = r.vec(r.member(ro, "/readout", "c"), "/readout/c", "d_model numbers");
    s.c0 = ro.contains("c0") ? r.number(ro["c0"], "/readout/c0") : Exact(0);
    if (s.c.empty()) r.fail("/readout/c", "the readout vector is empty");
  }
  check_valid(s, [&](const std::string& ptr, const std::string& msg) { r.fail(ptr, msg); });
  return s;
}

TransformerSpec load_transformer(const std::string& path) {
  const auto text = read_text_file(path);
  if (!text) throw TransformerError(fmt::format("{}: cannot open transformer file", path));
  return transformer_from_json_text(*text, path);
}

std::string transformer_to_json(const TransformerSpec& s) {
  validate(s);
  ojson j;
  j["format"] = kFormat;
  j["name"] = s.name;
  if (!s.description.empty()) j["description"] = s.description;
  j["vocab"] = s.vocab;
  j["d_model"] = s.d_model;
  if (s.max_len > 0) j["max_len"] = s.max_len;
  if (!s.bos.empty()) j["bos"] = s.bos;
  j["embedding"] = matrix_json(s.embedding);
  if (s.has_positions()) j["positions"] = matrix_json(s.positions);
  ojson layers = ojson::array();
  for (const auto& L : s.layers) {
    ojson lj = ojson::object();
    if (!L.heads.empty()) {
      ojson heads = ojson::array();
      for (const auto& H : L.heads) {
        ojson hj;
        hj["attention"] = to_string(H.kind);
        hj["mask"] = to_string(H.mask);
        if (H.kind == AttentionKind::Hard || H.tie != TieBreak::Leftmost) hj["tie"] = to_string(H.tie);
        hj["d_head"] = H.d_head;
        if (H.scale) hj["scale"] = number_json(*H.scale);
        hj["W_Q"] = matrix_json(H.W_Q);
        hj["W_K"] = matrix_json(H.W_K);
        hj["W_V"] = matrix_json(H.W_V);
        hj["W_O"] = matrix_json(H.W_O);
        heads.push_back(std::move(hj));
      }
      lj["heads"] = std::move(heads);
    }
    if (L.mlp) {
      lj["mlp"] = {{"d_ff", L.mlp->d_ff}, {"W1", matrix_json(L.mlp->W1)}, {"b1", vec_json(L.mlp->b1)},
                   {"W2", matrix_json(L.mlp->W2)}, {"b2", vec_json(L.mlp->b2)}};
    }
    for (const char* key : {"norm_attn", "norm_mlp"}) {
      const auto& n = norm_of(L, key);
      if (n) lj[key] = {{"eps", number_json(n->eps)}, {"gain", vec_json(n->gain)}, {"bias", vec_json(n->bias)}};
    }
    layers.push_back(std::move(lj));
  }
  j["layers"] = std::move(layers);
  if (s.has_readout()) j["readout"] = {{"c", vec_json(s.c)}, {"c0", number_json(s.c0)}};
  std::ostringstream out;
  emit(j, 0, out);
  out << "\n";
  return out.str();
}

// ---- builders -----------------------------------------------------------------------

TransformerSpec make_transformer(std::vector<std::string> vocab, std::size_t d_model) {
  TransformerSpec s;
  s.name = "transformer";
  s.vocab = std::move(vocab);
  s.d_model = d_model;
  s.embedding = ExactMatrix(s.vocab.size(), d_model);
  return s;
}

std::uint32_t token_index(const TransformerSpec& spec, const std::string& name) {
  for (std::size_t i = 0; i < spec.vocab.size(); ++i)
    if (spec.vocab[i] == name) return static_cast<std::uint32_t>(i);
  throw TransformerError(fmt::format("transformer '{}': unknown token '{}' (vocab: {})", spec.name, name,
                                     fmt::join(spec.vocab, " ")));
}

std::vector<std::uint32_t> parse_transformer_tokens(const TransformerSpec& spec, const std::string& text,
                                                    const std::string& source) {
  LrnnSpec alphabet;  // parse_tokens reads only the name and the alphabet
  alphabet.name = spec.name;
  alphabet.alphabet = spec.vocab;
  try {
    return parse_tokens(alphabet, text, source);
  } catch (const TransformerError&) {
    throw;
  } catch (const ModelError& e) {
    throw TransformerError(e.what());
  }
}

void set_positions(TransformerSpec& spec, std::size_t max_len) {
  spec.positions = ExactMatrix(max_len, spec.d_model);
  spec.max_len = max_len;
}

TransformerLayer& add_layer(TransformerSpec& spec) { return spec.layers.emplace_back(); }

AttentionHead& add_head(const TransformerSpec& spec, TransformerLayer& layer, AttentionKind kind, AttentionMask mask,
                        std::size_t d_head) {
  AttentionHead h;
  h.kind = kind;
  h.mask = mask;
  h.d_head = d_head;
  h.W_Q = h.W_K = h.W_V = ExactMatrix(spec.d_model, d_head);
  h.W_O = ExactMatrix(d_head, spec.d_model);
  return layer.heads.emplace_back(std::move(h));
}

ReluMlp& add_mlp(const TransformerSpec& spec, TransformerLayer& layer, std::size_t d_ff) {
  ReluMlp m;
  m.d_ff = d_ff;
  m.W1 = ExactMatrix(spec.d_model, d_ff);
  m.b1.assign(d_ff, Exact(0));
  m.W2 = ExactMatrix(d_ff, spec.d_model);
  m.b2.assign(spec.d_model, Exact(0));
  layer.mlp = std::move(m);
  return *layer.mlp;
}

LayerNorm make_layer_norm(const TransformerSpec& spec, const Exact& eps) {
  LayerNorm n;
  n.eps = eps;
  n.gain.assign(spec.d_model, Exact(1));
  n.bias.assign(spec.d_model, Exact(0));
  return n;
}

void set_readout(TransformerSpec& spec, std::vector<Exact> c, const Exact& c0) {
  spec.c = std::move(c);
  spec.c0 = c0;
}

TransformerSpec random_transformer(const RandomTransformerOptions& o) {
  if (o.vocab == 0 || o.vocab > 26) throw TransformerError("random_transformer: vocab must be 1 … 26");
  std::vector<std::string> vocab;
  for (std::size_t i = 0; i < o.vocab; ++i) vocab.emplace_back(1, static_cast<char>('a' + i));
  TransformerSpec s = make_transformer(std::move(vocab), o.d_model);
  s.name = fmt::format("random-{}", o.seed);
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<int> pick(-8, 8);
  auto draw = [&] { return Exact(pick(rng), 16); };
  auto fill = [&](ExactMatrix& m) {
    for (auto& v : m.values) v = draw();
  };
  auto fill_vec = [&](std::vector<Exact>& v) {
    for (auto& x : v) x = draw();
  };
  fill(s.embedding);
  if (o.max_len > 0) {
    set_positions(s, o.max_len);
    fill(s.positions);
  }
  for (std::size_t l = 0; l < o.layers; ++l) {
    TransformerLayer& L = add_layer(s);
    for (std::size_t h = 0; h < o.heads; ++h) {
      AttentionHead& H = add_head(s, L, o.attention, o.mask, o.d_head);
      fill(H.W_Q), fill(H.W_K), fill(H.W_V), fill(H.W_O);
    }
    if (o.d_ff > 0) {
      ReluMlp& M = add_mlp(s, L, o.d_ff);
      fill(M.W1), fill_vec(M.b1), fill(M.W2), fill_vec(M.b2);
    }
    if (o.layer_norm) {
      if (!L.heads.empty()) L.norm_attn = make_layer_norm(s, Exact(1, 1000));
      if (L.mlp) L.norm_mlp = make_layer_norm(s, Exact(1, 1000));
      for (auto* n : {&L.norm_attn, &L.norm_mlp})
        if (*n) {
          for (auto& g : (*n)->gain) g = Exact(1) + draw() / 2;
          fill_vec((*n)->bias);
        }
    }
  }
  std::vector<Exact> c(o.d_model);
  fill_vec(c);
  set_readout(s, std::move(c), draw());
  return s;
}

// ---- evaluation -------------------------------------------------------------------------

namespace {

using numeric::BigFloat;
using numeric::EmuFloat;
using numeric::Fixed;
using numeric::Interval;
using numeric::Sign;

// exp and √, shared with circuit evaluation so that compiled circuits round alike
using numeric::exp_of;
using numeric::sqrt_of;

/// x², with intervals enclosing the square (not x·x, whose lower end can be negative).
template <class T>
T square(const T& x) {
  if constexpr (std::is_same_v<T, Interval>) {
    Interval r;
    mpfi_sqr(r.get(), x.get());
    return r;
  } else {
    return x * x;
  }
}

template <class T>
T relu(const T& x) {
  if constexpr (std::is_same_v<T, Interval>) {
    return numeric::relu(x);  // the hull, so a straddling unit stays certified
  } else {
    return numeric::sign(x) == Sign::Positive ? x : numeric::zero<T>();
  }
}

/// The sign of a − b without rounding a − b (shared with the circuits' Max and Ge).
template <class T>
Sign compare(const T& a, const T& b) {
  return numeric::compare_values(a, b);
}

template <class T>
struct Mat {
  std::size_t rows = 0, cols = 0;
  std::vector<T> v;
};

template <class T>
std::vector<T> conv(const std::vector<Exact>& v) {
  std::vector<T> r;
  r.reserve(v.size());
  for (const auto& q : v) r.push_back(numeric::from_exact<T>(q));
  return r;
}

template <class T>
Mat<T> conv(const ExactMatrix& m) {
  return {m.rows, m.cols, conv<T>(m.values)};
}

/// bias + x M (x has M.rows entries; bias M.cols or null for zeros).
template <class T>
std::vector<T> vecmat(const std::vector<T>& x, const Mat<T>& M, const std::vector<T>* bias = nullptr) {
  std::vector<T> y = bias ? *bias : std::vector<T>(M.cols, numeric::zero<T>());
  for (std::size_t i = 0; i < M.rows; ++i)
    for (std::size_t j = 0; j < M.cols; ++j) y[j] = y[j] + x[i] * M.v[i * M.cols + j];
  return y;
}

template <class T>
T dot(const std::vector<T>& a, const std::vector<T>& b) {
  T acc = numeric::zero<T>();
  for (std::size_t i = 0; i < a.size(); ++i) acc = acc + a[i] * b[i];
  return acc;
}

template <class T>
struct Head {
  const AttentionHead* spec;
  Mat<T> Q, K, V, O;
  std::optional<T> scale;  ///< unset: 1
};

template <class T>
struct Norm {
  T eps;
  std::vector<T> gain, bias;
};

template <class T>
struct Layer {
  std::vector<Head<T>> heads;
  bool has_mlp = false;
  Mat<T> W1, W2;
  std::vector<T> b1, b2;
  std::optional<Norm<T>> norm_attn, norm_mlp;
};

template <class T>
std::optional<Norm<T>> conv_norm(const std::optional<LayerNorm>& n) {
  if (!n) return std::nullopt;
  return Norm<T>{numeric::from_exact<T>(n->eps), conv<T>(n->gain), conv<T>(n->bias)};
}

template <class T>
void layer_norm(std::vector<T>& x, const Norm<T>& n) {
  const T d = numeric::from_int<T>(static_cast<long long>(x.size()));
  T mean = numeric::zero<T>();
  for (const auto& v : x) mean = mean + v;
  mean = mean / d;
  T var = numeric::zero<T>();
  for (auto& v : x) {
    v = v - mean;
    var = var + square(v);
  }
  var = var / d;
  const T root = sqrt_of(var + n.eps);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = n.gain[k] * x[k] / root + n.bias[k];
}

/// The keys j in [0, keys) with the maximal score, in increasing order.
/// Totally ordered types scan once; intervals keep every key not certified
/// below another, and these must be certified equal.
template <class T>
std::vector<std::size_t> maximal_keys(const std::vector<T>& s, std::size_t keys, const std::function<std::string()>& where) {
  std::vector<std::size_t> best;
  if constexpr (!std::is_same_v<T, Interval>) {
    for (std::size_t j = 0; j < keys; ++j) {
      if (best.empty()) {
        best.push_back(j);
        continue;
      }
      switch (compare(s[j], s[best.front()])) {
        case Sign::Positive: best.assign(1, j); break;
        case Sign::Zero: best.push_back(j); break;
        case Sign::Negative: break;
        case Sign::Unknown:
          throw TransformerError(fmt::format("{}: the scores of keys {} and {} cannot be compared ({} vs {})", where(),
                                             best.front(), j, numeric::to_string(s[best.front()]), numeric::to_string(s[j])));
      }
    }
  } else {
    for (std::size_t j = 0; j < keys; ++j) {
      bool below = false;
      for (std::size_t k = 0; k < keys && !below; ++k) below = k != j && compare(s[j], s[k]) == Sign::Negative;
      if (!below) best.push_back(j);
    }
    for (std::size_t q = 1; q < best.size(); ++q)
      if (compare(s[best[q]], s[best[0]]) != Sign::Zero)
        throw TransformerUndecided(fmt::format(
            "{}: undecided: the score enclosures of keys {} and {} overlap ({} vs {}), so which keys attain the maximum "
            "cannot be certified at this interval precision",
            where(), best[0], best[q], numeric::to_string(s[best[0]]), numeric::to_string(s[best[q]])));
  }
  return best;
}

/// One head's output (d_head values) at query position i.
template <class T>
std::vector<T> attend(const Head<T>& h, const std::vector<std::vector<T>>& q, const std::vector<std::vector<T>>& k,
                      const std::vector<std::vector<T>>& v, std::size_t i, const std::function<std::string()>& where) {
  const std::size_t keys = h.spec->mask == AttentionMask::Causal ? i + 1 : k.size();
  const std::size_t dh = h.spec->d_head;
  std::vector<T> s;
  s.reserve(keys);
  for (std::size_t j = 0; j < keys; ++j) {
    T x = dot(q[i], k[j]);
    if (h.scale) x = *h.scale * x;
    s.push_back(std::move(x));
  }
  std::vector<T> out(dh, numeric::zero<T>());
  if (h.spec->kind == AttentionKind::Softmax) {
    // e^{s_j − m} / Σ e^{s_l − m}: any m gives the same weights; the largest
    // score keeps exp from overflowing (intervals: one whose enclosure is
    // not certified below the others')
    std::size_t m = 0;
    for (std::size_t j = 1; j < keys; ++j)
      if (compare(s[j], s[m]) == Sign::Positive) m = j;
    const T top = s[m];
    T total = numeric::zero<T>();
    for (std::size_t j = 0; j < keys; ++j) {
      const T e = exp_of(T(s[j] - top));
      total = total + e;
      for (std::size_t c = 0; c < dh; ++c) out[c] = out[c] + e * v[j][c];
    }
    for (auto& o : out) o = o / total;
    return out;
  }
  const auto best = maximal_keys(s, keys, where);
  if (h.spec->kind == AttentionKind::Hard) return v[h.spec->tie == TieBreak::Leftmost ? best.front() : best.back()];
  for (std::size_t j : best)
    for (std::size_t c = 0; c < dh; ++c) out[c] = out[c] + v[j][c];
  if (best.size() > 1) {
    const T count = numeric::from_int<T>(static_cast<long long>(best.size()));
    for (auto& o : out) o = o / count;
  }
  return out;
}

}  // namespace

template <class T>
TransformerRun<T> run_transformer(const TransformerSpec& spec, const std::vector<std::uint32_t>& tokens) {
  validate(spec);
  if constexpr (!numeric::has_exp_sqrt_v<T>) {
    const std::string problem = missing_function_problem(spec, numeric::scalar_name<T>());
    if (!problem.empty()) throw TransformerError(problem);
  }
  std::vector<std::uint32_t> input;
  input.reserve(tokens.size() + 1);
  if (!spec.bos.empty()) input.push_back(token_index(spec, spec.bos));
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t] >= spec.vocab.size())
      throw TransformerError(fmt::format("transformer '{}': token index {} at position {} is outside the vocabulary ({} tokens)",
                                         spec.name, tokens[t], t, spec.vocab.size()));
    input.push_back(tokens[t]);
  }
  const std::size_t n = input.size(), d = spec.d_model;
  if (n == 0) throw TransformerError(fmt::format("transformer '{}': empty input (the model has no bos token)", spec.name));
  if (spec.max_len > 0 && n > spec.max_len)
    throw TransformerError(fmt::format("transformer '{}': an input of {} positions{} exceeds max_len = {}", spec.name, n,
                                       spec.bos.empty() ? "" : " (bos included)", spec.max_len));

  // parameters in T, once
  const Mat<T> E = conv<T>(spec.embedding), P = conv<T>(spec.positions);
  std::vector<Layer<T>> layers(spec.layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const auto& L = spec.layers[l];
    for (const auto& H : L.heads) {
      Head<T> h{&H, conv<T>(H.W_Q), conv<T>(H.W_K), conv<T>(H.W_V), conv<T>(H.W_O), std::nullopt};
      if (H.scale) h.scale = numeric::from_exact<T>(*H.scale);
      else if (H.kind == AttentionKind::Softmax) {
        if constexpr (numeric::has_exp_sqrt_v<T>) h.scale = numeric::one<T>() / sqrt_of(numeric::from_int<T>(static_cast<long long>(H.d_head)));
      }
      layers[l].heads.push_back(std::move(h));
    }
    if (L.mlp) {
      layers[l].has_mlp = true;
      layers[l].W1 = conv<T>(L.mlp->W1), layers[l].W2 = conv<T>(L.mlp->W2);
      layers[l].b1 = conv<T>(L.mlp->b1), layers[l].b2 = conv<T>(L.mlp->b2);
    }
    layers[l].norm_attn = conv_norm<T>(L.norm_attn);
    layers[l].norm_mlp = conv_norm<T>(L.norm_mlp);
  }

  std::vector<std::vector<T>> x(n);
  for (std::size_t t = 0; t < n; ++t) {
    x[t].assign(E.v.begin() + input[t] * d, E.v.begin() + (input[t] + 1) * d);
    if (P.rows > 0)
      for (std::size_t c = 0; c < d; ++c) x[t][c] = x[t][c] + P.v[t * d + c];
  }

  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Layer<T>& L = layers[l];
    if (!L.heads.empty()) {
      std::vector<std::vector<T>> delta(n, std::vector<T>(d, numeric::zero<T>()));
      for (std::size_t hi = 0; hi < L.heads.size(); ++hi) {
        const Head<T>& h = L.heads[hi];
        std::vector<std::vector<T>> q(n), k(n), v(n);
        for (std::size_t t = 0; t < n; ++t) q[t] = vecmat(x[t], h.Q), k[t] = vecmat(x[t], h.K), v[t] = vecmat(x[t], h.V);
        for (std::size_t i = 0; i < n; ++i) {
          auto where = [&] {
            return fmt::format("transformer '{}': /layers/{}/heads/{} ({} attention, {}) at query position {}", spec.name, l,
                               hi, to_string(h.spec->kind), numeric::scalar_name<T>(), i);
          };
          const std::vector<T> o = attend(h, q, k, v, i, where);
          const std::vector<T> a = vecmat(o, h.O);
          for (std::size_t c = 0; c < d; ++c) delta[i][c] = delta[i][c] + a[c];
        }
      }
      for (std::size_t t = 0; t < n; ++t) {
        for (std::size_t c = 0; c < d; ++c) x[t][c] = x[t][c] + delta[t][c];
        if constexpr (numeric::has_exp_sqrt_v<T>)
          if (L.norm_attn) layer_norm(x[t], *L.norm_attn);
      }
    }
    if (L.has_mlp) {
      for (std::size_t t = 0; t < n; ++t) {
        std::vector<T> hdn = vecmat(x[t], L.W1, &L.b1);
        for (auto& z : hdn) z = relu(z);
        const std::vector<T> y = vecmat(hdn, L.W2, &L.b2);
        for (std::size_t c = 0; c < d; ++c) x[t][c] = x[t][c] + y[c];
        if constexpr (numeric::has_exp_sqrt_v<T>)
          if (L.norm_mlp) layer_norm(x[t], *L.norm_mlp);
      }
    }
  }

  TransformerRun<T> run{std::move(x), {}, numeric::zero<T>(), Sign::Zero};
  if (spec.has_readout()) {
    const std::vector<T> c = conv<T>(spec.c);
    const T c0 = numeric::from_exact<T>(spec.c0);
    for (const auto& xt : run.stream) run.scores.push_back(c0 + dot(c, xt));
    run.score = run.scores.back();
    run.accept = numeric::sign(run.score);
  }
  return run;
}

template TransformerRun<double> run_transformer<double>(const TransformerSpec&, const std::vector<std::uint32_t>&);
template TransformerRun<float> run_transformer<float>(const TransformerSpec&, const std::vector<std::uint32_t>&);
template TransformerRun<EmuFloat> run_transformer<EmuFloat>(const TransformerSpec&, const std::vector<std::uint32_t>&);
template TransformerRun<BigFloat> run_transformer<BigFloat>(const TransformerSpec&, const std::vector<std::uint32_t>&);
template TransformerRun<Fixed> run_transformer<Fixed>(const TransformerSpec&, const std::vector<std::uint32_t>&);
template TransformerRun<Exact> run_transformer<Exact>(const TransformerSpec&, const std::vector<std::uint32_t>&);
template TransformerRun<Interval> run_transformer<Interval>(const TransformerSpec&, const std::vector<std::uint32_t>&);

}  // namespace parallax::models
