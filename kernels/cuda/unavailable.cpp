// The CUDA API (api.hpp) of a build without the CUDA backend: it answers the
// queries and refuses every computation with Unavailable.
#include "kernels/cuda/api.hpp"

namespace parallax::kernels::cuda {
namespace {
[[noreturn]] void refuse() { throw Unavailable(device_status()); }
}  // namespace

bool built() { return false; }
bool available() { return false; }
std::string device_status() {
  return "this Parallax was built without the CUDA backend (PARALLAX_CUDA=OFF, or no nvcc when it was configured)";
}
void require_device() { refuse(); }

template <class T>
Timing diag_scan(const T*, const T*, const T*, std::size_t, std::size_t, T*, ScanAlgo) { refuse(); }
Timing diag_scan_half(const std::uint16_t*, const std::uint16_t*, HalfKind, const float*, std::size_t, std::size_t,
                      float*, ScanAlgo) {
  refuse();
}
template <class T>
Timing block_scan(std::size_t, const T*, const T*, const T*, std::size_t, std::size_t, T*, ScanAlgo) { refuse(); }
template <class T>
Timing pd_scan(std::size_t, const std::uint32_t*, const T*, const T*, const T*, std::size_t, std::size_t, T*, ScanAlgo) {
  refuse();
}
template <class T>
NewtonResult newton_solve(const CellWeights<T>&, const T*, const T*, std::size_t, std::size_t, T*, const NewtonOptions&) {
  refuse();
}
template <class T>
Timing sequential_cell(const CellWeights<T>&, const T*, const T*, std::size_t, std::size_t, T*) { refuse(); }
template <class T>
Timing adjoint_scan(const CellWeights<T>&, const T*, const T*, const T*, std::size_t, std::size_t, T*) { refuse(); }
std::vector<BenchFigure> bench_scans(std::size_t, int) { refuse(); }

#define PARALLAX_CUDA_STUB(T)                                                                                       \
  template Timing diag_scan<T>(const T*, const T*, const T*, std::size_t, std::size_t, T*, ScanAlgo);               \
  template Timing block_scan<T>(std::size_t, const T*, const T*, const T*, std::size_t, std::size_t, T*, ScanAlgo); \
  template Timing pd_scan<T>(std::size_t, const std::uint32_t*, const T*, const T*, const T*, std::size_t,         \
                             std::size_t, T*, ScanAlgo);                                                            \
  template NewtonResult newton_solve<T>(const CellWeights<T>&, const T*, const T*, std::size_t, std::size_t, T*,    \
                                        const NewtonOptions&);                                                      \
  template Timing sequential_cell<T>(const CellWeights<T>&, const T*, const T*, std::size_t, std::size_t, T*);      \
  template Timing adjoint_scan<T>(const CellWeights<T>&, const T*, const T*, const T*, std::size_t, std::size_t, T*);
PARALLAX_CUDA_STUB(float)
PARALLAX_CUDA_STUB(double)

}  // namespace parallax::kernels::cuda
