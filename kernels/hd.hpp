#pragma once
// PARALLAX_HD marks a function that is compiled for the host and, under nvcc,
// for the device too: the formulas of the scan operators and of the cells are
// written once and shared by the CPU code (g++) and the CUDA kernels.
#if defined(__CUDACC__)
#define PARALLAX_HD __host__ __device__ __forceinline__
#else
#define PARALLAX_HD inline
#endif
