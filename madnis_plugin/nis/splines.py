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


def _softmax(u: torch.Tensor) -> torch.Tensor:
    # exp / sum by hand: torch.softmax is several times slower on rows of ~16 in float64
    e = torch.exp(u - u.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def spline_knots(unnormalised: torch.Tensor, min_bin: float = MIN_BIN) -> tuple[torch.Tensor, torch.Tensor]:
    """Bin sizes (summing to 1, each ≥ min_bin) and the K+1 knot positions (0 … 1 exactly)."""
    k = unnormalised.shape[-1]
    sizes = min_bin + (1.0 - min_bin * k) * _softmax(unnormalised)
    knots = F.pad(torch.cumsum(sizes, dim=-1)[..., :-1], (1, 1), value=0.0)
    knots[..., -1] = 1.0  # the last knot is 1, not 1 ± ulp
    return knots[..., 1:] - knots[..., :-1], knots


def knot_derivatives(unnormalised: torch.Tensor) -> torch.Tensor:
    """The K+1 knot derivatives: interior ones learned (> 0), the two end ones fixed at 1."""
    inner = F.softplus(unnormalised + _DERIVATIVE_SHIFT) + MIN_DERIVATIVE
    return F.pad(inner, (1, 1), value=1.0)


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
    # widths and heights normalised together, and every per-bin quantity gathered in one
    # call: the batches are small, so the number of tensor operations sets the speed.
    sizes, knots = spline_knots(torch.stack([widths, heights], dim=-2))  # [..., 2, K], [..., 2, K+1]
    d = knot_derivatives(derivatives)
    idx = _bin_index(knots[..., 1 if inverse else 0, :], x)
    table = torch.cat([sizes, knots[..., :-1], d[..., None, :-1], d[..., None, 1:]], dim=-2)  # [..., 6, K]
    picked = table.gather(-1, idx[..., None, None].expand(*idx.shape, 6, 1))[..., 0]
    wk, hk, xk, yk, dk, dk1 = picked.unbind(-1)
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
