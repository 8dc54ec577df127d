// Flat n-body phase space P → k_1 … k_n (n >= 3): "RAMBO on diet"
// (S. Plätzer, arXiv:1308.2922) with 3n - 4 random numbers, invertible, then
// RAMBO's rescaling to masses (Kleiss, Stirling, Ellis, CPC 40 (1986) 359).
//
// Massless, in P's rest frame (M = √s): a chain of two-body decays
// Q_j → p_j + Q_{j+1}, Q_0 = P, j = 0 … n-2, with M_{j+1}² = v_j M_j² and v_j
// drawn from the density of the remaining k = n - j particles,
//   (1 - v) v^(k-3)  ⇒  r = F_k(v) = (k-1) v^(k-2) - (k-2) v^(k-1),
// and p_j's direction in Q_j's rest frame (two_body.h's angles). The weight is
// then constant, the massless volume
//   Φ_n(s) = (2π)^(4-3n) (π/2)^(n-1) s^(n-2) / ((n-1)! (n-2)!).
// Massive: k_i = (√(m_i² + ξ² |p_i|²), ξ p⃗_i) with ξ fixed by Σ E_i = M, and
//   weight = Φ_n(s) (Σ|k⃗_i|/M)^(2n-3) Π(|k⃗_i|/E_i) M / Σ(|k⃗_i|²/E_i).
//
// Layout of r (3n - 4 dimensions): for j = 0 … n-3, (r_v, r_cos, r_φ) of
// stage j; then (r_cos, r_φ) of the last decay into p_{n-2}, p_{n-1}.
// Momenta are read and written at mom + 4·slots[i] (the channel's slot table).
// √s below Σ m_i gives weight 0 and finite momenta.
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/macros.h"
#include "madnis/phasespace/kinematics.h"
#include "madnis/phasespace/two_body.h"

namespace madnis::ps {

struct Rambo {
    MADNIS_HD static double massless_volume(int n, double s) {
        double v = pow(kTwoPi, 4.0 - 3.0 * n) * pow(0.5 * kPi, n - 1.0) * pow(s, n - 2.0);
        for (int i = 2; i <= n - 1; ++i) v /= i;  // (n-1)!
        for (int i = 2; i <= n - 2; ++i) v /= i;  // (n-2)!
        return v;
    }

    MADNIS_HD static double ipow(double v, int e) {
        double p = 1.0;
        for (int i = 0; i < e; ++i) p *= v;
        return p;
    }

    MADNIS_HD static double cdf(int k, double v) { return ipow(v, k - 2) * ((k - 1) - (k - 2) * v); }

    // v with cdf(k, v) = r: Newton steps kept inside a shrinking bracket
    // (integer powers by multiplication: this loop is RAMBO's hot spot).
    MADNIS_HD static double solve_v(int k, double r) {
        if (k == 3) return 1 - sqrt(fmax(0.0, 1 - r));  // 2v - v² = r
        if (!(r > 0)) return 0.0;
        if (!(r < 1)) return 1.0;
        const double a = k - 1, b = k - 2;
        double lo = 0, hi = 1;
        // Start from the small-v form a v^(k-2) = r, or from 1 - r = a b (1 - v)²/2 near v = 1.
        double v = r < 0.5 ? pow(r / a, 1.0 / b) : 1 - sqrt(2 * (1 - r) / (a * b));
        if (!(v > 0 && v < 1)) v = 0.5;
        for (int it = 0; it < 100; ++it) {
            const double p = ipow(v, k - 3);
            const double f = p * v * (a - b * v) - r;
            if (f > 0) hi = v; else lo = v;
            const double d = a * b * p * (1 - v);
            double next = d > 0 ? v - f / d : 0.5 * (lo + hi);
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
            if (fabs(next - v) <= 1e-15 * v || hi - lo <= 1e-16) return next;
            v = next;
        }
        return v;
    }

    // Massive correction factor and rescaling of massless momenta (in P's rest frame).
    MADNIS_HD static double to_massive(int n, const int64_t* slots, const double* m2, double M, double* mom) {
        double msum = 0;
        for (int i = 0; i < n; ++i) msum += sqrt(m2[slots[i]]);
        if (!(msum > 0)) return 1.0;
        if (!(msum < M)) {
            for (int i = 0; i < n; ++i) {
                double* k = mom + 4 * slots[i];
                k[0] = M / n;
                k[1] = k[2] = k[3] = 0;
            }
            return 0.0;
        }
        double xi = sqrt(1 - (msum / M) * (msum / M));
        for (int it = 0; it < 60; ++it) {
            double f = -M, d = 0;
            for (int i = 0; i < n; ++i) {
                const double e0 = mom[4 * slots[i]];
                const double e = sqrt(m2[slots[i]] + xi * xi * e0 * e0);
                f += e;
                if (e > 0) d += xi * e0 * e0 / e;
            }
            const double step = d > 0 ? f / d : 0.0;
            xi -= step;
            if (fabs(step) <= 1e-16 * xi) break;
        }
        return rescale(n, slots, m2, M, xi, mom);
    }

    MADNIS_HD static double rescale(int n, const int64_t* slots, const double* m2, double M, double xi,
                                    double* mom) {
        double sum_k = 0, prod = 1, sum_k2e = 0;
        for (int i = 0; i < n; ++i) {
            double* k = mom + 4 * slots[i];
            const double a = xi * k[0];
            const double e = sqrt(m2[slots[i]] + a * a);
            k[0] = e;
            k[1] *= xi;
            k[2] *= xi;
            k[3] *= xi;
            sum_k += a;
            prod *= e > 0 ? a / e : 0.0;
            sum_k2e += e > 0 ? a * a / e : 0.0;
        }
        if (!(sum_k2e > 0)) return 0.0;
        return pow(sum_k / M, 2.0 * n - 3) * prod * M / sum_k2e;
    }

    MADNIS_HD static double forward(const double* P, double s, int n, const int64_t* slots, const double* m2,
                                    const double* r, double* mom) {
        const double M = sqrt(fmax(s, 0.0));
        double Q[4] = {M, 0, 0, 0}, next[4];
        double sQ = M * M;
        for (int j = 0; j < n - 1; ++j) {
            const int k = n - j;
            double* p = mom + 4 * slots[j];
            if (k == 2) {
                TwoBodyDecay::forward(Q, sQ, 0, 0, r[3 * j], r[3 * j + 1], p, mom + 4 * slots[n - 1]);
                break;
            }
            const double s_next = solve_v(k, r[3 * j]) * sQ;
            TwoBodyDecay::forward(Q, sQ, 0, s_next, r[3 * j + 1], r[3 * j + 2], p, next);
            for (int i = 0; i < 4; ++i) Q[i] = next[i];
            sQ = s_next;
        }
        double w = M > 0 ? massless_volume(n, s) * to_massive(n, slots, m2, M, mom) : 0.0;
        for (int i = 0; i < n; ++i) {
            double* k = mom + 4 * slots[i];
            const double rest[4] = {k[0], k[1], k[2], k[3]};
            if (M > 0) boost_from_rest(P, M, rest, k);
        }
        return w;
    }

    // Inverse: momenta at the slots (P's frame) → r (3n - 4 numbers); returns
    // the weight. The momenta are only read; scratch holds 4n doubles.
    MADNIS_HD static double inverse(const double* P, double s, int n, const int64_t* slots, const double* m2,
                                    const double* mom, double* r, double* scratch) {
        const double M = sqrt(fmax(s, 0.0));
        for (int i = 0; i < 3 * n - 4; ++i) r[i] = 0.0;
        if (!(M > 0)) return 0.0;
        double msum = 0, sum_k = 0, prod = 1, sum_k2e = 0;
        for (int i = 0; i < n; ++i) {
            double* k = scratch + 4 * i;
            boost_to_rest(P, M, mom + 4 * slots[i], k);
            const double a = sqrt(k[1] * k[1] + k[2] * k[2] + k[3] * k[3]);
            const double e = sqrt(m2[slots[i]] + a * a);
            k[0] = a;  // massless energy before the rescaling below
            msum += sqrt(m2[slots[i]]);
            sum_k += a;
            prod *= e > 0 ? a / e : 0.0;
            sum_k2e += e > 0 ? a * a / e : 0.0;
        }
        double w = massless_volume(n, s);
        if (msum > 0) {
            if (!(msum < M) || !(sum_k2e > 0)) return 0.0;
            w *= pow(sum_k / M, 2.0 * n - 3) * prod * M / sum_k2e;
            const double xi = sum_k / M;
            for (int i = 0; i < 4 * n; ++i) scratch[i] /= xi;
        }
        double Q[4] = {M, 0, 0, 0};
        double sQ = M * M;
        for (int j = 0; j < n - 1; ++j) {
            const int k = n - j;
            const double* p = scratch + 4 * j;
            if (k == 2) {
                TwoBodyDecay::inverse(Q, sQ, 0, 0, p, r + 3 * j, r + 3 * j + 1);
                break;
            }
            double next[4] = {0, 0, 0, 0};
            for (int i = j + 1; i < n; ++i) {
                for (int c = 0; c < 4; ++c) next[c] += scratch[4 * i + c];
            }
            const double s_next = fmax(0.0, dot4(next, next));
            const double v = sQ > 0 ? fmin(1.0, s_next / sQ) : 0.0;
            r[3 * j] = fmin(1.0, fmax(0.0, cdf(k, v)));
            TwoBodyDecay::inverse(Q, sQ, 0, s_next, p, r + 3 * j + 1, r + 3 * j + 2);
            for (int c = 0; c < 4; ++c) Q[c] = next[c];
            sQ = s_next;
        }
        return w;
    }
};

}  // namespace madnis::ps
