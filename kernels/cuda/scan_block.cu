// k×k block scans (block-diagonal and dense LRNNs, k ≤ 16) on the device
// (api.hpp). A runtime k is padded to the next compiled size with zero rows
// and columns, which changes no entry of the first k.
#include <string>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/layered.cuh"
#include "kernels/cuda/sources.cuh"

namespace parallax::kernels::cuda {

namespace {
template <class T, int K>
void block_run(ScanAlgo algo, int k, const T* m, const T* b, const T* h0, std::size_t channels, std::size_t len, T* h) {
  scan_by<BlockElem<T, K>>(algo, channels, len, BlockArraySource<T, K>{m, b, h0, len, k}, StateSink<T>{h, len, k});
}

}  // namespace

template <class T>
Timing block_scan(std::size_t k, const T* m, const T* b, const T* h0, std::size_t channels, std::size_t len, T* h,
                  ScanAlgo algo) {
  if (k < 1 || k > 16) throw std::invalid_argument("block_scan: block size " + std::to_string(k) + " is not in 1..16");
  if (algo == ScanAlgo::Cub) throw std::invalid_argument("block_scan: the cub algorithm scans diagonal maps only");
  require_device();
  WallTimer wall;
  const std::size_t n = channels * len;
  DeviceBuffer<T> dm(m, n * k * k), db(b, n * k), dh0(h0, channels * k), dh(n * k);
  EventTimer ev;
  ev.start();
  const int ki = static_cast<int>(k);
  if (k <= 2)
    block_run<T, 2>(algo, ki, dm.get(), db.get(), dh0.get(), channels, len, dh.get());
  else if (k == 3)
    block_run<T, 3>(algo, ki, dm.get(), db.get(), dh0.get(), channels, len, dh.get());
  else if (k == 4)
    block_run<T, 4>(algo, ki, dm.get(), db.get(), dh0.get(), channels, len, dh.get());
  else if (k <= 8)
    block_run<T, 8>(algo, ki, dm.get(), db.get(), dh0.get(), channels, len, dh.get());
  else
    block_run<T, 16>(algo, ki, dm.get(), db.get(), dh0.get(), channels, len, dh.get());
  Timing tm;
  tm.kernel_ms = ev.stop();
  dh.download(h);
  tm.total_ms = wall.ms();
  return tm;
}

template Timing block_scan<float>(std::size_t, const float*, const float*, const float*, std::size_t, std::size_t,
                                  float*, ScanAlgo);
template Timing block_scan<double>(std::size_t, const double*, const double*, const double*, std::size_t, std::size_t,
                                   double*, ScanAlgo);
}  // namespace parallax::kernels::cuda
