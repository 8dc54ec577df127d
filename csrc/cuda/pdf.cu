// CUDA launches of the PDF and αs ops: the kernels are cuda/launch.cuh's loop.
#include "cuda/entry.h"
#include "cuda/launch.cuh"

namespace madnis::cuda {

void launch(int64_t n, const PdfXfxOp& op, uintptr_t stream, int device) { for_each(n, op, stream, device); }
void launch(int64_t n, const AlphasOp& op, uintptr_t stream, int device) { for_each(n, op, stream, device); }
void launch(int64_t n, const RunningAlphasOp& op, uintptr_t stream, int device) { for_each(n, op, stream, device); }

}  // namespace madnis::cuda
