#pragma once
// Transformer encoders and decoders evaluated at every precision of the
// numeric module (docs/transformer-json.md documents the file format).
//
// Vectors are row vectors, matrices multiply on the right (y = x M), so a
// weight matrix has as many rows as its input and as many columns as its
// output. An input w_1 … w_n (with an optional `bos` token prepended) runs
//
//   x_t = E[w_t] + P[t]                    token embedding + positional row
//   for each layer:
//     a_t = Σ_heads attn_h(x)_t · W_O,h    all heads read the same x
//     x_t ← x_t + a_t,   then x_t ← LN_attn(x_t)   if the layer has norm_attn
//     x_t ← x_t + relu(x_t W1 + b1) W2 + b2,
//                          then x_t ← LN_mlp(x_t)  if the layer has norm_mlp
//   score_t = ⟨c, x_t⟩ + c0, score = score_n, accept iff score > 0
//
// (post-norm: a layer norm follows its residual sum). A head has
// q_i = x_i W_Q, k_j = x_j W_K, v_j = x_j W_V (d_model × d_head each) and
// scores s_ij = scale · ⟨q_i, k_j⟩ over the keys j its mask allows
// (causal: j ≤ i, bidirectional: every j):
//
//   softmax  Σ_j e^{s_ij} v_j / Σ_j e^{s_ij}   (scale defaults to 1/√d_head)
//   hard     v_j* for the j* with the maximal score; ties go to the leftmost
//            (smallest) position, or the rightmost with tie = rightmost
//   average  the mean of v_j over every j attaining the maximal score
//
// Precisions. Parameters are exact rationals, converted to the run's scalar
// type T once. Hard and average attention, ReLU MLPs and the residual stream
// use + − × ÷ and comparisons only, so they run in every type — exactly in
// rationals. Softmax needs exp and layer norm a square root: both run in the
// float types (fp64, fp32, float:M:E) and in intervals (certified
// enclosures); exact rationals and fixed point refuse them with a
// TransformerError naming the precision. In intervals a comparison can be
// undecided (overlapping scores): hard and average attention then throw
// TransformerUndecided instead of guessing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/lrnn.hpp"  // ModelError, numeric scalar types
#include "numeric/precision.hpp"

namespace parallax::models {

/// A malformed transformer file or spec, or a precision that cannot run the
/// model; the message names the file, line and field where there is one.
struct TransformerError : ModelError {
  using ModelError::ModelError;
};
/// Interval runs only: hard or average attention could not decide which keys
/// attain the maximal score (their enclosures overlap).
struct TransformerUndecided : TransformerError {
  using TransformerError::TransformerError;
};

/// A rows × cols matrix of exact rationals, row-major.
struct ExactMatrix {
  std::size_t rows = 0, cols = 0;
  std::vector<Exact> values;

  ExactMatrix() = default;
  /// The zero matrix.
  ExactMatrix(std::size_t r, std::size_t c) : rows(r), cols(c), values(r * c, Exact(0)) {}
  Exact& at(std::size_t i, std::size_t j) { return values[i * cols + j]; }
  const Exact& at(std::size_t i, std::size_t j) const { return values[i * cols + j]; }
  bool operator==(const ExactMatrix&) const = default;
};

enum class AttentionKind { Softmax, Hard, Average };
enum class AttentionMask { Causal, Bidirectional };
enum class TieBreak { Leftmost, Rightmost };

/// "softmax", "hard", "average" / "causal", "bidirectional" / "leftmost", "rightmost".
const char* to_string(AttentionKind k);
const char* to_string(AttentionMask m);
const char* to_string(TieBreak t);
/// Parse the names above; throw TransformerError listing the valid names.
AttentionKind parse_attention_kind(const std::string& name);
AttentionMask parse_attention_mask(const std::string& name);
TieBreak parse_tie_break(const std::string& name);

struct AttentionHead {
  AttentionKind kind = AttentionKind::Average;
  AttentionMask mask = AttentionMask::Causal;
  TieBreak tie = TieBreak::Leftmost;  ///< hard attention only
  std::size_t d_head = 1;
  ExactMatrix W_Q, W_K, W_V;  ///< d_model × d_head
  ExactMatrix W_O;            ///< d_head × d_model: this head's block of the output projection
  /// s_ij = scale · ⟨q_i, k_j⟩. Unset: 1/√d_head for softmax (computed in
  /// the run's type), 1 for hard and average attention.
  std::optional<Exact> scale;
  bool operator==(const AttentionHead&) const = default;
};

/// relu(x W1 + b1) W2 + b2.
struct ReluMlp {
  std::size_t d_ff = 1;
  ExactMatrix W1;  ///< d_model × d_ff
  std::vector<Exact> b1;  ///< d_ff
  ExactMatrix W2;  ///< d_ff × d_model
  std::vector<Exact> b2;  ///< d_model
  bool operator==(const ReluMlp&) const = default;
};

/// y_k = gain_k (x_k − μ) / √(σ² + eps) + bias_k with μ, σ² the mean and
/// (biased) variance of x's d_model entries.
struct LayerNorm {
  Exact eps = Exact(1, 100000);  ///< > 0
  std::vector<Exact> gain, bias;  ///< d_model each
  bool operator==(const LayerNorm&) const = default;
};

struct TransformerLayer {
  std::vector<AttentionHead> heads;  ///< none: the layer has no attention sublayer
  std::optional<ReluMlp> mlp;        ///< none: no MLP sublayer
  std::optional<LayerNorm> norm_attn;  ///< after the attention residual sum (needs heads)
  std::optional<LayerNorm> norm_mlp;   ///< after the MLP residual sum (needs mlp)
  bool operator==(const TransformerLayer&) const = default;
};

struct TransformerSpec {
  std::string name;
  std::string description;
  std::vector<std::string> vocab;  ///< token names (non-empty, no spaces or commas, distinct)
  std::size_t d_model = 1;
  ExactMatrix embedding;  ///< |vocab| × d_model
  /// Learned positional table: row t is added at position t (0-based, the
  /// bos token included); 0 rows: no positional encoding.
  ExactMatrix positions;
  /// Longest input accepted, bos included; 0: unbounded (only without a
  /// positional table, whose row count it then equals).
  std::size_t max_len = 0;
  std::string bos;  ///< a vocab token prepended to every input; empty: none
  std::vector<TransformerLayer> layers;
  std::vector<Exact> c;  ///< readout (d_model), or empty: no readout
  Exact c0 = 0;

  bool has_readout() const { return !c.empty(); }
  bool has_positions() const { return positions.rows > 0; }
  bool operator==(const TransformerSpec&) const = default;
};

/// Checks every dimension, name and parameter; throws TransformerError
/// "transformer 'NAME': FIELD: problem" with FIELD a JSON pointer such as
/// /layers/0/heads/1/W_Q.
void validate(const TransformerSpec& spec);

/// Why `p` cannot run the model ("" when it can): exact rationals and fixed
/// point have neither exp (softmax) nor a square root (layer norm, the
/// default softmax scale).
std::string transformer_precision_problem(const TransformerSpec& spec, const numeric::Precision& p);

// ---- JSON files (docs/transformer-json.md) ------------------------------------

/// Parses a model from JSON text; `source` (a file name) prefixes messages,
/// which name the line and the field.
TransformerSpec transformer_from_json_text(const std::string& text, const std::string& source);
TransformerSpec load_transformer(const std::string& path);
/// Pretty-printed JSON (matrices one row per line); validates first.
/// transformer_from_json_text(transformer_to_json(s)) == s.
std::string transformer_to_json(const TransformerSpec& spec);

// ---- building models in code ---------------------------------------------------

/// A model with the vocabulary, d_model, zero embeddings, no positions, no
/// layers and no readout.
TransformerSpec make_transformer(std::vector<std::string> vocab, std::size_t d_model);
/// Index of a vocabulary token; throws TransformerError for unknown names.
std::uint32_t token_index(const TransformerSpec& spec, const std::string& name);
/// Token indices of a text: names separated by whitespace or commas, or —
/// when every name is one character — a run such as "0110" (as parse_tokens).
std::vector<std::uint32_t> parse_transformer_tokens(const TransformerSpec& spec, const std::string& text,
                                                    const std::string& source);
/// Installs a zero positional table of max_len rows (and sets max_len).
void set_positions(TransformerSpec& spec, std::size_t max_len);
/// Appends an empty layer. The reference is valid until the next add_layer.
TransformerLayer& add_layer(TransformerSpec& spec);
/// Appends a head with zero W_Q, W_K, W_V (d_model × d_head) and W_O. The
/// reference is valid until the next add_head on that layer.
AttentionHead& add_head(const TransformerSpec& spec, TransformerLayer& layer, AttentionKind kind, AttentionMask mask,
                        std::size_t d_head);
/// Gives the layer a zero ReLU MLP of width d_ff.
ReluMlp& add_mlp(const TransformerSpec& spec, TransformerLayer& layer, std::size_t d_ff);
/// A layer norm with gain ones and bias zeros.
LayerNorm make_layer_norm(const TransformerSpec& spec, const Exact& eps);
void set_readout(TransformerSpec& spec, std::vector<Exact> c, const Exact& c0);

struct RandomTransformerOptions {
  std::size_t vocab = 3;  ///< tokens named a, b, c, …
  std::size_t d_model = 4, layers = 2, heads = 2, d_head = 2, d_ff = 8;  ///< d_ff = 0: no MLPs
  std::size_t max_len = 16;  ///< rows of the positional table (0: no positions)
  AttentionKind attention = AttentionKind::Softmax;
  AttentionMask mask = AttentionMask::Causal;
  bool layer_norm = false;  ///< norm_attn and norm_mlp in every layer (eps 1/1000)
  std::uint64_t seed = 1;
};
/// Random small rational parameters (multiples of 1/16, |w| ≤ 1/2), a
/// readout, and the default softmax scale; deterministic in seed.
TransformerSpec random_transformer(const RandomTransformerOptions& options);

// ---- evaluation ------------------------------------------------------------------

template <class T>
struct TransformerRun {
  /// The final residual stream: one d_model vector per position (the bos
  /// token, when there is one, is position 0).
  std::vector<std::vector<T>> stream;
  std::vector<T> scores;  ///< ⟨c, x_t⟩ + c0 at every position; empty without a readout
  T score;                ///< the last position's score (zero without a readout)
  numeric::Sign accept;   ///< sign of score: Positive = accept, Unknown = an interval that cannot tell
};

/// Runs the model on token indices (into spec.vocab, bos not included) in
/// scalar type T under the calling thread's numeric context (see
/// numeric::dispatch). Throws TransformerError for bad tokens, inputs longer
/// than max_len, an empty input without bos, softmax or layer norm at a
/// precision without exp / √, and TransformerUndecided (intervals).
/// Instantiated for double, float, EmuFloat, BigFloat, Fixed, Exact, Interval.
template <class T>
TransformerRun<T> run_transformer(const TransformerSpec& spec, const std::vector<std::uint32_t>& tokens);

}  // namespace parallax::models
