// Entry points of the CUDA backend, callable from host-only C++ (the bind_*.cpp
// files). Each domain's cuda/<domain>.cu defines launch() for its ops, which
// runs the op over n points on the given stream (see cuda/launch.cuh).
#pragma once

#include <cstdint>

#include "ops/cut_ops.h"
#include "ops/pdf_ops.h"
#include "ops/phasespace_ops.h"

namespace madnis::cuda {

bool device_available();

// cuda/pdf.cu
void launch(int64_t n, const PdfXfxOp& op, uintptr_t stream, int device);
void launch(int64_t n, const AlphasOp& op, uintptr_t stream, int device);
void launch(int64_t n, const RunningAlphasOp& op, uintptr_t stream, int device);

// cuda/cuts.cu
void launch(int64_t n, const CutsOp& op, uintptr_t stream, int device);
void launch(int64_t n, const ScalesOp& op, uintptr_t stream, int device);

// cuda/phasespace.cu
void launch(int64_t n, const PhaseSpaceMapOp& op, uintptr_t stream, int device);
void launch(int64_t n, const PhaseSpaceInverseOp& op, uintptr_t stream, int device);

}  // namespace madnis::cuda
