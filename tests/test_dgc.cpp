// dgc (sorted deterministic graph connectivity): validation messages, the
// reference solver and the ReLU-RNN construction against an independent
// pointer-following check on every small graph, the construction at log
// precision on large graphs, and the generator's labels and balance.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "problem_errors.hpp"
#include "experiment/sweep.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

using namespace parallax;

namespace {

using Edges = std::vector<std::pair<std::size_t, std::size_t>>;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

reductions::Instance instance(std::size_t nodes, std::size_t s, std::size_t t, const Edges& edges) {
  reductions::Instance es = reductions::Instance::array();
  for (const auto& [i, j] : edges) es.push_back({i, j});
  return {{"problem", "dgc"}, {"nodes", nodes}, {"source", s}, {"target", t}, {"edges", es}};
}

/// Reachability by following the unique out-pointer from s for at most N steps
/// (independent of the BFS reference and of the list order).
bool follow(std::size_t nodes, std::size_t s, std::size_t t, const Edges& edges) {
  std::vector<std::size_t> succ(nodes, kNone);
  for (const auto& [i, j] : edges) succ[i] = j;
  std::size_t v = s;
  for (std::size_t step = 0; step <= nodes && v != kNone; ++step, v = succ[v])
    if (v == t) return true;
  return false;
}

/// The edges of a successor array, listed in a random topological order
/// (an edge is ready once every edge into its source is listed).
Edges random_topological(const std::vector<std::size_t>& succ, std::mt19937_64& rng) {
  const std::size_t n = succ.size();
  std::vector<std::size_t> pending(n, 0), ready;
  for (std::size_t p = 0; p < n; ++p)
    if (succ[p] != kNone) ++pending[succ[p]];
  for (std::size_t p = 0; p < n; ++p)
    if (succ[p] != kNone && pending[p] == 0) ready.push_back(p);
  Edges out;
  while (!ready.empty()) {
    const std::size_t k = rng() % ready.size();
    const std::size_t p = ready[k];
    ready[k] = ready.back();
    ready.pop_back();
    out.emplace_back(p, succ[p]);
    if (--pending[succ[p]] == 0 && succ[succ[p]] != kNone) ready.push_back(succ[p]);
  }
  return out;
}

std::vector<std::size_t> permutation(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = i;
  for (std::size_t k = n; k > 1; --k) std::swap(p[k - 1], p[rng() % k]);
  return p;
}

/// The construction's decision.
models::Verdict model_decides(const reductions::Problem& p, const reductions::Instance& in, const numeric::Precision& prec) {
  const auto enc = p.encode(in, "relu-rnn");
  return experiment::decide(*enc.model, enc.tokens, prec, false);
}

/// float:M:10 with M = ⌈log₂ N⌉ + extra significand bits.
numeric::Precision log_precision(std::size_t nodes, int extra = 4) {
  const int m = static_cast<int>(std::ceil(std::log2(double(nodes)))) + extra;
  return numeric::Precision::parse("float:" + std::to_string(m) + ":10");
}

using parallax_test::validation_error;

}  // namespace

TEST_CASE("dgc: the factory and the problem description", "[quick][dgc][reductions]") {
  REQUIRE(reductions::make_dgc_problem("dgc2") == nullptr);
  REQUIRE(reductions::make_dgc_problem("word:S5") == nullptr);
  const auto p = reductions::make_dgc_problem("dgc");
  REQUIRE(p);
  CHECK(p->info().name == "dgc");
  CHECK(automata::to_string(p->info().complexity) == "L-complete");
  REQUIRE(p->info().constructions.size() == 1);
  CHECK(p->info().constructions[0].name == "relu-rnn");
  const auto in = instance(3, 0, 2, {{0, 1}, {1, 2}});
  CHECK_THROWS_AS(p->encode(in, "pd"), reductions::ProblemError);
}

TEST_CASE("dgc: malformed instances are rejected naming the field", "[quick][dgc][errors][reductions]") {
  const auto p = reductions::make_dgc_problem("dgc");
  using Catch::Matchers::Contains;
  CHECK(validation_error(*p, instance(5, 0, 4, {{0, 1}, {1, 2}, {2, 4}})) == "accepted");
  // an edge into 2 listed after 2's out-edge: the offending edge is the later one
  const auto order = validation_error(*p, instance(5, 0, 4, {{0, 1}, {2, 3}, {1, 2}}));
  CHECK_THAT(order, Contains("'edges'[2]") && Contains("topological") && Contains("'edges'[1]"));
  const auto order2 = validation_error(*p, instance(6, 0, 4, {{0, 1}, {1, 2}, {4, 5}, {2, 3}, {3, 4}}));
  CHECK_THAT(order2, Contains("'edges'[4]") && Contains("topological"));
  const auto degree = validation_error(*p, instance(5, 0, 4, {{0, 1}, {1, 2}, {0, 3}}));
  CHECK_THAT(degree, Contains("'edges'[2]") && Contains("out-degree") && Contains("'edges'[0]"));
  CHECK_THAT(validation_error(*p, instance(4, 0, 3, {{0, 1}, {1, 4}})), Contains("'edges'[1][1]") && Contains("outside 0..3"));
  CHECK_THAT(validation_error(*p, instance(4, 0, 3, {{0, 1}, {1, 1}})), Contains("'edges'[1]") && Contains("self-loop"));
  CHECK_THAT(validation_error(*p, instance(4, 4, 3, {})), Contains("'source'"));
  CHECK_THAT(validation_error(*p, instance(4, 0, 7, {})), Contains("'target'"));
  auto in = instance(4, 0, 3, {{0, 1}});
  in["edges"][0] = {0, 1, 2};
  CHECK_THAT(validation_error(*p, in), Contains("'edges'[0]") && Contains("pair"));
  in["edges"][0] = {-1, 2};
  CHECK_THAT(validation_error(*p, in), Contains("'edges'[0][0]"));
  in["edges"][0] = {0.5, 2};
  CHECK_THAT(validation_error(*p, in), Contains("'edges'[0][0]"));
  in["edges"] = "0-1";
  CHECK_THAT(validation_error(*p, in), Contains("'edges'"));
  in = instance(4, 0, 3, {});
  in["nodes"] = 0;
  CHECK_THAT(validation_error(*p, in), Contains("'nodes'"));
  in["nodes"] = -3;
  CHECK_THAT(validation_error(*p, in), Contains("'nodes'"));
  in["nodes"] = "4";
  CHECK_THAT(validation_error(*p, in), Contains("'nodes'"));
  in = instance(4, 0, 3, {});
  in.erase("edges");
  CHECK_THAT(validation_error(*p, in), Contains("'edges'") && Contains("missing"));
  in = instance(4, 0, 3, {});
  in["problem"] = "cvp";
  CHECK_THAT(validation_error(*p, in), Contains("'problem'"));
  CHECK_THAT(validation_error(*p, reductions::Instance::array()), Contains("JSON object"));
  // solve and encode check too
  const auto bad = instance(3, 0, 2, {{0, 1}, {0, 2}});
  CHECK_THROWS_AS(p->solve(bad), reductions::ProblemError);
  CHECK_THROWS_AS(p->encode(bad, "relu-rnn"), reductions::ProblemError);
}

TEST_CASE("dgc: the published construction only accepts the end of the path, the sink fix accepts every reachable t",
          "[quick][dgc][reductions]") {
  const auto p = reductions::make_dgc_problem("dgc");
  const auto exact = numeric::Precision::parse("exact");
  // nodes 0..3, edges (1, 2), (2, 3), s = 1, t = 2: reachable
  const auto in = instance(4, 1, 2, {{1, 2}, {2, 3}});
  REQUIRE(p->solve(in));
  const auto enc = p->encode(in, "relu-rnn");
  // the fix leaves t's out-edge (edges[1]) out; token |E| = 2 is the final token
  CHECK(enc.tokens == std::vector<std::uint32_t>{0, 2});
  CHECK(experiment::decide(*enc.model, enc.tokens, exact, false) == models::Verdict::Accept);
  // the published token sequence (every edge, then the final token): the
  // walk passes 2, ends at 3, and the model rejects
  CHECK(experiment::decide(*enc.model, {0, 1, 2}, exact, false) == models::Verdict::Reject);
  // t = 3 (the end) is accepted either way; t = 0 (unreachable) rejected either way
  for (std::size_t t : {3u, 0u}) {
    const auto in2 = instance(4, 1, t, {{1, 2}, {2, 3}});
    const auto e2 = p->encode(in2, "relu-rnn");
    CHECK(experiment::decide(*e2.model, e2.tokens, exact, false) == models::verdict_of(t == 3));
    CHECK(experiment::decide(*e2.model, {0, 1, 2}, exact, false) == models::verdict_of(t == 3));
    CHECK(p->solve(in2) == (t == 3));
  }
  // s = t with an out-edge: reachable; the published sequence walks away and rejects
  const auto self = instance(4, 1, 1, {{1, 2}, {2, 3}});
  CHECK(p->solve(self));
  CHECK(model_decides(*p, self, exact) == models::Verdict::Accept);
  CHECK(experiment::decide(*p->encode(self, "relu-rnn").model, {0, 1, 2}, exact, false) == models::Verdict::Reject);
}

TEST_CASE("dgc: every graph on at most 6 nodes, every s and t: BFS, pointer following and the construction agree",
          "[quick][dgc][reductions]") {
  const auto p = reductions::make_dgc_problem("dgc");
  const auto exact = numeric::Precision::parse("exact");
  std::mt19937_64 rng(2026);
  std::size_t graphs = 0, instances = 0, reachable = 0, model_runs = 0;
  for (std::size_t n = 1; n <= 6; ++n) {
    // node i has no out-edge (kNone) or one to some j > i: every graph up to
    // relabelling, nodes numbered in a topological order
    std::vector<std::size_t> succ(n, kNone);
    std::vector<std::size_t> choice(n, 0);  // 0: none, k: edge to i + k
    while (true) {
      for (std::size_t i = 0; i < n; ++i) succ[i] = choice[i] == 0 ? kNone : i + choice[i];
      ++graphs;
      Edges by_source;
      for (std::size_t i = 0; i < n; ++i)
        if (succ[i] != kNone) by_source.emplace_back(i, succ[i]);
      // the variant: labels permuted, edges in a random topological order
      const auto relabel = permutation(n, rng);
      Edges shuffled;
      for (const auto& [i, j] : random_topological(succ, rng)) shuffled.emplace_back(relabel[i], relabel[j]);
      for (int variant = 0; variant < 2; ++variant) {
        const Edges& edges = variant == 0 ? by_source : shuffled;
        for (std::size_t s = 0; s < n; ++s)
          for (std::size_t t = 0; t < n; ++t) {
            const auto in = instance(n, s, t, edges);
            const bool want = follow(n, s, t, edges);
            INFO(in.dump());
            REQUIRE(p->solve(in) == want);
            REQUIRE(model_decides(*p, in, exact) == models::verdict_of(want));
            ++instances, ++model_runs;
            reachable += want;
          }
      }
      std::size_t i = 0;  // next choice vector (mixed radix: node i has n − i choices)
      while (i < n && ++choice[i] == n - i) choice[i++] = 0;
      if (i == n) break;
    }
  }
  CHECK(graphs == 1 + 2 + 6 + 24 + 120 + 720);
  CHECK(instances == 2 * (1 + 2 * 4 + 6 * 9 + 24 * 16 + 120 * 25 + 720 * 36));
  CHECK(model_runs == instances);
  CHECK(reachable > instances / 4);
  CHECK(reachable < instances / 2);
}

TEST_CASE("dgc: the construction decides random graphs up to 10^4 nodes exactly and at log precision", "[quick][dgc][precision][reductions]") {
  const auto p = reductions::make_dgc_problem("dgc");
  const auto exact = numeric::Precision::parse("exact");
  std::mt19937_64 rng(11);
  std::size_t yes = 0, total = 0;
  for (std::size_t n : {7u, 30u, 100u, 1000u, 3000u, 10000u}) {
    const int reps = n <= 100 ? 12 : n <= 1000 ? 6 : 2;
    const auto logp = log_precision(n);
    for (int r = 0; r < reps; ++r) {
      // an independent random functional DAG: out-edges (probability 0.9) to
      // a node up to 4 positions later, labels permuted, random topological order
      std::vector<std::size_t> succ(n, kNone);
      for (std::size_t v = 0; v + 1 < n; ++v)
        if (rng() % 10 != 0) succ[v] = std::min(n - 1, v + 1 + rng() % 4);
      const auto relabel = permutation(n, rng);
      Edges edges;
      for (const auto& [i, j] : random_topological(succ, rng)) edges.emplace_back(relabel[i], relabel[j]);
      // s anywhere; t on s's path (half the time) or anywhere
      const std::size_t s0 = rng() % n;
      std::vector<std::size_t> path{s0};
      while (succ[path.back()] != kNone) path.push_back(succ[path.back()]);
      const std::size_t t0 = r % 2 == 0 ? path[rng() % path.size()] : rng() % n;
      const std::size_t s = relabel[s0], t = relabel[t0];
      const auto in = instance(n, s, t, edges);
      const bool want = follow(n, s, t, edges);
      INFO("n = " << n << ", s = " << s << ", t = " << t);
      REQUIRE(p->solve(in) == want);
      REQUIRE(model_decides(*p, in, exact) == models::verdict_of(want));
      REQUIRE(model_decides(*p, in, logp) == models::verdict_of(want));
      ++total, yes += want;
    }
  }
  // generated instances too, at the largest size; every value in the cell is
  // an integer of magnitude < 2N, so ⌈log₂ N⌉ + 1 bits are already exact,
  // while with ⌈log₂ N⌉ − 3 bits node numbers collide and decisions go wrong
  std::size_t wrong_short = 0;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    const auto in = p->generate(10000, seed, seed % 2 == 0);
    const bool want = p->solve(in);
    REQUIRE(want == (seed % 2 == 0));
    REQUIRE(model_decides(*p, in, log_precision(10000)) == models::verdict_of(want));
    REQUIRE(model_decides(*p, in, log_precision(10000, 1)) == models::verdict_of(want));
    REQUIRE(model_decides(*p, in, exact) == models::verdict_of(want));
    wrong_short += model_decides(*p, in, log_precision(10000, -3)) != models::verdict_of(want);
  }
  CHECK(wrong_short > 0);
  CHECK(yes > total / 3);
  CHECK(yes < total);
}

TEST_CASE("dgc: generated instances have true, balanced labels that degree shortcuts do not predict", "[quick][dgc][reductions]") {
  const auto p = reductions::make_dgc_problem("dgc");
  // n = 1: only the yes answer exists
  REQUIRE(p->solve(p->generate(1, 3, true)));
  CHECK_THROWS_AS(p->generate(1, 3, false), reductions::ProblemError);
  CHECK_THROWS_AS(p->generate(0, 3, true), reductions::ProblemError);
  for (std::size_t n = 2; n <= 5; ++n)
    for (std::uint64_t seed = 0; seed < 20; ++seed)
      for (bool want : {true, false}) {
        const auto in = p->generate(n, seed, want);
        p->validate(in);
        REQUIRE(in["nodes"] == n);
        REQUIRE(p->solve(in) == want);
      }

  std::mt19937_64 rng(4);
  std::size_t total = 0, labelled_yes = 0, out_in_right = 0, sink_right = 0;
  const auto exact = numeric::Precision::parse("exact");
  for (std::uint64_t k = 0; k < 10000; ++k) {
    const std::size_t n = 6 + rng() % 195;  // 6 … 200
    const bool want = k % 2 == 1;
    const auto in = p->generate(n, k, want);
    p->validate(in);
    REQUIRE(in["nodes"] == n);
    const bool got = p->solve(in);
    REQUIRE(got == want);
    std::vector<int> out(n, 0), indeg(n, 0);
    Edges edges;
    for (const auto& e : in["edges"]) {
      const std::size_t i = e[0], j = e[1];
      ++out[i], ++indeg[j];
      edges.emplace_back(i, j);
    }
    const std::size_t s = in["source"], t = in["target"];
    REQUIRE(follow(n, s, t, edges) == want);
    ++total;
    labelled_yes += got;
    out_in_right += (out[s] > 0 && indeg[t] > 0) == got;  // the public generator's shortcut
    sink_right += (out[t] == 0) == got;                    // "t is the end of a path"
    if (k % 500 == 0) {
      REQUIRE(p->generate(n, k, want) == in);  // deterministic in the seed
      REQUIRE(model_decides(*p, in, exact) == models::verdict_of(want));
    }
  }
  CHECK(labelled_yes * 2 == total);
  const double a1 = double(out_in_right) / double(total), a2 = double(sink_right) / double(total);
  INFO("accuracy of 'out(s) and in(t)': " << a1 << ", of 't is a sink': " << a2);
  CHECK(std::abs(a1 - 0.5) <= 0.05);
  CHECK(std::abs(a2 - 0.5) <= 0.05);
}
