#include "cuda/entry.h"
#include "cuda/launch.cuh"

namespace madnis::cuda {

bool device_available() {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

void launch(int64_t n, const PdfXfxOp& op, uintptr_t stream, int device) {
    for_each(n, op, stream, device);
}
void launch(int64_t n, const AlphasOp& op, uintptr_t stream, int device) {
    for_each(n, op, stream, device);
}

}  // namespace madnis::cuda
