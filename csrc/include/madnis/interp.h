// 1-D cubic Hermite interpolation with finite-difference slopes, written as
// weights on the four knot values around the interval, as LHAPDF 6 does it
// (arXiv:1412.7420, section 3): on [k_i, k_{i+1}] with t = (v - k_i)/Δ_i,
//   f(t) = h00(t) f_i + h10(t) Δ_i f'_i + h01(t) f_{i+1} + h11(t) Δ_i f'_{i+1},
// where Δ_i f'_i is the mean of the two neighbouring slopes (one-sided at the
// ends of the knot array). The result is linear in the knot values, so one set
// of weights serves every flavour of a PDF grid.
#pragma once

#include "madnis/macros.h"

namespace madnis {

// Index i of the interval [k_i, k_{i+1}] holding v: the last knot <= v,
// clamped to [0, n-2] (v on the top knot belongs to the last interval).
MADNIS_HD int find_interval(const double* knots, int n, double v) {
    int lo = 0, hi = n;  // first knot > v lies in [lo, hi]
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (knots[mid] <= v) lo = mid + 1; else hi = mid;
    }
    int i = lo - 1;
    if (i < 0) i = 0;
    if (i > n - 2) i = n - 2;
    return i;
}

// Weights w[0..3] on knot values f[i-1], f[i], f[i+1], f[i+2] (weights of
// knots outside [0, n-1] are zero). n >= 4 gives the cubic scheme; n < 4
// falls back to linear interpolation, as LHAPDF does in Q² for short subgrids.
MADNIS_HD void hermite_weights(const double* knots, int n, int i, double v, double w[4]) {
    const double d1 = knots[i + 1] - knots[i];
    const double t = (v - knots[i]) / d1;
    w[0] = w[1] = w[2] = w[3] = 0.0;
    if (n < 4) {
        w[1] = 1.0 - t;
        w[2] = t;
        return;
    }
    const double t2 = t * t, t3 = t2 * t;
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t;
    const double h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    // Scaled slope at knot i, s0 = Δ_i f'_i, as weights on (f[i-1], f[i], f[i+1]).
    double s0m = 0, s00 = -1, s01 = 1;  // forward difference f[i+1] - f[i]
    if (i > 0) {
        const double r = d1 / (knots[i] - knots[i - 1]);
        s0m = -0.5 * r; s00 = 0.5 * (r - 1); s01 = 0.5;
    }
    // Scaled slope at knot i+1, s1 = Δ_i f'_{i+1}, on (f[i], f[i+1], f[i+2]).
    double s10 = -1, s11 = 1, s12 = 0;  // backward difference f[i+1] - f[i]
    if (i + 2 < n) {
        const double r = d1 / (knots[i + 2] - knots[i + 1]);
        s10 = -0.5; s11 = 0.5 * (1 - r); s12 = 0.5 * r;
    }
    w[0] = h10 * s0m;
    w[1] = h00 + h10 * s00 + h11 * s10;
    w[2] = h01 + h10 * s01 + h11 * s11;
    w[3] = h11 * s12;
}

}  // namespace madnis
