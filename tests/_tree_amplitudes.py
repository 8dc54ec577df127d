"""A slow, explicit tree-amplitude evaluator for testing the model's vertex conventions.

Test helper only. It evaluates the diagrams of `madnis_plugin.process.diagrams` with
dense numpy tensors: every vertex is built as a full (colour x spin) tensor from the
Feynman rules stated in `madnis_plugin.models.model` and contracted with explicit
Dirac spinors and polarisation vectors, summing over all colours and helicities by
brute force. Nothing here is meant to be fast or to be used outside the tests; the real
matrix elements are generated code.

Propagators: fermion i(pslash + m)/(p^2 - m^2 + i m w) with p along the fermion arrow;
vector -i(g - p p/M^2)/(p^2 - M^2 + i M w) (unitary gauge; -i g/p^2 when massless);
scalar i/(p^2 - M^2 + i M w). The amplitude is M with iM = product of vertex factors
and propagators, times the diagram's fermion sign.
"""

from __future__ import annotations

import string
from collections import Counter
from math import factorial

import numpy as np

from madnis_plugin.models.model import Model, Vertex
from madnis_plugin.process.diagrams import Diagram

METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
_S = [
    np.array([[0, 1], [1, 0]], complex),
    np.array([[0, -1j], [1j, 0]]),
    np.array([[1, 0], [0, -1]], complex),
]
_I2, _Z2 = np.eye(2), np.zeros((2, 2))
GAMMA = np.array(
    [np.block([[_I2, _Z2], [_Z2, -_I2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _S], dtype=complex
)
GAMMA5 = np.block([[_Z2, _I2], [_I2, _Z2]]).astype(complex)
PL, PR = (np.eye(4) - GAMMA5) / 2, (np.eye(4) + GAMMA5) / 2
GAMMA_LOWER = np.einsum("mn,nab->mab", METRIC, GAMMA)

# SU(3): T^a = lambda^a / 2 and f^{abc} = -2 i Tr([T^a, T^b] T^c).
_L = np.zeros((8, 3, 3), complex)
_L[0][0, 1] = _L[0][1, 0] = 1
_L[1][0, 1], _L[1][1, 0] = -1j, 1j
_L[2][0, 0], _L[2][1, 1] = 1, -1
_L[3][0, 2] = _L[3][2, 0] = 1
_L[4][0, 2], _L[4][2, 0] = -1j, 1j
_L[5][1, 2] = _L[5][2, 1] = 1
_L[6][1, 2], _L[6][2, 1] = -1j, 1j
_L[7] = np.diag([1, 1, -2]) / np.sqrt(3)
TA = _L / 2
FABC = np.real(
    -2j * np.einsum("aij,bjk,cki->abc", TA, TA, TA) + 2j * np.einsum("bij,ajk,cki->abc", TA, TA, TA)
)


def slash(p: np.ndarray) -> np.ndarray:
    return np.einsum("m,mab->ab", METRIC @ p, GAMMA)


def dirac_spinors(p: np.ndarray, m: float, anti: bool) -> list[np.ndarray]:
    """The two u (or v) spinors of momentum p in the Dirac representation."""
    e, pv = p[0], p[1:]
    sp = sum(pv[k] * _S[k] for k in range(3))
    out = []
    for chi in (np.array([1, 0], complex), np.array([0, 1], complex)):
        if not anti:
            out.append(np.sqrt(e + m) * np.concatenate([chi, sp @ chi / (e + m)]))
        else:
            out.append(np.sqrt(e + m) * np.concatenate([sp @ chi / (e + m), chi]))
    return out


def polarisations(p: np.ndarray, m: float) -> list[np.ndarray]:
    """Real polarisation vectors (upper index): two transverse, plus longitudinal if massive."""
    pv = p[1:]
    n = pv / np.linalg.norm(pv)
    trial = np.array([1.0, 0, 0]) if abs(n[0]) < 0.9 else np.array([0, 1.0, 0])
    e1 = np.cross(n, trial)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(n, e1)
    pols = [np.concatenate([[0.0], e1]), np.concatenate([[0.0], e2])]
    if m > 0:
        pols.append(np.concatenate([[np.linalg.norm(pv)], p[0] * n]) / m)
    return pols


def _colour_dim(model: Model, name: str) -> int:
    return abs(model.particle(name).colour)


def _lorentz_dim(model: Model, name: str) -> int:
    return 1 if model.particle(name).spin == 1 else 4


def _colour_tensor(colour: str, dims: list[int]) -> np.ndarray:
    if colour == "1":
        return np.ones([1] * len(dims))
    shape = dims
    if colour == "Identity(0,1)":
        return np.eye(3).reshape(shape)
    if colour == "T(2,0,1)":
        return np.einsum("aij->ija", TA).reshape(shape)
    if colour == "f(0,1,2)":
        return FABC.reshape(shape)
    pairs = {
        "f(0,1,-1)*f(2,3,-1)": "abe,cde->abcd",
        "f(0,2,-1)*f(1,3,-1)": "ace,bde->abcd",
        "f(0,3,-1)*f(1,2,-1)": "ade,bce->abcd",
    }
    return np.einsum(pairs[colour], FABC, FABC)


def _lorentz_tensor(lorentz: str, q: list[np.ndarray]) -> np.ndarray:
    g = METRIC
    if lorentz in ("FFV_L", "FFV_R"):
        proj = PL if lorentz == "FFV_L" else PR
        return np.einsum("mab,bc->acm", GAMMA_LOWER, proj)
    if lorentz in ("FFS_L", "FFS_R"):
        return (PL if lorentz == "FFS_L" else PR).reshape(4, 4, 1)
    if lorentz == "VVV":
        ql = [g @ x for x in q]
        return (
            np.einsum("ab,c->abc", g, ql[0] - ql[1])
            + np.einsum("bc,a->abc", g, ql[1] - ql[2])
            + np.einsum("ca,b->abc", g, ql[2] - ql[0])
        )
    if lorentz.startswith("VVVV_"):
        a, b, c, d = (int(x) for x in lorentz[7:-1].replace("|", ",").split(","))
        letters = "wxyz"

        def gg(i: int, j: int, k: int, m: int) -> np.ndarray:
            return np.einsum(f"{letters[i]}{letters[j]},{letters[k]}{letters[m]}->wxyz", g, g)

        if lorentz.startswith("VVVV_A"):
            return gg(a, c, b, d) - gg(a, d, b, c)
        return 2 * gg(a, b, c, d) - gg(a, c, b, d) - gg(a, d, b, c)
    if lorentz == "VVS":
        return g.reshape(4, 4, 1)
    if lorentz == "VVSS":
        return g.reshape(4, 4, 1, 1)
    if lorentz in ("SSS", "SSSS"):
        return np.ones([1] * (3 if lorentz == "SSS" else 4))
    raise ValueError(lorentz)


def vertex_tensor(model: Model, vertex: Vertex, q: list[np.ndarray]) -> np.ndarray:
    """The full vertex (coupling x colour x Lorentz) with one (colour*spin) axis per slot."""
    values = model.values
    cdims = [_colour_dim(model, n) for n in vertex.particles]
    ldims = [_lorentz_dim(model, n) for n in vertex.particles]
    k = len(vertex.particles)
    total = 0
    for term in vertex.terms:
        c = _colour_tensor(term.colour, cdims)
        lor = _lorentz_tensor(term.lorentz, q)
        ca, la = string.ascii_lowercase[:k], string.ascii_uppercase[:k]
        t = np.einsum(f"{ca},{la}->" + "".join(x + y for x, y in zip(ca, la, strict=True)), c, lor)
        total = total + term.coupling.value(values) * t
    return total.reshape([c * lo for c, lo in zip(cdims, ldims, strict=True)])


class TreeEvaluator:
    """|M|^2 of a list of diagrams at given momenta, summed over colours and helicities."""

    def __init__(self, model: Model, diagrams: list[Diagram]) -> None:
        self.model = model
        self.diagrams = diagrams
        d0 = diagrams[0]
        self.pdg = d0.pdg_ids
        self.n = len(self.pdg)
        self.n_initial = d0.n_initial

    def external(
        self, i: int, p: np.ndarray, gauge: bool = False, pols: list[int] | None = None
    ) -> np.ndarray:
        """Wavefunctions of leg i as rows of a (states, colour*spin) matrix."""
        part = self.model.particle(self.pdg[i])
        m = self.model.mass(part.pdg)
        initial = i < self.n_initial
        ncol = abs(part.colour)
        if part.spin == 2:
            if initial:
                spins = dirac_spinors(p, m, anti=part.pdg < 0)
                if part.pdg < 0:  # vbar, a row spinor
                    spins = [s.conj() @ GAMMA[0] for s in spins]
            else:
                spins = dirac_spinors(p, m, anti=part.pdg < 0)
                if part.pdg > 0:  # ubar
                    spins = [s.conj() @ GAMMA[0] for s in spins]
        elif part.spin == 3:
            spins = [p.astype(complex)] if gauge else [e.astype(complex) for e in polarisations(p, m)]
            if pols is not None:
                spins = [spins[k] for k in pols]
        else:
            spins = [np.ones(1, complex)]
        rows = []
        for c in range(ncol):
            for s in spins:
                row = np.zeros((ncol, len(s)), complex)
                row[c] = s
                rows.append(row.ravel())
        return np.array(rows)

    def amplitudes(self, momenta: np.ndarray, gauge_leg: int | None = None, pols=None) -> np.ndarray:
        """The summed amplitude as an array over every leg's (colour, helicity) states."""
        momenta = np.asarray(momenta, float)
        pols = pols or {}
        wfs = [self.external(i, momenta[i], gauge=(i == gauge_leg), pols=pols.get(i)) for i in range(self.n)]
        q_in = [momenta[i] if i < self.n_initial else -momenta[i] for i in range(self.n)]
        total = 0
        for d in self.diagrams:
            total = total + d.fermion_sign * self._diagram(d, wfs, q_in)
        return total

    def me2(self, momenta: np.ndarray) -> float:
        """Colour- and helicity-summed |M|^2, averaged over the initial state, over symmetry factor."""
        amp = self.amplitudes(momenta)
        avg = 1
        for i in range(self.n_initial):
            part = self.model.particle(self.pdg[i])
            nhel = 2 if part.spin == 2 else (2 if self.model.mass(part.pdg) == 0 else 3)
            avg *= abs(part.colour) * (nhel if part.spin != 1 else 1)
        sym = 1
        for c in Counter(self.pdg[self.n_initial :]).values():
            sym *= factorial(c)
        return float(np.sum(np.abs(amp) ** 2)) / avg / sym

    # -- recursion over the diagram tree ---------------------------------------------

    def _diagram(self, d: Diagram, wfs: list[np.ndarray], q_in: list[np.ndarray]) -> np.ndarray:
        where: dict[int, list[tuple[int, int]]] = {}
        for vi, dv in enumerate(d.vertices):
            for s, line in enumerate(dv.lines):
                where.setdefault(line, []).append((vi, s))
        root_leg = self.n - 1
        (root_vertex, _root_slot) = where[root_leg][0]
        tensor, legs = self._contract(d, root_vertex, None, where, wfs, q_in)
        # batch axes come in the order of `legs`; bring them to leg order
        perm = np.argsort(legs)
        return -1j * np.transpose(tensor, perm)

    def _contract(self, d, vi, out_slot, where, wfs, q_in):
        """Contract vertex vi with the currents on all its slots but out_slot."""
        dv = d.vertices[vi]
        inputs, q_slots = [], []
        for s, line in enumerate(dv.lines):
            if s == out_slot:
                q_slots.append(None)
                continue
            if line < self.n:
                inputs.append((s, wfs[line], [line]))
                q_slots.append(q_in[line])
            else:
                (other_vi, other_slot) = next(x for x in where[line] if x[0] != vi)
                cur, legs = self._contract(d, other_vi, other_slot, where, wfs, q_in)
                p = sum(q_in[leg] for leg in legs)
                cur = self._propagate(d, line, other_vi, other_slot, cur, p)
                inputs.append((s, cur, legs))
                q_slots.append(p)
        if out_slot is not None:
            q_slots[out_slot] = -sum(x for x in q_slots if x is not None)
        vt = vertex_tensor(self.model, dv.vertex, q_slots)
        letters = iter(string.ascii_letters)
        slot_letters = [next(letters) for _ in dv.lines]
        leg_letters = {leg: next(letters) for leg in range(self.n)}
        operands, subs = [vt], ["".join(slot_letters)]
        out_legs = []
        for s, arr, legs in inputs:
            operands.append(arr)
            subs.append("".join(leg_letters[x] for x in legs) + slot_letters[s])
            out_legs += legs
        out = "".join(leg_letters[x] for x in out_legs) + (
            slot_letters[out_slot] if out_slot is not None else ""
        )
        res = np.einsum(",".join(subs) + "->" + out, *operands, optimize=True)
        return res, out_legs

    def _propagate(self, d, line, vi, slot, cur, p):
        """Apply the propagator of `line`, whose current was produced by vertex vi at `slot`."""
        name = d.vertices[vi].vertex.particles[slot]
        part = self.model.particle(name)
        m, w = self.model.mass(part.pdg), self.model.width(part.pdg)
        p2 = p @ METRIC @ p
        den = p2 - m * m + 1j * m * w
        ncol = abs(part.colour)
        shape = cur.shape
        cur = cur.reshape(*shape[:-1], ncol, -1)
        if part.spin == 2:
            # slot 0 produced a column spinor (arrow along p), slot 1 a row spinor (arrow along -p)
            if slot == 0:
                s = 1j * (slash(p) + m * np.eye(4)) / den
                cur = np.einsum("ab,...b->...a", s, cur)
            else:
                s = 1j * (slash(-p) + m * np.eye(4)) / den
                cur = np.einsum("...a,ab->...b", cur, s)
        elif part.spin == 3:
            ginv = METRIC  # g^{mu nu} has the same entries
            num = ginv - (np.outer(p, p) / (m * m) if m > 0 else 0)
            cur = np.einsum("mn,...n->...m", -1j * num / den, cur)
        else:
            cur = 1j * cur / den
        return cur.reshape(shape)


__all__ = ["TreeEvaluator", "dirac_spinors", "polarisations", "vertex_tensor"]
