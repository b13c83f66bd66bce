// Diagonal affine scans on the device (api.hpp): cub::DeviceScan, the layered
// kernel, and the sequential baseline.
#include <cub/device/device_scan.cuh>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/iterator/transform_output_iterator.h>

#include <cstring>
#include <vector>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/diag_scan.cuh"
#include "kernels/cuda/layered.cuh"
#include "kernels/cuda/sources.cuh"

namespace parallax::kernels::cuda {

template <class T>
Timing diag_scan(const T* a, const T* b, const T* h0, std::size_t channels, std::size_t len, T* h, ScanAlgo algo) {
  require_device();
  WallTimer wall;
  const std::size_t n = channels * len;
  DeviceBuffer<T> da(a, n), db(b, n), dh0(h0, channels), dh(n);
  EventTimer ev;
  ev.start();
  TileStateBuffer scratch;
  DeviceBuffer<unsigned char> cub_temp;
  run_diag_scan<T, T>(da.get(), db.get(), dh0.get(), channels, len, dh.get(), algo, scratch, cub_temp);
  Timing tm;
  tm.kernel_ms = ev.stop();
  dh.download(h);
  tm.total_ms = wall.ms();
  return tm;
}

Timing diag_scan_half(const std::uint16_t* a, const std::uint16_t* b, HalfKind kind, const float* h0,
                      std::size_t channels, std::size_t len, float* h, ScanAlgo algo) {
  require_device();
  WallTimer wall;
  const std::size_t n = channels * len;
  DeviceBuffer<std::uint16_t> da(a, n), db(b, n);
  DeviceBuffer<float> dh0(h0, channels), dh(n);
  EventTimer ev;
  ev.start();
  TileStateBuffer scratch;
  DeviceBuffer<unsigned char> cub_temp;
  if (kind == HalfKind::Bf16)
    run_diag_scan<float, __nv_bfloat16>(reinterpret_cast<const __nv_bfloat16*>(da.get()),
                                        reinterpret_cast<const __nv_bfloat16*>(db.get()), dh0.get(), channels, len,
                                        dh.get(), algo, scratch, cub_temp);
  else
    run_diag_scan<float, __half>(reinterpret_cast<const __half*>(da.get()), reinterpret_cast<const __half*>(db.get()),
                                 dh0.get(), channels, len, dh.get(), algo, scratch, cub_temp);
  Timing tm;
  tm.kernel_ms = ev.stop();
  dh.download(h);
  tm.total_ms = wall.ms();
  return tm;
}

template Timing diag_scan<float>(const float*, const float*, const float*, std::size_t, std::size_t, float*, ScanAlgo);
template Timing diag_scan<double>(const double*, const double*, const double*, std::size_t, std::size_t, double*,
                                  ScanAlgo);

}  // namespace parallax::kernels::cuda
