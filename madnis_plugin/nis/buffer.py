"""The sample buffer of buffered training: integrand values kept to be reused.

Online training evaluates the integrand at fresh points of every channel; each point
is stored here with everything a later loss needs without calling the integrand
again: r, the log-density it was drawn with (log p), the weight without channel
weight f, the channel-weight features and the |A|² prior. A buffered step draws
stored points and weights them by q_now/p (losses.py), as in MadNIS Reloaded
(arXiv:2311.01548 §3.2). The buffer is first in, first out over whole batches, with
a capacity in points; it lives on the integrand's device and is saved in checkpoints.

This module stores and draws; it computes no densities.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields

import torch


@dataclass
class Samples:
    """A batch of points of one channel (rows aligned)."""

    r: torch.Tensor  # [n, dim]
    log_p: torch.Tensor  # [n] log density the points were drawn with
    f: torch.Tensor  # [n] integrand weight without α (pb)
    features: torch.Tensor  # [n, F] channel-weight features
    prior: torch.Tensor  # [n, n_channels of the subprocess]

    def __len__(self) -> int:
        return self.r.shape[0]

    def rows(self, idx: torch.Tensor) -> Samples:
        return Samples(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def cat(parts: list[Samples]) -> Samples:
        return Samples(*(torch.cat([getattr(p, f.name) for p in parts]) for f in fields(Samples)))

    def as_dict(self) -> dict[str, torch.Tensor]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class SampleBuffer:
    def __init__(self, n_channels: int, capacity: int):
        self.n_channels = n_channels
        self.capacity = int(capacity)
        self._chunks: list[deque[Samples]] = [deque() for _ in range(n_channels)]
        self._order: deque[int] = deque()  # channel of every stored chunk, oldest first
        self._joined: list[Samples | None] = [None] * n_channels
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def channel_size(self, c: int) -> int:
        return sum(len(s) for s in self._chunks[c])

    def add(self, c: int, samples: Samples) -> None:
        if self.capacity <= 0 or len(samples) == 0:
            return
        self._chunks[c].append(samples)
        self._order.append(c)
        self._joined[c] = None
        self.size += len(samples)
        while self.size > self.capacity and len(self._order) > 1:
            old = self._order.popleft()
            self.size -= len(self._chunks[old].popleft())
            self._joined[old] = None

    def channel(self, c: int) -> Samples | None:
        """All stored points of channel c (None if there are none)."""
        if not self._chunks[c]:
            return None
        if self._joined[c] is None:
            self._joined[c] = Samples.cat(list(self._chunks[c]))
        return self._joined[c]

    def draw(self, c: int, n: int, generator: torch.Generator) -> Samples | None:
        """n stored points of channel c drawn uniformly (without replacement while n ≤ stored)."""
        stored = self.channel(c)
        if stored is None or n <= 0:
            return None
        size = len(stored)
        device = stored.r.device
        if n >= size:
            idx = torch.randint(size, (n,), device=device, generator=generator) if n > size else \
                torch.arange(size, device=device)
        else:
            idx = torch.randperm(size, device=device, generator=generator)[:n]
        return stored.rows(idx)

    # --- checkpoints ------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {"capacity": self.capacity, "order": list(self._order),
                "chunks": [[s.as_dict() for s in chunks] for chunks in self._chunks]}

    def load_state_dict(self, state: dict) -> None:
        self.capacity = int(state["capacity"])
        self._chunks = [deque(Samples(**d) for d in chunks) for chunks in state["chunks"]]
        self._order = deque(state["order"])
        self._joined = [None] * self.n_channels
        self.size = sum(len(s) for chunks in self._chunks for s in chunks)
