#pragma once
// The diagonal scan from device memory by any of the three algorithms (CUDA
// only; shared by scan_diag.cu and bench.cu).
#include <cub/device/device_scan.cuh>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/iterator/transform_output_iterator.h>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/layered.cuh"
#include "kernels/cuda/sources.cuh"

namespace parallax::kernels::cuda {

/// Element k of the flattened [channel][t] sequence, h0 folded in at t = 0
/// (a = 0 there, so no prefix crosses a channel boundary). Index is 32-bit
/// where the total fits: 64-bit division costs more than the element's load.
template <class T, class S, class Index>
struct FlatDiagLoad {
  const S* a;
  const S* b;
  const T* h0;
  Index len;
  __device__ DiagElem<T> operator()(Index k) const {
    const DiagElem<T> e{static_cast<T>(a[k]), static_cast<T>(b[k])};
    const Index seg = k / len;
    return k - seg * len == 0 ? DiagElem<T>::constant(e, h0 + seg) : e;
  }
};

template <class T>
struct TakeState {
  __device__ T operator()(const DiagElem<T>& e) const { return e.b; }
};

template <class T, class S, class Index>
void cub_diag_scan(const S* a, const S* b, const T* h0, std::size_t channels, std::size_t len, T* h,
                   DeviceBuffer<unsigned char>& temp) {
  const Index n = static_cast<Index>(channels * len);
  auto in = thrust::make_transform_iterator(thrust::counting_iterator<Index>(0),
                                            FlatDiagLoad<T, S, Index>{a, b, h0, static_cast<Index>(len)});
  auto out = thrust::make_transform_output_iterator(h, TakeState<T>{});
  std::size_t bytes = 0;
  check(cub::DeviceScan::InclusiveScan(nullptr, bytes, in, out, ComposeOp{}, n), "cub::DeviceScan (size)");
  if (temp.size() < bytes) temp = DeviceBuffer<unsigned char>(bytes);
  check(cub::DeviceScan::InclusiveScan(temp.get(), bytes, in, out, ComposeOp{}, n), "cub::DeviceScan");
}

/// h [channel][t] from a, b (stored as S) and h0, on the default stream.
template <class T, class S>
void run_diag_scan(const S* a, const S* b, const T* h0, std::size_t channels, std::size_t len, T* h, ScanAlgo algo,
                   TileStateBuffer& scratch, DeviceBuffer<unsigned char>& cub_temp) {
  if (channels == 0 || len == 0) return;
  const DiagArraySource<T, S> src{a, b, h0, len};
  const StateSink<T> sink{h, len, 1};
  switch (algo) {
    case ScanAlgo::Cub:
      if (channels * len < (std::size_t(1) << 31))
        cub_diag_scan<T, S, std::uint32_t>(a, b, h0, channels, len, h, cub_temp);
      else
        cub_diag_scan<T, S, std::uint64_t>(a, b, h0, channels, len, h, cub_temp);
      return;
    case ScanAlgo::Layered: device_scan<DiagElem<T>>(channels, len, src, sink, scratch); return;
    case ScanAlgo::Sequential: sequential_scan<DiagElem<T>>(channels, len, src, sink); return;
  }
}

}  // namespace parallax::kernels::cuda
