"""Random on-shell phase-space points for checking matrix elements (not for integration).

`random_momenta` makes momenta of a 2 -> n process in its centre-of-mass frame by
sequential isotropic two-body decays with random intermediate masses. The density is
not flat and not known: use these points to find vanishing helicities and in tests,
never to integrate. `boost_z`, `boost` and `rotate` move points between frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["boost", "boost_z", "random_momenta", "rotate"]


def _two_body(m0: np.ndarray, m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """|p| of the daughters of m0 -> m1 m2 in the rest frame of m0."""
    lam = (m0**2 - (m1 + m2) ** 2) * (m0**2 - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2.0 * m0)


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Lorentz boost of four-vectors p[..., 4] by the velocity beta[..., 3]."""
    b2 = np.sum(beta * beta, axis=-1, keepdims=True)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[..., 1:], axis=-1, keepdims=True)
    gamma2 = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    e = gamma * (p[..., :1] + bp)
    vec = p[..., 1:] + gamma2 * bp * beta + gamma * beta * p[..., :1]
    return np.concatenate([e, vec], axis=-1)


def boost_z(p: np.ndarray, rapidity: float | np.ndarray) -> np.ndarray:
    """Boost along z by a rapidity (a float or one per point, broadcast over legs)."""
    y = np.asarray(rapidity, dtype=float)
    while y.ndim < p.ndim - 1:
        y = y[..., None]
    ch, sh = np.cosh(y), np.sinh(y)
    out = p.copy()
    out[..., 0] = ch * p[..., 0] + sh * p[..., 3]
    out[..., 3] = sh * p[..., 0] + ch * p[..., 3]
    return out


def rotate(p: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Rotate the spatial parts of p[..., 4] by a 3x3 matrix (or one per point, [B, 3, 3])."""
    out = p.copy()
    if matrix.ndim == 2:
        out[..., 1:] = p[..., 1:] @ matrix.T
    else:
        out[..., 1:] = np.einsum("bij,b...j->b...i", matrix, p[..., 1:])
    return out


def _isotropic(rng: np.random.Generator, n: int) -> np.ndarray:
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=-1)


def random_momenta(
    masses: Sequence[float],
    sqrt_s: float | np.ndarray,
    n: int,
    rng: np.random.Generator | int | None = None,
    n_initial: int = 2,
) -> np.ndarray:
    """n random points [n, len(masses), 4] ([E, px, py, pz]) of a 2 -> k (or 1 -> k) process.

    The initial legs collide along +z / -z in the centre-of-mass frame (a decaying
    particle sits at rest); all legs are on their mass shells.
    """
    rng = np.random.default_rng(rng)
    m = np.asarray(masses, dtype=float)
    rs = np.broadcast_to(np.asarray(sqrt_s, dtype=float), (n,)).copy()
    out = np.zeros((n, len(m), 4))
    if n_initial == 2:
        m1, m2 = m[0], m[1]
        pz = _two_body(rs, np.full(n, m1), np.full(n, m2))
        out[:, 0, 0] = np.sqrt(pz**2 + m1**2)
        out[:, 0, 3] = pz
        out[:, 1, 0] = np.sqrt(pz**2 + m2**2)
        out[:, 1, 3] = -pz
    else:
        out[:, 0, 0] = rs
    final = m[n_initial:]
    k = len(final)
    if rs.min() <= final.sum():
        raise ValueError(f"sqrt_s = {rs.min()} is below the threshold {final.sum()}")
    # Parent system (mass M, four-momentum P) decays into final[i] and the rest.
    big_m = rs.copy()
    big_p = np.zeros((n, 4))
    big_p[:, 0] = rs
    for i in range(k - 1):
        rest_min = final[i + 1 :].sum()
        if i == k - 2:
            m_rest = np.full(n, final[-1])
        else:
            u = rng.uniform(0.0, 1.0, n)
            m_rest = rest_min + u * (big_m - final[i] - rest_min)
        q = _two_body(big_m, np.full(n, final[i]), m_rest)
        direction = _isotropic(rng, n)
        pi = np.concatenate([np.sqrt(q**2 + final[i] ** 2)[:, None], q[:, None] * direction], axis=-1)
        pr = np.concatenate([np.sqrt(q**2 + m_rest**2)[:, None], -q[:, None] * direction], axis=-1)
        beta = big_p[:, 1:] / big_p[:, :1]
        out[:, n_initial + i] = boost(pi, beta)
        big_p = boost(pr, beta)
        big_m = m_rest
    out[:, -1] = big_p
    return out
