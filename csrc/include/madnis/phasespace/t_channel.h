// One step of a t-channel chain, the 2 → 2 scattering q + p_b → B + Y in the
// rest frame of X = q + p_b (MadGraph/MadSpace style: the chain runs from
// incoming leg 1 to leg 2; q is leg 1's momentum minus everything emitted
// before, spacelike after the first step, p_b is incoming leg 2, massless).
//
//   In X's rest frame (√s_X = m, pure boost): |q| = (s_X - t_q)/(2m),
//   E_q = (s_X + t_q)/(2m), |k| = λ^½(s_X, m_B², m_Y²)/(2m), E_B = (s_X + m_B² - m_Y²)/(2m),
//   t = (q - B)² = t_q + m_B² - 2 E_q E_B + 2 |q| |k| cos θ,   θ the angle of B to q,
//   t ∈ [t_min, t_max] (cos θ = ∓1) mapped by the propagator's invariant map
//   (invariant.h: Breit–Wigner or power law, as for an s invariant), φ = 2π r_φ
//   about q's direction (rotation of kinematics.h);
//   dΦ_2(X; B, Y) = (2π)^-2 |k|/(4m) d cos θ dφ = dt dφ / ((2π)² 8 m |q|)
//   ⇒ weight = (dt/dr_t) / (16π m |q|) = (dt/dr_t) / (8π λ^½(s_X, t_q, 0)).
//
// Cut-derived limits (both optional, from the packer):
//   pt_min > 0: B's momentum transverse to q's direction in X's rest frame,
//     |k| sin θ ≥ pt_min ⇔ |cos θ| ≤ c0 = √(1 - pt_min²/|k|²), so t ∈ base ± span·c0
//     with base = t_q + m_B² - 2 E_q E_B, span = 2 |q| |k| (closed when |k| ≤ pt_min).
//     In the first step X is the partonic centre-of-mass frame and q the incoming
//     parton along the beam, so this is exactly the lab pT of B (boosts along z keep pT).
//   t_cap: t ≤ t_cap, an upper limit the packer derived (e.g. -pT_min² for a massless
//     emission off the other beam in the last step).
// Both only remove t where the cut fails; the map then covers the rest.
//
// Inputs: X, s_X, q, t_q = q², masses² m_B², m_Y², (r_t, r_φ) ∈ [0, 1]² (two
// dimensions). Outputs: B, Y = X - B and q' = q - B (the next step's q, with
// t = q'²). A closed channel (√s_X < m_B + m_Y) gives weight 0, finite momenta.
#pragma once

#include <cmath>

#include "madnis/macros.h"
#include "madnis/phasespace/invariant.h"
#include "madnis/phasespace/kinematics.h"

namespace madnis::ps {

struct TChannelStep {
    struct Limits {
        double m, pin, ein, pout, eout, t_min, t_max;
        bool open;
    };
    MADNIS_HD static Limits limits(double sX, double tq, double sB, double sY, double pt_min, double t_cap) {
        Limits L{};
        L.open = sX > 0 && sqrt(sB) + sqrt(sY) <= sqrt(fmax(sX, 0.0));
        const double m = sqrt(fmax(sX, 0.0));
        L.m = m;
        if (!(m > 0)) return L;
        L.pin = (sX - tq) / (2 * m);
        L.ein = (sX + tq) / (2 * m);
        L.pout = sqrt(kallen(sX, sB, sY)) / (2 * m);
        L.eout = (sX + sB - sY) / (2 * m);
        const double base = tq + sB - 2 * L.ein * L.eout, span = 2 * L.pin * L.pout;
        double c0 = 1.0;
        if (pt_min > 0) c0 = L.pout > pt_min ? sqrt(1 - (pt_min / L.pout) * (pt_min / L.pout)) : 0.0;
        L.t_min = base - span * c0;
        L.t_max = fmin(base + span * c0, t_cap);
        L.open = L.open && span > 0 && c0 > 0 && L.t_max > L.t_min;
        return L;
    }

    MADNIS_HD static double forward(const InvariantMap& map, double pt_min, double t_cap, const double* X,
                                    double sX, const double* q, double tq, double sB, double sY, double r_t,
                                    double r_phi, double* B, double* Y, double* q_next, double* t_out) {
        const Limits L = limits(sX, tq, sB, sY, pt_min, t_cap);
        double t = L.t_max, jac = 0.0;
        if (L.open) jac = map.forward(r_t, L.t_min, L.t_max, &t);
        double c = 1.0;
        if (L.open) c = fmin(1.0, fmax(-1.0, (t - tq - sB + 2 * L.ein * L.eout) / (2 * L.pin * L.pout)));
        if (!(L.m > 0)) {
            for (int i = 0; i < 4; ++i) B[i] = Y[i] = 0.5 * X[i];
        } else {
            double qr[4];
            boost_to_rest(X, L.m, q, qr);
            const Rotation rot = Rotation::towards(qr + 1);
            const double sn = sqrt(fmax(0.0, 1 - c * c)), phi = kTwoPi * r_phi;
            const double local[3] = {sn * cos(phi), sn * sin(phi), c};
            double dir[3];
            rot.apply(local, dir);
            const double br[4] = {L.eout, L.pout * dir[0], L.pout * dir[1], L.pout * dir[2]};
            boost_from_rest(X, L.m, br, B);
            for (int i = 0; i < 4; ++i) Y[i] = X[i] - B[i];
        }
        for (int i = 0; i < 4; ++i) q_next[i] = q[i] - B[i];
        *t_out = t;
        return L.open ? jac / (16 * kPi * L.m * L.pin) : 0.0;
    }

    // Inverse: (X, q, B) → (r_t, r_φ), q' = q - B; returns the weight.
    MADNIS_HD static double inverse(const InvariantMap& map, double pt_min, double t_cap, const double* X,
                                    double sX, const double* q, double tq, double sB, double sY, const double* B,
                                    double* r_t, double* r_phi, double* q_next, double* t_out) {
        for (int i = 0; i < 4; ++i) q_next[i] = q[i] - B[i];
        const double t = dot4(q_next, q_next);
        *t_out = t;
        const Limits L = limits(sX, tq, sB, sY, pt_min, t_cap);
        *r_t = *r_phi = 0.0;
        if (!(L.m > 0)) return 0.0;
        const double jac = L.open ? map.inverse(fmin(L.t_max, fmax(L.t_min, t)), L.t_min, L.t_max, r_t) : 0.0;
        double qr[4], br[4], local[3];
        boost_to_rest(X, L.m, q, qr);
        boost_to_rest(X, L.m, B, br);
        Rotation::towards(qr + 1).apply_inverse(br + 1, local);
        double r_cos;
        unit_from_direction(local, &r_cos, r_phi);
        return L.open ? jac / (16 * kPi * L.m * L.pin) : 0.0;
    }
};

}  // namespace madnis::ps
