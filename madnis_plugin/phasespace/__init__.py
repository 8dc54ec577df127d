"""Phase-space channels: the unit cube mapped onto momenta by the core, forward and inverse.

A :class:`Channel` wraps one :class:`~madnis_plugin.phasespace.topology.Topology`
(an s-channel decay tree, a t-channel chain or the flat fallback) at a collider
energy. ``map(r)`` runs csrc/include/madnis/phasespace/channel.h on a batch of
points of [0, 1]^dim on r's device; ``inverse(momenta)`` runs it backwards.

Conventions:
- momenta [B, n+2, 4] in the lab frame, (E, px, py, pz) in GeV, the incoming
  partons first (leg 1 along +z, leg 2 along -z), then the outgoing legs in
  the topology's final-state order.
- weight = dx1 dx2 dΦ_n / d^dim r: the luminosity Jacobian in (x1, x2) times
  the n-body phase-space density dΦ_n = (2π)^(4-3n) δ⁴(p_a + p_b - Σk) Π d³k/(2E),
  including its (2π) factors. No flux factor, no PDFs. ∫ weight·f dr is
  ∫ dx1 dx2 dΦ_n f. Lepton collisions (hadronic=False): x1 = x2 = 1, ŝ = s.
- dim = 3n - 4, plus 2 for hadronic channels: r[0] gives ŝ (mapped like the
  leading s-channel propagator, or by the power map), r[1] the rapidity;
  the channel's ``listing`` names the block behind every dimension.
- Points where r maps outside the allowed region (closed thresholds) get
  weight 0 and finite momenta.

This module does no physics itself: the maps live in the core (one source for
CPU and CUDA). Building topologies from diagrams is the process compiler's job.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from madnis_plugin.phasespace.topology import (
    CutLimits,
    Decay,
    Node,
    PackedChannel,
    Propagator,
    Topology,
    TopologyError,
    pack,
)


class Channel:
    """One phase-space channel: ``map(r)`` and ``inverse(momenta)`` for batches on any device."""

    def __init__(self, topology: Topology, sqrt_s: float, hadronic: bool = True,
                 sqrt_s_hat_min: float = 0.0, nu: float = 0.8, limits: CutLimits | None = None,
                 nu_t: float | None = None):
        """sqrt_s: collider energy [GeV]; sqrt_s_hat_min: lower limit on √ŝ [GeV]; nu: power-map exponent.

        limits: what the run_card cuts guarantee about the final state; the channel's
        invariant and t limits then keep out of regions the cuts reject (topology.py says
        how). nu_t: exponent of massless t-channel propagators kept away from t = 0 by them.
        """
        self.topology = topology
        self.sqrt_s = float(sqrt_s)
        self.hadronic = bool(hadronic)
        self.nu = float(nu)
        self.limits = limits
        self.packed: PackedChannel = pack(topology, self.sqrt_s, self.hadronic, sqrt_s_hat_min, self.nu,
                                          limits, nu_t)
        self.n_final = self.packed.n_final
        self.dim = self.packed.dim
        self._on_device: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def __repr__(self) -> str:
        return (f"Channel(n_final={self.n_final}, dim={self.dim}, sqrt_s={self.sqrt_s}, "
                f"hadronic={self.hadronic})")

    @property
    def listing(self) -> list[str]:
        """One line per block: which dimensions of r it reads and what it samples."""
        return list(self.packed.listing)

    def program(self, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor]:
        """The packed program (ints, params) on a device, copied there once."""
        device = torch.device(device)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        if device not in self._on_device:
            self._on_device[device] = (torch.from_numpy(self.packed.ints).to(device),
                                       torch.from_numpy(self.packed.params).to(device))
        return self._on_device[device]

    def map(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """r [B, dim] float64 in [0, 1] → (momenta [B, n+2, 4], x1 [B], x2 [B], weight [B])."""
        return _map(self.program(_tensor(r).device), self.n_final, self.dim, r)

    def inverse(self, momenta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """momenta [B, n+2, 4] float64 (lab frame) → (r [B, dim], weight [B]), the weight of map(r)."""
        return _inverse(self.program(_tensor(momenta).device), self.n_final, self.dim, momenta)

    # Hand-made channels for tests and benchmarks.

    @classmethod
    def s_channel_chain(cls, propagators: Sequence[Propagator | None], final_masses: Sequence[float],
                        sqrt_s: float, **kw) -> Channel:
        """((((0 1) 2) 3) …): propagators[0] is the outermost (ŝ), propagators[-1] the one into 0 and 1.

        n final particles need n - 1 propagators (None: no propagator, massless power map).
        """
        n = len(final_masses)
        if len(propagators) != n - 1:
            raise TopologyError(f"an s-channel chain of {n} particles needs {n - 1} propagators, "
                                f"got {len(propagators)}")
        node: Node = Decay(propagators[-1], (0, 1))
        for k in range(2, n):
            node = Decay(propagators[n - 1 - k], (node, k))
        return cls(Topology(tuple(final_masses), s_channel=node), sqrt_s, **kw)

    @classmethod
    def t_channel_chain(cls, propagators: Sequence[Propagator], final_masses: Sequence[float],
                        sqrt_s: float, **kw) -> Channel:
        """Particles 0 … n-1 emitted along a t-channel line of n - 1 propagators, 0 next to leg 1."""
        n = len(final_masses)
        return cls(Topology(tuple(final_masses), t_channel=tuple(propagators), t_blobs=tuple(range(n))),
                   sqrt_s, **kw)

    @classmethod
    def flat(cls, final_masses: Sequence[float], sqrt_s: float, **kw) -> Channel:
        """The flat fallback: RAMBO on diet (one two-body decay for n = 2)."""
        return cls(Topology(tuple(final_masses)), sqrt_s, **kw)


class ChannelSet:
    """Channels of one final state (same n_final and dim) mapped in one call, each point by its own
    channel: their packed programs are concatenated and each point carries its channel's index."""

    def __init__(self, channels: Sequence[Channel]):
        if not channels:
            raise TopologyError("a ChannelSet needs at least one channel")
        self.channels = list(channels)
        self.n_final, self.dim = self.channels[0].n_final, self.channels[0].dim
        if any((c.n_final, c.dim) != (self.n_final, self.dim) for c in self.channels):
            raise TopologyError("the channels of a ChannelSet must share n_final and dim")
        ints = [c.packed.ints for c in self.channels]
        params = [c.packed.params for c in self.channels]
        self._ints = torch.from_numpy(np.concatenate(ints))
        self._params = torch.from_numpy(np.concatenate(params))
        self._int_offsets = torch.tensor(np.cumsum([0, *(len(i) for i in ints[:-1])]), dtype=torch.int64)
        self._param_offsets = torch.tensor(np.cumsum([0, *(len(p) for p in params[:-1])]), dtype=torch.int64)
        self._on_device: dict[torch.device, tuple[torch.Tensor, ...]] = {}

    def __len__(self) -> int:
        return len(self.channels)

    def programs(self, device: torch.device | str) -> tuple[torch.Tensor, ...]:
        device = torch.device(device)
        if device not in self._on_device:
            self._on_device[device] = tuple(t.to(device) for t in (self._ints, self._params, self._int_offsets,
                                                                   self._param_offsets))
        return self._on_device[device]

    def map(self, channel: torch.Tensor, r: torch.Tensor
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """channel [B] int64 (index into the set), r [B, dim] → as Channel.map (NaN weight for a bad index)."""
        ints, params, int_offsets, param_offsets = self.programs(_tensor(r).device)
        return _map((ints, params), self.n_final, self.dim, r, channel=channel.contiguous(),
                    int_offsets=int_offsets, param_offsets=param_offsets)

    def inverse(self, channel: torch.Tensor, momenta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """channel [B] int64, momenta [B, n+2, 4] → as Channel.inverse."""
        ints, params, int_offsets, param_offsets = self.programs(_tensor(momenta).device)
        return _inverse((ints, params), self.n_final, self.dim, momenta, channel=channel.contiguous(),
                        int_offsets=int_offsets, param_offsets=param_offsets)


def _map(program: tuple[torch.Tensor, torch.Tensor], n_final: int, dim: int, r, **multi):
    from madnis_plugin.core import _core, stream_of

    r = _tensor(r).contiguous()
    n = r.shape[0] if r.dim() > 0 else 0
    kw = {"dtype": torch.float64, "device": r.device}
    momenta = torch.empty((n, n_final + 2, 4), **kw)
    x1, x2, weight = (torch.empty(n, **kw) for _ in range(3))
    _core.phasespace_map(*program, n_final, dim, r, momenta, x1, x2, weight, stream_of(r), **multi)
    return momenta, x1, x2, weight


def _inverse(program: tuple[torch.Tensor, torch.Tensor], n_final: int, dim: int, momenta, **multi):
    from madnis_plugin.core import _core, stream_of

    momenta = _tensor(momenta).contiguous()
    n = momenta.shape[0] if momenta.dim() > 0 else 0
    r = torch.empty((n, dim), dtype=torch.float64, device=momenta.device)
    weight = torch.empty(n, dtype=torch.float64, device=momenta.device)
    _core.phasespace_inverse(*program, n_final, dim, momenta, r, weight, stream_of(momenta), **multi)
    return r, weight


def _tensor(v) -> torch.Tensor:
    return v if isinstance(v, torch.Tensor) else torch.as_tensor(v)


def massless_volume(n: int, s: float) -> float:
    """Φ_n = (2π)^(4-3n) (π/2)^(n-1) s^(n-2) / (Γ(n) Γ(n-1)) of n massless particles."""
    import math

    return ((2 * math.pi) ** (4 - 3 * n) * (math.pi / 2) ** (n - 1) * s ** (n - 2)
            / (math.gamma(n) * math.gamma(n - 1)))


__all__ = ["Channel", "ChannelSet", "CutLimits", "Decay", "Node", "Propagator", "Topology", "TopologyError", "massless_volume"]
