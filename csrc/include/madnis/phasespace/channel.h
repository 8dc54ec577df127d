// A phase-space channel: a short program of the blocks in this folder, packed
// by madnis_plugin/phasespace/topology.py into two flat arrays, run point by
// point forward (r → momenta, weight) or inverse (momenta → r, weight).
//
// Weight convention: weight = dx1 dx2 dΦ_n / d^d r, the luminosity Jacobian
// (hadronic only; x1 = x2 = 1 otherwise) times the n-body phase-space density
//   dΦ_n = (2π)^(4-3n) δ⁴(p_a + p_b - Σ k_i) Π d³k_i / (2E_i)
// per unit volume of r. No flux, no PDFs. Each intermediate invariant adds
// its dx/dr / (2π) (from dΦ_n = dΦ_j dΦ_(n-j+1) ds/(2π)).
//
// Momentum slots (four-vectors, (E, px, py, pz)): 0 = incoming leg 1 (+z),
// 1 = leg 2, 2 … n+1 = outgoing legs, then internal ones (s-channel
// propagators, the remaining system X_k and the spacelike q_k of a t-channel
// chain). Each slot has a mass² m2[slot], initialised from the program (on-shell
// masses, and the lower limits of sampled invariants) and overwritten as the
// invariants are sampled, so later limits see earlier choices.
//
// ints:   [version, n_final, n_slots, n_instr, dim, hadronic, root slot, mirrored,
//          n_instr records of kInstrWidth, then index lists]
// params: [s, ŝ_min, lumi map (M, Γ, ν), y_max (0: none), m2_init[n_slots], map blocks (M, Γ, ν, a, b, c, e)]
// Records (the last field is the first dimension of r the op reads):
//   kSum       target, list, count                  inverse only: target = Σ list
//   kInvariant target, parent, lo list, count, sub list, count, map   (1 dim)
//              x ∈ [max(a, e + c/√ŝ, (Σ_lo √m2)²), (√m2[parent] - Σ_sub √m2 - b)²] by
//              the invariant map; a: the cut-derived s_min of the target's legs, b: how
//              much the siblings' energies exceed their masses by the cuts (≥ 0),
//              e + c/√ŝ: a floor that depends on ŝ (a massive leg and a pT-cut
//              massless one, topology.py; c = e = 0 without)
//   kDecay     parent, child 1, child 2                                (2 dims)
//   kRambo     parent, list, count                                     (3n-4 dims)
//   kTStep     X, q, B, Y, q', map     one step of a t-channel chain   (2 dims)
//              a: B's minimal transverse momentum to q's axis (0: none),
//              b: an upper limit on t (t_channel.h states both)
// The limits a, b come from the run_card cuts (madnis_plugin/phasespace/topology.py
// derives them and says why each is safe); without cuts a = 0, b = 0 (kInvariant)
// and a = 0, b = +huge (kTStep) give the plain kinematic limits.
// Hadronic channels read r[0] (ŝ by the lumi map on [ŝ_min, s]) and r[1] (y) first.
// mirrored = 1: the program runs in the partonic frame reflected in z (a t-channel
// chain from leg 2 to leg 1 written as one from leg 1); the outgoing momenta are
// reflected back (|det| = 1, the weight is unchanged). A reflection, not a chain
// starting at q = leg 2, because the rotation towards q is singular along -z.
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/macros.h"
#include "madnis/phasespace/invariant.h"
#include "madnis/phasespace/kinematics.h"
#include "madnis/phasespace/luminosity.h"
#include "madnis/phasespace/rambo.h"
#include "madnis/phasespace/t_channel.h"
#include "madnis/phasespace/two_body.h"

namespace madnis::ps {

constexpr int kChannelVersion = 2;
constexpr int kMapWidth = 7;
constexpr int kMaxSlots = 40;
constexpr int kHeader = 8;
constexpr int kInstrWidth = 10;
constexpr int kParamHeader = 6;
enum Opcode : int { kSum = 1, kInvariant = 2, kDecay = 3, kRambo = 4, kTStep = 5 };

struct ChannelProgram {
    const int64_t* ints;
    const double* params;

    MADNIS_HD int n_final() const { return static_cast<int>(ints[1]); }
    MADNIS_HD int n_slots() const { return static_cast<int>(ints[2]); }
    MADNIS_HD int n_instr() const { return static_cast<int>(ints[3]); }
    MADNIS_HD int dim() const { return static_cast<int>(ints[4]); }
    MADNIS_HD bool hadronic() const { return ints[5] != 0; }
    MADNIS_HD int root() const { return static_cast<int>(ints[6]); }
    MADNIS_HD bool mirrored() const { return ints[7] != 0; }
    MADNIS_HD const int64_t* instr(int i) const { return ints + kHeader + kInstrWidth * i; }
    MADNIS_HD InvariantMap map(int64_t off) const { return {params[off], params[off + 1], params[off + 2]}; }
    MADNIS_HD double limit_a(int64_t off) const { return params[off + 3]; }
    MADNIS_HD double limit_b(int64_t off) const { return params[off + 4]; }
    MADNIS_HD double limit_c(int64_t off) const { return params[off + 5]; }
    MADNIS_HD double limit_e(int64_t off) const { return params[off + 6]; }
    MADNIS_HD bool valid(int n_final_expected, int dim_expected) const {
        return ints[0] == kChannelVersion && n_final() == n_final_expected && dim() == dim_expected &&
               n_slots() <= kMaxSlots && n_slots() >= n_final() + 2;
    }
};

// The mass window of a kInvariant record given the current m2 state.
MADNIS_HD void invariant_limits(const ChannelProgram& ch, const int64_t* in, const double* m2, double* lo,
                                double* hi) {
    double a = 0, b = sqrt(fmax(m2[in[2]], 0.0)) - ch.limit_b(in[7]);
    for (int64_t i = 0; i < in[4]; ++i) a += sqrt(m2[ch.ints[in[3] + i]]);
    for (int64_t i = 0; i < in[6]; ++i) b -= sqrt(m2[ch.ints[in[5] + i]]);
    *lo = fmax(a * a, ch.limit_a(in[7]));
    const double c = ch.limit_c(in[7]), s_hat = m2[ch.root()];
    if (c > 0 && s_hat > 0) *lo = fmax(*lo, ch.limit_e(in[7]) + c / sqrt(s_hat));
    *hi = b >= 0 ? b * b : -1.0;
}

// Forward map of one point: r[dim] → momenta[n+2][4] (lab frame), x1, x2; returns the weight.
MADNIS_HD double channel_forward(const ChannelProgram& ch, const double* r, double* out, double* x1,
                                 double* x2) {
    double mom[kMaxSlots][4];
    double m2[kMaxSlots];
    const int ns = ch.n_slots(), nf = ch.n_final();
    for (int i = 0; i < ns; ++i) m2[i] = ch.params[kParamHeader + i];
    const double s = ch.params[0];
    double w = 1.0, s_hat = s, y = 0.0;
    *x1 = *x2 = 1.0;
    if (ch.hadronic()) {
        w = ch.map(2).forward(r[0], ch.params[1], s, &s_hat);
        w *= Luminosity::forward(s_hat, s, r[1], ch.params[5], x1, x2, &y);
    }
    const double e = 0.5 * sqrt(s_hat);
    const double pa[4] = {e, 0, 0, e}, pb[4] = {e, 0, 0, -e};
    for (int c = 0; c < 4; ++c) {
        mom[0][c] = pa[c];
        mom[1][c] = pb[c];
        mom[ch.root()][c] = pa[c] + pb[c];
    }
    m2[ch.root()] = s_hat;
    for (int k = 0; k < ch.n_instr(); ++k) {
        const int64_t* in = ch.instr(k);
        const double* rr = r + in[kInstrWidth - 1];
        switch (static_cast<int>(in[0])) {
            case kInvariant: {
                double lo, hi, x;
                invariant_limits(ch, in, m2, &lo, &hi);
                w *= ch.map(in[7]).forward(rr[0], lo, hi, &x) / kTwoPi;
                m2[in[1]] = x;
                break;
            }
            case kDecay:
                w *= TwoBodyDecay::forward(mom[in[1]], m2[in[1]], m2[in[2]], m2[in[3]], rr[0], rr[1],
                                           mom[in[2]], mom[in[3]]);
                break;
            case kRambo:
                w *= Rambo::forward(mom[in[1]], m2[in[1]], static_cast<int>(in[3]), ch.ints + in[2], m2, rr,
                                    &mom[0][0]);
                break;
            case kTStep: {
                double t;
                w *= TChannelStep::forward(ch.map(in[6]), ch.limit_a(in[6]), ch.limit_b(in[6]), mom[in[1]],
                                           m2[in[1]], mom[in[2]], m2[in[2]], m2[in[3]], m2[in[4]], rr[0], rr[1],
                                           mom[in[3]], mom[in[4]], mom[in[5]], &t);
                m2[in[5]] = t;
                break;
            }
            default:
                break;  // kSum: inverse only
        }
    }
    const double sq = sqrt(s);
    const double lab_a[4] = {0.5 * sq * *x1, 0, 0, 0.5 * sq * *x1};
    const double lab_b[4] = {0.5 * sq * *x2, 0, 0, -0.5 * sq * *x2};
    for (int c = 0; c < 4; ++c) {
        out[c] = lab_a[c];
        out[4 + c] = lab_b[c];
    }
    for (int i = 2; i < nf + 2; ++i) {
        if (ch.mirrored()) mom[i][3] = -mom[i][3];
        Luminosity::boost_z(y, mom[i], out + 4 * i);
    }
    return w;
}

// Inverse map of one point: momenta[n+2][4] (lab frame) → r[dim]; returns the weight.
MADNIS_HD double channel_inverse(const ChannelProgram& ch, const double* in_mom, double* r) {
    double mom[kMaxSlots][4];
    double m2[kMaxSlots];
    double scratch[4 * kMaxSlots];
    const int ns = ch.n_slots(), nf = ch.n_final();
    for (int i = 0; i < ns; ++i) m2[i] = ch.params[kParamHeader + i];
    const double s = ch.params[0];
    double w = 1.0, s_hat = s, y = 0.0;
    if (ch.hadronic()) {
        const double sq = sqrt(s);
        const double x1 = (in_mom[0] + in_mom[3]) / sq, x2 = (in_mom[4] - in_mom[7]) / sq;
        w = Luminosity::inverse(x1, x2, s, ch.params[5], &s_hat, &r[1], &y);
        w *= ch.map(2).inverse(s_hat, ch.params[1], s, &r[0]);
    }
    const double e = 0.5 * sqrt(s_hat);
    const double pa[4] = {e, 0, 0, e}, pb[4] = {e, 0, 0, -e};
    for (int c = 0; c < 4; ++c) {
        mom[0][c] = pa[c];
        mom[1][c] = pb[c];
    }
    for (int i = 2; i < nf + 2; ++i) {
        Luminosity::boost_z(-y, in_mom + 4 * i, mom[i]);
        if (ch.mirrored()) mom[i][3] = -mom[i][3];
    }
    m2[ch.root()] = s_hat;
    for (int k = 0; k < ch.n_instr(); ++k) {
        const int64_t* in = ch.instr(k);
        double* rr = r + in[kInstrWidth - 1];
        switch (static_cast<int>(in[0])) {
            case kSum:
                for (int c = 0; c < 4; ++c) {
                    double v = 0;
                    for (int64_t i = 0; i < in[3]; ++i) v += mom[ch.ints[in[2] + i]][c];
                    mom[in[1]][c] = v;
                }
                break;
            case kInvariant: {
                double lo, hi;
                invariant_limits(ch, in, m2, &lo, &hi);
                const double x = dot4(mom[in[1]], mom[in[1]]);
                w *= ch.map(in[7]).inverse(hi >= lo ? fmin(hi, fmax(lo, x)) : lo, lo, hi, rr) / kTwoPi;
                m2[in[1]] = x;
                break;
            }
            case kDecay:
                w *= TwoBodyDecay::inverse(mom[in[1]], m2[in[1]], m2[in[2]], m2[in[3]], mom[in[2]], rr, rr + 1);
                break;
            case kRambo:
                w *= Rambo::inverse(mom[in[1]], m2[in[1]], static_cast<int>(in[3]), ch.ints + in[2], m2,
                                    &mom[0][0], rr, scratch);
                break;
            case kTStep: {
                double t;
                w *= TChannelStep::inverse(ch.map(in[6]), ch.limit_a(in[6]), ch.limit_b(in[6]), mom[in[1]],
                                           m2[in[1]], mom[in[2]], m2[in[2]], m2[in[3]], m2[in[4]], mom[in[3]], rr,
                                           rr + 1, mom[in[5]], &t);
                m2[in[5]] = t;
                break;
            }
            default:
                break;
        }
    }
    return w;
}

}  // namespace madnis::ps
