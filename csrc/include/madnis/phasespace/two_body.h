// Two-body decay P → k1 k2 in the rest frame of P, boosted to P's frame.
//
//   In P's rest frame (reached by a pure boost): |k| = λ^½(s, s1, s2)/(2√s),
//   k1 = (E1, |k| n̂), k2 = (E2, -|k| n̂), n̂ = (θ, φ), cos θ = 2 r1 - 1, φ = 2π r2;
//   dΦ_2(P; k1, k2) = (2π)^-2 |k|/(4√s) dΩ
//   ⇒ weight = dΦ_2/(dr1 dr2) = |k| / (4π √s).
//
// Inputs: P (four-vector), its mass² s, the children's masses² s1, s2 and
// (r1, r2) ∈ [0, 1]² (two dimensions); outputs k1, k2 in P's frame. The
// angles are measured against the fixed axes of the frame P is given in. A
// closed decay (√s < √s1 + √s2, or s <= 0) gives weight 0 and finite momenta
// (k1, k2 at rest in P's frame, sharing P).
#pragma once

#include <cmath>

#include "madnis/macros.h"
#include "madnis/phasespace/kinematics.h"

namespace madnis::ps {

struct TwoBodyDecay {
    MADNIS_HD static double forward(const double* P, double s, double s1, double s2, double r1, double r2,
                                    double* k1, double* k2) {
        if (!(s > 0)) {
            for (int i = 0; i < 4; ++i) k1[i] = k2[i] = 0.5 * P[i];
            return 0.0;
        }
        const double m = sqrt(s);
        const double l = (s - s1 - s2) * (s - s1 - s2) - 4 * s1 * s2;
        const double p = l > 0 ? sqrt(l) / (2 * m) : 0.0;
        double n[3];
        direction_from_unit(r1, r2, n);
        const double e1 = (s + s1 - s2) / (2 * m);
        const double q1[4] = {e1, p * n[0], p * n[1], p * n[2]};
        const double q2[4] = {m - e1, -q1[1], -q1[2], -q1[3]};
        boost_from_rest(P, m, q1, k1);
        boost_from_rest(P, m, q2, k2);
        const bool open = l > 0 && sqrt(s1) + sqrt(s2) <= m;
        return open ? p / (4 * kPi * m) : 0.0;
    }

    // Inverse: (P, k1) → (r1, r2); returns the weight at that point.
    MADNIS_HD static double inverse(const double* P, double s, double s1, double s2, const double* k1,
                                    double* r1, double* r2) {
        if (!(s > 0)) {
            *r1 = *r2 = 0.0;
            return 0.0;
        }
        const double m = sqrt(s);
        double q1[4];
        boost_to_rest(P, m, k1, q1);
        unit_from_direction(q1 + 1, r1, r2);
        return weight(s, s1, s2);
    }

    // |k|/(4π√s); its log is the block's log-Jacobian.
    MADNIS_HD static double weight(double s, double s1, double s2) {
        if (!(s > 0) || sqrt(s1) + sqrt(s2) > sqrt(s)) return 0.0;
        return two_body_momentum(s, s1, s2) / (4 * kPi * sqrt(s));
    }
};

}  // namespace madnis::ps
