// Per-event operations for the run_card cuts and scales: the bodies of the batch loop
// (cpu/) and kernel (cuda/), one source for both backends.
#pragma once

#include <cstdint>

#include "madnis/cuts.h"
#include "madnis/scales.h"

namespace madnis {

// out[b] = 1 when event b (momenta p[b, n_out + 2, 4]) passes every cut, else 0.
struct CutsOp {
    const double* params;  // kNumCutParams values (madnis/cuts.h)
    const int32_t* flags;  // [n_out] kLeg* flags
    const int32_t* pdg;    // [n_out] PDG ids of the outgoing legs
    int n_out;
    const double* p;
    bool* out;

    MADNIS_HD void operator()(int64_t b) const {
        out[b] = passes_cuts(params, flags, pdg, n_out, p + b * 4 * (n_out + 2));
    }
};

// μR, μF1, μF2 of event b (momenta p[b, n_legs, 4], PDG ids of all legs).
struct ScalesOp {
    const double* params;  // kNumScaleParams values (madnis/scales.h)
    const int32_t* pdg;    // [n_legs]
    int n_legs;
    ScDiagrams diagrams;   // the subprocess's diagrams and the channel (madnis/scales.h)
    const double* p;
    double* mur;
    double* muf1;
    double* muf2;
    const int64_t* channels = nullptr;  // [B] each point's channel (diagram row, -1: none); null: diagrams.channel

    MADNIS_HD void operator()(int64_t b) const {
        ScDiagrams dg = diagrams;
        if (channels != nullptr) {
            if (channels[b] < -1 || channels[b] >= dg.n_diagrams) {  // no such row: loud NaN
                mur[b] = muf1[b] = muf2[b] = NAN;
                return;
            }
            dg.channel = static_cast<int>(channels[b]);
        }
        event_scales(params, pdg, n_legs, dg, p + b * 4 * n_legs, mur + b, muf1 + b, muf2 + b);
    }
};

}  // namespace madnis
