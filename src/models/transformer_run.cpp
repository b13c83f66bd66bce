// The transformer evaluator, one template over every scalar type of the
// numeric module, with its instantiations.
#include <fmt/format.h>

#include <functional>
#include <optional>

#include "models/transformer.hpp"
#include "models/transformer_detail.hpp"
#include "numeric/all.hpp"
#include "numeric/exp_sqrt.hpp"
#include "numeric/functions.hpp"

namespace parallax::models {

namespace {

using numeric::BigFloat;
using numeric::EmuFloat;
using numeric::Fixed;
using numeric::Interval;
using numeric::Sign;

// exp and √, shared with circuit evaluation so that compiled circuits round alike
using numeric::exp_of;
using numeric::sqrt_of;
// x² and max(x, 0), enclosed by intervals (numeric/scalar_traits.hpp)
using numeric::relu;
using numeric::square;

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

/// Parameters rounded to T (the LRNN evaluator's conversion, models/lrnn_run.hpp).
template <class T>
std::vector<T> conv(const std::vector<Exact>& v) {
  return detail::convert<T>(v);
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
  if constexpr (!numeric::is_enclosure_v<T>) {
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
    const std::string problem = detail::missing_function_problem(spec, numeric::scalar_name<T>());
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
