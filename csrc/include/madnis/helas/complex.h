// A minimal double-precision complex number for helicity amplitudes, usable in
// host and device code alike (std::complex is not device code; cuda::std::complex
// would tie the CPU build to the CUDA headers). Only what the HELAS routines need.
#pragma once

#include <cmath>

#include "madnis/macros.h"

namespace madnis::helas {

struct cplx {
    double re = 0.0;
    double im = 0.0;

    cplx() = default;
    MADNIS_HD constexpr cplx(double r, double i = 0.0) : re(r), im(i) {}

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
    MADNIS_HD cplx& operator*=(double s) {
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
MADNIS_HD cplx operator*(double s, const cplx& a) { return {s * a.re, s * a.im}; }
MADNIS_HD cplx operator*(const cplx& a, double s) { return {s * a.re, s * a.im}; }
MADNIS_HD cplx operator/(const cplx& a, const cplx& b) {
    // Smith's algorithm: no overflow for large |b|.
    if (fabs(b.re) >= fabs(b.im)) {
        const double r = b.im / b.re, d = b.re + b.im * r;
        return {(a.re + a.im * r) / d, (a.im - a.re * r) / d};
    }
    const double r = b.re / b.im, d = b.re * r + b.im;
    return {(a.re * r + a.im) / d, (a.im * r - a.re) / d};
}
MADNIS_HD cplx operator/(double s, const cplx& b) { return cplx(s) / b; }
MADNIS_HD cplx conj(const cplx& a) { return {a.re, -a.im}; }
// |a|^2
MADNIS_HD double abs2(const cplx& a) { return a.re * a.re + a.im * a.im; }
// i*a and -i*a without a full multiplication.
MADNIS_HD cplx times_i(const cplx& a) { return {-a.im, a.re}; }
MADNIS_HD cplx times_minus_i(const cplx& a) { return {a.im, -a.re}; }

}  // namespace madnis::helas
