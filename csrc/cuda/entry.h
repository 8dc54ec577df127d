// Entry points of the CUDA backend, callable from host-only C++ (bindings).
// Each launches an op from csrc/ops on the given stream.
#pragma once

#include <cstdint>

#include "ops/pdf_ops.h"

namespace madnis::cuda {

bool device_available();
void launch(int64_t n, const PdfXfxOp& op, uintptr_t stream, int device);
void launch(int64_t n, const AlphasOp& op, uintptr_t stream, int device);

}  // namespace madnis::cuda
