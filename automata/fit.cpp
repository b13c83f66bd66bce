#include "automata/fit.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "numeric/random.hpp"

namespace parallax::automata {

using models::LrnnSpec;
using models::Structure;
using models::Transition;
using numeric::Exact;

namespace {

/// All words of length ≤ L in length-lexicographic order, as a trie: word i
/// (i ≥ 1) is word parent[i] followed by letter[i]; word 0 is the empty word.
struct TrainingSet {
  std::size_t max_length = 0;
  std::vector<std::uint32_t> parent, letter;
  std::vector<double> label;  ///< +1 accepted, −1 rejected
};

std::size_t words_up_to(std::size_t letters, std::size_t L, std::size_t cap) {
  std::size_t total = 1, level = 1;
  for (std::size_t l = 1; l <= L; ++l) {
    if (level > cap / letters + 1) return cap + 1;
    level *= letters;
    total += level;
    if (total > cap) return cap + 1;
  }
  return total;
}

TrainingSet training_set(const Dfa& dfa, const Diag01Options& o) {
  const std::size_t S = dfa.alphabet.size();
  std::size_t L = 0;
  while (L < o.max_length && words_up_to(S, L + 1, o.max_words) <= o.max_words) ++L;
  while (L < std::min(o.min_length, o.max_length) && words_up_to(S, L + 1, o.hard_max_words) <= o.hard_max_words) ++L;
  TrainingSet t;
  t.max_length = L;
  std::vector<std::uint32_t> state = {dfa.start};
  t.parent.push_back(0);
  t.letter.push_back(0);
  std::size_t begin = 0, end = 1;
  for (std::size_t l = 1; l <= L; ++l) {
    for (std::size_t i = begin; i < end; ++i)
      for (std::size_t a = 0; a < S; ++a) {
        t.parent.push_back(static_cast<std::uint32_t>(i));
        t.letter.push_back(static_cast<std::uint32_t>(a));
        state.push_back(dfa.delta[a][state[i]]);
      }
    begin = end;
    end = t.parent.size();
  }
  for (auto q : state) t.label.push_back(dfa.accepting[q] ? 1.0 : -1.0);
  return t;
}

/// Parameters of a candidate: lambda[σ·d + i], b[σ·d + i], readout c (d), c0.
struct Diag01Params {
  std::vector<double> lambda, b, c;
  double c0 = 0;
  std::size_t correct = 0;
  double margin = -std::numeric_limits<double>::infinity();
  double balanced = 0;  ///< best balanced accuracy (mean of the two classes' accuracies) of any readout tried
  bool better_than(const Diag01Params& o) const {
    return correct != o.correct ? correct > o.correct : margin > o.margin + 1e-12;
  }
};

/// Cholesky factor (in place, lower triangle) of G + ridge·I for a symmetric
/// positive semi-definite G (n×n); the ridge keeps constant or repeated
/// features harmless.
void cholesky(std::vector<double>& G, std::size_t n) {
  double tr = 0;
  for (std::size_t i = 0; i < n; ++i) tr += G[i * n + i];
  const double ridge = 1e-9 * tr / double(n) + 1e-12;
  for (std::size_t i = 0; i < n; ++i) G[i * n + i] += ridge;
  for (std::size_t j = 0; j < n; ++j) {
    double dj = G[j * n + j];
    for (std::size_t k = 0; k < j; ++k) dj -= G[j * n + k] * G[j * n + k];
    dj = std::sqrt(std::max(dj, 1e-300));
    G[j * n + j] = dj;
    for (std::size_t i = j + 1; i < n; ++i) {
      double v = G[i * n + j];
      for (std::size_t k = 0; k < j; ++k) v -= G[i * n + k] * G[j * n + k];
      G[i * n + j] = v / dj;
    }
  }
}

/// Solves L Lᵀ x = r with the factor of cholesky().
std::vector<double> cholesky_solve(const std::vector<double>& L, std::vector<double> r, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < i; ++k) r[i] -= L[i * n + k] * r[k];
    r[i] /= L[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t k = i + 1; k < n; ++k) r[i] -= L[k * n + i] * r[k];
    r[i] /= L[i * n + i];
  }
  return r;
}

/// States of every training word in double, then the readout (c, c0). Two
/// least-squares fits on the ±1 labels, plain and with each class weighing
/// one half (so that a rare class is not fitted away); then `steps` Newton
/// steps on the class-weighted logistic loss Σ_w ω_w log(1 + e^{−y_w s_w})
/// from the second (on separable data its direction tends to the largest
/// margin). Of all iterates the one with the best training accuracy, then
/// scale-free margin min_w y_w s_w / max_w |s_w|, is kept. Returns the work
/// done, in word passes.
std::size_t fit_readout(Diag01Params& p, const TrainingSet& t, std::size_t d, std::size_t steps, std::vector<double>& h) {
  const std::size_t N = t.label.size(), n = d + 1;
  std::size_t positives = 0;
  for (double y : t.label) positives += y > 0;
  const double wpos = positives ? 0.5 / double(positives) : 0.0, wneg = positives < N ? 0.5 / double(N - positives) : 0.0;
  auto weight = [&](std::size_t w) { return t.label[w] > 0 ? wpos : wneg; };
  h.assign(N * d, 0.0);
  std::vector<double> G(n * n, 0.0), r(n, 0.0), Gb(n * n, 0.0), rb(n, 0.0), x(n);
  auto features = [&](std::size_t w) {
    for (std::size_t i = 0; i < d; ++i) x[i] = h[w * d + i];
    x[d] = 1;
  };
  for (std::size_t w = 0; w < N; ++w) {
    if (w > 0) {
      const double* hp = &h[t.parent[w] * d];
      const std::size_t o = t.letter[w] * d;
      for (std::size_t i = 0; i < d; ++i) h[w * d + i] = p.lambda[o + i] * hp[i] + p.b[o + i];
    }
    features(w);
    const double om = weight(w);
    for (std::size_t i = 0; i < n; ++i) {
      r[i] += t.label[w] * x[i];
      rb[i] += om * t.label[w] * x[i];
      for (std::size_t j = 0; j <= i; ++j) G[i * n + j] += x[i] * x[j], Gb[i * n + j] += om * x[i] * x[j];
    }
  }
  auto symmetric = [&](std::vector<double>& M) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) M[i * n + j] = M[j * n + i];
  };
  symmetric(G);
  symmetric(Gb);
  cholesky(G, n);
  cholesky(Gb, n);
  const std::vector<double> plain = cholesky_solve(G, std::move(r), n);
  std::vector<double> sol = cholesky_solve(Gb, std::move(rb), n);
  p.correct = 0;
  p.margin = -std::numeric_limits<double>::infinity();
  p.balanced = 0;
  p.c.assign(d, 0.0);
  p.c0 = -1;
  std::vector<double> g(n);
  // evaluates w (and, with `newton`, accumulates the logistic Newton system at w in G, g)
  auto pass = [&](const std::vector<double>& w, bool newton) {
    if (newton) std::fill(G.begin(), G.end(), 0.0), std::fill(g.begin(), g.end(), 0.0);
    std::size_t correct = 0, correct_pos = 0;
    double low = std::numeric_limits<double>::infinity(), high = 0;
    for (std::size_t k = 0; k < N; ++k) {
      features(k);
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) s += w[i] * x[i];
      const double ys = s * t.label[k];
      correct += ys > 0;
      correct_pos += ys > 0 && t.label[k] > 0;
      low = std::min(low, ys);
      high = std::max(high, std::fabs(s));
      if (!newton) continue;
      const double q = 1 / (1 + std::exp(std::clamp(ys, -40.0, 40.0)));  // 1 − σ(ys)
      const double om = weight(k), curv = om * q * (1 - q);
      for (std::size_t i = 0; i < n; ++i) {
        g[i] += om * q * t.label[k] * x[i];
        for (std::size_t j = 0; j <= i; ++j) G[i * n + j] += curv * x[i] * x[j];
      }
    }
    const double margin = high > 0 ? low / high : -1.0;
    if (!std::isfinite(margin)) return false;
    p.balanced = std::max(p.balanced, wpos * double(correct_pos) + wneg * double(correct - correct_pos));
    if (correct > p.correct || (correct == p.correct && margin > p.margin)) {
      p.correct = correct;
      p.margin = margin;
      p.c.assign(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(d));
      p.c0 = w[d];
    }
    return true;
  };
  pass(plain, false);
  std::size_t work = 2;
  for (std::size_t step = 0;; ++step) {
    ++work;
    if (!pass(sol, step < steps) || step == steps) break;
    symmetric(G);
    cholesky(G, n);
    const auto delta = cholesky_solve(G, g, n);
    for (std::size_t i = 0; i < n; ++i) sol[i] += delta[i];
  }
  return work;
}

Exact dyadic(double x, int bits) {
  const double scaled = std::nearbyint(std::ldexp(x, bits));
  if (!std::isfinite(scaled) || std::fabs(scaled) > 0x1.0p62)
    throw std::logic_error(fmt::format("diag01: parameter {} does not fit a 64-bit dyadic with {} fractional bits", x, bits));
  return Exact(static_cast<long long>(scaled)) / Exact(numeric::BigInt(1) << bits);
}

}  // namespace

Diag01Fit fit_diag01(const Dfa& dfa, const Diag01Options& o) {
  const std::size_t S = dfa.alphabet.size();
  if (S == 0 || dfa.states == 0) throw std::invalid_argument(fmt::format("diag01: '{}' has no letters or no states", dfa.name));
  if (o.width == 0) throw std::invalid_argument("diag01: width must be at least 1");
  if (o.fraction_bits < 1 || o.fraction_bits > 52) throw std::invalid_argument("diag01: fraction_bits must be in 1..52");
  const std::size_t d = std::min(o.width, dfa.states);
  const TrainingSet t = training_set(dfa, o);
  numeric::SplitMix rng{o.seed};
  std::vector<double> h;

  auto draw_lambda = [&] {
    const std::size_t k = rng.below(3);
    return k == 0 ? 0.0 : k == 1 ? 1.0 : rng.unit();
  };
  auto draw_b = [&] {
    const std::size_t k = rng.below(4);
    const double sign = rng.below(2) ? 1.0 : -1.0;
    return k == 0 ? 0.0 : k == 1 ? sign : k == 2 ? 2 * sign : 2 * rng.unit() - 1;
  };
  // 1. every candidate with the least-squares readouts only
  std::vector<Diag01Params> pool;
  for (std::size_t k = 0; k < std::max<std::size_t>(o.candidates, 1); ++k) {
    Diag01Params p;
    for (std::size_t j = 0; j < S * d; ++j) p.lambda.push_back(draw_lambda()), p.b.push_back(draw_b());
    fit_readout(p, t, d, 0, h);
    pool.push_back(std::move(p));
  }
  // 2. the leaders by accuracy and by balanced accuracy get the logistic readout
  std::vector<std::size_t> order(pool.size()), shortlist;
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return pool[x].better_than(pool[y]); });
  shortlist.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::min(o.shortlist, order.size())));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return pool[x].balanced > pool[y].balanced; });
  for (std::size_t k = 0; k < std::min(o.shortlist, order.size()); ++k)
    if (std::find(shortlist.begin(), shortlist.end(), order[k]) == shortlist.end()) shortlist.push_back(order[k]);
  Diag01Params best = pool[shortlist.front()];
  for (std::size_t k : shortlist) {
    Diag01Params p = pool[k];
    fit_readout(p, t, d, o.readout_steps, h);
    if (p.better_than(best)) best = std::move(p);
  }
  // 3. coordinate refinement: single-entry moves, kept while they improve
  std::size_t work = 0;
  for (std::size_t round = 0; round < o.refine_rounds && best.correct < t.label.size(); ++round) {
    bool improved = false;
    for (std::size_t j = 0; j < S * d && work * t.label.size() <= o.refine_budget; ++j) {
      const double l = best.lambda[j], b = best.b[j];
      const double lambda_moves[] = {0.0, 1.0, std::clamp(l - 0.1, 0.0, 1.0), std::clamp(l + 0.1, 0.0, 1.0), l * l,
                                     std::sqrt(l)};
      const double b_moves[] = {0.0, -b, b - 0.5, b + 0.5, b - 1, b + 1};
      for (double v : lambda_moves) {
        if (v == best.lambda[j]) continue;
        Diag01Params p = best;
        p.lambda[j] = v;
        work += fit_readout(p, t, d, o.readout_steps, h);
        if (p.better_than(best)) best = std::move(p), improved = true;
      }
      for (double v : b_moves) {
        if (v == best.b[j]) continue;
        Diag01Params p = best;
        p.b[j] = v;
        work += fit_readout(p, t, d, o.readout_steps, h);
        if (p.better_than(best)) best = std::move(p), improved = true;
      }
    }
    if (!improved) break;
  }

  // round to dyadic rationals; the score's sign is unchanged by scaling (c, c0)
  double scale = std::fabs(best.c0);
  for (double x : best.c) scale = std::max(scale, std::fabs(x));
  if (!(scale > 0) || !std::isfinite(scale)) scale = 1;
  const int bits = o.fraction_bits;
  LrnnSpec s;
  s.name = dfa.name + "/diag01";
  s.structure = Structure::Diagonal;
  s.d = d;
  s.alphabet = dfa.alphabet;
  for (std::size_t a = 0; a < S; ++a) {
    Transition tr;
    for (std::size_t i = 0; i < d; ++i) {
      tr.a.push_back(dyadic(std::clamp(best.lambda[a * d + i], 0.0, 1.0), bits));
      tr.b.push_back(dyadic(best.b[a * d + i], bits));
      if (tr.a.back() < 0 || tr.a.back() > 1) throw std::logic_error("diag01: a rounded eigenvalue left [0, 1]");
    }
    s.tokens.push_back(std::move(tr));
  }
  s.h0.assign(d, Exact(0));
  for (double x : best.c) s.c.push_back(dyadic(x / scale, bits));
  s.c0 = dyadic(best.c0 / scale, bits);

  // the rounded model's training accuracy, exactly (same recurrence as run_lrnn)
  Diag01Fit f;
  f.max_length = t.max_length;
  f.words = t.label.size();
  std::vector<std::vector<Exact>> state(t.label.size());
  for (std::size_t w = 0; w < t.label.size(); ++w) {
    auto& hw = state[w];
    if (w == 0) {
      hw = s.h0;
    } else {
      const auto& hp = state[t.parent[w]];
      const auto& tr = s.tokens[t.letter[w]];
      hw.resize(d);
      for (std::size_t i = 0; i < d; ++i) hw[i] = tr.a[i] * hp[i] + tr.b[i];
    }
    Exact score = s.c0;
    for (std::size_t i = 0; i < d; ++i) score += s.c[i] * hw[i];
    f.correct += (score > 0) == (t.label[w] > 0);
    f.accepted += t.label[w] > 0;
  }
  s.description = fmt::format("diagonal [0,1] LRNN d={}, fitted (training accuracy {:.4f} on words of length <= {}: "
                              "{}/{}, a constant answer gets {:.4f}; parameters multiples of 2^-{}), from '{}'",
                              d, f.accuracy(), f.max_length, f.correct, f.words, f.majority(), bits, dfa.name);
  f.spec = std::move(s);
  return f;
}

}  // namespace parallax::automata
