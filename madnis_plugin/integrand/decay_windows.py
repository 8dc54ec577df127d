"""The invariant-mass window of decay-chain resonances, MG5's narrow-width treatment.

For ``p p > t t~, t > w+ b, t~ > w- b~`` MG5 keeps only the diagrams where each
decaying particle is an s-channel propagator (process/subprocesses.py), evaluates
their full matrix element with Breit–Wigner propagators, and rejects every phase-space
point where a decaying particle's invariant mass m is outside |m - M| < bwcutoff·Γ
(Template/LO/SubProcesses/myamp.f, ``cut_bw`` for propagators with ``gForceBW = 1``).
The cross section is *not* corrected for the Breit–Wigner tails cut away, so
σ(chain) ≈ σ(production) × Π BR × Π (fraction of each line shape inside the window).

:class:`DecayWindowCuts` adds that veto to a subprocess's run_card cuts.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["DecayWindowCuts"]


class DecayWindowCuts:
    """Run_card cuts and the decay-chain windows, as one ``passes(momenta)``.

    `windows`: (legs, M, Γ) per decaying particle, legs being indices into the momenta
    [B, 2 + n_out, 4] (incoming legs 0 and 1); the point passes when every
    |√((Σ_legs p)²) - M| < bwcutoff·Γ (strict, as MG5) and `cuts` pass.
    """

    def __init__(self, cuts, windows: Sequence[tuple[Sequence[int], float, float]], bwcutoff: float) -> None:
        if bwcutoff <= 0:
            raise ValueError(f"bwcutoff must be positive, got {bwcutoff}")
        self.cuts = cuts
        self.windows = [(tuple(int(i) for i in legs), float(m), float(w)) for legs, m, w in windows]
        self.bwcutoff = float(bwcutoff)

    def in_windows(self, momenta: torch.Tensor) -> torch.Tensor:
        """Bool [B]: every decaying particle within bwcutoff widths of its mass."""
        ok = torch.ones(momenta.shape[0], dtype=torch.bool, device=momenta.device)
        for legs, mass, width in self.windows:
            p = momenta[:, list(legs), :].sum(1)
            m2 = p[:, 0] ** 2 - (p[:, 1:] ** 2).sum(-1)
            m = m2.clamp(min=0).sqrt()
            ok &= (m - mass).abs() < self.bwcutoff * width
        return ok

    def passes(self, momenta: torch.Tensor) -> torch.Tensor:
        return self.cuts.passes(momenta) & self.in_windows(momenta)

    def __getattr__(self, name: str):
        # Everything else (phase_space_limits, value, flags ...) is the run_card cuts'.
        if name == "cuts":
            raise AttributeError(name)
        return getattr(self.cuts, name)
