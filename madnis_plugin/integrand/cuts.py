"""MG5 run_card cuts on batches of events, evaluated in the core (csrc/include/madnis/cuts.h).

:class:`Cuts` holds, for one subprocess, the run_card's ``core`` cut values packed into a
float64 array and per outgoing leg its class flags and PDG id; ``passes(momenta)`` returns a
bool mask over a batch of lab-frame momenta [B, 2 + n_out, 4] on any device.

MG5's meaning (Template/LO setcuts.f + cuts.f), which this reproduces:

* leg classes: jet = g or |pid| <= maxjetflavor; b = maxjetflavor < |pid| <= 5; photon;
  charged lepton e, mu, ta; neutrino; "heavy" = mass > 10 GeV (ptheavy). The per-leg cuts
  (pt, |y|, ΔR, pair masses) skip legs heavier than 20 GeV (t, W, Z, H) and neutrinos;
* "eta" cuts and ΔR use the rapidity y (MG5's ``rap``), which equals the pseudorapidity only
  for massless legs; Δφ in [0, π];
* minima reject below the value (equality passes), maxima reject above when >= 0 (-1 = none);
  a pair-mass minimum above its maximum vetoes the window in between;
* ptllmin/max act on each same-flavour opposite-charge lepton pair, lepton–neutrino pair and
  neutrino pair (pT of the pair), not on the sum of all leptons;
* misset: pT of the neutrino sum (only with neutrinos); mmnl: mass of all charged leptons
  plus neutrinos; ihtmin/max: scalar pT sum of jets and b's; xpt*: the hardest leg of the
  class at or above the value (ignored without such legs); ptheavy: one heavy leg strictly
  above it (ignored without heavy legs); dsqrt_shat/max: bounds on √ŝ.

Δφ is computed exactly (MG5 clips cos Δφ to ±0.99999999, i.e. Δφ >= 1.4e-4); otherwise the
decisions are MG5's. cut_decays (per-leg cuts off for decay-chain products) is applied
by clearing those legs' ``cut`` flag (integrand/build.py decay_chain_cuts); the cuts the
run_card marks as not supported are not here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.core import _core, stream_of

if TYPE_CHECKING:
    from madnis_plugin.phasespace.topology import CutLimits

__all__ = ["LEG_FLAGS", "PARAM_INDEX", "Cuts", "leg_flags", "pack_cut_params"]

# Per-leg flags (csrc/include/madnis/cuts.h kLeg*).
LEG_FLAGS = {"jet": 1, "b": 2, "photon": 4, "lepton": 8, "neutrino": 16, "heavy": 32, "cut": 64}
_CLASSES = ("j", "b", "a", "l")
_NUM_PARAMS = 71


def _layout() -> dict[str, int]:
    """Name → index of the packed parameters (the kCut* layout of madnis/cuts.h)."""
    index: dict[str, int] = {}
    for c, name in enumerate(_CLASSES):
        index[f"pt{name}"] = 4 * c
        index[f"pt{name}max"] = 4 * c + 1
        index[f"eta{name}"] = 4 * c + 2
        index[f"eta{name}min"] = 4 * c + 3
    for a, na in enumerate(_CLASSES):
        for b, nb in enumerate(_CLASSES):
            index[f"dr_min_{na}{nb}"] = 16 + 4 * a + b
            index[f"dr_max_{na}{nb}"] = 32 + 4 * a + b
    for c, name in enumerate(_CLASSES):
        index[f"mm{name}{name}"] = 48 + c
        index[f"mm{name}{name}max"] = 52 + c
        index[f"xpt{name}"] = 56 + c
    for k, name in enumerate(["misset", "missetmax", "ptheavy", "ptllmin", "ptllmax", "mmnl", "mmnlmax",
                              "ihtmin", "ihtmax", "dsqrt_shat", "dsqrt_shatmax"]):
        index[name] = 60 + k
    return index


#: Index of each value in the packed float64 array (run_card names, plus dr_min_XY /
#: dr_max_XY for the symmetric ΔR tables of classes j, b, a, l).
PARAM_INDEX = _layout()

# run_card names of the ΔR cuts for each unordered class pair (MG5 spelling).
_DR_NAMES = {
    ("j", "j"): "drjj", ("b", "b"): "drbb", ("l", "l"): "drll", ("a", "a"): "draa",
    ("b", "j"): "drbj", ("a", "j"): "draj", ("j", "l"): "drjl", ("a", "b"): "drab",
    ("b", "l"): "drbl", ("a", "l"): "dral",
}


def pack_cut_params(card: RunCard) -> list[float]:
    """The run_card's cut values in the packed layout (:data:`PARAM_INDEX`)."""
    values = [0.0] * _NUM_PARAMS
    for name, i in PARAM_INDEX.items():
        if name.startswith("dr_"):
            continue
        values[i] = float(card[name])
    for (a, b), name in _DR_NAMES.items():
        for x, y in ((a, b), (b, a)):
            values[PARAM_INDEX[f"dr_min_{x}{y}"]] = float(card[name])
            values[PARAM_INDEX[f"dr_max_{x}{y}"]] = float(card[f"{name}max"])
    return values


def leg_flags(pdg_ids: Sequence[int], maxjetflavor: int, masses: Sequence[float]) -> list[int]:
    """Class flags of outgoing legs, as MG5's setcuts.f assigns them."""
    flags = []
    for pid, mass in zip(pdg_ids, masses, strict=True):
        a, f = abs(int(pid)), 0
        if a == 21 or (0 < a <= min(maxjetflavor, 6)):
            f |= LEG_FLAGS["jet"]
        elif maxjetflavor < a <= 5:
            f |= LEG_FLAGS["b"]
        if pid == 22:
            f |= LEG_FLAGS["photon"]
        if a in (11, 13, 15):
            f |= LEG_FLAGS["lepton"]
        if a in (12, 14, 16):
            f |= LEG_FLAGS["neutrino"]
        if mass > 10.0:
            f |= LEG_FLAGS["heavy"]
        if mass <= 20.0 and a not in (12, 14, 16):
            f |= LEG_FLAGS["cut"]
        flags.append(f)
    return flags


def _cut_class(flags: int) -> int:
    """The class (0 j, 1 b, 2 a, 3 l) whose per-leg cuts a leg gets (cuts.h cut_class); -1: none."""
    for k, name in enumerate(("jet", "b", "photon", "lepton")):
        if flags & LEG_FLAGS[name]:
            return k
    return -1


def default_masses(pdg_ids: Sequence[int], model: str = "sm") -> list[float]:
    """Masses of the legs in a model at its default parameters."""
    from madnis_plugin import models

    m = models.load(model)
    return [float(m.mass(int(pid))) for pid in pdg_ids]


class Cuts:
    """The run_card cuts of one subprocess; ``passes(momenta)`` on a batch, any device."""

    def __init__(self, params: Sequence[float], pdg_ids: Sequence[int], flags: Sequence[int]) -> None:
        if len(params) != _NUM_PARAMS:
            raise ValueError(f"params: expected {_NUM_PARAMS} values, got {len(params)}")
        if len(pdg_ids) != len(flags) or not pdg_ids:
            raise ValueError("pdg_ids and flags: expected one entry per outgoing leg")
        self.params = torch.tensor(list(params), dtype=torch.float64)
        self.pdg_ids = torch.tensor([int(p) for p in pdg_ids], dtype=torch.int32)
        self.flags = torch.tensor([int(f) for f in flags], dtype=torch.int32)
        self._on: dict[torch.device, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    @classmethod
    def from_run_card(
        cls, card: RunCard, final_pdg_ids: Sequence[int], masses: Sequence[float] | None = None
    ) -> Cuts:
        """Cuts for outgoing legs ``final_pdg_ids``; ``masses`` default to the sm model's."""
        ids = [int(p) for p in final_pdg_ids]
        m = default_masses(ids) if masses is None else [float(x) for x in masses]
        return cls(pack_cut_params(card), ids, leg_flags(ids, int(card["maxjetflavor"]), m))

    def value(self, name: str) -> float:
        """A packed value by run_card name (e.g. ``ptl``, ``dr_min_ll``)."""
        return float(self.params[PARAM_INDEX[name]])

    def _tensors(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if device not in self._on:  # one copy per device, made once
            self._on[device] = (self.params.to(device), self.flags.to(device), self.pdg_ids.to(device))
        return self._on[device]

    def passes(self, momenta: torch.Tensor) -> torch.Tensor:
        """Bool [B]: which events (lab momenta [B, 2 + n_out, 4], float64) pass every cut."""
        if not isinstance(momenta, torch.Tensor):
            raise TypeError(f"momenta: expected a torch.Tensor, got {type(momenta).__name__}")
        if momenta.dim() == 3 and momenta.shape[1] != self.flags.numel() + 2:
            raise ValueError(
                f"momenta: expected {self.flags.numel() + 2} legs (2 incoming + {self.flags.numel()} outgoing), "
                f"got shape {list(momenta.shape)}"
            )
        p = momenta.detach().contiguous()
        out = torch.empty(p.shape[0] if p.dim() > 0 else 0, dtype=torch.bool, device=p.device)
        params, flags, pdg = self._tensors(p.device)
        _core.cuts(params, flags, pdg, p, out, stream_of(p))
        return out

    def phase_space_limits(self, masses: Sequence[float]) -> CutLimits:
        """What these cuts guarantee about every passing event, for the channels' limits.

        Per leg the class's pT minimum (legs the per-leg cuts apply to). Per pair the
        largest lower bound on (k_i + k_j)² among: (m_i + m_j)²; the class pair-mass
        minimum mmXX (not when it is a veto window, min > max ≥ 0); and, with ΔR ≥ d,
        2 pT_i pT_j (cosh Δy - cos Δφ) ≥ 2 pT_min,i pT_min,j (1 - cos min(d, π)), since
        m² = m_i² + m_j² + 2 (mT_i mT_j cosh Δy - pT_i pT_j cos Δφ) ≥ 2 pT_i pT_j (cosh Δy -
        cos Δφ) and on Δy² + Δφ² ≥ d² (Δφ ≤ π) cosh Δy - cos Δφ is smallest at Δy = 0.
        y_max: the largest |y| maximum when every leg has one (else 0, none).
        """
        from madnis_plugin.phasespace.topology import CutLimits

        c = self.params.tolist()
        flags, pdg = self.flags.tolist(), self.pdg_ids.tolist()
        n = len(flags)
        if len(masses) != n:
            raise ValueError(f"masses: expected {n} values, got {len(masses)}")
        cls = [_cut_class(f) if f & LEG_FLAGS["cut"] else -1 for f in flags]
        pt = [max(0.0, c[4 * k]) if k >= 0 else 0.0 for k in cls]
        pairs = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                bound = (masses[i] + masses[j]) ** 2
                a, b = cls[i], cls[j]
                if a >= 0 and b >= 0:
                    dr = c[16 + 4 * a + b]
                    if dr > 0:
                        bound = max(bound, 2 * pt[i] * pt[j] * (1 - math.cos(min(dr, math.pi))))
                    sfos = flags[i] & flags[j] & LEG_FLAGS["lepton"] and pdg[i] == -pdg[j]
                    mc = 3 if sfos else (a if a == b and a != 3 else -1)
                    if mc >= 0:
                        lo, hi = c[48 + mc], c[52 + mc]
                        if lo > 0 and (hi < 0 or lo <= hi):
                            bound = max(bound, lo * lo)
                pairs[i][j] = pairs[j][i] = bound
        eta = [c[4 * k + 2] if k >= 0 else -1.0 for k in cls]  # |y| max, -1: none
        y_max = max(eta) if all(e >= 0 for e in eta) else 0.0
        return CutLimits(tuple(pt), tuple(tuple(row) for row in pairs), y_max)

    def apply(self, momenta: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Weights with the events that fail the cuts set to zero."""
        return torch.where(self.passes(momenta), weights, torch.zeros_like(weights))
