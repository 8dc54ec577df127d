"""Channel topologies (plain data) and their packing into the core's channel program.

A :class:`Topology` says how a channel maps the unit cube onto phase space: one
s-channel decay tree covering the whole final state, or a t-channel chain of
spacelike propagators between the incoming legs with "blobs" (single particles
or s-channel decay trees) hanging off it, or neither (flat, RAMBO). The process
compiler builds these from Feynman diagrams; tests and benchmarks build them by
hand. :func:`pack` flattens one into the two arrays read by
csrc/include/madnis/phasespace/channel.h (layout documented there), as
pdf/grid.py packs a PDF grid. This module does no kinematics.

Choices:
- A final state reached through one vertex without propagator (2 → 2 by a
  4-point vertex) is written ``s_channel=Decay(None, children)``;
  ``t_channel=()`` with a single composite blob means the same.
- ``Topology(final_masses)`` with neither s_channel nor t_blobs is the flat
  channel (RAMBO on diet, or one two-body decay for n = 2).
- A decay into more than two children (a multi-particle vertex) samples the
  children flat with RAMBO in its rest frame; ``Decay(None, ...)``'s own
  invariant mass uses the massless power map.
- The invariants X_k of the remaining system in a t-channel chain (MadGraph's
  "s" of each 2 → 2 step) are sampled flat; the blobs' masses first, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Mirrors csrc/include/madnis/phasespace/channel.h.
VERSION = 1
MAX_SLOTS = 40
HEADER = 8
INSTR_WIDTH = 10
PARAM_HEADER = 6
SUM, INVARIANT, DECAY, RAMBO, TSTEP = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Propagator:
    """Mass and width in GeV; width 0 → power-law map, width > 0 → Breit–Wigner."""

    mass: float = 0.0
    width: float = 0.0


@dataclass(frozen=True)
class Decay:
    """An s-channel propagator decaying into 2 (or more, from a 4-point vertex) children.

    ``propagator=None``: no propagator (multi-body vertex); its invariant mass is
    sampled with the massless power map.
    """

    propagator: Propagator | None
    children: tuple[Node, ...]


Node = int | Decay  # int: outgoing particle index (0-based, final-state leg order)


@dataclass(frozen=True)
class Topology:
    """One channel's diagram skeleton. Use exactly one of s_channel or t_blobs (neither: flat)."""

    final_masses: tuple[float, ...]
    s_channel: Decay | None = None  # 2 → (one s-channel propagator) → ...: the whole final state
    t_channel: tuple[Propagator, ...] = ()  # spacelike propagators from incoming leg 1 to leg 2
    t_blobs: tuple[Node, ...] = ()  # len(t_channel)+1 nodes off the t-line, first next to leg 1


class TopologyError(ValueError):
    """A topology that does not describe a valid channel; the message says what is wrong."""


@dataclass
class PackedChannel:
    """The arrays for the core plus what the Python side needs to call it."""

    ints: np.ndarray  # int64
    params: np.ndarray  # float64
    n_final: int
    dim: int
    hadronic: bool
    s_hat_min: float  # GeV²
    listing: list[str] = field(default_factory=list)  # one line per record, for debugging


def finals_of(node: Node) -> list[int]:
    """Outgoing particle indices below a node, in order."""
    if isinstance(node, Decay):
        return [i for c in node.children for i in finals_of(c)]
    return [node]


def _check_node(node: Node, n: int, where: str) -> None:
    if isinstance(node, Decay):
        if len(node.children) < 2:
            raise TopologyError(f"{where}: a Decay needs at least 2 children, got {len(node.children)}")
        if node.propagator is not None:
            _check_propagator(node.propagator, where)
        for c in node.children:
            _check_node(c, n, where)
    elif isinstance(node, (int, np.integer)) and not isinstance(node, bool):
        if not 0 <= node < n:
            raise TopologyError(f"{where}: outgoing particle index {node} is not in 0..{n - 1}")
    else:
        raise TopologyError(f"{where}: expected an int or a Decay, got {type(node).__name__}")


def _check_propagator(p: Propagator, where: str) -> None:
    if not (np.isfinite(p.mass) and np.isfinite(p.width) and p.mass >= 0 and p.width >= 0):
        raise TopologyError(f"{where}: propagator mass and width must be finite and >= 0, got {p}")
    if p.width > 0 and p.mass <= 0:
        raise TopologyError(f"{where}: a Breit–Wigner propagator needs a positive mass, got {p}")


def validate(topo: Topology) -> None:
    """Raise TopologyError unless every outgoing particle appears exactly once."""
    n = len(topo.final_masses)
    if n < 2:
        raise TopologyError(f"need at least 2 outgoing particles, got {n}")
    if any(not np.isfinite(m) or m < 0 for m in topo.final_masses):
        raise TopologyError(f"final_masses must be finite and >= 0, got {topo.final_masses}")
    if topo.s_channel is not None and topo.t_blobs:
        raise TopologyError("use either s_channel or t_blobs, not both")
    if topo.t_channel and len(topo.t_blobs) != len(topo.t_channel) + 1:
        raise TopologyError(
            f"a t-channel line with {len(topo.t_channel)} propagator(s) needs "
            f"{len(topo.t_channel) + 1} blobs, got {len(topo.t_blobs)}"
        )
    if topo.t_channel and not topo.t_blobs:
        raise TopologyError("t_channel propagators given without t_blobs")
    nodes: list[Node] = [topo.s_channel] if topo.s_channel is not None else list(topo.t_blobs)
    if not nodes:
        return  # flat
    for i, node in enumerate(nodes):
        _check_node(node, n, "s_channel" if topo.s_channel is not None else f"t_blobs[{i}]")
    for i, p in enumerate(topo.t_channel):
        _check_propagator(p, f"t_channel[{i}]")
    seen = sorted(i for node in nodes for i in finals_of(node))
    if seen != list(range(n)):
        raise TopologyError(f"the topology must contain each outgoing particle 0..{n - 1} once, got {seen}")


class _Builder:
    def __init__(self, masses: tuple[float, ...], nu: float, offset: int):
        self.masses = masses
        self.n = len(masses)
        self.nu = nu
        self.m2 = [0.0, 0.0] + [m * m for m in masses]
        self.records: list[list[int]] = []
        self.sums: list[list[int]] = []
        self.lists: list[int] = []
        self.maps: list[float] = []
        self.dim = offset
        self.listing: list[str] = []

    def slot(self, m2_init: float = 0.0) -> int:
        self.m2.append(m2_init)
        return len(self.m2) - 1

    def node_slot(self, node: Node, slots: dict[int, int]) -> int:
        if isinstance(node, Decay):
            key = id(node)
            if key not in slots:
                slots[key] = self.slot(self.min_mass(node) ** 2)
            return slots[key]
        return int(node) + 2

    def min_mass(self, node: Node) -> float:
        return sum(self.masses[i] for i in finals_of(node))

    def list_ref(self, items: list[int]) -> tuple[int, int]:
        start = len(self.lists)
        self.lists += items
        return start, len(items)

    def map_ref(self, prop: Propagator | None, nu: float | None = None) -> int:
        start = len(self.maps)
        mass, width = (prop.mass, prop.width) if prop is not None else (0.0, 0.0)
        self.maps += [mass, width, self.nu if nu is None else nu]
        return start

    def emit(self, op: int, fields: list[int], n_dims: int, text: str) -> None:
        rec = [op, *fields] + [0] * (INSTR_WIDTH - 2 - len(fields)) + [self.dim]
        self.records.append(rec)
        self.listing.append(f"r[{self.dim}:{self.dim + n_dims}] {text}")
        self.dim += n_dims

    def add_sum(self, target: int, node: Node) -> None:
        self.sums.append([target, *(i + 2 for i in finals_of(node))])

    def invariant(self, target: int, parent: int, lo: list[int], sub: list[int], prop, nu=None, what=""):
        lo_ref, sub_ref, m = self.list_ref(lo), self.list_ref(sub), self.map_ref(prop, nu)
        self.emit(INVARIANT, [target, parent, *lo_ref, *sub_ref, m], 1, f"invariant of slot {target} {what}")

    def decay_tree(self, slot: int, node: Decay, slots: dict[int, int]) -> None:
        """Invariants of the composite children, then the decay, then recurse (top-down)."""
        child_slots = [self.node_slot(c, slots) for c in node.children]
        for c, cs in zip(node.children, child_slots):
            if isinstance(c, Decay):
                self.add_sum(cs, c)
                grand = [self.node_slot(g, slots) for g in c.children]
                siblings = [s for s in child_slots if s != cs]
                self.invariant(cs, slot, grand, siblings, c.propagator, what=f"({c.propagator})")
        self.split(slot, child_slots)
        for c, cs in zip(node.children, child_slots):
            if isinstance(c, Decay):
                self.decay_tree(cs, c, slots)

    def split(self, slot: int, children: list[int]) -> None:
        if len(children) == 2:
            self.emit(DECAY, [slot, *children], 2, f"two-body decay {slot} -> {children}")
        else:
            ref = self.list_ref(children)
            self.emit(RAMBO, [slot, *ref], 3 * len(children) - 4, f"flat decay {slot} -> {children}")


def pack(topo: Topology, sqrt_s: float, hadronic: bool = True, sqrt_s_hat_min: float = 0.0,
         nu: float = 0.8) -> PackedChannel:
    """Flatten a topology into the core's channel program (see channel.h for the layout)."""
    validate(topo)
    if not (np.isfinite(sqrt_s) and sqrt_s > 0):
        raise TopologyError(f"sqrt_s must be positive, got {sqrt_s}")
    if not (np.isfinite(nu) and nu >= 0):
        raise TopologyError(f"the power-map exponent nu must be >= 0, got {nu}")
    masses = tuple(float(m) for m in topo.final_masses)
    n = len(masses)
    s_hat_min = max(float(sqrt_s_hat_min), sum(masses)) ** 2
    if hadronic and s_hat_min <= 0:
        raise TopologyError(
            "a hadronic channel with a massless final state needs sqrt_s_hat_min > 0 "
            "(the luminosity map diverges at τ = 0)"
        )
    b = _Builder(masses, nu, 2 if hadronic else 0)
    slots: dict[int, int] = {}
    root = b.slot(0.0)
    lumi: Propagator | None = None
    s_channel = topo.s_channel
    if s_channel is None and not topo.t_channel and len(topo.t_blobs) == 1:
        if not isinstance(topo.t_blobs[0], Decay):
            raise TopologyError("a single t_blob must be a Decay covering the final state")
        s_channel = topo.t_blobs[0]
    if s_channel is not None:
        lumi = s_channel.propagator
        slots[id(s_channel)] = root
        b.add_sum(root, s_channel)
        b.decay_tree(root, s_channel, slots)
    elif topo.t_blobs:
        m = len(topo.t_channel)
        blobs = [b.node_slot(node, slots) for node in topo.t_blobs]
        b.sums.append([root, *(i + 2 for i in range(n))])
        xs = [root]
        for k in range(1, m):
            rest = [i for node in topo.t_blobs[k:] for i in finals_of(node)]
            xs.append(b.slot(sum(masses[i] for i in rest) ** 2))
            b.sums.append([xs[-1], *(i + 2 for i in rest)])
        xs.append(blobs[m])
        for j, node in enumerate(topo.t_blobs):
            if isinstance(node, Decay):
                b.add_sum(blobs[j], node)
                grand = [b.node_slot(g, slots) for g in node.children]
                others = [s for s in blobs if s != blobs[j]]
                b.invariant(blobs[j], root, grand, others, node.propagator, what=f"blob {j}")
        for k in range(1, m):
            b.invariant(xs[k], xs[k - 1], blobs[k:], [blobs[k - 1]], None, nu=0.0, what=f"X_{k} (flat)")
        q = 0
        for k in range(m):
            q_next = b.slot(0.0)
            b.emit(TSTEP, [xs[k], q, blobs[k], xs[k + 1], q_next, b.map_ref(topo.t_channel[k])], 2,
                   f"t-channel step {k}: {topo.t_channel[k]}")
            q = q_next
        for j, node in enumerate(topo.t_blobs):
            if isinstance(node, Decay):
                b.decay_tree(blobs[j], node, slots)
    else:
        b.split(root, [i + 2 for i in range(n)])
    if len(b.m2) > MAX_SLOTS:
        raise TopologyError(f"the channel needs {len(b.m2)} momentum slots, the core has {MAX_SLOTS}")
    expected = 3 * n - 4 + (2 if hadronic else 0)
    assert b.dim == expected, (b.dim, expected)

    records = [[SUM, s[0], 0, len(s) - 1] + [0] * (INSTR_WIDTH - 4) for s in b.sums]
    sum_lists: list[int] = []
    for rec, s in zip(records, b.sums):
        rec[2] = len(sum_lists)
        sum_lists += s[1:]
    n_instr = len(records) + len(b.records)
    list_base = HEADER + INSTR_WIDTH * n_instr
    for rec in records:
        rec[2] += list_base
    shift = list_base + len(sum_lists)
    map_base = PARAM_HEADER + len(b.m2)
    for rec in b.records:
        if rec[0] == INVARIANT:
            rec[3] += shift
            rec[5] += shift
            rec[7] += map_base
        elif rec[0] == RAMBO:
            rec[2] += shift
        elif rec[0] == TSTEP:
            rec[6] += map_base
    header = [VERSION, n, len(b.m2), n_instr, b.dim, int(hadronic), root, 0]
    ints = np.array(header + [v for rec in records + b.records for v in rec] + sum_lists + b.lists,
                    dtype=np.int64)
    lumi_map = [lumi.mass, lumi.width, nu] if lumi is not None else [0.0, 0.0, nu]
    params = np.array([sqrt_s * sqrt_s, s_hat_min, *lumi_map, 0.0, *b.m2, *b.maps], dtype=np.float64)
    listing = [f"hadronic: r[0] ŝ by {lumi}, r[1] y"] if hadronic else []
    return PackedChannel(ints, params, n, b.dim, hadronic, s_hat_min, listing + b.listing)
