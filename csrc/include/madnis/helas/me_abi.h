// The C interface between the core (csrc/bind_me.cpp) and a generated matrix-element
// library (madnis_plugin/codegen). A library is built for one backend and one precision
// (MadnisMeInfo.precision):
//   CPU:  madnis_me_block(batch, b0) evaluates points b0 ... b0 + simd_lanes - 1 (those
//         below n) at once, one per SIMD lane; the core runs its own loop over blocks.
//   CUDA: madnis_me_launch(batch, stream) runs one thread per point on `stream`.
// Both export madnis_me_info(). Pointers in a batch are on the library's device.
//
// Per point b (momenta [n_external, 4] as [E, px, py, pz], legs in process order):
//   me2[b]           |M|² summed over helicities and colours, averaged over the initial
//                    ones, divided by the identical-final-state factor (MG5's SMATRIX)
//   amp2[b, d]       Σ_hel |A_d|² of diagram d (no colour factor), when amp2 != NULL
//   hel_me2[b, h]    the contribution of helicity h to me2, when hel_me2 != NULL
//   hel_out[b]       a helicity configuration drawn from r_hel[b] ∝ its contribution
//   col_out[b]       a leading-colour flow drawn from r_col[b] ∝ Σ_hel |J_flow|²
//   flow_w[b, k]     Σ_hel |J_k|² of leading flow k (0 for the others), when flow_w != NULL
// Only the helicities listed in `helicities` are summed (the others vanish).
#pragma once

#include <stdint.h>

#define MADNIS_ME_ABI_VERSION 2

extern "C" {

struct MadnisMeBatch {
    int64_t n;
    const double* momenta;    // [n, n_external, 4]
    const double* alpha_s;    // [n], or NULL: the couplings as given
    double alpha_s_ref;       // αs at which `couplings` were computed
    const double* couplings;  // [n_couplings, 2] (re, im)
    const double* params;     // [n_params] masses and widths
    const int32_t* helicities;  // [n_hel_used] rows of the helicity table to sum
    int32_t n_hel_used;
    int32_t gauge_leg;        // -1, or a massless vector leg whose polarisation becomes p/E
    const double* r_hel;      // [n] or NULL
    const double* r_col;      // [n] or NULL
    double* me2;              // [n]
    double* amp2;             // [n, n_diagrams] or NULL
    double* hel_me2;          // [n, n_helicities] or NULL
    int32_t* hel_out;         // [n] or NULL
    int32_t* col_out;         // [n] or NULL
    double* flow_w;           // [n, n_flows] or NULL
};

struct MadnisMeInfo {
    int32_t abi_version;
    int32_t n_external;
    int32_t n_diagrams;
    int32_t n_helicities;
    int32_t n_flows;
    int32_t n_couplings;
    int32_t n_params;
    int32_t is_cuda;
    int32_t simd_lanes;  // points per madnis_me_block call (1 on CUDA)
    int32_t precision;   // 'd' double, 'f' single, 'm' mixed (double amplitudes, single colour sum)
};

typedef const MadnisMeInfo* (*MadnisMeInfoFn)(void);
typedef void (*MadnisMeBlockFn)(const MadnisMeBatch*, int64_t b0);
typedef int (*MadnisMeLaunchFn)(const MadnisMeBatch*, uintptr_t stream, int device);

}  // extern "C"
