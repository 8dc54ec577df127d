// Four-vector helpers shared by the phase-space blocks: Källén function,
// pure boosts into and out of a rest frame, and the rotation that carries the
// z axis onto a direction. Four-vectors are double[4] = (E, px, py, pz).
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis::ps {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2 * kPi;

MADNIS_HD double dot4(const double* a, const double* b) {
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
}

// λ(a, b, c) = a² + b² + c² - 2ab - 2ac - 2bc, clamped at 0 (rounding at thresholds).
MADNIS_HD double kallen(double a, double b, double c) {
    const double l = (a - b - c) * (a - b - c) - 4 * b * c;
    return l > 0 ? l : 0.0;
}

// Momentum of either child in the rest frame of a parent of mass² s decaying
// into masses² s1, s2: λ^½(s, s1, s2) / (2√s); 0 for s <= 0.
MADNIS_HD double two_body_momentum(double s, double s1, double s2) {
    return s > 0 ? sqrt(kallen(s, s1, s2)) / (2 * sqrt(s)) : 0.0;
}

// k given in the rest frame of P (mass m > 0) → frame where P has momentum P.
MADNIS_HD void boost_from_rest(const double* P, double m, const double* k, double* out) {
    const double pk = P[1] * k[1] + P[2] * k[2] + P[3] * k[3];
    const double e = (P[0] * k[0] + pk) / m;
    const double f = (k[0] + e) / (P[0] + m);
    out[0] = e;
    out[1] = k[1] + f * P[1];
    out[2] = k[2] + f * P[2];
    out[3] = k[3] + f * P[3];
}

// The inverse of boost_from_rest: k in P's frame → rest frame of P (mass m > 0).
MADNIS_HD void boost_to_rest(const double* P, double m, const double* k, double* out) {
    const double pk = P[1] * k[1] + P[2] * k[2] + P[3] * k[3];
    const double e = (P[0] * k[0] - pk) / m;
    const double f = (k[0] + e) / (P[0] + m);
    out[0] = e;
    out[1] = k[1] - f * P[1];
    out[2] = k[2] - f * P[2];
    out[3] = k[3] - f * P[3];
}

// Rotation R(n) = R_z(φ_n) R_y(θ_n) R_z(-φ_n) carrying ẑ onto the unit vector of
// v: the smallest rotation, about ẑ × n, so it is continuous where n → +ẑ
// (the identity there; the first step of a t-channel chain sits exactly on it).
// For v ∥ -ẑ, a rotation by π about y; for v = 0, the identity.
struct Rotation {
    double ct, st, cp, sp;

    MADNIS_HD static Rotation towards(const double* v3) {
        const double rho = sqrt(v3[0] * v3[0] + v3[1] * v3[1]);
        const double norm = sqrt(rho * rho + v3[2] * v3[2]);
        Rotation r{1.0, 0.0, 1.0, 0.0};
        if (norm > 0) {
            r.ct = v3[2] / norm;
            r.st = rho / norm;
        }
        if (rho > 0) {
            r.cp = v3[0] / rho;
            r.sp = v3[1] / rho;
        }
        return r;
    }
    // out = R_z(φ) R_y(±θ) R_z(-φ) v (3-vectors; sign -1 gives the inverse rotation).
    MADNIS_HD void rotate(const double* v, double* out, double sign) const {
        const double a = v[0] * cp + v[1] * sp, b = -v[0] * sp + v[1] * cp;  // R_z(-φ)
        const double s = sign * st;
        const double x = a * ct + v[2] * s, z = -a * s + v[2] * ct;  // R_y(±θ)
        out[0] = x * cp - b * sp;  // R_z(φ)
        out[1] = x * sp + b * cp;
        out[2] = z;
    }
    MADNIS_HD void apply(const double* v, double* out) const { rotate(v, out, 1.0); }
    MADNIS_HD void apply_inverse(const double* v, double* out) const { rotate(v, out, -1.0); }
};

// Unit-square pair (r_cos, r_phi) ↔ direction: cos θ = 2 r_cos - 1, φ = 2π r_phi.
MADNIS_HD void direction_from_unit(double r_cos, double r_phi, double* n3) {
    const double c = 2 * r_cos - 1;
    const double s = sqrt(fmax(0.0, 1 - c * c));
    const double phi = kTwoPi * r_phi;
    n3[0] = s * cos(phi);
    n3[1] = s * sin(phi);
    n3[2] = c;
}

MADNIS_HD void unit_from_direction(const double* v3, double* r_cos, double* r_phi) {
    const double norm = sqrt(v3[0] * v3[0] + v3[1] * v3[1] + v3[2] * v3[2]);
    const double c = norm > 0 ? v3[2] / norm : 1.0;
    *r_cos = fmin(1.0, fmax(0.0, 0.5 * (1 + c)));
    double phi = atan2(v3[1], v3[0]);
    if (phi < 0) phi += kTwoPi;
    *r_phi = phi / kTwoPi;
}

}  // namespace madnis::ps
