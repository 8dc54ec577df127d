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
    kNumScaleParams = 9,
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
// MG5 combines two legs when the subprocess has a diagram with that propagator. Without
// the diagrams here, a pair combines when the SM has the vertex at the lowest EW order the
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

struct ScClusterResult {
    double q2fact1, q2fact2, mur;  // GeV², GeV², GeV
    bool ok;
};

// pcm: all legs in the partonic centre-of-mass frame (0, 1 incoming), pdg as in the header.
//
// cluster.f: repeatedly merge the pair with the smallest kT measure among the pairs the
// combination rules allow (final-final: max(m_i², m_j²) + min(pT_i², pT_j²)·2(cosh Δη -
// cos Δφ)/D², η the pseudorapidity; final-beam: m_T² of the final object, ×(1 + 1e-6) when
// it moves against that beam), never the two beams together; after a beam merge while more
// than four objects remain, boost to the new incoming pair's rest frame and rotate its first
// line onto +z. The last vertex (two incoming lines → one object) has scale² m_T² of that
// object. setclscales then follows the QCD lines of each beam (jfirst/jlast/jcentral) and sets
// μF_i² = √(pt2[jlast_i] · pt2[jcentral_i]), μR = (Π over both sides of those four)^(1/8),
// with the transverse masses of a final QCD pair (e.g. t t̄) replacing the last two scales when
// that pair is the last thing merged (mt2last), and m_T² of the object merged with a beam at
// the central vertex (mt2ij). Not modelled: resonance (Breit–Wigner) measures, diagram
// bookkeeping beyond the combination rules, and MG5's rejection of events with μF < 2 GeV.
MADNIS_HD ScClusterResult scale_clustering(const double* pcm, const int32_t* pdg, int n, double scalefact,
                                          int maxjetflavor, double d_param) {
    ScClusterResult res{0.0, 0.0, 0.0, false};
    if (n < 3 || n > kScaleMaxLegs) return res;
    const int nsteps = n - 2;  // clustering steps, the last one being the 2 → 1 vertex
    double mom[kScaleMaxLegs][4];
    double mass2[kScaleMaxLegs];
    int id[kScaleMaxLegs];
    bool good[kScaleMaxLegs];  // goodjet of each live object
    int live[kScaleMaxLegs];   // MG5's imap: positions 0, 1 the two incoming lines
    for (int k = 0; k < n; ++k) {
        for (int c = 0; c < 4; ++c) mom[k][c] = pcm[4 * k + c];
        const double m2 = sc_djb(mom[k]) - mom[k][1] * mom[k][1] - mom[k][2] * mom[k][2];
        mass2[k] = fabs(m2) < 1e-6 ? 0.0 : m2;
        id[k] = pdg[k];
        live[k] = k;
    }
    if (n == 3) {  // 2 → 1: the mass of the single final state
        res.q2fact1 = res.q2fact2 = scalefact * scalefact * mass2[2];
        res.mur = scalefact * sqrt(mass2[2]);
        res.ok = true;
        return res;
    }
    double pt2[kScaleMaxLegs], mt2[kScaleMaxLegs];  // per step (1-based like MG5)
    for (int s = 0; s <= nsteps; ++s) pt2[s] = mt2[s] = 0.0;
    // setclscales state per beam side
    int jfirst[2] = {0, 0}, jlast[2] = {0, 0}, jcentral[2] = {0, 0};
    bool qcdline[2], partonline[2];
    for (int j = 0; j < 2; ++j) {
        qcdline[j] = partonline[j] = sc_is_qcd(id[j]);
        good[j] = partonline[j];
    }
    for (int k = 2; k < n; ++k) good[k] = sc_is_jet(id[k], maxjetflavor);
    double mt2last = 0.0;
    int last_fs_d1 = 0, last_fs_d2 = 0, last_fs_mo = 0;  // ids of the step that left three objects
    double pcmsp[4] = {0, 0, 0, 0};
    ScRotation rot;
    int nleft = n;
    const double inv_d2 = 1.0 / (d_param * d_param);

    for (int step = 1; step < nsteps; ++step) {
        // Find the pair with the smallest measure (positions i > j, i >= 2).
        double best = 1e37;
        int bi = -1, bj = -1, bmother = 0;
        for (int i = 2; i < nleft; ++i) {
            const int oi = live[i];
            const double* pi = mom[oi];
            for (int j = 0; j < i; ++j) {
                const int oj = live[j];
                const double* pj = mom[oj];
                double m;
                int mother;
                if (j >= 2) {
                    mother = sc_combine(id[oi], id[oj]);
                    if (mother == 0) continue;
                    const double pt1 = pi[1] * pi[1] + pi[2] * pi[2], pt2v = pj[1] * pj[1] + pj[2] * pj[2];
                    const double a1 = sqrt(pt1 + pi[3] * pi[3]), a2 = sqrt(pt2v + pj[3] * pj[3]);
                    const double eta1 = 0.5 * log((a1 + pi[3]) / (a1 - pi[3]));
                    const double eta2 = 0.5 * log((a2 + pj[3]) / (a2 - pj[3]));
                    const double cphi = (pi[1] * pj[1] + pi[2] * pj[2]) / sqrt(pt1 * pt2v);
                    m = fmax(mass2[oi], mass2[oj]) + fmin(pt1, pt2v) * 2.0 * (cosh(eta1 - eta2) - cphi) * inv_d2;
                } else {
                    mother = sc_combine_initial(id[oj], id[oi]);
                    if (mother == 0) continue;
                    m = sc_djb(pi);
                    if ((pi[3] >= 0.0) != (pj[3] >= 0.0)) m *= 1.0 + 1e-6;
                }
                if (m < best) {
                    best = m;
                    bi = i;
                    bj = j;
                    bmother = mother;
                }
            }
        }
        if (bi < 0) return res;  // no allowed merge: the caller falls back
        const int oi = live[bi], oj = live[bj];
        pt2[step] = best;
        const int slot = oj;  // the mother takes the lower position's storage
        if (bj < 2) {
            // Initial-state merge on side bj: the new incoming line is beam - final.
            mt2[step] = sc_djb(mom[oi]);
            const int other = live[1 - bj];
            double mo[4];
            for (int c = 0; c < 4; ++c) mo[c] = mom[oj][c] - mom[oi][c];
            pcmsp[0] = mo[0] + mom[other][0];
            for (int c = 1; c < 4; ++c) pcmsp[c] = -mo[c] - mom[other][c];
            // setclscales, side bj: the daughters are the beam line and the final object.
            const int j = bj;
            if (partonline[j]) {
                if (jfirst[j] == 0) jfirst[j] = step;
                jlast[j] = step;
                partonline[j] = good[oi] && sc_is_jet(bmother, maxjetflavor);
            } else if (jfirst[j] == 0) {
                jfirst[j] = step;
            }
            if (qcdline[j]) {
                jcentral[j] = step;
                qcdline[j] = sc_is_qcd(bmother);
            }
            const double m2o = mass2[oj], m2i = mass2[oi];
            mass2[slot] = (m2o > 0.0 || m2i > 0.0) ? fmax(m2o, m2i) : 0.0;
            for (int c = 0; c < 4; ++c) mom[slot][c] = mo[c];
            id[slot] = bmother;
            const double sys2 = pcmsp[0] * pcmsp[0] - pcmsp[1] * pcmsp[1] - pcmsp[2] * pcmsp[2] - pcmsp[3] * pcmsp[3];
            if (sys2 > 100.0 && nleft > 4) {
                double b[4];
                sc_boost(mom[slot], pcmsp, b);
                rot = sc_rotation_to_z(b);
                for (int k = 0; k < nleft; ++k) {
                    const int o = live[k];
                    if (o == oi) continue;
                    sc_boost(mom[o], pcmsp, b);
                    sc_rotate(b, rot, 1, mom[o]);
                }
            }
        } else {
            // Final-state merge.
            const int d1 = id[oj], d2 = id[oi];
            bool jetvx = false;
            if (sc_is_qcd(bmother) && sc_is_qcd(d1) && sc_is_qcd(d2)) {
                jetvx = (sc_is_jet(d1, maxjetflavor) && (sc_is_jet(bmother, maxjetflavor) || bmother == d2)) ||
                        (sc_is_jet(d2, maxjetflavor) && (sc_is_jet(bmother, maxjetflavor) || bmother == d1));
            }
            const bool g = jetvx && sc_is_jet(bmother, maxjetflavor) && good[oj] && good[oi];
            const double m2o = mass2[oj], m2i = mass2[oi];
            const double mt2_pair = sqrt(sc_djb(mom[oj]) * sc_djb(mom[oi]));
            for (int c = 0; c < 4; ++c) mom[slot][c] = mom[oj][c] + mom[oi][c];
            mass2[slot] = (m2o > 0.0 || m2i > 0.0) ? fmax(m2o, m2i) : 0.0;
            if (nleft - 1 <= 3) {
                mt2last = mt2_pair;
                last_fs_d1 = d1;
                last_fs_d2 = d2;
                last_fs_mo = bmother;
                // MG5 takes the last object's m_T back to the frame before the last boost.
                const double sys2 =
                    pcmsp[0] * pcmsp[0] - pcmsp[1] * pcmsp[1] - pcmsp[2] * pcmsp[2] - pcmsp[3] * pcmsp[3];
                if (sys2 > 100.0) {
                    double r[4];
                    sc_rotate(mom[slot], rot, -1, r);
                    const double back[4] = {pcmsp[0], -pcmsp[1], -pcmsp[2], -pcmsp[3]};
                    sc_boost(r, back, mom[slot]);
                }
            }
            id[slot] = bmother;
            good[slot] = g;
        }
        // Remove position bi.
        for (int k = bi; k < nleft - 1; ++k) live[k] = live[k + 1];
        --nleft;
    }
    // The last vertex: incoming lines live[0], live[1] → object live[2].
    const int x = live[2];
    pt2[nsteps] = sc_djb(mom[x]);
    for (int j = 0; j < 2; ++j) {
        const int other = live[1 - j];
        if (partonline[j]) {
            if (jfirst[j] == 0) jfirst[j] = nsteps;
            jlast[j] = nsteps;
            partonline[j] = good[x] && sc_is_jet(id[other], maxjetflavor);
        } else if (jfirst[j] == 0) {
            jfirst[j] = nsteps;
        }
        if (qcdline[j]) {
            jcentral[j] = nsteps;
            qcdline[j] = sc_is_qcd(id[other]);
        }
    }
    for (int j = 0; j < 2; ++j)
        if (jfirst[j] <= 0) jfirst[j] = jlast[j];
    // A final QCD pair merged last (t t̄, q q̄): use the geometric mean of their m_T².
    if (mt2last > 4.0 && jlast[0] == nsteps && jlast[1] == nsteps && sc_is_qcd(last_fs_d1) &&
        sc_is_qcd(last_fs_d2) && sc_is_qcd(last_fs_mo)) {
        mt2[nsteps] = mt2[nsteps - 1] = mt2last;
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
        mur = sqrt(pt2[nsteps]);
    }
    mur *= scalefact;
    if (jcentral[0] == 0 && jcentral[1] == 0) {
        q2[0] = sf2 * pt2[nsteps];
        q2[1] = q2[0];
    } else if (jcentral[0] == 0) {
        q2[0] = sf2 * pt2[jfirst[0] > 0 ? jfirst[0] : nsteps];
    } else if (jcentral[1] == 0) {
        q2[1] = sf2 * pt2[jfirst[1] > 0 ? jfirst[1] : nsteps];
    }
    res.q2fact1 = q2[0];
    res.q2fact2 = q2[1];
    res.mur = mur;
    res.ok = true;
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
MADNIS_HD void event_scales(const double* c, const int32_t* pdg, int n, const double* p, double* mur, double* muf1,
                            double* muf2) {
    const int choice = static_cast<int>(c[kScaleChoice]);
    const double sf = c[kScaleFact];
    double pcm[4 * kScaleMaxLegs];
    const int nn = n < kScaleMaxLegs ? n : kScaleMaxLegs;
    scale_to_cm(p, nn, pcm);
    double dyn = 0.0, q2a = 0.0, q2b = 0.0;
    bool clustered = false;
    if (choice == -1) {
        const ScClusterResult r =
            scale_clustering(pcm, pdg, n, sf, static_cast<int>(c[kScaleMaxJetFlavor]), c[kScaleD]);
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
