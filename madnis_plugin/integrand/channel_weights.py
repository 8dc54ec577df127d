"""The single-diagram-enhancement weights of a subprocess's channels, MG5's two strategies.

Each channel c of a subprocess weighs a phase-space point by α_c = P_c / Σ_j P_j over
the subprocess's channels, so that Σ_c α_c = 1 and σ = Σ_c ∫ α_c f (madnis_plugin.
integrand.channel). The run_card's ``sde_strategy`` chooses P (MG5 3.x, arXiv:2102.00773):

1. P_c = |A_c|², the squared amplitude of the channel's diagram summed over helicities
   (MG5's original choice). It follows the diagram, including gauge-dependent pieces:
   where two diagrams cancel, both |A|² can be large while |M|² is small, and a channel
   then takes a share of a peak of other diagrams that its map does not follow.
2. P_c = Π_{propagators p of c} 1 / |p² - M_p² + i M_p Γ_p|² (t-channel lines without
   width, as the channel maps them): gauge independent, and large exactly where the
   channel's own propagators, the ones its map follows, are near their poles.

This module only computes the P's; the channel integrand forms α from them.
"""

from __future__ import annotations

import torch

from madnis_plugin.models.model import Model
from madnis_plugin.process.diagrams import Diagram

STRATEGIES = (1, 2)


class AmplitudeWeights:
    """sde_strategy = 1: P_c = |A_c|² of the channel diagrams (columns of the ME's amp2)."""

    def __init__(self, channel_diagrams: list[int]):
        self.channel_diagrams = list(channel_diagrams)
        self._index: dict[torch.device, torch.Tensor] = {}

    def __call__(self, momenta: torch.Tensor, amp2: torch.Tensor) -> torch.Tensor:
        if amp2.device not in self._index:
            self._index[amp2.device] = torch.tensor(self.channel_diagrams, device=amp2.device)
        return amp2.index_select(1, self._index[amp2.device])


class PropagatorWeights:
    """sde_strategy = 2: P_c = Π 1/|p² - M² + iMΓ|² over the propagators of channel c's diagram.

    Returned normalised per point (the largest P of a point is 1), which keeps the
    products of many small denominators finite and leaves every ratio α_c unchanged."""

    def __init__(self, model: Model, diagrams: list[Diagram], channel_diagrams: list[int]):
        n_in = diagrams[0].n_initial
        n_legs = len(diagrams[0].pdg_ids)
        rows: list[tuple[int, list[float], float, float]] = []  # (channel, leg signs, M², (MΓ)²)
        for c, d in enumerate(channel_diagrams):
            for p in diagrams[d].propagators:
                mass = 0.0 if p.mass == "ZERO" else float(abs(model.param(p.mass)))
                width = 0.0 if (p.width == "ZERO" or not p.is_s_channel) else float(abs(model.param(p.width)))
                # s-channel: Σ of its final legs; t-channel: p_0 minus the final legs on leg 0's side
                signs = [0.0] * n_legs
                for leg in p.legs:
                    signs[leg] = 1.0 if leg < n_in else -1.0
                rows.append((c, signs, mass * mass, (mass * width) ** 2))
        self.n_channels = len(channel_diagrams)
        self._rows = rows
        self._cache: dict[torch.device, tuple[torch.Tensor, ...]] = {}

    def _tensors(self, device: torch.device) -> tuple[torch.Tensor, ...]:
        if device not in self._cache:
            f64 = {"dtype": torch.float64, "device": device}
            owner = torch.tensor([r[0] for r in self._rows], dtype=torch.long, device=device)
            signs = torch.tensor([r[1] for r in self._rows], **f64)  # [n_props, n_legs]
            m2 = torch.tensor([r[2] for r in self._rows], **f64)
            mg2 = torch.tensor([r[3] for r in self._rows], **f64)
            self._cache[device] = (owner, signs, m2, mg2)
        return self._cache[device]

    def __call__(self, momenta: torch.Tensor, amp2: torch.Tensor | None = None) -> torch.Tensor:
        owner, signs, m2, mg2 = self._tensors(momenta.device)
        q = torch.einsum("kl,blm->bkm", signs, momenta)  # [B, n_props, 4]
        q2 = q[..., 0] ** 2 - (q[..., 1:] ** 2).sum(-1)
        log_d = torch.log(((q2 - m2) ** 2 + mg2).clamp_min(1e-300))
        log_p = torch.zeros(momenta.shape[0], self.n_channels, dtype=torch.float64, device=momenta.device)
        log_p = log_p.index_add(1, owner, -log_d)
        return torch.exp(log_p - log_p.max(1, keepdim=True).values)


def channel_weights(strategy: int, model: Model, diagrams: list[Diagram], channel_diagrams: list[int]):
    """The P_c of the subprocess's channels under MG5's sde_strategy (1 or 2)."""
    if strategy == 1:
        return AmplitudeWeights(channel_diagrams)
    if strategy == 2:
        return PropagatorWeights(model, diagrams, channel_diagrams)
    raise ValueError(f"sde_strategy must be 1 or 2, not {strategy}")
