"""From the diagrams of a subprocess to a helicity-amplitude program.

An `AmplitudeProgram` is the language-neutral description of a matrix element that the
C++ template (`templates/matrix_element.cpp.j2`) renders: external wavefunctions, the
off-shell currents (each computed once and shared by every diagram that contains the
same sub-tree, as MG5 does), the amplitude of every colour piece of every diagram, the
couplings and parameters it reads at run time, the helicity table, and the colour basis
with the partial-amplitude coefficients.

Conventions follow `madnis_plugin.models.model` and `madnis_plugin.process.diagrams`:
all vertex legs incoming; ``diagram.vertices[k]`` makes ``diagram.propagators[k]`` and
the last vertex closes the amplitude. A vertex whose terms have different colour
structures (the four-gluon vertex) splits its diagram into colour pieces, one amplitude
each. Propagators carry their width in s-channels and none in t-channels (madevent's
choice; `t_channel_width=True` keeps it, as MG5 standalone output does).

Nothing here depends on C++: only the expressions of `Call` are C++ snippets.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from madnis_plugin.codegen.lorentz import LorentzRoutines
from madnis_plugin.colour import ColourBasis, ColourVertex, diagram_flows
from madnis_plugin.models.model import ZERO, Coupling, Model, Vertex, VertexTerm
from madnis_plugin.process.diagrams import Diagram

__all__ = ["AmplitudeProgram", "Call", "ExternalLeg", "build_program"]


@dataclass(frozen=True)
class ExternalLeg:
    """One external particle and the wavefunction routine that makes it."""

    index: int
    pdg: int
    name: str
    incoming: bool
    spin: int  # 2S+1
    colour: int  # SU(3) representation of the physical particle
    mass: str  # parameter name, or ZERO
    kind: str  # u, v, ubar, vbar, vector, scalar
    helicities: tuple[int, ...]


@dataclass(frozen=True)
class Call:
    """One wavefunction or amplitude: `routine(args)` with C++ argument expressions."""

    routine: str
    args: tuple[str, ...]


@dataclass
class AmplitudeProgram:
    """Everything the code template needs for one subprocess (see the module docstring)."""

    process: str
    pdg_ids: tuple[int, ...]
    n_initial: int
    legs: list[ExternalLeg]
    couplings: list[Coupling]
    coupling_gs_powers: list[int]  # each coupling ~ g_s**power (rescaled per event)
    params: list[str]
    currents: list[Call]
    amplitudes: list[Call]
    amplitude_diagram: list[int]
    n_diagrams: int
    helicities: list[tuple[int, ...]]
    colour: ColourBasis
    iden: int  # initial helicity x colour states x identical-final-state factor
    external: list[Call] = field(default_factory=list)
    t_channel_width: bool = False
    diagram_strings: list[str] = field(default_factory=list)
    #: C++ of the generated Lorentz routines the calls use (generic vertices), in order
    lorentz_code: list[str] = field(default_factory=list)

    @property
    def n_external(self) -> int:
        return len(self.legs)


# --- helpers ---------------------------------------------------------------------------


def _helicity_values(spin: int, massless: bool) -> tuple[int, ...]:
    if spin == 1:
        return (0,)
    if spin == 2:
        return (-1, 1)
    if spin == 3:
        return (-1, 1) if massless else (-1, 0, 1)
    raise ValueError(f"spin 2S+1 = {spin} is not supported")


def _colour_groups(vertex: Vertex) -> list[tuple[str, tuple[VertexTerm, ...]]]:
    """The vertex terms grouped by colour structure, in model order."""
    groups: dict[str, list[VertexTerm]] = {}
    for t in vertex.terms:
        groups.setdefault(t.colour, []).append(t)
    return [(c, tuple(ts)) for c, ts in groups.items()]


_PAIRING = {frozenset({0, 1}): 0, frozenset({2, 3}): 0, frozenset({0, 2}): 1, frozenset({1, 3}): 1,
            frozenset({0, 3}): 2, frozenset({1, 2}): 2}


def _pairing_mask(coefficients: list[str]) -> int:
    """Bit k set where pairing k has a coefficient (vvvv_amp/vvvv_vector's PAIRINGS)."""
    return sum(1 << k for k, c in enumerate(coefficients) if c != "cplx(0.0)")


def _vvvv_weights(lorentz: str) -> tuple[int, int, int]:
    """Integer weights of the pairings {01|23}, {02|13}, {03|12} of a VVVV_S/VVVV_A/VVVV_G term."""
    kind, _, rest = lorentz.partition("(")
    a, b, c, d = (int(x) for x in rest.rstrip(")").replace("|", ",").split(","))
    w = [0, 0, 0]
    if kind == "VVVV_S":  # 2 g^ab g^cd - g^ac g^bd - g^ad g^bc
        w[_PAIRING[frozenset({a, b})]] += 2
        w[_PAIRING[frozenset({a, c})]] -= 1
        w[_PAIRING[frozenset({a, d})]] -= 1
    elif kind == "VVVV_A":  # g^ac g^bd - g^ad g^bc
        w[_PAIRING[frozenset({a, c})]] += 1
        w[_PAIRING[frozenset({a, d})]] -= 1
    elif kind == "VVVV_G":  # g^ab g^cd (one pairing; UFO models with general quartic structures)
        w[_PAIRING[frozenset({a, b})]] += 1
    else:
        raise ValueError(f"unknown four-vector Lorentz structure {lorentz!r}")
    return w[0], w[1], w[2]


class _Builder:
    def __init__(self, model: Model, diagrams: Sequence[Diagram], t_channel_width: bool) -> None:
        self.model = model
        self.diagrams = list(diagrams)
        self.t_channel_width = t_channel_width
        d0 = self.diagrams[0]
        self.n = len(d0.pdg_ids)
        self.n_initial = d0.n_initial
        self.couplings: list[Coupling] = []
        self._coupling_index: dict[str, int] = {}
        self.params: list[str] = []
        self._param_index: dict[str, int] = {}
        self.currents: list[Call] = []
        self._current_index: dict[tuple, int] = {}
        self._current_size: list[int] = []  # external legs in each current's sub-tree
        self.amplitudes: list[Call] = []
        self.amplitude_diagram: list[int] = []
        self.pieces: list[dict] = []
        self.lorentz_code: dict[str, str] = {}  # routine name -> C++ (generic vertices)

    # C++ expressions for run-time values
    def coupling(self, c: Coupling | None) -> str:
        if c is None:
            return "cplx(0.0)"
        if c.name not in self._coupling_index:
            self._coupling_index[c.name] = len(self.couplings)
            self.couplings.append(c)
        return f"gc[{self._coupling_index[c.name]}]"

    def param(self, name: str) -> str:
        if name == ZERO:
            return "0.0"
        if name not in self._param_index:
            self._param_index[name] = len(self.params)
            self.params.append(name)
        return f"prm[{self._param_index[name]}]"

    def legs(self) -> list[ExternalLeg]:
        d0 = self.diagrams[0]
        slot_of: dict[int, tuple[Vertex, int]] = {}
        for dv in d0.vertices:
            for s, li in enumerate(dv.lines):
                if li < self.n:
                    slot_of[li] = (dv.vertex, s)
        out = []
        for i, pdg in enumerate(d0.pdg_ids):
            part = self.model.particle(pdg)
            incoming = i < self.n_initial
            vertex, slot = slot_of[i]
            if part.spin == 2:
                if slot >= 2 * vertex.fermion_lines:
                    raise ValueError(f"fermion leg {i} enters a {vertex.lorentz} vertex")
                column = slot % 2 == 1
                kind = ("u" if incoming else "v") if column else ("vbar" if incoming else "ubar")
            else:
                kind = {1: "scalar", 3: "vector"}[part.spin]
            out.append(
                ExternalLeg(i, pdg, part.name, incoming, part.spin, part.colour, part.mass, kind,
                            _helicity_values(part.spin, part.massless))
            )
        return out

    def external_call(self, leg: ExternalLeg) -> Call:
        p = f"p + {4 * leg.index}"
        h = f"hel[{leg.index}]"
        inc = "true" if leg.incoming else "false"
        if leg.kind in ("u", "v", "ubar", "vbar"):
            return Call(f"spinor_{leg.kind}", (p, self.param(leg.mass), h))
        if leg.kind == "vector":
            # massless gauge bosons can have their polarisation replaced by p/E (Ward test)
            gauge = f"gauge_leg == {leg.index}" if leg.mass == ZERO else "false"
            return Call("polarisation", (p, self.param(leg.mass), h, inc, gauge))
        return Call("scalar_wf", (p, inc))

    def build(self) -> None:
        for d_index, d in enumerate(self.diagrams):
            groups = [_colour_groups(dv.vertex) for dv in d.vertices]
            made_by = {p.line: k for k, p in enumerate(d.propagators)}
            for choice in itertools.product(*[range(len(g)) for g in groups]):
                self._piece(d_index, d, groups, choice, made_by)

    def _current_legs(self, ident: tuple) -> int:
        """External legs in the sub-tree of a wavefunction identity (see `_piece`)."""
        return 1 if ident[0] == "ext" else (ident[2] if ident[0] == "new" else self._current_size[ident[1]])

    def _piece(self, d_index: int, d: Diagram, groups: list, choice: tuple[int, ...], made_by: dict) -> None:
        # A tree amplitude can be closed at any of its vertices: the off-shell currents then
        # flow toward that vertex. Close it where it needs the fewest currents not already
        # computed for earlier diagrams (identical sub-trees get identical currents), so the
        # diagrams share as many wavefunctions as they can.
        ends: dict[int, list[int]] = {}
        for k, dv in enumerate(d.vertices):
            for li in dv.lines:
                if li >= self.n:
                    ends.setdefault(li, []).append(k)
        prop_of = {p.line: p for p in d.propagators}

        def wavefunction(line: int, into: int, new: dict | None) -> tuple[str, tuple]:
            """(C++ name, identity) of `line` entering vertex `into`; with `new`, add no current
            but record each one that would be added (key -> its external legs) in `new`."""
            if line < self.n:
                return f"w{line}", ("ext", line)
            (k,) = [v for v in ends[line] if v != into]
            dv = d.vertices[k]
            colour, terms = groups[k][choice[k]]
            free = dv.lines.index(line)
            inputs = {s: wavefunction(dv.lines[s], k, new) for s in range(len(dv.lines)) if s != free}
            prop = prop_of[line]
            width = prop.width if (prop.channel == "s" or self.t_channel_width) else ZERO
            key = (dv.vertex.key, colour, free, tuple(wf[1] for wf in inputs.values()), prop.mass, width)
            if key not in self._current_index:
                if new is not None:
                    new[key] = sum(self._current_legs(wf[1]) for wf in inputs.values())
                    return "", ("new", key, new[key])
                args = [inputs[s][0] if s != free else "" for s in range(len(dv.lines))]
                self._current_index[key] = len(self.currents)
                self._current_size.append(sum(self._current_legs(wf[1]) for wf in inputs.values()))
                self.currents.append(self._vertex_call(dv.vertex, terms, free, args, (prop.mass, width)))
            return f"c{self._current_index[key]}", ("cur", self._current_index[key])

        def added(root: int) -> tuple[int, int]:
            """(currents the root adds, external legs summed over them): fewest new currents,
            then the smallest ones, which later diagrams are likeliest to share."""
            new: dict = {}
            for li in d.vertices[root].lines:
                wavefunction(li, root, new)
            return len(new), sum(new.values())

        n_v = len(d.vertices)
        root = min(reversed(range(n_v)), key=added)  # ties: the last vertex
        dv = d.vertices[root]
        _, terms = groups[root][choice[root]]
        amp = self._vertex_call(dv.vertex, terms, None, [wavefunction(li, root, None)[0] for li in dv.lines], None)
        self.amplitudes.append(amp)
        self.amplitude_diagram.append(d_index)
        cv = [
            ColourVertex(
                groups[k][choice[k]][0], dv.lines, tuple(self.model.particle(p).colour for p in dv.vertex.particles)
            )
            for k, dv in enumerate(d.vertices)
        ]
        flows = diagram_flows(cv, self.n, made_by)
        # the fermion-permutation sign multiplies the piece; it goes into the colour coefficients
        self.pieces.append({f: c * d.fermion_sign for f, c in flows.items()})

    def _vertex_call(
        self, vertex: Vertex, terms: tuple[VertexTerm, ...], free: int | None, wf: list[str],
        prop: tuple[str, str] | None,
    ) -> Call:
        """The helas routine of `vertex` (amplitude when free is None, else the current of slot free)."""
        lor = vertex.lorentz
        mw = (self.param(prop[0]), self.param(prop[1])) if prop else ()
        if lor.startswith("GEN:"):
            return self._generated_call(vertex, terms, free, wf, mw)
        by_lorentz = {t.lorentz: t.coupling for t in terms}
        if lor in ("FFV", "FFS"):
            base = lor.lower()
            cl = self.coupling(by_lorentz.get(f"{lor}_L"))
            cr = self.coupling(by_lorentz.get(f"{lor}_R"))
            if free is None:
                return Call(f"{base}_amp", (wf[0], wf[1], wf[2], cl, cr))
            if free == 2:
                routine = f"{base}_vector" if lor == "FFV" else "ffs_scalar"
                return Call(routine, (wf[0], wf[1], cl, cr, *mw))
            if free == 1:  # the psi slot is open: a row spinor continues the line
                return Call(f"{base}_row", (wf[0], wf[2], cl, cr, *mw))
            return Call(f"{base}_col", (wf[1], wf[2], cl, cr, *mw))
        if lor == "VVVV":
            w = [[], [], []]
            for t in terms:
                c = self.coupling(t.coupling)
                for k, x in enumerate(_vvvv_weights(t.lorentz)):
                    if x:
                        w[k].append(f"{float(x)!r} * {c}")
            cs = [" + ".join(x) if x else "cplx(0.0)" for x in w]
            if free is None:
                return Call(f"vvvv_amp<{_pairing_mask(cs)}>", (*wf, *cs))
            a, b, c = (s for s in range(4) if s != free)
            pick = [cs[_PAIRING[frozenset(pair)]] for pair in ((a, b), (a, c), (b, c))]
            return Call(f"vvvv_vector<{_pairing_mask(pick)}>", (wf[a], wf[b], wf[c], *pick, *mw))
        if len(terms) != 1:
            raise ValueError(f"vertex {vertex} has {len(terms)} terms with one colour structure")
        g = self.coupling(terms[0].coupling)
        n_slots = len(vertex.particles)
        if free is None:
            return Call(f"{lor.lower()}_amp", (*wf, g))
        others = [wf[s] for s in range(n_slots) if s != free]
        if lor == "VVV":
            a, b = {2: (0, 1), 0: (1, 2), 1: (2, 0)}[free]  # cyclic order
            return Call("vvv_vector", (wf[a], wf[b], g, *mw))
        if lor == "VVS":
            return Call("vvs_scalar" if free == 2 else "vvs_vector", (*others, g, *mw))
        if lor == "VVSS":
            return Call("vvss_scalar" if free >= 2 else "vvss_vector", (*others, g, *mw))
        if lor in ("SSS", "SSSS"):
            return Call(f"{lor.lower()}_scalar", (*others, g, *mw))
        raise ValueError(f"Lorentz structure {lor} is not supported")

    def _generated_call(self, vertex: Vertex, terms: tuple[VertexTerm, ...], free: int | None, wf: list[str],
                        mw: tuple[str, ...]) -> Call:
        """The generated routine of a generic vertex: its structures (one colour) weighted by their couplings."""
        spins = tuple(self.model.particle(n).spin for n in vertex.particles)
        routines = LorentzRoutines(spins, tuple(t.lorentz for t in terms))
        cs = [self.coupling(t.coupling) for t in terms]
        if free is None:
            name = routines.amplitude_name()
            if name not in self.lorentz_code:
                self.lorentz_code[name] = routines.amplitude_code()
            return Call(name, (*wf, *cs))
        name = routines.current_name(free)
        if name not in self.lorentz_code:
            self.lorentz_code[name] = routines.current_code(free)
        return Call(name, (*(wf[s] for s in range(len(wf)) if s != free), *cs, *mw))


def build_program(model: Model, diagrams: Sequence[Diagram], t_channel_width: bool = False) -> AmplitudeProgram:
    """The amplitude program of one subprocess from its diagrams (at least one)."""
    if not diagrams:
        raise ValueError("a matrix element needs at least one diagram")
    for d in diagrams:
        for pdg in (*d.pdg_ids, *(p.pdg for p in d.propagators)):
            part = model.particle(pdg)
            if part.majorana:
                raise ValueError(f"{part.name} is a Majorana fermion: madnis's fermion flow covers Dirac fermions "
                                 "only (no fermion-number-violating vertices)")
    b = _Builder(model, diagrams, t_channel_width)
    legs = b.legs()
    external = [b.external_call(leg) for leg in legs]  # registers external masses first
    b.build()
    d0 = diagrams[0]
    gluons = [leg.index for leg in legs if leg.colour == 8]
    colour = ColourBasis.build(b.pieces, len(legs), d0.n_initial, gluons)
    iden = 1
    for leg in legs[: d0.n_initial]:
        iden *= len(leg.helicities) * abs(leg.colour)
    iden *= math.prod(math.factorial(c) for c in Counter(d0.pdg_ids[d0.n_initial :]).values())
    names = [leg.name for leg in legs]
    prog = AmplitudeProgram(
        process=" ".join(names[: d0.n_initial]) + " > " + " ".join(names[d0.n_initial :]),
        pdg_ids=tuple(d0.pdg_ids),
        n_initial=d0.n_initial,
        legs=legs,
        couplings=b.couplings,
        coupling_gs_powers=[c.g_s_power for c in b.couplings],
        params=b.params,
        currents=b.currents,
        amplitudes=b.amplitudes,
        amplitude_diagram=b.amplitude_diagram,
        n_diagrams=len(diagrams),
        helicities=list(itertools.product(*[leg.helicities for leg in legs])),
        colour=colour,
        iden=iden,
        t_channel_width=t_channel_width,
        external=external,
        diagram_strings=[str(d) for d in diagrams],
        lorentz_code=list(b.lorentz_code.values()),
    )
    return prog
