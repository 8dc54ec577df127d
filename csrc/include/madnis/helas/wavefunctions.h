// External wavefunctions of helicity amplitudes: Dirac spinors u, v, ubar, vbar of
// definite helicity (massless and massive), polarisation vectors of spin-1 bosons
// (helicity ±1 and, when massive, 0) and the spin-0 wavefunction.
//
// Conventions (HELAS, Murayama–Watanabe–Hagiwara KEK-91-11; ALOHA arXiv:1108.2041):
// chiral representation, gamma^mu = [[0, sigma^mu], [sigmabar^mu, 0]],
// gamma5 = diag(-1, -1, 1, 1), so components 0,1 of a spinor are left-handed.
// With chi_lambda(p) the two-component helicity eigenstates (sigma·p̂ chi = lambda chi)
// and omega_± = sqrt(E ± |p|):
//     u(p, λ)    = ( omega_{-λ} chi_λ ;  omega_{λ} chi_λ )
//     v(p, λ)    = ( -λ omega_{λ} chi_{-λ} ;  λ omega_{-λ} chi_{-λ} )
//     ubar, vbar = u^† gamma^0, v^† gamma^0   (row spinors)
// so λ is the physical helicity of the particle (u, ubar) or antiparticle (v, vbar).
// Polarisation vectors, with e1 = (0, cosθ cosφ, cosθ sinφ, -sinθ), e2 = (0, -sinφ, cosφ, 0):
//     eps(k, ±1) = (∓e1 - i e2)/sqrt(2),   eps(k, 0) = (|k|, E k̂)/m,
// eps for an incoming boson and eps* for an outgoing one; λ is its physical helicity.
//
// Every wavefunction carries `p`, the momentum flowing *into the vertex where it is
// used*: +p for an incoming particle, -p for an outgoing one. Overall phases differ from
// MG5's in places (e.g. for momenta along -z); they cancel in every |amplitude|^2.
#pragma once

#include <cmath>

#include "madnis/helas/complex.h"
#include "madnis/helas/config.h"
#include "madnis/macros.h"

namespace madnis::helas {

// A wavefunction: 4 spinor components, 4 contravariant vector components, or (scalars)
// w[0]; and the momentum flowing into the vertex it enters. `real` is one event's number
// or a vector of events' (helas/real.h).
struct Wf {
    cplx w[4];
    real p[4];
};

MADNIS_HD void set_momentum(Wf& f, const real* p, double sign) {
    for (int mu = 0; mu < 4; ++mu) f.p[mu] = sign * p[mu];
}

// |p| + p3 without cancellation: for p3 < 0 it is p_T^2 / (|p| - p3). Exactly 0 along -z
// even when the energy of a massless momentum is off by rounding.
MADNIS_HD real p_plus_pz(const real* p, const real& pp) {
    return select(p[3] >= 0.0, pp + p[3], (p[1] * p[1] + p[2] * p[2]) / (pp - p[3]));
}

// Two-component helicity eigenstate chi_lam(p̂) (unit norm), and, at rest, the spin-up/down
// states along z. Both sides of every case are computed and selected per event (the
// discarded side may be 0/0).
MADNIS_HD void helicity_spinor(const real* p, int lam, cplx* chi) {
    const real pp = sqrt(p[1] * p[1] + p[2] * p[2] + p[3] * p[3]);
    const real ppz = p_plus_pz(p, pp);
    const auto at_rest = pp == 0.0;
    const auto minus_z = ppz <= 0.0;  // along -z (or at rest): the limit of the formulas
    const real norm = 1.0 / sqrt(2.0 * pp * ppz);
    const real zero = 0.0;
    if (lam > 0) {
        chi[0] = cplx(select(minus_z, select(at_rest, real(1.0), zero), norm * ppz));
        chi[1] = cplx(select(minus_z, select(at_rest, zero, real(1.0)), norm * p[1]),
                      select(minus_z, zero, norm * p[2]));
    } else {
        chi[0] = cplx(select(minus_z, select(at_rest, zero, real(-1.0)), -norm * p[1]),
                      select(minus_z, zero, norm * p[2]));
        chi[1] = cplx(select(minus_z, select(at_rest, real(1.0), zero), norm * ppz));
    }
}

// sqrt(2E) chi_lam(p̂) for a massless momentum.
MADNIS_HD void massless_chi(const real* p, int lam, cplx* chi) {
    helicity_spinor(p, lam, chi);
    const real e = sqrt(2.0 * p[0]);
    chi[0] *= e;
    chi[1] *= e;
}

// omega_{+} and omega_{-} of a massive momentum (omega_- = m / omega_+ avoids cancellation).
MADNIS_HD void omegas(const real* p, double m, real& wp, real& wm) {
    const real pp = sqrt(p[1] * p[1] + p[2] * p[2] + p[3] * p[3]);
    wp = sqrt(p[0] + pp);
    wm = m / wp;
}

// u(p, hel): an incoming fermion (column spinor).
MADNIS_HELAS_FN Wf spinor_u(const real* p, double m, int hel) {
    Wf f;
    set_momentum(f, p, 1.0);
    cplx chi[2];
    real wl, wr;  // omega_{-λ} (left-handed part) and omega_{λ} (right-handed part)
    if (m == 0.0) {
        massless_chi(p, hel, chi);
        wl = hel > 0 ? 0.0 : 1.0;
        wr = hel > 0 ? 1.0 : 0.0;
    } else {
        helicity_spinor(p, hel, chi);
        real wp, wm;
        omegas(p, m, wp, wm);
        wl = hel > 0 ? wm : wp;
        wr = hel > 0 ? wp : wm;
    }
    f.w[0] = wl * chi[0];
    f.w[1] = wl * chi[1];
    f.w[2] = wr * chi[0];
    f.w[3] = wr * chi[1];
    return f;
}

// v(p, hel): an outgoing antifermion (column spinor); the momentum into the vertex is -p.
MADNIS_HELAS_FN Wf spinor_v(const real* p, double m, int hel) {
    Wf f;
    set_momentum(f, p, -1.0);
    cplx chi[2];
    real wl, wr;  // -λ omega_λ and λ omega_{-λ}
    if (m == 0.0) {
        massless_chi(p, -hel, chi);
        wl = hel > 0 ? -1.0 : 0.0;
        wr = hel > 0 ? 0.0 : -1.0;
    } else {
        helicity_spinor(p, -hel, chi);
        real wp, wm;
        omegas(p, m, wp, wm);
        wl = hel > 0 ? -wp : wm;
        wr = hel > 0 ? wm : -wp;
    }
    f.w[0] = wl * chi[0];
    f.w[1] = wl * chi[1];
    f.w[2] = wr * chi[0];
    f.w[3] = wr * chi[1];
    return f;
}

// Dirac conjugate psi^† gamma^0 of a column spinor: swap chiralities, conjugate.
MADNIS_HD void dirac_bar(Wf& f) {
    const cplx a0 = f.w[0], a1 = f.w[1];
    f.w[0] = conj(f.w[2]);
    f.w[1] = conj(f.w[3]);
    f.w[2] = conj(a0);
    f.w[3] = conj(a1);
}

// ubar(p, hel): an outgoing fermion (row spinor); the momentum into the vertex is -p.
MADNIS_HELAS_FN Wf spinor_ubar(const real* p, double m, int hel) {
    Wf f = spinor_u(p, m, hel);
    dirac_bar(f);
    set_momentum(f, p, -1.0);
    return f;
}

// vbar(p, hel): an incoming antifermion (row spinor).
MADNIS_HELAS_FN Wf spinor_vbar(const real* p, double m, int hel) {
    Wf f = spinor_v(p, m, hel);
    dirac_bar(f);
    set_momentum(f, p, 1.0);
    return f;
}

// eps(p, hel) for an incoming vector boson (incoming = true), eps*(p, hel) for an
// outgoing one. hel = 0 only for massive bosons.
MADNIS_HELAS_FN Wf polarisation(const real* p, double m, int hel, bool incoming) {
    Wf f;
    set_momentum(f, p, incoming ? 1.0 : -1.0);
    const real pt = sqrt(p[1] * p[1] + p[2] * p[2]);
    const real pp = sqrt(pt * pt + p[3] * p[3]);
    // Along the z axis (pt = 0) the azimuth is 0 and cos(theta) = ±1; at rest, theta = 0.
    const auto has_pt = pt > 0.0;
    const real ct = select(has_pt, p[3] / pp, select(p[3] >= 0.0, real(1.0), real(-1.0)));
    const real st = select(has_pt, pt / pp, real(0.0));
    const real cp = select(has_pt, p[1] / pt, real(1.0));
    const real sp = select(has_pt, p[2] / pt, real(0.0));
    if (hel == 0) {
        const real e = p[0] / m;
        f.w[0] = cplx(pp / m);
        f.w[1] = cplx(e * st * cp);
        f.w[2] = cplx(e * st * sp);
        f.w[3] = cplx(e * ct);
        return f;
    }
    const double r = 1.0 / sqrt(2.0);
    const double lam = hel > 0 ? 1.0 : -1.0;
    // (-λ e1 - i e2)/sqrt(2); the outgoing boson takes the complex conjugate.
    const double s_im = incoming ? -r : r;
    f.w[0] = cplx(0.0);
    f.w[1] = cplx(-lam * r * ct * cp, s_im * -sp);
    f.w[2] = cplx(-lam * r * ct * sp, s_im * cp);
    f.w[3] = cplx(lam * r * st, 0.0);
    return f;
}

// The polarisation of a vector boson replaced by its momentum divided by its energy (the
// Ward-identity check: the amplitude must vanish for a massless gauge boson).
MADNIS_HELAS_FN Wf gauge_polarisation(const real* p, bool incoming) {
    Wf f;
    set_momentum(f, p, incoming ? 1.0 : -1.0);
    for (int mu = 0; mu < 4; ++mu) f.w[mu] = cplx(p[mu] / p[0]);
    return f;
}

// polarisation(), or gauge_polarisation() when `gauge` (the generated code's Ward-test switch).
MADNIS_HELAS_FN Wf polarisation(const real* p, double m, int hel, bool incoming, bool gauge) {
    return gauge ? gauge_polarisation(p, incoming) : polarisation(p, m, hel, incoming);
}

// A spin-0 boson: the wavefunction is 1.
MADNIS_HELAS_FN Wf scalar_wf(const real* p, bool incoming) {
    Wf f;
    set_momentum(f, p, incoming ? 1.0 : -1.0);
    f.w[0] = cplx(1.0);
    f.w[1] = f.w[2] = f.w[3] = cplx(0.0);
    return f;
}

}  // namespace madnis::helas
