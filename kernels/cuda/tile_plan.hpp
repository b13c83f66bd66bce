#pragma once
// How the layered CUDA scan (kernels/cuda/layered.cuh) cuts its work, and the
// per-thread steps of a tile, as PARALLAX_HD code that the CPU tests run too
// (tests/test_layered.cpp drives emulate_layered_scan below through the same
// functions the kernel calls).
//
// The input is `segments` independent sequences (channels, or sequences of a
// batch) of `len` elements each. Each segment is cut into tiles of
// BLOCK·ITEMS elements; tile g of the grid is tile g % tiles_per_segment of
// segment g / tiles_per_segment, so the tiles of one segment are consecutive
// and the look-back of a tile never needs to leave its segment: the first
// tile of every segment publishes an inclusive prefix at once.
//
// Within a tile, thread `tid` loads items tid, tid + BLOCK, … (striped, so
// that a warp's loads are coalesced), exchanges them to a blocked arrangement
// (items tid·ITEMS … tid·ITEMS + ITEMS − 1), composes them sequentially (the
// per-thread layer), takes its exclusive prefix from the block scan (warp then
// block layers) and the tile's prefix from the look-back (device layer), and
// re-composes its items from that prefix. Positions past len hold the
// identity, which changes nothing.
#include <cstddef>

#include "kernels/hd.hpp"

namespace parallax::kernels::cuda {

/// Positions per thread of the chunked scan (layered.cuh), for elements too
/// large for CUB's block primitives.
inline constexpr int kChunk = 32;

struct TilePlan {
  std::size_t segments = 0;
  std::size_t len = 0;
  std::size_t tile_items = 1;         ///< BLOCK·ITEMS
  std::size_t tiles_per_segment = 0;  ///< ⌈len / tile_items⌉
  std::size_t tiles = 0;              ///< segments · tiles_per_segment

  static TilePlan make(std::size_t segments, std::size_t len, std::size_t tile_items) {
    TilePlan p;
    p.segments = segments;
    p.len = len;
    p.tile_items = tile_items;
    p.tiles_per_segment = (len + tile_items - 1) / tile_items;
    p.tiles = segments * p.tiles_per_segment;
    return p;
  }
  PARALLAX_HD std::size_t segment(std::size_t g) const { return g / tiles_per_segment; }
  PARALLAX_HD std::size_t tile(std::size_t g) const { return g % tiles_per_segment; }
  /// Position of item j of thread tid in a tile, striped arrangement.
  PARALLAX_HD std::size_t striped(std::size_t tile, int block, int tid, int j) const {
    return tile * tile_items + static_cast<std::size_t>(j) * block + tid;
  }
  /// Position of item j of thread tid in a tile, blocked arrangement.
  PARALLAX_HD std::size_t blocked(std::size_t tile, int items, int tid, int j) const {
    return tile * tile_items + static_cast<std::size_t>(tid) * items + j;
  }
};

/// The element at position t of a segment, or the identity past the end.
template <class E, class Source>
PARALLAX_HD E load_item(const Source& src, std::size_t seg, std::size_t t, std::size_t len) {
  return t < len ? src(seg, t) : E::identity();
}

/// The per-thread layer, upward: items[ITEMS−1] ∘ … ∘ items[0].
template <class E, int ITEMS>
PARALLAX_HD E thread_reduce(const E (&items)[ITEMS]) {
  E acc = items[0];
  for (int j = 1; j < ITEMS; ++j) acc = E::compose(acc, items[j]);
  return acc;
}

/// The per-thread layer, downward: items[j] ← items[j] ∘ … ∘ items[0] ∘ prefix.
template <class E, int ITEMS>
PARALLAX_HD void thread_rescan(const E& prefix, E (&items)[ITEMS]) {
  items[0] = E::compose(prefix, items[0]);
  for (int j = 1; j < ITEMS; ++j) items[j] = E::compose(items[j - 1], items[j]);
}

}  // namespace parallax::kernels::cuda
