"""Tree-level Feynman diagrams of one partonic process, built from a model's vertices.

`generate_diagrams(model, pdg_ids, ...)` returns every distinct tree diagram of a
2 -> n process (or 1 -> n decay) given as PDG ids, initial legs first. The
construction is Berends-Giele-like: every external leg is turned into an *incoming*
particle (final-state particles become their antiparticles), subsets of legs are
combined recursively into off-shell currents through the model's vertices (any
number of legs), and the diagrams are the ways to build the current of all legs but the last
one that attaches to the last leg. Each tree is produced once, because a current is
labelled by the set of legs it contains and a vertex by an unordered partition.

Coupling orders follow MG5: with no orders given, only the diagrams with the lowest
``WEIGHTED = QCD + 2*QED`` are kept; explicit constraints (``QCD=2`` i.e. QCD <= 2,
``QED<=4``, ``QED==2``, ``WEIGHTED<=5``) keep the diagrams that satisfy all of them and
leave the other orders free. ``/ X`` forbids X (and its antiparticle) on any internal
line; `forbidden_s_channels` removes every diagram with X as an s-channel propagator,
which is MG5's ``$$ X`` (since MG5 1.4.3 a single ``$ X`` keeps all diagrams and only
vetoes phase-space points where X is within bwcutoff widths of its mass shell; that
veto belongs to the phase-space/cut code, not here); `required_s_channels` (MG5's
``a b > X > c d``) keeps only diagrams with an s-channel X. Exclusions accept particle
names, PDG ids or the model's multiparticle labels.

This module knows nothing of colour algebra, helicity amplitudes or phase space; it
hands those parts a `Diagram` with its vertices, propagators and fermion flow.

Conventions of a `Diagram`
--------------------------
Lines are numbered: ``0 .. n-1`` are the external legs in process order, ``n, n+1, ...``
the propagators (in the order of `Diagram.propagators`). A `DiagramVertex` lists one
line per slot of its model vertex, whose particles are all *incoming* (see
`madnis_plugin.models.model`): an external initial-state leg enters as itself, a
final-state leg as its antiparticle, and a propagator enters one of its two vertices as
`Propagator.current_pdg` and the other as its antiparticle. Vertices and propagators
are in evaluation order (leaves first, as helicity-amplitude calls are made):
``vertices[k]`` produces ``propagators[k]`` (its line toward the last leg) from
lines made earlier, and the last vertex, which holds the last external leg, closes
the amplitude.

A propagator is described physically:

* s-channel: `legs` are the final-state legs it turns into, `pdg` the particle flowing
  into them (u d~ > e+ ve has one s-channel ``w+`` with legs (2, 3)); its momentum is
  the sum of those legs' momenta.
* t-channel: `legs` are the external legs on the side of initial leg 0 (including leg
  0), `pdg` the particle flowing from that side to the other; its momentum is
  p_0 minus the momenta of the final-state legs in `legs`.

`fermion_lines` lists each continuous fermion line as (out_leg, in_leg): the leg where
the fermion-number arrow leaves the diagram (outgoing fermion or incoming antifermion,
spinor ubar/vbar) and the leg where it enters (incoming fermion or outgoing
antifermion, spinor u/v). `fermion_sign` is the sign of the permutation that takes the
external legs, in process order, to (out_1, in_1, out_2, in_2, ...); the amplitude of a
diagram is fermion_sign times the product of its spinor chains, each written along the
arrow. Only relative signs between diagrams of one process are physical.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from madnis_plugin.models.model import ORDER_HIERARCHY, Model, Vertex
from madnis_plugin.process.limits import count_diagram

__all__ = [
    "Diagram",
    "DiagramVertex",
    "NoDiagramsError",
    "OrderConstraint",
    "Propagator",
    "expansion_limits",
    "generate_diagrams",
    "parse_orders",
    "weighted_order",
]


class NoDiagramsError(ValueError):
    """The process has no tree-level diagram with the requested orders and exclusions."""


# --- coupling orders ------------------------------------------------------------------

_OPS: dict[str, Callable[[int, int], bool]] = {
    "<=": operator.le,
    "=": operator.le,  # MG5: "QED=2" is an upper bound on the amplitude order
    "==": operator.eq,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True)
class OrderConstraint:
    """One coupling-order condition such as ``QED<=4`` (`order` may be ``WEIGHTED``)."""

    order: str
    op: str
    value: int

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown coupling-order operator {self.op!r}; use one of {', '.join(_OPS)}")
        if self.op == "=":
            object.__setattr__(self, "op", "<=")  # MG5's "QED=2" is the bound QED<=2

    def accepts(self, orders: Mapping[str, int], hierarchy: Mapping[str, int] | None = None) -> bool:
        have = weighted_order(orders, hierarchy) if self.order == "WEIGHTED" else orders.get(self.order, 0)
        return _OPS[self.op](have, self.value)

    def __str__(self) -> str:
        return f"{self.order}{self.op}{self.value}"


def parse_orders(
    orders: Mapping[str, int | tuple[str, int]] | Iterable[OrderConstraint] | str | None,
) -> list[OrderConstraint]:
    """Normalise coupling-order constraints.

    Accepts a string as written in a proc_card (``"QCD=2 QED<=4"``), a mapping
    (``{"QED": 2}`` meaning QED <= 2, or ``{"QED": ("==", 2)}``), or constraints.
    """
    if orders is None:
        return []
    if isinstance(orders, str):
        out = []
        for tok in orders.split():
            for op in ("<=", ">=", "==", "<", ">", "="):
                if op in tok:
                    name, _, val = tok.partition(op)
                    try:
                        out.append(OrderConstraint(name.strip(), op, int(val)))
                    except ValueError:
                        raise ValueError(f"malformed coupling order {tok!r}: expected e.g. QED<=2") from None
                    break
            else:
                raise ValueError(f"malformed coupling order {tok!r}: expected e.g. QED<=2")
        return out
    if isinstance(orders, Mapping):
        out = []
        for name, spec in orders.items():
            if isinstance(spec, tuple):
                out.append(OrderConstraint(name, spec[0], int(spec[1])))
            else:
                out.append(OrderConstraint(name, "<=", int(spec)))
        return out
    return list(orders)


def weighted_order(orders: Mapping[str, int], hierarchy: Mapping[str, int] | None = None) -> int:
    """MG5's WEIGHTED order: sum of each coupling order times its hierarchy (the model's,
    `Model.order_hierarchy`; by default QCD 1, QED 2, others 1)."""
    h = ORDER_HIERARCHY if hierarchy is None else hierarchy
    return sum(h.get(k, 1) * n for k, n in orders.items())


def expansion_limits(model: Model, constraints: Iterable[OrderConstraint]) -> list[OrderConstraint]:
    """The model's expansion_order bounds (MG5 adds e.g. HIG<=1) for orders the process
    does not constrain itself."""
    given = {c.order for c in constraints}
    return [OrderConstraint(k, "<=", v) for k, v in model.expansion_orders.items() if k not in given]


# --- diagram data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Propagator:
    """An internal line (see the module docstring for the orientation convention)."""

    line: int
    pdg: int
    name: str
    legs: tuple[int, ...]
    channel: str  # "s" or "t"
    mass: str
    width: str
    current_legs: tuple[int, ...] = field(repr=False)  # legs of the current it carries (never the last leg)
    current_pdg: int = field(repr=False)  # particle the current carries into the rest of the diagram

    @property
    def is_s_channel(self) -> bool:
        return self.channel == "s"


@dataclass(frozen=True)
class DiagramVertex:
    """A model vertex placed in a diagram: one line number per slot of `vertex.particles`."""

    vertex: Vertex
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Diagram:
    """One tree-level Feynman diagram (see the module docstring for the conventions)."""

    pdg_ids: tuple[int, ...]
    n_initial: int
    vertices: tuple[DiagramVertex, ...]
    propagators: tuple[Propagator, ...]
    orders: tuple[tuple[str, int], ...]
    fermion_lines: tuple[tuple[int, int], ...]
    fermion_sign: int
    names: tuple[str, ...] = field(repr=False)  # particle names of the external legs

    @property
    def order_dict(self) -> dict[str, int]:
        return dict(self.orders)

    @property
    def weighted(self) -> int:
        return weighted_order(self.order_dict)

    @property
    def s_channels(self) -> tuple[Propagator, ...]:
        return tuple(p for p in self.propagators if p.channel == "s")

    @property
    def t_channels(self) -> tuple[Propagator, ...]:
        return tuple(p for p in self.propagators if p.channel == "t")

    def line_name(self, line: int) -> str:
        n = len(self.pdg_ids)
        if line < n:
            return f"{self.names[line]}({line + 1})"
        return f"{self.propagators[line - n].name}[{line - n + 1}]"

    def __str__(self) -> str:
        process = " ".join(self.names[: self.n_initial]) + " > " + " ".join(self.names[self.n_initial :])
        verts = "  ".join("(" + " ".join(self.line_name(li) for li in dv.lines) + ")" for dv in self.vertices)
        props = ", ".join(
            f"{p.name}[{i + 1}] {p.channel}-channel legs {','.join(str(x + 1) for x in p.legs)}"
            for i, p in enumerate(self.propagators)
        )
        orders = " ".join(f"{k}={v}" for k, v in self.orders)
        sign = "" if self.fermion_sign > 0 else "  fermion sign -1"
        return f"{process}: {verts}  |  {props or 'no propagators'}  |  {orders}{sign}"

    def signature(self, particle_key: Callable[[str], object]) -> frozenset:
        """A flavour-blind fingerprint: equal for diagrams that give identical amplitudes.

        `particle_key` maps a particle name to what matters for the amplitude (mass,
        width, spin, colour ...); vertices contribute their coupling formulas.
        """
        items = []
        for dv in self.vertices:
            items.append(
                (
                    dv.vertex.key,
                    tuple(
                        sorted(
                            (li, repr(particle_key(p)))
                            for li, p in zip(dv.lines, dv.vertex.particles, strict=True)
                        )
                    ),
                )
            )
        return frozenset(items)


# --- generation -----------------------------------------------------------------------

# A current option: (vertex, output slot, ((child_mask, child_name, child_orders), ...)).
_Orders = tuple[tuple[str, int], ...]


def _add_orders(*parts: _Orders) -> _Orders:
    total: dict[str, int] = {}
    for part in parts:
        for k, v in part:
            total[k] = total.get(k, 0) + v
    return tuple(sorted(total.items()))


class _Generator:
    """The recursion over leg subsets; see `generate_diagrams`."""

    def __init__(
        self,
        model: Model,
        pdg_ids: tuple[int, ...],
        n_initial: int,
        forbidden: set[str],
        forbidden_s: set[str],
        max_constraints: list[OrderConstraint],
    ) -> None:
        self.model = model
        self.pdg_ids = pdg_ids
        self.n = len(pdg_ids)
        self.n_initial = n_initial
        self.forbidden = forbidden
        self.forbidden_s = forbidden_s
        self.max_constraints = max_constraints
        # All legs as incoming particles.
        self.incoming = [
            model.particle(p).name if i < n_initial else model.anti(p).name for i, p in enumerate(pdg_ids)
        ]
        self.initial_mask = (1 << n_initial) - 1
        # Vertex lookup: sorted names of all slots but one -> [(vertex, free slot)].
        self.lookup: dict[tuple[str, ...], list[tuple[Vertex, int]]] = {}
        for v in model.vertices:
            seen = set()
            for slot, name in enumerate(v.particles):
                rest = tuple(sorted(v.particles[:slot] + v.particles[slot + 1 :]))
                if (rest, name) in seen:
                    continue  # identical particles: one entry per distinct free particle
                seen.add((rest, name))
                self.lookup.setdefault(rest, []).append((v, slot))
        self.memo: dict[int, dict[str, dict[_Orders, list]]] = {}
        # a vertex with k legs joins k - 1 currents
        self.max_blocks = max((len(v.particles) - 1 for v in model.vertices), default=2)

    def is_s_channel(self, mask: int) -> bool:
        ini = mask & self.initial_mask
        return ini in (0, self.initial_mask) if self.n_initial == 2 else True

    def _allowed_partial(self, orders: _Orders) -> bool:
        # Upper bounds prune partial currents early: orders only grow along the recursion.
        od = dict(orders)
        for c in self.max_constraints:
            have = weighted_order(od, self.model.order_hierarchy) if c.order == "WEIGHTED" else od.get(c.order, 0)
            if (c.op in ("<=", "==") and have > c.value) or (c.op == "<" and have >= c.value):
                return False
        return True

    def currents(self, mask: int) -> dict[str, dict[_Orders, list]]:
        if mask in self.memo:
            return self.memo[mask]
        out: dict[str, dict[_Orders, list]] = {}
        if mask & (mask - 1) == 0:
            leg = mask.bit_length() - 1
            out[self.incoming[leg]] = {(): [None]}
            self.memo[mask] = out
            return out
        top = mask == (1 << (self.n - 1)) - 1
        for blocks in _partitions(mask, self.max_blocks):
            child_currents = [self.currents(b) for b in blocks]
            if any(not c for c in child_currents):
                continue
            for names in itertools.product(*[list(c) for c in child_currents]):
                key = tuple(sorted(names))
                for vertex, free in self.lookup.get(key, ()):
                    y = self.model.anti(vertex.particles[free]).name
                    if not top and not self._line_allowed(mask, y):
                        continue
                    for ords in itertools.product(
                        *[list(c[nm]) for c, nm in zip(child_currents, names, strict=True)]
                    ):
                        total = _add_orders(tuple(vertex.orders.items()), *ords)
                        if not self._allowed_partial(total):
                            continue
                        children = tuple(zip(blocks, names, ords, strict=True))
                        out.setdefault(y, {}).setdefault(total, []).append((vertex, free, children))
        self.memo[mask] = out
        return out

    def _line_allowed(self, mask: int, name: str) -> bool:
        if name in self.forbidden:
            return False
        return not (self.forbidden_s and name in self.forbidden_s and self.is_s_channel(mask))

    def root_orders(self) -> list[_Orders]:
        rest = (1 << (self.n - 1)) - 1
        y = self.model.anti(self.incoming[self.n - 1]).name
        return list(self.currents(rest).get(y, {}))

    def trees(self, orders: _Orders) -> Iterator[tuple]:
        rest = (1 << (self.n - 1)) - 1
        y = self.model.anti(self.incoming[self.n - 1]).name
        yield from self._expand(rest, y, orders)

    def _expand(self, mask: int, name: str, orders: _Orders) -> Iterator[tuple]:
        for option in self.memo[mask][name][orders]:
            if option is None:
                yield ("leg", mask.bit_length() - 1)
                continue
            vertex, free, children = option
            for subs in itertools.product(*[list(self._expand(b, nm, o)) for b, nm, o in children]):
                yield ("vertex", mask, name, vertex, free, tuple(zip(children, subs, strict=True)))


def _partitions(mask: int, max_blocks: int = 3) -> Iterator[tuple[int, ...]]:
    """Unordered partitions of a bit set into 2 .. max_blocks non-empty blocks (vertex
    arities 3 .. max_blocks + 1).

    Blocks are ordered by their lowest bit, so each partition comes once.
    """

    def blocks(m: int, k: int) -> Iterator[tuple[int, ...]]:  # 1 .. k blocks
        if k == 1:
            yield (m,)
            return
        low = m & -m
        rest = m ^ low
        sub = rest
        while True:
            first = low | sub
            remainder = m ^ first
            if remainder == 0:
                yield (first,)
            else:
                for tail in blocks(remainder, k - 1):
                    yield (first, *tail)
            if sub == 0:
                break
            sub = (sub - 1) & rest

    for p in blocks(mask, max_blocks):
        if len(p) >= 2:
            yield p


def generate_diagrams(
    model: Model,
    pdg_ids: Iterable[int],
    n_initial: int = 2,
    orders: Mapping[str, int | tuple[str, int]] | Iterable[OrderConstraint] | str | None = None,
    forbidden: Iterable[int | str] = (),
    forbidden_s_channels: Iterable[int | str] = (),
    required_s_channels: Iterable[int | str] = (),
    raise_if_empty: bool = True,
) -> list[Diagram]:
    """All tree-level diagrams of the process `pdg_ids` (initial legs first).

    `orders`: coupling-order constraints (see `parse_orders`); None or empty keeps the
    diagrams of lowest WEIGHTED order, as MG5 does. `forbidden` (MG5 ``/``),
    `forbidden_s_channels` (MG5 ``$$``: diagram removal) and `required_s_channels` take
    particle names, PDG ids or model multiparticle labels and act on the particle and
    its antiparticle. A process without diagrams raises `NoDiagramsError`
    (or returns ``[]`` when `raise_if_empty` is false).
    """
    pdg_ids = tuple(int(p) for p in pdg_ids)
    constraints = parse_orders(orders)
    bounds = constraints + expansion_limits(model, constraints)
    h = model.order_hierarchy
    gen = _prepare(model, pdg_ids, n_initial, forbidden, forbidden_s_channels, bounds)
    options = [o for o in gen.root_orders() if all(c.accepts(dict(o), h) for c in bounds)]
    if not constraints and options:
        lowest = min(weighted_order(dict(o), h) for o in options)
        options = [o for o in options if weighted_order(dict(o), h) == lowest]
    diagrams = _build(gen, options, model, required_s_channels)
    if not diagrams and raise_if_empty:
        raise NoDiagramsError(_no_diagram_message(model, pdg_ids, n_initial, constraints))
    return diagrams


def _prepare(
    model: Model,
    pdg_ids: tuple[int, ...],
    n_initial: int,
    forbidden: Iterable[int | str],
    forbidden_s: Iterable[int | str],
    constraints: list[OrderConstraint],
) -> _Generator:
    if n_initial not in (1, 2):
        raise ValueError(f"a process has 1 or 2 initial particles, not {n_initial}")
    if len(pdg_ids) < n_initial + 1 or (n_initial == 1 and len(pdg_ids) < 3):
        raise ValueError(f"process {pdg_ids} has too few final-state particles")

    def names(items: Iterable[int | str]) -> set[str]:
        out = set()
        for it in items:
            for pdg in model.multiparticles.get(it, [it]) if isinstance(it, str) else [it]:
                p = model.particle(pdg)
                out |= {p.name, p.anti_name}
        return out

    return _Generator(model, pdg_ids, n_initial, names(forbidden), names(forbidden_s), constraints)


def _build(
    gen: _Generator, options: list[_Orders], model: Model, required_s: Iterable[int | str]
) -> list[Diagram]:
    required = [{model.particle(r).name, model.particle(r).anti_name} for r in required_s]
    # (a required s-channel is one particle: "p p > z > e+ e-"; a multiparticle there is ambiguous)
    out = []
    where = _process_label(model, gen)
    for orders in sorted(options, key=lambda o: (weighted_order(dict(o), model.order_hierarchy), o)):
        for tree in gen.trees(orders):
            count_diagram(where)  # the limit and progress of madnis_plugin.process.limits
            d = _make_diagram(gen, tree, orders)
            if all(any(p.channel == "s" and p.name in names for p in d.propagators) for names in required):
                out.append(d)
    return out


def _process_label(model: Model, gen: _Generator) -> str:
    try:
        names = [model.particle(p).name for p in gen.pdg_ids]
    except (AttributeError, KeyError, ValueError):
        return ""
    return " ".join(names[: gen.n_initial]) + " > " + " ".join(names[gen.n_initial:])


def _no_diagram_message(
    model: Model, pdg_ids: tuple[int, ...], n_initial: int, cons: list[OrderConstraint]
) -> str:
    names = [model.particle(p).name for p in pdg_ids]
    proc = " ".join(names[:n_initial]) + " > " + " ".join(names[n_initial:])
    extra = f" with {' '.join(map(str, cons))}" if cons else ""
    return f"no tree-level diagrams for {proc}{extra} in model {model.name}"


def _make_diagram(gen: _Generator, tree: tuple, orders: _Orders) -> Diagram:
    model = gen.model
    n = gen.n
    last = n - 1
    props: list[Propagator] = []
    vertices: list[DiagramVertex] = []

    def walk(node: tuple, is_root: bool) -> int:
        """Place the vertices of `node` (children first); returns the line that carries it."""
        if node[0] == "leg":
            return node[1]
        _, mask, name, vertex, free, children = node
        child_lines = [(nm, walk(sub, False)) for (_b, nm, _o), sub in children]
        # The root current ends on the last external leg, not on a propagator.
        line = last if is_root else n + len(props)
        if not is_root:
            props.append(_propagator(gen, mask, name, line))
        slots: list[int | None] = [None] * len(vertex.particles)
        slots[free] = line
        for nm, li in child_lines:
            for s, part in enumerate(vertex.particles):
                if slots[s] is None and part == nm:
                    slots[s] = li
                    break
        vertices.append(DiagramVertex(vertex, tuple(slots)))  # type: ignore[arg-type]
        return line

    walk(tree, True)
    lines, sign = _fermion_flow(vertices, n)
    return Diagram(
        pdg_ids=gen.pdg_ids,
        n_initial=gen.n_initial,
        vertices=tuple(vertices),
        propagators=tuple(props),
        orders=orders,
        fermion_lines=lines,
        fermion_sign=sign,
        names=tuple(model.particle(p).name for p in gen.pdg_ids),
    )


def _propagator(gen: _Generator, mask: int, current: str, line: int) -> Propagator:
    model = gen.model
    legs = tuple(i for i in range(gen.n) if mask >> i & 1)
    part = model.particle(current)
    if gen.is_s_channel(mask):
        if mask & gen.initial_mask:
            # the current carries the initial state into the final-state legs outside it
            out_legs = tuple(i for i in range(gen.n_initial, gen.n) if i not in legs)
            flowing = part
        else:
            out_legs = legs
            flowing = model.anti(current)  # the current flows *into* the rest, i.e. out of these legs
        channel = "s"
    else:
        if mask & 1:
            out_legs, flowing = legs, part
        else:
            out_legs = tuple(i for i in range(gen.n) if i not in legs)
            flowing = model.anti(current)
        channel = "t"
    return Propagator(
        line=line,
        pdg=flowing.pdg,
        name=flowing.name,
        legs=out_legs,
        channel=channel,
        mass=flowing.mass,
        width=flowing.width,
        current_legs=legs,
        current_pdg=part.pdg,
    )


def _fermion_flow(vertices: list[DiagramVertex], n: int) -> tuple[tuple[tuple[int, int], ...], int]:
    """Follow each fermion line from its psi end to its psibar end; see the module docstring."""
    nxt: dict[int, tuple[int, DiagramVertex]] = {}  # line entering a vertex at its psi slot -> psibar line
    for dv in vertices:
        for k in range(dv.vertex.fermion_lines):
            nxt[dv.lines[2 * k + 1]] = (dv.lines[2 * k], dv)
    lines = []
    for start in range(n):
        if start not in nxt:
            continue
        cur = start
        while True:
            out, _ = nxt[cur]
            if out < n:
                break
            cur = out
        lines.append((out, start))
    order = [leg for pair in lines for leg in pair]
    inversions = sum(1 for i in range(len(order)) for j in range(i + 1, len(order)) if order[i] > order[j])
    return tuple(lines), (-1 if inversions % 2 else 1)
