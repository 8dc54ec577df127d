"""An independent two-loop αs for tests: the exact solution of the truncated RGE.

MG5 at LO (alfas_functions.f, nloop = 2) runs αs from αs(MZ) with

    dα/d ln Q² = −b0 α² (1 + c α),   b0 = (33 − 2 nf)/(12π),   c = (153 − 19 nf)/(2π (33 − 2 nf)),

whose solution is implicit:  1/α + c ln(α/(1 + cα)) = 1/α0 + c ln(α0/(1 + cα0)) + b0 ln(Q²/Q0²)
(MG5 solves it by Newton iteration). Five flavours from MZ down to mb, four to mc, three
below; αs continuous at the thresholds; no top flavour above. Solved here by bisection in
plain Python (the left side falls monotonically in α), sharing nothing with the package.
"""

from __future__ import annotations

import math


def _solve(a0: float, q0: float, q1: float, nf: int) -> float:
    b0 = (33 - 2 * nf) / (12 * math.pi)
    c = (153 - 19 * nf) / (2 * math.pi * (33 - 2 * nf))

    def lhs(a: float) -> float:
        return 1 / a + c * math.log(a / (1 + c * a))

    target = lhs(a0) + b0 * math.log(q1**2 / q0**2)
    lo, hi = 1e-6, 10.0  # lhs(lo) > target > lhs(hi) for the scales tested (Q ≥ 1 GeV)
    assert lhs(lo) > target > lhs(hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if lhs(mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def alphas_two_loop(q: float, alpha_mz: float = 0.130, mz: float = 91.188, mc: float = 1.42,
                    mb: float = 4.7) -> float:
    """αs(q) from αs(mz), MG5's thresholds (see the module docstring)."""
    if q >= mb:
        return _solve(alpha_mz, mz, q, 5)
    a_mb = _solve(alpha_mz, mz, mb, 5)
    if q >= mc:
        return _solve(a_mb, mb, q, 4)
    return _solve(_solve(a_mb, mb, mc, 4), mc, q, 3)


def alphas_one_loop(q: float, alpha_mz: float, mz: float = 91.188, nf: int = 5) -> float:
    b0 = (33 - 2 * nf) / (12 * math.pi)
    return 1 / (1 / alpha_mz + b0 * math.log(q**2 / mz**2))
