// Hadronic luminosity: parton momentum fractions (x1, x2) from (τ, y),
//
//   τ = ŝ/s,  x1 = √τ e^y,  x2 = √τ e^-y,  y = (r_y - ½) ln τ ∈ [½ ln τ, -½ ln τ],
//   dx1 dx2 = dτ dy  ⇒  weight = dx1 dx2 / (dŝ dr_y) = (-ln τ) / s.
//
// ŝ itself comes from an invariant map (breit_wigner.h or power_law.h) on
// [ŝ_min, s] that follows the channel's leading s-channel propagator; the
// channel multiplies that map's dŝ/dr by this block's weight. Inputs: ŝ, s and
// r_y ∈ [0, 1] (one dimension); outputs x1, x2 and y, the rapidity of the
// partonic centre-of-mass frame in the lab (leg 1 along +z). τ = 1 (x1 = x2 = 1)
// has weight 0. For lepton collisions the channel skips this block (x1 = x2 = 1).
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis::ps {

struct Luminosity {
    // Forward: (ŝ, r_y) → (x1, x2, y); returns (-ln τ)/s.
    MADNIS_HD static double forward(double s_hat, double s, double r_y, double* x1, double* x2, double* y) {
        const double tau = fmin(1.0, s_hat / s);
        const double log_tau = log(tau);
        *y = (r_y - 0.5) * log_tau;
        const double sq = sqrt(tau);
        *x1 = fmin(1.0, sq * exp(*y));
        *x2 = fmin(1.0, sq * exp(-*y));
        return -log_tau / s;
    }

    // Inverse: (x1, x2) → (ŝ, r_y, y); returns the same weight.
    MADNIS_HD static double inverse(double x1, double x2, double s, double* s_hat, double* r_y, double* y) {
        const double tau = x1 * x2;
        const double log_tau = log(tau);
        *s_hat = tau * s;
        *y = 0.5 * log(x1 / x2);
        *r_y = log_tau < 0 ? fmin(1.0, fmax(0.0, 0.5 + *y / log_tau)) : 0.5;
        return -log_tau / s;
    }

    // Boost along z by rapidity y (partonic frame → lab for +y, lab → partonic for -y).
    MADNIS_HD static void boost_z(double y, const double* k, double* out) {
        const double ch = cosh(y), sh = sinh(y);
        const double e = k[0] * ch + k[3] * sh, z = k[3] * ch + k[0] * sh;
        out[0] = e;
        out[1] = k[1];
        out[2] = k[2];
        out[3] = z;
    }
};

}  // namespace madnis::ps
