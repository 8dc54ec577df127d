// Renormalisation and factorisation scales of one event, as MG5's LO run_card sets them
// (Template/LO SubProcesses/setscales.f, cluster.f and reweight.f:setclscales, ickkw = 0).
//
// Input: lab-frame momenta p[k] = (E, px, py, pz), k = 0, 1 incoming (beam 1 along +z),
// k = 2 .. n_out+1 outgoing, and the PDG ids of all n_out + 2 legs (incoming ids as
// incoming particles). Output: μR, μF1, μF2 in GeV.
//
// dynamical_scale_choice (MG5 evaluates them in the partonic centre-of-mass frame):
//   1: Σ_out E_T with E_T = E·pT/|p|          2: Σ_out m_T = Σ √(E² - pz²)
//   3: Σ_out m_T / 2                          4: √ŝ
//  -1: kT clustering of the event to its 2 → 1 core (cluster.f) and MG5's choice of
//      scales along the clustering history (setclscales), see scale_clustering().
// Every dynamical scale is multiplied by scalefact; fixed_ren_scale / fixed_fac_scale
// replace μR by `scale` and μF1, μF2 by dsqrt_q2fact1/2 (not multiplied).
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/macros.h"

namespace madnis {

enum : int {
    kScaleChoice = 0,     // dynamical_scale_choice (-1, 1, 2, 3, 4)
    kScaleFact = 1,       // scalefact
    kScaleFixedRen = 2,   // 1: fixed_ren_scale
    kScaleFixedFac = 3,   // 1: fixed_fac_scale
    kScaleMuR = 4,        // scale
    kScaleMuF1 = 5,       // dsqrt_q2fact1
    kScaleMuF2 = 6,       // dsqrt_q2fact2
    kScaleMaxJetFlavor = 7,
    kScaleD = 8,          // the kT measure's D parameter (run_card 'd', 1 by default)
    kScaleBwCutoff = 9,   // bwcutoff: a resonance within bwcutoff widths of its mass is on-shell
    kScaleSmallWidth = 10,  // small_width_treatment: widths below this × mass are raised to it
    kNumScaleParams = 11,
};

constexpr int kScaleMaxLegs = 12;  // incoming + outgoing legs the clustering supports

// --- small 4-vector helpers (index 0 = E) --------------------------------------------

MADNIS_HD double sc_djb(const double* p) { return (p[0] - p[3]) * (p[0] + p[3]); }  // m² + pT²

// Boost p by the boost that takes a particle at rest to momentum q (HELAS boostx).
MADNIS_HD void sc_boost(const double* p, const double* q, double* out) {
    const double qq = sqrt(q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if (qq == 0.0) {
        for (int k = 0; k < 4; ++k) out[k] = p[k];
        return;
    }
    const double m = sqrt(fmax(q[0] * q[0] - qq * qq, 0.0));
    const double pq = (p[1] * q[1] + p[2] * q[2] + p[3] * q[3]) / qq;
    const double e = (q[0] * p[0] + qq * pq) / m;
    const double f = (p[0] + e) / (q[0] + m);
    out[0] = e;
    for (int k = 1; k < 4; ++k) out[k] = p[k] + f * q[k];
}

// The rotation taking direction a onto +z: axis n = a × z, cos/sin of the angle.
struct ScRotation {
    double n[3] = {0, 0, 0};
    double nn2 = 0.0, ct = 1.0, st = 0.0;
};

MADNIS_HD ScRotation sc_rotation_to_z(const double* a) {
    ScRotation r;
    const double am = sqrt(a[1] * a[1] + a[2] * a[2] + a[3] * a[3]);
    r.ct = a[3] / am;
    const double ct = r.ct > 1.0 ? 0.0 : r.ct;  // MG5's guard against bad numerics
    r.st = sqrt(1.0 - ct * ct);
    r.n[0] = a[2];  // a × (0, 0, 1)
    r.n[1] = -a[1];
    r.n[2] = 0.0;
    r.nn2 = r.n[0] * r.n[0] + r.n[1] * r.n[1];
    if (r.nn2 <= 1e-34) r.nn2 = 0.0;
    return r;
}

// Rodrigues rotation about r.n by +angle (dir > 0) or -angle.
MADNIS_HD void sc_rotate(const double* p, const ScRotation& r, int dir, double* out) {
    out[0] = p[0];
    if (r.nn2 == 0.0) {
        for (int k = 1; k < 4; ++k) out[k] = p[k];
        return;
    }
    const double nn = sqrt(r.nn2);
    const double na = (r.n[0] * p[1] + r.n[1] * p[2] + r.n[2] * p[3]) / r.nn2;
    double at[3], ap[3];
    for (int k = 0; k < 3; ++k) {
        at[k] = r.n[k] * na;
        ap[k] = p[k + 1] - at[k];
    }
    const double cr[3] = {r.n[1] * ap[2] - r.n[2] * ap[1], r.n[2] * ap[0] - r.n[0] * ap[2],
                          r.n[0] * ap[1] - r.n[1] * ap[0]};
    const double s = (dir >= 0 ? r.st : -r.st) / nn;
    for (int k = 0; k < 3; ++k) out[k + 1] = at[k] + r.ct * ap[k] + s * cr[k];
}

// --- SM combination rules for the clustering ---------------------------------------------
// MG5 combines two legs when the subprocess has a diagram with that propagator. When the
// caller passes no diagrams (ScDiagrams), a pair combines instead when the SM has the vertex at the lowest EW order the
// benchmark processes use: QCD (g→gg, g→qq̄, q→qg, incl. top), γ/Z → ℓℓ̄ and νν̄, W → ℓν,
// and a quark radiating a W/Z/γ (flavour-diagonal CKM). Quark pairs only combine to a
// gluon (an EW quark pair would need one more EW vertex than those processes have).

MADNIS_HD bool sc_is_quark(int p) { return p != 0 && abs(p) <= 6; }
MADNIS_HD bool sc_is_lepton(int p) { return abs(p) >= 11 && abs(p) <= 16; }
MADNIS_HD bool sc_self_conjugate(int p) { return p == 21 || p == 22 || p == 23 || p == 25; }
MADNIS_HD int sc_anti(int p) { return sc_self_conjugate(p) ? p : -p; }
MADNIS_HD bool sc_is_qcd(int p) { return p == 21 || sc_is_quark(p); }
MADNIS_HD bool sc_is_jet(int p, int maxjetflavor) { return p == 21 || (p != 0 && abs(p) <= maxjetflavor); }
MADNIS_HD bool sc_neutral_boson(int p) { return p == 22 || p == 23 || p == 25; }

// Outgoing mother c of the vertex c → a + b (all outgoing ids), or 0 when none.
MADNIS_HD int sc_combine(int a, int b) {
    if (a == 21 && b == 21) return 21;
    if (a == 21 && sc_is_quark(b)) return b;
    if (b == 21 && sc_is_quark(a)) return a;
    if (sc_is_quark(a) && a == -b) return 21;
    if (sc_is_lepton(a) && a == -b) return 23;
    if (sc_is_lepton(a) && sc_is_lepton(b) && (a > 0) != (b > 0)) {
        const int ga = (abs(a) - 9) / 2, gb = (abs(b) - 9) / 2;
        const bool a_charged = abs(a) % 2 == 1, b_charged = abs(b) % 2 == 1;
        if (ga == gb && a_charged != b_charged) {
            // ℓ⁻ ν̄ → W⁻, ℓ⁺ ν → W⁺
            const int charged = a_charged ? a : b;
            return charged > 0 ? -24 : 24;
        }
        return 0;
    }
    // q → q' W, q → q Z/γ/H
    for (int k = 0; k < 2; ++k) {
        const int q = k == 0 ? a : b, v = k == 0 ? b : a;
        if (!sc_is_quark(q)) continue;
        if (sc_neutral_boson(v)) return q;
        if (abs(v) == 24) {
            const int aq = abs(q), s = q > 0 ? 1 : -1;
            const bool up = aq % 2 == 0;
            const int partner = up ? aq - 1 : aq + 1;
            // charge×3 of q and of its partner (as particle/antiparticle like q)
            const int cq = s * (up ? 2 : -1), cp = s * (up ? -1 : 2);
            if (cp == cq + (v > 0 ? 3 : -3)) return s * partner;
        }
    }
    return 0;
}

// New incoming id after the incoming line `beam` emits outgoing `b`, or 0 when none.
MADNIS_HD int sc_combine_initial(int beam, int b) {
    const int c = sc_combine(sc_anti(beam), b);
    return c == 0 ? 0 : sc_anti(c);
}

// --- the clustering scale (dynamical_scale_choice = -1) ----------------------------------
//
// MG5 (cluster.f, reweight.f:setclscales, ickkw = 0) clusters the event back to a 2 → 1
// vertex, merging at each step the allowed pair with the smallest kT measure, and reads μR and
// μF off that history. Which pairs are allowed depends on the subprocess's diagrams, and the
// history may depend on the phase-space channel the event comes from (see scale_clustering).

// The subprocess's diagrams as cluster.f uses them. Row d of `props` holds diagram d's n - 3
// propagators as (leg mask, PDG id), bit k of the mask = leg k: an s-channel propagator by
// its final legs and the particle flowing into them, a t-channel one by the legs on leg 0's
// side and the particle flowing away from leg 0 (madnis_plugin/process/diagrams.py).
// `mass_width` holds each propagator's mass and width (GeV), nullptr when unknown.
struct ScDiagrams {
    const int32_t* props = nullptr;       // [n_diagrams, n - 3, 2]
    const double* mass_width = nullptr;   // [n_diagrams, n - 3, 2]
    int n_diagrams = 0;                   // 0: no diagrams, the SM combination rules decide
    int channel = -1;                     // diagram of the event's phase-space channel, -1: none
};

// The channel's on-shell resonances (myamp.f OnBW): its s-channel propagators with a width
// whose legs' invariant mass is within bwcutoff widths of the mass (widths below
// small_width_treatment × mass raised to that, and only if width/mass < 0.1). Not modelled:
// MG5 keeps only one of a resonance and a daughter of the same flavour.
struct ScResonances {
    int mask[kScaleMaxLegs];
    int n = 0;
};

constexpr int kScaleMaxNodes = 2 * kScaleMaxLegs;

struct ScClusterResult {
    double q2fact1, q2fact2, mur;  // GeV², GeV², GeV
    bool ok;
};

// One clustering history. Nodes 0 .. n-1 are the legs, n + s the object made at step s.
// Steps 0 .. nsteps-2 merge two objects (d1 the one at the lower position, a beam line when it
// is one); the last step is the 2 → 1 vertex: d1, d2 the two incoming lines, mo the final object.
struct ScHistory {
    int nsteps = 0;
    int d1[kScaleMaxLegs], d2[kScaleMaxLegs], mo[kScaleMaxLegs];
    int id[kScaleMaxNodes];  // PDG id: outgoing for final-state objects, incoming for beam lines
    double pt2[kScaleMaxLegs], mt2[kScaleMaxLegs];  // per step: kT measure, m_T² of a beam merge
    double mt2last = 0.0;    // √(m_T1² m_T2²) of a final pair merged last
    bool ok = false;
};

// The kT measure of two final-state objects (kin_functions.f DJ, hadron collisions): a
// massless object next to a massive one (m² ≥ 1 GeV² with maxjetflavor > 3, m² ≥ 3 GeV² with
// maxjetflavor > 4) gives the massless one's m_T²·(1 + 1e-6); otherwise max(m_i², m_j²) +
// min(pT_i², pT_j²)·2(cosh Δη - cos Δφ)/D². m² are the objects' assigned masses.
MADNIS_HD double sc_dj(const double* pi, double m2i, const double* pj, double m2j, int maxjetflavor,
                       double inv_d2) {
    const bool heavy_i = (m2i >= 3.0 && maxjetflavor > 4) || (m2i >= 1.0 && maxjetflavor > 3);
    const bool heavy_j = (m2j >= 3.0 && maxjetflavor > 4) || (m2j >= 1.0 && maxjetflavor > 3);
    if (m2i < 1.0 && heavy_j) return sc_djb(pi) * (1.0 + 1e-6);
    if (m2j < 1.0 && heavy_i) return sc_djb(pj) * (1.0 + 1e-6);
    const double pt1 = pi[1] * pi[1] + pi[2] * pi[2], pt2 = pj[1] * pj[1] + pj[2] * pj[2];
    const double a1 = sqrt(pt1 + pi[3] * pi[3]), a2 = sqrt(pt2 + pj[3] * pj[3]);
    const double eta1 = 0.5 * log((a1 + pi[3]) / (a1 - pi[3]));
    const double eta2 = 0.5 * log((a2 + pj[3]) / (a2 - pj[3]));
    const double cphi = (pi[1] * pj[1] + pi[2] * pj[2]) / sqrt(pt1 * pt2);
    return fmax(m2i, m2j) + fmin(pt1, pt2) * 2.0 * (cosh(eta1 - eta2) - cphi) * inv_d2;
}

MADNIS_HD bool sc_has_resonance(const ScDiagrams& dg, int nprop, int full, int d, int mask) {
    if (dg.mass_width == nullptr) return false;
    const int32_t* row = dg.props + 2 * nprop * d;
    for (int k = 0; k < nprop; ++k) {
        const int pm = row[2 * k];
        if ((pm == mask || full - pm == mask) && dg.mass_width[2 * (nprop * d + k) + 1] > 0.0) return true;
    }
    return false;
}

MADNIS_HD ScResonances sc_on_shell(const ScDiagrams& dg, int n, const double* pcm, double bwcutoff,
                                   double small_width) {
    ScResonances r;
    if (dg.mass_width == nullptr || dg.channel < 0) return r;
    const int nprop = n - 3;
    for (int k = 0; k < nprop; ++k) {
        const int m = dg.props[2 * (nprop * dg.channel + k)];
        const double mass = dg.mass_width[2 * (nprop * dg.channel + k)];
        const double width = fmax(dg.mass_width[2 * (nprop * dg.channel + k) + 1], mass * small_width);
        if ((m & 3) != 0 || dg.mass_width[2 * (nprop * dg.channel + k) + 1] <= 0.0 || mass <= 0.0) continue;
        double q[4] = {0, 0, 0, 0};
        for (int l = 2; l < n; ++l)
            if (m & (1 << l))
                for (int c = 0; c < 4; ++c) q[c] += pcm[4 * l + c];
        const double minv = sqrt(fmax(q[0] * q[0] - q[1] * q[1] - q[2] * q[2] - q[3] * q[3], 0.0));
        if (fabs(minv - mass) < bwcutoff * width && width / mass < 0.1) r.mask[r.n++] = m;
    }
    return r;
}

MADNIS_HD bool sc_is_resonance(const ScResonances& bw, int mask) {
    for (int b = 0; b < bw.n; ++b)
        if (bw.mask[b] == mask) return true;
    return false;
}

// First diagram (only diagram `only` when >= 0) that has a propagator `mask`, one for each of
// merged[0 .. nmerged) and a resonance at each on-shell one: the merge is allowed. Returns
// its index or -1; *mother gets the propagator's id seen from `mask`'s side (antiparticle
// when `mask` is the other side).
MADNIS_HD int sc_find_diagram(const ScDiagrams& dg, int nprop, int full, const int* merged, int nmerged, int mask,
                              int only, const ScResonances& bw, int* mother) {
    const int first = only >= 0 ? only : 0, last = only >= 0 ? only + 1 : dg.n_diagrams;
    for (int d = first; d < last; ++d) {
        const int32_t* row = dg.props + 2 * nprop * d;
        bool all = true;
        for (int b = 0; b < bw.n && all; ++b) all = sc_has_resonance(dg, nprop, full, d, bw.mask[b]);
        int id = 0;
        for (int m = -1; m < nmerged && all; ++m) {
            const int want = m < 0 ? mask : merged[m];
            bool has = false;
            for (int k = 0; k < nprop && !has; ++k) {
                const int pm = row[2 * k];
                if (pm == want || full - pm == want) {
                    has = true;
                    if (m < 0) id = pm == want ? row[2 * k + 1] : sc_anti(row[2 * k + 1]);
                }
            }
            all = has;
        }
        if (all) {
            *mother = id;
            return d;
        }
    }
    return -1;
}

// cluster.f on momenta pcm (partonic centre-of-mass frame): repeatedly merge the allowed pair
// with the smallest measure (positions i > j, i over final objects, j from the beams up; the
// first one found wins a tie), never the two beams together. Final-final: sc_dj. Final-beam:
// m_T² of the final object, ×(1 + 1e-6) when it moves against that beam; the beam line becomes
// beam - object, and while more than four objects remain everything is boosted to the new
// incoming pair's rest frame with that line rotated onto +z. A merged object's mass² is the
// larger of its daughters'. Allowed pairs: with diagrams, those of a diagram that has all
// earlier merges too (only diagram `only` when >= 0, MG5's chcluster); without, the SM rules.
// Two final objects that make an on-shell resonance (bw) have their invariant mass² as
// measure, and the merged object that mass².
MADNIS_HD ScHistory sc_cluster(const double* pcm, const int32_t* pdg, int n, int maxjetflavor, double d_param,
                               const ScDiagrams& dg, int only, const ScResonances& bw) {
    ScHistory h;
    h.nsteps = n - 2;
    double mom[kScaleMaxNodes][4], mass2[kScaleMaxNodes];
    int mask[kScaleMaxNodes], live[kScaleMaxLegs], merged[kScaleMaxLegs];
    for (int k = 0; k < n; ++k) {
        for (int c = 0; c < 4; ++c) mom[k][c] = pcm[4 * k + c];
        const double m2 = sc_djb(mom[k]) - mom[k][1] * mom[k][1] - mom[k][2] * mom[k][2];
        mass2[k] = fabs(m2) < 1e-6 ? 0.0 : m2;
        mask[k] = 1 << k;
        h.id[k] = pdg[k];
        live[k] = k;
    }
    const int full = (1 << n) - 1, nprop = n - 3;
    const bool use_diagrams = dg.n_diagrams > 0;
    const double inv_d2 = 1.0 / (d_param * d_param);
    double pcmsp[4] = {0, 0, 0, 0};
    ScRotation rot;
    int nleft = n;
    for (int step = 0; step < h.nsteps - 1; ++step) {
        double best = 1e37;
        int bi = -1, bj = -1, bmother = 0;
        for (int i = 2; i < nleft; ++i) {
            const int oi = live[i];
            for (int j = 0; j < i; ++j) {
                const int oj = live[j];
                int mother = 0;
                if (use_diagrams) {
                    if (sc_find_diagram(dg, nprop, full, merged, step, mask[oi] | mask[oj], only, bw, &mother) < 0) {
                        continue;
                    }
                } else {
                    mother = j >= 2 ? sc_combine(h.id[oi], h.id[oj]) : sc_combine_initial(h.id[oj], h.id[oi]);
                    if (mother == 0) continue;
                }
                double m;
                if (j >= 2 && sc_is_resonance(bw, mask[oi] | mask[oj])) {
                    double q[4];
                    for (int c = 0; c < 4; ++c) q[c] = mom[oi][c] + mom[oj][c];
                    m = q[0] * q[0] - q[1] * q[1] - q[2] * q[2] - q[3] * q[3];
                } else if (j >= 2) {
                    m = sc_dj(mom[oi], mass2[oi], mom[oj], mass2[oj], maxjetflavor, inv_d2);
                } else {
                    m = sc_djb(mom[oi]);
                    if ((mom[oi][3] >= 0.0) != (mom[oj][3] >= 0.0)) m *= 1.0 + 1e-6;
                }
                if (m < best) {
                    best = m;
                    bi = i;
                    bj = j;
                    bmother = mother;
                }
            }
        }
        if (bi < 0) return h;  // nothing may merge: not clustered
        const int oi = live[bi], oj = live[bj], x = n + step;
        h.d1[step] = oj;
        h.d2[step] = oi;
        h.mo[step] = x;
        h.id[x] = bmother;
        h.pt2[step] = best;
        h.mt2[step] = 0.0;
        mask[x] = mask[oi] | mask[oj];
        merged[step] = mask[x];
        mass2[x] = (mass2[oj] > 0.0 || mass2[oi] > 0.0) ? fmax(mass2[oj], mass2[oi]) : 0.0;
        if (bj < 2) {
            h.mt2[step] = sc_djb(mom[oi]);
            const int other = live[1 - bj];
            for (int c = 0; c < 4; ++c) mom[x][c] = mom[oj][c] - mom[oi][c];
            pcmsp[0] = mom[x][0] + mom[other][0];
            for (int c = 1; c < 4; ++c) pcmsp[c] = -mom[x][c] - mom[other][c];
            const double sys2 = pcmsp[0] * pcmsp[0] - pcmsp[1] * pcmsp[1] - pcmsp[2] * pcmsp[2] - pcmsp[3] * pcmsp[3];
            if (sys2 > 100.0 && nleft > 4) {
                double b[4];
                sc_boost(mom[x], pcmsp, b);
                rot = sc_rotation_to_z(b);
                for (int k = 0; k <= nleft; ++k) {
                    const int o = k < nleft ? live[k] : x;
                    if (o == oi || o == oj) continue;
                    sc_boost(mom[o], pcmsp, b);
                    sc_rotate(b, rot, 1, mom[o]);
                }
            }
        } else {
            for (int c = 0; c < 4; ++c) mom[x][c] = mom[oj][c] + mom[oi][c];
            if (sc_is_resonance(bw, mask[x])) mass2[x] = best;
            if (nleft - 1 <= 3) {
                h.mt2last = sqrt(sc_djb(mom[oj]) * sc_djb(mom[oi]));
                // MG5 takes the last object back to the frame before the last boost.
                const double sys2 =
                    pcmsp[0] * pcmsp[0] - pcmsp[1] * pcmsp[1] - pcmsp[2] * pcmsp[2] - pcmsp[3] * pcmsp[3];
                if (sys2 > 100.0) {
                    double r[4];
                    sc_rotate(mom[x], rot, -1, r);
                    const double back[4] = {pcmsp[0], -pcmsp[1], -pcmsp[2], -pcmsp[3]};
                    sc_boost(r, back, mom[x]);
                }
            }
        }
        live[bj] = x;
        for (int k = bi; k < nleft - 1; ++k) live[k] = live[k + 1];
        --nleft;
    }
    const int last = h.nsteps - 1;
    h.d1[last] = live[0];
    h.d2[last] = live[1];
    h.mo[last] = live[2];
    h.pt2[last] = sc_djb(mom[live[2]]);
    h.mt2[last] = 0.0;
    h.ok = true;
    return h;
}

// reweight.f ipartupdate for a final-state merge: the leg (1-based) each object's QCD line
// leads to (a quark line: its quark; g → gg: the harder gluon; g → qq̄ and colour singlets:
// both, the harder first for g → qq̄). pt2leg: pT² of each leg.
MADNIS_HD void sc_ipart_fs(int idmo, int ida1, int ida2, const int* pa, const int* pb, const double* pt2leg,
                           int* out) {
    const bool a_harder = pt2leg[pa[0]] > pt2leg[pb[0]];
    const bool a_gluon = ida1 == 21, b_gluon = ida2 == 21;
    if (idmo == 21 && sc_is_quark(ida1) && sc_is_quark(ida2)) {
        out[0] = a_harder ? pa[0] : pb[0];
        out[1] = a_harder ? pb[0] : pa[0];
    } else if (idmo == 21 && (a_gluon || b_gluon) && !(sc_is_qcd(a_gluon ? ida2 : ida1))) {
        const int* g = a_gluon ? pa : pb;  // g → g + colour singlet: follow the gluon
        out[0] = g[0];
        out[1] = g[1];
    } else if (idmo == 21) {
        const int* hp = a_harder ? pa : pb;
        out[0] = hp[0];
        out[1] = hp[1];
    } else if (idmo == ida1 || idmo == ida1 + (ida2 >= 0 ? 1 : -1)) {
        out[0] = pa[0];
        out[1] = 0;
    } else if (idmo == ida2 || idmo == ida2 + (ida1 >= 0 ? 1 : -1)) {
        out[0] = pb[0];
        out[1] = 0;
    } else if (!sc_is_qcd(idmo)) {
        out[0] = pa[0];
        out[1] = pb[0];
    } else {
        out[0] = pa[0];
        out[1] = 0;
    }
}

// setclscales on one history: μF1², μF2², μR (scalefact applied), and the number of final
// legs tagged as QCD jets (MG5 compares it with the channel's, see scale_clustering).
//
// Each beam's QCD line is followed through the history (jfirst/jlast/jcentral: its first and
// last parton vertex and its last QCD vertex); the central vertex takes the m_T² of the object
// merged there, a final QCD pair merged last (t t̄) the geometric mean of their m_T²;
// μF_i² = √(pt2[jlast_i]·pt2[jcentral_i]) (one value when both lines meet at the same vertex),
// μR = (Π over both sides of those)^(1/8). A final leg is a jet when its line reaches a beam
// through QCD jet vertices only; a quark merged at a vertex without QCD (W/Z/γ emission) is not.
MADNIS_HD ScClusterResult sc_setclscales(const ScHistory& h, const double* pcm, int n, double scalefact,
                                         int maxjetflavor, int* njets) {
    ScClusterResult res{0.0, 0.0, 0.0, false};
    const int ns = h.nsteps;
    double pt2leg[kScaleMaxLegs + 1];
    int ipart[kScaleMaxNodes][2];
    bool good[kScaleMaxNodes];
    for (int k = 0; k < n; ++k) {
        pt2leg[k + 1] = pcm[4 * k + 1] * pcm[4 * k + 1] + pcm[4 * k + 2] * pcm[4 * k + 2];
        ipart[k][0] = k + 1;
        ipart[k][1] = 0;
    }
    for (int s = 0; s < ns - 1; ++s) {
        const int a = h.d1[s], b = h.d2[s], x = h.mo[s];
        const bool ia = ipart[a][0] >= 1 && ipart[a][0] <= 2, ib = ipart[b][0] >= 1 && ipart[b][0] <= 2;
        if (ia || ib) {  // a beam line: keep its beam
            ipart[x][0] = ib ? ipart[b][0] : ipart[a][0];
            ipart[x][1] = 0;
        } else {
            sc_ipart_fs(h.id[x], h.id[a], h.id[b], ipart[a], ipart[b], pt2leg, ipart[x]);
        }
    }
    int jfirst[2] = {0, 0}, jlast[2] = {0, 0}, jcentral[2] = {0, 0}, ibeam[2] = {0, 1};
    bool qcdline[2], partonline[2];
    for (int j = 0; j < 2; ++j) {
        qcdline[j] = partonline[j] = sc_is_qcd(h.id[j]);
        good[j] = partonline[j];
    }
    for (int k = 2; k < kScaleMaxNodes; ++k) good[k] = k < n && sc_is_jet(h.id[k], maxjetflavor);
    int iqjets[kScaleMaxLegs + 1];
    for (int k = 0; k <= n; ++k) iqjets[k] = 0;
    int jcode = 1;
    bool increase = false;
    for (int s = 0; s < ns; ++s) {
        const int step = s + 1;  // 1-based like MG5's jfirst/jlast/jcentral
        for (int i = 0; i < 2; ++i) {
            const int dau = i == 0 ? h.d1[s] : h.d2[s], other = i == 0 ? h.d2[s] : h.d1[s];
            for (int j = 0; j < 2; ++j) {
                if (dau != ibeam[j]) continue;
                ibeam[j] = h.mo[s];
                const int fin = s < ns - 1 ? other : h.mo[s];  // the final-state daughter
                const int imo = s < ns - 1 ? h.mo[s] : other;  // the line after the vertex
                if (partonline[j]) {
                    if (jfirst[j] == 0) jfirst[j] = step;
                    jlast[j] = step;
                    partonline[j] = good[fin] && sc_is_jet(h.id[imo], maxjetflavor);
                } else {
                    if (jfirst[j] == 0) jfirst[j] = step;
                    good[imo] = false;
                }
                if (!good[fin] || !sc_is_jet(h.id[dau], maxjetflavor) || !sc_is_jet(h.id[imo], maxjetflavor)) {
                    ++jcode;
                    increase = true;
                } else if (increase) {
                    ++jcode;
                    increase = false;
                }
                if (good[fin]) iqjets[ipart[fin][0]] = (partonline[j] || h.id[fin] == 21) ? 1 : jcode;
                if (qcdline[j]) {
                    jcentral[j] = step;
                    qcdline[j] = sc_is_qcd(h.id[imo]);
                }
            }
        }
        const int x = h.mo[s];
        if (x == ibeam[0] || x == ibeam[1]) continue;
        // Final-state merge.
        const int a = h.d1[s], b = h.d2[s], idm = h.id[x], ida = h.id[a], idb = h.id[b];
        const bool all_qcd = sc_is_qcd(idm) && sc_is_qcd(ida) && sc_is_qcd(idb);
        const bool jetvx = all_qcd && ((sc_is_jet(ida, maxjetflavor) && (sc_is_jet(idm, maxjetflavor) || idm == idb)) ||
                                       (sc_is_jet(idb, maxjetflavor) && (sc_is_jet(idm, maxjetflavor) || idm == ida)));
        if (!jetvx) {
            // A line that ends at a vertex without QCD jets: its legs are no jets.
            const int p1 = ipart[x][0], p2 = ipart[x][1];
            if (!all_qcd && p1 > 2) {
                if (h.id[p1 - 1] != 21) {
                    const bool none_qcd = !sc_is_qcd(idm) && !sc_is_qcd(ida) && !sc_is_qcd(idb);
                    if (!none_qcd) {
                        if (p2 == 0) {
                            iqjets[p1] = 0;
                        } else if (iqjets[p1] > 0 && iqjets[p2] > 0) {
                            iqjets[p1] = 0;
                        }
                    }
                } else if (idm == 21) {
                    iqjets[p1] = 0;
                }
            }
            if (p2 > 2 && h.id[p2 - 1] != 21 && idm != 21) iqjets[p2] = 0;
            good[x] = false;
            continue;
        }
        for (int k = 0; k < 2; ++k) {
            const int d = k == 0 ? a : b;
            if (d < n && sc_is_jet(h.id[d], maxjetflavor)) iqjets[d + 1] = 1;
        }
        good[x] = sc_is_jet(idm, maxjetflavor) && good[a] && good[b];
    }
    if (!partonline[0] || !partonline[1]) {
        if (partonline[0] || partonline[1]) --jcode;
        for (int k = 3; k <= n; ++k)
            if (iqjets[k] > 1 && iqjets[k] <= jcode) iqjets[k] = 0;
    }
    *njets = 0;
    for (int k = 3; k <= n; ++k) *njets += iqjets[k] > 0;

    double pt2[kScaleMaxLegs + 1], mt2[kScaleMaxLegs + 1];  // 1-based
    for (int s = 0; s < ns; ++s) {
        pt2[s + 1] = h.pt2[s];
        mt2[s + 1] = h.mt2[s];
    }
    for (int j = 0; j < 2; ++j)
        if (jfirst[j] <= 0) jfirst[j] = jlast[j];
    // A final QCD pair merged last (t t̄, q q̄): the geometric mean of their m_T².
    if (ns >= 2 && h.mt2last > 4.0 && jlast[0] == ns && jlast[1] == ns && sc_is_qcd(h.id[h.d1[ns - 2]]) &&
        sc_is_qcd(h.id[h.d2[ns - 2]]) && sc_is_qcd(h.id[h.mo[ns - 2]])) {
        mt2[ns] = mt2[ns - 1] = h.mt2last;
    }
    for (int j = 0; j < 2; ++j)
        if (jcentral[j] > 0 && mt2[jcentral[j]] > 0.0) pt2[jcentral[j]] = mt2[jcentral[j]];
    for (int j = 0; j < 2; ++j)
        if (jlast[j] > 0) pt2[jlast[j]] = fmax(pt2[jlast[j]], pt2[jfirst[j]]);
    double q2[2] = {0.0, 0.0};
    for (int j = 0; j < 2; ++j)
        if (jlast[j] > 0) q2[j] = sqrt(pt2[jlast[j]] * pt2[jcentral[j]]);
    if (jcentral[0] > 0 && jcentral[0] == jcentral[1]) q2[0] = q2[1] = fmax(q2[0], q2[1]);
    const double sf2 = scalefact * scalefact;
    q2[0] *= sf2;
    q2[1] *= sf2;
    double mur;
    if (jlast[0] > 0 && jlast[1] > 0) {
        mur = pow(pt2[jlast[0]] * pt2[jcentral[0]] * pt2[jlast[1]] * pt2[jcentral[1]], 0.125);
    } else if (jlast[0] > 0) {
        mur = pow(pt2[jlast[0]] * pt2[jcentral[0]], 0.25);
    } else if (jlast[1] > 0) {
        mur = pow(pt2[jlast[1]] * pt2[jcentral[1]], 0.25);
    } else if (jcentral[0] > 0 && jcentral[1] > 0) {
        mur = pow(pt2[jcentral[0]] * pt2[jcentral[1]], 0.25);
    } else if (jcentral[0] > 0) {
        mur = sqrt(pt2[jcentral[0]]);
    } else if (jcentral[1] > 0) {
        mur = sqrt(pt2[jcentral[1]]);
    } else {
        mur = sqrt(pt2[ns]);
    }
    mur *= scalefact;
    if (jcentral[0] == 0 && jcentral[1] == 0) {
        q2[0] = sf2 * pt2[ns];
        q2[1] = q2[0];
    } else if (jcentral[0] == 0) {
        q2[0] = sf2 * pt2[jfirst[0] > 0 ? jfirst[0] : ns];
    } else if (jcentral[1] == 0) {
        q2[1] = sf2 * pt2[jfirst[1] > 0 ? jfirst[1] : ns];
    }
    res.q2fact1 = q2[0];
    res.q2fact2 = q2[1];
    res.mur = mur;
    res.ok = true;
    return res;
}

// The clustering scale of one event; pcm: all legs in the partonic centre-of-mass frame.
//
// MG5 clusters freely first (any diagram of the subprocess). Each channel remembers how many
// final legs were jets when its first event was clustered along the channel's own diagram;
// when the free clustering of a later event tags a different number of jets, MG5 clusters
// that event along the channel's diagram instead (reweight.f: njetstore, chcluster). For
// p p > W+ j j in the q g channels whose diagram has the W and the quark from one s-channel
// quark, this gives μF = m_T of the W + quark system. Here the channel's count is taken from
// the event itself clustered along the channel's diagram (the same for every event of the
// channels we checked). Without a channel (dg.channel < 0) the free clustering is used. The
// channel's on-shell resonances (sc_on_shell, needs dg.mass_width) restrict both clusterings
// to diagrams with those resonances and merge their daughters at their invariant mass.
// Not modelled: MG5's rejection of events with μF < 2 GeV.
MADNIS_HD ScClusterResult scale_clustering(const double* pcm, const int32_t* pdg, int n, double scalefact,
                                          int maxjetflavor, double d_param, const ScDiagrams& dg,
                                          double bwcutoff, double small_width) {
    ScClusterResult res{0.0, 0.0, 0.0, false};
    if (n < 3 || n > kScaleMaxLegs) return res;
    if (n == 3) {  // 2 → 1: the mass of the single final state
        const double* q = pcm + 8;
        double m2 = sc_djb(q) - q[1] * q[1] - q[2] * q[2];
        if (fabs(m2) < 1e-6) m2 = 0.0;
        res.q2fact1 = res.q2fact2 = scalefact * scalefact * m2;
        res.mur = scalefact * sqrt(fmax(m2, 0.0));
        res.ok = true;
        return res;
    }
    const ScResonances bw = sc_on_shell(dg, n, pcm, bwcutoff, small_width);
    const ScHistory free_h = sc_cluster(pcm, pdg, n, maxjetflavor, d_param, dg, -1, bw);
    int nj_free = -1;
    if (free_h.ok) res = sc_setclscales(free_h, pcm, n, scalefact, maxjetflavor, &nj_free);
    if (dg.channel >= 0 && dg.channel < dg.n_diagrams) {
        const ScHistory own = sc_cluster(pcm, pdg, n, maxjetflavor, d_param, dg, dg.channel, bw);
        if (own.ok) {
            int nj_own = -1;
            const ScClusterResult r = sc_setclscales(own, pcm, n, scalefact, maxjetflavor, &nj_own);
            if (!free_h.ok || nj_own != nj_free) res = r;
        }
    }
    return res;
}

// --- one event ------------------------------------------------------------------------

// Boost all n legs of p (lab) into the partonic centre-of-mass frame (a boost along z).
MADNIS_HD void scale_to_cm(const double* p, int n, double* out) {
    const double e = p[0] + p[4], z = p[3] + p[7];
    const double m = sqrt(fmax(e * e - z * z, 0.0));
    const double g = e / m, bg = z / m;
    for (int k = 0; k < n; ++k) {
        const double* q = p + 4 * k;
        double* o = out + 4 * k;
        o[0] = g * q[0] - bg * q[3];
        o[1] = q[1];
        o[2] = q[2];
        o[3] = g * q[3] - bg * q[0];
    }
}

MADNIS_HD double scale_sum_mt(const double* p, int n) {
    double s = 0.0;
    for (int k = 2; k < n; ++k) s += sqrt(fmax(0.0, sc_djb(p + 4 * k)));
    return s;
}

// μR, μF1, μF2 of one event: p lab momenta of n legs, pdg their ids (see header).
// dg: the subprocess's diagrams and the event's channel for the clustering scale (-1).
MADNIS_HD void event_scales(const double* c, const int32_t* pdg, int n, const ScDiagrams& dg, const double* p,
                            double* mur, double* muf1, double* muf2) {
    const int choice = static_cast<int>(c[kScaleChoice]);
    const double sf = c[kScaleFact];
    double pcm[4 * kScaleMaxLegs];
    const int nn = n < kScaleMaxLegs ? n : kScaleMaxLegs;
    scale_to_cm(p, nn, pcm);
    double dyn = 0.0, q2a = 0.0, q2b = 0.0;
    bool clustered = false;
    if (choice == -1) {
        const ScClusterResult r =
            scale_clustering(pcm, pdg, n, sf, static_cast<int>(c[kScaleMaxJetFlavor]), c[kScaleD], dg,
                             c[kScaleBwCutoff], c[kScaleSmallWidth]);
        if (r.ok) {
            dyn = r.mur;
            q2a = r.q2fact1;
            q2b = r.q2fact2;
            clustered = true;
        } else {
            dyn = sf * 0.5 * scale_sum_mt(pcm, nn);  // fallback: H_T/2 (documented)
        }
    } else if (choice == 1) {
        for (int k = 2; k < nn; ++k) {
            const double* q = pcm + 4 * k;
            const double pt = sqrt(q[1] * q[1] + q[2] * q[2]);
            if (pt > 0.0) dyn += q[0] * pt / sqrt(pt * pt + q[3] * q[3]);
        }
        dyn *= sf;
    } else if (choice == 2) {
        dyn = sf * scale_sum_mt(pcm, nn);
    } else if (choice == 3) {
        dyn = sf * 0.5 * scale_sum_mt(pcm, nn);
    } else {  // 4: √ŝ
        const double e = p[0] + p[4], x = p[1] + p[5], y = p[2] + p[6], z = p[3] + p[7];
        dyn = sf * sqrt(fmax(0.0, e * e - x * x - y * y - z * z));
    }
    if (!clustered) q2a = q2b = dyn * dyn;
    *mur = c[kScaleFixedRen] != 0.0 ? c[kScaleMuR] : dyn;
    if (c[kScaleFixedFac] != 0.0) {
        *muf1 = c[kScaleMuF1];
        *muf2 = c[kScaleMuF2];
    } else {
        *muf1 = sqrt(q2a);
        *muf2 = sqrt(q2b);
    }
}

}  // namespace madnis
