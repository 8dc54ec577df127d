"""Refine points kept as event candidates, so that the refine's calls also make events (as MG5 does).

The maximum weight w_max_c of a channel is known only after its refine. A point kept with
probability min(1, w/t) for a threshold t ≤ w_max_c, and stored with the weight max(w, t),
and then unweighted against w_max_c (keep with probability min(1, max(w, t)/w_max_c),
relative weight max(1, w/w_max_c)) has exactly the chance min(1, w/w_max_c) and weight of
hit-or-miss against w_max_c:

    w ≤ t:            (w/t) · (t/w_max_c) = w/w_max_c,
    t < w ≤ w_max_c:  1 · w/w_max_c,
    w > w_max_c:      kept, weight w/w_max_c.

So t_c is set to a quarter of the channel's provisional w_max (estimated from its refine
weights after each iteration) and candidates with a t above the final w_max_c are dropped
(whole, so no point is thinned twice). Refine points are i.i.d. draws of the frozen
channel density, so the events they give are as fair a sample of the channel as fresh
ones; the run driver uses them first and makes fresh events for the rest. A channel stops
collecting once it holds 1.5× the events its share of σ needs (of at most MAX_EVENTS
events in all, so memory does not grow with the run): which points are kept then depends
on their order, not on their values, so nothing is biased.

This module keeps unit-cube points and weights; turning them into events is the driver's.
"""

from __future__ import annotations

import torch

from madnis_plugin.events.unweight import MaxWeight, unweight
from madnis_plugin.sampling.estimate import ChannelStats

__all__ = ["EventCandidates"]

THRESHOLD_FRACTION = 0.25  # t_c = this × the provisional w_max_c
MARGIN = 1.5  # candidates collected for this many times the events a channel needs
MAX_EVENTS = 100_000  # events taken from refine points at most; fresh points make the rest


class EventCandidates:
    def __init__(self, n_channels: int, nevents: int, eps: float, seed: int, max_events: int = MAX_EVENTS):
        self.nevents = min(nevents, max_events)
        self.eps = eps
        self.seed = seed
        self.threshold: list[float | None] = [None] * n_channels
        self.need = [float(nevents)] * n_channels
        self.expected = [0.0] * n_channels  # events the stored candidates are expected to give
        self.r: list[list[torch.Tensor]] = [[] for _ in range(n_channels)]
        self.w: list[list[torch.Tensor]] = [[] for _ in range(n_channels)]
        self.t: list[list[float]] = [[] for _ in range(n_channels)]
        self._generators: dict[torch.device, torch.Generator] = {}

    def _generator(self, device: torch.device) -> torch.Generator:
        if device not in self._generators:
            self._generators[device] = torch.Generator(device=device).manual_seed(self.seed + 3)
        return self._generators[device]

    def iteration_done(self, stats: list[ChannelStats]) -> None:
        """New thresholds and needs from the refine's statistics so far."""
        sigma = sum(max(s.mean, 0.0) for s in stats)
        for c, s in enumerate(stats):
            w_max = s.max_weight(self.eps) if sigma > 0 else None
            if w_max is None:
                self.threshold[c] = None
                continue
            self.threshold[c] = THRESHOLD_FRACTION * w_max.value
            self.need[c] = MARGIN * self.nevents * max(s.mean, 0.0) / sigma + 50

    def offer(self, c: int, r: torch.Tensor, w: torch.Tensor, w_host: torch.Tensor | None = None) -> None:
        """Points r of channel c with weights w (w_host: w on the CPU; the choice is made there, so
        a GPU batch costs no host sync here)."""
        t = self.threshold[c]
        if t is None or self.expected[c] >= self.need[c]:
            return
        w = (w if w_host is None else w_host).detach().to("cpu", torch.float64)
        u = torch.rand(w.shape[0], dtype=w.dtype, generator=self._generator(torch.device("cpu")))
        keep = u * t < w.abs()
        if not bool(keep.any()):
            return
        stored = torch.where(w[keep].abs() > t, w[keep], torch.full_like(w[keep], t) * torch.sign(w[keep]))
        self.r[c].append(r[keep.nonzero().squeeze(1).to(r.device)].detach())
        self.w[c].append(stored.detach())
        self.t[c].append(t)
        # a provisional w_max of t / THRESHOLD_FRACTION: the events these candidates will give
        self.expected[c] += float(stored.abs().sum()) * THRESHOLD_FRACTION / t

    def events(self, c: int, w_max: MaxWeight | None, generator: torch.Generator
               ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The candidates of channel c unweighted against its final w_max: (r, relative weight)."""
        if w_max is None:
            return None
        parts = [(r, w) for r, w, t in zip(self.r[c], self.w[c], self.t[c], strict=True) if t <= w_max.value]
        if not parts:
            return None
        r = torch.cat([p[0] for p in parts])
        w = torch.cat([p[1] for p in parts])
        kept = unweight(w.to(generator.device), w_max, generator)
        if kept.n_kept == 0:
            return None
        idx = kept.keep.nonzero().squeeze(1)
        return r[idx.to(r.device)], kept.weight[idx]
