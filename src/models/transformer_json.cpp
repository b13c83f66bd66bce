// Transformer JSON files (docs/transformer-json.md): the reader, which names
// file, line and field in every error, and the writer.
#include <fmt/format.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "models/json_positions.hpp"
#include "models/json_reader.hpp"
#include "models/transformer.hpp"
#include "models/transformer_detail.hpp"
#include "numeric/limits.hpp"

namespace parallax::models {

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

ojson matrix_json(const ExactMatrix& m) {
  ojson a = ojson::array();
  for (std::size_t i = 0; i < m.rows; ++i)
    a.push_back(vec_json<ojson>(std::vector<Exact>(m.values.begin() + i * m.cols, m.values.begin() + (i + 1) * m.cols)));
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
        detail::norm_of(L, key) = std::move(n);
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
  detail::check_valid(s, [&](const std::string& ptr, const std::string& msg) { r.fail(ptr, msg); });
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
        if (H.scale) hj["scale"] = number_json<ojson>(*H.scale);
        hj["W_Q"] = matrix_json(H.W_Q);
        hj["W_K"] = matrix_json(H.W_K);
        hj["W_V"] = matrix_json(H.W_V);
        hj["W_O"] = matrix_json(H.W_O);
        heads.push_back(std::move(hj));
      }
      lj["heads"] = std::move(heads);
    }
    if (L.mlp) {
      lj["mlp"] = {{"d_ff", L.mlp->d_ff}, {"W1", matrix_json(L.mlp->W1)}, {"b1", vec_json<ojson>(L.mlp->b1)},
                   {"W2", matrix_json(L.mlp->W2)}, {"b2", vec_json<ojson>(L.mlp->b2)}};
    }
    for (const char* key : {"norm_attn", "norm_mlp"}) {
      const auto& n = detail::norm_of(L, key);
      if (n)
        lj[key] = {{"eps", number_json<ojson>(n->eps)}, {"gain", vec_json<ojson>(n->gain)}, {"bias", vec_json<ojson>(n->bias)}};
    }
    layers.push_back(std::move(lj));
  }
  j["layers"] = std::move(layers);
  if (s.has_readout()) j["readout"] = {{"c", vec_json<ojson>(s.c)}, {"c0", number_json<ojson>(s.c0)}};
  std::ostringstream out;
  emit(j, 0, out);
  out << "\n";
  return out.str();
}

}  // namespace parallax::models
