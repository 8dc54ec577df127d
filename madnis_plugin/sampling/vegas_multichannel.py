"""Multi-channel VEGAS: one adaptive VEGAS grid per channel, calls shared by variance.

The integral is a sum over channels, I = Σ_c ∫_{[0,1]^d_c} f_c(r) dr, where each
f_c already includes its phase-space Jacobian and channel weight α_c. Each
channel gets a `vegas.AdaptiveMap` (G. P. Lepage's package) on the unit cube;
an iteration draws y uniform, maps r = map(y) with Jacobian J, and evaluates
w = J·f_c(r). Per iteration:

    I_k = Σ_c ⟨w⟩_c,   σ_k² = Σ_c Var(w)_c / N_c,

with N_c ∝ the standard deviation of w in channel c (the allocation that
minimises σ_k at fixed total calls), a floor keeping every channel sampled.

Two stages, as in MG5's madevent: the survey adapts the grids, every channel
getting enough points to do so, and its estimates are discarded; the refine
(sampling/refine.py) freezes the grids and pools the calls to the target
accuracy, without inverse-variance weights (sampling/estimate.py says why).

The grids live on the CPU (the `vegas` package is numpy code); only the
uniform numbers and mapped points cross to the integrand's device, once per
batch. This module is not the MadNIS trainer and knows nothing of physics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
import vegas

from madnis_plugin.sampling.estimate import ChannelStats, IntegrationResult
from madnis_plugin.sampling.refine import PointCollector, RefineSettings, allocate, refine


class ChannelIntegrand(Protocol):
    """A channel's integrand on the unit cube: r [B, dim] float64 → weights [B]."""

    dim: int

    def __call__(self, r: torch.Tensor) -> torch.Tensor: ...


@dataclass
class Estimate:
    """One iteration (or a combination): the integral, its error, and per-channel parts."""

    value: float
    error: float
    channel_values: list[float]
    channel_errors: list[float]
    n_calls: int


# Grid resolution and damping. A survey gives a channel as few as 2000 points per
# iteration: with 64 increments per dimension and alpha = 1.5 such grids collapse onto
# the few points seen, so the refine meets rare points of tiny density and huge weight.
# p p > e+ e- j j at fixed scales (MG5's default card, seed 1) then gave 112.94 +- 0.40 pb
# after the 2e7-call cap, 2.4 % below MG5's 115.71 +- 0.29; with 16 increments and the
# vegas package's own damping alpha = 0.5 it gives 116.35 +- 0.29 after 2.0e6 calls
# (m_ll < 60 GeV: 16.24 +- 0.37 after 2e7 calls -> 18.71 +- 0.08 after 4.2e6; MG5 18.53).
DEFAULT_NINC = 16
DEFAULT_ALPHA = 0.5


class MultiChannelVegas:
    def __init__(
        self,
        channels: Sequence[ChannelIntegrand],
        *,
        ninc: int = DEFAULT_NINC,
        alpha: float = DEFAULT_ALPHA,
        min_fraction: float = 0.02,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ):
        if not channels:
            raise ValueError("MultiChannelVegas needs at least one channel")
        self.channels = list(channels)
        self.alpha = alpha
        self.min_fraction = min(min_fraction, 1.0 / len(self.channels))
        self.device = torch.device(device)
        self.generator = torch.Generator().manual_seed(seed)
        self.maps = [vegas.AdaptiveMap([[0.0, 1.0]] * ch.dim, ninc=ninc) for ch in self.channels]
        self.spread = np.ones(len(self.channels))  # std of w per channel, drives the allocation
        self.means = np.ones(len(self.channels))  # ⟨w⟩ per channel, drives event generation

    # --- sampling ---------------------------------------------------------------------

    def draw(self, c: int, n: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """(y, r, J) for n points of channel c: y uniform (CPU), r = map(y) and J on the device."""
        y = torch.rand(n, self.channels[c].dim, dtype=torch.float64, generator=self.generator).numpy()
        x = np.empty_like(y)
        jac = np.empty(n)
        self.maps[c].map(y, x, jac)
        return y, torch.from_numpy(x).to(self.device), torch.from_numpy(jac).to(self.device)

    def evaluate(self, c: int, n: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """(y, r, w = J·f_c(r)) for n points of channel c."""
        y, r, jac = self.draw(c, n)
        w = self.channels[c](r) * jac
        if not bool(torch.all(torch.isfinite(w))):
            raise FloatingPointError(f"channel {c}: the integrand returned NaN or infinite weights")
        return y, r, w

    # --- survey: adapting iterations ---------------------------------------------------

    def iterate(self, n_calls: int, adapt: bool = True, min_calls: int = 2) -> Estimate:
        """One iteration of n_calls (each channel at least min_calls), adapting the grids."""
        values, errors = [], []
        counts = allocate(n_calls, self.spread, None, self.min_fraction, min_calls)
        for c, n in enumerate(counts):
            y, _, w = self.evaluate(c, int(n))
            w_np = w.detach().cpu().numpy()
            mean, var = float(w_np.mean()), float(w_np.var(ddof=1))
            values.append(mean)
            errors.append(math.sqrt(var / n))
            self.spread[c] = math.sqrt(var)
            self.means[c] = mean
            if adapt:
                self.maps[c].add_training_data(y, w_np**2)
                self.maps[c].adapt(alpha=self.alpha)
        total_err = math.sqrt(sum(e * e for e in errors))
        return Estimate(sum(values), total_err, values, errors, int(counts.sum()))

    def survey(self, calls_per_iteration: int, iterations: int = 5, min_calls_per_channel: int = 2000,
               progress: Callable[[int, Estimate], None] | None = None) -> list[Estimate]:
        """Adapt every channel's grid: `iterations` iterations in which each channel gets at
        least min_calls_per_channel points (so small channels adapt too). Their estimates
        are not part of σ: the grids change under them."""
        n = max(calls_per_iteration, min_calls_per_channel * len(self.channels))
        out = []
        for k in range(iterations):
            out.append(self.iterate(n, min_calls=min_calls_per_channel))
            if progress:
                progress(k, out[-1])
        return out

    # --- the Sampler protocol (sampling/protocol.py) ---------------------------------

    @property
    def active(self) -> np.ndarray:
        return np.ones(len(self.channels), dtype=bool)

    def weights(self, c: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(r, w = J·f_c(r)) of n points of channel c on the frozen grid (mean(w) → σ_c)."""
        _, r, w = self.evaluate(c, n)
        return r, w

    def point_at(self, c: int, r: torch.Tensor) -> Any:
        """The integrand's point of channel c at r (momenta, flavours … for events)."""
        return self.channels[c].evaluate(r)

    def weighted_points(self, c: int, n: int) -> tuple[Any, torch.Tensor]:
        """n points of channel c (the integrand's `evaluate`) and their weights (mean → σ_c)."""
        _, r, jac = self.draw(c, n)
        point = self.channels[c].evaluate(r)
        w = point.weight * jac
        if not bool(torch.all(torch.isfinite(w))):
            raise FloatingPointError(f"channel {c}: the integrand returned NaN or infinite weights")
        return point, w

    def refine(self, settings: RefineSettings,
               progress: Callable[[int, IntegrationResult], None] | None = None,
               collector: PointCollector | None = None) -> tuple[IntegrationResult, list[ChannelStats]]:
        """σ from frozen grids, calls by variance, to the target accuracy (sampling/refine.py)."""
        result, stats = refine(self.weights, self.spread, settings, progress=progress, collector=collector)
        self.means = np.array(result.channel_values)
        return result, stats

    # --- checkpoints ------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {
            "grids": [np.asarray(m.extract_grid(), dtype=object) for m in self.maps],
            "spread": self.spread.copy(),
            "means": self.means.copy(),
            "rng": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.maps = [vegas.AdaptiveMap(list(g)) for g in state["grids"]]
        self.spread = np.array(state["spread"])
        self.means = np.array(state["means"])
        self.generator.set_state(state["rng"])
