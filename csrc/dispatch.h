// Running an op from csrc/ops over a batch on the device of a tensor argument:
// the CPU loop (GIL released) or the CUDA kernel on the caller's stream.
// Each domain's CUDA entry points (cuda/*.cu) provide launch(n, op, stream, device)
// overloads for their ops.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>

#include "cpu/parallel.h"
#include "tensor_arg.h"

namespace madnis {

template <typename Op, typename CudaLaunch>
void dispatch(int64_t n, const Op& op, const TensorArg& where, uintptr_t stream, CudaLaunch&& cuda_launch) {
    if (where.is_cpu()) {
        pybind11::gil_scoped_release unlocked;
        cpu::for_each(n, op);
        return;
    }
#ifdef MADNIS_WITH_CUDA
    if (where.is_cuda()) {
        cuda_launch(n, op, stream, where.device_id());
        return;
    }
#else
    (void)cuda_launch;
    (void)stream;
#endif
    where.fail(where.is_cuda() ? "this build of madnis has no CUDA support (rebuild with nvcc "
                                 "available, or pass CPU tensors)"
                               : "unsupported device");
}

}  // namespace madnis

// Shorthand for the common case: the CUDA launcher is the overload set madnis::cuda::launch.
#ifdef MADNIS_WITH_CUDA
#define MADNIS_DISPATCH(n, op, where, stream)                                                    \
    ::madnis::dispatch((n), (op), (where), (stream), [](int64_t n_, const auto& op_, uintptr_t s_, \
                                                        int d_) { ::madnis::cuda::launch(n_, op_, s_, d_); })
#else
#define MADNIS_DISPATCH(n, op, where, stream) \
    ::madnis::dispatch((n), (op), (where), (stream), [](int64_t, const auto&, uintptr_t, int) {})
#endif
