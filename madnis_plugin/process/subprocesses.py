"""Expand a process with multiparticle labels into partonic subprocesses, grouped as MG5 does.

Input: one list of PDG ids per leg (initial legs first), e.g. ``p p > e+ e- j`` with
``p`` and ``j`` already expanded by the model's or the proc_card's multiparticle
definitions (`legs_from_labels` does that for plain labels). Output: `Subprocess`
objects, each one distinct matrix element with its diagrams and every flavour
assignment it stands for.

The grouping reproduces MG5_aMC's:

1. Flavour assignments are taken in MG5's order (the Cartesian product of the leg lists,
   first leg slowest). One whose final state is a permutation of an earlier one with the
   same initial state is dropped (``u u~ > u~ u`` duplicates ``u u~ > u u~``).
2. When both initial legs carry the same list (``p p``), an assignment whose initial
   state is the swap of an earlier one is its *mirror* (MG5: "Process u~ u > e+ e- added
   to mirror process u u~ > e+ e-"): it shares the matrix element with the initial
   momenta exchanged.
3. Coupling orders: with none given, MG5 keeps the lowest WEIGHTED order (QCD + 2 QED)
   over the whole multiprocess; subprocesses without diagrams at that order are dropped.
   With decay chains (`decays`), only the diagrams with every listed resonance are kept
   first, and the lowest WEIGHTED among those: a kept diagram is a production diagram
   times decay diagrams, so this is MG5's lowest order of the production and of each
   decay taken separately.
4. Assignments whose diagrams are identical up to relabelling massless-quark flavours
   (same couplings, masses, widths, colour: ``c c~ > e+ e-`` and ``u u~ > e+ e-``) are
   combined into one subprocess (MG5 at output: "Combined process c c~ > e+ e- with
   process u u~ > e+ e-").

This module does not parse proc_cards and does not build phase-space channels.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from madnis_plugin.models.model import Model
from madnis_plugin.process.diagrams import (
    Diagram,
    NoDiagramsError,
    OrderConstraint,
    _build,
    _prepare,
    expansion_limits,
    parse_orders,
    weighted_order,
)

__all__ = ["NoDiagramsError", "Subprocess", "expand_subprocesses", "legs_from_labels"]


@dataclass
class Subprocess:
    """One matrix element and the flavour assignments that use it.

    `pdg_ids` is the representative assignment (MG5's first), in leg order (initial
    first); `diagrams` are its diagrams. `flavours` lists every PDG-id tuple this
    subprocess stands for, the representative first; each tuple is written in its own
    leg order. `mirrored[i]` is True when `flavours[i]` is a mirror, i.e. its matrix
    element is this subprocess's with the two initial momenta exchanged (for
    ``u~ u > e+ e-`` evaluate ``u u~ > e+ e-`` at (p2, p1, p3, p4)).
    """

    pdg_ids: tuple[int, ...]
    names: tuple[str, ...]
    n_initial: int
    diagrams: list[Diagram]
    flavours: list[tuple[int, ...]] = field(default_factory=list)
    mirrored: list[bool] = field(default_factory=list)
    # Decay-chain resonances: (PDG id, the final-state legs it decays into), outermost first.
    decays: tuple[tuple[int, tuple[int, ...]], ...] = ()

    @property
    def orders(self) -> dict[str, int]:
        """The largest order of each coupling over the diagrams."""
        out: dict[str, int] = {}
        for d in self.diagrams:
            for k, v in d.orders:
                out[k] = max(out.get(k, 0), v)
        return out

    @property
    def symmetry_factor(self) -> int:
        """Identical-final-state factor (product of n! over repeated final particles)."""
        return math.prod(math.factorial(c) for c in Counter(self.pdg_ids[self.n_initial :]).values())

    @property
    def mirror_flavours(self) -> list[tuple[int, ...]]:
        return [f for f, m in zip(self.flavours, self.mirrored, strict=True) if m]

    def is_mirror(self, flavour: Sequence[int]) -> bool:
        return self.mirrored[self.flavours.index(tuple(flavour))]

    @property
    def process_string(self) -> str:
        return " ".join(self.names[: self.n_initial]) + " > " + " ".join(self.names[self.n_initial :])

    def __str__(self) -> str:
        others = [f for f, m in zip(self.flavours, self.mirrored, strict=True) if not m][1:]
        text = f"{self.process_string} ({len(self.diagrams)} diagrams)"
        if others:
            text += "; combined with " + ", ".join(_fmt(f, self.n_initial, self._model_names) for f in others)
        mirrors = self.mirror_flavours
        if mirrors:
            text += "; mirrors " + ", ".join(_fmt(f, self.n_initial, self._model_names) for f in mirrors)
        return text

    _model_names: dict[int, str] = field(default_factory=dict, repr=False)


def _fmt(flavour: Sequence[int], n_initial: int, names: Mapping[int, str]) -> str:
    ns = [names.get(p, str(p)) for p in flavour]
    return " ".join(ns[:n_initial]) + " > " + " ".join(ns[n_initial:])


def legs_from_labels(
    model: Model, labels: Sequence[str], multiparticles: Mapping[str, Sequence[int]] | None = None
) -> list[list[int]]:
    """Turn leg labels (``["p", "p", "e+", "e-", "j"]``) into lists of PDG ids.

    A label is a multiparticle (from `multiparticles`, then the model's defaults) or a
    particle name. Unknown labels raise `ValueError`.
    """
    defs = dict(model.multiparticles)
    if multiparticles:
        defs.update({k: list(v) for k, v in multiparticles.items()})
    out = []
    for lab in labels:
        if lab in defs:
            out.append(list(defs[lab]))
        elif model.has_particle(lab):
            out.append([model.particle(lab).pdg])
        else:
            raise ValueError(f"unknown particle or multiparticle {lab!r} in model {model.name}")
    return out


class _Conservation:
    """Quantities every vertex conserves, for rejecting flavour assignments cheaply.

    Electric charge, and one fermion number per set of fermions linked by vertices
    (with a unit CKM matrix: (u, d), (c, s), (t, b), (ve, e-) ...).
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        for v in model.vertices:
            for k in range(v.fermion_lines):
                # slot 2k is an antifermion, slot 2k + 1 a fermion: link the fermion species
                a = model.anti(v.particles[2 * k])
                b = model.particle(v.particles[2 * k + 1])
                fa = a.name if a.pdg > 0 else a.anti_name
                fb = b.name if b.pdg > 0 else b.anti_name
                parent[find(fa)] = find(fb)
        self.family = {
            p.pdg: find(p.name if p.pdg > 0 else p.anti_name) for p in model.particles if p.is_fermion
        }

    def allowed(self, pdg_ids: Sequence[int], n_initial: int) -> bool:
        charge = 0.0
        number: Counter[str] = Counter()
        for i, pdg in enumerate(pdg_ids):
            sign = 1 if i < n_initial else -1
            p = self.model.particle(pdg)
            charge += sign * p.charge
            if pdg in self.family:
                number[self.family[pdg]] += sign * (1 if pdg > 0 else -1)
        return abs(charge) < 1e-9 and not any(number.values())


def _particle_key(model: Model):
    cache: dict[str, tuple] = {}

    def key(name: str) -> tuple:
        if name not in cache:
            p = model.particle(name)
            cache[name] = (p.spin, p.colour, p.mass, p.width, p.self_conjugate)
        return cache[name]

    return key


def _has_resonances(diagram: Diagram, resonances: tuple[tuple[int, tuple[int, ...]], ...]) -> bool:
    """Whether every (PDG id, legs) is an s-channel propagator of the diagram."""
    have = {(p.pdg, tuple(sorted(p.legs))) for p in diagram.s_channels}
    return all(r in have for r in resonances)


def _part_orders(diagram: Diagram, resonances) -> list[dict[str, int]]:
    """Coupling orders of the production part and of each outermost decay of a chain diagram.

    A vertex belongs to a decay when all its lines lie inside it: final legs of the decay
    or s-channel propagators into a subset of its legs (the resonance itself included)."""
    n = len(diagram.pdg_ids)
    top = [set(legs) for _, legs in resonances if not any(set(legs) < set(o) for _, o in resonances)]
    parts: list[dict[str, int]] = [{} for _ in range(len(top) + 1)]
    for dv in diagram.vertices:
        home = 0
        for k, legs in enumerate(top, start=1):
            inside = all((li in legs) if li < n else
                         (diagram.propagators[li - n].channel == "s" and set(diagram.propagators[li - n].legs) <= legs)
                         for li in dv.lines)
            if inside:
                home = k
                break
        for order, value in dv.vertex.orders.items():
            parts[home][order] = parts[home].get(order, 0) + value
    return parts


def _chain_diagrams(diagrams: list[Diagram], resonances, constraints, hierarchy) -> list[Diagram]:
    """The diagrams with every resonance whose production part meets the order constraints."""
    keep = [d for d in diagrams if _has_resonances(d, resonances)]
    return [d for d in keep if all(c.accepts(_part_orders(d, resonances)[0], hierarchy) for c in constraints)]


def _part_weights(diagram: Diagram, resonances, constrained: bool, hierarchy) -> tuple[int | None, ...]:
    """WEIGHTED of each part; the production's is None when orders were given (no lowest rule)."""
    w = [weighted_order(p, hierarchy) for p in _part_orders(diagram, resonances)]
    return (None if constrained else w[0], *w[1:])


def _lowest_part_weights(built, resonances, constrained: bool, hierarchy) -> tuple[int | None, ...] | None:
    """Per part the lowest WEIGHTED over the multiprocess (MG5 takes each decay at its
    lowest order, and the production too unless orders are given)."""
    weights = [_part_weights(d, resonances, constrained, hierarchy) for ds in built.values() for d in ds]
    if not weights:
        return None
    return tuple(None if col[0] is None else min(col) for col in zip(*weights, strict=True))


def expand_subprocesses(
    model: Model,
    legs: Sequence[Sequence[int]],
    n_initial: int = 2,
    orders: Mapping[str, int | tuple[str, int]] | Iterable[OrderConstraint] | str | None = None,
    forbidden: Iterable[int | str] = (),
    forbidden_s_channels: Iterable[int | str] = (),
    required_s_channels: Iterable[int | str] = (),
    combine: bool = True,
    decays: Sequence[tuple[int | str, Sequence[int]]] = (),
) -> list[Subprocess]:
    """The partonic subprocesses of a multiparticle process (see the module docstring).

    `legs`: PDG ids allowed on each leg, initial legs first. The other arguments are as
    in `madnis_plugin.process.diagrams.generate_diagrams`. `decays` (a decay chain): pairs
    (particle, legs) each requiring an s-channel propagator of that particle turning into
    exactly those final-state legs (0-based process order). With ``combine=False`` every
    flavour assignment (mirrors still folded) is its own subprocess. Raises
    `NoDiagramsError` when no assignment has a diagram.
    """
    legs = [list(dict.fromkeys(int(p) for p in leg)) for leg in legs]
    if any(not leg for leg in legs):
        raise ValueError("every leg needs at least one particle")
    constraints = parse_orders(orders)
    forbidden = list(forbidden)
    forbidden_s = list(forbidden_s_channels)
    required_s = list(required_s_channels)
    cons = _Conservation(model)
    use_mirrors = n_initial == 2 and sorted(legs[0]) == sorted(legs[1])

    # 1-2: candidate assignments in MG5's order, duplicates and mirrors folded.
    seen: dict[tuple, tuple[int, ...]] = {}  # (initial, sorted final) -> kept assignment
    mirror_of: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    candidates: list[tuple[int, ...]] = []
    for combo in itertools.product(*legs):
        if not cons.allowed(combo, n_initial):
            continue
        ini, fin = combo[:n_initial], tuple(sorted(combo[n_initial:]))
        if (ini, fin) in seen:
            continue
        if use_mirrors and ini[0] != ini[1] and (ini[::-1], fin) in seen:
            base = seen[(ini[::-1], fin)]
            seen[(ini, fin)] = base
            # the mirror's final legs in the base's order
            mirror_of[base].append(ini + base[n_initial:])
            continue
        seen[(ini, fin)] = combo
        mirror_of[combo] = []
        candidates.append(combo)

    # 3: coupling orders (MG5's lowest WEIGHTED over the whole multiprocess by default).
    gens = {}
    # With decays the orders constrain the production part only (applied below).
    h = model.order_hierarchy
    whole = ([] if decays else constraints) + expansion_limits(model, constraints)
    for combo in candidates:
        gen = _prepare(model, combo, n_initial, forbidden, forbidden_s, whole)
        opts = [o for o in gen.root_orders() if all(c.accepts(dict(o), h) for c in whole)]
        if opts:
            gens[combo] = (gen, opts)
    if not constraints and gens and not decays:
        lowest = min(weighted_order(dict(o), h) for _, opts in gens.values() for o in opts)
        gens = {
            c: (g, [o for o in opts if weighted_order(dict(o), h) == lowest])
            for c, (g, opts) in gens.items()
            if any(weighted_order(dict(o), h) == lowest for o in opts)
        }

    built = {combo: _build(gen, opts, model, required_s) for combo, (gen, opts) in gens.items()}
    resonances = tuple((model.particle(p).pdg, tuple(sorted(int(i) for i in legs))) for p, legs in decays)
    if resonances:
        built = {c: _chain_diagrams(ds, resonances, constraints, h) for c, ds in built.items()}
        lowest = _lowest_part_weights(built, resonances, bool(constraints), h)
        built = {c: [d for d in ds if _part_weights(d, resonances, bool(constraints), h) == lowest]
                 for c, ds in built.items()}

    names = {p.pdg: p.name for p in model.particles}
    pkey = _particle_key(model)
    subprocesses: list[Subprocess] = []
    by_signature: dict[tuple, Subprocess] = {}
    for combo in candidates:
        diagrams = built.get(combo)
        if not diagrams:
            continue
        flavours = [combo, *mirror_of[combo]]
        mirrored = [False] + [True] * len(mirror_of[combo])
        if combine:
            sig = (
                tuple(pkey(model.particle(p).name) for p in combo),
                tuple(
                    sorted(repr(sorted(map(repr, d.signature(pkey)))) + str(d.fermion_sign) for d in diagrams)
                ),
            )
            if sig in by_signature:
                sp = by_signature[sig]
                sp.flavours += flavours
                sp.mirrored += mirrored
                continue
        sp = Subprocess(
            pdg_ids=combo,
            names=tuple(names[p] for p in combo),
            n_initial=n_initial,
            diagrams=diagrams,
            flavours=flavours,
            mirrored=mirrored,
            decays=resonances,
            _model_names=names,
        )
        if combine:
            by_signature[sig] = sp
        subprocesses.append(sp)

    if not subprocesses:
        label = " ".join("/".join(names.get(p, str(p)) for p in leg) for leg in legs[:n_initial])
        label += " > " + " ".join("/".join(names.get(p, str(p)) for p in leg) for leg in legs[n_initial:])
        extra = f" with {' '.join(map(str, constraints))}" if constraints else ""
        raise NoDiagramsError(
            f"no tree-level diagrams for any subprocess of {label}{extra} in model {model.name}"
        )
    # Within a subprocess list the directly combined flavours first, then the mirrors (as MG5 prints).
    for sp in subprocesses:
        pairs = sorted(zip(sp.flavours, sp.mirrored, strict=True), key=lambda fm: fm[1])
        sp.flavours = [f for f, _ in pairs]
        sp.mirrored = [m for _, m in pairs]
    return subprocesses
