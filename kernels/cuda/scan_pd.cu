// Permutation-diagonal scans (d ≤ 64) on the device (api.hpp). A runtime d
// is padded to the next compiled size with coordinates that map to
// themselves with a zero state, which never reach the first d.
#include <string>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/layered.cuh"
#include "kernels/cuda/sources.cuh"

namespace parallax::kernels::cuda {

namespace {
template <class T, int D>
void pd_run(ScanAlgo algo, int d, const std::uint32_t* p, const T* dg, const T* b, const T* h0, std::size_t sequences,
            std::size_t len, T* h) {
  scan_by<PDElem<T, D>>(algo, sequences, len, PDArraySource<T, D>{p, dg, b, h0, len, d}, StateSink<T>{h, len, d});
}
}  // namespace

template <class T>
Timing pd_scan(std::size_t d, const std::uint32_t* p, const T* D, const T* b, const T* h0, std::size_t sequences,
               std::size_t len, T* h, ScanAlgo algo) {
  if (d < 1 || d > 64) throw std::invalid_argument("pd_scan: dimension " + std::to_string(d) + " is not in 1..64");
  if (algo == ScanAlgo::Cub) throw std::invalid_argument("pd_scan: the cub algorithm scans diagonal maps only");
  const std::size_t n = sequences * len;
  for (std::size_t i = 0; i < n * d; ++i)
    if (p[i] >= d)
      throw std::invalid_argument("pd_scan: p[" + std::to_string(i) + "] = " + std::to_string(p[i]) +
                                  " is not a coordinate below d = " + std::to_string(d));
  require_device();
  WallTimer wall;
  DeviceBuffer<std::uint32_t> dp(p, n * d);
  DeviceBuffer<T> dD(D, n * d), db(b, n * d), dh0(h0, sequences * d), dh(n * d);
  EventTimer ev;
  ev.start();
  const int di = static_cast<int>(d);
  if (d <= 8)
    pd_run<T, 8>(algo, di, dp.get(), dD.get(), db.get(), dh0.get(), sequences, len, dh.get());
  else if (d <= 16)
    pd_run<T, 16>(algo, di, dp.get(), dD.get(), db.get(), dh0.get(), sequences, len, dh.get());
  else if (d <= 32)
    pd_run<T, 32>(algo, di, dp.get(), dD.get(), db.get(), dh0.get(), sequences, len, dh.get());
  else
    pd_run<T, 64>(algo, di, dp.get(), dD.get(), db.get(), dh0.get(), sequences, len, dh.get());
  Timing tm;
  tm.kernel_ms = ev.stop();
  dh.download(h);
  tm.total_ms = wall.ms();
  return tm;
}

template Timing pd_scan<float>(std::size_t, const std::uint32_t*, const float*, const float*, const float*,
                               std::size_t, std::size_t, float*, ScanAlgo);
template Timing pd_scan<double>(std::size_t, const std::uint32_t*, const double*, const double*, const double*,
                                std::size_t, std::size_t, double*, ScanAlgo);

}  // namespace parallax::kernels::cuda
