"""The one interface the run driver (integrate.py) uses, whichever sampler it drives.

VEGAS (sampling/vegas_sampler.py) and MadNIS (nis/sampler.py) both implement it:

- ``prepare(progress, checkpoint)``: what a sampler does before σ is measured — the
  VEGAS survey, or MadNIS's VEGAS pretraining and flow training; returns figures for
  results.json. ``checkpoint()`` may be called whenever the state is worth saving.
- ``refine(settings, progress, collector)``: σ from the frozen sampler to the target
  accuracy (sampling/refine.py), with the per-channel statistics (weights for w_max);
  the collector sees every refine point (the driver keeps event candidates with it).
- ``weighted_batches(counts)``: counts[c] points of every channel c, in batches whose points
  belong to one subprocess: (channel [B], point, w), mean(w of channel c) → σ_c: what the
  unweighting draws events from (one_channel_batches() makes it from ``weighted_points(c, n)``,
  n points of one channel); ``point_at(c, r)``: the point of channel c at the unit-cube point r
  (what a kept refine point becomes an event from).
- ``active``: the channels still sampled (MadNIS may drop some; σ stays unbiased).
- ``state_dict()`` / ``load_state_dict()``: everything needed to continue or to
  generate more events later.

Progress callbacks take (stage, done, total, text), so one bar per stage can show them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np
import torch

from madnis_plugin.sampling.estimate import ChannelStats, IntegrationResult
from madnis_plugin.sampling.refine import PointCollector, RefineSettings

Progress = Callable[[str, int, int, str], None]


class Sampler(Protocol):
    name: str

    @property
    def active(self) -> np.ndarray: ...

    def prepare(self, progress: Progress | None = None,
                checkpoint: Callable[[], None] | None = None) -> dict[str, Any]: ...

    def refine(self, settings: RefineSettings, progress: Progress | None = None,
               collector: PointCollector | None = None) -> tuple[IntegrationResult, list[ChannelStats]]: ...

    def weighted_points(self, c: int, n: int) -> tuple[Any, torch.Tensor]: ...

    def weighted_batches(self, counts: np.ndarray) -> Iterator[tuple[torch.Tensor, Any, torch.Tensor]]: ...

    def point_at(self, c: int, r: torch.Tensor) -> Any: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


def one_channel_batches(weighted_points: Callable[[int, int], tuple[Any, torch.Tensor]], counts: np.ndarray,
                        batch_size: int) -> Iterator[tuple[torch.Tensor, Any, torch.Tensor]]:
    """``weighted_batches`` of a sampler that draws one channel at a time (``weighted_points``)."""
    for c in np.flatnonzero(counts):
        for start in range(0, int(counts[c]), batch_size):
            point, w = weighted_points(int(c), min(batch_size, int(counts[c]) - start))
            yield torch.full(w.shape, int(c), dtype=torch.int64, device=w.device), point, w
