// Per-point operations on PDF grids and αs tables: the bodies of the batch
// loops (cpu/) and kernels (cuda/), one source for both backends.
#pragma once

#include <cstdint>

#include "madnis/alphas.h"
#include "madnis/pdf_grid.h"
#include "madnis/running_alphas.h"

namespace madnis {

// out[b, f] = x·f(pids[f]) at (x[b], q2[b]), or with per_point, out[b] = x·f(pids[b]).
struct PdfXfxOp {
    PdfGridView grid;
    const int32_t* pids;
    int n_flavours;
    bool per_point;
    const double* x;
    const double* q2;
    double* out;

    MADNIS_HD void operator()(int64_t b) const {
        if (per_point) {
            out[b] = pdf_xfx(grid, pids[b], x[b], q2[b]);
            return;
        }
        const double lx = log(x[b]), lq2 = log(q2[b]);
        double* row = out + b * n_flavours;
        const bool inside = lx >= grid.log_xmin() && lx <= grid.log_xmax() &&
                            lq2 >= grid.log_q2min() && lq2 <= grid.log_q2max();
        if (inside) {
            // One stencil serves every flavour of the point.
            const PdfStencil st = pdf_stencil(grid, lx, lq2);
            for (int f = 0; f < n_flavours; ++f) row[f] = pdf_apply(grid, st, grid.slot(pids[f]));
        } else {
            for (int f = 0; f < n_flavours; ++f) {
                row[f] = pdf_xfx_lx_lq2(grid, grid.slot(pids[f]), lx, lq2);
            }
        }
    }
};

struct AlphasOp {
    AlphasTableView table;
    const double* q2;
    double* out;

    MADNIS_HD void operator()(int64_t b) const { out[b] = alphas_interpolate(table, q2[b]); }
};

struct RunningAlphasOp {
    RunningAlphas params;
    const double* q;
    double* out;

    MADNIS_HD void operator()(int64_t b) const { out[b] = running_alphas(params, q[b]); }
};

}  // namespace madnis
