// Transformers: attention names, validation and the builder helpers (the JSON
// file is transformer_json.cpp, random models transformer_random.cpp, the
// evaluator transformer_run.cpp).
#include "models/transformer.hpp"

#include <fmt/format.h>

#include <string>

#include "models/transformer_detail.hpp"
#include "numeric/enum_names.hpp"

namespace parallax::models {

// ---- names ------------------------------------------------------------------------

namespace {

constexpr numeric::EnumName<AttentionKind> kAttentionKinds[] = {
    {AttentionKind::Softmax, "softmax"}, {AttentionKind::Hard, "hard"}, {AttentionKind::Average, "average"}};
constexpr numeric::EnumName<AttentionMask> kMasks[] = {{AttentionMask::Causal, "causal"},
                                                       {AttentionMask::Bidirectional, "bidirectional"}};
constexpr numeric::EnumName<TieBreak> kTieBreaks[] = {{TieBreak::Leftmost, "leftmost"}, {TieBreak::Rightmost, "rightmost"}};

}  // namespace

const char* to_string(AttentionKind k) { return numeric::name_of(kAttentionKinds, k); }
const char* to_string(AttentionMask m) { return numeric::name_of(kMasks, m); }
const char* to_string(TieBreak t) { return numeric::name_of(kTieBreaks, t); }

AttentionKind parse_attention_kind(const std::string& name) {
  if (auto k = numeric::value_of(kAttentionKinds, name)) return *k;
  throw TransformerError(fmt::format("unknown attention kind \"{}\" (expected {})", name,
                                     numeric::names_joined(kAttentionKinds, ", ", " or ")));
}
AttentionMask parse_attention_mask(const std::string& name) {
  if (auto m = numeric::value_of(kMasks, name)) return *m;
  throw TransformerError(
      fmt::format("unknown mask \"{}\" (expected {})", name, numeric::names_joined(kMasks, ", ", " or ")));
}
TieBreak parse_tie_break(const std::string& name) {
  if (auto t = numeric::value_of(kTieBreaks, name)) return *t;
  throw TransformerError(
      fmt::format("unknown tie rule \"{}\" (expected {})", name, numeric::names_joined(kTieBreaks, ", ", " or ")));
}

// ---- validation -------------------------------------------------------------------

namespace detail {

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

}  // namespace detail

void validate(const TransformerSpec& spec) {
  detail::check_valid(spec, [&](const std::string& ptr, const std::string& msg) {
    throw TransformerError(fmt::format("transformer '{}': {}: {}", spec.name, ptr, msg));
  });
}

std::string transformer_precision_problem(const TransformerSpec& spec, const numeric::Precision& p) {
  if (p.kind == numeric::Precision::Kind::Exact || p.kind == numeric::Precision::Kind::Fixed)
    return detail::missing_function_problem(spec, p.to_string());
  return "";
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

}  // namespace parallax::models
