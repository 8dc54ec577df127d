// Vertex amplitudes and off-shell currents of the Lorentz structures of the models
// (madnis_plugin/models/model.py): FFV (left/right), FFS (left/right), VVV, VVVV, VVS,
// VVSS, SSS, SSSS; and the propagators that turn a vertex into an off-shell current.
//
// Conventions: all legs of a vertex are incoming and every Wf carries the momentum
// flowing into the vertex (see wavefunctions.h). Couplings are the full Feynman-rule
// factors (they carry their i), so an amplitude routine returns i·M of its diagram up
// to the other vertices and propagators, and a current routine returns
//     propagator × (vertex with one leg removed),
// an off-shell wavefunction whose momentum (sum of the legs used) flows into the next
// vertex. Propagators (widths only where the caller passes them, i.e. s-channels):
//     fermion   i (p̸ + m) / (p² - m² + i m Γ),  p along the fermion-number arrow
//     vector    -i (g^{μν} - p^μ p^ν / M²) / (p² - M² + i M Γ);  -i g^{μν} / p² if M = 0
//     scalar    i / (p² - M² + i M Γ)
// A fermion current made from a column spinor (u, v, or a column current) is a column
// spinor `fi`; one made from a row spinor is a row spinor `fo`. Vector components are
// contravariant; contractions use the metric (+,-,-,-).
//
// Dirac algebra in the chiral basis: for a vector V, with V_mu sigma^mu = S and
// V_mu sigmabar^mu = Sb,
//     S  = [[V0 - V3, -V1 + i V2], [-V1 - i V2, V0 + V3]],
//     Sb = [[V0 + V3,  V1 - i V2], [ V1 + i V2, V0 - V3]],
// gamma^mu V_mu = [[0, S], [Sb, 0]], P_L = diag(1,1,0,0), P_R = diag(0,0,1,1).
#pragma once

#include "madnis/helas/complex.h"
#include "madnis/helas/config.h"
#include "madnis/helas/wavefunctions.h"
#include "madnis/macros.h"

namespace madnis::helas {

// ---- small Lorentz helpers ------------------------------------------------------------

MADNIS_HD real mdot(const real* a, const real* b) {
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
}
MADNIS_HD cplx cdot(const cplx* a, const cplx* b) {  // bilinear, no conjugation
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
}
MADNIS_HD cplx cdot(const real* a, const cplx* b) {
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
}

// 2x2 matrices V_mu sigma^mu (bar = false) and V_mu sigmabar^mu (bar = true), row-major.
MADNIS_HD void slash2(const cplx* v, bool bar, cplx* m) {
    const cplx ip = times_i(v[2]);
    if (bar) {
        m[0] = v[0] + v[3];
        m[1] = v[1] - ip;
        m[2] = v[1] + ip;
        m[3] = v[0] - v[3];
    } else {
        m[0] = v[0] - v[3];
        m[1] = -v[1] + ip;
        m[2] = -v[1] - ip;
        m[3] = v[0] + v[3];
    }
}
MADNIS_HD void slash2(const real* p, bool bar, cplx* m) {
    const cplx v[4] = {cplx(p[0]), cplx(p[1]), cplx(p[2]), cplx(p[3])};
    slash2(v, bar, m);
}
// Matrix times column 2-vector, and row 2-vector times matrix.
MADNIS_HD void mat_col(const cplx* m, const cplx* x, cplx* y) {
    y[0] = m[0] * x[0] + m[1] * x[1];
    y[1] = m[2] * x[0] + m[3] * x[1];
}
MADNIS_HD void row_mat(const cplx* x, const cplx* m, cplx* y) {
    y[0] = x[0] * m[0] + x[1] * m[2];
    y[1] = x[0] * m[1] + x[1] * m[3];
}
// a^T sigma^mu b (bar = false) or a^T sigmabar^mu b (bar = true), contravariant mu.
MADNIS_HD void sandwich(const cplx* a, const cplx* b, bool bar, double c, const cplx& coup, cplx* out) {
    const double s = bar ? -1.0 : 1.0;
    const cplx a0b1 = a[0] * b[1], a1b0 = a[1] * b[0], a0b0 = a[0] * b[0], a1b1 = a[1] * b[1];
    const cplx t[4] = {a0b0 + a1b1, s * (a0b1 + a1b0), s * times_i(a1b0 - a0b1), s * (a0b0 - a1b1)};
    for (int mu = 0; mu < 4; ++mu) out[mu] += c * (coup * t[mu]);
}

MADNIS_HD void sum_momenta(Wf& out, const Wf& a, const Wf& b) {
    for (int mu = 0; mu < 4; ++mu) out.p[mu] = a.p[mu] + b.p[mu];
}
MADNIS_HD void sum_momenta(Wf& out, const Wf& a, const Wf& b, const Wf& c) {
    for (int mu = 0; mu < 4; ++mu) out.p[mu] = a.p[mu] + b.p[mu] + c.p[mu];
}

// An open vertex: a vertex with one leg left open and no propagator (an amputated current).
// Contracted with the wavefunction of the open leg it gives the vertex's amplitude; helicity
// recycling (the generated CPU code) computes it once per helicity sub-configuration of its
// legs, so that each configuration's amplitude is one contraction.
struct OpenLeg {
    cplx w[4];
};

// The amplitude of an open vector leg: O_mu V^mu.
MADNIS_HD_ALWAYS_INLINE cplx contract_vector(const OpenLeg& o, const Wf& v) {
    return v.w[0] * o.w[0] - v.w[1] * o.w[1] - v.w[2] * o.w[2] - v.w[3] * o.w[3];
}
// The amplitude of an open fermion leg: O f (a row with a column spinor, or the reverse).
MADNIS_HD_ALWAYS_INLINE cplx contract_spinor(const OpenLeg& o, const Wf& f) {
    return o.w[0] * f.w[0] + o.w[1] * f.w[1] + o.w[2] * f.w[2] + o.w[3] * f.w[3];
}

// 1 / (p² - m² + i m Γ)
MADNIS_HD cplx inv_denominator(const real* p, double m, double w) {
    return 1.0 / cplx(mdot(p, p) - m * m, m * w);
}

// z[k] *= sign i / (p² - m² + i m Γ) for k < n. Where m Γ = 0 (massless or zero-width lines,
// most of them) the factor is imaginary: two real multiplications per component instead of a
// complex one.
MADNIS_HD void times_propagator(cplx* z, int n, const real* p, double m, double w, double sign) {
    if (m * w == 0.0) {
        const real d = sign / (mdot(p, p) - m * m);
        for (int k = 0; k < n; ++k) z[k] = times_i(d * z[k]);
        return;
    }
    const cplx d = sign * times_i(inv_denominator(p, m, w));
    for (int k = 0; k < n; ++k) z[k] = d * z[k];
}

// ---- propagators (applied in place to a vertex with one leg removed) --------------------

// Vector: J^mu -> -i (J^mu - p^mu (p·J)/M²) / (p² - M² + i M Γ), p = J.p.
MADNIS_HD void propagate_vector(Wf& j, double m, double w) {
    if (m != 0.0) {
        const cplx pj = cdot(j.p, j.w) * (1.0 / (m * m));
        for (int mu = 0; mu < 4; ++mu) j.w[mu] = j.w[mu] - j.p[mu] * pj;
    }
    times_propagator(j.w, 4, j.p, m, w, -1.0);
}

MADNIS_HD void propagate_scalar(Wf& s, double m, double w) { times_propagator(s.w, 1, s.p, m, w, 1.0); }

// Column spinor chi -> i (p̸ + m) chi / (p² - m² + i m Γ) with p = chi.p (the arrow
// enters the next vertex along the momentum).
MADNIS_HD void propagate_fermion_col(Wf& f, double m, double w) {
    cplx ps[4], psb[4], up[2], lo[2];
    slash2(f.p, false, ps);
    slash2(f.p, true, psb);
    mat_col(ps, f.w + 2, up);  // upper = m chi_up + (p·sigma) chi_lo
    mat_col(psb, f.w, lo);     // lower = (p·sigmabar) chi_up + m chi_lo
    const cplx c[4] = {up[0] + m * f.w[0], up[1] + m * f.w[1], lo[0] + m * f.w[2], lo[1] + m * f.w[3]};
    for (int i = 0; i < 4; ++i) f.w[i] = c[i];
    times_propagator(f.w, 4, f.p, m, w, 1.0);
}

// Row spinor eta -> eta i (p̸ + m) / (p² - m² + i m Γ) with p = -eta.p (the arrow leaves
// the next vertex, against the momentum flowing into it).
MADNIS_HD void propagate_fermion_row(Wf& f, double m, double w) {
    const real q[4] = {-f.p[0], -f.p[1], -f.p[2], -f.p[3]};
    cplx ps[4], psb[4], up[2], lo[2];
    slash2(q, false, ps);
    slash2(q, true, psb);
    row_mat(f.w + 2, psb, up);  // (eta_up m + eta_lo p·sigmabar, eta_up p·sigma + eta_lo m)
    row_mat(f.w, ps, lo);
    const cplx c[4] = {up[0] + m * f.w[0], up[1] + m * f.w[1], lo[0] + m * f.w[2], lo[1] + m * f.w[3]};
    for (int i = 0; i < 4; ++i) f.w[i] = c[i];
    times_propagator(f.w, 4, f.p, m, w, 1.0);
}

// ---- FFV: gamma^mu (cl P_L + cr P_R); legs (fo = psibar slot, fi = psi slot, V) ----------

MADNIS_HELAS_FN cplx ffv_amp(const Wf& fo, const Wf& fi, const Wf& v, const cplx& cl, const cplx& cr) {
    cplx s[4], sb[4], l[2], r[2];
    slash2(v.w, false, s);
    slash2(v.w, true, sb);
    mat_col(sb, fi.w, l);      // P_L part: fo_lo · Sb · fi_up
    mat_col(s, fi.w + 2, r);   // P_R part: fo_up · S · fi_lo
    return cl * (fo.w[2] * l[0] + fo.w[3] * l[1]) + cr * (fo.w[0] * r[0] + fo.w[1] * r[1]);
}

// The vector current fo gamma^mu (cl P_L + cr P_R) fi, propagated with mass m, width w.
MADNIS_HELAS_FN OpenLeg ffv_open_vector(const Wf& fo, const Wf& fi, const cplx& cl, const cplx& cr) {
    OpenLeg o;
    for (int mu = 0; mu < 4; ++mu) o.w[mu] = cplx(0.0);
    sandwich(fo.w + 2, fi.w, true, 1.0, cl, o.w);
    sandwich(fo.w, fi.w + 2, false, 1.0, cr, o.w);
    return o;
}

MADNIS_HELAS_FN Wf ffv_vector(const Wf& fo, const Wf& fi, const cplx& cl, const cplx& cr, double m, double w) {
    Wf j;
    sum_momenta(j, fo, fi);
    const OpenLeg o = ffv_open_vector(fo, fi, cl, cr);
    for (int mu = 0; mu < 4; ++mu) j.w[mu] = o.w[mu];
    propagate_vector(j, m, w);
    return j;
}

// gamma^mu V_mu (cl P_L + cr P_R) fi, open on its row-spinor leg (ffv_col without propagator).
MADNIS_HELAS_FN OpenLeg ffv_open_col(const Wf& fi, const Wf& v, const cplx& cl, const cplx& cr) {
    OpenLeg o;
    cplx s[4], sb[4], up[2], lo[2];
    slash2(v.w, false, s);
    slash2(v.w, true, sb);
    mat_col(s, fi.w + 2, up);  // upper: cr S fi_lo
    mat_col(sb, fi.w, lo);     // lower: cl Sb fi_up
    o.w[0] = cr * up[0];
    o.w[1] = cr * up[1];
    o.w[2] = cl * lo[0];
    o.w[3] = cl * lo[1];
    return o;
}

// fo gamma^mu V_mu (cl P_L + cr P_R), open on its column-spinor leg (ffv_row without propagator).
MADNIS_HELAS_FN OpenLeg ffv_open_row(const Wf& fo, const Wf& v, const cplx& cl, const cplx& cr) {
    OpenLeg o;
    cplx s[4], sb[4], up[2], lo[2];
    slash2(v.w, false, s);
    slash2(v.w, true, sb);
    row_mat(fo.w + 2, sb, up);  // (cl fo_lo Sb, cr fo_up S)
    row_mat(fo.w, s, lo);
    o.w[0] = cl * up[0];
    o.w[1] = cl * up[1];
    o.w[2] = cr * lo[0];
    o.w[3] = cr * lo[1];
    return o;
}

// The column spinor S(p) gamma^mu V_mu (cl P_L + cr P_R) fi.
MADNIS_HELAS_FN Wf ffv_col(const Wf& fi, const Wf& v, const cplx& cl, const cplx& cr, double m, double w) {
    Wf f;
    sum_momenta(f, fi, v);
    const OpenLeg o = ffv_open_col(fi, v, cl, cr);
    for (int i = 0; i < 4; ++i) f.w[i] = o.w[i];
    propagate_fermion_col(f, m, w);
    return f;
}

// The row spinor fo gamma^mu V_mu (cl P_L + cr P_R) S(p).
MADNIS_HELAS_FN Wf ffv_row(const Wf& fo, const Wf& v, const cplx& cl, const cplx& cr, double m, double w) {
    Wf f;
    sum_momenta(f, fo, v);
    const OpenLeg o = ffv_open_row(fo, v, cl, cr);
    for (int i = 0; i < 4; ++i) f.w[i] = o.w[i];
    propagate_fermion_row(f, m, w);
    return f;
}

// ---- FFS: cl P_L + cr P_R; legs (fo, fi, S) ----------------------------------------------

MADNIS_HD cplx ffs_bilinear(const Wf& fo, const Wf& fi, const cplx& cl, const cplx& cr) {
    return cl * (fo.w[0] * fi.w[0] + fo.w[1] * fi.w[1]) + cr * (fo.w[2] * fi.w[2] + fo.w[3] * fi.w[3]);
}

MADNIS_HELAS_FN cplx ffs_amp(const Wf& fo, const Wf& fi, const Wf& s, const cplx& cl, const cplx& cr) {
    return ffs_bilinear(fo, fi, cl, cr) * s.w[0];
}

MADNIS_HELAS_FN Wf ffs_scalar(const Wf& fo, const Wf& fi, const cplx& cl, const cplx& cr, double m, double w) {
    Wf s;
    sum_momenta(s, fo, fi);
    s.w[0] = ffs_bilinear(fo, fi, cl, cr);
    s.w[1] = s.w[2] = s.w[3] = cplx(0.0);
    propagate_scalar(s, m, w);
    return s;
}

MADNIS_HELAS_FN Wf ffs_col(const Wf& fi, const Wf& s, const cplx& cl, const cplx& cr, double m, double w) {
    Wf f;
    sum_momenta(f, fi, s);
    const cplx a = cl * s.w[0], b = cr * s.w[0];
    f.w[0] = a * fi.w[0];
    f.w[1] = a * fi.w[1];
    f.w[2] = b * fi.w[2];
    f.w[3] = b * fi.w[3];
    propagate_fermion_col(f, m, w);
    return f;
}

MADNIS_HELAS_FN Wf ffs_row(const Wf& fo, const Wf& s, const cplx& cl, const cplx& cr, double m, double w) {
    Wf f;
    sum_momenta(f, fo, s);
    const cplx a = cl * s.w[0], b = cr * s.w[0];
    f.w[0] = a * fo.w[0];
    f.w[1] = a * fo.w[1];
    f.w[2] = b * fo.w[2];
    f.w[3] = b * fo.w[3];
    propagate_fermion_row(f, m, w);
    return f;
}

// ---- VVV: g^{μ0μ1}(p0-p1)^{μ2} + g^{μ1μ2}(p1-p2)^{μ0} + g^{μ2μ0}(p2-p0)^{μ1} ----------
// The structure is cyclic, so the current of any leg is vvv_vector with the two other
// legs in cyclic order (leg 2 from (0, 1), leg 0 from (1, 2), leg 1 from (2, 0)).

MADNIS_HELAS_FN cplx vvv_amp(const Wf& a, const Wf& b, const Wf& c, const cplx& g) {
    real ab[4], bc[4], ca[4];
    for (int mu = 0; mu < 4; ++mu) {
        ab[mu] = a.p[mu] - b.p[mu];
        bc[mu] = b.p[mu] - c.p[mu];
        ca[mu] = c.p[mu] - a.p[mu];
    }
    return g * (cdot(a.w, b.w) * cdot(ab, c.w) + cdot(b.w, c.w) * cdot(bc, a.w) + cdot(c.w, a.w) * cdot(ca, b.w));
}

// The VVV vertex open on leg c (after a, b in cyclic order), without propagator; the
// momentum of c is -(a.p + b.p).
MADNIS_HELAS_FN OpenLeg vvv_open(const Wf& a, const Wf& b, const cplx& g) {
    OpenLeg o;
    real bc[4], ca[4];
    for (int mu = 0; mu < 4; ++mu) {
        const real pc = -(a.p[mu] + b.p[mu]);
        bc[mu] = b.p[mu] - pc;
        ca[mu] = pc - a.p[mu];
    }
    const cplx ab_ = cdot(a.w, b.w), bca = cdot(bc, a.w), cab = cdot(ca, b.w);
    for (int mu = 0; mu < 4; ++mu) {
        o.w[mu] = g * (ab_ * (a.p[mu] - b.p[mu]) + b.w[mu] * bca + a.w[mu] * cab);
    }
    return o;
}

MADNIS_HELAS_FN Wf vvv_vector(const Wf& a, const Wf& b, const cplx& g, double m, double w) {
    Wf j;
    sum_momenta(j, a, b);
    const OpenLeg o = vvv_open(a, b, g);
    for (int mu = 0; mu < 4; ++mu) j.w[mu] = o.w[mu];
    propagate_vector(j, m, w);
    return j;
}

// ---- VVVV: c01 (V0·V1)(V2·V3) + c02 (V0·V2)(V1·V3) + c03 (V0·V3)(V1·V2) -------------------
// c01, c02, c03 are the coupling-weighted coefficients of the three pairings of the legs.
// The current of leg k from the other legs (a, b, c) takes c_ab, c_ac, c_bc, the
// coefficients of the pairings that put a with b, a with c and b with c.

// PAIRINGS (bit 0: 01|23 or ab, bit 1: 02|13 or ac, bit 2: 03|12 or bc) names the pairings
// with a non-zero coefficient; the generated code passes it so that each colour piece of the
// QCD vertex (two pairings each) skips the third. Inline, so that the compiler shares the dot
// products between the pieces of one diagram.
template <int PAIRINGS = 7>
MADNIS_HD_ALWAYS_INLINE cplx vvvv_amp(const Wf& v0, const Wf& v1, const Wf& v2, const Wf& v3, const cplx& c01, const cplx& c02,
                        const cplx& c03) {
    cplx r(0.0);
    if constexpr ((PAIRINGS & 1) != 0) r += c01 * cdot(v0.w, v1.w) * cdot(v2.w, v3.w);
    if constexpr ((PAIRINGS & 2) != 0) r += c02 * cdot(v0.w, v2.w) * cdot(v1.w, v3.w);
    if constexpr ((PAIRINGS & 4) != 0) r += c03 * cdot(v0.w, v3.w) * cdot(v1.w, v2.w);
    return r;
}

// The VVVV vertex open on its fourth leg, without propagator (vvvv_vector's arguments).
template <int PAIRINGS = 7>
MADNIS_HD OpenLeg vvvv_open(const Wf& a, const Wf& b, const Wf& c, const cplx& cab, const cplx& cac, const cplx& cbc) {
    OpenLeg o;
    for (int mu = 0; mu < 4; ++mu) o.w[mu] = cplx(0.0);
    if constexpr ((PAIRINGS & 1) != 0) {
        const cplx x = cab * cdot(a.w, b.w);
        for (int mu = 0; mu < 4; ++mu) o.w[mu] += x * c.w[mu];
    }
    if constexpr ((PAIRINGS & 2) != 0) {
        const cplx y = cac * cdot(a.w, c.w);
        for (int mu = 0; mu < 4; ++mu) o.w[mu] += y * b.w[mu];
    }
    if constexpr ((PAIRINGS & 4) != 0) {
        const cplx z = cbc * cdot(b.w, c.w);
        for (int mu = 0; mu < 4; ++mu) o.w[mu] += z * a.w[mu];
    }
    return o;
}

template <int PAIRINGS = 7>
MADNIS_HD Wf vvvv_vector(const Wf& a, const Wf& b, const Wf& c, const cplx& cab, const cplx& cac, const cplx& cbc,
                         double m, double w) {
    Wf j;
    sum_momenta(j, a, b, c);
    const OpenLeg o = vvvv_open<PAIRINGS>(a, b, c, cab, cac, cbc);
    for (int mu = 0; mu < 4; ++mu) j.w[mu] = o.w[mu];
    propagate_vector(j, m, w);
    return j;
}

// ---- VVS: g^{μ0μ1}; legs (V, V, S) ------------------------------------------------------

MADNIS_HELAS_FN cplx vvs_amp(const Wf& v0, const Wf& v1, const Wf& s, const cplx& g) {
    return g * cdot(v0.w, v1.w) * s.w[0];
}

MADNIS_HELAS_FN Wf vvs_scalar(const Wf& v0, const Wf& v1, const cplx& g, double m, double w) {
    Wf s;
    sum_momenta(s, v0, v1);
    s.w[0] = g * cdot(v0.w, v1.w);
    s.w[1] = s.w[2] = s.w[3] = cplx(0.0);
    propagate_scalar(s, m, w);
    return s;
}

// The current of one vector leg from the other vector v and the scalar s.
MADNIS_HELAS_FN Wf vvs_vector(const Wf& v, const Wf& s, const cplx& g, double m, double w) {
    Wf j;
    sum_momenta(j, v, s);
    const cplx gs = g * s.w[0];
    for (int mu = 0; mu < 4; ++mu) j.w[mu] = gs * v.w[mu];
    propagate_vector(j, m, w);
    return j;
}

// ---- VVSS: g^{μ0μ1}; legs (V, V, S, S) ----------------------------------------------------

MADNIS_HELAS_FN cplx vvss_amp(const Wf& v0, const Wf& v1, const Wf& s0, const Wf& s1, const cplx& g) {
    return g * cdot(v0.w, v1.w) * s0.w[0] * s1.w[0];
}

MADNIS_HELAS_FN Wf vvss_scalar(const Wf& v0, const Wf& v1, const Wf& s, const cplx& g, double m, double w) {
    Wf r;
    sum_momenta(r, v0, v1, s);
    r.w[0] = g * cdot(v0.w, v1.w) * s.w[0];
    r.w[1] = r.w[2] = r.w[3] = cplx(0.0);
    propagate_scalar(r, m, w);
    return r;
}

MADNIS_HELAS_FN Wf vvss_vector(const Wf& v, const Wf& s0, const Wf& s1, const cplx& g, double m, double w) {
    Wf j;
    sum_momenta(j, v, s0, s1);
    const cplx gs = g * s0.w[0] * s1.w[0];
    for (int mu = 0; mu < 4; ++mu) j.w[mu] = gs * v.w[mu];
    propagate_vector(j, m, w);
    return j;
}

// ---- SSS and SSSS: 1 ------------------------------------------------------------------------

MADNIS_HELAS_FN cplx sss_amp(const Wf& a, const Wf& b, const Wf& c, const cplx& g) { return g * a.w[0] * b.w[0] * c.w[0]; }

MADNIS_HELAS_FN Wf sss_scalar(const Wf& a, const Wf& b, const cplx& g, double m, double w) {
    Wf s;
    sum_momenta(s, a, b);
    s.w[0] = g * a.w[0] * b.w[0];
    s.w[1] = s.w[2] = s.w[3] = cplx(0.0);
    propagate_scalar(s, m, w);
    return s;
}

MADNIS_HELAS_FN cplx ssss_amp(const Wf& a, const Wf& b, const Wf& c, const Wf& d, const cplx& g) {
    return g * a.w[0] * b.w[0] * c.w[0] * d.w[0];
}

MADNIS_HELAS_FN Wf ssss_scalar(const Wf& a, const Wf& b, const Wf& c, const cplx& g, double m, double w) {
    Wf s;
    sum_momenta(s, a, b, c);
    s.w[0] = g * a.w[0] * b.w[0] * c.w[0];
    s.w[1] = s.w[2] = s.w[3] = cplx(0.0);
    propagate_scalar(s, m, w);
    return s;
}

}  // namespace madnis::helas
