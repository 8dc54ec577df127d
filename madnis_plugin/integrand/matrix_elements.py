"""The matrix-element interface the integrand and event generation use, over the
generated code (madnis_plugin.matrix_element.MatrixElement):

    evaluate(momenta, alpha_s) -> (|M|² [B], Σ_hel |A_d|² [B, n_diagrams])
    sample_colour_helicity(momenta, alpha_s, generator) -> (ICOLUP [B, n, 2], SPINUP [B, n])

Colour flows are drawn ∝ their leading-colour weight and helicities ∝ their
contribution, both inside the generated code from uniform numbers drawn here.
"""

from __future__ import annotations

import torch


class SubprocessMatrixElement:
    def __init__(self, me, precision: str = "d"):
        self.me = me
        self.precision = precision  # run_card floating_type: d, f or m
        self._tables: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def _lookup(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        if device not in self._tables:
            icolup = torch.tensor(self.me.icolup, dtype=torch.int64, device=device)  # [flows, n, 2]
            helicities = self.me.helicity_table.to(device=device, dtype=torch.int64)  # [hel, n]
            self._tables[device] = (icolup, helicities)
        return self._tables[device]

    def evaluate(self, momenta: torch.Tensor, alpha_s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.me.evaluate(momenta, alpha_s, diagram_weights=True, precision=self.precision)
        return out.me2, out.diagram_weights

    def sample_colour_helicity(self, momenta: torch.Tensor, alpha_s: torch.Tensor,
                               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        n = momenta.shape[0]
        r = torch.rand(2, n, dtype=torch.float64, device=momenta.device, generator=generator)
        out = self.me.evaluate(momenta, alpha_s, r_hel=r[0], r_col=r[1], precision=self.precision)
        icolup, helicities = self._lookup(momenta.device)
        return icolup[out.colour_flow.long()], helicities[out.helicity.long()]
