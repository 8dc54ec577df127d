"""Recognise a UFO Lorentz structure as a combination of the structures our HELAS covers.

A UFO Lorentz structure is an expression in ``Gamma(mu,i,j)``, ``ProjM(i,j)``,
``Metric(mu,nu)``, ``P(mu,n)`` ... whose positive indices are the vertex legs (Lorentz
index of a vector leg, spinor index of a fermion leg) and whose negative indices are
summed. `lorentz_tensor` evaluates one numerically, as an array with one axis of size 4
per vector or fermion leg, at given leg momenta; `fit` writes such a tensor as a linear
combination of basis tensors (least squares, exact to rounding or rejected). This is how
`madnis_plugin.models.ufo` decides which hand-written routine (``FFV_L``, ``VVV`` ...)
a UFO vertex uses; it generates no code.

Conventions: every Lorentz index is upper, contractions use g = diag(1,-1,-1,-1); the
Dirac matrices are in the chiral basis with gamma5 = diag(-1,-1,1,1), P_L = ProjM =
(1-gamma5)/2. Only relations between tensors evaluated the same way are used, so the
choice of basis does not matter.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

import numpy as np

_G = np.diag([1.0, -1.0, -1.0, -1.0]).astype(complex)
_S = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]], complex),
      np.array([[1, 0], [0, -1]], complex)]
_I2, _Z2 = np.eye(2, dtype=complex), np.zeros((2, 2), complex)
_GAMMA = np.array([np.block([[_Z2, _I2], [_I2, _Z2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _S])
_G5 = np.diag([-1.0, -1.0, 1.0, 1.0]).astype(complex)
_ID4 = np.eye(4, dtype=complex)
_PL, _PR = (_ID4 - _G5) / 2, (_ID4 + _G5) / 2


def _levi_civita() -> np.ndarray:
    eps = np.zeros((4, 4, 4, 4))
    import itertools

    for perm in itertools.permutations(range(4)):
        sign = 1
        p = list(perm)
        for i in range(4):
            for j in range(i + 1, 4):
                if p[i] > p[j]:
                    sign = -sign
        eps[perm] = sign
    return eps


# eps^{0123} = -1 (all indices upper), MG5's convention: ALOHA's routine for hgg_plugin's
# epsilon g g h1 vertex (VVS1) equals the UFO structure only with this sign
_EPS = -_levi_civita().astype(complex)


class UnsupportedLorentz(ValueError):
    """A Lorentz expression uses a function or index this evaluator does not know."""


class Tensor:
    """A numeric tensor with labelled axes; labels are (kind, index), kind 'L' or 'S'."""

    def __init__(self, labels: Sequence[tuple[str, int]], array: np.ndarray) -> None:
        self.labels = list(labels)
        self.array = np.asarray(array, dtype=complex)
        self._contract()

    def _contract(self) -> None:
        while True:
            seen: dict[tuple[str, int], int] = {}
            pair = None
            for ax, lab in enumerate(self.labels):
                if lab in seen:
                    pair = (seen[lab], ax)
                    break
                seen[lab] = ax
            if pair is None:
                return
            a, b = pair
            arr = self.array
            if self.labels[a][0] == "L":  # lower one index with the metric
                arr = np.moveaxis(np.tensordot(arr, _G, axes=([b], [0])), -1, b)
            self.array = np.trace(arr, axis1=a, axis2=b)
            self.labels = [lab for i, lab in enumerate(self.labels) if i not in (a, b)]

    def _aligned(self, other: Tensor) -> np.ndarray:
        if sorted(self.labels) != sorted(other.labels):
            raise UnsupportedLorentz(f"terms with different free indices {self.labels} and {other.labels}")
        return np.transpose(other.array, [other.labels.index(lab) for lab in self.labels])

    def __add__(self, other: object) -> Tensor:
        if not isinstance(other, Tensor):
            other = Tensor([], np.asarray(complex(other)))  # type: ignore[arg-type]
        if not self.labels and other.labels:
            return other + self
        return Tensor(self.labels, self.array + self._aligned(other))

    __radd__ = __add__

    def __neg__(self) -> Tensor:
        return Tensor(self.labels, -self.array)

    def __pos__(self) -> Tensor:
        return self

    def __sub__(self, other: object) -> Tensor:
        return self + (-other)  # type: ignore[operator]

    def __rsub__(self, other: object) -> Tensor:
        return (-self) + other

    def __mul__(self, other: object) -> Tensor:
        if not isinstance(other, Tensor):
            return Tensor(self.labels, self.array * complex(other))  # type: ignore[arg-type]
        return Tensor(self.labels + other.labels, np.multiply.outer(self.array, other.array))

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Tensor:
        return Tensor(self.labels, self.array / complex(other))  # type: ignore[arg-type]

    def __pow__(self, n: int) -> Tensor:
        out = self
        for _ in range(int(n) - 1):
            out = out * self
        return out


def _namespace(momenta: Mapping[int, np.ndarray], sign: float) -> dict:
    def lor(*i: int) -> list[tuple[str, int]]:
        return [("L", int(x)) for x in i]

    def spin(*i: int) -> list[tuple[str, int]]:
        return [("S", int(x)) for x in i]

    def P(mu: int, n: int) -> Tensor:
        if n not in momenta:
            raise UnsupportedLorentz(f"P({mu},{n}) refers to no leg")
        return Tensor(lor(mu), sign * momenta[n])

    return {
        "__builtins__": {},
        "complex": complex,
        "cmath": __import__("cmath"),
        "P": P,
        "Metric": lambda m, n: Tensor(lor(m, n), _G),
        "Identity": lambda i, j: Tensor(spin(i, j), _ID4),
        "IdentityL": lambda m, n: Tensor(lor(m, n), _G),
        "Gamma": lambda m, i, j: Tensor(lor(m) + spin(i, j), _GAMMA),
        "Gamma5": lambda i, j: Tensor(spin(i, j), _G5),
        "ProjM": lambda i, j: Tensor(spin(i, j), _PL),
        "ProjP": lambda i, j: Tensor(spin(i, j), _PR),
        "Sigma": lambda m, n, i, j: Tensor(
            lor(m, n) + spin(i, j),
            0.5j * (np.einsum("aij,bjk->abik", _GAMMA, _GAMMA) - np.einsum("bij,ajk->abik", _GAMMA, _GAMMA)),
        ),
        "Epsilon": lambda a, b, c, d: Tensor(lor(a, b, c, d), _EPS),
    }


_KNOWN = {"P", "Metric", "Identity", "IdentityL", "Gamma", "Gamma5", "ProjM", "ProjP", "Sigma", "Epsilon",
          "complex", "cmath"}


def lorentz_tensor(structure: str, spins: Sequence[int], momenta: Mapping[int, np.ndarray],
                   sign: float = 1.0) -> np.ndarray:
    """Evaluate a UFO Lorentz structure; axes: one per fermion or vector leg, in leg order.

    `spins` are the legs' 2S+1 (leg n is index n+1 in the expression); `momenta[n]` is
    the 4-momentum of index n, multiplied by `sign` (UFO momenta flow out of the vertex).
    """
    names = {n.id for n in ast.walk(ast.parse(structure, mode="eval")) if isinstance(n, ast.Name)}
    unknown = names - _KNOWN
    if unknown:
        raise UnsupportedLorentz(f"unknown Lorentz function(s) {', '.join(sorted(unknown))}")
    try:
        value = eval(structure, _namespace(momenta, sign))
    except UnsupportedLorentz:
        raise
    except Exception as err:
        raise UnsupportedLorentz(f"cannot evaluate: {err}") from err
    if not isinstance(value, Tensor):
        value = Tensor([], np.asarray(complex(value)))
    return np.transpose(value.array, leg_axes(value.labels, spins))


def leg_axes(labels: Sequence[tuple[str, int]], spins: Sequence[int]) -> list[int]:
    """Positions in `labels` of the free index of each fermion and vector leg, in leg order
    (leg n is index n + 1: a spinor index 'S' for spin 1/2, a Lorentz index 'L' for spin 1)."""
    want = []
    for n, s in enumerate(spins):
        if s == 2:
            want.append(("S", n + 1))
        elif s == 3:
            want.append(("L", n + 1))
        elif s != 1:
            raise UnsupportedLorentz(f"leg {n + 1} has spin 2S+1 = {s}; only scalars, spin-1/2 and vectors are supported")
    if sorted(labels) != sorted(want):
        raise UnsupportedLorentz(f"free indices {list(labels)} do not match the legs {want}")
    return [list(labels).index(lab) for lab in want]


def fit(target: Sequence[np.ndarray], basis: Sequence[Sequence[np.ndarray]], tol: float = 1e-10
        ) -> list[complex] | None:
    """Coefficients c with target = sum_k c_k basis[k] (each a list of evaluations), or None.

    Coefficients within 1e-12 of a simple fraction are rounded to it.
    """
    t = np.concatenate([np.ravel(x) for x in target])
    a = np.stack([np.concatenate([np.ravel(x) for x in b]) for b in basis], axis=1)
    c, *_ = np.linalg.lstsq(a, t, rcond=None)
    scale = max(np.max(np.abs(t)), 1e-300)
    if np.max(np.abs(a @ c - t)) > tol * scale:
        return None
    return [_tidy(complex(x)) for x in c]


def _tidy(z: complex) -> complex:
    from fractions import Fraction

    def r(x: float) -> float:
        f = Fraction(x).limit_denominator(48)
        return float(f) if abs(float(f) - x) < 1e-12 else x

    return complex(r(z.real), r(z.imag))


def to_incoming(structure: str, slot_of: Sequence[int]) -> str:
    """A UFO structure rewritten in our slot convention.

    `slot_of[k]` is our slot (0-based) of UFO leg k + 1. Every positive index k + 1
    becomes slot_of[k] + 1, and each momentum changes sign (UFO momenta flow out of the
    vertex, ours flow in): ``P(mu, n)`` becomes ``-P(mu', n')``, ``PSlash(i, j, n)``
    ``-PSlash(i', j', n')``. Summed (negative) indices are kept.
    """

    def index(node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value > 0:
            if node.value > len(slot_of):
                raise UnsupportedLorentz(f"index {node.value} refers to no leg")
            return ast.copy_location(ast.Constant(slot_of[node.value - 1] + 1), node)
        return node

    class Rewrite(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if not isinstance(node.func, ast.Name) or node.func.id == "complex":
                return node
            node.args = [index(a) for a in node.args]
            if node.func.id in ("P", "PSlash"):
                return ast.copy_location(ast.UnaryOp(ast.USub(), node), node)
            return node

    try:
        tree = ast.parse(structure, mode="eval")
    except SyntaxError as err:
        raise UnsupportedLorentz(f"not an expression: {err.msg}") from err
    return ast.unparse(Rewrite().visit(tree))
