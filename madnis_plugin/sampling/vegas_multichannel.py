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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
import vegas

from madnis_plugin.sampling.estimate import ChannelStats, IntegrationResult
from madnis_plugin.sampling.refine import ChannelSlices, PointCollector, RefineSettings, allocate, refine


class ChannelIntegrand(Protocol):
    """A channel's integrand on the unit cube: r [B, dim] float64 → weights [B]."""

    dim: int

    def __call__(self, r: torch.Tensor) -> torch.Tensor: ...


@dataclass
class Batch:
    """Points of one or more channels evaluated in one call, channel by channel in `pieces` order."""

    pieces: list[tuple[int, int]]  # (channel, points) in order
    y: list[np.ndarray]  # each piece's uniform numbers (CPU), for the grid's training data
    r: torch.Tensor  # [B, dim] on the device
    w: torch.Tensor  # [B] on the device
    w_host: torch.Tensor  # [B] float64 on the CPU (one copy per batch)
    point: Any = None  # the integrand's point (ChannelPoint) when asked for

    def slices(self) -> Iterator[tuple[tuple[int, int], np.ndarray, torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per piece: ((channel, n), y, r, w, w on the host), views of the batch."""
        start = 0
        for piece, y in zip(self.pieces, self.y, strict=True):
            stop = start + piece[1]
            yield piece, y, self.r[start:stop], self.w[start:stop], self.w_host[start:stop]
            start = stop


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
        batch_size: int = 100_000,
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
        self.batch_size = batch_size
        # Channels of one ChannelGroup (integrand/channel.py: same subprocess) are evaluated
        # together; any other integrand alone.
        by_group: dict[int, tuple[Any, list[int]]] = {}
        for c, ch in enumerate(self.channels):
            group = getattr(ch, "group", None)
            by_group.setdefault(id(group) if group is not None else -1 - c, (group, []))[1].append(c)
        self.groups = list(by_group.values())

    # --- sampling ---------------------------------------------------------------------

    def draw(self, c: int, n: int, on_device: bool = True) -> tuple[np.ndarray, Any, Any]:
        """(y, r, J) for n points of channel c: y uniform (CPU), r = map(y) and J on the device
        (numpy arrays on the CPU with on_device=False)."""
        y = torch.rand(n, self.channels[c].dim, dtype=torch.float64, generator=self.generator).numpy()
        x = np.empty_like(y)
        jac = np.empty(n)
        self.maps[c].map(y, x, jac)
        if not on_device:
            return y, x, jac
        return y, torch.from_numpy(x).to(self.device), torch.from_numpy(jac).to(self.device)

    def evaluate(self, c: int, n: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """(y, r, w = J·f_c(r)) for n points of channel c."""
        y, r, jac = self.draw(c, n)
        w = self.channels[c](r) * jac
        if not bool(torch.all(torch.isfinite(w))):
            raise FloatingPointError(f"channel {c}: the integrand returned NaN or infinite weights")
        return y, r, w

    def batches(self, counts: np.ndarray, points: bool = False) -> Iterator[Batch]:
        """counts[c] fresh points of every channel c, evaluated a ChannelGroup at a time in
        batches of at most batch_size points (a channel's points may span batches)."""
        for group, members in self.groups:
            pieces: list[tuple[int, int]] = []
            filled = 0
            for c in members:
                left = int(counts[c])
                while left > 0:
                    take = min(left, self.batch_size - filled)
                    pieces.append((c, take))
                    filled += take
                    left -= take
                    if filled == self.batch_size:
                        yield self._batch(group, pieces, points)
                        pieces, filled = [], 0
            if pieces:
                yield self._batch(group, pieces, points)

    def _batch(self, group, pieces: list[tuple[int, int]], points: bool) -> Batch:
        drawn = [self.draw(c, n, on_device=False) for c, n in pieces]
        r = torch.from_numpy(np.concatenate([x for _, x, _ in drawn])).to(self.device)
        jac = torch.from_numpy(np.concatenate([j for _, _, j in drawn])).to(self.device)
        if group is None:  # an integrand of its own
            (c, _), = pieces
            point = self.channels[c].evaluate(r) if points else None
            w = (point.weight if points else self.channels[c](r)) * jac
        else:
            local = torch.tensor([self.channels[c].index for c, _ in pieces], dtype=torch.int64)
            channel = torch.repeat_interleave(local, torch.tensor([n for _, n in pieces])).to(self.device)
            point = group.evaluate(channel, r)
            w = point.weight * jac
        if not bool(torch.all(torch.isfinite(w))):
            bad = ", ".join(str(c) for c, _ in pieces)
            raise FloatingPointError(f"channels {bad}: the integrand returned NaN or infinite weights")
        return Batch(pieces, [y for y, _, _ in drawn], r, w, w.detach().to("cpu", torch.float64),
                     point if points else None)

    # --- survey: adapting iterations ---------------------------------------------------

    def iterate(self, n_calls: int, adapt: bool = True, min_calls: int = 2) -> Estimate:
        """One iteration of n_calls (each channel at least min_calls), adapting the grids."""
        counts = allocate(n_calls, self.spread, None, self.min_fraction, min_calls)
        stats = [ChannelStats(0) for _ in self.channels]
        for batch in self.batches(counts):
            for (c, _), y, _, _, w in batch.slices():
                stats[c].add(w)
                if adapt:
                    w_np = w.numpy()
                    self.maps[c].add_training_data(y, w_np**2)
        values = [s.mean for s in stats]
        errors = [s.error for s in stats]
        for c, s in enumerate(stats):
            self.spread[c] = s.spread
            self.means[c] = s.mean
            if adapt:
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

    def weighted_batches(self, counts: np.ndarray) -> Iterator[tuple[torch.Tensor, Any, torch.Tensor]]:
        """counts[c] points of every channel c, in batches of one ChannelGroup: (channel [B] int64 on
        the device, the integrand's point, weights w with mean(w of channel c) → σ_c)."""
        for batch in self.batches(counts, points=True):
            channel = torch.repeat_interleave(torch.tensor([c for c, _ in batch.pieces]),
                                              torch.tensor([n for _, n in batch.pieces]))
            yield channel.to(self.device), batch.point, batch.w

    def weighted_points(self, c: int, n: int) -> tuple[Any, torch.Tensor]:
        """n points of channel c (the integrand's `evaluate`) and their weights (mean → σ_c)."""
        _, r, jac = self.draw(c, n)
        point = self.channels[c].evaluate(r)
        w = point.weight * jac
        if not bool(torch.all(torch.isfinite(w))):
            raise FloatingPointError(f"channel {c}: the integrand returned NaN or infinite weights")
        return point, w

    def sample(self, counts: np.ndarray) -> ChannelSlices:
        """Fresh points on the frozen grids, counts[c] of channel c: (c, r, w, w on the host) slices."""
        for batch in self.batches(counts):
            for (c, _), _, r, w, w_host in batch.slices():
                yield c, r, w, w_host

    def refine(self, settings: RefineSettings,
               progress: Callable[[int, IntegrationResult], None] | None = None,
               collector: PointCollector | None = None) -> tuple[IntegrationResult, list[ChannelStats]]:
        """σ from frozen grids, calls by variance, to the target accuracy (sampling/refine.py)."""
        self.batch_size = settings.batch_size
        result, stats = refine(self.sample, self.spread, settings, progress=progress, collector=collector)
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
