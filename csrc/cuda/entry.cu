#include <cuda_runtime.h>

#include "cuda/entry.h"

namespace madnis::cuda {

bool device_available() {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

}  // namespace madnis::cuda
