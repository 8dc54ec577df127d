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
//
// y_max > 0 (from the cuts): |y| ≤ y_max as well. When every outgoing leg has
// |y_i| ≤ η_max, the system's rapidity obeys |y| ≤ η_max (with a_i = m_T,i:
// e^{2y} = Σ a_i e^{y_i} / Σ a_i e^{-y_i} ≤ e^{2 η_max}), so nothing that passes is
// lost. Then y = y_hi (1 - 2 r_y), y_hi = min(-½ ln τ, y_max), weight = 2 y_hi / s.
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis::ps {

struct Luminosity {
    // Forward: (ŝ, r_y) → (x1, x2, y); returns 2 y_hi / s (= (-ln τ)/s without y_max).
    MADNIS_HD static double y_half_range(double log_tau, double y_max) {
        return y_max > 0 ? fmin(-0.5 * log_tau, y_max) : -0.5 * log_tau;
    }

    MADNIS_HD static double forward(double s_hat, double s, double r_y, double y_max, double* x1, double* x2,
                                    double* y) {
        const double tau = fmin(1.0, s_hat / s);
        const double log_tau = log(tau);
        const double h = y_half_range(log_tau, y_max);
        *y = h * (1 - 2 * r_y);
        const double sq = sqrt(tau);
        *x1 = fmin(1.0, sq * exp(*y));
        *x2 = fmin(1.0, sq * exp(-*y));
        return 2 * h / s;
    }

    // Inverse: (x1, x2) → (ŝ, r_y, y); returns the same weight.
    MADNIS_HD static double inverse(double x1, double x2, double s, double y_max, double* s_hat, double* r_y,
                                    double* y) {
        const double tau = x1 * x2;
        const double log_tau = log(tau);
        const double h = y_half_range(log_tau, y_max);
        *s_hat = tau * s;
        *y = 0.5 * log(x1 / x2);
        *r_y = h > 0 ? fmin(1.0, fmax(0.0, 0.5 - 0.5 * *y / h)) : 0.5;
        return 2 * h / s;
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
