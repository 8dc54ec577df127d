"""A minimal UFO object library and function library, for reading UFO model folders.

A UFO model (arXiv:1108.2040) is a Python package whose files (particles.py,
parameters.py, couplings.py, lorentz.py, vertices.py, coupling_orders.py) build objects
from ``object_library`` and call functions from ``function_library``. `load_ufo_objects`
executes those files with this module's classes in their place, so no MG5 code is
needed, and returns the objects each file defined. Nothing here evaluates parameters or
maps a UFO model onto `madnis_plugin.models.Model`: that is `madnis_plugin.models.ufo`.
Reading a model runs its Python files, as MG5 does: load only models you trust.
"""

from __future__ import annotations

import cmath
import math
import os
import sys
import types
from pathlib import Path
from typing import Any


class UFOBase:
    """Keyword-argument record (the common base of the UFO object classes)."""

    require_args: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = list(self.require_args)
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional arguments")
        for n, a in zip(names, args, strict=False):
            kwargs[n] = a
        for n in names:
            if n not in kwargs:
                raise TypeError(f"{type(self).__name__} {kwargs.get('name', '')!r} misses argument {n!r}")
        self.__dict__.update(kwargs)

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def __repr__(self) -> str:
        return f"<UFO {type(self).__name__} {self.get('name')}>"


class Particle(UFOBase):
    require_args = ("pdg_code", "name", "antiname", "spin", "color", "mass", "width", "texname",
                    "antitexname", "charge")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("line", None)
        kwargs.setdefault("propagating", True)
        kwargs.setdefault("goldstoneboson", kwargs.pop("GoldstoneBoson", False))
        kwargs.setdefault("GhostNumber", 0)
        super().__init__(*args, **kwargs)
        self.selfconjugate = self.name == self.antiname
        _registry["particles"].append(self)

    @property
    def GoldstoneBoson(self) -> bool:
        return bool(self.goldstoneboson)

    def anti(self) -> Particle:
        """The antiparticle: conjugate colour, opposite charge and additive quantum numbers."""
        if self.selfconjugate:
            raise ValueError(f"{self.name} is its own antiparticle")
        colour = {3: -3, -3: 3, 6: -6, -6: 6}.get(self.color, self.color)
        kw = {k: v for k, v in self.__dict__.items() if k != "selfconjugate"}
        kw.update(pdg_code=-self.pdg_code, name=self.antiname, antiname=self.name, texname=self.antitexname,
                  antitexname=self.texname, color=colour, charge=-self.charge)
        for k, v in self.__dict__.items():
            if (k == "Y" or k.endswith("Number")) and isinstance(v, (int, float)):
                kw[k] = -v
        return Particle(**kw)


class Parameter(UFOBase):
    require_args = ("name", "nature", "type", "value", "texname")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lhablock", None)
        kwargs.setdefault("lhacode", None)
        super().__init__(*args, **kwargs)
        _registry["parameters"].append(self)


class Coupling(UFOBase):
    require_args = ("name", "value", "order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _registry["couplings"].append(self)


class Lorentz(UFOBase):
    require_args = ("name", "spins")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 2:
            kwargs["structure"], args = args[2], args[:2]
        kwargs.setdefault("structure", "external")
        kwargs.setdefault("formfactors", [])
        super().__init__(*args, **kwargs)
        _registry["lorentz"].append(self)


class Vertex(UFOBase):
    require_args = ("name", "particles", "color", "lorentz", "couplings")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _registry["vertices"].append(self)


class CouplingOrder(UFOBase):
    require_args = ("name", "expansion_order", "hierarchy")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("perturbative_expansion", 0)
        super().__init__(*args, **kwargs)
        _registry["orders"].append(self)


class Decay(UFOBase):
    require_args = ("particle", "partial_widths")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class FormFactor(UFOBase):
    require_args = ("name", "type", "value")


class Function:
    """A model-defined function (``Function(name, arguments, expression)``)."""

    def __init__(self, name: str, arguments: tuple[str, ...], expression: str) -> None:
        self.name = name
        self.arguments = tuple(arguments)
        self.expr = expression
        self._code = compile(expression, f"<UFO function {name}>", "eval")
        _registry["functions"].append(self)
        self._namespace = FUNCTIONS  # the namespace of the model being read (a fresh dict per model)
        FUNCTIONS[name] = self

    def __call__(self, *args: Any) -> Any:
        ns = dict(zip(self.arguments, args, strict=True))
        return eval(self._code, {"__builtins__": {}, **self._namespace}, ns)


# -- the function library: what parameter and coupling expressions may call -----------


def _csc(z: complex) -> complex:
    return 1.0 / cmath.sin(z)


def _sec(z: complex) -> complex:
    return 1.0 / cmath.cos(z)


FUNCTIONS: dict[str, Any] = {
    "cmath": cmath,
    "math": math,
    "complex": complex,
    "abs": abs,
    "float": float,
    "int": int,
    "pow": pow,
    "min": min,
    "max": max,
    "complexconjugate": lambda z: complex(z).conjugate(),
    "conjugate": lambda z: complex(z).conjugate(),
    "re": lambda z: complex(z).real,
    "im": lambda z: complex(z).imag,
    "csc": _csc,
    "sec": _sec,
    "acsc": lambda z: cmath.asin(1.0 / z),
    "asec": lambda z: cmath.acos(1.0 / z),
    "cot": lambda z: 1.0 / cmath.tan(z),
    "theta_function": lambda x, y, z: y if x else z,
    "cond": lambda c, y, z: y if c == 0 else z,
    "reglog": lambda z: 0.0 if z == 0 else cmath.log(z),
    "arg": lambda z: cmath.phase(z),
    "sqrt": cmath.sqrt,
    "pi": math.pi,
}

_registry: dict[str, list] = {}


def _reset_registry() -> None:
    for k in ("particles", "parameters", "couplings", "lorentz", "vertices", "orders", "functions"):
        _registry[k] = []


_reset_registry()

# The files of a UFO model in the order they import each other (the optional ones may be absent).
_FILES = ("function_library", "parameters", "form_factors", "propagators", "particles", "coupling_orders", "couplings",
          "lorentz", "vertices")


class Propagator(UFOBase):
    require_args = ("name", "numerator", "denominator")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


def load_ufo_objects(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Execute a UFO folder's files with this object library; the objects of each kind.

    Returns ``{"particles": [...], "parameters": [...], "couplings": [...], "lorentz": [...],
    "vertices": [...], "orders": [...], "functions": {...}}`` in definition order
    (antiparticles made with ``.anti()`` included); ``functions`` is the namespace in which
    the model's expressions are to be evaluated. Raises `FileNotFoundError` if a required
    file is missing.
    """
    folder = Path(folder)
    for required in ("particles.py", "parameters.py", "couplings.py", "lorentz.py", "vertices.py"):
        if not (folder / required).is_file():
            raise FileNotFoundError(f"{folder} is not a UFO model: {required} is missing")
    global FUNCTIONS
    _reset_registry()
    FUNCTIONS = dict(_BASE_FUNCTIONS)
    pkg = f"_madnis_ufo_{abs(hash(str(folder.resolve())))}"
    lib = types.ModuleType(f"{pkg}.object_library")
    for cls in (UFOBase, Particle, Parameter, Coupling, Lorentz, Vertex, CouplingOrder, Decay, FormFactor,
                Function, Propagator):
        setattr(lib, cls.__name__, cls)
    for kind in ("particles", "parameters", "couplings", "lorentz", "vertices", "orders", "functions"):
        setattr(lib, f"all_{kind}", _registry[kind])
    for extra in ("decays", "propagators", "form_factors", "CTparameters", "CTcouplings", "CTvertices"):
        setattr(lib, f"all_{extra}", [])
    package = types.ModuleType(pkg)
    package.__path__ = []  # a package, so that `from . import x` resolves
    modules: dict[str, types.ModuleType] = {"object_library": lib}
    saved = {n: sys.modules.get(n) for n in (*_FILES, "object_library", pkg, f"{pkg}.object_library",
                                            *(f"{pkg}.{f}" for f in _FILES))}
    try:
        sys.modules[pkg] = package
        sys.modules["object_library"] = sys.modules[f"{pkg}.object_library"] = lib
        package.object_library = lib
        for short in _FILES:
            path = folder / f"{short}.py"
            mod = types.ModuleType(f"{pkg}.{short}")
            mod.__file__ = str(path)
            mod.__package__ = pkg
            if short == "function_library":
                mod.__dict__.update(_BASE_FUNCTIONS)
                mod.Function = Function
            sys.modules[short] = sys.modules[f"{pkg}.{short}"] = mod
            setattr(package, short, mod)
            modules[short] = mod
            if path.is_file():
                exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), mod.__dict__)  # noqa: S102
    finally:
        for n, m in saved.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m
    out: dict[str, Any] = {k: list(v) for k, v in _registry.items()}
    out["functions"] = dict(FUNCTIONS)
    return out


_BASE_FUNCTIONS = dict(FUNCTIONS)


def merge_ufo_objects(base: dict[str, Any], plugin: dict[str, Any]) -> dict[str, Any]:
    """The objects of `base` with those of `plugin` added, as MG5's ``add model`` merges a
    plugin model (hgg_plugin, ...) into a base model.

    A plugin particle with the PDG code of a base particle is that particle (its vertices
    are re-attached); a plugin parameter with the name of a base parameter is the base's;
    plugin couplings and Lorentz structures whose names are taken get MG5's suffix
    ``__1``; orders and functions are joined, the base's winning.
    """
    out = {k: (list(v) if isinstance(v, list) else dict(v)) for k, v in base.items()}
    by_pdg = {p.pdg_code: p for p in base["particles"]}
    names = {p.name: p.pdg_code for p in base["particles"]}
    same: dict[int, Any] = {}
    for p in plugin["particles"]:
        if p.pdg_code in by_pdg:
            same[id(p)] = by_pdg[p.pdg_code]
        elif p.name in names:
            raise ValueError(f"plugin particle {p.name} (PDG {p.pdg_code}) has the name of the base model's "
                             f"particle with PDG {names[p.name]}")
        else:
            out["particles"].append(p)
    taken = {p.name for p in base["parameters"]}
    out["parameters"] += [p for p in plugin["parameters"] if p.name not in taken]
    for kind in ("couplings", "lorentz"):
        taken = {x.name for x in base[kind]}
        for x in plugin[kind]:
            if x.name in taken:
                x.name = f"{x.name}__1"
            out[kind].append(x)
    taken = {o.name for o in base["orders"]}
    out["orders"] += [o for o in plugin["orders"] if o.name not in taken]
    out["functions"] = {**plugin["functions"], **base["functions"]}
    for v in plugin["vertices"]:
        v.particles = [same.get(id(p), p) for p in v.particles]
        out["vertices"].append(v)
    return out
