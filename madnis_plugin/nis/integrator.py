"""The MadNIS multi-channel integrator: VEGAS pretraining, online + buffered training, sampling.

    channels = [NisChannel(integrand, group, index_in_group, flow_key, features), ...]
    nis = MadnisIntegrator(channels, MadnisConfig(), device="cpu", seed=1)
    nis.pretrain()                     # VEGAS grids per channel (the `vegas` package)
    nis.train()                        # config.steps online steps, each + buffered ones
    result = nis.integrate(20_000, iterations=5)   # σ ± δσ from fresh samples (pooled)
    point, w = nis.weighted_points(c, n)            # events of channel c, mean(w) → σ_c

A channel is a unit-cube integrand (a `ChannelIntegrand` or anything with `dim`,
`__call__(r)` → weight with the prior α for VEGAS, and `evaluate(r)` → a point with
`weight_no_alpha` [B] and `alpha_prior` [B, n_group]). Channels of one `group` (a
subprocess) share a channel-weight network, whose α sums to 1 over them; channels with
the same `flow_key` (a symmetry group) share one flow. The estimator

    σ = Σ_c ⟨α_c(x) f(x) J_c(r) / q_c(r)⟩_{r ~ q_c}

is unbiased for any flows and any α with Σ_c α_c = 1 (MadNIS, arXiv:2212.06172).

Training step (arXiv:2311.01548 §3): calls are allocated to the active channels ∝ their
weight spread σ_c (with a floor), fresh points are drawn from the flows, the integrand
is called once per channel on the whole batch, the points go to the buffer, and one
optimizer step is taken on the loss (losses.py). Then `buffered_steps` steps reuse
stored points with weights q/p and no integrand call. After `drop_after` of the online
steps, channels whose share of σ is below `drop_threshold` are dropped: they get no
more calls and α is renormalised over the others, so σ stays unbiased.

All tensors live on the integrand's device; densities are float64. The integrator
knows nothing of cards, files or events: nis/sampler.py adapts it to the run driver.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from madnis_plugin.checkpoint import CheckpointError, generator_state, restore_generator
from madnis_plugin.nis.buffer import SampleBuffer, Samples
from madnis_plugin.nis.channel_weights import ChannelWeightNet
from madnis_plugin.nis.config import MadnisConfig
from madnis_plugin.nis.flow import ChannelFlow
from madnis_plugin.nis.losses import ChannelMoments, multichannel_loss
from madnis_plugin.nis.vegas_layer import VegasGridLayer
from madnis_plugin.sampling.estimate import IntegrationResult
from madnis_plugin.sampling.refine import RefineSettings, allocate, per_channel, refine
from madnis_plugin.sampling.vegas_multichannel import Estimate, MultiChannelVegas

STATE_VERSION = 1


@dataclass
class NisChannel:
    integrand: Any
    group: int  # channel-weight group (the subprocess)
    index_in_group: int  # column of the group's prior / α
    flow_key: Hashable  # channels with equal keys share one flow
    features: Callable[[Any], torch.Tensor]  # point → [B, F] channel-weight features

    @property
    def dim(self) -> int:
        return int(self.integrand.dim)


class MadnisIntegrator:
    PRETRAIN_MIN_CALLS = 2000  # per channel and pretraining iteration, so every grid adapts

    def __init__(self, channels: Sequence[NisChannel], config: MadnisConfig | None = None, *,
                 device: torch.device | str = "cpu", seed: int = 1):
        if not channels:
            raise ValueError("MadnisIntegrator needs at least one channel")
        self.channels = list(channels)
        self.config = config or MadnisConfig()
        self.device = torch.device(device)
        self.seed = seed
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        cfg = self.config
        n = len(self.channels)
        # flows: one per flow_key
        keys: list[Hashable] = []
        self.flow_of = []
        for ch in self.channels:
            if ch.flow_key not in keys:
                keys.append(ch.flow_key)
            self.flow_of.append(keys.index(ch.flow_key))
        self.flow_keys = keys
        dims = {}
        for ch, f in zip(self.channels, self.flow_of, strict=True):
            if dims.setdefault(f, ch.dim) != ch.dim:
                raise ValueError(f"channels sharing flow {keys[f]!r} have different dimensions")
        self.flows = torch.nn.ModuleList(self._new_flow(dims[f], VegasGridLayer.uniform(dims[f]), f)
                                         for f in range(len(keys)))
        # channel-weight groups
        groups = sorted({ch.group for ch in self.channels})
        self.groups = groups
        self.members: dict[int, list[int]] = {g: [] for g in groups}
        for c, ch in enumerate(self.channels):
            self.members[ch.group].append(c)
        for g, cs in self.members.items():
            cols = sorted(self.channels[c].index_in_group for c in cs)
            if cols != list(range(len(cs))):
                raise ValueError(f"group {g}: index_in_group must be 0..{len(cs) - 1}, got {cols}")
            self.members[g] = sorted(cs, key=lambda c: self.channels[c].index_in_group)
        self._n_features: dict[int, int | None] = {g: None for g in groups}
        self.weight_nets = torch.nn.ModuleDict()
        self.active = np.ones(n, dtype=bool)
        self.means = np.ones(n)
        self.spread = np.ones(n)
        self.buffer = SampleBuffer(n, cfg.buffer_size)
        self.vegas_grids: list[torch.Tensor | None] = [None] * len(keys)
        self.optimizer: torch.optim.Optimizer | None = None
        self.scheduler: torch.optim.lr_scheduler.LambdaLR | None = None
        self.step = 0  # online steps done
        self.optimizer_steps = 0
        self.n_calls = 0  # integrand calls for pretraining and training
        self.pretrain_calls = 0
        self.train_seconds = 0.0
        self.pretrained = False
        self.history: list[dict] = []

    @contextlib.contextmanager
    def _seeded(self, offset: int) -> Iterator[None]:
        """Network initialisation from the run's seed, not torch's global RNG: same seed, same run."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed * 1000 + offset)
            yield

    def _new_flow(self, dim: int, grid: VegasGridLayer, f: int) -> ChannelFlow:
        cfg = self.config
        with self._seeded(f):
            return ChannelFlow(dim, bins=cfg.bins, hidden=cfg.hidden, hidden_layers=cfg.hidden_layers,
                               grid=grid).to(self.device)

    # --- parameters -------------------------------------------------------------------

    def _weight_net(self, g: int, n_features: int) -> ChannelWeightNet:
        key = str(g)
        if key not in self.weight_nets:
            with self._seeded(500 + g):
                self.weight_nets[key] = ChannelWeightNet(
                    n_features, len(self.members[g]), hidden=self.config.weight_hidden,
                    hidden_layers=self.config.hidden_layers, learn=self.config.channel_weights).to(self.device)
            self.optimizer = None  # new parameters: the optimizer is rebuilt (before the first step only)
        return self.weight_nets[key]

    def _ensure_optimizer(self) -> torch.optim.Optimizer:
        if self.optimizer is None:
            params = [p for p in list(self.flows.parameters()) + list(self.weight_nets.parameters())
                      if p.requires_grad]
            self.optimizer = torch.optim.Adam(params, lr=self.config.learning_rate)
            total = max(1, self.config.steps * (1 + self.config.buffered_steps))
            floor = self.config.final_lr_fraction

            def schedule(k: int) -> float:
                x = min(k / total, 1.0)
                return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * x))

            self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule)
            if self.optimizer_steps:
                self.scheduler.last_epoch = self.optimizer_steps
                for group in self.optimizer.param_groups:
                    group["lr"] = self.config.learning_rate * schedule(self.optimizer_steps)
        return self.optimizer

    def _group_active(self, g: int) -> torch.Tensor:
        return torch.as_tensor(self.active[self.members[g]], device=self.device)

    # --- VEGAS pretraining ------------------------------------------------------------

    def pretrain(self, progress: Callable[[int, Estimate], None] | None = None) -> None:
        """Train a VEGAS grid per channel with the `vegas` package (MG5's α as channel weight) and
        make it the first layer of the channel's flow; the estimates set the first allocation."""
        cfg = self.config
        if cfg.vegas_iterations > 0:
            vegas = MultiChannelVegas([ch.integrand for ch in self.channels], ninc=cfg.vegas_bins,
                                      min_fraction=cfg.min_fraction, device=self.device, seed=self.seed)
            for est in vegas.survey(cfg.vegas_calls, cfg.vegas_iterations, self.PRETRAIN_MIN_CALLS, progress):
                self.n_calls += est.n_calls
                self.pretrain_calls += est.n_calls
            for f in range(len(self.flows)):
                first = self.flow_of.index(f)
                grid = VegasGridLayer.from_adaptive_map(vegas.maps[first], trainable=cfg.train_vegas_grid)
                self.vegas_grids[f] = grid.widths().detach().cpu().clone()
                self.flows[f] = self._new_flow(self.flows[f].dim, grid, f)
            self.means = np.abs(vegas.means.copy())
            self.spread = vegas.spread.copy()
            self.optimizer = None
        self.pretrained = True

    # --- allocation -------------------------------------------------------------------

    def allocate(self, n_calls: int, by: np.ndarray | None = None) -> np.ndarray:
        """Calls per channel ∝ `by` (default: the weight spread σ_c) over the active channels,
        with a floor; 0 for dropped channels."""
        return allocate(n_calls, self.spread if by is None else by, self.active, self.config.min_fraction)

    # --- points and weights -----------------------------------------------------------

    def _alpha(self, c: int, features: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        ch = self.channels[c]
        net = self._weight_net(ch.group, features.shape[1])
        return net(features, prior, self._group_active(ch.group))[:, ch.index_in_group]

    def _fresh(self, c: int, n: int) -> tuple[Any, Samples]:
        """n new points of channel c from its flow, with the integrand evaluated (one call)."""
        ch = self.channels[c]
        with torch.no_grad():
            r, log_q = self.flows[self.flow_of[c]].sample(n, self.generator)
            point = ch.integrand.evaluate(r)
        f = point.weight_no_alpha
        if not bool(torch.all(torch.isfinite(f))):
            raise FloatingPointError(f"channel {c}: the integrand returned NaN or infinite weights")
        self.n_calls += n
        return point, Samples(r, log_q, f, ch.features(point), point.alpha_prior)

    @torch.no_grad()
    def weighted_points(self, c: int, n: int) -> tuple[Any, torch.Tensor]:
        """n fresh points of channel c and their weights α_c f / q_c (mean → σ_c)."""
        point, s = self._fresh(c, n)
        self.n_calls -= n  # generation and integration calls are not training calls
        alpha = self._alpha(c, s.features, s.prior)
        return point, alpha * s.f * torch.exp(-s.log_p)

    def _points_and_weights(self, c: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        point, w = self.weighted_points(c, n)
        return point.r, w

    # --- training ---------------------------------------------------------------------

    def _fit_features(self, batches: dict[int, Samples]) -> None:
        for g in self.groups:
            feats = [batches[c].features for c in self.members[g] if c in batches]
            if feats:
                net = self._weight_net(g, feats[0].shape[1])
                net.fit_features(torch.cat(feats))

    def _loss(self, batches: dict[int, Samples], counts: np.ndarray) -> tuple[torch.Tensor, float]:
        total = float(sum(counts[c] for c in batches))
        moments = []
        for c, s in batches.items():
            log_q = self.flows[self.flow_of[c]].log_prob(s.r)
            alpha = self._alpha(c, s.features, s.prior)
            moments.append(ChannelMoments.from_samples(s.f, s.log_p, log_q, alpha, counts[c] / total))
        return multichannel_loss(moments, self.config.loss)

    def _update_stats(self, batches: dict[int, Samples]) -> tuple[list[float], list[float]]:
        """Update the channels' running means and spreads; return this batch's per-channel
        estimates of σ_c and their errors. The weights use α after the optimizer step: any α
        with Σ_c α_c = 1 gives an unbiased estimate from points of the density they were drawn with."""
        values, errors = [0.0] * len(self.channels), [0.0] * len(self.channels)
        with torch.no_grad():
            for c, s in batches.items():
                w = self._alpha(c, s.features, s.prior) * s.f * torch.exp(-s.log_p)
                mean, std = float(w.mean()), float(w.std()) if len(w) > 1 else 0.0
                values[c], errors[c] = mean, std / math.sqrt(len(w))
                self.means[c] = 0.5 * (self.means[c] + abs(mean)) if self.step > 0 else abs(mean)
                self.spread[c] = 0.5 * (self.spread[c] + std) if self.step > 0 else std
        return values, errors

    def _drop_channels(self) -> list[int]:
        cfg = self.config
        if cfg.drop_threshold <= 0 or self.step < cfg.drop_after * cfg.steps:
            return []
        total = float(np.sum(self.means[self.active]))
        dropped = []
        if total <= 0:
            return dropped
        for g in self.groups:
            cs = [c for c in self.members[g] if self.active[c]]
            for c in sorted(cs, key=lambda c: self.means[c]):
                if self.means[c] / total < cfg.drop_threshold and int(self.active[self.members[g]].sum()) > 1:
                    self.active[c] = False
                    self.means[c] = 0.0
                    dropped.append(c)
        return dropped

    def train_step(self, buffered: bool = False) -> dict | None:
        """One optimizer step on fresh (online) or stored (buffered) points; None if the
        buffer is empty."""
        opt = None
        counts = self.allocate(self.config.batch_size)
        batches: dict[int, Samples] = {}
        for c in np.flatnonzero(counts):
            c = int(c)
            if buffered:
                s = self.buffer.draw(c, int(counts[c]), self.generator)
                if s is None:
                    continue
            else:
                _, s = self._fresh(c, int(counts[c]))
                self.buffer.add(c, s)
            batches[c] = s
        if not batches:
            return None
        if not buffered:
            self._fit_features(batches)
        opt = self._ensure_optimizer()
        loss, integral = self._loss(batches, counts)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for group in opt.param_groups for p in group["params"]]
        if self.config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, self.config.grad_clip)
        opt.step()
        assert self.scheduler is not None
        self.scheduler.step()
        self.optimizer_steps += 1
        record = {"step": self.step, "online": not buffered, "loss": float(loss.detach()),
                  "integral": integral, "calls": self.n_calls}
        if not buffered:
            record["channel_values"], record["channel_errors"] = self._update_stats(batches)
            record["n_calls"] = int(sum(len(s) for s in batches.values()))
            self.step += 1
            dropped = self._drop_channels()
            if dropped:
                record["dropped"] = dropped
        self.history.append(record)
        return record

    def train(self, steps: int | None = None, progress: Callable[[dict], None] | None = None,
              checkpoint: Callable[[], None] | None = None, checkpoint_every: int = 50) -> None:
        """Online steps until `steps` (default config.steps) are done in total, each followed
        by config.buffered_steps buffered ones; `checkpoint()` every checkpoint_every steps."""
        if not self.pretrained:
            self.pretrain()
        target = self.config.steps if steps is None else steps
        while self.step < target:
            t0 = time.perf_counter()
            record = self.train_step()
            for _ in range(self.config.buffered_steps):
                self.train_step(buffered=True)
            self.train_seconds += time.perf_counter() - t0
            if progress and record is not None:
                progress(record)
            if checkpoint and (self.step % checkpoint_every == 0 or self.step == target):
                checkpoint()

    @property
    def final_loss(self) -> float | None:
        """Mean loss of the last 10 online steps (a single step is noisy)."""
        online = [h["loss"] for h in self.history if h["online"]][-10:]
        return float(np.mean(online)) if online else None

    # --- integration ------------------------------------------------------------------

    @torch.no_grad()
    def iterate(self, n_calls: int) -> Estimate:
        """One estimate of σ from n_calls fresh points (no training)."""
        counts = self.allocate(n_calls)
        values, errors = [0.0] * len(self.channels), [0.0] * len(self.channels)
        for c in np.flatnonzero(counts):
            c = int(c)
            _, w = self.weighted_points(c, int(counts[c]))
            values[c] = float(w.mean())
            errors[c] = math.sqrt(float(w.var()) / len(w))
        return Estimate(sum(values), math.sqrt(sum(e * e for e in errors)), values, errors, int(counts.sum()))

    def integrate(self, calls_per_iteration: int, *, iterations: int = 10, min_iterations: int = 3,
                  rel_accuracy: float = 0.0,
                  progress: Callable[[int, IntegrationResult], None] | None = None) -> IntegrationResult:
        """σ from fresh points of the frozen sampler: the shared refine (sampling/refine.py),
        calls pooled per channel, at most `iterations` of calls_per_iteration."""
        settings = RefineSettings(rel_accuracy=rel_accuracy, calls_per_iteration=calls_per_iteration,
                                  max_calls_per_iteration=calls_per_iteration, min_iterations=min_iterations,
                                  max_calls=iterations * calls_per_iteration, keep_largest=0)
        with torch.no_grad():
            result, _ = refine(per_channel(self._points_and_weights, settings.batch_size), self.spread, settings,
                               self.active, progress)
        return result

    # --- checkpoints ------------------------------------------------------------------

    def layout(self) -> list[tuple]:
        return [(ch.dim, ch.group, ch.index_in_group, repr(ch.flow_key)) for ch in self.channels]

    def state_dict(self) -> dict:
        return {
            "version": STATE_VERSION,
            "layout": self.layout(),
            "config": self.config.as_dict(),
            "seed": self.seed,
            "grid_widths": [f.grid.widths().detach().clone() for f in self.flows],
            "grid_trainable": [f.grid.trainable for f in self.flows],
            "vegas_grids": list(self.vegas_grids),
            "flows": self.flows.state_dict(),
            "weight_nets": {k: (net.n_features, net.state_dict()) for k, net in self.weight_nets.items()},
            "optimizer": self.optimizer.state_dict() if self.optimizer is not None else None,
            "active": self.active.copy(),
            "means": self.means.copy(),
            "spread": self.spread.copy(),
            "buffer": self.buffer.state_dict(),
            "rng": generator_state(self.generator),
            "step": self.step,
            "optimizer_steps": self.optimizer_steps,
            "n_calls": self.n_calls,
            "pretrain_calls": self.pretrain_calls,
            "train_seconds": self.train_seconds,
            "pretrained": self.pretrained,
            "history": list(self.history),
        }

    def load_state_dict(self, state: dict, *, restore_config: bool = False) -> None:
        """Restore a saved state (same channel layout). The current config is kept (it may ask
        for more steps) unless restore_config."""
        if state.get("version") != STATE_VERSION:
            raise CheckpointError(f"checkpoint version {state.get('version')} is not {STATE_VERSION}")
        if [tuple(x) for x in state["layout"]] != self.layout():
            raise CheckpointError("the checkpoint was made for other channels (process, cuts or model changed)")
        if restore_config:
            self.config = MadnisConfig.from_dict(state["config"])
        for f, (widths, trainable) in enumerate(zip(state["grid_widths"], state["grid_trainable"], strict=True)):
            self.flows[f] = self._new_flow(self.flows[f].dim, VegasGridLayer(widths, trainable), f)
        self.flows.load_state_dict(state["flows"])
        self.weight_nets = torch.nn.ModuleDict()
        for key, (n_features, sd) in state["weight_nets"].items():
            self._weight_net(int(key), n_features).load_state_dict(sd)
        self.vegas_grids = list(state["vegas_grids"])
        self.active = np.array(state["active"], dtype=bool)
        self.means = np.array(state["means"], dtype=float)
        self.spread = np.array(state["spread"], dtype=float)
        self.buffer = SampleBuffer(len(self.channels), self.config.buffer_size)
        buffer_state = dict(state["buffer"])
        buffer_state["chunks"] = [[{k: v.to(self.device) for k, v in d.items()} for d in chunks]
                                  for chunks in buffer_state["chunks"]]
        self.buffer.load_state_dict(buffer_state)
        self.buffer.capacity = self.config.buffer_size
        restore_generator(self.generator, state["rng"])  # also one saved on another device
        self.step = int(state["step"])
        self.optimizer_steps = int(state["optimizer_steps"])
        self.n_calls = int(state["n_calls"])
        self.pretrain_calls = int(state["pretrain_calls"])
        self.train_seconds = float(state["train_seconds"])
        self.pretrained = bool(state["pretrained"])
        self.history = list(state["history"])
        self.optimizer = None
        if state["optimizer"] is not None:
            self._ensure_optimizer().load_state_dict(state["optimizer"])
