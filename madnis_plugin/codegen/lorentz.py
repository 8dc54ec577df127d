"""Helicity-amplitude routines generated from any Lorentz structure of a vertex.

The hand-written routines of `csrc/include/madnis/helas/vertices.h` cover the structures
of the built-in models. A UFO model may use others (an effective g g h vertex with
momenta, epsilon tensors, sigma^{mu nu} couplings ...). For those this module writes the
routines: the amplitude of the vertex and the off-shell current of each of its legs,
in C++ that compiles for the CPU and CUDA alike and follows the conventions of
vertices.h exactly (all legs incoming; the vertex factor is sum_k c_k L_k with the
couplings c_k carrying their i; a current is the propagator times the vertex with that
leg open; vector components contravariant, contracted with g = diag(1,-1,-1,-1)).

How: each structure L is expanded symbolically into its components
(`madnis_plugin.models.lorentz_components`),
    L[i_1 ... i_n] = polynomial in the leg momenta p_k^mu,
one index per fermion leg (spinor index, chiral basis) or vector leg (upper Lorentz
index); scalar legs carry none. The generated code contracts the non-zero components
with the wavefunctions one leg at a time (each wavefunction component multiplies a
partial sum once) and multiplies each structure by its coupling once. The momentum of an open leg is minus the sum
of the others (momentum conservation at the vertex).

Input structures are in *our* slot convention: index k + 1 is slot k of
`madnis_plugin.models.model.Vertex.particles` and ``P(mu, k + 1)`` the momentum flowing
into the vertex along slot k (`madnis_plugin.models.lorentz_fit.to_incoming` rewrites a
UFO structure so). Fermion slots come first, in pairs: slot 2i is the psibar end (row
spinor) and slot 2i + 1 the psi end (column spinor) of fermion line i, as for FFV and FFS.

This module knows nothing of diagrams; `madnis_plugin.codegen.program` decides which
routine each vertex of a diagram calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from madnis_plugin.models.lorentz_components import METRIC_SIGN, Poly, expand, scale

__all__ = ["LorentzRoutines"]

# --- C++ emission ------------------------------------------------------------------------------


def _num(x: float) -> str:
    return repr(float(x))


def _poly_cpp(poly: Poly, part: str) -> str | None:
    """C++ for the real or imaginary part of a polynomial (None when it is zero)."""
    terms = []
    for mono, c in sorted(poly.items()):
        v = c.real if part == "re" else c.imag
        if v == 0:
            continue
        factors = [f"P{k}[{mu}]" for k, mu in mono]
        if not factors:
            terms.append(_num(v))
        elif v == 1:
            terms.append("*".join(factors))
        elif v == -1:
            terms.append("-" + "*".join(factors))
        else:
            terms.append(_num(v) + "*" + "*".join(factors))
    if not terms:
        return None
    return " + ".join(terms).replace("+ -", "- ")


_PROPAGATE = {1: "propagate_scalar", 3: "propagate_vector"}


@dataclass(frozen=True)
class LorentzRoutines:
    """The generated routines of one vertex class: slot spins and the Lorentz structures
    (our convention) whose coupling-weighted sum is the vertex, in coupling order."""

    spins: tuple[int, ...]
    structures: tuple[str, ...]

    @cached_property
    def name(self) -> str:
        digest = hashlib.sha1(repr((self.spins, self.structures)).encode()).hexdigest()[:10]
        letters = "".join({1: "S", 2: "F", 3: "V"}[s] for s in self.spins)
        return f"lor_{letters}_{digest}"

    @cached_property
    def components(self) -> list[dict[tuple[int, ...], Poly]]:
        return [expand(s, self.spins) for s in self.structures]

    def amplitude_name(self) -> str:
        return f"{self.name}_amp"

    def current_name(self, free: int) -> str:
        return f"{self.name}_j{free}"

    @property
    def _axes(self) -> list[int]:
        return [k for k, s in enumerate(self.spins) if s != 1]

    def _contracted(self, k: int, free: int | None) -> dict[tuple[int, ...], Poly]:
        """The components of structure k with the sign of lowering each contracted vector
        index folded in (the open slot's index stays upper)."""
        out = {}
        for idx, poly in self.components[k].items():
            sign = 1.0
            for axis, slot in enumerate(self._axes):
                if self.spins[slot] == 3 and slot != free:
                    sign *= METRIC_SIGN[idx[axis]]
            out[idx] = scale(poly, sign)
        return out

    def _nested(self, comps: dict[tuple[int, ...], Poly], slots: Sequence[int]) -> str | None:
        """C++ for sum_idx comps[idx] prod_s w_s[idx_s] over the contracted `slots` (all
        non-scalar slots but the open one), nested one slot at a time (Horner-like), so each
        wavefunction component multiplies a partial sum once; None when all are zero."""
        axis_of = {slot: self._axes.index(slot) for slot in slots}

        def times(x: str, poly: Poly) -> str | None:
            # x * poly, with the unit factors 1, -1, i, -i written without a multiplication
            re, im = _poly_cpp(poly, "re"), _poly_cpp(poly, "im")
            if im is None:
                return None if re is None else {"1.0": x, "-1.0": f"(-{x})"}.get(re, f"{x} * ({re})")
            if re is None:
                return {"1.0": f"times_i({x})", "-1.0": f"times_minus_i({x})"}.get(im, f"times_i({x} * ({im}))")
            return f"{x} * cplx({re}, {im})"

        def nest(items: list[tuple[tuple[int, ...], Poly]], depth: int) -> str | None:
            slot = slots[depth]
            groups: dict[int, list] = {}
            for idx, poly in items:
                groups.setdefault(idx[axis_of[slot]], []).append((idx, poly))
            parts = []
            for v, group in sorted(groups.items()):
                x = f"w{slot}.w[{v}]"
                if depth + 1 == len(slots):
                    ((_, poly),) = group
                    part = times(x, poly)
                else:
                    inner = nest(group, depth + 1)
                    part = None if inner is None else f"{x} * {inner}"
                if part is not None:
                    parts.append(part)
            return f"({' + '.join(parts)})" if parts else None

        items = [(idx, poly) for idx, poly in comps.items() if poly]
        if not items:
            return None
        if not slots:  # only scalar legs besides the open one: the single component
            ((_, poly),) = items
            re, im = _poly_cpp(poly, "re"), _poly_cpp(poly, "im")
            return f"cplx({re or '0.0'}, {im or '0.0'})"
        return nest(items, 0)

    def _scalar_factor(self, free: int | None) -> str:
        return "".join(f"w{k}.w[0] * " for k, s in enumerate(self.spins) if s == 1 and k != free)

    def _signature(self, free: int | None) -> str:
        wfs = [f"const Wf& w{k}" for k in range(len(self.spins)) if k != free]
        cps = [f"const cplx& c{k}" for k in range(len(self.structures))]
        extra = ["double m", "double width"] if free is not None else []
        return ", ".join(wfs + cps + extra)

    def _momenta(self, free: int | None) -> list[str]:
        """Declarations of the leg momenta the structures use (P_k of slot k - 1)."""
        used = {k for comps in self.components for poly in comps.values() for mono in poly for k, _ in mono}
        lines = []
        for k in range(len(self.spins)):
            if k != free and k + 1 in used:
                lines.append(f"    const real* P{k + 1} = w{k}.p;")
        if free is not None and free + 1 in used:
            lines.append(f"    const real P{free + 1}[4] = {{-j.p[0], -j.p[1], -j.p[2], -j.p[3]}};")
        return lines

    def amplitude_code(self) -> str:
        args = self._signature(None)
        body = self._momenta(None)
        sums = []
        for k in range(len(self.structures)):
            inner = self._nested(self._contracted(k, None), self._axes)
            if inner is not None:
                sums.append(f"c{k} * {inner}")
        body.append(f"    return {self._scalar_factor(None)}({' + '.join(sums) or 'cplx(0.0)'});")
        return "\n".join([f"MADNIS_HELAS_FN cplx {self.amplitude_name()}({args}) {{", *body, "}"])

    def current_code(self, free: int) -> str:
        args = self._signature(free)
        others = [k for k in range(len(self.spins)) if k != free]
        spin = self.spins[free]
        body = ["    Wf j;", "    for (int mu = 0; mu < 4; ++mu) {",
                "        j.p[mu] = " + " + ".join(f"w{k}.p[mu]" for k in others) + ";",
                "        j.w[mu] = cplx(0.0);", "    }"]
        body += self._momenta(free)
        contracted = [s for s in self._axes if s != free]
        axis = self._axes.index(free) if spin != 1 else None
        for comp in range(4 if axis is not None else 1):
            sums = []
            for k in range(len(self.structures)):
                comps = {idx: p for idx, p in self._contracted(k, free).items() if axis is None or idx[axis] == comp}
                inner = self._nested(comps, contracted)
                if inner is not None:
                    sums.append(f"c{k} * {inner}")
            if sums:
                body.append(f"    j.w[{comp}] = {self._scalar_factor(free)}({' + '.join(sums)});")
        if spin == 2:
            # an even slot is a psibar end: opening it leaves a column spinor; an odd slot, a row spinor
            body.append(f"    propagate_fermion_{'col' if free % 2 == 0 else 'row'}(j, m, width);")
        else:
            body.append(f"    {_PROPAGATE[spin]}(j, m, width);")
        body.append("    return j;")
        return "\n".join([f"MADNIS_HELAS_FN Wf {self.current_name(free)}({args}) {{", *body, "}"])
