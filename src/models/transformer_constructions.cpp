// Transformer constructions (see the header for each one's mechanism).
#include "models/transformer_constructions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace parallax::models {
namespace {

/// The vocabulary: the letters, then <bos>; checks the letters.
std::vector<std::string> vocab_with_bos(const std::vector<std::string>& letters, const char* what, std::size_t min_letters) {
  if (letters.size() < min_letters)
    throw TransformerError(fmt::format("{}: needs at least {} letters, got {}", what, min_letters, letters.size()));
  std::set<std::string> seen;
  for (const auto& l : letters) {
    if (l == kBosToken) throw TransformerError(fmt::format("{}: the letter '{}' is the bos token's name", what, l));
    if (!seen.insert(l).second) throw TransformerError(fmt::format("{}: the letter '{}' appears twice", what, l));
  }
  auto v = letters;
  v.push_back(kBosToken);
  return v;
}

/// Starts a model with the given vocabulary and columns, bos set.
TransformerSpec start(const std::string& name, const std::string& description, std::vector<std::string> vocab,
                      std::size_t d_model) {
  TransformerSpec s = make_transformer(std::move(vocab), d_model);
  s.name = name;
  s.description = description;
  s.bos = kBosToken;
  return s;
}

std::uint32_t bos_row(const TransformerSpec& s) { return static_cast<std::uint32_t>(s.vocab.size() - 1); }

/// Positional columns t and t² for positions 0 … max_n (bos at 0).
void add_position_columns(TransformerSpec& s, std::size_t max_n, std::size_t col_t, std::size_t col_t2) {
  set_positions(s, max_n + 1);
  for (std::size_t t = 0; t <= max_n; ++t) {
    s.positions.at(t, col_t) = Exact(static_cast<long>(t));
    s.positions.at(t, col_t2) = Exact(static_cast<long>(t)) * Exact(static_cast<long>(t));
  }
}

/// A hard head whose query at position t targets key position t − offset:
/// q = (2t − 2·offset, −1) against k = (t', t'²) scores 2(t − offset)t' − t'²,
/// uniquely maximal at t' = t − offset (at 0 when that is negative). Uses
/// query/key coordinates 0 and 1 of the head.
void target_previous(AttentionHead& h, std::size_t col_one, std::size_t col_t, std::size_t col_t2, long offset) {
  h.W_Q.at(col_t, 0) = 2;
  h.W_Q.at(col_one, 0) = Exact(-2 * offset);
  h.W_Q.at(col_one, 1) = -1;
  h.W_K.at(col_t, 0) = 1;
  h.W_K.at(col_t2, 1) = 1;
}

/// Reads out one column: score = x[col] + c0; validates.
TransformerSpec with_readout(TransformerSpec s, std::size_t col, const Exact& c0) {
  std::vector<Exact> c(s.d_model, Exact(0));
  c[col] = 1;
  set_readout(s, std::move(c), c0);
  validate(s);
  return s;
}

void check_max_n(std::size_t max_n, const char* what) {
  if (max_n == 0 || max_n > (std::size_t(1) << 24))
    throw TransformerError(fmt::format("{}: max_n must be from 1 to 2^24, got {}", what, max_n));
}

}  // namespace

TransformerSpec majority_transformer(const std::vector<std::string>& letters) {
  if (letters.size() != 2) throw TransformerError("majority transformer: needs exactly two letters");
  enum : std::size_t { X, F, D };
  TransformerSpec s = start("majority/transformer",
                            fmt::format("more {} than {}: one averaging head computes (#{} - #{})/(n+1)", letters[0],
                                        letters[1], letters[0], letters[1]),
                            vocab_with_bos(letters, "majority transformer", 2), D);
  s.embedding.at(0, X) = 1;
  s.embedding.at(1, X) = -1;
  auto& h = add_head(s, add_layer(s), AttentionKind::Average, AttentionMask::Causal, 1);
  h.W_V.at(X, 0) = 1;
  h.W_O.at(0, F) = 1;
  return with_readout(std::move(s), F, 0);
}

TransformerSpec dyck1_transformer(const std::string& open, const std::string& close) {
  enum : std::size_t { ONE, BOS, X, BAL, U, MIN, H, D };
  TransformerSpec s = start("dyck1/transformer",
                            "balanced parentheses: averaging head -> prefix balances D_j/(j+1) and 1/(n+1); hard head -> "
                            "their minimum; accept iff min(minimum, -final) + 1/(2(n+1)) > 0",
                            vocab_with_bos({open, close}, "dyck1 transformer", 2), D);
  s.embedding.at(0, ONE) = 1, s.embedding.at(0, X) = 1;
  s.embedding.at(1, ONE) = 1, s.embedding.at(1, X) = -1;
  s.embedding.at(bos_row(s), ONE) = 1, s.embedding.at(bos_row(s), BOS) = 1;
  {
    auto& h = add_head(s, add_layer(s), AttentionKind::Average, AttentionMask::Causal, 2);
    h.W_V.at(X, 0) = 1, h.W_V.at(BOS, 1) = 1;
    h.W_O.at(0, BAL) = 1, h.W_O.at(1, U) = 1;
  }
  auto& L2 = add_layer(s);
  {
    auto& h = add_head(s, L2, AttentionKind::Hard, AttentionMask::Causal, 1);
    h.W_Q.at(ONE, 0) = 1;
    h.W_K.at(BAL, 0) = -1;  // score −d_j: the maximum is the minimal balance
    h.W_V.at(BAL, 0) = 1;
    h.W_O.at(0, MIN) = 1;
  }
  auto& mlp = add_mlp(s, L2, 1);
  mlp.W1.at(MIN, 0) = 1, mlp.W1.at(BAL, 0) = 1;  // relu(m + d_n)
  mlp.W2.at(0, H) = 1;
  std::vector<Exact> c(D, Exact(0));
  c[MIN] = 1, c[H] = -1, c[U] = Exact(1, 2);
  set_readout(s, std::move(c), 0);
  validate(s);
  return s;
}

TransformerSpec count_mod_transformer(const std::vector<std::string>& letters, std::uint32_t counted, std::uint32_t m,
                                      std::size_t max_n) {
  if (counted >= letters.size()) throw TransformerError("count-mod transformer: the counted letter is not a letter");
  if (m < 1) throw TransformerError("count-mod transformer: the modulus must be at least 1");
  check_max_n(max_n, "count-mod transformer");
  enum : std::size_t { ONE, BOS, X, T, T2, Z, F, U, R, D };
  TransformerSpec s = start(fmt::format("count-mod-{}/transformer", m),
                            fmt::format("#{} = 0 mod {}: averaging head -> k/(n+1) and 1/(n+1); hard head with query "
                                        "(2k/(n+1), -1/(n+1)) and key (t, t^2) finds position t = k, whose positional "
                                        "column holds [t = 0 mod {}]",
                                        letters[counted], m, m),
                            vocab_with_bos(letters, "count-mod transformer", 1), D);
  for (std::size_t a = 0; a < letters.size(); ++a) {
    s.embedding.at(a, ONE) = 1;
    if (a == counted) s.embedding.at(a, X) = 1;
  }
  s.embedding.at(bos_row(s), ONE) = 1, s.embedding.at(bos_row(s), BOS) = 1;
  add_position_columns(s, max_n, T, T2);
  for (std::size_t t = 0; t <= max_n; ++t)
    if (t % m == 0) s.positions.at(t, Z) = 1;
  {
    auto& h = add_head(s, add_layer(s), AttentionKind::Average, AttentionMask::Causal, 2);
    h.W_V.at(X, 0) = 1, h.W_V.at(BOS, 1) = 1;
    h.W_O.at(0, F) = 1, h.W_O.at(1, U) = 1;
  }
  {
    auto& h = add_head(s, add_layer(s), AttentionKind::Hard, AttentionMask::Causal, 2);
    h.W_Q.at(F, 0) = 2, h.W_Q.at(U, 1) = -1;
    h.W_K.at(T, 0) = 1, h.W_K.at(T2, 1) = 1;
    h.W_V.at(Z, 0) = 1;
    h.W_O.at(0, R) = 1;
  }
  return with_readout(std::move(s), R, Exact(-1, 2));
}

TransformerSpec first_eq_last_transformer(const std::vector<std::string>& letters) {
  const std::size_t K = letters.size();
  const std::size_t ONE = 0, BOS = 1, OH = 2, FIRST = OH + K, EQ = FIRST + K, D = EQ + 1;
  TransformerSpec s = start("first-eq-last/transformer",
                            "first letter = last letter: a hard head fetches the first letter (key -[bos], leftmost "
                            "tie); an MLP compares one-hot codes",
                            vocab_with_bos(letters, "first-eq-last transformer", 1), D);
  for (std::size_t a = 0; a < K; ++a) s.embedding.at(a, ONE) = 1, s.embedding.at(a, OH + a) = 1;
  s.embedding.at(bos_row(s), ONE) = 1, s.embedding.at(bos_row(s), BOS) = 1;
  auto& L = add_layer(s);
  {
    auto& h = add_head(s, L, AttentionKind::Hard, AttentionMask::Causal, K);
    h.W_Q.at(ONE, 0) = 1;
    h.W_K.at(BOS, 0) = -1;
    for (std::size_t a = 0; a < K; ++a) h.W_V.at(OH + a, a) = 1, h.W_O.at(a, FIRST + a) = 1;
  }
  auto& mlp = add_mlp(s, L, K);
  for (std::size_t a = 0; a < K; ++a) {
    mlp.W1.at(OH + a, a) = 1, mlp.W1.at(FIRST + a, a) = 1, mlp.b1[a] = -1;
    mlp.W2.at(a, EQ) = 1;
  }
  return with_readout(std::move(s), EQ, Exact(-1, 2));
}

TransformerSpec induction_transformer(const std::vector<std::string>& letters, std::uint32_t target, std::size_t max_n) {
  const std::size_t K = letters.size();
  if (target >= K) throw TransformerError("induction transformer: the target is not a letter");
  check_max_n(max_n, "induction transformer");
  const std::size_t ONE = 0, BOS = 1, OH = 2, T = OH + K, T2 = T + 1, PREV = T2 + 1, R = PREV + K, D = R + 1;
  TransformerSpec s = start("induction/transformer",
                            fmt::format("induction head: a previous-token head copies w_(t-1) to every t; at the last "
                                        "position a hard head (rightmost tie) finds the latest j with w_(j-1) = w_n "
                                        "and reads [w_j = {}]",
                                        letters[target]),
                            vocab_with_bos(letters, "induction transformer", 1), D);
  for (std::size_t a = 0; a < K; ++a) s.embedding.at(a, ONE) = 1, s.embedding.at(a, OH + a) = 1;
  s.embedding.at(bos_row(s), ONE) = 1, s.embedding.at(bos_row(s), BOS) = 1;
  add_position_columns(s, max_n, T, T2);
  {
    auto& h = add_head(s, add_layer(s), AttentionKind::Hard, AttentionMask::Causal, std::max<std::size_t>(K, 2));
    target_previous(h, ONE, T, T2, 1);
    for (std::size_t a = 0; a < K; ++a) h.W_V.at(OH + a, a) = 1, h.W_O.at(a, PREV + a) = 1;
  }
  {
    auto& h = add_head(s, add_layer(s), AttentionKind::Hard, AttentionMask::Causal, K + 1);
    h.tie = TieBreak::Rightmost;
    for (std::size_t a = 0; a < K; ++a) h.W_Q.at(OH + a, a) = 2, h.W_K.at(PREV + a, a) = 1;
    h.W_Q.at(ONE, K) = 1, h.W_K.at(BOS, K) = 1;
    h.W_V.at(OH + target, 0) = 1;
    h.W_O.at(0, R) = 1;
  }
  return with_readout(std::move(s), R, Exact(-1, 2));
}

TransformerSpec window_product_transformer(const std::vector<std::string>& letters,
                                           const std::vector<std::vector<std::uint32_t>>& actions, std::size_t layers,
                                           std::size_t max_n) {
  if (actions.size() != letters.size() || letters.empty())
    throw TransformerError("window-product transformer: one action per letter is needed");
  const std::size_t k = actions[0].size();
  if (k < 2 || k > 8) throw TransformerError(fmt::format("window-product transformer: 2 to 8 points, got {}", k));
  for (std::size_t a = 0; a < actions.size(); ++a) {
    std::vector<bool> hit(k, false);
    if (actions[a].size() != k) throw TransformerError(fmt::format("window-product transformer: action {} has {} points, not {}", a, actions[a].size(), k));
    for (auto p : actions[a]) {
      if (p >= k || hit[p]) throw TransformerError(fmt::format("window-product transformer: action {} is not a permutation", a));
      hit[p] = true;
    }
  }
  if (layers == 0 || layers > 24) throw TransformerError("window-product transformer: 1 to 24 layers");
  check_max_n(max_n, "window-product transformer");
  const std::size_t kk = k * k;
  const std::size_t ONE = 0, T = 1, T2 = 2, S = 3, F = S + kk, D = F + kk;
  TransformerSpec s = start(fmt::format("window-product-{}/transformer", layers),
                            fmt::format("{} layers, each: a hard head fetches the permutation matrix of the window ending "
                                        "2^l positions back, an MLP multiplies; exact for n <= {}, blind to earlier letters "
                                        "beyond",
                                        layers, std::size_t(1) << layers),
                            vocab_with_bos(letters, "window-product transformer", 1), D);
  for (std::size_t a = 0; a < letters.size(); ++a) {
    s.embedding.at(a, ONE) = 1;
    for (std::size_t i = 0; i < k; ++i) s.embedding.at(a, S + i * k + actions[a][i]) = 1;
  }
  s.embedding.at(bos_row(s), ONE) = 1;
  for (std::size_t i = 0; i < k; ++i) s.embedding.at(bos_row(s), S + i * k + i) = 1;
  add_position_columns(s, max_n, T, T2);
  for (std::size_t l = 0; l < layers; ++l) {
    auto& L = add_layer(s);
    auto& h = add_head(s, L, AttentionKind::Hard, AttentionMask::Causal, kk);
    target_previous(h, ONE, T, T2, long(1) << l);
    for (std::size_t e = 0; e < kk; ++e) h.W_V.at(S + e, e) = 1, h.W_O.at(e, F + e) = 1;
    // units: (i, j, m) ↦ relu(F_ij + S_jm − 1) adds to S_im; then relu(S) and
    // relu(F) subtract the old S and clear F (their entries are 0 or 1)
    auto& mlp = add_mlp(s, L, k * kk + 2 * kk);
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j)
        for (std::size_t m = 0; m < k; ++m) {
          const std::size_t u = (i * k + j) * k + m;
          mlp.W1.at(F + i * k + j, u) = 1, mlp.W1.at(S + j * k + m, u) = 1, mlp.b1[u] = -1;
          mlp.W2.at(u, S + i * k + m) = 1;
        }
    for (std::size_t e = 0; e < kk; ++e) {
      mlp.W1.at(S + e, k * kk + e) = 1, mlp.W2.at(k * kk + e, S + e) = -1;
      mlp.W1.at(F + e, k * kk + kk + e) = 1, mlp.W2.at(k * kk + kk + e, F + e) = -1;
    }
  }
  std::vector<Exact> c(D, Exact(0));
  for (std::size_t i = 0; i < k; ++i) c[S + i * k + i] = 1;  // the trace: k iff the identity
  set_readout(s, std::move(c), Exact(1, 2) - Exact(static_cast<long>(k)));
  validate(s);
  return s;
}

}  // namespace parallax::models
