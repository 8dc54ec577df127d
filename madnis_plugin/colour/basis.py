"""Colour decomposition of a process: flows per diagram, the flow basis and its matrix.

`diagram_flows` expands the colour factor of one diagram (a product of vertex colour
structures joined by internal lines) into colour flows with exact coefficients;
`ColourBasis.build` collects the flows of all diagrams of a process, computes the
colour matrix and the LHE colour tags of each leading flow. The amplitude is then

    M = sum_k J_k Delta_k,   J_k = sum_d c_{dk} A_d,   sum_colours |M|^2 = J^† CF J,

with A_d the colour-stripped amplitude of diagram d (or of one colour piece of it, for
the four-gluon vertex). Leading-colour partial amplitudes J_k (k without singlet
gluons) choose the colour flow of an event, with probability proportional to |J_k|^2.

This module does not evaluate amplitudes; see `madnis_plugin.codegen`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from madnis_plugin.colour.algebra import (
    I2,
    NC,
    ONE,
    Flow,
    GaussQ,
    Slot,
    add_term,
    colour_matrix,
    contract,
    icolup,
    is_leading,
    parse_colour,
)

__all__ = ["ColourBasis", "ColourVertex", "diagram_flows"]


@dataclass(frozen=True)
class ColourVertex:
    """One vertex of a diagram as the colour algebra sees it.

    `structure`: the model's colour string (``"T(2,0,1)"``); `lines`: the line number in
    each slot (external legs are ``0..n-1``); `colours`: the SU(3) representation of the
    particle entering each slot (1, 3, -3, 8).
    """

    structure: str
    lines: tuple[int, ...]
    colours: tuple[int, ...]


def diagram_flows(
    vertices: Sequence[ColourVertex], n_external: int, made_by: Mapping[int, int]
) -> dict[Flow, GaussQ]:
    """The colour factor of one diagram as {flow: exact coefficient}.

    `made_by[line]` is the index (in `vertices`) of the vertex at one end of each
    internal line; the other vertex holding the line is its other end. The orientation
    only fixes which of the two double-line indices is called row at which end.
    """
    factors: list[list[tuple[str, tuple[int, ...]]]] = [parse_colour(v.structure) for v in vertices]

    # Gluon lines and their double-line names; count them for the 1/2 of each T^a T^a.
    n_gluon_lines = 0
    t_ends: dict[int, int] = {}  # internal gluon line -> number of T factors using it
    for k, v in enumerate(vertices):
        for name, idx in factors[k]:
            if name == "T":
                li = v.lines[idx[0]]
                if li >= n_external:
                    t_ends[li] = t_ends.get(li, 0) + 1
        for slot, col in enumerate(v.colours):
            li = v.lines[slot]
            if col == 8 and (li < n_external or made_by[li] == k):
                n_gluon_lines += 1  # count each line once: at its external end or its maker
        # summed adjoint indices inside the vertex (f f products, T^e T^e); summed triplet
        # indices (T(a,i,-1) T(b,-1,j)) are no gluon line
        n_gluon_lines += len({i for name, idx in factors[k]
                              for i in (idx if name == "f" else idx[:1] if name == "T" else ()) if i < 0})
    u1_lines = sorted(li for li, n in t_ends.items() if n == 2)

    def quark(k: int, slot: int) -> Slot:
        if slot < 0:  # a summed triplet index inside the vertex: T(a,i,-1) T(b,-1,j)
            return ("d", k, slot)
        li = vertices[k].lines[slot]
        if li < n_external:
            return ("c", li) if vertices[k].colours[slot] == 3 else ("r", li)
        return ("q", li)

    def gluon(k: int, index: int, seen_internal: dict[int, int]) -> tuple[Slot, Slot]:
        """(row, col) names of a gluon index at vertex k."""
        if index < 0:
            first = seen_internal.setdefault(index, 0) == 0
            seen_internal[index] += 1
            u, w = ("u", "e", k, index), ("v", "e", k, index)
            return (u, w) if first else (w, u)
        li = vertices[k].lines[index]
        if li < n_external:
            return ("r", li), ("c", li)
        u, w = ("u", li), ("v", li)
        return (u, w) if made_by[li] == k else (w, u)

    result: dict[Flow, GaussQ] = {}
    half = Fraction(1, 2) ** n_gluon_lines
    for n_u1 in range(len(u1_lines) + 1):
        for u1 in itertools.combinations(u1_lines, n_u1):
            u1set = set(u1)
            alternatives: list[list[tuple[GaussQ, tuple[tuple[Slot, Slot], ...]]]] = []
            for k, v in enumerate(vertices):
                seen: dict[int, int] = {}
                for name, idx in factors[k]:
                    if name == "Identity" and v.colours[idx[0]] == 8:
                        # delta^ab of two gluons (effective g g h vertices) = 2 Tr(T^a T^b)
                        (ra, ca), (rb, cb) = (gluon(k, x, seen) for x in idx)
                        alternatives.append([(GaussQ(2), ((ra, cb), (rb, ca)))])
                    elif name == "Identity":
                        alternatives.append([(ONE, ((quark(k, idx[0]), quark(k, idx[1])),))])
                    elif name == "T":
                        i, j = quark(k, idx[1]), quark(k, idx[2])
                        if idx[0] >= 0 and v.lines[idx[0]] in u1set:
                            alternatives.append([(ONE, ((i, j),))])  # U(1) part: T^a -> delta
                        else:
                            r, c = gluon(k, idx[0], seen)
                            alternatives.append([(ONE, ((i, c), (r, j)))])
                    elif name == "f":
                        (ra, ca), (rb, cb), (rc, cc) = (gluon(k, x, seen) for x in idx)
                        # f^abc = -2i [Tr(T^a T^b T^c) - Tr(T^a T^c T^b)]
                        alternatives.append(
                            [(-I2, ((ra, cb), (rb, cc), (rc, ca))), (I2, ((ra, cc), (rc, cb), (rb, ca)))]
                        )
                    else:
                        raise ValueError(f"colour structure {name} is not supported (vertex {v.structure})")
            base = GaussQ(Fraction(-1, NC) ** n_u1 * half)
            for combo in itertools.product(*alternatives):
                coef = base
                pairs: list[tuple[Slot, Slot]] = []
                for c, ps in combo:
                    coef = coef * c
                    pairs.extend(ps)
                flow, loops = contract(pairs)
                add_term(result, flow, coef * Fraction(NC) ** loops)
    return result


@dataclass
class ColourBasis:
    """The colour-flow basis of a process and the decomposition of its amplitude pieces.

    `flows[k]`: sorted (column slot, row slot) pairs; `matrix[k][l]`: the exact colour
    matrix (sum over all colours, adjoint gluons); `coefficients[p]`: {flow index:
    coefficient} of amplitude piece p; `leading[k]`: flow k has no singlet gluon and
    may be chosen for an event; `icolup[k]`: LHE (ICOLUP(1), ICOLUP(2)) per leg.
    """

    n_external: int
    n_initial: int
    gluon_legs: tuple[int, ...]
    flows: list[Flow]
    matrix: list[list[Fraction]]
    coefficients: list[dict[int, GaussQ]]
    leading: list[bool] = field(default_factory=list)
    icolup: list[list[tuple[int, int]]] = field(default_factory=list)

    @classmethod
    def build(
        cls, pieces: Sequence[Mapping[Flow, GaussQ]], n_external: int, n_initial: int, gluon_legs: Sequence[int]
    ) -> ColourBasis:
        """Collect the flows of all amplitude pieces (in order of first appearance)."""
        index: dict[Flow, int] = {}
        coefficients = []
        for piece in pieces:
            row = {}
            for flow, coef in sorted(piece.items()):
                k = index.setdefault(flow, len(index))
                row[k] = coef
            coefficients.append(row)
        flows = list(index)
        gl = tuple(gluon_legs)
        basis = cls(
            n_external=n_external,
            n_initial=n_initial,
            gluon_legs=gl,
            flows=flows,
            matrix=colour_matrix(flows, gl),
            coefficients=coefficients,
        )
        basis.leading = [is_leading(f, gl) for f in flows]
        basis.icolup = [icolup(f, n_external, n_initial) for f in flows]
        return basis

    @property
    def n_flows(self) -> int:
        return len(self.flows)

    def colour_sum(self, jamps: Sequence[complex]) -> float:
        """sum_kl J_k^* CF_kl J_l for given partial amplitudes (a reference implementation)."""
        total = 0.0
        for k, jk in enumerate(jamps):
            for l, jl in enumerate(jamps):
                total += float(self.matrix[k][l]) * (jk.conjugate() * jl).real
        return total
