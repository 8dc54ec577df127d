"""Read a UFO model folder into a `Model`: particles, parameters, couplings, vertices.

    model = load_ufo("path/to/sm_zprime_ufo", restriction="no_b_mass")
    folder = find_ufo("sm", proc_card_dir)      # search path, see `find_ufo`

What is read (UFO format, arXiv:1108.2040): particles.py, parameters.py (external ones
become param_card entries, internal ones are evaluated from their expressions in
dependency order, whatever order the file uses), couplings.py, lorentz.py, vertices.py,
coupling_orders.py and the restriction cards ``restrict_NAME.dat``.

Restrictions follow MG5: without a name ``restrict_default.dat`` applies when the folder
has one (``full`` means none). A restriction card sets the external parameters it lists;
a parameter set to exactly 0 or 1 is fixed (it leaves the param_card), a particle whose
mass or width is fixed to 0 becomes massless or stable, and a coupling that is then
identically zero is removed, with the vertex terms it multiplies and the vertices left
without terms. Ghosts and Goldstone bosons are dropped (unitary gauge, MG5's default).

Mapping onto `Model`: UFO lists the particles of a vertex as outgoing, `Model` as
incoming, so each vertex is conjugated (every particle replaced by its antiparticle and
every momentum by minus itself). Each Lorentz structure is evaluated numerically and,
where it can be, written as a combination of the structures the hand-written HELAS
routines implement (``FFV_L/R``, ``FFS_L/R``, ``VVV``, ``VVS``, ``VVSS``, ``SSS``,
``SSSS`` and the three metric pairings ``VVVV_G`` of a four-vector vertex): that is the
fast path, and the couplings of the `Model` are the matching combinations of the UFO
couplings. Any other vertex becomes a generic one (class ``GEN:<spins>``, e.g.
``GEN:VVVS``) whose terms carry the UFO structures themselves, rewritten for incoming
momenta and our leg order; `madnis_plugin.codegen.lorentz` generates its routines. A
structure that cannot be expanded is a `UFOError` naming the vertex and the structure.
No code is generated here.
"""

from __future__ import annotations

import ast
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from madnis_plugin.models import ufo_library
from madnis_plugin.models.lorentz_components import expand
from madnis_plugin.models.lorentz_fit import UnsupportedLorentz, fit, lorentz_tensor, to_incoming
from madnis_plugin.models.model import (
    ZERO,
    Coupling,
    Model,
    Parameter,
    Particle,
    Vertex,
    VertexTerm,
)
from madnis_plugin.models.param_card import ParamCard


class UFOError(ValueError):
    """A UFO model that cannot be read or mapped onto `Model` (message says what and where)."""


# --- finding a model ------------------------------------------------------------------


def search_path(card_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Folders searched for a UFO model by name, in order: the proc_card's folder,
    each entry of ``MADNIS_MODEL_PATH`` (colon-separated), ``$MG5_HOME/models``."""
    out: list[Path] = []
    if card_dir is not None:
        out.append(Path(card_dir))
    for entry in os.environ.get("MADNIS_MODEL_PATH", "").split(os.pathsep):
        if entry.strip():
            out.append(Path(entry.strip()))
    if os.environ.get("MG5_HOME"):
        out.append(Path(os.environ["MG5_HOME"]) / "models")
    return out


def is_path(name: str) -> bool:
    """Whether a model name is written as a path (then the built-in models are not used)."""
    return os.sep in name or "/" in name or name.startswith((".", "~"))


def find_ufo(name: str, card_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The UFO folder `name` stands for, or None: a path (relative ones to `card_dir`),
    else the first folder of `search_path` that holds `name`."""
    if is_path(name):
        p = Path(os.path.expanduser(name))
        if not p.is_absolute() and card_dir is not None:
            p = Path(card_dir) / p
        return p if (p / "particles.py").is_file() else None
    for folder in search_path(card_dir):
        p = folder / name
        if (p / "particles.py").is_file():
            return p
    return None


# --- evaluation -----------------------------------------------------------------------


def _names_in(expr: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}


def _compile(expr: str, what: str):
    try:
        return compile(expr, f"<{what}>", "eval")
    except SyntaxError as err:
        raise UFOError(f"{what}: cannot read the expression {expr!r}: {err}") from err


def _dependency_order(internal: Sequence[Any], known: set[str]) -> list[Any]:
    """Internal parameters sorted so that each comes after the parameters it uses."""
    by_name = {p.name: p for p in internal}
    deps = {p.name: _names_in(str(p.value)) & set(by_name) for p in internal}
    done: list[Any] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in placed:
            return
        if n in visiting:
            raise UFOError(f"parameter {n} depends on itself (cycle through {', '.join(sorted(visiting))})")
        visiting.add(n)
        for d in sorted(deps[n], key=list(by_name).index):
            visit(d)
        visiting.discard(n)
        placed.add(n)
        done.append(by_name[n])

    for p in internal:
        visit(p.name)
    return done


class _Evaluator:
    """Evaluates UFO expressions with the model's function namespace."""

    def __init__(self, functions: Mapping[str, Any]) -> None:
        self.globals = {"__builtins__": {}, **functions}

    def __call__(self, code, values: Mapping[str, Any]) -> Any:
        return eval(code, self.globals, dict(values))


def _as_type(value: Any, kind: str) -> float | complex:
    z = complex(value)
    if kind == "real":
        return z.real
    return z


# --- the loader -----------------------------------------------------------------------

# Basis structures in our leg order (1-based indices, incoming momenta), per vertex class.
_BASES: dict[str, list[tuple[str, str]]] = {
    "FFV": [("FFV_L", "Gamma(3,1,-1)*ProjM(-1,2)"), ("FFV_R", "Gamma(3,1,-1)*ProjP(-1,2)")],
    "FFS": [("FFS_L", "ProjM(1,2)"), ("FFS_R", "ProjP(1,2)")],
    "VVV": [("VVV", "Metric(1,2)*(P(3,1)-P(3,2)) + Metric(2,3)*(P(1,2)-P(1,3)) + Metric(3,1)*(P(2,3)-P(2,1))")],
    "VVS": [("VVS", "Metric(1,2)")],
    "VVSS": [("VVSS", "Metric(1,2)")],
    "SSS": [("SSS", "1")],
    "SSSS": [("SSSS", "1")],
    "VVVV": [("VVVV_G(0,1|2,3)", "Metric(1,2)*Metric(3,4)"), ("VVVV_G(0,2|1,3)", "Metric(1,3)*Metric(2,4)"),
             ("VVVV_G(0,3|1,2)", "Metric(1,4)*Metric(2,3)")],
}
_CLASS_OF_SPINS = {(2, 2, 3): "FFV", (1, 2, 2): "FFS", (3, 3, 3): "VVV", (1, 3, 3): "VVS",
                   (1, 1, 3, 3): "VVSS", (1, 1, 1): "SSS", (1, 1, 1, 1): "SSSS", (3, 3, 3, 3): "VVVV"}


def _momenta(n: int, seed: int) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    ks = {i + 1: rng.normal(size=4) for i in range(n - 1)}
    ks[n] = -sum(ks.values())
    return ks


def _frac_str(c: complex) -> str:
    if c.imag == 0.0:
        x = c.real
        return repr(int(x)) if x == int(x) else repr(x)
    return repr(c)


def load_ufo(folder: str | os.PathLike[str], restriction: str | None = None, name: str | None = None,
             generated_lorentz: bool = False, plugins: Sequence[str | os.PathLike[str]] = ()) -> Model:
    """Read the UFO model in `folder` with a restriction (None: ``restrict_default.dat``
    if present; ``"full"``: none; else ``restrict_<restriction>.dat`` must exist).

    `plugins`: UFO folders merged into the model first, as MG5's ``add model`` does
    (`ufo_library.merge_ufo_objects`); the restriction is the base model's.
    `generated_lorentz`: make every vertex generic (generated routines), even those the
    hand-written HELAS routines cover; tests use it to check the two agree.
    """
    folder = Path(folder)
    objs = _objects(folder)
    for plugin in plugins:
        try:
            objs = ufo_library.merge_ufo_objects(objs, _objects(Path(plugin)))
        except ValueError as err:
            raise UFOError(f"add model {Path(plugin).name} to {folder.name}: {err}") from err
    card = _restriction_card(folder, restriction)
    model_name = name or "__".join([folder.name, *(Path(p).name for p in plugins)]) + (
        f"-{restriction}" if restriction else "")
    return _Builder(folder, objs, card, model_name, generated_lorentz).build()


def _objects(folder: Path) -> dict[str, Any]:
    try:
        return ufo_library.load_ufo_objects(folder)
    except FileNotFoundError as err:
        raise UFOError(str(err)) from err
    except UFOError:
        raise
    except Exception as err:
        raise UFOError(f"UFO model {folder}: executing its files failed: {type(err).__name__}: {err}") from err


def _read_restriction(path: Path) -> ParamCard:
    return ParamCard.parse(path.read_text(encoding="utf-8"), path=path)


def _restriction_card(folder: Path, restriction: str | None) -> ParamCard | None:
    if restriction == "full":
        return None
    if restriction is None:
        default = folder / "restrict_default.dat"
        return _read_restriction(default) if default.is_file() else None
    path = folder / f"restrict_{restriction}.dat"
    if not path.is_file():
        have = sorted(p.name[len("restrict_"):-4] for p in folder.glob("restrict_*.dat"))
        raise UFOError(f"model {folder.name} has no restriction {restriction!r} (no {path.name}); "
                       f"available: {', '.join(have + ['full'])}")
    return _read_restriction(path)


class _Builder:
    def __init__(self, folder: Path, objs: dict[str, Any], card: ParamCard | None, name: str,
                 generated_lorentz: bool = False) -> None:
        self.generated_lorentz = generated_lorentz
        self.folder = folder
        self.objs = objs
        self.card = card
        self.name = name
        self.ev = _Evaluator(objs["functions"])

    # parameters ---------------------------------------------------------------------------

    def parameters(self) -> tuple[list[Parameter], set[str]]:
        """Our parameters (externals, then internals in dependency order) and the fixed-to-0 names."""
        ext, internal = [], []
        for p in self.objs["parameters"]:
            if p.name == ZERO:
                continue
            (ext if p.nature == "external" else internal).append(p)
        out: list[Parameter] = []
        zero: set[str] = set()
        for p in ext:
            code = tuple(p.lhacode) if p.lhacode is not None else ()
            value = _as_type(p.value, p.type)
            if self.card is not None and p.lhablock is not None:
                given = self.card.get(p.lhablock, code)
                if isinstance(given, float):
                    value = _as_type(given, p.type)
            if self.card is not None and value in (0.0, 1.0):
                # fixed by the restriction: no longer a param_card entry
                out.append(Parameter(p.name, value, formula=repr(value)))
                if value == 0.0:
                    zero.add(p.name)
                continue
            out.append(Parameter(p.name, value, block=str(p.lhablock).upper(), index=code, default=value,
                                 formula=f"{p.lhablock} {' '.join(map(str, code))}"))
        known = {p.name for p in out} | {ZERO}
        for p in _dependency_order(internal, known):
            expr = str(p.value)
            missing = _names_in(expr) - known - set(self.ev.globals)
            if missing:
                raise UFOError(f"UFO model {self.folder.name}: parameter {p.name} = {expr} uses unknown "
                               f"name(s) {', '.join(sorted(missing))}")
            code = _compile(expr, f"parameter {p.name}")
            out.append(Parameter(p.name, 0.0, expr=lambda v, c=code, t=p.type: _as_type(self.ev(c, v), t),
                                 formula=expr))
            known.add(p.name)
        vals: dict[str, Any] = {ZERO: 0.0}
        for q in out:
            if q.expr is not None:
                q.value = q.expr(vals)
            vals[q.name] = q.value
        # constants: what no param_card can change (fixed parameters and those computed from them
        # only); a constant zero mass or width makes its particle massless or stable
        self.constants: dict[str, Any] = {}
        if self.card is not None:
            for q in out:
                fixed = q.expr is None and not q.external
                derived = q.expr is not None and _names_in(q.formula) & set(vals) <= {*self.constants, ZERO}
                if fixed or derived:
                    self.constants[q.name] = q.value
                    if q.value == 0:
                        zero.add(q.name)
        self.values = vals
        return out, zero

    # particles ------------------------------------------------------------------------------

    def particles(self, zero: set[str]) -> tuple[list[Particle], dict[str, Particle], set[str]]:
        out: list[Particle] = []
        ufo_to_ours: dict[str, Particle] = {}
        dropped: set[str] = set()
        lower_seen: dict[str, str] = {}
        for up in self.objs["particles"]:
            if up.get("GhostNumber", 0) or up.get("goldstoneboson") or up.spin < 0:
                dropped.add(up.name)
                continue
            mass = up.mass.name if hasattr(up.mass, "name") else str(up.mass)
            width = up.width.name if hasattr(up.width, "name") else str(up.width)
            mass = ZERO if mass in zero else mass
            width = ZERO if width in zero else width
            name, anti = up.name.lower(), up.antiname.lower()
            if name in lower_seen and lower_seen[name] != up.name:
                raise UFOError(f"particles {lower_seen[name]} and {up.name} differ only in case")
            lower_seen[name] = up.name
            p = Particle(int(up.pdg_code), name, anti, int(up.spin), int(up.color), float(up.charge), mass, width,
                         str(up.get("texname", "")))
            if name not in {q.name for q in out}:
                out.append(p)
            ufo_to_ours[up.name] = p
        return out, ufo_to_ours, dropped

    # vertices -----------------------------------------------------------------------------------

    def build(self) -> Model:
        params, zero = self.parameters()
        parts, ufo_p, dropped = self.particles(zero)
        by_name = {p.name: p for p in parts}
        # couplings: compiled, and removed when identically zero after the restriction
        known = set(self.values) | set(self.ev.globals)
        self.coup_code: dict[str, Any] = {}
        removed: set[str] = set()
        for c in self.objs["couplings"]:
            expr = c.value if isinstance(c.value, str) else str(c.value)
            if isinstance(c.value, dict):
                raise UFOError(f"coupling {c.name}: loop-order dependent couplings are not supported")
            unknown = _names_in(expr) - known
            if unknown:
                raise UFOError(f"UFO model {self.folder.name}: coupling {c.name} = {expr} uses unknown "
                               f"name(s) {', '.join(sorted(unknown))}")
            self.coup_code[c.name] = (_compile(expr, f"coupling {c.name}"), expr, dict(c.order))
            if self.card is not None and complex(self.ev(self.coup_code[c.name][0], self.values)) == 0:
                removed.add(c.name)
        self._check_qcd_scaling(params, removed)
        self._made: dict[str, Coupling] = {}
        vertices: list[Vertex] = []
        for v in self.objs["vertices"]:
            names = [p.name for p in v.particles]
            if any(n in dropped for n in names):
                continue
            vertices += self.vertex(v, [ufo_p[n] for n in names], by_name, removed)
        orders = [o for o in self.objs.get("orders", [])]
        m = Model(self.name, parts, params, vertices, _default_multiparticles(by_name),
                  f"UFO model {self.folder}" + (" (restricted)" if self.card is not None else ""))
        # WEIGHTED uses the model's hierarchy; orders with a small expansion_order (HIG, HIW of
        # hgg_plugin: 1) bound every process, as MG5 adds "HIG<=1" to the process line
        m.order_hierarchy.update({o.name: int(o.hierarchy) for o in orders})
        m.expansion_orders = {o.name: int(o.expansion_order) for o in orders
                              if getattr(o, "expansion_order", 99) is not None and int(o.expansion_order) < 99}
        m.ufo_folder = self.folder  # type: ignore[attr-defined]
        return m

    def _check_qcd_scaling(self, params: list[Parameter], removed: set[str]) -> None:
        """Each coupling must be proportional to a power of g_s: the core rescales it per event
        by (alpha_s/aS)**(power/2) (see `madnis_plugin.matrix_element`), as MG5 recomputes its
        aS-dependent couplings per event. The power is measured (aS scaled by 1.21 and 1.44);
        it is the QCD order, except in effective couplings such as g g h (~ alpha_s at QCD = 0)."""
        self.gs_power: dict[str, int] = {}
        if "aS" not in {p.name for p in params if p.external}:
            if any(o.get("QCD") for _, _, o in self.coup_code.values()):
                raise UFOError(f"UFO model {self.folder.name}: QCD couplings but no external parameter aS "
                               "(the strong coupling must be called aS, as in MG5's models)")
            return
        scaled = []
        for factor in (1.1, 1.2):
            vals: dict[str, Any] = {ZERO: 0.0}
            for q in params:
                vals[q.name] = q.expr(vals) if q.expr is not None else (
                    q.value * factor**2 if q.name == "aS" else q.value)
            scaled.append((factor, vals))
        for name, (code, expr, orders) in self.coup_code.items():
            if name in removed:
                continue
            c0 = complex(self.ev(code, self.values))
            qcd = orders.get("QCD", 0)
            if c0 == 0:
                continue
            ratio = complex(self.ev(code, scaled[0][1])) / c0
            k = round(math.log(abs(ratio)) / math.log(1.1)) if ratio != 0 else -1
            # (1e-6: couplings that nearly cancel, e.g. MSSM mixing sums at 1e-9 of their terms, carry rounding)
            if k < 0 or any(abs(complex(self.ev(code, vals)) - f**k * c0) > 1e-6 * abs(f**k * c0) for f, vals in scaled):
                raise UFOError(f"UFO model {self.folder.name}: coupling {name} = {expr} (QCD order {qcd}) is not "
                               "proportional to a power of g_s; running alpha_s needs that scaling")
            if k != qcd:
                self.gs_power[name] = k

    def vertex(self, v: Any, ufo_parts: list[Particle], by_name: Mapping[str, Particle],
               removed: set[str]) -> list[Vertex]:
        label = f"vertex {v.name} ({' '.join(p.name for p in v.particles)})"
        # group the (colour, lorentz) couplings by coupling orders: one Vertex per order set;
        # a vertex whose couplings the restriction removed is gone (its Lorentz structure unread)
        groups: dict[tuple, dict[tuple[int, int], str]] = {}
        for (ci, li), cpl in v.couplings.items():
            cnames = cpl if isinstance(cpl, (list, tuple)) else [cpl]
            for cp in cnames:
                if cp.name in removed:
                    continue
                orders = tuple(sorted((k, int(x)) for k, x in self.coup_code[cp.name][2].items() if x))
                groups.setdefault(orders, {}).setdefault((ci, li), []).append(cp.name)  # type: ignore[union-attr]
        if not groups:
            return []
        ours = [by_name[p.anti_name] for p in ufo_parts]  # conjugate: outgoing -> incoming
        spins = tuple(p.spin for p in ours)
        cls = _CLASS_OF_SPINS.get(tuple(sorted(spins)))
        if cls is None or self.generated_lorentz:
            return self.generic_vertex(v, label, ufo_parts, ours, groups)
        n = len(ours)
        perm = _slot_order(spins, ufo_parts, vectors_first=cls not in ("FFV", "FFS"))
        bases = _BASES[cls]
        our_spins = [spins[i] for i in perm]
        mom = [_momenta(n, s) for s in (1, 2)]
        basis_t = [[lorentz_tensor(s, our_spins, m) for m in mom] for _, s in bases]
        # UFO index k+1 is UFO slot k, our slot perm.index(k); its momentum is ours reversed
        ufo_mom = [{k + 1: m[perm.index(k) + 1] for k in range(n)} for m in mom]
        ufo_spins = [ufo_parts[k].spin for k in range(n)]
        fits: dict[int, list[complex]] = {}
        used = {li for entries in groups.values() for (_, li) in entries}
        for li, lz in enumerate(v.lorentz):
            if li not in used:
                continue
            try:
                t = [np.transpose(lorentz_tensor(lz.structure, ufo_spins, um, sign=-1.0), _axes(perm, ufo_spins))
                     for um in ufo_mom]
            except UnsupportedLorentz as err:
                raise UFOError(f"{label}: Lorentz structure {lz.name} = {lz.structure!r} cannot be read: {err}"
                               ) from err
            c = fit(t, basis_t)
            if c is None:  # not a hand-written structure: generated routines
                return self.generic_vertex(v, label, ufo_parts, ours, groups)
            fits[li] = c
        particles = tuple(ours[i].name for i in perm)
        inv = {ufo: mine for mine, ufo in enumerate(perm)}
        colours = [_remap_colour(c, inv) for c in v.color]
        out = []
        for orders, entries in groups.items():
            terms: list[VertexTerm] = []
            for ci in sorted({ci for ci, _ in entries}):
                for k, (bname, _) in enumerate(bases):
                    combo = [(fits[li][k], cn) for (cj, li), cns in entries.items() if cj == ci
                             for cn in cns if fits[li][k] != 0]
                    if combo:
                        terms.append(VertexTerm(colours[ci], bname, self.coupling(combo, orders)))
            if terms:
                out.append(Vertex(particles, cls, tuple(terms)))
        return out

    def generic_vertex(self, v: Any, label: str, ufo_parts: list[Particle], ours: list[Particle],
                       groups: Mapping[tuple, Mapping[tuple[int, int], list[str]]]) -> list[Vertex]:
        """A vertex with generated Lorentz routines: one term per (colour, structure) entry,
        the structure rewritten for our slots (fermions first: psibar, psi) and incoming momenta."""
        spins = tuple(p.spin for p in ours)
        bad = [s for s in spins if s not in (1, 2, 3)]
        if bad:
            raise UFOError(f"{label}: a leg of spin 2S+1 = {bad[0]}; generated routines cover scalars, "
                           "spin-1/2 fermions and vectors")
        n_f = sum(1 for s in spins if s == 2)
        if n_f % 2:
            raise UFOError(f"{label}: {n_f} fermion legs")
        perm = _slot_order(spins, ufo_parts, vectors_first=True)
        slot_of = [perm.index(k) for k in range(len(perm))]
        our_spins = tuple(spins[i] for i in perm)
        structures: dict[int, str] = {}
        for li in sorted({li for entries in groups.values() for (_, li) in entries}):
            lz = v.lorentz[li]
            try:
                structures[li] = to_incoming(lz.structure, slot_of)
                expand(structures[li], our_spins)  # fail here, naming the vertex, not at code generation
            except UnsupportedLorentz as err:
                raise UFOError(f"{label}: Lorentz structure {lz.name} = {lz.structure!r} cannot be generated: "
                               f"{err}") from err
        particles = tuple(ours[i].name for i in perm)
        inv = {ufo: mine for mine, ufo in enumerate(perm)}
        colours = [_remap_colour(c, inv) for c in v.color]
        cls = "GEN:" + "".join({1: "S", 2: "F", 3: "V"}[s] for s in our_spins)
        out = []
        for orders, entries in groups.items():
            terms = tuple(VertexTerm(colours[ci], structures[li], self.coupling([(1, cn) for cn in cns], orders))
                          for (ci, li), cns in sorted(entries.items()))
            out.append(Vertex(particles, cls, terms))
        return out

    def coupling(self, combo: list[tuple[complex, str]], orders: tuple) -> Coupling:
        name = " + ".join(cn if a == 1 else f"({_frac_str(a)})*{cn}" for a, cn in combo)
        if name in self._made:
            return self._made[name]
        # the formula identifies the coupling (equal formulas merge flavours): constants folded in
        formula = " + ".join(f"({_frac_str(a)})*({_fold(self.coup_code[cn][1], self.constants)})" for a, cn in combo)
        codes = [(a, self.coup_code[cn][0]) for a, cn in combo]
        ev = self.ev

        def value(params: Mapping[str, Any], codes=codes) -> complex:
            return sum((a * complex(ev(c, params)) for a, c in codes), 0j)

        # QCD first, as the built-in models order it
        orders = tuple(sorted(orders, key=lambda kv: (kv[0] != "QCD", kv[0])))
        powers = {self.gs_power.get(cn, dict(orders).get("QCD", 0)) for _, cn in combo}
        if len(powers) > 1:
            raise UFOError(f"UFO model {self.folder.name}: couplings {', '.join(cn for _, cn in combo)} multiply "
                           "one vertex structure but scale with different powers of g_s")
        (power,) = powers
        c = Coupling(name, formula, value, orders, power if power != dict(orders).get("QCD", 0) else None)
        self._made[name] = c
        return c


def _fold(expr: str, constants: Mapping[str, Any]) -> str:
    """`expr` with the names of constant parameters replaced by their values."""
    if not constants:
        return expr
    tree = ast.parse(expr, mode="eval")

    class Fold(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in constants:
                return ast.copy_location(ast.Constant(constants[node.id]), node)
            return node

    return ast.unparse(Fold().visit(tree))


def _slot_order(spins: Sequence[int], ufo_parts: Sequence[Particle], vectors_first: bool) -> list[int]:
    """perm[our slot] = UFO slot (0-based): the fermions first, in (psibar, psi) pairs,
    then (with `vectors_first`) vectors before scalars, else UFO's order.

    The fermion lines are UFO's fermion legs taken in pairs in their order (legs 1, 2 and
    3, 4 of a four-fermion vertex, as MG5's ALOHA pairs them). The spinor row (psibar) of
    a line is its outgoing fermion (pdg > 0), whose antiparticle enters our psibar slot;
    where that does not decide (Majorana), UFO's order (psi, psibar) does.
    """
    n = len(spins)
    f = [i for i in range(n) if spins[i] == 2]
    head: list[int] = []
    for a, b in zip(f[0::2], f[1::2], strict=True):
        pos = [i for i in (a, b) if ufo_parts[i].pdg > 0]
        row = pos[0] if len(pos) == 1 else b
        head += [row, a if row == b else b]
    rest = [i for i in range(n) if spins[i] != 2]
    if vectors_first:
        rest.sort(key=lambda i: -spins[i])
    return head + rest


def _axes(cand: list[int], spins: Sequence[int]) -> list[int]:
    """Transpose order taking a tensor with axes in UFO slot order to our slot order."""
    axis_of = {}
    k = 0
    for slot, s in enumerate(spins):
        if s in (2, 3):
            axis_of[slot] = k
            k += 1
    return [axis_of[slot] for slot in cand if slot in axis_of]


def _remap_colour(structure: str, inv: Mapping[int, int]) -> str:
    """A UFO colour string (1-based leg indices) in our leg numbering (0-based)."""
    s = structure.replace(" ", "")
    if s in ("1", ""):
        return "1"

    def repl(m: re.Match) -> str:
        args = [int(x) for x in m.group(2).split(",")]
        new = [inv[a - 1] if a > 0 else a for a in args]
        if m.group(1) == "Identity":
            new = sorted(new)
        return f"{m.group(1)}({','.join(map(str, new))})"

    out = re.sub(r"(\w+)\(([-\d,]+)\)", repl, s)
    for name in re.findall(r"(\w+)\(", out):
        if name not in ("Identity", "T", "f"):
            raise UFOError(f"colour structure {structure!r}: {name} is not supported (Identity, T, f are)")
    return out


def _default_multiparticles(by_name: Mapping[str, Particle]) -> dict[str, list[str]]:
    """MG5's default labels for the particles the model has (5 flavours when b is massless)."""
    q = ["u", "c", "d", "s"]
    if "b" in by_name and by_name["b"].massless:
        q.append("b")
    labels = {
        "p": ["g", *q, *(x + "~" for x in q)],
        "j": ["g", *q, *(x + "~" for x in q)],
        "l+": ["e+", "mu+"], "l-": ["e-", "mu-"], "vl": ["ve", "vm", "vt"], "vl~": ["ve~", "vm~", "vt~"],
    }
    return {k: [n for n in v if n in by_name] for k, v in labels.items()}


__all__ = ["UFOError", "find_ufo", "is_path", "load_ufo", "search_path"]
