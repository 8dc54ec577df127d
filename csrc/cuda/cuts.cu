// CUDA launches of the cut and scale ops: the kernels are cuda/launch.cuh's loop.
#include "cuda/entry.h"
#include "cuda/launch.cuh"

namespace madnis::cuda {

void launch(int64_t n, const CutsOp& op, uintptr_t stream, int device) { for_each(n, op, stream, device); }
void launch(int64_t n, const ScalesOp& op, uintptr_t stream, int device) { for_each(n, op, stream, device); }

}  // namespace madnis::cuda
