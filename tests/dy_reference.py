"""Independent Drell–Yan cross section by quadrature, the reference for the generator.

σ(p p → γ/Z(/Z′) → ℓ⁺ℓ⁻) at LO with MG5's default lepton cuts, from the textbook
helicity form of the partonic cross section (massless fermions):

    dσ̂/dcosθ = 1/(32π ŝ) · (1/3) · (ŝ²/4) [(|G_LL|²+|G_RR|²)(1+c)² + (|G_LR|²+|G_RL|²)(1−c)²],
    G_ij(ŝ) = e² Q_q Q_ℓ / ŝ + Σ_V g_i^q g_j^ℓ / (ŝ − M_V² + i M_V Γ_V),

with g_L = e (T3 − Q sw²)/(sw cw), g_R = −e Q sw²/(sw cw), c the cosine between the
quark and the ℓ⁻ in the partonic frame and 1/3 the colour average. In lab
variables (m = √ŝ, Y the pair rapidity, c), dx1 dx2 = (2m/s) dm dY; the leptons
have pT = (m/2)√(1−c²) and rapidities Y ± artanh(c), so pT and |η| cuts become
limits on c. ΔR between the leptons is ≥ π at LO, above any default cut.
Gauss–Legendre rules on each piece; the m range is split at the resonances and
mapped with arctan (Breit–Wigner) and log substitutions so the rules converge.

Electroweak inputs as MG5's sm (Gμ scheme: aEWM1, Gf, MZ → MW, sw). The PDF is the
generator's (same set, same interpolation) — the reference checks everything else.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

GEV2_TO_PB = 0.3893793721e9


def sm_couplings(aewm1: float = 132.507, gf: float = 1.16639e-5, mz: float = 91.188) -> dict[str, float]:
    alpha = 1.0 / aewm1
    mw = math.sqrt(mz**2 / 2 + math.sqrt(mz**4 / 4 - math.pi * alpha * mz**2 / (math.sqrt(2) * gf)))
    sw2 = 1 - mw**2 / mz**2
    return {"e": math.sqrt(4 * math.pi * alpha), "sw": math.sqrt(sw2), "cw": mw / mz}


def _chiral(e: float, sw: float, cw: float, t3: float, q: float) -> tuple[float, float]:
    return e * (t3 - q * sw * sw) / (sw * cw), -e * q * sw * sw / (sw * cw)


def partonic_matrix(shat: np.ndarray, c: np.ndarray, t3q: float, qq: float, vectors, coup) -> np.ndarray:
    """Averaged |M|² for q q̄ → ℓ⁻ℓ⁺ at cosθ(q, ℓ⁻) = c."""
    e, sw, cw = coup["e"], coup["sw"], coup["cw"]
    gq = _chiral(e, sw, cw, t3q, qq)
    gl = _chiral(e, sw, cw, -0.5, -1.0)
    g = {}
    for i in range(2):
        for j in range(2):
            amp = e * e * qq * (-1.0) / shat + 0j
            for mass, width in vectors:
                amp = amp + gq[i] * gl[j] / (shat - mass * mass + 1j * mass * width)
            g[i, j] = np.abs(amp) ** 2
    return (shat**2 / 4) * ((g[0, 0] + g[1, 1]) * (1 + c) ** 2 + (g[0, 1] + g[1, 0]) * (1 - c) ** 2) / 3


def _gauss(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (b - a) * x + 0.5 * (b + a), 0.5 * (b - a) * w


def _mass_nodes(m_lo: float, m_hi: float, resonances, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights in m over [m_lo, m_hi]: resonance windows M ± 5Γ mapped with
    arctan (flattens the Breit–Wigner), the threshold piece with m = m_lo + u² (the
    pT-cut phase space opens like √(m − m_lo)), the rest in log m."""
    cuts = [m_lo, m_hi]
    for mass, width in resonances:
        cuts += [edge for edge in (mass - 5 * width, mass + 5 * width) if m_lo < edge < m_hi]
    cuts = sorted(cuts)
    nodes, weights = [], []
    for a, b in itertools.pairwise(cuts):
        res = [(m, w) for m, w in resonances if a < m < b]
        if res:
            mass, width = res[0]
            phi_a, phi_b = (math.atan((x * x - mass * mass) / (mass * width)) for x in (a, b))
            phi, wphi = _gauss(phi_a, phi_b, n)
            s = mass * mass + mass * width * np.tan(phi)
            ds = mass * width / np.cos(phi) ** 2
            nodes.append(np.sqrt(s))
            weights.append(wphi * ds / (2 * np.sqrt(s)))
        elif a == m_lo:
            u, wu = _gauss(0.0, math.sqrt(b - a), n)
            nodes.append(a + u * u)
            weights.append(wu * 2 * u)
        else:
            u, wu = _gauss(math.log(a), math.log(b), n)
            nodes.append(np.exp(u))
            weights.append(wu * np.exp(u))
    return np.concatenate(nodes), np.concatenate(weights)


def drell_yan_sigma(pdf, sqrt_s: float = 13000.0, vectors=((91.188, 2.441404),), ptl: float = 10.0,
                    etal: float = 2.5, coup=None, n_m: int = 96, n_y: int = 48, n_c: int = 48) -> float:
    """σ(p p → ℓ⁺ℓ⁻) in pb with pT(ℓ) > ptl, |η(ℓ)| < etal and μF = m_ℓℓ, from d u s c quarks
    (MG5's sm is a 4-flavour model: its proton has no b)."""
    coup = coup or sm_couplings()
    s = sqrt_s**2
    quarks = [(1, -0.5, -1 / 3), (2, 0.5, 2 / 3), (3, -0.5, -1 / 3), (4, 0.5, 2 / 3)]
    m_nodes, m_weights = _mass_nodes(2 * ptl, sqrt_s, vectors, n_m)
    total = 0.0
    for m, wm in zip(m_nodes, m_weights):
        y_max = min(etal, math.log(sqrt_s / m))
        if y_max <= 0:
            continue
        c_pt = math.sqrt(max(0.0, 1 - (2 * ptl / m) ** 2))
        # c_max(Y) = min(tanh(etal - |Y|), c_pt) has kinks at Y = 0 and where the two
        # limits cross: integrate each smooth piece with its own rule.
        knots = [0.0, y_max]
        if c_pt < 1.0:
            cross = etal - math.atanh(c_pt)
            if 0.0 < cross < y_max:
                knots.insert(1, cross)
        pieces = [_gauss(a, b, n_y) for a, b in itertools.pairwise(knots)]
        ys = np.concatenate([np.concatenate([-y[::-1], y]) for y, _ in pieces])
        wy = np.concatenate([np.concatenate([w[::-1], w]) for _, w in pieces])
        n_pts = len(ys)
        c_max = np.minimum(np.tanh(etal - np.abs(ys)), c_pt)  # [n_y]
        xg, wg = np.polynomial.legendre.leggauss(n_c)
        c = c_max[:, None] * xg[None, :]
        wc = c_max[:, None] * wg[None, :]
        x1 = m / sqrt_s * np.exp(ys)
        x2 = m / sqrt_s * np.exp(-ys)
        q = torch.full((2 * n_pts,), m, dtype=torch.float64)
        xs = torch.from_numpy(np.concatenate([x1, x2]))
        flav = [f for f, _, _ in quarks] + [-f for f, _, _ in quarks]
        xf = pdf.xfxQ_flavours(flav, xs, q).numpy()
        f1, f2 = xf[:n_pts] / x1[:, None], xf[n_pts:] / x2[:, None]
        shat = m * m
        integrand = np.zeros_like(c)
        for k, (pid, t3, qq) in enumerate(quarks):
            qbar = k + len(quarks)
            me_fwd = partonic_matrix(shat, c, t3, qq, vectors, coup)
            me_bwd = partonic_matrix(shat, -c, t3, qq, vectors, coup)
            integrand += (f1[:, k] * f2[:, qbar])[:, None] * me_fwd + (f1[:, qbar] * f2[:, k])[:, None] * me_bwd
        dsigma_dc = integrand / (32 * math.pi * shat)
        total += wm * (2 * m / s) * float((wy[:, None] * wc * dsigma_dc).sum())
    return total * GEV2_TO_PB
