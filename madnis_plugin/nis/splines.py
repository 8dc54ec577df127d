"""Monotone rational-quadratic splines on [0, 1]: the element-wise map of a coupling layer.

Durkan, Bekasov, Murray, Papamakarios, "Neural Spline Flows" (arXiv:1906.04032), §3.1.
K bins with widths w_k and heights h_k (each summing to 1, so the knots run from
(0, 0) to (1, 1)) and derivatives d_k > 0 at the K+1 knots. Inside bin k, with
ξ = (x − x_k)/w_k and s_k = h_k/w_k,

    y = y_k + h_k [s_k ξ² + d_k ξ(1−ξ)] / [s_k + (d_{k+1} + d_k − 2 s_k) ξ(1−ξ)]          (eq. 4)
    dy/dx = s_k² [d_{k+1} ξ² + 2 s_k ξ(1−ξ) + d_k (1−ξ)²] / [s_k + (…) ξ(1−ξ)]²             (eq. 5)

and the inverse solves the quadratic a ξ² + b ξ + c = 0 in the numerically stable form
ξ = 2c / (−b − √(b² − 4ac)) (appendix A). The end-point derivatives d_0 = d_K = 1 are
fixed, not learned: the spline is a bijection of [0, 1] for any parameters, and with
uniform bins and all d_k = 1 it is the identity (how a flow starts).

Shapes: x [..., ] and the unnormalised parameters [..., K], [..., K], [..., K−1] with
the same leading shape. Returns the image and log|dy/dx| element-wise. No network
here: the coupling layer (flow.py) predicts the parameters.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MIN_BIN = 1e-4  # smallest bin width/height, as a fraction of [0, 1]
MIN_DERIVATIVE = 1e-4
# softplus(u + shift) + MIN_DERIVATIVE = 1 at u = 0: zero network outputs give the identity.
_DERIVATIVE_SHIFT = math.log(math.expm1(1.0 - MIN_DERIVATIVE))


def spline_knots(unnormalised: torch.Tensor, min_bin: float = MIN_BIN) -> tuple[torch.Tensor, torch.Tensor]:
    """Bin sizes (summing to 1, each ≥ min_bin) and the K+1 knot positions (0 … 1 exactly)."""
    k = unnormalised.shape[-1]
    sizes = min_bin + (1.0 - min_bin * k) * torch.softmax(unnormalised, dim=-1)
    knots = F.pad(torch.cumsum(sizes, dim=-1), (1, 0), value=0.0)
    knots = torch.cat([knots[..., :-1], torch.ones_like(knots[..., -1:])], dim=-1)  # last knot is 1, not 1 ± ulp
    return knots[..., 1:] - knots[..., :-1], knots


def knot_derivatives(unnormalised: torch.Tensor) -> torch.Tensor:
    """The K+1 knot derivatives: interior ones learned (> 0), the two end ones fixed at 1."""
    inner = F.softplus(unnormalised + _DERIVATIVE_SHIFT) + MIN_DERIVATIVE
    return F.pad(inner, (1, 1), value=1.0)


def _gather(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    return t.gather(-1, idx[..., None])[..., 0]


def _bin_index(knots: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    k = knots.shape[-1] - 1
    idx = torch.searchsorted(knots[..., 1:-1].contiguous(), x[..., None].contiguous(), right=True)[..., 0]
    return idx.clamp(0, k - 1)


def rational_quadratic_spline(x: torch.Tensor, widths: torch.Tensor, heights: torch.Tensor,
                              derivatives: torch.Tensor, inverse: bool = False
                              ) -> tuple[torch.Tensor, torch.Tensor]:
    """y = RQS(x) (or x = RQS⁻¹(y) with inverse=True) and log|dy/dx| (of the map applied).

    widths, heights: [..., K] unnormalised; derivatives: [..., K−1] unnormalised interior ones.
    Inputs outside [0, 1] are clamped (they can only come from rounding)."""
    x = x.clamp(0.0, 1.0)
    w, xk_all = spline_knots(widths)
    h, yk_all = spline_knots(heights)
    d = knot_derivatives(derivatives)
    idx = _bin_index(yk_all if inverse else xk_all, x)
    wk, hk = _gather(w, idx), _gather(h, idx)
    xk, yk = _gather(xk_all, idx), _gather(yk_all, idx)
    dk, dk1 = _gather(d, idx), _gather(d, idx + 1)
    s = hk / wk
    if inverse:
        dy = x - yk
        a = hk * (s - dk) + dy * (dk1 + dk - 2 * s)
        b = hk * dk - dy * (dk1 + dk - 2 * s)
        c = -s * dy
        disc = (b * b - 4 * a * c).clamp(min=0.0)
        xi = (2 * c / (-b - torch.sqrt(disc))).clamp(0.0, 1.0)
    else:
        xi = (x - xk) / wk
    t = xi * (1 - xi)
    denom = s + (dk1 + dk - 2 * s) * t
    deriv = s * s * (dk1 * xi * xi + 2 * s * t + dk * (1 - xi) ** 2) / (denom * denom)
    logdet = torch.log(deriv)
    if inverse:
        return (xk + xi * wk).clamp(0.0, 1.0), -logdet
    y = yk + hk * (s * xi * xi + dk * t) / denom
    return y.clamp(0.0, 1.0), logdet
