// The map of one invariant (s of an s-channel propagator, t of a t-channel
// one, ŝ of the luminosity) chosen from the propagator: width > 0 →
// Breit–Wigner (breit_wigner.h), width = 0 → power law in |x - m²| with
// exponent ν (power_law.h; ν = 0 is flat). One dimension of r; the weight is dx/dr.
#pragma once

#include "madnis/macros.h"
#include "madnis/phasespace/breit_wigner.h"
#include "madnis/phasespace/power_law.h"

namespace madnis::ps {

struct InvariantMap {
    double mass, width, nu;

    MADNIS_HD double forward(double r, double a, double b, double* x) const {
        if (width > 0) return BreitWigner{mass, width}.forward(r, a, b, x);
        return PowerLaw{mass * mass, nu}.forward(r, a, b, x);
    }
    MADNIS_HD double inverse(double x, double a, double b, double* r) const {
        if (width > 0) return BreitWigner{mass, width}.inverse(x, a, b, r);
        return PowerLaw{mass * mass, nu}.inverse(x, a, b, r);
    }
};

}  // namespace madnis::ps
