// A minimal complex number of `real`s (helas/real.h: double, float, or a vector of events)
// for helicity amplitudes, usable in host and device code alike (std::complex is not device
// code and holds no vectors). Only what the HELAS routines need.
#pragma once

#include <cmath>

#include "madnis/helas/real.h"
#include "madnis/macros.h"

namespace madnis::helas {

struct cplx {
    real re = 0.0;
    real im = 0.0;

    cplx() = default;
    MADNIS_HD cplx(real r, real i = 0.0) : re(r), im(i) {}

    MADNIS_HD cplx& operator+=(const cplx& b) {
        re += b.re;
        im += b.im;
        return *this;
    }
    MADNIS_HD cplx& operator-=(const cplx& b) {
        re -= b.re;
        im -= b.im;
        return *this;
    }
    MADNIS_HD cplx& operator*=(real s) {
        re *= s;
        im *= s;
        return *this;
    }
};

MADNIS_HD cplx operator+(const cplx& a, const cplx& b) { return {a.re + b.re, a.im + b.im}; }
MADNIS_HD cplx operator-(const cplx& a, const cplx& b) { return {a.re - b.re, a.im - b.im}; }
MADNIS_HD cplx operator-(const cplx& a) { return {-a.re, -a.im}; }
MADNIS_HD cplx operator*(const cplx& a, const cplx& b) {
    return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
MADNIS_HD cplx operator*(const real& s, const cplx& a) { return {s * a.re, s * a.im}; }
MADNIS_HD cplx operator*(const cplx& a, const real& s) { return {s * a.re, s * a.im}; }
MADNIS_HD cplx conj(const cplx& a) { return {a.re, -a.im}; }
// |a|^2
MADNIS_HD real abs2(const cplx& a) { return a.re * a.re + a.im * a.im; }
// a / b as a b^* / |b|^2: no data-dependent branch (Smith's algorithm has one), and no
// overflow for the |b| < 1e150 of propagator denominators in GeV^2.
MADNIS_HD cplx operator/(const cplx& a, const cplx& b) { return (a * conj(b)) * (real(1.0) / abs2(b)); }
MADNIS_HD cplx operator/(const real& s, const cplx& b) { return conj(b) * (s / abs2(b)); }
// i*a and -i*a without a full multiplication.
MADNIS_HD cplx times_i(const cplx& a) { return {-a.im, a.re}; }
MADNIS_HD cplx times_minus_i(const cplx& a) { return {a.im, -a.re}; }

}  // namespace madnis::helas
