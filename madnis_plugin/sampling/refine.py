"""The refine stage shared by every sampler: frozen densities, calls by variance, to an accuracy.

After its survey (VEGAS) or training (MadNIS) a sampler is frozen and only has to give
weighted points of a channel (``weights(c, n)`` → w [n], mean(w) → σ_c). The refine

1. allocates each iteration's calls to the channels ∝ their weight spread σ_c (the
   allocation that minimises δσ at fixed calls), with a floor so no channel starves;
2. sizes the iterations from the calls the target still needs, N ≈ (Σ_c σ_c / (ε σ))²
   with the optimal allocation, between ``calls_per_iteration`` and
   ``max_calls_per_iteration``;
3. pools every call of a channel (estimate.py: iterations weighted by their calls, never
   by their own error) and stops once δσ/σ ≤ ε after ``min_iterations``, or when
   ``max_calls`` are spent, which the result's warnings then say.

This module does not know what a channel is; it counts calls and sums weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from madnis_plugin.sampling.estimate import KEEP_LARGEST, ChannelStats, IntegrationResult, summarize

__all__ = ["ChannelSlices", "PointCollector", "RefineSettings", "allocate", "per_channel", "refine", "refine_progress"]


# What a sampler gives for a batch of calls: (channel, r, w on the device, w on the host) per
# channel; the host copy is made once per batch (one sync, whatever the number of channels).
ChannelSlices = Iterable[tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]]


def per_channel(weights: Callable[[int, int], tuple[torch.Tensor, torch.Tensor]], batch_size: int
                ) -> Callable[[np.ndarray], ChannelSlices]:
    """A batched `sample(counts)` from a sampler that draws one channel at a time, ``weights(c, n)``."""

    def sample(counts: np.ndarray) -> ChannelSlices:
        for c in np.flatnonzero(counts):
            for n in _chunks(int(counts[c]), batch_size):
                r, w = weights(int(c), n)
                yield int(c), r, w, w.detach().to("cpu", torch.float64)

    return sample


class PointCollector(Protocol):
    """Sees every refine point (e.g. to keep event candidates, events/candidates.py)."""

    def offer(self, c: int, r: torch.Tensor, w: torch.Tensor, w_host: torch.Tensor) -> None: ...

    def iteration_done(self, stats: list[ChannelStats]) -> None: ...


@dataclass
class RefineSettings:
    rel_accuracy: float = 0.002
    calls_per_iteration: int = 50_000
    max_calls_per_iteration: int = 1_000_000
    min_iterations: int = 3
    max_calls: int = 20_000_000
    min_fraction: float = 0.01  # floor of a channel's share of the calls
    keep_largest: int = KEEP_LARGEST  # largest |w| kept per channel for its maximum weight
    batch_size: int = 100_000  # most points evaluated at once (memory does not grow with the calls)


def allocate(n_calls: int, by: np.ndarray, active: np.ndarray | None = None, min_fraction: float = 0.01,
             min_calls: int = 2) -> np.ndarray:
    """Calls per channel ∝ |by| over the active channels, each at least a min_fraction share
    (and min_calls); 0 for inactive channels."""
    by = np.abs(np.asarray(by, dtype=float))
    active = np.ones(len(by), dtype=bool) if active is None else np.asarray(active, dtype=bool)
    share = np.where(active, by, 0.0)
    if not share.sum() > 0:
        share = active.astype(float)
    share = share / share.sum()
    floor = min(min_fraction, 1.0 / max(int(active.sum()), 1))
    share = np.where(active, np.maximum(share, floor), 0.0)
    share /= share.sum()
    counts = np.floor(share * n_calls).astype(np.int64)
    counts[np.argmax(share)] += n_calls - counts.sum()
    return np.where(active, np.maximum(counts, min_calls), 0)


def refine_progress(progress: Callable[[str, int, int, str], None] | None
                    ) -> Callable[[int, IntegrationResult], None] | None:
    """A refine callback that reports each iteration as the 'refine' stage of a Progress."""
    if progress is None:
        return None

    def step(k: int, result: IntegrationResult) -> None:
        progress("refine", k, 0, f"refine: σ = {result.value:.6g} ± {result.error:.2g} pb "
                                 f"({100 * result.rel_error:.2g}%)")

    return step


def _chunks(n: int, size: int) -> list[int]:
    """n split into pieces of at most size."""
    return [min(size, n - start) for start in range(0, n, max(size, 1))]


def _calls_needed(stats: list[ChannelStats], spread: np.ndarray, eps: float) -> float:
    """Total calls for δσ/σ = eps with the optimal allocation, from the current estimates."""
    sigma = abs(sum(s.mean for s in stats))
    if not sigma > 0 or eps <= 0:
        return math.inf
    return (float(np.sum(spread)) / (eps * sigma)) ** 2


def refine(sample: Callable[[np.ndarray], ChannelSlices], spread: np.ndarray,
           settings: RefineSettings, active: np.ndarray | None = None,
           progress: Callable[[int, IntegrationResult], None] | None = None,
           collector: PointCollector | None = None) -> tuple[IntegrationResult, list[ChannelStats]]:
    """Frozen-sampler iterations to the target accuracy; returns the result and the channel stats.

    `sample(counts)` → fresh points of every channel c, counts[c] of them, as channel slices
    (c, r [n, dim], w [n], w on the host), in batches of at most settings.batch_size points
    (per_channel() makes one from a one-channel-at-a-time sampler); `spread`: the survey's
    estimate of each channel's weight spread, for the first allocation."""
    n = len(spread)
    active = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    stats = [ChannelStats(settings.keep_largest) for _ in range(n)]
    iterations: list[tuple[float, float, int]] = []
    spread = np.asarray(spread, dtype=float).copy()
    eps = settings.rel_accuracy
    result = summarize(stats, iterations, eps)
    k = 0
    while True:
        done = sum(s.n for s in stats)
        remaining_iterations = max(settings.min_iterations - k, 1)
        want = (_calls_needed(stats, spread, eps) - done) / remaining_iterations if k > 0 and eps > 0 else 0.0
        size = int(min(max(want, settings.calls_per_iteration), settings.max_calls_per_iteration,
                       max(settings.max_calls - done, 0)))
        if size <= 0:
            break
        counts = allocate(size, spread, active, settings.min_fraction)
        this = [ChannelStats(0) for _ in range(n)]  # this iteration's calls alone, for χ²
        for c, r, w, w_host in sample(counts):
            stats[c].add(w_host)
            this[c].add(w_host)
            if collector is not None:
                collector.offer(c, r, w, w_host)
        value = sum(s.mean for s in this)
        var = sum(s.error**2 for s in this)
        iterations.append((value, math.sqrt(var), int(counts.sum())))
        spread = np.array([s.spread if s.n > 1 else spread[c] for c, s in enumerate(stats)])
        k += 1
        if collector is not None:
            collector.iteration_done(stats)
        result = summarize(stats, iterations, eps)
        if progress:
            progress(k, result)
        if k >= settings.min_iterations and (result.rel_error <= eps or eps <= 0):
            break
        if result.value == 0:  # nothing passed the cuts: more calls will not change that
            break
        if sum(s.n for s in stats) >= settings.max_calls:
            break
    return summarize(stats, iterations, eps), stats
