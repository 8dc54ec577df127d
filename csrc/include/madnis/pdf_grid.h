// x·f(x, Q²) from an LHAPDF6 "lhagrid1" member: log-bicubic interpolation in
// (ln x, ln Q²) inside the grid and LHAPDF's default "continuation"
// extrapolation outside it (arXiv:1412.7420, sections 3-4).
//
// The grid is packed by madnis_plugin/pdf/grid.py into three flat arrays:
//   layout (int64): [n_subgrids, n_slots, slot of pid -6..6 (13), slot of 21,
//                    slot of 22, then per subgrid: nx, nq, off_logx, off_logq2,
//                    off_values]; slot -1 means "flavour absent" (x·f = 0).
//   knots  (double): ln x and ln Q² knots of every subgrid.
//   values (double): per subgrid, x·f as [slot][iq][ix] (x fastest).
// Subgrids are ordered in Q²; a Q² on a boundary belongs to the upper one.
#pragma once

#include <cmath>
#include <cstdint>

#include "madnis/interp.h"
#include "madnis/macros.h"

namespace madnis {

constexpr int kPdfLayoutHeader = 17;
constexpr int kPdfLayoutPerSubgrid = 5;

struct PdfGridView {
    const int64_t* layout;
    const double* knots;
    const double* values;

    MADNIS_HD int n_subgrids() const { return static_cast<int>(layout[0]); }
    MADNIS_HD int nx(int s) const { return static_cast<int>(sub(s)[0]); }
    MADNIS_HD int nq(int s) const { return static_cast<int>(sub(s)[1]); }
    MADNIS_HD const double* logx(int s) const { return knots + sub(s)[2]; }
    MADNIS_HD const double* logq2(int s) const { return knots + sub(s)[3]; }
    MADNIS_HD const int64_t* sub(int s) const {
        return layout + kPdfLayoutHeader + kPdfLayoutPerSubgrid * s;
    }

    // Column of a PDG id in the value table, or -1 (pid 0 means gluon).
    MADNIS_HD int slot(int pid) const {
        if (pid == 0 || pid == 21) return static_cast<int>(layout[2 + 13]);
        if (pid == 22) return static_cast<int>(layout[2 + 14]);
        if (pid >= -6 && pid <= 6) return static_cast<int>(layout[2 + pid + 6]);
        return -1;
    }

    MADNIS_HD double log_xmin() const { return logx(0)[0]; }
    MADNIS_HD double log_xmax() const { return logx(0)[nx(0) - 1]; }
    MADNIS_HD double log_q2min() const { return logq2(0)[0]; }
    MADNIS_HD double log_q2max() const {
        const int s = n_subgrids() - 1;
        return logq2(s)[nq(s) - 1];
    }

    // Subgrid holding ln Q² (clamped to the grid's range).
    MADNIS_HD int subgrid_of(double lq2) const {
        int s = 0;
        while (s + 1 < n_subgrids() && logq2(s + 1)[0] <= lq2) ++s;
        return s;
    }
};

// Interpolation stencil of one (x, Q²) point: subgrid, lower-left knot and the
// 4x4 weights; x·f of any flavour is then a 16-term sum over the value table.
struct PdfStencil {
    int s, ix, iq;
    double wx[4], wq[4];
};

MADNIS_HD PdfStencil pdf_stencil(const PdfGridView& g, double lx, double lq2) {
    PdfStencil st;
    st.s = g.subgrid_of(lq2);
    const int nx = g.nx(st.s), nq = g.nq(st.s);
    st.ix = find_interval(g.logx(st.s), nx, lx);
    st.iq = find_interval(g.logq2(st.s), nq, lq2);
    hermite_weights(g.logx(st.s), nx, st.ix, lx, st.wx);
    hermite_weights(g.logq2(st.s), nq, st.iq, lq2, st.wq);
    return st;
}

MADNIS_HD double pdf_apply(const PdfGridView& g, const PdfStencil& st, int slot) {
    if (slot < 0) return 0.0;
    const int nx = g.nx(st.s), nq = g.nq(st.s);
    const double* table = g.values + g.sub(st.s)[4] + static_cast<int64_t>(slot) * nx * nq;
    double sum = 0.0;
    for (int j = 0; j < 4; ++j) {
        const int iq = st.iq - 1 + j;
        if (st.wq[j] == 0.0 || iq < 0 || iq >= nq) continue;
        const double* row = table + static_cast<int64_t>(iq) * nx;
        double v = 0.0;
        for (int i = 0; i < 4; ++i) {
            const int ix = st.ix - 1 + i;
            if (ix >= 0 && ix < nx) v += st.wx[i] * row[ix];
        }
        sum += st.wq[j] * v;
    }
    return sum;
}

// In-grid value for one flavour slot at (ln x, ln Q²).
MADNIS_HD double pdf_interpolate(const PdfGridView& g, int slot, double lx, double lq2) {
    return pdf_apply(g, pdf_stencil(g, lx, lq2), slot);
}

// Straight-line continuation through (a, fa), (b, fb) to v, in log-log space
// when both values are clearly positive, else linear (LHAPDF's rule).
MADNIS_HD double continue_line(double v, double a, double b, double fa, double fb) {
    if (fa > 1e-3 && fb > 1e-3) {
        return exp(log(fa) + (v - a) / (b - a) * (log(fb) - log(fa)));
    }
    return fa + (exp(v) - exp(a)) / (exp(b) - exp(a)) * (fb - fa);
}

// x·f with LHAPDF's continuation extrapolation: power law in x below the
// lowest x knot (through the two lowest knots), power law in Q² above the top
// knot (through the two highest knots of the last subgrid), and the
// anomalous-dimension form f(Q²_min)·(Q²/Q²_min)^(γ·Q²/Q²_min + 1 - Q²/Q²_min)
// below the lowest Q², which goes smoothly to zero as Q² → 0.
MADNIS_HD double pdf_xfx_lx_lq2(const PdfGridView& g, int slot, double lx, double lq2) {
    if (slot < 0) return 0.0;
    const double lq2min = g.log_q2min(), lq2max = g.log_q2max();
    // x below the grid: value at the clamped Q² follows.
    auto in_q2 = [&](double lq) -> double {
        if (lx >= g.log_xmin()) return pdf_interpolate(g, slot, lx, lq);
        const int s = g.subgrid_of(lq);
        const double a = g.logx(s)[0], b = g.logx(s)[1];
        return continue_line(lx, a, b, pdf_interpolate(g, slot, a, lq),
                             pdf_interpolate(g, slot, b, lq));
    };
    if (lq2 >= lq2min && lq2 <= lq2max) return in_q2(lq2);
    if (lq2 > lq2max) {
        const int s = g.n_subgrids() - 1;
        const double a = g.logq2(s)[g.nq(s) - 2], b = lq2max;
        return continue_line(lq2, a, b, in_q2(a), in_q2(b));
    }
    const double f0 = in_q2(lq2min);
    const double f1 = in_q2(lq2min + log(1.01));
    const double gamma = (f0 > 1e-5) ? log(f1 / f0) / log(1.01) : 1.0;
    const double r = exp(lq2 - lq2min);
    return f0 * pow(r, gamma * r + 1.0 - r);
}

// Batch entry for one point: x·f for a flavour given its PDG id.
MADNIS_HD double pdf_xfx(const PdfGridView& g, int pid, double x, double q2) {
    const int slot = g.slot(pid);
    const double lx = log(x), lq2 = log(q2);
    if (lx >= g.log_xmin() && lx <= g.log_xmax() && lq2 >= g.log_q2min() &&
        lq2 <= g.log_q2max()) {
        return pdf_interpolate(g, slot, lx, lq2);
    }
    return pdf_xfx_lx_lq2(g, slot, lx, lq2);
}

}  // namespace madnis
