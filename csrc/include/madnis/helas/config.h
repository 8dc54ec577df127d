// How the helicity-amplitude routines are compiled. By default they are inline, like all
// header physics. Generated code for a large process defines MADNIS_HELAS_NOINLINE before
// including the headers: each routine is then compiled once and called, instead of being
// inlined at thousands of call sites, since the compilers' time (nvcc's above all) grows
// much faster than linearly with the size of one function.
#pragma once

#include "madnis/macros.h"

#if defined(MADNIS_HELAS_NOINLINE)
#if defined(__CUDACC__)
#define MADNIS_HELAS_FN __host__ __device__ __noinline__
#else
#define MADNIS_HELAS_FN __attribute__((noinline)) inline
#endif
#else
#define MADNIS_HELAS_FN MADNIS_HD
#endif

// Small routines whose work overlaps between consecutive calls (the colour pieces of one
// four-gluon vertex share dot products): inlined even where the compiler would not, so that
// it can compute the shared parts once.
#if defined(__CUDACC__)
#define MADNIS_HD_ALWAYS_INLINE __host__ __device__ __forceinline__
#else
#define MADNIS_HD_ALWAYS_INLINE inline __attribute__((always_inline))
#endif
