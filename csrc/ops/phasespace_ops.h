// Per-point phase-space operations: a channel program (madnis/phasespace/channel.h)
// run forward or inverse on point b; the bodies of the CPU loop and the CUDA kernel.
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/phasespace/channel.h"

namespace madnis {

// r[B, dim] → momenta[B, n+2, 4], x1[B], x2[B], weight[B].
struct PhaseSpaceMapOp {
    ps::ChannelProgram channel;
    int n_final, dim;
    const double* r;
    double* momenta;
    double* x1;
    double* x2;
    double* weight;

    MADNIS_HD void operator()(int64_t b) const {
        if (!channel.valid(n_final, dim)) {  // a program that does not match its arguments: loud NaN
            weight[b] = x1[b] = x2[b] = NAN;
            return;
        }
        weight[b] = ps::channel_forward(channel, r + b * dim, momenta + b * 4 * (n_final + 2), x1 + b, x2 + b);
    }
};

// momenta[B, n+2, 4] → r[B, dim], weight[B].
struct PhaseSpaceInverseOp {
    ps::ChannelProgram channel;
    int n_final, dim;
    const double* momenta;
    double* r;
    double* weight;

    MADNIS_HD void operator()(int64_t b) const {
        if (!channel.valid(n_final, dim)) {
            weight[b] = NAN;
            return;
        }
        weight[b] = ps::channel_inverse(channel, momenta + b * 4 * (n_final + 2), r + b * dim);
    }
};

}  // namespace madnis
