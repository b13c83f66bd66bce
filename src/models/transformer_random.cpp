// Random transformers with small rational parameters, for tests and circuits.
#include <fmt/format.h>

#include <random>

#include "models/transformer.hpp"

namespace parallax::models {

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

}  // namespace parallax::models
