// Power-law map of an invariant x on [a, b] for a propagator without width
// (massless, or stable): density ∝ 1/|x - m²|^ν with ν the map's exponent
// (ν = 0: flat; ν ≈ 0.8-1 follows a massless propagator, MadGraph/MadSpace
// style). With the pole p = m² below the interval (s-channel), w = x - p; above
// it (t-channel, t < m²), w = p - x; a pole inside the interval is moved to its
// nearer end so the map still covers [a, b]. In w ∈ [w0, w1]:
//
//   ν ≠ 1:  w(r) = (w0^(1-ν) + r (w1^(1-ν) - w0^(1-ν)))^(1/(1-ν)),
//           weight = dx/dr = (w1^(1-ν) - w0^(1-ν)) w^ν / (1-ν)
//   ν = 1:  w(r) = w0 (w1/w0)^r,  weight = w ln(w1/w0)   (needs w0 > 0)
//
// Input r ∈ [0, 1] (one dimension), output x and the weight dx/dr. An empty
// interval, or ν >= 1 with the pole on the interval's end (w0 = 0, a divergent
// map), gives x = a and weight 0.
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis::ps {

struct PowerLaw {
    double pole;  // m² of the propagator
    double nu;

    struct Frame {
        double w0, w1, sign, origin;  // x = origin + sign·w
    };
    MADNIS_HD Frame frame(double a, double b) const {
        if (pole <= a) return {a - pole, b - pole, 1.0, pole};
        if (pole >= b) return {pole - b, pole - a, -1.0, pole};
        // A pole inside moves to the nearer end: continuous as it crosses a or b.
        if (pole - a <= b - pole) return {0.0, b - a, 1.0, a};
        return {0.0, b - a, -1.0, b};
    }
    MADNIS_HD bool log_form() const { return fabs(1 - nu) < 1e-9; }

    MADNIS_HD double forward(double r, double a, double b, double* x) const {
        const Frame f = frame(a, b);
        if (!(b > a) || (log_form() && !(f.w0 > 0))) {
            *x = a;
            return 0.0;
        }
        double w, jac;
        if (log_form()) {
            const double l = log(f.w1 / f.w0);
            w = f.w0 * exp(r * l);
            jac = w * l;
        } else {
            const double e = 1 - nu, A = pow(f.w0, e), B = pow(f.w1, e);
            w = pow(A + r * (B - A), 1 / e);
            jac = (B - A) / e * pow(w, nu);
        }
        *x = fmin(b, fmax(a, f.origin + f.sign * w));
        return jac;
    }

    MADNIS_HD double inverse(double x, double a, double b, double* r) const {
        const Frame f = frame(a, b);
        if (!(b > a) || (log_form() && !(f.w0 > 0))) {
            *r = 0.0;
            return 0.0;
        }
        const double w = fmax(0.0, f.sign * (x - f.origin));
        double u, jac;
        if (log_form()) {
            const double l = log(f.w1 / f.w0);
            u = log(w / f.w0) / l;
            jac = w * l;
        } else {
            const double e = 1 - nu, A = pow(f.w0, e), B = pow(f.w1, e);
            u = (pow(w, e) - A) / (B - A);
            jac = (B - A) / e * pow(w, nu);
        }
        *r = fmin(1.0, fmax(0.0, u));
        return jac;
    }
};

}  // namespace madnis::ps
