// Device queries of the CUDA backend (api.hpp).
#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "kernels/cuda/api.hpp"
#include "kernels/cuda/check.cuh"

namespace parallax::kernels::cuda {

bool built() { return true; }

namespace {
/// The number of visible devices, or the driver's reason for none.
int device_count(std::string* why) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    if (why) *why = cudaGetErrorString(e);
    return 0;
  }
  if (n == 0 && why) *why = "the driver reports 0 devices";
  return n;
}
}  // namespace

bool available() { return device_count(nullptr) > 0; }

std::string device_status() {
  std::string why;
  if (device_count(&why) == 0) return "no CUDA device visible: " + why;
  int dev = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&prop, dev) != cudaSuccess) {
    cudaGetLastError();
    return "no usable CUDA device: cudaGetDeviceProperties failed";
  }
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s, sm_%d%d, %.1f GiB, %d SMs, runtime %d.%d, driver %d.%d", prop.name, prop.major,
                prop.minor, static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0),
                prop.multiProcessorCount, runtime / 1000, (runtime % 1000) / 10, driver / 1000, (driver % 1000) / 10);
  return buf;
}

void require_device() {
  if (!available()) throw Unavailable(device_status());
}


}  // namespace parallax::kernels::cuda
