// Per-point phase-space operations: a channel program (madnis/phasespace/channel.h)
// run forward or inverse on point b; the bodies of the CPU loop and the CUDA kernel.
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/phasespace/channel.h"

namespace madnis {

// The channel program of each point: one program, or several concatenated (their ints and
// params one after the other, starting at int_offsets[c] and param_offsets[c]) with a
// channel index per point, so that one call maps points of many channels.
struct ChannelTable {
    const int64_t* ints;
    const double* params;
    int n_final, dim;
    const int64_t* channel = nullptr;  // [B]; null: every point uses the program at offset 0
    const int64_t* int_offsets = nullptr;
    const int64_t* param_offsets = nullptr;
    int64_t n_channels = 1;

    // Point b's program, false where it does not exist or does not match n_final and dim.
    MADNIS_HD bool select(int64_t b, ps::ChannelProgram* out) const {
        const int64_t c = channel != nullptr ? channel[b] : 0;
        if (c < 0 || c >= n_channels) return false;
        *out = {ints + (int_offsets != nullptr ? int_offsets[c] : 0),
                params + (param_offsets != nullptr ? param_offsets[c] : 0)};
        return out->valid(n_final, dim);
    }
};

// r[B, dim] → momenta[B, n+2, 4], x1[B], x2[B], weight[B].
struct PhaseSpaceMapOp {
    ChannelTable table;
    const double* r;
    double* momenta;
    double* x1;
    double* x2;
    double* weight;

    MADNIS_HD void operator()(int64_t b) const {
        ps::ChannelProgram channel;
        if (!table.select(b, &channel)) {  // a program that does not match its arguments: loud NaN
            weight[b] = x1[b] = x2[b] = NAN;
            return;
        }
        weight[b] = ps::channel_forward(channel, r + b * table.dim, momenta + b * 4 * (table.n_final + 2), x1 + b,
                                        x2 + b);
    }
};

// momenta[B, n+2, 4] → r[B, dim], weight[B].
struct PhaseSpaceInverseOp {
    ChannelTable table;
    const double* momenta;
    double* r;
    double* weight;

    MADNIS_HD void operator()(int64_t b) const {
        ps::ChannelProgram channel;
        if (!table.select(b, &channel)) {
            weight[b] = NAN;
            return;
        }
        weight[b] = ps::channel_inverse(channel, momenta + b * 4 * (table.n_final + 2), r + b * table.dim);
    }
};

}  // namespace madnis
