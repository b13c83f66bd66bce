#pragma once
// Prefix networks: schedules of "x[target] ← x[source] ∘ x[target]" steps
// that turn inputs x_0 … x_{n−1} of any associative operator into all prefix
// folds x_0 ∘ … ∘ x_i (∘ in input order: the left operand covers the earlier
// inputs). Steps are grouped in levels; the steps of a level read the values
// as they were before the level.
//
//   serial          n − 1 steps, depth n − 1
//   sklansky        depth ⌈log₂ n⌉, (n/2)·log₂ n steps for n = 2^k (Sklansky 1960)
//   kogge-stone     depth ⌈log₂ n⌉, Σ_{d = 2^l < n} (n − d) steps (Kogge & Stone 1973)
//   brent-kung      2n − 2 − log₂ n steps for n = 2^k (Brent & Kung 1982); drawn in
//                   2·log₂ n − 1 levels, but the longest path has 2·log₂ n − 2
//                   steps (n ≥ 4): the top up-sweep node lies on no longest path.
//                   For any n ≥ 2 the longest path is ⌊log₂(n+1)⌋ + ⌊log₂⌊(n+1)/3⌋⌋
//   ladner-fischer  pairs, Sklansky on the odd positions, then the even ones:
//                   n − 1 + (n/4)·(log₂ n − 1) steps for n = 2^k ≥ 4; longest
//                   path 2 + ⌊log₂(n − 3)⌋ for n ≥ 4 (log₂ n + 1 for n = 2^k ≥ 8)
//                   (the sparse Ladner–Fischer 1980 network as drawn in adder taxonomies)
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace parallax::circuits {

enum class Network { Serial, Sklansky, BrentKung, KoggeStone, LadnerFischer };
std::string to_string(Network n);
/// "serial", "sklansky", "brent-kung", "kogge-stone", "ladner-fischer"; throws
/// std::invalid_argument naming the valid names otherwise.
Network network_from_string(std::string_view name);
const std::vector<Network>& all_networks();

struct PrefixStep {
  std::uint32_t target, source;  ///< x[target] ← x[source] ∘ x[target], source < target
};

/// Calls step(level, PrefixStep) for every step, level by level.
void for_each_prefix_step(Network net, std::size_t n, const std::function<void(std::size_t, PrefixStep)>& step);

/// The steps grouped by level.
std::vector<std::vector<PrefixStep>> prefix_schedule(Network net, std::size_t n);

/// Operator nodes (steps) and depth (longest chain of steps) of the network.
struct PrefixStats {
  std::size_t size = 0, depth = 0;
};
PrefixStats prefix_stats(Network net, std::size_t n);

/// Runs the schedule on values with combine(earlier, later); returns the prefixes.
template <class V, class F>
std::vector<V> apply_prefix(Network net, std::vector<V> xs, F&& combine) {
  for (const auto& level : prefix_schedule(net, xs.size())) {
    std::vector<V> next;
    next.reserve(level.size());
    for (const auto& s : level) next.push_back(combine(xs[s.source], xs[s.target]));
    for (std::size_t i = 0; i < level.size(); ++i) xs[level[i].target] = std::move(next[i]);
  }
  return xs;
}

}  // namespace parallax::circuits
