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

Cut-derived limits (:class:`CutLimits`, optional), as MadEvent derives its s_min
and t bounds from the run_card. Every bound below only removes phase space where
the cuts fail, so a channel with limits has the same cut volume as without:

- s_min of a set S of outgoing legs: invariant mass is superadditive,
  M(A ∪ B) ≥ M(A) + M(B) for timelike or lightlike momenta, so
  √s_min(S) = max over partitions of S into single legs (mass m_i) and pairs
  (√ of the pair's bound :attr:`CutLimits.pair_m2_min`) of the sum. It is the lower
  limit of S's invariant (s-channel decays, t-channel blobs, the X_k).
- Children of the root (the partonic c.m. frame, zero total pT): a child's energy
  is at least its transverse mass, E_i ≥ √(m_i² + pT_min,i²) for a leg, and
  E_B ≥ M_B for a composite, so √ŝ ≥ Σ of those over any partition of the final
  state into legs and composites, and an invariant B under the root has
  M_B ≤ E_B = √ŝ - Σ_{others} E ≤ √ŝ - Σ_{others} (mT or M). ŝ_min and the upper
  limits of the root's children use these; deeper invariants only the masses
  (a subsystem with transverse momentum has no such bound).
- First t-channel step (frame: partonic c.m., q = incoming parton along z): B's pT
  is its momentum transverse to q, so pT_B ≥ pT_min restricts cos θ exactly
  (t_channel.h). With a single step, Y = the last blob has the same pT, so its cut
  applies there too.
- Last step of a chain of m ≥ 2: t = (p_other - k)² for the last blob k. For a
  massless leg, -t = 2 p_other·k = √ŝ pT e^(±y*) in the partonic frame, and
  E - |k_z| ≤ 2E ≤ √ŝ gives √ŝ e^(±y*) ≥ pT, so t ≤ -pT_min² (Lorentz invariant).
- When every leg has a rapidity cut |y_i| ≤ η, the partonic frame's rapidity obeys
  |y| ≤ max η (luminosity.h), which limits the y map of hadronic channels.
- A chain whose first blob has no pT cut but whose last one has is run from leg 2
  to leg 1 (mirrored: in the z-reflected partonic frame, channel.h), so the exact
  bound of the first step applies to the cut leg.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Mirrors csrc/include/madnis/phasespace/channel.h.
VERSION = 2
MAX_SLOTS = 40
HEADER = 8
INSTR_WIDTH = 10
PARAM_HEADER = 6
MAP_WIDTH = 7  # (M, Γ, ν, a, b, c, e): see channel.h
NO_T_CAP = 1e300
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


@dataclass(frozen=True)
class CutLimits:
    """What the cuts guarantee about the final state, per outgoing leg (plain data, GeV).

    pt_min[i]: every event that passes the cuts has pT_i ≥ pt_min[i] (0: no bound).
    pair_m2_min[i][j]: every passing event has (k_i + k_j)² ≥ this (symmetric; 0: none).
    Built from the run_card by :meth:`madnis_plugin.integrand.cuts.Cuts.phase_space_limits`.
    """

    pt_min: tuple[float, ...]
    pair_m2_min: tuple[tuple[float, ...], ...] = ()
    y_max: float = 0.0

    @classmethod
    def none(cls, n: int) -> CutLimits:
        return cls((0.0,) * n, ((0.0,) * n,) * n)


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
    def __init__(self, masses: tuple[float, ...], nu: float, offset: int, limits: CutLimits,
                 nu_t: float | None = None, cut_aware: bool = False):
        self.masses = masses
        self.n = len(masses)
        self.nu = nu
        self.nu_t = nu_t
        self.cut_aware = cut_aware  # limits were given: map choices may follow them
        self.limits = limits
        self._mass_min: dict[tuple[frozenset[int], bool], float] = {}
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
        return self.mass_min(frozenset(finals_of(node)))

    def leg_energy_min(self, i: int) -> float:
        """Lower bound on leg i's energy in the partonic c.m. frame: its transverse mass."""
        return float(np.hypot(self.masses[i], self.limits.pt_min[i]))

    def mass_min(self, legs: frozenset[int], root: bool = False) -> float:
        """√s_min of the legs (root=True: Σ energies in the partonic frame, legs weigh mT)."""
        key = (legs, root)
        if key not in self._mass_min:
            if not legs:
                best = 0.0
            else:
                i = min(legs)
                rest = legs - {i}
                best = (self.leg_energy_min(i) if root else self.masses[i]) + self.mass_min(rest, root)
                pairs = self.limits.pair_m2_min
                for j in rest:
                    if pairs and pairs[i][j] > 0:
                        best = max(best, float(np.sqrt(pairs[i][j])) + self.mass_min(rest - {j}, root))
            self._mass_min[key] = best
        return self._mass_min[key]

    def excess(self, node: Node) -> float:
        """How much a leg's energy in the partonic frame exceeds its mass at least (0 for composites)."""
        return 0.0 if isinstance(node, Decay) else self.leg_energy_min(int(node)) - self.masses[int(node)]

    def list_ref(self, items: list[int]) -> tuple[int, int]:
        start = len(self.lists)
        self.lists += items
        return start, len(items)

    def map_ref(self, prop: Propagator | None, nu: float | None = None, a: float = 0.0, b: float = 0.0,
                c: float = 0.0, e: float = 0.0) -> int:
        start = len(self.maps)
        mass, width = (prop.mass, prop.width) if prop is not None else (0.0, 0.0)
        self.maps += [mass, width, self.nu if nu is None else nu, float(a), float(b), float(c), float(e)]
        assert len(self.maps) - start == MAP_WIDTH
        return start

    def s_hat_floor(self, node: Decay) -> tuple[float, float]:
        """(c, e) of the floor s ≥ e + c/√ŝ of a pair {i, j}, j massless with pT ≥ p, m_i > 0.

        s_ij = m_i² + 2 E_j (E_i - |p_i| cos θ) ≥ m_i² + 2 E_j m_i²/(E_i + |p_i|) in the
        partonic frame, with E_j ≥ pT_j ≥ p and E_i + |p_i| ≤ √ŝ (its largest value, when
        the rest of the final state is massless and at rest), so s_ij ≥ m_i² + 2 p m_i²/√ŝ.
        """
        legs = finals_of(node)
        if len(legs) != 2:
            return 0.0, 0.0
        best = (0.0, 0.0)
        for i, j in (legs, legs[::-1]):
            m2, p = self.masses[i] ** 2, self.limits.pt_min[j]
            if m2 > 0 and self.masses[j] == 0 and p > 0 and 2 * p * m2 > best[0]:
                best = (2 * p * m2, m2)
        return best

    def emit(self, op: int, fields: list[int], n_dims: int, text: str) -> None:
        rec = [op, *fields] + [0] * (INSTR_WIDTH - 2 - len(fields)) + [self.dim]
        self.records.append(rec)
        self.listing.append(f"r[{self.dim}:{self.dim + n_dims}] {text}")
        self.dim += n_dims

    def add_sum(self, target: int, node: Node) -> None:
        self.sums.append([target, *(i + 2 for i in finals_of(node))])

    def invariant(self, target: int, parent: int, lo: list[int], sub: list[int], prop, nu=None, what="",
                  s_min: float = 0.0, shift: float = 0.0, floor: tuple[float, float] = (0.0, 0.0)):
        c, e = floor
        if self.cut_aware and prop is not None and prop.width > 0 and prop.mass**2 <= max(s_min, e) * (1 + 1e-12):
            # The pole sits at or below the lower end of the cut range: no resonance to
            # follow, the propagator falls like a massive one off-shell. A power law in
            # s - M², with ν_t where the cuts keep s - M² ≥ c/√ŝ > 0 or s_min > M².
            away = s_min > prop.mass**2 * (1 + 1e-12) or (c > 0 and e >= prop.mass**2)
            prop, nu = Propagator(prop.mass, 0.0), (self.nu_t if away and self.nu_t is not None else nu)
        lo_ref, sub_ref, m = self.list_ref(lo), self.list_ref(sub), self.map_ref(prop, nu, s_min, shift, c, e)
        limits = f" [s >= {s_min:.6g}, sibling energy excess {shift:.6g}]" if s_min > 0 or shift > 0 else ""
        if c > 0:
            limits += f" [s >= {e:.6g} + {c:.6g}/√ŝ]"
        self.emit(INVARIANT, [target, parent, *lo_ref, *sub_ref, m], 1,
                  f"invariant of slot {target} {what}{limits}")

    def decay_tree(self, slot: int, node: Decay, slots: dict[int, int], root: int = -1) -> None:
        """Invariants of the composite children, then the decay, then recurse (top-down)."""
        child_slots = [self.node_slot(c, slots) for c in node.children]
        for c, cs in zip(node.children, child_slots):
            if isinstance(c, Decay):
                self.add_sum(cs, c)
                grand = [self.node_slot(g, slots) for g in c.children]
                siblings = [s for s in child_slots if s != cs]
                shift = sum(self.excess(o) for o in node.children if o is not c) if slot == root else 0.0
                self.invariant(cs, slot, grand, siblings, c.propagator, what=f"({c.propagator})",
                               s_min=self.min_mass(c) ** 2, shift=shift, floor=self.s_hat_floor(c))
        self.split(slot, child_slots)
        for c, cs in zip(node.children, child_slots):
            if isinstance(c, Decay):
                self.decay_tree(cs, c, slots, root)

    def split(self, slot: int, children: list[int]) -> None:
        if len(children) == 2:
            self.emit(DECAY, [slot, *children], 2, f"two-body decay {slot} -> {children}")
        else:
            ref = self.list_ref(children)
            self.emit(RAMBO, [slot, *ref], 3 * len(children) - 4, f"flat decay {slot} -> {children}")


def _pt_cut(node: Node, limits: CutLimits) -> float:
    """The pT bound of a blob that is a single leg (0 for composites and legs without one)."""
    return 0.0 if isinstance(node, Decay) else limits.pt_min[int(node)]


def pack(topo: Topology, sqrt_s: float, hadronic: bool = True, sqrt_s_hat_min: float = 0.0,
         nu: float = 0.8, limits: CutLimits | None = None, nu_t: float | None = None) -> PackedChannel:
    """Flatten a topology into the core's channel program (see channel.h for the layout).

    limits: what the cuts guarantee (None: nothing); the module docstring says which
    limits follow and why they are safe. nu_t: the power-map exponent of massless
    t-channel propagators whose |t| the cuts keep away from 0 (default: nu).
    """
    validate(topo)
    if not (np.isfinite(sqrt_s) and sqrt_s > 0):
        raise TopologyError(f"sqrt_s must be positive, got {sqrt_s}")
    for name, value in (("nu", nu), ("nu_t", nu if nu_t is None else nu_t)):
        if not (np.isfinite(value) and value >= 0):
            raise TopologyError(f"the power-map exponent {name} must be >= 0, got {value}")
    masses = tuple(float(m) for m in topo.final_masses)
    n = len(masses)
    cut_aware = limits is not None
    if limits is None:
        limits = CutLimits.none(n)
    elif len(limits.pt_min) != n or (limits.pair_m2_min and len(limits.pair_m2_min) != n):
        raise TopologyError(f"limits: expected bounds for {n} outgoing legs, got {limits}")
    b = _Builder(masses, nu, 2 if hadronic else 0, limits, nu_t, cut_aware)
    s_hat_min = max(float(sqrt_s_hat_min), b.mass_min(frozenset(range(n)), root=True)) ** 2
    if hadronic and s_hat_min <= 0:
        raise TopologyError(
            "a hadronic channel with a massless final state needs sqrt_s_hat_min > 0 "
            "(the luminosity map diverges at τ = 0)"
        )
    slots: dict[int, int] = {}
    root = b.slot(0.0)
    lumi: Propagator | None = None
    mirrored = False
    s_channel = topo.s_channel
    if s_channel is None and not topo.t_channel and len(topo.t_blobs) == 1:
        if not isinstance(topo.t_blobs[0], Decay):
            raise TopologyError("a single t_blob must be a Decay covering the final state")
        s_channel = topo.t_blobs[0]
    if s_channel is not None:
        lumi = s_channel.propagator
        slots[id(s_channel)] = root
        b.add_sum(root, s_channel)
        b.decay_tree(root, s_channel, slots, root)
    elif topo.t_blobs:
        m = len(topo.t_channel)
        t_blobs, t_line, q = list(topo.t_blobs), list(topo.t_channel), 0
        if m >= 2 and _pt_cut(t_blobs[0], limits) == 0 and _pt_cut(t_blobs[-1], limits) > 0:
            t_blobs, t_line = t_blobs[::-1], t_line[::-1]  # run the chain from leg 2 (z-reflected)
            mirrored = True
        blobs = [b.node_slot(node, slots) for node in t_blobs]
        b.sums.append([root, *(i + 2 for i in range(n))])
        xs = [root]
        for k in range(1, m):
            rest = [i for node in t_blobs[k:] for i in finals_of(node)]
            xs.append(b.slot(b.mass_min(frozenset(rest)) ** 2))
            b.sums.append([xs[-1], *(i + 2 for i in rest)])
        xs.append(blobs[m])
        for j, node in enumerate(t_blobs):
            if isinstance(node, Decay):
                b.add_sum(blobs[j], node)
                grand = [b.node_slot(g, slots) for g in node.children]
                others = [s for s in blobs if s != blobs[j]]
                shift = sum(b.excess(o) for i, o in enumerate(t_blobs) if i != j)
                b.invariant(blobs[j], root, grand, others, node.propagator, what=f"blob {j}",
                            s_min=b.min_mass(node) ** 2, shift=shift, floor=b.s_hat_floor(node))
        for k in range(1, m):
            rest = frozenset(i for node in t_blobs[k:] for i in finals_of(node))
            b.invariant(xs[k], xs[k - 1], blobs[k:], [blobs[k - 1]], None, nu=0.0, what=f"X_{k} (flat)",
                        s_min=b.mass_min(rest) ** 2, shift=b.excess(t_blobs[0]) if k == 1 else 0.0)
        for k in range(m):
            # away_from_0: the bound keeps -t ≥ pT_min² > 0 (a massless cut leg next to the beam)
            pt_min, t_cap, away_from_0 = 0.0, NO_T_CAP, False
            if k == 0:
                ends = [t_blobs[0], t_blobs[1]] if m == 1 else [t_blobs[0]]
                pt_min = max(_pt_cut(node, limits) for node in ends)
                away_from_0 = any(_pt_cut(node, limits) > 0 and masses[int(node)] == 0 for node in ends)
            elif k == m - 1 and _pt_cut(t_blobs[m], limits) > 0 and masses[int(t_blobs[m])] == 0:
                t_cap, away_from_0 = -_pt_cut(t_blobs[m], limits) ** 2, True
            prop = t_line[k]
            massless = prop.mass == 0 and prop.width == 0
            nu_k = nu_t if (nu_t is not None and away_from_0 and massless) else None
            q_next = b.slot(0.0)
            bounds = (f" [pT(B) >= {pt_min:g}]" if pt_min > 0 else "") + (f" [t <= {t_cap:g}]" if t_cap < 0 else "")
            b.emit(TSTEP, [xs[k], q, blobs[k], xs[k + 1], q_next, b.map_ref(prop, nu_k, pt_min, t_cap)], 2,
                   f"t-channel step {k}{' (from leg 2, z-reflected)' if mirrored and k == 0 else ''}: "
                   f"{prop}{bounds}")
            q = q_next
        for j, node in enumerate(t_blobs):
            if isinstance(node, Decay):
                b.decay_tree(blobs[j], node, slots)
    else:
        b.sums.append([root, *(i + 2 for i in range(n))])  # the inverse reads the root's momentum
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
    header = [VERSION, n, len(b.m2), n_instr, b.dim, int(hadronic), root, int(mirrored)]
    ints = np.array(header + [v for rec in records + b.records for v in rec] + sum_lists + b.lists,
                    dtype=np.int64)
    lumi_map = [lumi.mass, lumi.width, nu] if lumi is not None else [0.0, 0.0, nu]  # read as a triple
    y_max = max(float(limits.y_max), 0.0) if hadronic else 0.0
    params = np.array([sqrt_s * sqrt_s, s_hat_min, *lumi_map, y_max, *b.m2, *b.maps], dtype=np.float64)
    listing = [f"hadronic: r[0] ŝ by {lumi}, r[1] y" + (f" [|y| <= {y_max:g}]" if y_max > 0 else "")]
    listing = listing if hadronic else []
    return PackedChannel(ints, params, n, b.dim, hadronic, s_hat_min, listing + b.listing)
