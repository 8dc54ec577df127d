"""The data types a physics model is made of: particles, parameters, couplings, vertices.

A `Model` is plain Python data that the process compiler (diagram generation, channel
construction, matrix-element code generation) reads. It holds no physics of its own:
the Standard Model and its variants are built in `madnis_plugin.models.sm`. This module
is not a UFO reader and does not evaluate amplitudes.

Conventions (read these before generating helicity amplitudes from a vertex)
----------------------------------------------------------------------------
* **All legs of a vertex are incoming**: a vertex lists the particles that flow *into* it
  and every momentum p_k in a Lorentz structure is the momentum flowing into the vertex
  along leg k. An outgoing particle X with momentum q is the incoming antiparticle X~
  with momentum -q. (MG5's UFO files use the opposite, all-outgoing, convention; the
  only visible consequence is the sign of the momentum-dependent structure VVV, e.g.
  MG5's sm stores the three-gluon coupling as GC_10 = -G where we store +G.)
* **The vertex factor is the full Feynman rule**, i.e. i times the Lagrangian
  coefficient (times symmetry factors), so couplings carry their factor i. Couplings
  of vertices without momenta are numerically equal to MG5 sm's GC_* values.
* The Lagrangian behind the signs uses D_mu = d_mu - i g_s T^a G^a_mu - i g T^i W^i_mu
  - i g' Y B_mu with W3 = cw Z + sw A, B = -sw Z + cw A, W+- = (W1 -+ i W2)/sqrt(2),
  and the field W+_mu annihilates a W+. Electric charge Q = T3 + Y.

Lorentz structures (leg indices 0, 1, 2, 3 are positions in `Vertex.particles`):

=================  ==========================================================
``FFV_L``          gamma^{mu2} P_L between the fermion legs: for legs (f~, f, V)
                   the vertex is  vbar/ubar(leg 0) [ ... ] u/v(leg 1); leg 0 is
                   the psibar end (an incoming antifermion), leg 1 the psi end.
``FFV_R``          gamma^{mu2} P_R, same legs. P_L,R = (1 -+ gamma5)/2.
``FFS_L``          P_L between legs (f~, f); leg 2 is the scalar.
``FFS_R``          P_R, same legs.
``VVV``            g^{mu0 mu1}(p0-p1)^{mu2} + g^{mu1 mu2}(p1-p2)^{mu0}
                   + g^{mu2 mu0}(p2-p0)^{mu1}   (momenta incoming).
``VVVV_S(a,b|c,d)``  2 g^{a b} g^{c d} - g^{a c} g^{b d} - g^{a d} g^{b c}
                   (a, b, c, d are leg indices; electroweak quartic vertices).
``VVVV_A(a,b|c,d)``  g^{a c} g^{b d} - g^{a d} g^{b c}  (four-gluon vertex).
``VVVV_G(a,b|c,d)``  g^{a b} g^{c d}  (one metric pairing; what UFO models map onto).
``VVS``            g^{mu0 mu1}, legs (V, V, S).
``VVSS``           g^{mu0 mu1}, legs (V, V, S, S).
``SSS``, ``SSSS``  1.
=================  ==========================================================

Colour structures (again by leg index): ``1``; ``Identity(0,1)`` = delta_{i0 j1};
``T(2,0,1)`` = (T^{a2})_{i0 j1} with i0 the index of the psibar leg (incoming
antiquark, i.e. anti-triplet leg) and j1 that of the psi leg (incoming quark), T^a =
lambda^a/2; ``f(0,1,2)`` = f^{a0 a1 a2}; ``f(0,1,-1)*f(2,3,-1)`` = sum_e f^{a0 a1 e} f^{a2 a3 e}.
The full vertex is sum over `Vertex.terms` of coupling * colour * Lorentz.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from madnis_plugin.models.param_card import ParamCard

#: Name of the parameter that is identically zero (massless / stable particles).
ZERO = "ZERO"

#: Weights of the coupling orders in MG5's WEIGHTED order (QCD counts 1, QED counts 2).
ORDER_HIERARCHY = {"QCD": 1, "QED": 2}


@dataclass(frozen=True)
class Particle:
    """One particle of a model, in MG5's `sm` naming.

    `spin` is 2S+1 (1 scalar, 2 fermion, 3 vector) and `colour` the SU(3) representation
    (1, 3, -3, 8), both as MG5 writes them. `mass` and `width` are parameter names
    (`ZERO` when massless / stable). A particle and its antiparticle are two objects;
    `anti_name` equals `name` when the particle is self-conjugate.
    """

    pdg: int
    name: str
    anti_name: str
    spin: int
    colour: int
    charge: float
    mass: str = ZERO
    width: str = ZERO
    texname: str = ""

    @property
    def self_conjugate(self) -> bool:
        return self.name == self.anti_name

    @property
    def is_fermion(self) -> bool:
        return self.spin % 2 == 0

    @property
    def majorana(self) -> bool:
        """A self-conjugate fermion (neutralino, gluino): no fermion-number flow."""
        return self.is_fermion and self.self_conjugate

    @property
    def massless(self) -> bool:
        return self.mass == ZERO

    def __str__(self) -> str:
        return self.name


@dataclass
class Parameter:
    """A model parameter.

    External parameters come from the param_card (`block`, `index` say where) and have a
    `default`; internal ones are computed from the others by `expr`, in model order.
    `value` is the current value (float, or complex where the expression is complex).
    """

    name: str
    value: float | complex
    block: str | None = None
    index: tuple[int, ...] | None = None
    expr: Callable[[Mapping[str, float | complex]], float | complex] | None = None
    formula: str = ""
    default: float | complex | None = None

    @property
    def external(self) -> bool:
        return self.block is not None


@dataclass(frozen=True)
class Coupling:
    """A vertex coupling: a complex function of the parameter values.

    `formula` is the expression in readable form (it also serves as the identity used to
    decide whether two matrix elements are the same). `orders` are the coupling orders
    (powers of g_s and e, or a model's own orders such as HIG). The coupling is exactly
    proportional to G**gs_power, so the core may rescale it per event with the running
    alpha_s; `gs_power` is the QCD order unless the model says otherwise (an effective
    g g h coupling is ~ alpha_s at HIG = 1, QCD = 0).
    """

    name: str
    formula: str
    expr: Callable[[Mapping[str, float | complex]], complex] = field(compare=False, repr=False)
    orders: tuple[tuple[str, int], ...] = ()
    gs_power: int | None = None

    @property
    def g_s_power(self) -> int:
        """The power of g_s the coupling is proportional to."""
        return self.order_dict.get("QCD", 0) if self.gs_power is None else self.gs_power

    def value(self, params: Mapping[str, float | complex]) -> complex:
        return complex(self.expr(params))

    @property
    def order_dict(self) -> dict[str, int]:
        return dict(self.orders)


@dataclass(frozen=True)
class VertexTerm:
    """One colour x Lorentz x coupling product of a vertex (see the module docstring)."""

    colour: str
    lorentz: str
    coupling: Coupling


@dataclass(frozen=True)
class Vertex:
    """An interaction: incoming particles (names), a Lorentz class and its terms.

    `lorentz` is the class (FFV, FFS, VVV, VVVV, VVS, VVSS, SSS, SSSS); `terms` hold the
    couplings. For FFV and FFS the terms are the left- and right-handed pieces
    (structures ``FFV_L``/``FFV_R``, ``FFS_L``/``FFS_R``); a zero coupling is left out.
    A generic vertex (class ``GEN:`` + one letter per slot, S/F/V, fermions first, in
    (psibar, psi) pairs, one per fermion line) has
    UFO Lorentz expressions as term structures, in our slot numbering (index k + 1 is
    slot k) with incoming momenta; its routines are generated
    (`madnis_plugin.codegen.lorentz`).
    """

    particles: tuple[str, ...]
    lorentz: str
    terms: tuple[VertexTerm, ...]

    @property
    def fermion_lines(self) -> int:
        """How many fermion lines pass through: slots 2i and 2i + 1 are the psibar and psi
        ends of line i (FFV and FFS: one; GEN:FFFF...: two)."""
        cls = self.lorentz.removeprefix("GEN:")
        return (len(cls) - len(cls.lstrip("F"))) // 2

    @property
    def orders(self) -> dict[str, int]:
        # All terms of one vertex have the same orders (checked by the model builder).
        return self.terms[0].coupling.order_dict

    def coupling(self, lorentz: str) -> Coupling | None:
        """The coupling of the term with Lorentz structure `lorentz` (None if absent)."""
        for t in self.terms:
            if t.lorentz == lorentz:
                return t.coupling
        return None

    @property
    def key(self) -> tuple:
        """What makes two vertices give identical amplitudes (used to merge flavours)."""
        return (self.lorentz, tuple((t.colour, t.lorentz, t.coupling.formula) for t in self.terms))

    def __str__(self) -> str:
        return f"{self.lorentz}({', '.join(self.particles)})"


class Model:
    """A physics model: particles, parameters (with current values), couplings, vertices.

    Use `madnis_plugin.models.load(name)` to get one. `parameters` maps names to
    `Parameter` objects; `values` to their current numbers. `set_param_card` replaces the
    external parameters and recomputes the internal ones.
    """

    def __init__(
        self,
        name: str,
        particles: Iterable[Particle],
        parameters: Iterable[Parameter],
        vertices: Iterable[Vertex],
        multiparticles: Mapping[str, Iterable[str]] | None = None,
        description: str = "",
    ) -> None:
        self.name = name
        self.description = description
        #: WEIGHTED = sum of order x hierarchy (MG5); a UFO model's coupling_orders.py sets it
        self.order_hierarchy: dict[str, int] = dict(ORDER_HIERARCHY)
        #: upper bounds every process gets (MG5's expansion_order of a coupling order)
        self.expansion_orders: dict[str, int] = {}
        self._particles: dict[str, Particle] = {}
        self._by_pdg: dict[int, Particle] = {}
        for p in particles:
            self._particles[p.name] = p
            self._by_pdg[p.pdg] = p
        self.parameters: dict[str, Parameter] = {p.name: p for p in parameters}
        self.vertices: list[Vertex] = list(vertices)
        for v in self.vertices:
            orders = {t.coupling.orders for t in v.terms}
            if len(orders) != 1:
                raise ValueError(f"vertex {v} mixes coupling orders {orders}")
            for n in v.particles:
                if n not in self._particles:
                    raise ValueError(f"vertex {v} uses unknown particle {n!r}")
        self.multiparticles: dict[str, list[int]] = {
            k: [self.particle(n).pdg for n in names] for k, names in (multiparticles or {}).items()
        }
        self.recompute()

    # -- particles ---------------------------------------------------------------------

    @property
    def particles(self) -> list[Particle]:
        """All particles and antiparticles, in model order."""
        return list(self._particles.values())

    def particle(self, key: str | int) -> Particle:
        """A particle by name (``"e+"``, case-insensitive) or PDG id (``-11``)."""
        if isinstance(key, int):
            try:
                return self._by_pdg[key]
            except KeyError:
                raise KeyError(f"model {self.name} has no particle with PDG id {key}") from None
        try:
            return self._particles[key]
        except KeyError:
            low = key.lower()
            for n, p in self._particles.items():
                if n.lower() == low:
                    return p
            raise KeyError(f"model {self.name} has no particle named {key!r}") from None

    def has_particle(self, key: str | int) -> bool:
        try:
            self.particle(key)
        except KeyError:
            return False
        return True

    def anti(self, key: str | int) -> Particle:
        """The antiparticle of a particle (itself when self-conjugate)."""
        return self.particle(self.particle(key).anti_name)

    # -- parameters --------------------------------------------------------------------

    @property
    def values(self) -> dict[str, float | complex]:
        """Current parameter values by name (``ZERO`` included)."""
        out: dict[str, float | complex] = {ZERO: 0.0}
        out.update({n: p.value for n, p in self.parameters.items()})
        return out

    def param(self, name: str) -> float | complex:
        """The current value of one parameter (``"MW"``, ``"ZERO"`` ...)."""
        if name == ZERO:
            return 0.0
        return self.parameters[name].value

    def mass(self, key: str | int) -> float:
        return float(self.param(self.particle(key).mass).real)

    def width(self, key: str | int) -> float:
        return float(self.param(self.particle(key).width).real)

    @property
    def external_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters.values() if p.external]

    def recompute(self) -> None:
        """Recompute the internal parameters from the external ones (in model order)."""
        vals: dict[str, float | complex] = {ZERO: 0.0}
        for p in self.parameters.values():
            if p.expr is not None:
                p.value = p.expr(vals)
            vals[p.name] = p.value

    def set_param(self, name: str, value: float) -> None:
        """Set one external parameter and recompute the internal ones (a mass or width
        without physical meaning is a PhysicsInputError, as in a param_card)."""
        from madnis_plugin.errors import PhysicsInputError
        from madnis_plugin.models.param_card import physical_problem

        p = self.parameters.get(name)
        if p is None or not p.external:
            raise KeyError(f"{name!r} is not an external parameter of model {self.name}")
        problem = physical_problem(self, name, float(value))
        if problem:
            raise PhysicsInputError(f"model {self.name}: {problem}")
        p.value = float(value)
        self.recompute()

    def reset(self) -> None:
        """Return every external parameter to the model default."""
        for p in self.external_parameters:
            p.value = p.default  # type: ignore[assignment]
        self.recompute()

    def set_param_card(self, card: ParamCard | str | os.PathLike[str]) -> list[str]:
        """Take the external parameters from an SLHA param_card (object or file path).

        Entries of the card that the model computes itself (e.g. the W mass, masses of
        massless particles) are ignored, as MG5 does. A parameter missing from the card
        keeps its default; the returned list names those (a warning is also issued).
        """
        from madnis_plugin.models.param_card import apply_param_card

        return apply_param_card(self, card)

    def param_card(self) -> ParamCard:
        """The current parameters as a param_card (what MG5 writes for this model)."""
        from madnis_plugin.models.param_card import model_param_card

        return model_param_card(self)

    # -- couplings ---------------------------------------------------------------------

    @property
    def couplings(self) -> dict[str, Coupling]:
        out: dict[str, Coupling] = {}
        for v in self.vertices:
            for t in v.terms:
                out.setdefault(t.coupling.name, t.coupling)
        return out

    def coupling_value(self, coupling: Coupling | str) -> complex:
        c = self.couplings[coupling] if isinstance(coupling, str) else coupling
        return c.value(self.values)

    def vertices_with(self, *names: str) -> list[Vertex]:
        """Vertices whose incoming particles include all of `names` (with multiplicity)."""
        out = []
        for v in self.vertices:
            rest = list(v.particles)
            ok = True
            for n in names:
                if n in rest:
                    rest.remove(n)
                else:
                    ok = False
                    break
            if ok:
                out.append(v)
        return out

    def __repr__(self) -> str:
        return f"<Model {self.name}: {len(self._particles)} particles, {len(self.vertices)} vertices>"


__all__ = [
    "ORDER_HIERARCHY",
    "ZERO",
    "Coupling",
    "Model",
    "Parameter",
    "Particle",
    "Vertex",
    "VertexTerm",
]
