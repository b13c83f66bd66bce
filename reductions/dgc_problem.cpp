// dgc — sorted deterministic graph connectivity. An instance is a directed
// graph on the nodes 0 … N−1 in which every node has at most one out-edge,
// given as an edge list in topological order (for every edge (i, j), every
// edge leaving j comes later in the list), with a source s and a target t:
// is t reachable from s? (t = s counts as reachable.)
//
// Complexity: L-complete under first-order reductions. Reachability in
// graphs of out-degree ≤ 1 is L-complete (Cook & McKenzie 1987); listing the
// edges in topological order is a first-order computable preprocessing, and
// the sorted form is the one Merrill, Jiang, Li, Lin & Sabharwal ("Why are
// linear RNNs more parallelizable?", ICML 2026, Def. 11 and Thm 2) show a
// log-precision ReLU RNN decides in one left-to-right pass.
//
// Reference solver: breadth-first search over the adjacency list from s,
// independent of the list order and of the model.
//
// Construction "relu-rnn" (Thm 2, with one fix, see below). The alphabet is
// specific to the instance: token k < |E| stands for edges[k] = (i, j), token
// |E| is the final token carrying t. The state h = (c, acc) holds a counter
// c, the current node of the walk from s (h0 = (s, 0)), and an accept unit.
// One step is a ReLU MLP with four affine maps; every value in it is an
// integer of magnitude below 2N:
//
//   first map   z1 = relu(W h + U_σ + b) = (relu(c − i), relu(i − c), c, j, f)
//               (U_σ = (−i, i, 0, j, f); f = 1 on the final token, 0 on edges)
//   layer 1     e = relu(1 − relu(c − i) − relu(i − c)) = [c = i]  (the exact
//               zero test on integers), and c, j, f passed through
//   layer 2     r₊ = relu(j − c − N(1 − e)), r₋ = relu(c − j − N(1 − e)),
//               c, and a = relu(e + f − 1) = [c = i and this is the final token]
//   layer 3     (affine) c ← c + r₊ − r₋, acc ← a
//
// Reading edge (i, j): when c = i then e = 1 and c + r₊ − r₋ = c + (j − c) = j;
// otherwise e = 0, and since |j − c| < N both ReLUs are 0: c is unchanged.
// The final token is (t, t) with f = 1: c is unchanged and acc = [c = t].
// Readout: accept iff acc − 1/2 > 0.
//
// Why the walk is right: edges are read in topological order, so when the
// walk arrives at a node (by reading the edge into it) the node's unique
// out-edge is still ahead in the sequence and will be followed; the counter
// visits exactly the nodes of the path from s, in order.
//
// The fix. As published, the walk follows the whole path and the final token
// compares its END with t: with edges (1, 2), (2, 3), s = 1, t = 2 the
// counter passes 2, ends at 3, and the model rejects although 2 is reachable.
// The reduction here leaves t's out-edge (if any) out of the token sequence,
// making t a sink: the walk then stops at t exactly when t is on the path
// from s (including s = t), and otherwise ends at the path's end, which is
// not t. Removing a node's out-edge keeps the list topologically sorted and
// is a first-order transformation, so the L-completeness claim is unchanged.
//
// Precision: every value, partial sums included, is an integer of magnitude
// below 2N ≤ 2^(⌈log₂ N⌉+1) (plus the readout's ±1/2), so floats with
// ⌈log₂ N⌉ + 1 significand bits compute every step exactly — the "log
// precision" of the theorem. With a few bits fewer, node numbers collide
// and the decisions are no better than chance.
//
// Generator: see DgcProblem::generate (balanced labels, true reachability,
// chosen so that simple degree shortcuts are at chance).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <optional>
#include <random>
#include <utility>

#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

using numeric::Exact;

constexpr std::size_t kMaxNodes = std::size_t{1} << 24;
constexpr const char* kFormat =
    R"({"problem": "dgc", "nodes": N, "source": s, "target": t, "edges": [[i, j], ...]} (nodes 0..N-1, out-degree <= 1, )"
    R"(edges in topological order: every edge leaving j after every edge entering j))";

struct Graph {
  std::size_t nodes = 0, source = 0, target = 0;
  std::vector<std::pair<std::size_t, std::size_t>> edges;
};

[[noreturn]] void fail(const std::string& what) { throw ProblemError("dgc instance: " + what); }

/// A non-negative JSON integer, or nothing (negative, fractional, not a number).
std::optional<std::uint64_t> natural(const Instance& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return std::nullopt;
}

std::size_t read_count(const Instance& v, const std::string& field) {
  const auto x = natural(v);
  if (!x || *x < 1 || *x > kMaxNodes)
    fail(fmt::format("field '{}': expected an integer from 1 to {}, got {}", field, kMaxNodes, v.dump()));
  return static_cast<std::size_t>(*x);
}

/// A node number in 0..N−1; `field` names where it sits in messages.
std::size_t read_node(const Instance& v, std::size_t nodes, const std::string& field) {
  if (!v.is_number_integer()) fail(fmt::format("field {}: expected a node number, got {}", field, v.dump()));
  const auto x = natural(v);
  if (!x || *x >= nodes) fail(fmt::format("field {}: node {} is outside 0..{}", field, v.dump(), nodes - 1));
  return static_cast<std::size_t>(*x);
}

/// Parses and checks an instance; every error names its field.
Graph read_graph(const Instance& in) {
  if (!in.is_object()) fail(std::string("expected a JSON object ") + kFormat);
  if (in.contains("problem") && in["problem"] != "dgc")
    fail(fmt::format("field 'problem': instance of {}, expected \"dgc\"", in["problem"].dump()));
  for (const char* f : {"nodes", "source", "target", "edges"})
    if (!in.contains(f)) fail(fmt::format("missing field '{}' (format: {})", f, kFormat));
  Graph g;
  g.nodes = read_count(in["nodes"], "nodes");
  g.source = read_node(in["source"], g.nodes, "'source'");
  g.target = read_node(in["target"], g.nodes, "'target'");
  const auto& es = in["edges"];
  if (!es.is_array()) fail("field 'edges': expected an array of pairs [i, j]");
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::size_t> out_at(g.nodes, none);  // the index of each node's out-edge seen so far
  for (std::size_t k = 0; k < es.size(); ++k) {
    const std::string at = fmt::format("'edges'[{}]", k);
    const auto& e = es[k];
    if (!e.is_array() || e.size() != 2) fail(fmt::format("field {}: expected a pair [i, j], got {}", at, e.dump()));
    const std::size_t i = read_node(e[0], g.nodes, at + "[0]"), j = read_node(e[1], g.nodes, at + "[1]");
    if (i == j) fail(fmt::format("field {}: a self-loop at node {}", at, i));
    if (out_at[i] != none)
      fail(fmt::format("field {}: node {} already has the out-edge 'edges'[{}]; the out-degree must be at most 1", at, i,
                       out_at[i]));
    if (out_at[j] != none)
      fail(fmt::format("field {}: the edges are not in topological order: ({}, {}) enters node {}, whose out-edge "
                       "'edges'[{}] = ({}, {}) comes earlier (every edge leaving a node must come after every edge "
                       "entering it)",
                       at, i, j, j, out_at[j], j, g.edges[out_at[j]].second));
    out_at[i] = k;
    g.edges.emplace_back(i, j);
  }
  return g;
}

Instance to_json(const Graph& g) {
  Instance edges = Instance::array();
  for (const auto& [i, j] : g.edges) edges.push_back({i, j});
  return {{"problem", "dgc"}, {"nodes", g.nodes}, {"source", g.source}, {"target", g.target}, {"edges", std::move(edges)}};
}

/// The single-counter ReLU RNN of the header comment for a graph on N nodes
/// with the given edge list and target.
models::ReluRnn walk_rnn(const Graph& g) {
  const Exact N(static_cast<long>(g.nodes));
  auto ex = [](std::size_t x) { return Exact(static_cast<long>(x)); };
  models::ReluRnn r;
  r.d = 2;  // h = (c, acc)
  // first map: z1 = (relu(c − i), relu(i − c), relu(c), relu(j), relu(f))
  r.W = {1, 0, -1, 0, 1, 0, 0, 0, 0, 0};
  r.b = {0, 0, 0, 0, 0};
  auto token = [&](std::size_t i, std::size_t j, bool final_token) {
    return std::vector<Exact>{-ex(i), ex(i), 0, ex(j), final_token ? 1 : 0};
  };
  for (const auto& [i, j] : g.edges) r.token_input.push_back(token(i, j, false));
  r.token_input.push_back(token(g.target, g.target, true));
  // layer 1: (e, c, j, f), e = relu(1 − relu(c − i) − relu(i − c))
  models::MlpLayer l1;
  l1.rows = 4, l1.cols = 5;
  l1.W = {-1, -1, 0, 0, 0,  //
          0,  0,  1, 0, 0,  //
          0,  0,  0, 1, 0,  //
          0,  0,  0, 0, 1};
  l1.b = {1, 0, 0, 0};
  // layer 2: (r₊, r₋, c, a), r± = relu(±(j − c) − N + N e), a = relu(e + f − 1)
  models::MlpLayer l2;
  l2.rows = 4, l2.cols = 4;
  l2.W = {N, -1, 1,  0,  //
          N, 1,  -1, 0,  //
          0, 1,  0,  0,  //
          1, 0,  0,  1};
  l2.b = {-N, -N, 0, -1};
  // layer 3 (affine): c ← c + r₊ − r₋, acc ← a
  models::MlpLayer l3;
  l3.rows = 2, l3.cols = 4, l3.relu = false;
  l3.W = {1, -1, 1, 0,  //
          0, 0,  0, 1};
  l3.b = {0, 0};
  r.layers = {std::move(l1), std::move(l2), std::move(l3)};
  r.h0 = {ex(g.source), 0};
  r.c = {0, 1};
  r.c0 = Exact(-1, 2);
  models::validate(r);
  return r;
}

std::uint64_t below(std::mt19937_64& rng, std::uint64_t k) { return rng() % k; }

/// 0 … n−1 in a random order (Fisher–Yates, the same on every platform).
std::vector<std::size_t> random_labels(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> label(n);
  std::iota(label.begin(), label.end(), std::size_t{0});
  for (std::size_t k = n; k > 1; --k) std::swap(label[k - 1], label[below(rng, k)]);
  return label;
}

class DgcProblem final : public Problem {
 public:
  DgcProblem() {
    info_.name = info_.family = "dgc";
    info_.complexity = automata::ComplexityClass::LComplete;
    info_.claim =
        "sorted deterministic graph connectivity (out-degree <= 1, edges in topological order): is t reachable from s? "
        "L-complete under FO reductions (Cook-McKenzie 1987); a log-precision ReLU RNN decides it in one pass "
        "(Merrill-Jiang-Li-Lin-Sabharwal, ICML 2026, Def. 11, Thm 2)";
    info_.instance_format = kFormat;
    info_.constructions = {
        {"relu-rnn", Architecture::Rnn, "ReLU RNN (Thm 2), d = 2, a 4-map MLP cell: a counter walks from s along the edges read in "
                                        "topological order (exact zero test relu(1 - relu(z) - relu(-z))); one token per edge plus a final "
                                        "token testing c = t; t's out-edge is left out so the walk stops at t (fixes the published "
                                        "construction, which only accepts the end of the path); integers up to 2N, log precision"}};
  }
  const ProblemInfo& info() const override { return info_; }

  // Generator. Nodes sit at topological positions 0 … n−1, relabelled by a
  // random permutation (so "i < j" says nothing). Each position p < n − 1
  // gets an out-edge with probability 1 − 1/max(2.5, √n) (0.6 for small n),
  // to position p + 1 + G with G geometric (mean 1, capped at the last
  // node): a forest of in-trees (paths that merge) whose paths run about
  // max(2.5, √n) edges. The edges are listed in a random topological order
  // (Kahn's algorithm with a random choice among the ready edges).
  //
  // The pair (s, t) is chosen so that simple degree features carry no
  // signal. A naive choice (t reachable ⇔ s has an out-edge and t an
  // in-edge) is solved by that test alone; here, in both classes, s has an
  // out-edge (drawn with probability ∝ its path length, so t is rarely its
  // direct successor), t has an in-edge, and t is a sink with probability
  // kSink:
  //   yes: t on s's path after s — its end (a sink) with probability kSink,
  //        otherwise an interior node of the path (not a sink), uniformly;
  //   no:  t off s's path with an in-edge, a sink with probability kSink;
  //        a non-sink t is taken in s's own component (a side branch of its
  //        in-tree) when there is one. Some in-edge of t is listed at or after
  //        s's out-edge, as it always is for yes.
  // So "s has an out-edge and t an in-edge" is always true and "t is a sink"
  // holds with probability kSink in both classes: both predict at 50 %.
  // (An unreachable sink t lies in another component — each in-tree has one
  // sink — so "t in s's component" remains informative, at ≥ 1/2 + kSink/2.)
  // Graphs without such a pair (small n) are redrawn; after kAttempts / 2
  // draws t's sink status is left free, after kAttempts a one-edge graph is
  // used.
  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (n < 1) throw ProblemError("dgc: the number of nodes n must be at least 1");
    if (n > kMaxNodes) throw ProblemError(fmt::format("dgc: the number of nodes n must be at most {}", kMaxNodes));
    if (n == 1) {
      if (!yes) throw ProblemError("dgc: no no-instance on 1 node (t = s is reachable)");
      return to_json(Graph{1, 0, 0, {}});
    }
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                      static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(n >> 32), static_cast<std::uint32_t>(yes)};
    std::mt19937_64 rng(seq);
    for (int attempt = 0; attempt < kAttempts; ++attempt)
      if (auto g = draw(n, yes, attempt >= kAttempts / 2, rng)) return to_json(*g);
    // fallback (tiny n): one edge a → b; yes: s = a, t = b; no: s = b, t = a
    const auto label = random_labels(n, rng);
    Graph g{n, 0, 0, {{label[0], label[1]}}};
    g.source = yes ? label[0] : label[1];
    g.target = yes ? label[1] : label[0];
    return to_json(g);
  }

  void validate(const Instance& in) const override { (void)read_graph(in); }

  bool solve(const Instance& in) const override {
    const Graph g = read_graph(in);
    std::vector<std::vector<std::size_t>> adj(g.nodes);
    for (const auto& [i, j] : g.edges) adj[i].push_back(j);
    std::vector<char> seen(g.nodes, 0);
    std::deque<std::size_t> queue{g.source};
    seen[g.source] = 1;
    while (!queue.empty()) {
      const std::size_t v = queue.front();
      queue.pop_front();
      if (v == g.target) return true;
      for (std::size_t w : adj[v])
        if (!seen[w]) seen[w] = 1, queue.push_back(w);
    }
    return false;
  }

  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const Graph g = read_graph(in);
    automata::CompiledModel m{walk_rnn(g), Architecture::Rnn,
                              fmt::format("dgc walk ReLU RNN d=2 (N={}, {} edge tokens + final token)", g.nodes, g.edges.size())};
    Encoding out;
    out.model = std::make_shared<const automata::CompiledModel>(std::move(m));
    // every edge but t's out-edge (the sink fix), in list order, then the final token
    for (std::size_t k = 0; k < g.edges.size(); ++k)
      if (g.edges[k].first != g.target) out.tokens.push_back(static_cast<std::uint32_t>(k));
    out.tokens.push_back(static_cast<std::uint32_t>(g.edges.size()));
    return out;
  }

 private:
  static constexpr double kMinPath = 2.5;  ///< a node has an out-edge with probability 1 − 1/max(kMinPath, √n)
  static constexpr double kSink = 0.5;     ///< probability that t is a sink, in both classes
  static constexpr int kAttempts = 64;

  /// One random graph and a pair (s, t) by the rules above, or nothing when
  /// the graph has no suitable pair. `relaxed`: t's sink status is free.
  std::optional<Graph> draw(std::size_t n, bool yes, bool relaxed, std::mt19937_64& rng) const {
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    auto coin = [&](double p) { return double(rng() >> 11) * 0x1.0p-53 < p; };
    // the forest, on topological positions
    std::vector<std::size_t> succ(n, none);
    std::vector<std::size_t> indeg(n, 0);
    const double edge = 1.0 - 1.0 / std::max(kMinPath, std::sqrt(double(n)));
    for (std::size_t p = 0; p + 1 < n; ++p) {
      if (!coin(edge)) continue;
      std::size_t q = p + 1;
      while (q + 1 < n && coin(0.5)) ++q;
      succ[p] = q;
      ++indeg[q];
    }
    // a random topological order of the edges; pos[p] = list index of p's out-edge
    std::vector<std::size_t> pending = indeg, ready, pos(n, none), last_in(n, none), order;
    for (std::size_t p = 0; p < n; ++p)
      if (succ[p] != none && indeg[p] == 0) ready.push_back(p);
    while (!ready.empty()) {
      const std::size_t k = below(rng, ready.size());
      const std::size_t p = ready[k];
      ready[k] = ready.back();
      ready.pop_back();
      pos[p] = order.size();
      order.push_back(p);
      const std::size_t q = succ[p];
      last_in[q] = pos[p];
      if (--pending[q] == 0 && succ[q] != none) ready.push_back(q);
    }
    // weak components (the sink each node's path ends at) and path lengths
    std::vector<std::size_t> root(n), depth(n, 0), cumulative(n);
    for (std::size_t p = n; p-- > 0;) {
      root[p] = succ[p] == none ? p : root[succ[p]];
      depth[p] = succ[p] == none ? 0 : depth[succ[p]] + 1;
    }
    std::partial_sum(depth.begin(), depth.end(), cumulative.begin());
    if (cumulative.back() == 0) return std::nullopt;
    // s with probability ∝ its path length, in both classes
    auto pick_source = [&] {
      const std::size_t x = below(rng, cumulative.back());
      return static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
    };
    const bool sink = coin(kSink);

    std::optional<std::pair<std::size_t, std::size_t>> st;
    std::vector<char> on_path(n, 0);
    std::vector<std::size_t> cand;
    for (int tries = 0; tries < 8 && !st; ++tries) {
      const std::size_t s = pick_source();
      std::vector<std::size_t> path;  // the nodes after s
      for (std::size_t v = succ[s]; v != none; v = succ[v]) path.push_back(v);
      cand.clear();
      if (yes) {
        for (std::size_t v : path)
          if (relaxed || (succ[v] == none) == sink) cand.push_back(v);
      } else {
        on_path[s] = 1;
        for (std::size_t v : path) on_path[v] = 1;
        auto collect = [&](bool same_component) {
          for (std::size_t v = 0; v < n; ++v)
            if (!on_path[v] && indeg[v] > 0 && (relaxed || (succ[v] == none) == sink) && last_in[v] >= pos[s] &&
                (!same_component || root[v] == root[s]))
              cand.push_back(v);
        };
        if (!sink && !relaxed) collect(true);
        if (cand.empty()) collect(false);
        on_path[s] = 0;
        for (std::size_t v : path) on_path[v] = 0;
      }
      if (!cand.empty()) st = std::make_pair(s, cand[below(rng, cand.size())]);
    }
    if (!st) return std::nullopt;

    const auto label = random_labels(n, rng);
    Graph g;
    g.nodes = n;
    g.source = label[st->first];
    g.target = label[st->second];
    for (std::size_t p : order) g.edges.emplace_back(label[p], label[succ[p]]);
    return g;
  }

  ProblemInfo info_;
};

}  // namespace

std::unique_ptr<Problem> make_dgc_problem(const std::string& name) {
  if (name == "dgc") return std::make_unique<DgcProblem>();
  return nullptr;
}

}  // namespace parallax::reductions
