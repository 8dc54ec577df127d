"""αs(Q) as a PDF set defines it, tabulated for the core's interpolator.

LHAPDF sets declare their αs in the ``.info`` metadata: ``AlphaS_Type: ipol``
gives the table directly (AlphaS_Qs, AlphaS_Vals); ``ode`` (and ``analytic``,
treated the same way here) gives αs(MZ), the loop order and the quark-mass
thresholds, and LHAPDF solves the renormalisation-group equation and tabulates
the solution on Q knots (AlphaS_Qs, or the grid's Q knots) before
interpolating. We do the same: the one-loop equation is solved exactly, higher
orders by fine fixed-step RK4 in ln Q², with αs continuous across flavour
thresholds (exact at LO and NLO). Interpolation runs in the core
(csrc/include/madnis/alphas.h).

This is the PDF set's own αs. The MG5-compatible two-loop running used for
event generation by default is a separate piece.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def beta_coefficients(nf: int) -> tuple[float, float, float]:
    """(b0, b1, b2) of dαs/d ln Q² = -(b0 αs² + b1 αs³ + b2 αs⁴), MS-bar."""
    pi = math.pi
    b0 = (33 - 2 * nf) / (12 * pi)
    b1 = (153 - 19 * nf) / (24 * pi**2)
    b2 = (2857 - 5033 * nf / 9 + 325 * nf**2 / 27) / (128 * pi**3)
    return b0, b1, b2


def _flavours(q: float, thresholds: list[float], nf_max: int) -> int:
    return min(3 + sum(q > m for m in thresholds), nf_max)


def _evolve(alpha: float, t0: float, t1: float, nf: int, order: int) -> float:
    """αs at ln Q² = t1 from αs at t0 with a fixed number of flavours."""
    b = beta_coefficients(nf)
    if order == 0:
        return 1.0 / (1.0 / alpha + b[0] * (t1 - t0))
    coeff = b[: order + 1]

    def rhs(a: float) -> float:
        return -a * a * sum(c * a**k for k, c in enumerate(coeff))

    steps = max(1, math.ceil(abs(t1 - t0) / 2e-3))
    h = (t1 - t0) / steps
    for _ in range(steps):
        k1 = rhs(alpha)
        k2 = rhs(alpha + 0.5 * h * k1)
        k3 = rhs(alpha + 0.5 * h * k2)
        k4 = rhs(alpha + h * k3)
        alpha += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return alpha


def solve_running(
    qs: np.ndarray, alpha_mz: float, mz: float, order: int, thresholds: list[float], nf_max: int = 6
) -> np.ndarray:
    """αs at each Q in qs from αs(mz), stepping across the flavour thresholds."""
    out = np.empty(len(qs))
    for k, q in enumerate(qs):
        # Path from mz to q, broken at the thresholds it crosses.
        lo, hi = sorted((mz, q))
        stops = [mz] + sorted((m for m in thresholds if lo < m < hi), reverse=bool(q < mz)) + [float(q)]
        alpha = alpha_mz
        for a, b in itertools.pairwise(stops):
            nf = _flavours(math.sqrt(a * b), thresholds, nf_max)
            alpha = _evolve(alpha, 2 * math.log(a), 2 * math.log(b), nf, order)
        out[k] = alpha
    return out


def pack_table(qs: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(segments, ln Q², values) for csrc/include/madnis/alphas.h.

    A knot that repeats (a flavour threshold of the grid) starts a new segment,
    so the interpolation never straddles the discontinuity.
    """
    qs = np.asarray(qs, dtype=np.float64)
    starts = [0] + [i for i in range(1, len(qs)) if qs[i] == qs[i - 1]]
    bounds = starts + [len(qs)]
    segments = [len(starts)]
    for a, b in itertools.pairwise(bounds):
        if b - a < 2:
            raise ValueError("an αs segment needs at least two Q knots")
        segments += [a, b - a]
    return (
        np.array(segments, dtype=np.int64),
        np.log(qs * qs),
        np.asarray(values, dtype=np.float64),
    )


def table_from_info(info: dict, grid_q_knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Q knots, αs values) that define the set's αs."""
    kind = str(info.get("AlphaS_Type", "ode")).lower()
    if kind == "ipol":
        qs = np.asarray(info["AlphaS_Qs"], dtype=np.float64)
        return qs, np.asarray(info["AlphaS_Vals"], dtype=np.float64)
    if "AlphaS_MZ" not in info:
        raise KeyError("AlphaS_MZ")
    qs = np.asarray(info.get("AlphaS_Qs", grid_q_knots), dtype=np.float64)
    thresholds = [float(info.get(k, d)) for k, d in (("MCharm", 1.4), ("MBottom", 4.75), ("MTop", 172.5))]
    values = solve_running(
        qs,
        alpha_mz=float(info["AlphaS_MZ"]),
        mz=float(info.get("MZ", 91.1876)),
        order=int(info.get("AlphaS_OrderQCD", 0)),
        thresholds=thresholds,
        nf_max=int(info.get("AlphaS_NumFlavors", info.get("NumFlavors", 6))),
    )
    return qs, values
