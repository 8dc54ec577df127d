// One physics source for CPU and CUDA: every function in include/madnis is
// marked MADNIS_HD, compiled as plain C++ by the CPU backend and as
// __host__ __device__ by nvcc for the CUDA backend.
#pragma once

#if defined(__CUDACC__)
#define MADNIS_HD __host__ __device__ inline
#else
#define MADNIS_HD inline
#endif
