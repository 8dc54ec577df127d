"""Physics models as Python data: particles, parameters, couplings, vertices.

`load(name)` returns a fresh `Model` (each call builds a new object, so changing the
parameters of one does not affect another). Built-in models: ``sm`` (MG5's default),
``sm-no_b_mass`` and ``sm_zprime``; any other name, or a path, is a UFO model folder
read by `madnis_plugin.models.ufo` (``NAME[-RESTRICTION]``, searched in the proc_card's
folder, ``MADNIS_MODEL_PATH`` and ``$MG5_HOME/models``). SLHA param_cards are read and
written by `madnis_plugin.models.param_card`. This package does not generate diagrams or code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from madnis_plugin.models.model import ZERO, Coupling, Model, Parameter, Particle, Vertex, VertexTerm
from madnis_plugin.models.param_card import ParamCard, read_param_card
from madnis_plugin.models.sm import build_sm

_MODELS: dict[str, Callable[[], Model]] = {
    "sm": lambda: build_sm("sm"),
    "sm-no_b_mass": lambda: build_sm("sm-no_b_mass"),
    "sm_zprime": lambda: build_sm("sm_zprime"),
}


def known_models() -> list[str]:
    """Names `load` accepts."""
    return list(_MODELS)


def load(name: str, restriction: str | None = None, card_dir: str | os.PathLike[str] | None = None,
         plugins: Sequence[str] = ()) -> Model:
    """Build the model `name` (``sm``, ``sm-no_b_mass``, ``sm_zprime``, or a UFO model).

    `name` may carry the restriction (``sm_zprime_ufo-no_b_mass``) or it is given as
    `restriction`. A built-in name wins unless `name` is written as a path; otherwise the
    UFO folder is looked up with `ufo.find_ufo` (relative paths and the first search
    folder are `card_dir`). An unknown model raises `ValueError` saying where it looked.
    `plugins` are UFO models added to it (MG5's ``add model``); the base model must then
    be a UFO folder too (``sm`` is MG5's models/sm, found through ``MG5_HOME``).
    """
    from madnis_plugin.models import ufo

    if plugins:
        return _load_with_plugins(name, restriction, card_dir, plugins)

    key = name.strip().rstrip("/")
    if restriction is None and not key.endswith("-"):
        base = os.path.basename(key)
        if key not in _MODELS and "-" in base and ufo.find_ufo(key, card_dir) is None:
            key, restriction = key.rsplit("-", 1)
    spec = key + (f"-{restriction}" if restriction else "")
    if not ufo.is_path(key) and spec in _MODELS:
        return _MODELS[spec]()
    folder = ufo.find_ufo(spec, card_dir) if restriction else None
    if folder is not None:  # a folder whose name contains '-'
        return ufo.load_ufo(folder, None)
    folder = ufo.find_ufo(key, card_dir)
    if folder is None and ufo.is_path(key):
        raise ValueError(f"unknown model {spec!r}: {key} is not a UFO model folder (no particles.py there)")
    if folder is None:
        where = ", ".join(str(p) for p in ufo.search_path(card_dir)) or "nowhere (no MADNIS_MODEL_PATH, MG5_HOME)"
        raise ValueError(
            f"unknown model {spec!r}: not a built-in model ({', '.join(known_models())}) and no UFO model "
            f"folder {key!r} found (searched: {where})"
        )
    return ufo.load_ufo(folder, restriction)


def _load_with_plugins(name: str, restriction: str | None, card_dir: str | os.PathLike[str] | None,
                       plugins: Sequence[str]) -> Model:
    from madnis_plugin.models import ufo

    def folder_of(key: str, what: str) -> os.PathLike[str]:
        found = ufo.find_ufo(key, card_dir)
        if found is None:
            where = ", ".join(str(p) for p in ufo.search_path(card_dir)) or "nowhere (no MADNIS_MODEL_PATH, MG5_HOME)"
            raise ValueError(f"'add model {plugins[0]}' needs {what} {key!r} as a UFO folder; none found "
                             f"(searched: {where})")
        return found

    base = folder_of(name.strip().rstrip("/"), "the model")
    return ufo.load_ufo(base, restriction, plugins=[folder_of(p.strip().rstrip("/"), "the plugin model")
                                                    for p in plugins])


__all__ = [
    "ZERO",
    "Coupling",
    "Model",
    "ParamCard",
    "Parameter",
    "Particle",
    "Vertex",
    "VertexTerm",
    "known_models",
    "load",
    "read_param_card",
]
