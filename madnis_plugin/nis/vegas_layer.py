"""A VEGAS grid as a bijection of the unit cube: the first layer of a channel's flow.

G. P. Lepage's adaptive map (the `vegas` package's `AdaptiveMap`) cuts each axis of
[0, 1] into N bins of widths Δ_i (Σ_i Δ_i = 1) and maps y ↦ r piecewise linearly:

    i = ⌊N y⌋,   r = e_i + (N y − i) Δ_i,   dr/dy = N Δ_i   (per axis; J = Π_axes N Δ_i),

so a trained grid concentrates uniform points where the integrand is large. As the
outermost layer of a flow (r = G(T(z)), T the coupling layers) it makes the flow start
from the classical VEGAS result (T = identity at initialisation) and leaves the
coupling layers only the correlations VEGAS cannot describe. The widths are either
fixed buffers or trainable through Δ = softmax(θ), θ initialised to log Δ_VEGAS.

`VegasGridLayer.from_adaptive_map` reads a `vegas.AdaptiveMap`; `forward(y)` returns
(r, log J), `inverse(r)` returns (y, −log J). Float64 throughout. This module does not
train grids: `vegas` does that (nis/pretraining.py).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

_MIN_WIDTH = 1e-300  # log of a zero-width bin (a degenerate grid) stays finite


class VegasGridLayer(nn.Module):
    def __init__(self, widths: torch.Tensor, trainable: bool = False):
        """widths: [dim, N] positive bin widths of each axis (normalised to sum 1 here)."""
        super().__init__()
        widths = torch.as_tensor(widths, dtype=torch.float64)
        widths = widths.clamp(min=_MIN_WIDTH) / widths.sum(-1, keepdim=True)
        self.dim, self.n_bins = widths.shape
        self.trainable = trainable
        if trainable:
            self.logits = nn.Parameter(torch.log(widths))
        else:
            self.register_buffer("fixed_widths", widths)

    @classmethod
    def uniform(cls, dim: int, n_bins: int = 1, trainable: bool = False) -> VegasGridLayer:
        """The identity map (one bin, or N equal ones)."""
        return cls(torch.full((dim, n_bins), 1.0 / n_bins, dtype=torch.float64), trainable)

    @classmethod
    def from_adaptive_map(cls, amap, trainable: bool = False) -> VegasGridLayer:
        """From a `vegas.AdaptiveMap` on [0, 1]^dim (all axes must have the same bin count)."""
        grid = [np.asarray(g, dtype=np.float64) for g in amap.extract_grid()]
        if len({len(g) for g in grid}) != 1:
            raise ValueError("VegasGridLayer needs the same number of bins on every axis")
        edges = np.stack(grid)
        if not (np.allclose(edges[:, 0], 0.0) and np.allclose(edges[:, -1], 1.0)):
            raise ValueError("VegasGridLayer needs a VEGAS map of the unit cube")
        return cls(torch.from_numpy(np.diff(edges, axis=1)), trainable)

    def widths(self) -> torch.Tensor:
        if self.trainable:
            return torch.softmax(self.logits, dim=-1)
        return self.fixed_widths

    def _edges(self, widths: torch.Tensor) -> torch.Tensor:
        edges = torch.cumsum(widths, dim=-1)
        return torch.cat([torch.zeros_like(edges[:, :1]), edges[:, :-1], torch.ones_like(edges[:, :1])], dim=-1)

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """r = G(y) [B, dim] and log J = log|dr/dy| [B]."""
        widths = self.widths()
        edges = self._edges(widths)
        scaled = y * self.n_bins
        idx = scaled.floor().long().clamp(0, self.n_bins - 1)  # [B, dim]
        w = _take(widths, idx)
        r = _take(edges, idx) + (scaled - idx) * w
        return r.clamp(0.0, 1.0), torch.log(self.n_bins * w).sum(-1)

    def inverse(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """y = G⁻¹(r) [B, dim] and log|dy/dr| [B]."""
        widths = self.widths()
        edges = self._edges(widths)
        inner = edges[:, 1:-1].contiguous()  # [dim, N-1]
        idx = torch.searchsorted(inner, r.T.contiguous(), right=True).T.clamp(0, self.n_bins - 1)
        w = _take(widths, idx)
        y = (idx + (r - _take(edges, idx)) / w) / self.n_bins
        return y.clamp(0.0, 1.0), -torch.log(self.n_bins * w).sum(-1)


def _take(table: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """table [dim, M], idx [B, dim] → table[j, idx[b, j]] as [B, dim]."""
    return table.gather(1, idx.T).T
