"""Physics models as Python data: particles, parameters, couplings, vertices.

`load(name)` returns a fresh `Model` (each call builds a new object, so changing the
parameters of one does not affect another). Known models: ``sm`` (MG5's default),
``sm-no_b_mass`` and ``sm_zprime``. SLHA param_cards are read and written by
`madnis_plugin.models.param_card`. This package does not generate diagrams or code.
"""

from __future__ import annotations

from collections.abc import Callable

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


def load(name: str) -> Model:
    """Build the model called `name` (``sm``, ``sm-no_b_mass``, ``sm_zprime``).

    An unknown name raises `ValueError` listing the known models.
    """
    key = name.strip()
    if key not in _MODELS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(known_models())}")
    return _MODELS[key]()


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
