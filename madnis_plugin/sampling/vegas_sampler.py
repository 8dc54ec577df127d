"""Multi-channel VEGAS as a Sampler (sampling/protocol.py): survey, then frozen-grid refine.

The survey adapts every channel's grid (each channel at least ``min_calls_per_channel``
points per iteration); the refine freezes them and pools calls to the target accuracy.
The mathematics is in vegas_multichannel.py and refine.py; this is the adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from madnis_plugin.sampling.estimate import ChannelStats, IntegrationResult
from madnis_plugin.sampling.protocol import Progress
from madnis_plugin.sampling.refine import PointCollector, RefineSettings, refine_progress
from madnis_plugin.sampling.vegas_multichannel import MultiChannelVegas


@dataclass
class SurveySettings:
    calls_per_iteration: int = 50_000
    iterations: int = 5
    min_calls_per_channel: int = 2000


class VegasSampler:
    name = "vegas"

    def __init__(self, channels: Sequence[Any], survey: SurveySettings | None = None, *,
                 device: torch.device | str = "cpu", seed: int = 1, batch_size: int = 100_000):
        self.survey_settings = survey or SurveySettings()
        self.vegas = MultiChannelVegas(channels, device=device, seed=seed, batch_size=batch_size)

    @property
    def active(self) -> np.ndarray:
        return self.vegas.active

    def prepare(self, progress: Progress | None = None,
                checkpoint: Callable[[], None] | None = None) -> dict[str, Any]:
        s = self.survey_settings

        def step(k, est):
            if progress:
                progress("survey", k + 1, s.iterations, f"VEGAS survey: σ ≈ {est.value:.5g} pb")

        estimates = self.vegas.survey(s.calls_per_iteration, s.iterations, s.min_calls_per_channel, step)
        if checkpoint:
            checkpoint()
        return {"survey_iterations": len(estimates), "survey_calls": sum(e.n_calls for e in estimates)}

    def refine(self, settings: RefineSettings, progress: Progress | None = None,
               collector: PointCollector | None = None) -> tuple[IntegrationResult, list[ChannelStats]]:
        return self.vegas.refine(settings, refine_progress(progress), collector)

    def weighted_points(self, c: int, n: int) -> tuple[Any, torch.Tensor]:
        return self.vegas.weighted_points(c, n)

    def weighted_batches(self, counts: np.ndarray):
        return self.vegas.weighted_batches(counts)

    def point_at(self, c: int, r: torch.Tensor) -> Any:
        return self.vegas.point_at(c, r)

    def state_dict(self) -> dict:
        return {"vegas": self.vegas.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.vegas.load_state_dict(state["vegas"])
