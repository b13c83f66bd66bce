#include "circuits/prefix.hpp"

#include <algorithm>
#include <stdexcept>

#include "numeric/enum_names.hpp"

namespace parallax::circuits {

namespace {
constexpr numeric::EnumName<Network> kNetworks[] = {{Network::Serial, "serial"},
                                                    {Network::Sklansky, "sklansky"},
                                                    {Network::BrentKung, "brent-kung"},
                                                    {Network::KoggeStone, "kogge-stone"},
                                                    {Network::LadnerFischer, "ladner-fischer"}};
}  // namespace

std::string to_string(Network n) { return numeric::name_of(kNetworks, n); }

const std::vector<Network>& all_networks() {
  static const std::vector<Network> v = [] {
    std::vector<Network> r;
    for (const auto& e : kNetworks) r.push_back(e.value);
    return r;
  }();
  return v;
}

Network network_from_string(std::string_view name) {
  if (auto n = numeric::value_of(kNetworks, name)) return *n;
  throw std::invalid_argument("unknown prefix network '" + std::string(name) + "' (expected " +
                              numeric::names_joined(kNetworks, ", ", " or ") + ")");
}

namespace {

using Step = std::function<void(std::size_t, PrefixStep)>;

/// Sklansky on the positions pos(0) … pos(m−1), levels numbered from `level0`.
template <class Pos>
std::size_t sklansky(std::size_t m, Pos pos, std::size_t level0, const Step& step) {
  std::size_t level = level0;
  for (std::size_t l = 0; (std::size_t(1) << l) < m; ++l, ++level) {
    const std::size_t half = std::size_t(1) << l;
    for (std::size_t i = 0; i < m; ++i) {
      if (!(i & half)) continue;
      const std::size_t base = i & ~((half << 1) - 1);  // start of the 2^(l+1) block
      step(level, {static_cast<std::uint32_t>(pos(i)), static_cast<std::uint32_t>(pos(base + half - 1))});
    }
  }
  return level;
}

}  // namespace

void for_each_prefix_step(Network net, std::size_t n, const Step& step) {
  auto u = [](std::size_t x) { return static_cast<std::uint32_t>(x); };
  switch (net) {
    case Network::Serial:
      for (std::size_t i = 1; i < n; ++i) step(i - 1, {u(i), u(i - 1)});
      break;
    case Network::Sklansky: sklansky(n, [](std::size_t i) { return i; }, 0, step); break;
    case Network::KoggeStone: {
      std::size_t level = 0;
      for (std::size_t d = 1; d < n; d <<= 1, ++level)
        for (std::size_t i = d; i < n; ++i) step(level, {u(i), u(i - d)});
      break;
    }
    case Network::BrentKung: {
      std::size_t level = 0, top = 1;
      for (std::size_t d = 1; 2 * d <= n; d <<= 1, ++level) {  // up-sweep: reduce blocks of 2d
        top = d;
        for (std::size_t i = 2 * d - 1; i < n; i += 2 * d) step(level, {u(i), u(i - d)});
      }
      for (std::size_t d = top; d >= 1; d >>= 1) {  // down-sweep: fill in the gaps
        bool any = false;
        for (std::size_t i = 3 * d - 1; i < n; i += 2 * d) {
          step(level, {u(i), u(i - d)});
          any = true;
        }
        if (any) ++level;
        if (d == 1) break;
      }
      break;
    }
    case Network::LadnerFischer: {
      if (n < 2) break;
      for (std::size_t i = 1; i < n; i += 2) step(0, {u(i), u(i - 1)});  // pairs
      const std::size_t m = n / 2;                                    // odd positions 1, 3, …
      const std::size_t level = sklansky(m, [](std::size_t k) { return 2 * k + 1; }, 1, step);
      for (std::size_t i = 2; i < n; i += 2) step(level, {u(i), u(i - 1)});  // even positions
      break;
    }
  }
}

std::vector<std::vector<PrefixStep>> prefix_schedule(Network net, std::size_t n) {
  std::vector<std::vector<PrefixStep>> levels;
  for_each_prefix_step(net, n, [&](std::size_t level, PrefixStep s) {
    if (levels.size() <= level) levels.resize(level + 1);
    levels[level].push_back(s);
  });
  return levels;
}

PrefixStats prefix_stats(Network net, std::size_t n) {
  // depth per position, updated level-synchronously
  std::vector<std::uint32_t> depth(n, 0);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pending;  // (target, new depth)
  std::size_t current = 0;
  PrefixStats st;
  auto flush = [&] {
    for (auto [t, d] : pending) depth[t] = d;
    pending.clear();
  };
  for_each_prefix_step(net, n, [&](std::size_t level, PrefixStep s) {
    if (level != current) {
      flush();
      current = level;
    }
    const std::uint32_t d = std::max(depth[s.source], depth[s.target]) + 1;
    pending.push_back({s.target, d});
    ++st.size;
    st.depth = std::max<std::size_t>(st.depth, d);
  });
  return st;
}

}  // namespace parallax::circuits
