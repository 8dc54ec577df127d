"""MadNIS as a Sampler (sampling/protocol.py): training is its survey, then the shared refine.

- `nis_channels(entries, s)`: a run's channel integrands as MadNIS channels (α groups =
  subprocesses, shared flows = symmetry groups, features from the momenta);
- `MadnisSampler.prepare`: VEGAS pretraining and online + buffered training up to
  config.steps (continuing a loaded state), with checkpoints;
- `MadnisSampler.refine`: σ from fresh points of the frozen flows and channel weights,
  pooled by calls like every sampler's (sampling/refine.py). The training batches are
  not used: the flows changed under them.

This module knows no cards and no files: the run driver saves what `state_dict` gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from madnis_plugin.nis.config import MadnisConfig
from madnis_plugin.nis.features import physics_features
from madnis_plugin.nis.integrator import MadnisIntegrator, NisChannel
from madnis_plugin.sampling.estimate import ChannelStats, IntegrationResult
from madnis_plugin.sampling.protocol import Progress, one_channel_batches
from madnis_plugin.sampling.refine import PointCollector, RefineSettings, per_channel, refine, refine_progress


def nis_channels(entries: list, s_collider: float) -> list[NisChannel]:
    """One NisChannel per `ChannelEntry` of a run (madnis_plugin.integrand.build)."""

    def features(point):
        return physics_features(point.momenta, point.x1, point.x2, s_collider)

    out = []
    for e in entries:
        sub = e.subprocess
        group = sub.channel_info[e.channel].symmetry_group
        out.append(NisChannel(e.integrand, sub.index, e.integrand.channel_index, (sub.index, group), features))
    return out


class MadnisSampler:
    name = "madnis"

    def __init__(self, entries: list, s_collider: float, config: MadnisConfig, *,
                 device: torch.device | str = "cpu", seed: int = 1, batch_size: int = 50_000):
        self.integrator = MadnisIntegrator(nis_channels(entries, s_collider), config, device=device, seed=seed)
        self.batch_size = batch_size  # most points drawn at once for events

    @property
    def active(self) -> np.ndarray:
        return self.integrator.active

    def prepare(self, progress: Progress | None = None,
                checkpoint: Callable[[], None] | None = None) -> dict[str, Any]:
        nis = self.integrator
        resumed_from = nis.step if nis.pretrained else None
        t0 = time.perf_counter()
        if not nis.pretrained:
            n_vegas = nis.config.vegas_iterations

            def pre(k, est):
                if progress:
                    progress("pretraining", k + 1, n_vegas, f"VEGAS pretraining: σ ≈ {est.value:.5g} pb")

            nis.pretrain(pre)
            nis.train_seconds += time.perf_counter() - t0

        def step(record):
            if progress:
                progress("training", record["step"] + 1, nis.config.steps,
                         f"MadNIS training: loss {record['loss']:.4g}, σ ≈ {record['integral']:.5g} pb")

        nis.train(progress=step, checkpoint=checkpoint)
        if checkpoint:
            checkpoint()
        cfg = nis.config
        return {
            "online_steps": nis.step,
            "buffered_steps": nis.optimizer_steps - nis.step,
            "integrand_calls": nis.n_calls,
            "pretraining_calls": nis.pretrain_calls,
            "wall_time_s": nis.train_seconds,
            "final_loss": nis.final_loss,
            "loss": cfg.loss,
            "channel_weights": cfg.channel_weights,
            "dropped_channels": [int(c) for c in (~nis.active).nonzero()[0]],
            "resumed_from_step": resumed_from,
        }

    def weights(self, c: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        point, w = self.integrator.weighted_points(c, n)
        return point.r, w

    def weighted_points(self, c: int, n: int) -> tuple[Any, torch.Tensor]:
        return self.integrator.weighted_points(c, n)

    def weighted_batches(self, counts: np.ndarray):
        return one_channel_batches(self.weighted_points, counts, self.batch_size)

    def point_at(self, c: int, r: torch.Tensor) -> Any:
        with torch.no_grad():
            return self.integrator.channels[c].integrand.evaluate(r)

    def refine(self, settings: RefineSettings, progress: Progress | None = None,
               collector: PointCollector | None = None) -> tuple[IntegrationResult, list[ChannelStats]]:
        step = refine_progress(progress)
        nis = self.integrator
        with torch.no_grad():
            result, stats = refine(per_channel(self.weights, settings.batch_size), nis.spread, settings, nis.active,
                                   step, collector)
        nis.means = np.abs(np.array(result.channel_values))
        return result, stats

    def state_dict(self) -> dict:
        return {"trainer": self.integrator.state_dict()}

    def load_state_dict(self, state: dict, *, restore_config: bool = False) -> None:
        self.integrator.load_state_dict(state["trainer"], restore_config=restore_config)
