"""αs(μR) for event generation, running as MG5 does at LO.

Two-loop running (one loop optional) from the PDF set's αs(MZ), with MZ =
91.188 GeV, five flavours above mb = 4.7 GeV and four above mc = 1.42 GeV
(MG5's defaults), evaluated in the core (csrc/include/madnis/running_alphas.h).
This is what cross sections must use to agree with MG5; the PDF set's own αs
(madnis_plugin.pdf) is the alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from madnis_plugin.core import _core, stream_of


@dataclass(frozen=True)
class RunningAlphas:
    alpha_mz: float = 0.130
    mz: float = 91.188
    mc: float = 1.42
    mb: float = 4.7
    nloop: int = 2

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        """αs at scales q [GeV] (float64 tensor, any shape and device)."""
        if q.dtype != torch.float64:
            raise TypeError(f"q: expected a float64 tensor, got {q.dtype}")
        flat = q.detach().reshape(-1).contiguous()
        out = torch.empty_like(flat)
        _core.running_alphas(flat, out, self.alpha_mz, self.mz, self.mc, self.mb, self.nloop, stream_of(flat))
        return out.reshape(q.shape)
