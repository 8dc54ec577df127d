"""The small fully connected network behind couplings and channel weights.

Linear layers with SiLU activations; the output layer is initialised to zero, so a
new coupling layer is the identity spline and a new channel-weight network returns
the prior. Nothing else lives here.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, n_in: int, n_out: int, hidden: int, layers: int):
        super().__init__()
        sizes = [n_in] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in itertools.pairwise(sizes):
            blocks += [nn.Linear(a, b), nn.SiLU()]
        self.body = nn.Sequential(*blocks)
        self.out = nn.Linear(sizes[-1], n_out)
        nn.init.zeros_(self.out.weight)  # zero output at start (see the module docstring)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x))
