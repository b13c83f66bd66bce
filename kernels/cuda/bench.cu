// Scan throughput on device-resident data (api.hpp: bench_scans). Every
// figure of one call is measured in the same process against a
// device-to-device copy of the same bytes, so the ratios are comparable.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/diag_scan.cuh"
#include "kernels/cuda/layered.cuh"
#include "kernels/cuda/sources.cuh"

namespace parallax::kernels::cuda {

namespace {

/// A deterministic hash to [lo, hi): the benchmark's random data.
__device__ inline float hash01(std::size_t i, unsigned salt) {
  unsigned long long x = (i + 1) * 0x9E3779B97F4A7C15ull ^ (static_cast<unsigned long long>(salt) << 32);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return static_cast<float>(x >> 40) * (1.0f / 16777216.0f);
}

template <class S>
__global__ void fill_kernel(S* out, std::size_t n, float lo, float hi, unsigned salt) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = static_cast<S>(lo + (hi - lo) * hash01(i, salt));
}
__global__ void fill_index_kernel(std::uint32_t* out, std::size_t n, std::uint32_t d, unsigned salt) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = static_cast<std::uint32_t>(hash01(i, salt) * d) % d;
}

template <class S>
void fill(DeviceBuffer<S>& b, float lo, float hi, unsigned salt) {
  fill_kernel<S><<<grid_for(b.size(), 256), 256>>>(b.get(), b.size(), lo, hi, salt);
  check(cudaGetLastError(), "fill_kernel");
}

/// max |x − y| over n values (atomicMax on the bits of a non-negative float).
template <class T>
__global__ void max_diff_kernel(const T* x, const T* y, std::size_t n, unsigned* out) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float e = static_cast<float>(fabs(static_cast<double>(x[i]) - static_cast<double>(y[i])));
  if (!(e == e)) e = std::numeric_limits<float>::infinity();
  if (e > 0) atomicMax(out, __float_as_uint(e));
}
template <class T>
double max_diff(const DeviceBuffer<T>& x, const DeviceBuffer<T>& y) {
  DeviceBuffer<unsigned> out(1);
  out.zero();
  max_diff_kernel<T><<<grid_for(x.size(), 256), 256>>>(x.get(), y.get(), x.size(), out.get());
  check(cudaGetLastError(), "max_diff_kernel");
  unsigned bits = 0;
  out.download(&bits);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// Best of `repeats` timings of f() (one warm-up run first).
template <class F>
double best_ms(int repeats, F&& f) {
  f();
  check(cudaDeviceSynchronize(), "warm-up");
  double best = std::numeric_limits<double>::infinity();
  EventTimer ev;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    ev.start();
    f();
    best = std::min(best, ev.stop());
  }
  return best;
}

BenchFigure figure(std::string name, std::size_t elements, std::size_t bytes, double ms, double err) {
  BenchFigure f;
  f.name = std::move(name);
  f.elements = elements;
  f.bytes = bytes;
  f.ms = ms;
  f.gelem_per_s = static_cast<double>(elements) / (ms * 1e6);
  f.gb_per_s = static_cast<double>(bytes) / (ms * 1e6);
  f.max_abs_err = err;
  return f;
}

/// The diagonal scan of `channels` × `len` elements stored as S, accumulated
/// in T: cub, layered and sequential, errors against the sequential one.
template <class T, class S>
void bench_diag(const std::string& tag, std::size_t channels, std::size_t len, int repeats,
                std::vector<BenchFigure>& out) {
  const std::size_t n = channels * len;
  DeviceBuffer<S> a(n), b(n);
  DeviceBuffer<T> h0(channels), h(n), ref(n);
  fill(a, -0.99f, 0.99f, 1), fill(b, -1.f, 1.f, 2), fill(h0, -1.f, 1.f, 3);
  TileStateBuffer scratch;
  DeviceBuffer<unsigned char> temp;
  const std::size_t bytes = n * (2 * sizeof(S) + sizeof(T));
  const double seq_ms = best_ms(1, [&] {
    run_diag_scan<T, S>(a.get(), b.get(), h0.get(), channels, len, ref.get(), ScanAlgo::Sequential, scratch, temp);
  });
  for (ScanAlgo algo : {ScanAlgo::Cub, ScanAlgo::Layered}) {
    const double ms = best_ms(repeats, [&] {
      run_diag_scan<T, S>(a.get(), b.get(), h0.get(), channels, len, h.get(), algo, scratch, temp);
    });
    out.push_back(figure(tag + "/" + algo_name(algo), n, bytes, ms, max_diff(h, ref)));
  }
  out.push_back(figure(tag + "/sequential", n, bytes, seq_ms, 0));
}

/// A k×k block (or dense) scan, layered vs sequential.
template <class T, int K>
void bench_block(const std::string& tag, std::size_t channels, std::size_t len, int repeats,
                 std::vector<BenchFigure>& out) {
  const std::size_t n = channels * len;
  DeviceBuffer<T> m(n * K * K), b(n * K), h0(channels * K), h(n * K), ref(n * K);
  // entries of size about 0.9/K keep the products contractive
  fill(m, -0.9f / K, 0.9f / K, 4), fill(b, -1.f, 1.f, 5), fill(h0, -1.f, 1.f, 6);
  const BlockArraySource<T, K> src{m.get(), b.get(), h0.get(), len, K};
  TileStateBuffer scratch;
  const std::size_t bytes = n * (K * K + 2 * K) * sizeof(T);
  const double seq_ms = best_ms(1, [&] { sequential_scan<BlockElem<T, K>>(channels, len, src, StateSink<T>{ref.get(), len, K}); });
  const double ms = best_ms(repeats, [&] { device_scan<BlockElem<T, K>>(channels, len, src, StateSink<T>{h.get(), len, K}, scratch); });
  out.push_back(figure(tag + "/layered", n, bytes, ms, max_diff(h, ref)));
  out.push_back(figure(tag + "/sequential", n, bytes, seq_ms, 0));
}

/// A PD scan with d = D, layered vs sequential.
template <class T, int D>
void bench_pd(const std::string& tag, std::size_t sequences, std::size_t len, int repeats,
              std::vector<BenchFigure>& out) {
  const std::size_t n = sequences * len;
  DeviceBuffer<std::uint32_t> p(n * D);
  DeviceBuffer<T> dg(n * D), b(n * D), h0(sequences * D), h(n * D), ref(n * D);
  fill_index_kernel<<<grid_for(p.size(), 256), 256>>>(p.get(), p.size(), D, 7);
  check(cudaGetLastError(), "fill_index_kernel");
  fill(dg, -0.99f, 0.99f, 8), fill(b, -1.f, 1.f, 9), fill(h0, -1.f, 1.f, 10);
  const PDArraySource<T, D> src{p.get(), dg.get(), b.get(), h0.get(), len, D};
  TileStateBuffer scratch;
  const std::size_t bytes = n * D * (sizeof(std::uint32_t) + 3 * sizeof(T));
  const double seq_ms = best_ms(1, [&] { sequential_scan<PDElem<T, D>>(sequences, len, src, StateSink<T>{ref.get(), len, D}); });
  const double ms = best_ms(repeats, [&] { device_scan<PDElem<T, D>>(sequences, len, src, StateSink<T>{h.get(), len, D}, scratch); });
  out.push_back(figure(tag + "/layered", n, bytes, ms, max_diff(h, ref)));
  out.push_back(figure(tag + "/sequential", n, bytes, seq_ms, 0));
}

}  // namespace

std::vector<BenchFigure> bench_scans(std::size_t elements, int repeats) {
  require_device();
  std::vector<BenchFigure> out;
  elements = std::max<std::size_t>(elements, 1 << 16);
  // the copy: the bytes of the fp32 diagonal scan's inputs (a and b), read and written
  {
    const std::size_t bytes = elements * 2 * sizeof(float);
    DeviceBuffer<unsigned char> src(bytes), dst(bytes);
    src.zero();
    const double ms = best_ms(repeats, [&] {
      check(cudaMemcpy(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy D2D");
    });
    out.push_back(figure("copy-d2d", elements, 2 * bytes, ms, 0));
  }
  // many channels of one long sequence each: 256 channels × T
  const std::size_t channels = 256, len = std::max<std::size_t>(1, elements / channels);
  bench_diag<float, float>("diag-fp32", channels, len, repeats, out);
  bench_diag<double, double>("diag-fp64", channels, len / 2, repeats, out);
  bench_diag<float, __nv_bfloat16>("diag-bf16in", channels, len, repeats, out);
  const std::size_t small = std::max<std::size_t>(1, len / 16);
  bench_block<float, 2>("block2-fp32", channels, small, repeats, out);
  bench_block<float, 3>("block3-fp32", channels, small, repeats, out);
  bench_pd<float, 8>("pd8-fp32", channels, small / 2, repeats, out);
  bench_pd<float, 64>("pd64-fp32", 64, std::max<std::size_t>(1, small / 32), repeats, out);
  bench_block<float, 16>("dense16-fp32", 64, std::max<std::size_t>(1, small / 64), repeats, out);
  return out;
}

}  // namespace parallax::kernels::cuda
