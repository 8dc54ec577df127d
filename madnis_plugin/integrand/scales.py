"""Per-event renormalisation and factorisation scales from the run_card, in the core.

:class:`Scales` evaluates μR, μF1, μF2 (GeV) for a batch of lab-frame momenta
[B, 2 + n_out, 4] of one subprocess (csrc/include/madnis/scales.h), and αs(μR) with MG5's
running (:class:`~madnis_plugin.integrand.running_alphas.RunningAlphas`).

run_card settings honoured: fixed_ren_scale/scale, fixed_fac_scale/dsqrt_q2fact1/2 (fixed
values, not multiplied by scalefact), scalefact (multiplies every dynamical scale), and
dynamical_scale_choice, evaluated like MG5 in the partonic centre-of-mass frame:

* 1: Σ E_T over outgoing legs, E_T = E·pT/|p|;   2: Σ m_T = Σ √(m² + pT²);   3: Σ m_T / 2;
* 4: √ŝ;
* -1 (MG5's default): the event is clustered back with MG5's kT measures (cluster.f) to a
  2 → 1 vertex, and μR, μF follow MG5's setclscales (ickkw = 0) along that history. For
  p p > e+ e- this gives √ŝ; for p p > t t~ the transverse mass of the tops; with extra jets
  the scale follows the jets' kT where a QCD emission is softer than the core.

Where -1 can differ from MG5: MG5 allows a merge only if the subprocess has a diagram with
that propagator; here a pair merges when the SM has the vertex at the lowest EW order (QCD
splittings incl. top, γ/Z → ℓℓ̄/νν̄, W → ℓν, a quark radiating W/Z/γ; quark pairs only to a
gluon), which matches the benchmark processes (p p > e+ e-, t t~, t t~ j, W+ j j, e+ e- j j)
but not processes needing EW quark-pair propagators. Breit–Wigner (on-shell resonance)
measures are not used, and MG5's rejection of events with μF < 2 GeV is not applied. If no
merge is allowed (a process outside the rules), the scale falls back to Σ m_T / 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.core import _core, stream_of
from madnis_plugin.integrand.running_alphas import RunningAlphas

__all__ = ["MAX_LEGS", "PARAM_INDEX", "Scales", "pack_scale_params"]

#: Index of each value in the packed float64 parameters (kScale* in madnis/scales.h).
PARAM_INDEX = {
    "dynamical_scale_choice": 0, "scalefact": 1, "fixed_ren_scale": 2, "fixed_fac_scale": 3,
    "scale": 4, "dsqrt_q2fact1": 5, "dsqrt_q2fact2": 6, "maxjetflavor": 7, "d": 8,
}
MAX_LEGS = 12  # kScaleMaxLegs: incoming + outgoing legs the -1 clustering supports


def pack_scale_params(card: RunCard) -> list[float]:
    """The run_card's scale settings in the packed layout (:data:`PARAM_INDEX`)."""
    return [float(card[name]) for name in PARAM_INDEX]


class Scales:
    """μR, μF1, μF2 per event for one subprocess (PDG ids of all legs, incoming first)."""

    def __init__(self, params: Sequence[float], pdg_ids: Sequence[int], alphas: RunningAlphas | None = None) -> None:
        if len(params) != len(PARAM_INDEX):
            raise ValueError(f"params: expected {len(PARAM_INDEX)} values, got {len(params)}")
        if not 3 <= len(pdg_ids) <= MAX_LEGS:
            raise ValueError(f"pdg_ids: expected 3 to {MAX_LEGS} legs (incoming first), got {len(pdg_ids)}")
        self.params = torch.tensor(list(params), dtype=torch.float64)
        self.pdg_ids = torch.tensor([int(p) for p in pdg_ids], dtype=torch.int32)
        self.running_alphas = alphas or RunningAlphas()
        self._on: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    @classmethod
    def from_run_card(
        cls,
        card: RunCard,
        pdg_ids: Sequence[int],
        masses: Sequence[float] | None = None,
        alphas: RunningAlphas | None = None,
    ) -> Scales:
        """Scales for a subprocess with legs ``pdg_ids`` (two incoming, then outgoing).

        ``masses`` is accepted for symmetry with the phase space; the scales use the
        momenta's own masses. ``alphas`` defaults to MG5's running from αs(MZ) = 0.130.
        """
        del masses
        return cls(pack_scale_params(card), pdg_ids, alphas)

    def _tensors(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        if device not in self._on:
            self._on[device] = (self.params.to(device), self.pdg_ids.to(device))
        return self._on[device]

    def compute(self, momenta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(μR, μF1, μF2), each float64 [B], for lab momenta [B, n_legs, 4] (float64)."""
        if not isinstance(momenta, torch.Tensor):
            raise TypeError(f"momenta: expected a torch.Tensor, got {type(momenta).__name__}")
        n = self.pdg_ids.numel()
        if momenta.dim() == 3 and momenta.shape[1] != n:
            raise ValueError(f"momenta: expected {n} legs, got shape {list(momenta.shape)}")
        p = momenta.detach().contiguous()
        b = p.shape[0] if p.dim() > 0 else 0
        mu = [torch.empty(b, dtype=torch.float64, device=p.device) for _ in range(3)]
        params, pdg = self._tensors(p.device)
        _core.scales(params, pdg, p, mu[0], mu[1], mu[2], stream_of(p))
        return mu[0], mu[1], mu[2]

    def alphas(self, mu_r: torch.Tensor) -> torch.Tensor:
        """αs(μR) with MG5's LO running."""
        return self.running_alphas(mu_r)
