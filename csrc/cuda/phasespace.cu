// CUDA launches of the phase-space channel ops: the kernels are cuda/launch.cuh's loop.
#include "cuda/entry.h"
#include "cuda/launch.cuh"

namespace madnis::cuda {

void launch(int64_t n, const PhaseSpaceMapOp& op, uintptr_t stream, int device) { for_each(n, op, stream, device); }
void launch(int64_t n, const PhaseSpaceInverseOp& op, uintptr_t stream, int device) {
    for_each(n, op, stream, device);
}

}  // namespace madnis::cuda
