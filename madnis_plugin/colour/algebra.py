"""Exact SU(3) colour algebra in the colour-flow (double-line) representation.

Every colour factor of a tree diagram is a product of the model's vertex structures
(delta_ij, T^a_ij, f^abc, f^abe f^cde). Written in the double-line notation -- a gluon
line carries a colour and an anticolour index, T^a_ij T^a_kl = 1/2 (d_il d_kj -
1/N d_ij d_kl), f^abc = -2i Tr(T^a [T^b, T^c]) -- each factor becomes a sum of
products of Kronecker deltas d(row, col) between a row (3bar) and a column (3) index.
Contracting the internal indices leaves, for each diagram, a sum over *colour flows*:
perfect matchings of the external column slots to the external row slots, with exact
complex-rational coefficients (N = 3 is substituted, so 1/N terms are exact fractions).

Slots: an external leg ``i`` has a column slot ``("c", i)`` when it enters its vertex
as a colour triplet (incoming quark or outgoing antiquark, or a gluon's colour) and a
row slot ``("r", i)`` when it enters as an antitriplet (incoming antiquark, outgoing
quark, or a gluon's anticolour) -- all legs counted as incoming, as in
`madnis_plugin.models.model`.

External gluons are projected with T^a_{uv} *without* their U(1) (-1/N) part: the
partial amplitudes are then those of U(N) gluons, the traceless projection being put
into the colour matrix instead (`colour_matrix`). This keeps the flow basis free of
singlet-gluon terms at tree level.

This module knows nothing about diagrams or amplitudes; `madnis_plugin.colour.basis`
applies it to a process.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

#: Number of colours.
NC = 3

Slot = tuple  # ("c", leg) / ("r", leg) externally; other tuples are internal indices
Flow = tuple[tuple[Slot, Slot], ...]  # sorted (column slot, row slot) pairs


@dataclass(frozen=True)
class GaussQ:
    """An exact complex rational number re + i im (colour coefficients are such)."""

    re: Fraction = Fraction(0)
    im: Fraction = Fraction(0)

    def __add__(self, o: GaussQ) -> GaussQ:
        return GaussQ(self.re + o.re, self.im + o.im)

    def __mul__(self, o: GaussQ | Fraction | int) -> GaussQ:
        if isinstance(o, GaussQ):
            return GaussQ(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
        return GaussQ(self.re * o, self.im * o)

    __rmul__ = __mul__

    def __neg__(self) -> GaussQ:
        return GaussQ(-self.re, -self.im)

    def conjugate(self) -> GaussQ:
        return GaussQ(self.re, -self.im)

    def __bool__(self) -> bool:
        return bool(self.re) or bool(self.im)

    def __complex__(self) -> complex:
        return complex(float(self.re), float(self.im))

    def __str__(self) -> str:
        if not self.im:
            return str(self.re)
        if not self.re:
            return f"{self.im}i"
        return f"({self.re}{'+' if self.im > 0 else '-'}{abs(self.im)}i)"


ONE = GaussQ(Fraction(1))
I2 = GaussQ(Fraction(0), Fraction(2))  # 2i

# A product of deltas with a coefficient: (coefficient, ((row, col), ...)).
Term = tuple[GaussQ, tuple[tuple[Slot, Slot], ...]]


def parse_colour(structure: str) -> list[tuple[str, tuple[int, ...]]]:
    """Split a model colour structure (``"f(0,1,-1)*f(2,3,-1)"``) into its factors.

    Returns ``[(name, indices)]``; ``"1"`` gives an empty list. Non-negative indices are
    vertex slots, negative ones summed adjoint indices inside the vertex.
    """
    s = structure.replace(" ", "")
    if s in ("", "1"):
        return []
    out = []
    for factor in s.split("*"):
        m = re.fullmatch(r"(\w+)\(([-\d,]+)\)", factor)
        if m is None:
            raise ValueError(f"cannot read colour structure {structure!r}")
        out.append((m.group(1), tuple(int(x) for x in m.group(2).split(","))))
    return out


def contract(pairs: Iterable[tuple[Slot, Slot]]) -> tuple[Flow, int]:
    """Contract every index that occurs twice in a product of deltas d(row, col).

    Returns the remaining external pairs as a sorted flow of (column, row) and the number
    of closed index loops (each worth a factor N).
    """
    r2c: dict[Slot, Slot] = {}
    cols: set[Slot] = set()
    for r, c in pairs:
        r2c[r] = c
        cols.add(c)
    out = []
    seen: set[Slot] = set()
    for r, first in r2c.items():
        if r in cols:
            continue  # internal: reached by following a chain
        c = first
        while c in r2c:
            seen.add(c)
            c = r2c[c]
        out.append((c, r))
    loops = 0
    for r in r2c:
        if r in cols and r not in seen:
            loops += 1
            x = r
            while x not in seen:
                seen.add(x)
                x = r2c[x]
    return tuple(sorted(out)), loops


def add_term(acc: dict[Flow, GaussQ], flow: Flow, coef: GaussQ) -> None:
    total = acc.get(flow, GaussQ()) + coef
    if total:
        acc[flow] = total
    else:
        acc.pop(flow, None)


def overlap_loops(a: Mapping[Slot, Slot], b: Mapping[Slot, Slot]) -> int:
    """Number of index loops of sum_{indices} Delta_a^* Delta_b for two flows (column -> row maps)."""
    b_inv = {r: c for c, r in b.items()}
    seen: set[Slot] = set()
    loops = 0
    for start in a:
        if start in seen:
            continue
        loops += 1
        c = start
        while c not in seen:
            seen.add(c)
            c = b_inv[a[c]]  # column -> row along a, back to a column along b
    return loops


def colour_matrix(flows: Sequence[Flow], gluon_legs: Sequence[int]) -> list[list[Fraction]]:
    """CF[k][l] = sum over colours of C_k^* C_l for the flow basis, gluons in the adjoint.

    The flows carry U(N) external gluons with a factor 1/2 each (see the module
    docstring), so the physical colour sum is 2^{n_g} <Delta_k, P Delta_l> with P the
    product over gluons of the traceless projector 1 - |d><d|/N.
    """
    maps = [dict(f) for f in flows]
    subsets = [s for k in range(len(gluon_legs) + 1) for s in itertools.combinations(gluon_legs, k)]
    projected: list[list[tuple[Fraction, dict[Slot, Slot]]]] = []
    for m in maps:
        terms = []
        for subset in subsets:
            coef = Fraction(-1, NC) ** len(subset)
            t = dict(m)
            for g in subset:
                c, r = ("c", g), ("r", g)
                if t[c] == r:  # closed loop: the trace gives N, the delta is already there
                    coef *= NC
                    continue
                # join the column that met r with the row that c met, then tie c to r
                c_of_r = next(cc for cc, rr in t.items() if rr == r)
                t[c_of_r] = t[c]
                t[c] = r
            terms.append((coef, t))
        projected.append(terms)
    scale = 2 ** len(gluon_legs)
    n = len(flows)
    cf = [[Fraction(0)] * n for _ in range(n)]
    for k in range(n):
        for l in range(k, n):
            v = sum((coef * NC ** overlap_loops(maps[k], t) for coef, t in projected[l]), Fraction(0))
            cf[k][l] = cf[l][k] = v * scale
    return cf


def is_leading(flow: Flow, gluon_legs: Iterable[int]) -> bool:
    """A flow in which no gluon's colour returns to its own anticolour (no singlet gluon)."""
    d = dict(flow)
    return all(d.get(("c", g)) != ("r", g) for g in gluon_legs)


def icolup(flow: Flow, n_legs: int, n_initial: int, first_tag: int = 501) -> list[tuple[int, int]]:
    """LHE colour tags (ICOLUP(1), ICOLUP(2)) per leg for one flow.

    Each (column, row) pair is one colour line. A column slot is the colour of an
    incoming leg and the anticolour of an outgoing one; a row slot the reverse.
    """
    tags = [[0, 0] for _ in range(n_legs)]
    for k, ((_, cl), (_, rl)) in enumerate(flow):
        t = first_tag + k
        tags[cl][0 if cl < n_initial else 1] = t
        tags[rl][1 if rl < n_initial else 0] = t
    return [(a, b) for a, b in tags]


__all__ = [
    "NC",
    "Flow",
    "GaussQ",
    "Slot",
    "add_term",
    "colour_matrix",
    "contract",
    "icolup",
    "is_leading",
    "overlap_loops",
    "parse_colour",
]
