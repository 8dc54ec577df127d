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

Which pairs the -1 clustering may merge: with the subprocess's diagrams (``diagrams``), those
of a diagram that also has every earlier merge, as MG5 does; without them, SM combination
rules (QCD splittings incl. top, γ/Z → ℓℓ̄/νν̄, W → ℓν, a quark radiating W/Z/γ; quark pairs
only to a gluon). MG5's -1 scale also depends on the phase-space channel (MG5's iconfig): when
the free clustering tags a different number of jets than the channel's own diagram does, MG5
clusters along that diagram (for p p > w+ j j this is most of the q g events of the channels
where the W and the quark come from one s-channel quark). :meth:`Scales.for_channel` gives
the scales of one channel; without a channel the free clustering is used. With ``model``
(for the propagators' masses and widths), the channel's resonances within bwcutoff widths
of their mass are merged at their invariant mass and only through diagrams that have them
(MG5's Breit–Wigner treatment). MG5's rejection of events with μF < 2 GeV is not applied. If
no merge is allowed, the scale falls back to Σ m_T / 2.

The integrand builder uses the channel with the run_card's madnis_channel_scales = True,
the default (madnis_plugin/integrand/build.py has the numbers against MG5).

Because the -1 scale then depends on the channel, so does the integrand, and σ = Σ_c ∫ α_c f_c
depends on the channel weights α: it is MG5's σ with MG5's α_c = |A_c|²/Σ|A|² (VEGAS here),
while a learned α (MadNIS) gives a slightly different σ, as it would in MG5.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.core import _core, stream_of
from madnis_plugin.integrand.running_alphas import RunningAlphas

if TYPE_CHECKING:
    from madnis_plugin.models.model import Model
    from madnis_plugin.process.diagrams import Diagram

__all__ = ["MAX_LEGS", "PARAM_INDEX", "Scales", "diagram_table", "pack_scale_params"]

#: Index of each value in the packed float64 parameters (kScale* in madnis/scales.h).
PARAM_INDEX = {
    "dynamical_scale_choice": 0, "scalefact": 1, "fixed_ren_scale": 2, "fixed_fac_scale": 3,
    "scale": 4, "dsqrt_q2fact1": 5, "dsqrt_q2fact2": 6, "maxjetflavor": 7, "d": 8, "bwcutoff": 9,
    "small_width_treatment": 10,
}
MAX_LEGS = 12  # kScaleMaxLegs: incoming + outgoing legs the -1 clustering supports


def pack_scale_params(card: RunCard) -> list[float]:
    """The run_card's scale settings in the packed layout (:data:`PARAM_INDEX`)."""
    return [float(card[name]) for name in PARAM_INDEX]


def diagram_table(diagrams: Sequence[Diagram], n_legs: int,
                  model: Model | None = None) -> tuple[torch.Tensor, torch.Tensor, dict[int, int]]:
    """Propagators of the diagrams as int32 [rows, n_legs - 3, 2]: (leg mask, PDG id), bit k
    of the mask = leg k, and float64 [rows, n_legs - 3, 2]: (mass, width) in GeV from `model`
    (zeros without one) — the layout ScDiagrams in madnis/scales.h reads; and the row of each
    diagram index. Diagrams with a 4-point vertex (fewer propagators) get no row: MG5 does not
    cluster along them either (they are no channels of its own)."""

    def value(name: str) -> float:
        return 0.0 if model is None or name == "ZERO" else float(abs(model.param(name)))

    rows, mass_width, row_of = [], [], {}
    for k, d in enumerate(diagrams):
        if len(d.pdg_ids) != n_legs:
            raise ValueError(f"diagrams: expected {n_legs} legs, got diagram {k}: {d}")
        if len(d.propagators) == n_legs - 3:
            row_of[k] = len(rows)
            rows.append([[sum(1 << leg for leg in p.legs), int(p.pdg)] for p in d.propagators])
            mass_width.append([[value(p.mass), value(p.width)] for p in d.propagators])
    shape = (len(rows), n_legs - 3, 2)
    return (torch.tensor(rows, dtype=torch.int32).reshape(shape),
            torch.tensor(mass_width, dtype=torch.float64).reshape(shape), row_of)


class Scales:
    """μR, μF1, μF2 per event for one subprocess (PDG ids of all legs, incoming first).

    `diagrams`: the subprocess's diagrams, which decide the merges of the -1 clustering (SM
    rules without them); `channel`: index of the phase-space channel's diagram among them
    (MG5's iconfig), None for the free clustering; `model`: gives the propagators' masses and
    widths, for the channel's on-shell resonances (none without it).
    """

    def __init__(self, params: Sequence[float], pdg_ids: Sequence[int], alphas: RunningAlphas | None = None,
                 diagrams: Sequence[Diagram] | None = None, channel: int | None = None,
                 model: Model | None = None) -> None:
        if len(params) != len(PARAM_INDEX):
            raise ValueError(f"params: expected {len(PARAM_INDEX)} values, got {len(params)}")
        if not 3 <= len(pdg_ids) <= MAX_LEGS:
            raise ValueError(f"pdg_ids: expected 3 to {MAX_LEGS} legs (incoming first), got {len(pdg_ids)}")
        n_legs = len(pdg_ids)
        self.params = torch.tensor(list(params), dtype=torch.float64)
        self.pdg_ids = torch.tensor([int(p) for p in pdg_ids], dtype=torch.int32)
        self.diagrams = list(diagrams) if diagrams is not None else []
        self.model = model
        self.diagram_table, self.mass_width, self._row_of = diagram_table(self.diagrams, n_legs, model)
        if channel is not None and not 0 <= channel < len(self.diagrams):
            raise ValueError(f"channel: expected a diagram index below {len(self.diagrams)}, got {channel}")
        self.channel = channel
        self.running_alphas = alphas or RunningAlphas()
        self._on: dict[torch.device, tuple[torch.Tensor, ...]] = {}

    @classmethod
    def from_run_card(
        cls,
        card: RunCard,
        pdg_ids: Sequence[int],
        masses: Sequence[float] | None = None,
        alphas: RunningAlphas | None = None,
        diagrams: Sequence[Diagram] | None = None,
        model: Model | None = None,
    ) -> Scales:
        """Scales for a subprocess with legs ``pdg_ids`` (two incoming, then outgoing).

        ``masses`` is accepted for symmetry with the phase space; the scales use the
        momenta's own masses. ``alphas`` defaults to MG5's running from αs(MZ) = 0.130.
        ``diagrams``, ``model``: see the class.
        """
        del masses
        out = cls(pack_scale_params(card), pdg_ids, alphas, diagrams, model=model)
        # MG5 (reweight.f setclscales) fails the cuts of a point whose dynamical μF of a
        # hadron beam is below 2 GeV
        dynamical = not bool(card["fixed_fac_scale"])
        out.min_fac_scale = tuple(2.0 if dynamical and int(card[f"lpp{i}"]) != 0 else 0.0 for i in (1, 2))
        return out

    #: lowest μF1, μF2 [GeV] a point may have (smaller: weight 0), see `from_run_card`
    min_fac_scale: tuple[float, float] = (0.0, 0.0)

    def fac_scale_ok(self, mu_f1: torch.Tensor, mu_f2: torch.Tensor) -> torch.Tensor:
        """Where both factorisation scales are at least `min_fac_scale` (bool [B])."""
        return (mu_f1 >= self.min_fac_scale[0]) & (mu_f2 >= self.min_fac_scale[1])

    def for_channel(self, channel: int | None) -> Scales:
        """The same scales for events of the channel of diagram ``channel`` (None: none)."""
        out = Scales(self.params.tolist(), self.pdg_ids.tolist(), self.running_alphas, self.diagrams, channel,
                     self.model)
        out.min_fac_scale = self.min_fac_scale
        return out

    def _tensors(self, device: torch.device) -> tuple[torch.Tensor, ...]:
        if device not in self._on:
            # the diagram table's row of each diagram (-1: none, as for a 4-point vertex)
            rows = torch.tensor([self._row_of.get(k, -1) for k in range(len(self.diagrams))], dtype=torch.int64)
            self._on[device] = (self.params.to(device), self.pdg_ids.to(device), self.diagram_table.to(device),
                                self.mass_width.to(device), rows.to(device))
        return self._on[device]

    def compute(self, momenta: torch.Tensor, diagrams: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(μR, μF1, μF2), each float64 [B], for lab momenta [B, n_legs, 4] (float64).

        ``diagrams``: int64 [B], each point's channel diagram (instead of the object's one),
        so that points of many channels are evaluated in one call."""
        if not isinstance(momenta, torch.Tensor):
            raise TypeError(f"momenta: expected a torch.Tensor, got {type(momenta).__name__}")
        n = self.pdg_ids.numel()
        if momenta.dim() == 3 and momenta.shape[1] != n:
            raise ValueError(f"momenta: expected {n} legs, got shape {list(momenta.shape)}")
        p = momenta.detach().contiguous()
        b = p.shape[0] if p.dim() > 0 else 0
        mu = [torch.empty(b, dtype=torch.float64, device=p.device) for _ in range(3)]
        params, pdg, table, mass_width, rows = self._tensors(p.device)
        channel = self._row_of.get(self.channel, -1) if self.channel is not None else -1
        channels = None if diagrams is None else rows[diagrams].contiguous()
        _core.scales(params, pdg, table, mass_width, channel, p, mu[0], mu[1], mu[2], stream_of(p), channels)
        return mu[0], mu[1], mu[2]

    def alphas(self, mu_r: torch.Tensor) -> torch.Tensor:
        """αs(μR) with MG5's LO running."""
        return self.running_alphas(mu_r)
