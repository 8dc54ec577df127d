// The CUDA backend's only kernel shape: one thread per point, running the
// same op(b) as the CPU loop, on the stream the caller passes (torch's).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace madnis::cuda {

template <typename Op>
__global__ void for_each_kernel(int64_t n, Op op) {
    const int64_t b = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (b < n) op(b);
}

template <typename Op>
void for_each(int64_t n, const Op& op, uintptr_t stream, int device) {
    if (n == 0) return;
    cudaSetDevice(device);
    constexpr int kThreads = 128;
    const int64_t blocks = (n + kThreads - 1) / kThreads;
    for_each_kernel<<<static_cast<unsigned>(blocks), kThreads, 0,
                      reinterpret_cast<cudaStream_t>(stream)>>>(n, op);
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) {
        throw std::runtime_error(std::string("CUDA kernel launch failed: ") + cudaGetErrorString(err));
    }
}

}  // namespace madnis::cuda
