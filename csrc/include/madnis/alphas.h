// αs(Q²) interpolated in ln Q² from values tabulated on knots, as LHAPDF's
// "ipol" αs does (cubic Hermite with finite-difference slopes, knots split
// into separate segments where a knot repeats at a flavour threshold).
// Below the first knot: power law through the first two distinct knots;
// above the last knot: constant.
//
// Packed by madnis_plugin/pdf/alphas.py:
//   segments (int64): [n_segments, then per segment: offset, length]
//   logq2, values (double): knots and αs values of all segments.
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/interp.h"
#include "madnis/macros.h"

namespace madnis {

struct AlphasTableView {
    const int64_t* segments;
    const double* logq2;
    const double* values;
};

MADNIS_HD double alphas_interpolate(const AlphasTableView& t, double q2) {
    const int nseg = static_cast<int>(t.segments[0]);
    const double lq2 = log(q2);
    const int64_t first = t.segments[1];
    if (lq2 < t.logq2[first]) {
        const double a = t.logq2[first], b = t.logq2[first + 1];
        const double grad = log(t.values[first + 1] / t.values[first]) / (b - a);
        return t.values[first] * exp(grad * (lq2 - a));
    }
    int s = 0;
    while (s + 1 < nseg && t.logq2[t.segments[1 + 2 * (s + 1)]] <= lq2) ++s;
    const int64_t off = t.segments[1 + 2 * s];
    const int n = static_cast<int>(t.segments[2 + 2 * s]);
    const double* k = t.logq2 + off;
    const double* v = t.values + off;
    if (s == nseg - 1 && lq2 > k[n - 1]) return v[n - 1];
    const int i = find_interval(k, n, lq2);
    double w[4];
    hermite_weights(k, n, i, lq2, w);
    double sum = 0.0;
    for (int j = 0; j < 4; ++j) {
        const int idx = i - 1 + j;
        if (idx >= 0 && idx < n) sum += w[j] * v[idx];
    }
    return sum;
}

}  // namespace madnis
