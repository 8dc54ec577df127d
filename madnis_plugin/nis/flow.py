"""A channel's normalising flow on the unit cube: VEGAS grid ∘ rational-quadratic couplings.

    r = G(T_L ∘ … ∘ T_1(z)),   z ~ U[0, 1]^dim,   q(r) = 1 / |det ∂r/∂z|

T_l are coupling layers (Dinh et al., arXiv:1605.08803): the dimensions in the layer's
mask condition a small MLP that predicts, for every other dimension, the parameters of
a monotone rational-quadratic spline on [0, 1] (splines.py; Durkan et al.,
arXiv:1906.04032). Masks follow the binary digits of the dimension index (bit b,
then its complement, for every bit), so each pair of dimensions is split by some layer
and every dimension is transformed. G is the channel's VEGAS grid (vegas_layer.py).
The MLPs' last layers start at zero, so a new flow is exactly G: training begins from
the VEGAS result.

Everything is float64, and log q is exact (a sum of element-wise log-derivatives), so
importance weights f/q carry no density error. `sample(n)` draws (r, log q);
`log_prob(r)` runs the inverse for points from elsewhere (the buffer, other channels).
One flow per channel, shared by the channels of a symmetry group (the trainer decides).
This module knows nothing of physics or training.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from madnis_plugin.nis.mlp import MLP
from madnis_plugin.nis.splines import rational_quadratic_spline
from madnis_plugin.nis.vegas_layer import VegasGridLayer


def coupling_masks(dim: int) -> list[torch.Tensor]:
    """Boolean masks (True: conditioning dimension), two per binary digit of the index."""
    if dim < 2:
        return [torch.zeros(dim, dtype=torch.bool)]
    bits = max(1, math.ceil(math.log2(dim)))
    index = torch.arange(dim)
    masks = []
    for b in range(bits):
        cond = (index >> b) & 1 == 0
        masks += [cond, ~cond]
    return masks


class SplineCoupling(nn.Module):
    """One coupling layer: dims with mask=False are splined, conditioned on the others."""

    def __init__(self, mask: torch.Tensor, bins: int, hidden: int, layers: int):
        super().__init__()
        self.register_buffer("mask", mask.clone())
        # index lists instead of boolean indexing (which costs a host sync on the GPU)
        cond, trans = mask.nonzero()[:, 0], (~mask).nonzero()[:, 0]
        self.register_buffer("cond_idx", cond, persistent=False)
        self.register_buffer("trans_idx", trans, persistent=False)
        self.register_buffer("unpermute", torch.argsort(torch.cat([cond, trans])), persistent=False)
        self.bins = bins
        self.n_cond = int(mask.sum())
        self.n_trans = int((~mask).sum())
        n_par = self.n_trans * (3 * bins - 1)
        if self.n_cond > 0:
            self.net = MLP(self.n_cond, n_par, hidden, layers)
        else:  # nothing to condition on (dim 1): the spline is a free parameter
            self.free = nn.Parameter(torch.zeros(n_par))

    def _params(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.n_cond > 0:
            p = self.net(2 * cond - 1)
        else:
            p = self.free.expand(cond.shape[0], -1)
        p = p.view(-1, self.n_trans, 3 * self.bins - 1)
        k = self.bins
        return p[..., :k], p[..., k:2 * k], p[..., 2 * k:]

    def forward(self, x: torch.Tensor, inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        cond = x.index_select(1, self.cond_idx)
        widths, heights, derivs = self._params(cond)
        y_t, logdet = rational_quadratic_spline(x.index_select(1, self.trans_idx), widths, heights, derivs,
                                                inverse=inverse)
        return torch.cat([cond, y_t], dim=1).index_select(1, self.unpermute), logdet.sum(-1)


class ChannelFlow(nn.Module):
    """q(r) on [0, 1]^dim: a VEGAS grid layer after L spline couplings (see module docstring)."""

    def __init__(self, dim: int, *, bins: int = 16, hidden: int = 32, hidden_layers: int = 2,
                 n_couplings: int | None = None, grid: VegasGridLayer | None = None):
        super().__init__()
        if dim < 1:
            raise ValueError(f"a flow needs dim >= 1, got {dim}")
        self.dim = dim
        masks = coupling_masks(dim)
        if n_couplings is not None:  # repeat the mask pattern to the requested depth
            masks = [masks[i % len(masks)] for i in range(n_couplings)]
        self.couplings = nn.ModuleList(SplineCoupling(m, bins, hidden, hidden_layers) for m in masks)
        self.grid = grid if grid is not None else VegasGridLayer.uniform(dim)
        if self.grid.dim != dim:
            raise ValueError(f"grid has dim {self.grid.dim}, flow has dim {dim}")
        self.to(torch.float64)

    def transform(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """r = flow(z) and log|det ∂r/∂z| [B]."""
        logdet = torch.zeros(z.shape[0], dtype=z.dtype, device=z.device)
        x = z
        for layer in self.couplings:
            x, ld = layer(x)
            logdet = logdet + ld
        r, ld = self.grid(x)
        return r, logdet + ld

    def inverse(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z = flow⁻¹(r) and log|det ∂z/∂r| [B] (= log q(r))."""
        x, logdet = self.grid.inverse(r)
        for layer in reversed(self.couplings):
            x, ld = layer(x, inverse=True)
            logdet = logdet + ld
        return x, logdet

    def log_prob(self, r: torch.Tensor) -> torch.Tensor:
        """log q(r) [B], float64."""
        return self.inverse(r)[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """n points r ~ q with log q(r); the uniform z come from `generator` on the flow's device."""
        device = next(self.buffers(), next(self.parameters())).device
        z = torch.rand(n, self.dim, dtype=torch.float64, device=device, generator=generator)
        r, logdet = self.transform(z)
        return r, -logdet
