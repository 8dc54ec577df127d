// The real type of the helicity-amplitude code: what one "number" is in wavefunctions,
// currents and amplitudes. One source serves three uses, chosen when a translation unit is
// compiled (madnis_plugin/codegen/build.py sets the macros for generated code):
//
//   default                 real = double              (CUDA: one event per thread; tests)
//   MADNIS_FP32             real = float               (single precision)
//   MADNIS_SIMD_BYTES = B   real = simd<T, B/sizeof(T)> (CPU: a vector of events per
//                                                        operation, as madgraph4gpu's cudacpp)
//
// With the vector type, every arithmetic operation acts on B/sizeof(T) events at once, so
// the code must not branch on event data: it computes both sides and picks with
// select(mask, a, b). Branches on masses, helicities and flags (the same for all events)
// stay ordinary ifs. Masses, widths and constants stay double: they convert to `real`
// where they meet event data.
#pragma once

#include <cmath>

#include "madnis/macros.h"

#if defined(MADNIS_SIMD_BYTES) && MADNIS_SIMD_BYTES > 0 && !defined(__CUDACC__)
#define MADNIS_SIMD 1
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <type_traits>
#endif

namespace madnis::helas {

#if defined(MADNIS_FP32)
using real_scalar = float;
#else
using real_scalar = double;
#endif

// Scalar helpers with the same names as the vector ones, so the physics code reads alike.
MADNIS_HD double select(bool m, double a, double b) { return m ? a : b; }
MADNIS_HD float select(bool m, float a, float b) { return m ? a : b; }

#if defined(MADNIS_SIMD)

// W lanes of T in one GCC/Clang vector register (vector extensions: the compiler emits the
// host's SIMD instructions, or scalar code where it has none). Operators are hidden
// friends, so a double on either side converts to a broadcast vector.
template <class T, int W>
struct simd {
    typedef T vec __attribute__((vector_size(W * sizeof(T))));
    using mask_vec = decltype(vec{} < vec{});
    static constexpr int lanes = W;

    // A lane-wise comparison result (all bits set where true).
    struct mask {
        mask_vec m;
        friend mask operator&(mask a, mask b) { return {a.m & b.m}; }
        friend mask operator|(mask a, mask b) { return {a.m | b.m}; }
        friend mask operator!(mask a) { return {~a.m}; }
    };

    vec v;

    simd() : v{} {}
    simd(vec x) : v(x) {}
    simd(double x) : v(vec{} + static_cast<T>(x)) {}  // broadcast

    T operator[](int i) const { return v[i]; }
    void set(int i, T x) { v[i] = x; }

    friend simd operator+(simd a, simd b) { return a.v + b.v; }
    friend simd operator-(simd a, simd b) { return a.v - b.v; }
    friend simd operator*(simd a, simd b) { return a.v * b.v; }
    friend simd operator/(simd a, simd b) { return a.v / b.v; }
    friend simd operator-(simd a) { return -a.v; }
    simd& operator+=(simd b) { v += b.v; return *this; }
    simd& operator-=(simd b) { v -= b.v; return *this; }
    simd& operator*=(simd b) { v *= b.v; return *this; }

    friend mask operator<(simd a, simd b) { return {a.v < b.v}; }
    friend mask operator<=(simd a, simd b) { return {a.v <= b.v}; }
    friend mask operator>(simd a, simd b) { return {a.v > b.v}; }
    friend mask operator>=(simd a, simd b) { return {a.v >= b.v}; }
    friend mask operator==(simd a, simd b) { return {a.v == b.v}; }

    friend simd select(mask m, simd a, simd b) { return m.m ? a.v : b.v; }
    friend simd fabs(simd a) { return select(a < 0.0, -a, a); }
    friend simd sqrt(simd a) {
#if defined(__AVX512F__)
        if constexpr (sizeof(vec) == 64 && std::is_same_v<T, double>) return (vec)_mm512_sqrt_pd((__m512d)a.v);
        if constexpr (sizeof(vec) == 64 && std::is_same_v<T, float>) return (vec)_mm512_sqrt_ps((__m512)a.v);
#endif
#if defined(__AVX__)
        if constexpr (sizeof(vec) == 32 && std::is_same_v<T, double>) return (vec)_mm256_sqrt_pd((__m256d)a.v);
        if constexpr (sizeof(vec) == 32 && std::is_same_v<T, float>) return (vec)_mm256_sqrt_ps((__m256)a.v);
#endif
#if defined(__SSE2__)
        if constexpr (sizeof(vec) == 16 && std::is_same_v<T, double>) return (vec)_mm_sqrt_pd((__m128d)a.v);
        if constexpr (sizeof(vec) == 16 && std::is_same_v<T, float>) return (vec)_mm_sqrt_ps((__m128)a.v);
#endif
        simd r;
        for (int i = 0; i < W; ++i) r.v[i] = std::sqrt(a.v[i]);
        return r;
    }
};

constexpr int SIMD_LANES = MADNIS_SIMD_BYTES / static_cast<int>(sizeof(real_scalar));
static_assert(SIMD_LANES >= 1 && (SIMD_LANES & (SIMD_LANES - 1)) == 0,
              "MADNIS_SIMD_BYTES must be a power-of-two multiple of the scalar size");
using real = simd<real_scalar, SIMD_LANES>;

MADNIS_HD real_scalar lane(const real& x, int i) { return x[i]; }
MADNIS_HD void set_lane(real& x, int i, real_scalar v) { x.set(i, v); }

#else

constexpr int SIMD_LANES = 1;
using real = real_scalar;

MADNIS_HD real_scalar lane(const real& x, int) { return x; }
MADNIS_HD void set_lane(real& x, int, real_scalar v) { x = v; }

#endif

}  // namespace madnis::helas
