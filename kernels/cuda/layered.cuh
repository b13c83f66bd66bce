#pragma once
// The layered scan kernel (CUDA only): per-thread chunk, warp, block, device,
// as CUB's own scan is built, for any element type of kernels/cuda/elements.hpp
// and any Source / Sink:
//   E    src(std::size_t seg, std::size_t t)            element t of segment seg
//   void sink(std::size_t seg, std::size_t t, const E&) called once per position
//                                                       with the inclusive prefix
// The tile decomposition and the per-thread steps are kernels/cuda/tile_plan.hpp
// (tested on the CPU). The warp and block layers are cub::BlockScan, the
// striped↔blocked exchange cub::BlockExchange, and the device layer CUB's
// decoupled look-back (cub::ScanTileState + cub::TilePrefixCallbackOp), the
// single-pass machinery of cub::DeviceScan.
//
// Why not cub::DeviceScan itself: it scans one sequence from memory, while
// these scans (a) produce their elements on the fly — the Newton kernels
// linearise the cell inside the load — and write states, not elements, in the
// sink, (b) run many independent segments in one launch, and (c) skip
// segments that have converged. DeviceScan is used directly where it fits
// (the diagonal scan from memory, kernels/cuda/scan_diag.cu).
#include <cub/block/block_exchange.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/agent/single_pass_scan_operators.cuh>

#include <cstdint>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/elements.hpp"
#include "kernels/cuda/tile_plan.hpp"

namespace parallax::kernels::cuda {

/// Threads and items per thread for an element type: about 128 bytes of
/// elements per thread (registers).
template <class E>
struct LayeredPolicy {
  static constexpr int items = sizeof(E) <= 8 ? 16 : sizeof(E) <= 16 ? 8 : sizeof(E) <= 32 ? 4 : sizeof(E) <= 64 ? 2 : 1;
  static constexpr int block = 256;
  /// CUB's warp and block scans keep elements of non-primitive types in
  /// shared memory (a warp-scan buffer per warp, a warp-reduce buffer for
  /// the look-back): beyond this size they exceed the 48 KiB a kernel may
  /// declare, so larger elements take the chunked scan below.
  static constexpr bool fits = sizeof(E) <= 128;
};

template <class E>
using TileState = cub::ScanTileState<E, false>;

template <class E>
__global__ void init_tile_state_kernel(TileState<E> state, int tiles) {
  state.InitializeStatus(tiles);
}

template <class E, int BLOCK, int ITEMS, class Source, class Sink>
__global__ void __launch_bounds__(BLOCK)
    layered_scan_kernel(TilePlan plan, TileState<E> tile_state, Source src, Sink sink, const std::uint8_t* active,
                        std::size_t active_group) {
  using BlockScanT = cub::BlockScan<E, BLOCK, cub::BLOCK_SCAN_WARP_SCANS>;
  using ExchangeT = cub::BlockExchange<E, BLOCK, ITEMS>;
  using PrefixT = cub::TilePrefixCallbackOp<E, ComposeOp, TileState<E>>;
  __shared__ union Shared {
    typename BlockScanT::TempStorage scan;
    typename ExchangeT::TempStorage exchange;
  } shared;
  __shared__ typename PrefixT::TempStorage prefix_storage;

  const int g = static_cast<int>(blockIdx.x);
  const int tid = static_cast<int>(threadIdx.x);
  const std::size_t seg = plan.segment(g), tile = plan.tile(g);
  if (active != nullptr && active[seg / active_group] == 0) {
    // a finished segment: publish an inclusive identity so that the windows
    // of later segments' look-backs, which may reach here, never wait
    if (tid == 0) tile_state.SetInclusive(g, E::identity());
    return;
  }
  E items[ITEMS];
#pragma unroll
  for (int j = 0; j < ITEMS; ++j) items[j] = load_item<E>(src, seg, plan.striped(tile, BLOCK, tid, j), plan.len);
  if constexpr (ITEMS > 1) {
    ExchangeT(shared.exchange).StripedToBlocked(items, items);
    __syncthreads();
  }
  const E aggregate = thread_reduce(items);
  E prefix;
  if (tile == 0) {
    E block_aggregate;
    BlockScanT(shared.scan).ExclusiveScan(aggregate, prefix, E::identity(), ComposeOp{}, block_aggregate);
    if (tid == 0) tile_state.SetInclusive(g, block_aggregate);
  } else {
    PrefixT callback(tile_state, prefix_storage, ComposeOp{}, g);
    BlockScanT(shared.scan).ExclusiveScan(aggregate, prefix, ComposeOp{}, callback);
  }
  thread_rescan(prefix, items);
  if constexpr (ITEMS > 1) {
    __syncthreads();  // the scan's storage is reused by the exchange
    ExchangeT(shared.exchange).BlockedToStriped(items, items);
  }
#pragma unroll
  for (int j = 0; j < ITEMS; ++j) {
    const std::size_t t = plan.striped(tile, BLOCK, tid, j);
    if (t < plan.len) sink(seg, t, items[j]);
  }
}

/// The sequential baseline: one thread per segment steps through t, applying
/// each element to the state (E::constant of the next element at the state).
template <class E, class Source, class Sink>
__global__ void sequential_scan_kernel(std::size_t segments, std::size_t len, Source src, Sink sink) {
  const std::size_t seg = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (seg >= segments || len == 0) return;
  E cur = src(seg, 0);  // constant: carries h_0
  sink(seg, 0, cur);
  for (std::size_t t = 1; t < len; ++t) {
    cur = E::constant(src(seg, t), cur.states());
    sink(seg, t, cur);
  }
}

/// Scratch for the look-back of one launch, reused between launches.
class TileStateBuffer {
 public:
  TileStateBuffer() = default;
  TileStateBuffer(const TileStateBuffer&) = delete;
  TileStateBuffer& operator=(const TileStateBuffer&) = delete;
  ~TileStateBuffer() { cudaFree(ptr_); }
  void* reserve(std::size_t bytes) {
    if (bytes > bytes_) {
      check(cudaFree(ptr_), "cudaFree");
      ptr_ = nullptr;
      check(cudaMalloc(&ptr_, bytes), "cudaMalloc (scan tile state)");
      bytes_ = bytes;
    }
    return ptr_;
  }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// ---- the chunked scan, for elements too large for CUB's block primitives ----
//
// Dense 16×16 maps (1 KiB in fp32) or PD maps with d = 64 cannot go through
// cub::BlockScan / cub::TilePrefixCallbackOp (their shared-memory buffers
// hold a warp's worth of elements), and composing them is compute-bound
// (O(K³)), so re-reading the input costs little. Each thread owns a chunk of
// kChunk positions (the per-thread layer): reduce the chunks, scan the
// chunk totals of each segment by the same method recursively, then re-run
// every chunk from its exclusive prefix. The decomposition is TilePlan's
// with tile_items = kChunk (tile_plan.hpp).

template <class E, class Source>
__global__ void chunk_reduce_kernel(TilePlan plan, Source src, E* totals, const std::uint8_t* active,
                                    std::size_t active_group) {
  const std::size_t g = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (g >= plan.tiles) return;
  const std::size_t seg = plan.segment(g), tile = plan.tile(g);
  if (active != nullptr && active[seg / active_group] == 0) return;
  E acc = E::identity();
  for (int j = 0; j < kChunk; ++j) {
    const std::size_t t = plan.blocked(tile, kChunk, 0, j);
    if (t < plan.len) acc = E::compose(acc, src(seg, t));
  }
  totals[g] = acc;
}

template <class E, class Source, class Sink>
__global__ void chunk_rescan_kernel(TilePlan plan, Source src, Sink sink, const E* inclusive_totals,
                                    const std::uint8_t* active, std::size_t active_group) {
  const std::size_t g = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (g >= plan.tiles) return;
  const std::size_t seg = plan.segment(g), tile = plan.tile(g);
  if (active != nullptr && active[seg / active_group] == 0) return;
  E acc = tile == 0 ? E::identity() : inclusive_totals[g - 1];
  for (int j = 0; j < kChunk; ++j) {
    const std::size_t t = plan.blocked(tile, kChunk, 0, j);
    if (t >= plan.len) break;
    acc = E::compose(acc, src(seg, t));
    sink(seg, t, acc);
  }
}

/// Element t of segment seg of an array laid out [segment][t].
template <class E>
struct ElementArraySource {
  const E* e;
  std::size_t len;
  __device__ E operator()(std::size_t seg, std::size_t t) const { return e[seg * len + t]; }
};
template <class E>
struct ElementArraySink {
  E* e;
  std::size_t len;
  __device__ void operator()(std::size_t seg, std::size_t t, const E& x) const { e[seg * len + t] = x; }
};

template <class E, class Source, class Sink>
void chunked_scan(std::size_t segments, std::size_t len, const Source& src, const Sink& sink,
                  const std::uint8_t* active, std::size_t active_group, cudaStream_t stream) {
  const TilePlan plan = TilePlan::make(segments, len, kChunk);
  const int threads = 128;
  if (plan.tiles_per_segment == 1) {
    chunk_rescan_kernel<E><<<grid_for(plan.tiles, threads), threads, 0, stream>>>(plan, src, sink, static_cast<const E*>(nullptr),
                                                                                  active, active_group);
    check(cudaGetLastError(), "chunk_rescan_kernel");
    return;
  }
  DeviceBuffer<E> totals(plan.tiles), inclusive(plan.tiles);
  chunk_reduce_kernel<E><<<grid_for(plan.tiles, threads), threads, 0, stream>>>(plan, src, totals.get(), active,
                                                                                active_group);
  check(cudaGetLastError(), "chunk_reduce_kernel");
  chunked_scan<E>(segments, plan.tiles_per_segment, ElementArraySource<E>{totals.get(), plan.tiles_per_segment},
                  ElementArraySink<E>{inclusive.get(), plan.tiles_per_segment}, active, active_group, stream);
  chunk_rescan_kernel<E><<<grid_for(plan.tiles, threads), threads, 0, stream>>>(plan, src, sink, inclusive.get(),
                                                                                active, active_group);
  check(cudaGetLastError(), "chunk_rescan_kernel");
  check(cudaStreamSynchronize(stream), "chunked scan");  // before the buffers go
}

/// Launches the layered scan of `segments` × `len` on `stream`.
template <class E, class Source, class Sink>
void layered_scan(std::size_t segments, std::size_t len, const Source& src, const Sink& sink, TileStateBuffer& scratch,
                  const std::uint8_t* active, std::size_t active_group, cudaStream_t stream) {
  constexpr int BLOCK = LayeredPolicy<E>::block, ITEMS = LayeredPolicy<E>::items;
  if (segments == 0 || len == 0) return;
  const TilePlan plan = TilePlan::make(segments, len, std::size_t(BLOCK) * ITEMS);
  if (plan.tiles > 0x7fffffffu) throw CudaError("scan too large: more than 2^31 tiles");
  const int tiles = static_cast<int>(plan.tiles);
  std::size_t bytes = 0;
  check(TileState<E>::AllocationSize(tiles, bytes), "ScanTileState::AllocationSize");
  TileState<E> state;
  check(state.Init(tiles, scratch.reserve(bytes), bytes), "ScanTileState::Init");
  const int init_threads = 128;
  init_tile_state_kernel<E><<<(tiles + init_threads - 1) / init_threads + 1, init_threads, 0, stream>>>(state, tiles);
  check(cudaGetLastError(), "init_tile_state_kernel");
  layered_scan_kernel<E, BLOCK, ITEMS><<<tiles, BLOCK, 0, stream>>>(plan, state, src, sink, active, active_group);
  check(cudaGetLastError(), "layered_scan_kernel");
}

/// Launches the scan of `segments` × `len` on `stream`: the layered kernel,
/// or the chunked scan for elements too large for it. `active` (optional)
/// holds one flag per group of `active_group` consecutive segments; segments
/// whose flag is 0 are skipped (their sink is not called).
template <class E, class Source, class Sink>
void device_scan(std::size_t segments, std::size_t len, const Source& src, const Sink& sink, TileStateBuffer& scratch,
                 const std::uint8_t* active = nullptr, std::size_t active_group = 1, cudaStream_t stream = 0) {
  if (segments == 0 || len == 0) return;
  if constexpr (LayeredPolicy<E>::fits)
    layered_scan<E>(segments, len, src, sink, scratch, active, active_group, stream);
  else
    chunked_scan<E>(segments, len, src, sink, active, active_group, stream);
}

/// Launches the sequential baseline.
template <class E, class Source, class Sink>
void sequential_scan(std::size_t segments, std::size_t len, const Source& src, const Sink& sink, cudaStream_t stream = 0) {
  if (segments == 0 || len == 0) return;
  const int threads = 128;
  const auto blocks = static_cast<unsigned>((segments + threads - 1) / threads);
  sequential_scan_kernel<E><<<blocks, threads, 0, stream>>>(segments, len, src, sink);
  check(cudaGetLastError(), "sequential_scan_kernel");
}

/// The layered (or chunked) scan, or the sequential baseline, by `algo`.
template <class E, class Source, class Sink>
void scan_by(ScanAlgo algo, std::size_t segments, std::size_t len, const Source& src, const Sink& sink) {
  TileStateBuffer scratch;
  if (algo == ScanAlgo::Sequential)
    sequential_scan<E>(segments, len, src, sink);
  else
    device_scan<E>(segments, len, src, sink, scratch);
}

}  // namespace parallax::kernels::cuda
