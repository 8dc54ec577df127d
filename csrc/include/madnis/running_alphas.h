// αs(Q) as MG5 computes it at LO: running from αs(MZ) with the one- or two-loop
// MS-bar β function, five flavours above mb, four between mc and mb, three
// below, αs continuous at the thresholds (no top flavour). MG5 solves the
// two-loop equation by Newton iteration; so do we, to machine precision.
//
// With t = ln Q² and dα/dt = -b0 α² - b1 α³, the exact two-loop solution obeys
//   H(α) = H(α0) + (t - t0),   H(α) = 1/(b0 α) + (b1/b0²) ln(α / (b0 + b1 α)),
// solved from the one-loop value as the starting point.
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis {

struct RunningAlphas {
    double alpha_mz;
    double mz;
    double mc;
    double mb;
    int nloop;  // 1 or 2
};

MADNIS_HD double beta0(int nf) { return (33.0 - 2.0 * nf) / (12.0 * M_PI); }
MADNIS_HD double beta1(int nf) { return (153.0 - 19.0 * nf) / (24.0 * M_PI * M_PI); }

// αs at ln Q² = t1 from αs = a0 at t0 with nf fixed flavours.
MADNIS_HD double run_alphas_fixed_nf(double a0, double t0, double t1, int nf, int nloop) {
    const double b0 = beta0(nf);
    double a = 1.0 / (1.0 / a0 + b0 * (t1 - t0));
    if (nloop < 2) return a;
    const double b1 = beta1(nf);
    const double c = b1 / (b0 * b0);
    auto h = [&](double x) { return 1.0 / (b0 * x) + c * log(x / (b0 + b1 * x)); };
    const double target = h(a0) + (t1 - t0);
    for (int it = 0; it < 30; ++it) {
        const double dh = -1.0 / (b0 * a * a) + b1 / (b0 * a * (b0 + b1 * a));
        const double step = (h(a) - target) / dh;
        a -= step;
        if (fabs(step) <= 1e-15 * a) break;
    }
    return a;
}

MADNIS_HD double running_alphas(const RunningAlphas& p, double q) {
    const double t = 2.0 * log(q), tz = 2.0 * log(p.mz), tb = 2.0 * log(p.mb), tc = 2.0 * log(p.mc);
    if (t >= tb) return run_alphas_fixed_nf(p.alpha_mz, tz, t, 5, p.nloop);
    const double ab = run_alphas_fixed_nf(p.alpha_mz, tz, tb, 5, p.nloop);
    if (t >= tc) return run_alphas_fixed_nf(ab, tb, t, 4, p.nloop);
    const double ac = run_alphas_fixed_nf(ab, tb, tc, 4, p.nloop);
    return run_alphas_fixed_nf(ac, tc, t, 3, p.nloop);
}

}  // namespace madnis
