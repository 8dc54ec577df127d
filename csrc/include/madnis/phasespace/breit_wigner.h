// Breit–Wigner map of an invariant x (s = p² of a propagator of mass M and
// width Γ > 0, or a t invariant mapped like one) on an interval [a, b]:
//
//   x(r) = M² + MΓ tan(y_a + r (y_b - y_a)),  y_{a,b} = atan((a, b - M²)/(MΓ)),
//   weight = dx/dr = (y_b - y_a) ((x - M²)² + M²Γ²) / (MΓ).
//
// Input r ∈ [0, 1] (one dimension), output x ∈ [a, b] and the weight dx/dr,
// which is exactly proportional to 1/|propagator|², so a resonance of this
// shape is integrated with a constant weight (MadSpace, arXiv:2510.xxxxx,
// invariant mappings; MadGraph's "BW" in gen_mom). An empty interval (b <= a)
// gives x = a and weight 0.
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis::ps {

struct BreitWigner {
    double mass, width;

    // Forward: r → x; returns dx/dr.
    MADNIS_HD double forward(double r, double a, double b, double* x) const {
        if (!(b > a)) {
            *x = a;
            return 0.0;
        }
        const double m2 = mass * mass, mg = mass * width;
        const double ya = atan((a - m2) / mg), yb = atan((b - m2) / mg);
        double v = m2 + mg * tan(ya + r * (yb - ya));
        v = fmin(b, fmax(a, v));  // tan rounding at the ends
        *x = v;
        return jacobian(v, ya, yb);
    }

    // Inverse: x → r; returns dx/dr at x (the same weight as forward).
    MADNIS_HD double inverse(double x, double a, double b, double* r) const {
        if (!(b > a)) {
            *r = 0.0;
            return 0.0;
        }
        const double m2 = mass * mass, mg = mass * width;
        const double ya = atan((a - m2) / mg), yb = atan((b - m2) / mg);
        *r = fmin(1.0, fmax(0.0, (atan((x - m2) / mg) - ya) / (yb - ya)));
        return jacobian(x, ya, yb);
    }

    // dx/dr at x; its log is the block's log-Jacobian.
    MADNIS_HD double jacobian(double x, double ya, double yb) const {
        const double d = x - mass * mass, mg = mass * width;
        return (yb - ya) * (d * d + mg * mg) / mg;
    }
};

}  // namespace madnis::ps
