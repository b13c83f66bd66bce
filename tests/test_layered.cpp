// The decomposition and carry logic of the CUDA scans, run on the CPU: the
// tile plan, the striped/blocked arrangements, the per-thread layers, the
// decoupled look-back (tiles finishing in random order) and the chunked scan
// of large elements, emulated with the same element types and the same
// kernels/cuda/tile_plan.hpp functions the kernels call, and checked against
// the CPU operators' sequential recurrence (kernels/operators.hpp). Integer
// data make every comparison exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "kernels/cuda/elements.hpp"
#include "kernels/cuda/tile_plan.hpp"
#include "kernels/operators.hpp"
#include "kernels/scan.hpp"

using namespace parallax;
using namespace parallax::kernels::cuda;

namespace {

/// The layered kernel of kernels/cuda/layered.cuh, one tile at a time, with
/// the tiles' look-backs interleaved in an order drawn from `rng`.
template <class E, int BLOCK, int ITEMS, class Source, class Sink>
void emulate_layered(std::size_t segments, std::size_t len, const Source& src, const Sink& sink,
                     const std::vector<std::uint8_t>* active, std::size_t group, std::mt19937_64& rng) {
  if (segments == 0 || len == 0) return;
  const TilePlan plan = TilePlan::make(segments, len, std::size_t(BLOCK) * ITEMS);
  enum Status { None, Partial, Inclusive };
  std::vector<Status> status(plan.tiles, None);
  std::vector<E> value(plan.tiles);
  struct TileWork {
    E items[BLOCK][ITEMS];
    E prefix[BLOCK];  // block-exclusive prefixes
    E aggregate;
  };
  std::map<std::size_t, TileWork> work;
  std::vector<std::size_t> pending(plan.tiles);
  for (std::size_t g = 0; g < plan.tiles; ++g) pending[g] = g;
  // First half of every tile: load, exchange, reduce, block scan, publish.
  std::shuffle(pending.begin(), pending.end(), rng);
  for (std::size_t g : pending) {
    const std::size_t seg = plan.segment(g), tile = plan.tile(g);
    if (active && (*active)[seg / group] == 0) {
      status[g] = Inclusive, value[g] = E::identity();
      continue;
    }
    TileWork w;
    // striped load, then StripedToBlocked: thread tid holds tile positions tid·ITEMS + j
    std::vector<E> tile_items(static_cast<std::size_t>(BLOCK) * ITEMS);
    for (int tid = 0; tid < BLOCK; ++tid)
      for (int j = 0; j < ITEMS; ++j) {
        const std::size_t t = plan.striped(tile, BLOCK, tid, j);
        tile_items[t - tile * plan.tile_items] = load_item<E>(src, seg, t, len);
      }
    for (int tid = 0; tid < BLOCK; ++tid)
      for (int j = 0; j < ITEMS; ++j) {
        const std::size_t t = plan.blocked(tile, ITEMS, tid, j);
        w.items[tid][j] = tile_items[tid * ITEMS + j];
        REQUIRE(t - tile * plan.tile_items == std::size_t(tid) * ITEMS + j);
      }
    E acc = E::identity();
    for (int tid = 0; tid < BLOCK; ++tid) {
      w.prefix[tid] = acc;
      acc = E::compose(acc, thread_reduce<E, ITEMS>(w.items[tid]));
    }
    w.aggregate = acc;
    status[g] = tile == 0 ? Inclusive : Partial;
    value[g] = acc;
    work.emplace(g, w);
  }
  // Second half, in another random order: look back until an inclusive
  // prefix (waiting where a predecessor has not published), rescan, sink.
  std::vector<std::size_t> todo;
  for (auto& [g, w] : work) todo.push_back(g);
  std::shuffle(todo.begin(), todo.end(), rng);
  while (!todo.empty()) {
    const std::size_t g = todo.back();
    todo.pop_back();
    const std::size_t seg = plan.segment(g), tile = plan.tile(g);
    TileWork& w = work.at(g);
    E exclusive = E::identity();
    if (tile != 0) {
      std::size_t q = g;
      bool first = true;
      do {
        --q;
        REQUIRE(plan.segment(q) == seg);  // the look-back never leaves the segment
        REQUIRE(status[q] != None);
        exclusive = first ? value[q] : E::compose(value[q], exclusive);
        first = false;
      } while (status[q] != Inclusive);
      status[g] = Inclusive;
      value[g] = E::compose(exclusive, w.aggregate);
    }
    for (int tid = 0; tid < BLOCK; ++tid) {
      thread_rescan<E, ITEMS>(E::compose(exclusive, w.prefix[tid]), w.items[tid]);
      for (int j = 0; j < ITEMS; ++j) {
        const std::size_t t = plan.blocked(tile, ITEMS, tid, j);
        if (t < len) sink(seg, t, w.items[tid][j]);
      }
    }
  }
}

/// The chunked scan of layered.cuh (reduce chunks, scan the totals
/// recursively, re-run the chunks), in order.
template <class E>
void emulate_chunked(std::size_t segments, std::size_t len, const std::function<E(std::size_t, std::size_t)>& src,
                     const std::function<void(std::size_t, std::size_t, const E&)>& sink) {
  const TilePlan plan = TilePlan::make(segments, len, kChunk);
  std::vector<E> inclusive(plan.tiles);
  if (plan.tiles_per_segment > 1) {
    std::vector<E> totals(plan.tiles);
    for (std::size_t g = 0; g < plan.tiles; ++g) {
      E acc = E::identity();
      for (int j = 0; j < kChunk; ++j) {
        const std::size_t t = plan.blocked(plan.tile(g), kChunk, 0, j);
        if (t < len) acc = E::compose(acc, src(plan.segment(g), t));
      }
      totals[g] = acc;
    }
    const std::size_t tps = plan.tiles_per_segment;
    emulate_chunked<E>(
        segments, tps, [&](std::size_t s, std::size_t t) { return totals[s * tps + t]; },
        [&](std::size_t s, std::size_t t, const E& e) { inclusive[s * tps + t] = e; });
  }
  for (std::size_t g = 0; g < plan.tiles; ++g) {
    E acc = plan.tile(g) == 0 ? E::identity() : inclusive[g - 1];
    for (int j = 0; j < kChunk; ++j) {
      const std::size_t t = plan.blocked(plan.tile(g), kChunk, 0, j);
      if (t >= len) break;
      acc = E::compose(acc, src(plan.segment(g), t));
      sink(plan.segment(g), t, acc);
    }
  }
}

/// Random small integers in [lo, hi] as doubles: sums and products stay exact.
struct Ints {
  std::mt19937_64 rng;
  double operator()(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
};

/// A random signed permutation matrix k×k: its products stay signed permutations.
std::vector<double> signed_permutation(std::size_t k, Ints& r) {
  std::vector<std::size_t> perm(k);
  for (std::size_t i = 0; i < k; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), r.rng);
  std::vector<double> m(k * k, 0.0);
  for (std::size_t i = 0; i < k; ++i) m[i * k + perm[i]] = r(0, 1) ? 1.0 : -1.0;
  return m;
}

const std::vector<std::size_t> kLengths = {1, 31, 32, 33, 1000, 4099};

/// States [seg][t][k] of the element scans, by the emulations.
template <class E>
struct Recorder {
  std::vector<double>* h;
  std::size_t len;
  int k;
  void operator()(std::size_t seg, std::size_t t, const E& e) const {
    for (int i = 0; i < k; ++i) (*h)[(seg * len + t) * k + i] = e.state(i);
  }
};

}  // namespace

TEST_CASE("layered scan decomposition: diagonal segments equal the sequential recurrence", "[quick][device][scan]") {
  Ints r{std::mt19937_64(11)};
  for (std::size_t len : kLengths)
    for (std::size_t segments : {std::size_t(1), std::size_t(3)}) {
      std::vector<double> a(segments * len), b(segments * len), h0(segments);
      for (auto& x : a) x = r(-1, 1);
      for (auto& x : b) x = r(-3, 3);
      for (auto& x : h0) x = r(-2, 2);
      auto src = [&](std::size_t s, std::size_t t) {
        const DiagElem<double> e{a[s * len + t], b[s * len + t]};
        return t == 0 ? DiagElem<double>::constant(e, &h0[s]) : e;
      };
      std::vector<double> want(segments * len);
      for (std::size_t s = 0; s < segments; ++s) {
        kernels::ScalarAffine<double> op;
        kernels::run_sequential(op, [&](std::size_t t) { return kernels::ScalarAffine<double>::element{a[s * len + t], b[s * len + t]}; },
                                len, h0[s], [&](std::size_t t, double h) { want[s * len + t] = h; });
      }
      std::vector<double> got(segments * len, -99), got2(segments * len, -99), got3(segments * len, -99);
      std::mt19937_64 order(len * 7 + segments);
      emulate_layered<DiagElem<double>, 4, 3>(segments, len, src, Recorder<DiagElem<double>>{&got, len, 1}, nullptr, 1, order);
      emulate_layered<DiagElem<double>, 256, 16>(segments, len, src, Recorder<DiagElem<double>>{&got2, len, 1}, nullptr, 1, order);
      emulate_chunked<DiagElem<double>>(segments, len, src, Recorder<DiagElem<double>>{&got3, len, 1});
      INFO("len " << len << ", segments " << segments);
      CHECK(got == want);
      CHECK(got2 == want);
      CHECK(got3 == want);
    }
}

TEST_CASE("layered scan decomposition: finished segments are skipped and the rest stay right", "[quick][device][scan]") {
  Ints r{std::mt19937_64(5)};
  const std::size_t len = 1000, segments = 6, group = 2;  // 3 groups of 2 segments
  std::vector<double> a(segments * len), b(segments * len), h0(segments, 1.0);
  for (auto& x : a) x = r(-1, 1);
  for (auto& x : b) x = r(-3, 3);
  auto src = [&](std::size_t s, std::size_t t) {
    const DiagElem<double> e{a[s * len + t], b[s * len + t]};
    return t == 0 ? DiagElem<double>::constant(e, &h0[s]) : e;
  };
  std::vector<double> all(segments * len), some(segments * len, -99);
  std::mt19937_64 order(3);
  emulate_layered<DiagElem<double>, 8, 4>(segments, len, src, Recorder<DiagElem<double>>{&all, len, 1}, nullptr, 1, order);
  const std::vector<std::uint8_t> active = {1, 0, 1};
  emulate_layered<DiagElem<double>, 8, 4>(segments, len, src, Recorder<DiagElem<double>>{&some, len, 1}, &active, group, order);
  for (std::size_t s = 0; s < segments; ++s)
    for (std::size_t t = 0; t < len; ++t) {
      if (active[s / group]) REQUIRE(some[s * len + t] == all[s * len + t]);
      else REQUIRE(some[s * len + t] == -99);  // never written
    }
}

TEST_CASE("layered scan decomposition: blocks, padded blocks and dense maps", "[quick][device][scan]") {
  Ints r{std::mt19937_64(7)};
  for (std::size_t len : kLengths) {
    for (std::size_t k : {std::size_t(2), std::size_t(3), std::size_t(5)}) {
      const std::size_t segments = 2;
      std::vector<std::vector<double>> m(segments * len);
      std::vector<double> b(segments * len * k), h0(segments * k);
      for (auto& x : m) x = signed_permutation(k, r);
      for (auto& x : b) x = r(-3, 3);
      for (auto& x : h0) x = r(-2, 2);
      // the CPU operator on k×k, and the device element padded to K = 8 (5 → 8, as block_scan pads)
      std::vector<double> want(segments * len * k);
      kernels::DenseAffine<double> op{k};
      for (std::size_t s = 0; s < segments; ++s) {
        std::vector<double> h(h0.begin() + s * k, h0.begin() + (s + 1) * k);
        kernels::run_sequential(
            op, [&](std::size_t t) { return kernels::DenseAffine<double>::element{m[s * len + t], {b.begin() + (s * len + t) * k, b.begin() + (s * len + t + 1) * k}}; },
            len, h, [&](std::size_t t, const std::vector<double>& x) { std::copy(x.begin(), x.end(), want.begin() + (s * len + t) * k); });
      }
      auto src = [&](std::size_t s, std::size_t t) {
        BlockElem<double, 8> e;
        for (int i = 0; i < 8; ++i) {
          for (int j = 0; j < 8; ++j) e.m[i * 8 + j] = std::size_t(i) < k && std::size_t(j) < k ? m[s * len + t][i * k + j] : 0.0;
          e.b[i] = std::size_t(i) < k ? b[(s * len + t) * k + i] : 0.0;
        }
        if (t != 0) return e;
        double h[8] = {};
        for (std::size_t i = 0; i < k; ++i) h[i] = h0[s * k + i];
        return BlockElem<double, 8>::constant(e, h);
      };
      std::vector<double> got(segments * len * k, -99), got2(segments * len * k, -99);
      std::mt19937_64 order(len + k);
      emulate_layered<BlockElem<double, 8>, 4, 2>(segments, len, src, Recorder<BlockElem<double, 8>>{&got, len, int(k)}, nullptr, 1, order);
      emulate_chunked<BlockElem<double, 8>>(segments, len, src, Recorder<BlockElem<double, 8>>{&got2, len, int(k)});
      INFO("len " << len << ", k " << k);
      CHECK(got == want);
      CHECK(got2 == want);
    }
  }
}

TEST_CASE("layered scan decomposition: PD maps, padded, against PDAffine", "[quick][device][scan]") {
  Ints r{std::mt19937_64(9)};
  for (std::size_t len : kLengths) {
    const std::size_t d = 11;  // padded to 16 as pd_scan does
    std::vector<std::vector<std::uint32_t>> p(len, std::vector<std::uint32_t>(d));
    std::vector<std::vector<double>> D(len, std::vector<double>(d)), b(len, std::vector<double>(d));
    std::vector<double> h0(d);
    for (std::size_t t = 0; t < len; ++t)
      for (std::size_t j = 0; j < d; ++j) p[t][j] = std::uint32_t(r(0, int(d) - 1)), D[t][j] = r(-1, 1), b[t][j] = r(-2, 2);
    for (auto& x : h0) x = r(-2, 2);
    kernels::PDAffine<double> op{d};
    std::vector<double> want(len * d);
    kernels::run_sequential(op, [&](std::size_t t) { return kernels::PDAffine<double>::element{p[t], D[t], b[t]}; }, len, h0,
                            [&](std::size_t t, const std::vector<double>& x) { std::copy(x.begin(), x.end(), want.begin() + t * d); });
    auto src = [&](std::size_t, std::size_t t) {
      PDElem<double, 16> e;
      for (std::size_t j = 0; j < 16; ++j) {
        e.p[j] = std::uint8_t(j < d ? p[t][j] : j);
        e.d[j] = j < d ? D[t][j] : 0.0;
        e.b[j] = j < d ? b[t][j] : 0.0;
      }
      if (t != 0) return e;
      double h[16] = {};
      for (std::size_t j = 0; j < d; ++j) h[j] = h0[j];
      return PDElem<double, 16>::constant(e, h);
    };
    std::vector<double> got(len * d, -99), got2(len * d, -99);
    std::mt19937_64 order(len);
    emulate_layered<PDElem<double, 16>, 4, 3>(1, len, src, Recorder<PDElem<double, 16>>{&got, len, int(d)}, nullptr, 1, order);
    emulate_chunked<PDElem<double, 16>>(1, len, src, Recorder<PDElem<double, 16>>{&got2, len, int(d)});
    INFO("len " << len);
    CHECK(got == want);
    CHECK(got2 == want);
  }
}

TEST_CASE("layered scan decomposition: floating-point regrouping stays within rounding", "[quick][device][scan]") {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> u(-0.95, 0.95);
  const std::size_t len = (std::size_t(1) << 16) + 7;
  std::vector<double> a(len), b(len);
  for (auto& x : a) x = u(rng);
  for (auto& x : b) x = u(rng);
  const double h0 = 0.5;
  std::vector<double> want(len);
  double h = h0;
  for (std::size_t t = 0; t < len; ++t) want[t] = h = a[t] * h + b[t];
  auto src = [&](std::size_t, std::size_t t) {
    const DiagElem<double> e{a[t], b[t]};
    return t == 0 ? DiagElem<double>::constant(e, &h0) : e;
  };
  std::vector<double> got(len);
  std::mt19937_64 order(1);
  emulate_layered<DiagElem<double>, 256, 16>(1, len, src, Recorder<DiagElem<double>>{&got, len, 1}, nullptr, 1, order);
  double err = 0;
  for (std::size_t t = 0; t < len; ++t) err = std::max(err, std::abs(got[t] - want[t]));
  CHECK(err < 1e-12);
  CHECK(err > 0);  // the regrouping really differs from the left fold
}
