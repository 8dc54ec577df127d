"""What a decay chain changes in the integrand: resonance windows, cuts, the -1 scale.

For ``p p > t t~, t > w+ b, t~ > w- b~`` MG5 keeps only the diagrams where each
decaying particle is an s-channel propagator (process/subprocesses.py), evaluates
their full matrix element with Breit–Wigner propagators, and rejects every phase-space
point where a decaying particle's invariant mass m is outside |m - M| < bwcutoff·Γ
(Template/LO/SubProcesses/myamp.f, ``cut_bw`` for propagators with ``gForceBW = 1``).
The cross section is *not* corrected for the Breit–Wigner tails cut away, so
σ(chain) ≈ σ(production) × Π BR × Π (fraction of each line shape inside the window).

:class:`DecayWindowCuts` adds that veto to a subprocess's run_card cuts;
:class:`OnShellVetoCuts` is its opposite, MG5's ``$ X`` (no X near its mass shell).
:class:`ProductionScales` evaluates MG5's clustering scale (dynamical_scale_choice -1)
on the production process: MG5's clustering only follows histories that contain every
resonance on its Breit–Wigner (cluster.f checkbw/findmt; a forced one always is), so the
decay products are merged into their resonance and the scale of
``p p > t t~, t > w+ b, t~ > w- b~`` is the one of ``p p > t t~`` at the tops' momenta.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["DecayWindowCuts", "OnShellVetoCuts", "ProductionScales"]


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

    def window_masks(self, momenta: torch.Tensor) -> list[torch.Tensor]:
        """Per window, bool [B]: the legs' invariant mass within bwcutoff widths of M."""
        out = []
        for legs, mass, width in self.windows:
            p = momenta[:, list(legs), :].sum(1)
            m = (p[:, 0] ** 2 - (p[:, 1:] ** 2).sum(-1)).clamp(min=0).sqrt()
            out.append((m - mass).abs() < self.bwcutoff * width)
        return out

    def in_windows(self, momenta: torch.Tensor) -> torch.Tensor:
        """Bool [B]: every decaying particle within bwcutoff widths of its mass."""
        ok = torch.ones(momenta.shape[0], dtype=torch.bool, device=momenta.device)
        for mask in self.window_masks(momenta):
            ok &= mask
        return ok

    def passes(self, momenta: torch.Tensor) -> torch.Tensor:
        return self.cuts.passes(momenta) & self.in_windows(momenta)

    def __getattr__(self, name: str):
        # Everything else (phase_space_limits, value, flags ...) is the run_card cuts'.
        if name == "cuts":
            raise AttributeError(name)
        return getattr(self.cuts, name)


class OnShellVetoCuts(DecayWindowCuts):
    """MG5's ``$ X``: the run_card cuts, and no window (one s-channel X of this channel's
    diagram) within bwcutoff widths of its mass.

    MG5 applies it per channel (myamp.f: ``cut_bw`` for ``gForceBW = 2``, written per
    configuration by export_v4.py write_decayBW_file), so the result depends on the
    channel weights: it is MG5's with MG5's α_c = |A_c|²/Σ|A_j|², and differs with a
    learned channel weight. Propagators with Γ/M ≥ 0.1 are never vetoed (MG5's rule).
    """

    def passes(self, momenta: torch.Tensor) -> torch.Tensor:
        ok = self.cuts.passes(momenta)
        for mask in self.window_masks(momenta):
            ok &= ~mask
        return ok


class ProductionScales:
    """Scales of the production process, from momenta of the decayed final state.

    `scales`: a Scales of the production's PDG ids; `groups`: per production leg, the
    indices of the momenta it is the sum of (one index for a leg that does not decay).
    """

    def __init__(self, scales, groups: Sequence[Sequence[int]]) -> None:
        self.scales = scales
        self.groups = [tuple(int(i) for i in g) for g in groups]

    @classmethod
    def of_subprocess(cls, make_scales, pdg_ids: Sequence[int], decays) -> ProductionScales:
        """`decays`: (PDG id, legs) outermost first; `make_scales(pdg_ids)` builds a Scales."""
        top = [(pdg, set(legs)) for pdg, legs in decays
               if not any(set(legs) < set(other) for _, other in decays)]
        groups, ids = [[0], [1]], [int(pdg_ids[0]), int(pdg_ids[1])]
        for leg in range(2, len(pdg_ids)):
            owner = next(((pdg, legs) for pdg, legs in top if leg in legs), None)
            if owner is None:
                groups.append([leg])
                ids.append(int(pdg_ids[leg]))
            elif leg == min(owner[1]):
                groups.append(sorted(owner[1]))
                ids.append(int(owner[0]))
        return cls(make_scales(ids), groups)

    def fac_scale_ok(self, mu_f1: torch.Tensor, mu_f2: torch.Tensor) -> torch.Tensor:
        return self.scales.fac_scale_ok(mu_f1, mu_f2)

    def production_momenta(self, momenta: torch.Tensor) -> torch.Tensor:
        return torch.stack([momenta[:, list(g), :].sum(1) for g in self.groups], dim=1)

    def compute(self, momenta: torch.Tensor):
        return self.scales.compute(self.production_momenta(momenta))

    def alphas(self, mu_r: torch.Tensor) -> torch.Tensor:
        return self.scales.alphas(mu_r)
