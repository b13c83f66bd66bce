#pragma once
// Error checking and device buffers for the CUDA backend (CUDA only).
#include <cuda_runtime.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda/api.hpp"

namespace parallax::kernels::cuda {

/// Throws CudaError naming the call when e is not cudaSuccess.
inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear a sticky launch error where possible
    throw CudaError(std::string(what) + ": " + cudaGetErrorString(e));
  }
}

/// A device array of n values of T, freed on scope exit.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n > 0) check(cudaMalloc(&p_, n * sizeof(T)), "cudaMalloc");
  }
  DeviceBuffer(const T* host, std::size_t n) : DeviceBuffer(n) { upload(host); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~DeviceBuffer() { cudaFree(p_); }
  void upload(const T* host) {
    if (n_ > 0) check(cudaMemcpy(p_, host, n_ * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy to device");
  }
  void download(T* host) const {
    if (n_ > 0) check(cudaMemcpy(host, p_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
  }
  void zero() {
    if (n_ > 0) check(cudaMemset(p_, 0, n_ * sizeof(T)), "cudaMemset");
  }
  T* get() const { return p_; }
  std::size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

/// Times the kernels enqueued between start() and stop() with CUDA events.
class EventTimer {
 public:
  EventTimer() {
    check(cudaEventCreate(&a_), "cudaEventCreate");
    check(cudaEventCreate(&b_), "cudaEventCreate");
  }
  ~EventTimer() {
    cudaEventDestroy(a_);
    cudaEventDestroy(b_);
  }
  void start() { check(cudaEventRecord(a_), "cudaEventRecord"); }
  /// Waits for the device and returns the milliseconds since start().
  double stop() {
    check(cudaEventRecord(b_), "cudaEventRecord");
    check(cudaEventSynchronize(b_), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, a_, b_), "cudaEventElapsedTime");
    return ms;
  }

 private:
  cudaEvent_t a_{}, b_{};
};

/// Wall-clock milliseconds since construction.
class WallTimer {
 public:
  double ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

/// Blocks for a 1-D launch of n threads.
inline unsigned grid_for(std::size_t n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace parallax::kernels::cuda
