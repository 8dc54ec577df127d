"""The components of a Lorentz structure, expanded symbolically.

`expand` writes a UFO Lorentz expression (``Gamma``, ``Gamma5``, ``ProjM``/``ProjP``,
``Sigma``, ``Metric``, ``P``, ``PSlash``, ``Epsilon``, ``Identity``, ``C`` ...) as the
table of its non-zero components: one index per fermion leg (spinor index) or vector leg
(upper Lorentz index), each component a polynomial in the leg momenta p_k^mu with
complex coefficients. Summed (negative) indices are contracted with g = diag(1,-1,-1,-1)
for Lorentz indices. The conventions of the Dirac matrices, gamma5 and epsilon are
those of `madnis_plugin.models.lorentz_fit` (chiral basis, gamma5 = diag(-1,-1,1,1),
epsilon^{0123} = -1 as in MG5's ALOHA), which the hand-written HELAS routines share.

`madnis_plugin.codegen.lorentz` turns these tables into C++; this module writes no code.
"""

from __future__ import annotations

import ast
import cmath
import itertools
from collections.abc import Sequence

import numpy as np

from madnis_plugin.models.lorentz_fit import _EPS, _G5, _GAMMA, _ID4, _PL, _PR, UnsupportedLorentz, leg_axes

__all__ = ["METRIC_SIGN", "Poly", "expand", "scale"]

# --- polynomials in momentum components ---------------------------------------------------
# A polynomial is a dict {monomial: coefficient}; a monomial is a sorted tuple of (slot, mu)
# with slot the 1-based leg of P(mu, slot). The constant term has the monomial ().

Poly = dict


def _padd(a: Poly, b: Poly, scale: complex = 1.0) -> Poly:
    out = dict(a)
    for m, c in b.items():
        v = out.get(m, 0.0) + scale * c
        if v == 0:
            out.pop(m, None)
        else:
            out[m] = v
    return out


def _pmul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            m = tuple(sorted(ma + mb))
            v = out.get(m, 0.0) + ca * cb
            if v == 0:
                out.pop(m, None)
            else:
                out[m] = v
    return out


def scale(a: Poly, s: complex) -> Poly:
    return {m: c * s for m, c in a.items()} if s != 0 else {}


METRIC_SIGN = (1.0, -1.0, -1.0, -1.0)  # g_{mu mu}: lowering one index of a contraction


class _Sparse:
    """A tensor with labelled axes and polynomial components, only non-zero ones stored.

    Labels are (kind, index): kind 'L' (Lorentz) or 'S' (spinor); a label that appears
    twice is summed over (with the metric for Lorentz indices), as in UFO expressions.
    """

    def __init__(self, labels: Sequence[tuple[str, int]], entries: dict[tuple[int, ...], Poly]) -> None:
        self.labels = tuple(labels)
        self.entries = {k: v for k, v in entries.items() if v}
        self._self_contract()

    @classmethod
    def constant(cls, value: complex) -> _Sparse:
        return cls((), {(): {(): complex(value)}} if value != 0 else {})

    @classmethod
    def dense(cls, labels: Sequence[tuple[str, int]], array: np.ndarray) -> _Sparse:
        return cls(labels, {idx: {(): complex(array[idx])} for idx in itertools.product(range(4), repeat=array.ndim)
                            if array[idx] != 0})

    def _self_contract(self) -> None:
        while True:
            pair = next(((i, j) for i in range(len(self.labels)) for j in range(i + 1, len(self.labels))
                         if self.labels[i] == self.labels[j]), None)
            if pair is None:
                return
            i, j = pair
            lorentz = self.labels[i][0] == "L"
            out: dict[tuple[int, ...], Poly] = {}
            for idx, poly in self.entries.items():
                if idx[i] != idx[j]:
                    continue
                key = tuple(x for k, x in enumerate(idx) if k not in (i, j))
                out[key] = _padd(out.get(key, {}), poly, METRIC_SIGN[idx[i]] if lorentz else 1.0)
            self.labels = tuple(lab for k, lab in enumerate(self.labels) if k not in (i, j))
            self.entries = {k: v for k, v in out.items() if v}

    def _aligned(self, other: _Sparse) -> dict[tuple[int, ...], Poly]:
        if sorted(self.labels) != sorted(other.labels):
            raise UnsupportedLorentz(f"terms with different free indices {self.labels} and {other.labels}")
        order = [other.labels.index(lab) for lab in self.labels]
        return {tuple(idx[k] for k in order): p for idx, p in other.entries.items()}

    @staticmethod
    def _lift(x: object) -> _Sparse:
        if isinstance(x, _Sparse):
            return x
        if isinstance(x, (int, float, complex)):
            return _Sparse.constant(complex(x))
        raise UnsupportedLorentz(f"cannot use {x!r} in a Lorentz structure")

    def __add__(self, other: object) -> _Sparse:
        other = self._lift(other)
        if not self.labels and other.labels and not self.entries:
            return other
        if not other.labels and self.labels and not other.entries:
            return self
        out = dict(self.entries)
        for idx, p in self._aligned(other).items():
            out[idx] = _padd(out.get(idx, {}), p)
        return _Sparse(self.labels, out)

    __radd__ = __add__

    def __neg__(self) -> _Sparse:
        return _Sparse(self.labels, {k: scale(v, -1.0) for k, v in self.entries.items()})

    def __pos__(self) -> _Sparse:
        return self

    def __sub__(self, other: object) -> _Sparse:
        return self + (-self._lift(other))

    def __rsub__(self, other: object) -> _Sparse:
        return self._lift(other) + (-self)

    def __mul__(self, other: object) -> _Sparse:
        other = self._lift(other)
        out: dict[tuple[int, ...], Poly] = {}
        for ia, pa in self.entries.items():
            for ib, pb in other.entries.items():
                key = ia + ib
                out[key] = _padd(out.get(key, {}), _pmul(pa, pb))
        return _Sparse(self.labels + other.labels, out)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> _Sparse:
        if not isinstance(other, (int, float, complex)):
            raise UnsupportedLorentz("division by a tensor")
        return _Sparse(self.labels, {k: scale(v, 1.0 / complex(other)) for k, v in self.entries.items()})

    def __pow__(self, n: object) -> _Sparse:
        if not isinstance(n, int) or n < 1:
            raise UnsupportedLorentz(f"power {n!r} of a tensor")
        out = self
        for _ in range(n - 1):
            out = out * self
        return out


def _charge_conjugation() -> np.ndarray:
    # C = i gamma^2 gamma^0 in the chiral basis of lorentz_fit (C^T = -C, C gamma^mu C^-1 = -gamma^muT)
    return 1j * _GAMMA[2] @ _GAMMA[0]


def _namespace(n_slots: int) -> dict:
    def lor(*i: int) -> list[tuple[str, int]]:
        return [("L", int(x)) for x in i]

    def spin(*i: int) -> list[tuple[str, int]]:
        return [("S", int(x)) for x in i]

    def momentum(mu: int, k: int) -> _Sparse:
        if not 1 <= int(k) <= n_slots:
            raise UnsupportedLorentz(f"P({mu},{k}) refers to no leg")
        return _Sparse(lor(mu), {(nu,): {((int(k), nu),): 1.0} for nu in range(4)})

    dummies = itertools.count(-1000, -1)  # fresh summed indices for PSlash

    def pslash(i: int, j: int, k: int) -> _Sparse:
        d = next(dummies)
        return _Sparse.dense(lor(d) + spin(i, j), _GAMMA) * momentum(d, k)

    sigma = 0.5j * (np.einsum("aij,bjk->abik", _GAMMA, _GAMMA) - np.einsum("bij,ajk->abik", _GAMMA, _GAMMA))
    return {
        "__builtins__": {},
        "complex": complex,
        "cmath": cmath,
        "P": momentum,
        "PSlash": pslash,
        "Metric": lambda m, n: _Sparse.dense(lor(m, n), np.diag(METRIC_SIGN)),
        "IdentityL": lambda m, n: _Sparse.dense(lor(m, n), np.diag(METRIC_SIGN)),
        "Identity": lambda i, j: _Sparse.dense(spin(i, j), _ID4),
        "Gamma": lambda m, i, j: _Sparse.dense(lor(m) + spin(i, j), _GAMMA),
        "Gamma5": lambda i, j: _Sparse.dense(spin(i, j), _G5),
        "ProjM": lambda i, j: _Sparse.dense(spin(i, j), _PL),
        "ProjP": lambda i, j: _Sparse.dense(spin(i, j), _PR),
        "Sigma": lambda m, n, i, j: _Sparse.dense(lor(m, n) + spin(i, j), sigma),
        "Epsilon": lambda a, b, c, d: _Sparse.dense(lor(a, b, c, d), _EPS),
        "C": lambda i, j: _Sparse.dense(spin(i, j), _charge_conjugation()),
    }


_FUNCTIONS = frozenset(_namespace(1)) - {"__builtins__"}


def expand(structure: str, spins: Sequence[int]) -> dict[tuple[int, ...], Poly]:
    """The non-zero components of a structure (our slot convention, see the module docstring).

    Keys hold one index per fermion or vector slot, in slot order; values are polynomials
    in the momenta (monomials of (slot, mu), slot 1-based).
    """
    try:
        tree = ast.parse(structure, mode="eval")
    except SyntaxError as err:
        raise UnsupportedLorentz(f"not an expression: {err.msg}") from err
    unknown = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - _FUNCTIONS
    if unknown:
        raise UnsupportedLorentz(f"unknown Lorentz function(s) or name(s) {', '.join(sorted(unknown))}")
    try:
        value = _Sparse._lift(eval(compile(tree, "<lorentz>", "eval"), _namespace(len(spins))))
    except UnsupportedLorentz:
        raise
    except Exception as err:
        raise UnsupportedLorentz(f"cannot evaluate: {type(err).__name__}: {err}") from err
    order = leg_axes(value.labels, spins)
    return {tuple(idx[k] for k in order): p for idx, p in value.entries.items()}
