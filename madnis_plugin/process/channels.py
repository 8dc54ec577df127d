"""Phase-space channel topologies from Feynman diagrams (one channel per diagram).

A diagram's propagators become the data description the phase-space core maps
(`madnis_plugin.phasespace.topology`): s-channel propagators nest into decay
trees (`Decay`), t-channel propagators form the line from initial leg 1 to leg 2
with the final-state blobs hanging off it. Masses and widths are the model's
values; t-channel propagators get zero width, as in MG5's madevent.

Diagrams whose final state needs a propagator-less multi-body vertex somewhere
(four-point vertices) are not channels when the subprocess has other diagrams,
as in MG5: their amplitudes still enter |M|², and the channel weights
α_c = |A_c|²/Σ_{channels}|A_j|² sum to one over the channels that remain.

Channels that differ only by a permutation of identical final-state particles
share a symmetry group (one flow for the group in MadNIS).

This module builds data; mapping random numbers to momenta is the core's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from madnis_plugin.models.model import Model
from madnis_plugin.phasespace.topology import Decay, Node, Propagator, Topology
from madnis_plugin.process.diagrams import Diagram


@dataclass(frozen=True)
class ChannelInfo:
    """A diagram chosen as a phase-space channel."""

    diagram: int  # index into the subprocess's diagrams
    topology: Topology
    symmetry_group: int  # channels with the same group differ by identical-particle permutations


def _propagator(model: Model, mass: str, width: str, t_channel: bool) -> Propagator:
    m = float(abs(model.param(mass))) if mass != "ZERO" else 0.0
    w = 0.0 if t_channel or width == "ZERO" else float(abs(model.param(width)))
    return Propagator(m, w)


def diagram_topology(model: Model, diagram: Diagram) -> Topology:
    """The phase-space topology of one 2 → n diagram."""
    n_in = diagram.n_initial
    if n_in != 2:
        raise ValueError("phase-space channels are built for 2 → n processes")
    finals = frozenset(range(n_in, len(diagram.pdg_ids)))
    masses = tuple(float(abs(model.mass(p))) for p in diagram.pdg_ids[n_in:])
    s_props = {frozenset(p.legs): p for p in diagram.s_channels}

    def tree(legs: frozenset[int]) -> Node:
        """Decay tree of a set of final legs (an s-channel propagator, or a vertex)."""
        if len(legs) == 1:
            return next(iter(legs)) - n_in
        inner = [k for k in s_props if k < legs]
        maximal = [k for k in inner if not any(k < other for other in inner)]
        covered = frozenset().union(*maximal) if maximal else frozenset()
        children = [tree(k) for k in sorted(maximal, key=min)] + [leg - n_in for leg in sorted(legs - covered)]
        children.sort(key=_first_leg)
        prop = s_props.get(legs)
        return Decay(_propagator(model, prop.mass, prop.width, False) if prop else None, tuple(children))

    t_props = sorted(diagram.t_channels, key=lambda p: len(p.legs))
    if not t_props:
        root = tree(finals)
        if isinstance(root, int):  # 2 → 1: not a scattering channel we map
            raise ValueError("2 → 1 processes have no phase-space channel")
        return Topology(final_masses=masses, s_channel=root)
    blobs: list[Node] = []
    previous = frozenset({0})
    for p in t_props:
        legs = frozenset(p.legs)
        blobs.append(tree((legs - previous) & finals))
        previous = legs
    blobs.append(tree(finals - (previous & finals)))
    line = tuple(_propagator(model, p.mass, "ZERO", True) for p in t_props)
    return Topology(final_masses=masses, t_channel=line, t_blobs=tuple(blobs))


def _first_leg(node: Node) -> int:
    return node if isinstance(node, int) else min(_first_leg(c) for c in node.children)


def _has_vertex_blob(node: Node | Topology) -> bool:
    """True when a four-point vertex shows as a propagator-less Decay anywhere."""
    if isinstance(node, Topology):
        if node.s_channel is not None:
            return _has_vertex_blob(node.s_channel)
        return any(_has_vertex_blob(b) for b in node.t_blobs)
    if isinstance(node, int):
        return False
    return node.propagator is None or any(_has_vertex_blob(c) for c in node.children)


def _canonical(node, labels: tuple[int, ...]):
    """A form equal for topologies related by permuting identical final-state particles."""
    if isinstance(node, int):
        return ("leg", labels[node])
    if isinstance(node, Decay):
        return ("decay", node.propagator, tuple(sorted((_canonical(c, labels) for c in node.children), key=repr)))
    if node.s_channel is not None:
        return ("s", _canonical(node.s_channel, labels))
    return ("t", node.t_channel, tuple(_canonical(b, labels) for b in node.t_blobs))


def build_channels(model: Model, diagrams: list[Diagram]) -> list[ChannelInfo]:
    """One channel per diagram (multi-body-vertex diagrams dropped if others exist)."""
    topologies = [(i, diagram_topology(model, d)) for i, d in enumerate(diagrams)]
    kept = [(i, t) for i, t in topologies if not _has_vertex_blob(t)] or topologies
    groups: dict[object, int] = {}
    channels = []
    for i, topo in kept:
        key = _canonical(topo, diagrams[i].pdg_ids[diagrams[i].n_initial:])
        channels.append(ChannelInfo(i, topo, groups.setdefault(key, len(groups))))
    return channels
