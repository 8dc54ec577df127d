// MG5 LO run_card cuts (Template/LO SubProcesses/setcuts.f + cuts.f semantics) on one
// event of lab-frame momenta: p[k] = (E, px, py, pz) for k = 0, 1 the incoming partons
// and k = 2 .. n_out+1 the outgoing legs.
//
// Leg classes come per outgoing leg as bit flags (kLeg* below, built in Python from the
// PDG id, maxjetflavor and the mass, as setcuts.f does):
//   jet  : g or |pid| <= maxjetflavor       b    : maxjetflavor < |pid| <= 5
//   photon: pid = 22                         lepton: |pid| in {11, 13, 15}
//   neutrino: |pid| in {12, 14, 16}          heavy : mass > 10 GeV  (ptheavy)
//   cut  : the per-leg cuts (pt, |y|, ΔR, pair mass) apply: mass <= 20 GeV and no neutrino
// Cut values come in one float64 array with the layout kCut* below (filled by
// madnis_plugin/integrand/cuts.py from a RunCard). Conventions, as MG5:
//   * minima reject strictly below (value == threshold passes); maxima are active when
//     >= 0 (-1 = none) and reject strictly above;
//   * "eta" cuts and ΔR use the true rapidity y = ½ ln((E+pz)/(E-pz)) (MG5's rap(), which
//     is not the pseudorapidity for massive legs); ΔR² = Δφ² + Δy², Δφ in [0, π];
//   * pair invariant-mass cuts compare s = (pi+pj)² with the signed squares mm·|mm|; a
//     minimum above the maximum turns the pair cut into a veto of the window (max, min);
//   * ptll is a pair cut on |pT(pi+pj)| for same-flavour opposite-charge lepton pairs,
//     lepton–neutrino pairs and neutrino pairs (setcuts.f), not on the sum of all leptons;
//   * misset is pT of the neutrino sum (only when there are neutrinos); mmnl the invariant
//     mass of all charged leptons and neutrinos; ihtmin/max the scalar pT sum of jets and
//     b's; xpt* need at least one leg of the class at or above the value (ignored when the
//     process has no leg of that class); ptheavy needs one heavy leg strictly above it
//     (ignored without heavy legs); dsqrt_shat/max bound √ŝ = √((p1+p2)²).
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/macros.h"

namespace madnis {

// Per-leg class flags.
enum : int32_t {
    kLegJet = 1,
    kLegB = 2,
    kLegPhoton = 4,
    kLegLepton = 8,
    kLegNeutrino = 16,
    kLegHeavy = 32,
    kLegCut = 64,
};

// Cut classes for the per-class and pair tables: jet, b, photon, lepton.
enum : int { kClassJ = 0, kClassB = 1, kClassA = 2, kClassL = 3, kNumCutClasses = 4 };

// Layout of the packed cut parameters (float64).
enum : int {
    kCutClass = 0,      // [4c + 0] pt min, [4c + 1] pt max, [4c + 2] |y| max, [4c + 3] |y| min
    kCutDrMin = 16,     // [16 + 4a + b] ΔR min between classes a and b (symmetric)
    kCutDrMax = 32,     // [32 + 4a + b] ΔR max (-1: none)
    kCutMmMin = 48,     // [48 + c] pair-mass min for jj, bb, aa, ll (ll: same flavour, opposite charge)
    kCutMmMax = 52,     // [52 + c] pair-mass max
    kCutXpt = 56,       // [56 + c] at least one leg of class c with pt >= value
    kCutMisset = 60,
    kCutMissetMax = 61,
    kCutPtHeavy = 62,
    kCutPtllMin = 63,
    kCutPtllMax = 64,
    kCutMmnlMin = 65,
    kCutMmnlMax = 66,
    kCutIhtMin = 67,
    kCutIhtMax = 68,
    kCutShatMin = 69,   // dsqrt_shat
    kCutShatMax = 70,   // dsqrt_shatmax
    kNumCutParams = 71,
};

MADNIS_HD int cut_class(int32_t flags) {
    if (flags & kLegJet) return kClassJ;
    if (flags & kLegB) return kClassB;
    if (flags & kLegPhoton) return kClassA;
    if (flags & kLegLepton) return kClassL;
    return -1;
}

MADNIS_HD double cut_pt2(const double* p) { return p[1] * p[1] + p[2] * p[2]; }
MADNIS_HD double cut_pt(const double* p) { return sqrt(cut_pt2(p)); }
MADNIS_HD double cut_rapidity(const double* p) { return 0.5 * log((p[0] + p[3]) / (p[0] - p[3])); }

// Azimuthal separation in [0, π], exact also for nearly (anti)parallel legs.
MADNIS_HD double cut_delta_phi(const double* a, const double* b) {
    const double cross = a[1] * b[2] - a[2] * b[1];
    const double dot = a[1] * b[1] + a[2] * b[2];
    return fabs(atan2(cross, dot));
}

MADNIS_HD double cut_pair_m2(const double* a, const double* b) {
    const double e = a[0] + b[0], x = a[1] + b[1], y = a[2] + b[2], z = a[3] + b[3];
    return e * e - x * x - y * y - z * z;
}

// MG5's two-sided test: below min, or above a max that is >= 0.
MADNIS_HD bool cut_outside(double v, double lo, double hi) { return v < lo || (hi >= 0.0 && v > hi); }

MADNIS_HD double signed_square(double v) { return v * fabs(v); }

// True when the event passes every cut. p: (n_out + 2) × 4 momenta, flags/pdg: n_out.
MADNIS_HD bool passes_cuts(const double* c, const int32_t* flags, const int32_t* pdg, int n_out, const double* p) {
    const double* out = p + 8;
    // √ŝ window (MG5 compares ŝ with the squared bounds).
    const double shat = cut_pair_m2(p, p + 4);
    if (shat < signed_square(c[kCutShatMin])) return false;
    if (c[kCutShatMax] >= 0.0 && shat > signed_square(c[kCutShatMax])) return false;

    double nu[4] = {0, 0, 0, 0}, lep[4] = {0, 0, 0, 0};
    bool has_nu = false, has_heavy = false, heavy_ok = false;
    double xpt[kNumCutClasses] = {0, 0, 0, 0};
    bool has_class[kNumCutClasses] = {false, false, false, false};
    double iht = 0.0;
    for (int i = 0; i < n_out; ++i) {
        const double* q = out + 4 * i;
        const int32_t f = flags[i];
        const double pt = cut_pt(q);
        const int cls = cut_class(f);
        if ((f & kLegCut) && cls >= 0) {
            const double* cc = c + kCutClass + 4 * cls;
            if (cut_outside(pt, cc[0], cc[1])) return false;
            const double ay = fabs(cut_rapidity(q));
            if ((cc[2] >= 0.0 && ay > cc[2]) || ay < cc[3]) return false;
        }
        if (cls >= 0) {
            has_class[cls] = true;
            xpt[cls] = fmax(xpt[cls], pt);
        }
        if (f & (kLegJet | kLegB)) iht += pt;
        if (f & kLegNeutrino) {
            has_nu = true;
            for (int k = 0; k < 4; ++k) nu[k] += q[k];
        } else if (f & kLegLepton) {
            for (int k = 0; k < 4; ++k) lep[k] += q[k];
        }
        if (f & kLegHeavy) {
            has_heavy = true;
            if (pt > c[kCutPtHeavy]) heavy_ok = true;
        }
    }
    if (has_nu && cut_outside(cut_pt(nu), c[kCutMisset], c[kCutMissetMax])) return false;
    if (c[kCutMmnlMin] > 0.0 || c[kCutMmnlMax] >= 0.0) {
        const double m = sqrt(fmax(0.0, cut_pair_m2(nu, lep)));
        if (cut_outside(m, c[kCutMmnlMin], c[kCutMmnlMax])) return false;
    }
    if (c[kCutPtHeavy] > 0.0 && has_heavy && !heavy_ok) return false;

    // Pair cuts: ΔR, pT of the pair (leptons), invariant mass.
    for (int i = 0; i < n_out; ++i) {
        const double* a = out + 4 * i;
        const int32_t fa = flags[i];
        const int ca = cut_class(fa);
        for (int j = i + 1; j < n_out; ++j) {
            const double* b = out + 4 * j;
            const int32_t fb = flags[j];
            const int cb = cut_class(fb);
            const bool both_cut = (fa & kLegCut) && (fb & kLegCut);
            const bool sfos = (fa & kLegLepton) && (fb & kLegLepton) && pdg[i] == -pdg[j];
            if (both_cut && ca >= 0 && cb >= 0) {
                const double r2min = signed_square(c[kCutDrMin + 4 * ca + cb]);
                const double r2max = signed_square(c[kCutDrMax + 4 * ca + cb]);
                if (r2min > 0.0 || r2max >= 0.0) {
                    const double dphi = cut_delta_phi(a, b);
                    const double dy = cut_rapidity(a) - cut_rapidity(b);
                    if (cut_outside(dphi * dphi + dy * dy, r2min, r2max)) return false;
                }
                int mc = -1;
                if (ca == cb && ca != kClassL) mc = ca;
                if (sfos) mc = kClassL;
                if (mc >= 0) {
                    const double smin = signed_square(c[kCutMmMin + mc]);
                    const double smax = signed_square(c[kCutMmMax + mc]);
                    if (smin > 0.0 || smax >= 0.0) {
                        const double s = cut_pair_m2(a, b);
                        const bool bad = (smin <= smax || smax < 0.0) ? cut_outside(s, smin, smax)
                                                                      : (s < smin && s > smax);
                        if (bad) return false;
                    }
                }
            }
            const bool lep_pair = sfos || ((fa & kLegNeutrino) && (fb & (kLegLepton | kLegNeutrino))) ||
                                  ((fa & kLegLepton) && (fb & kLegNeutrino));
            if (lep_pair) {
                const double lo = signed_square(c[kCutPtllMin]), hi = signed_square(c[kCutPtllMax]);
                if (lo > 0.0 || hi >= 0.0) {
                    const double x = a[1] + b[1], y = a[2] + b[2];
                    if (cut_outside(x * x + y * y, lo, hi)) return false;
                }
            }
        }
    }

    if (cut_outside(iht, c[kCutIhtMin], c[kCutIhtMax])) return false;
    for (int k = 0; k < kNumCutClasses; ++k) {
        const double x = c[kCutXpt + k];
        if (x > 0.0 && has_class[k] && xpt[k] < x) return false;
    }
    return true;
}

}  // namespace madnis
