"""Render an `AmplitudeProgram` into C++/CUDA source with the jinja2 template.

One source serves both backends: compiled by a C++ compiler it exports
``madnis_me_block`` (a SIMD vector of points per call; the core loops over blocks),
compiled by nvcc it exports ``madnis_me_launch`` (a kernel on the caller's stream). See
`csrc/include/madnis/helas/me_abi.h` for the interface.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from functools import cache

import jinja2

from madnis_plugin.codegen.program import AmplitudeProgram
from madnis_plugin.colour import GaussQ

__all__ = ["render_source"]

#: Threads per block of the generated CUDA kernel.
CUDA_THREADS = 64


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("madnis_plugin.codegen", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def _update(coef: GaussQ, amp: str) -> tuple[str, str]:
    """(operator, C++ term) adding coef * amp to a partial amplitude: ±1 and ±i cost no
    multiplication."""
    unit = {(1, 0): ("+=", amp), (-1, 0): ("-=", amp), (0, 1): ("+=", f"times_i({amp})"),
            (0, -1): ("-=", f"times_i({amp})")}
    if (coef.re, coef.im) in unit:
        return unit[(coef.re, coef.im)]
    if not coef.im:
        return "+=", f"{float(coef.re)!r} * {amp}"
    if not coef.re:
        return "+=", f"times_i({float(coef.im)!r} * {amp})"
    return "+=", f"cplx({float(coef.re)!r}, {float(coef.im)!r}) * {amp}"


def _common_scale(coefficients: list[dict]) -> Fraction:
    """The commonest non-zero |re| or |im| of the colour coefficients (1 if there are none).
    Dividing the coefficients by it (and multiplying the colour matrix by its square) turns
    most partial-amplitude updates into additions."""
    counts = Counter(abs(x) for coefs in coefficients for c in coefs.values() for x in (c.re, c.im) if x)
    return counts.most_common(1)[0][0] if counts else Fraction(1)


_UNITS = (GaussQ(Fraction(1)), GaussQ(Fraction(-1)), GaussQ(Fraction(0), Fraction(1)),
          GaussQ(Fraction(0), Fraction(-1)))


def _colour_groups(coefficients: list[dict]) -> tuple[list, list]:
    """Amplitude pieces whose colour vectors are equal up to a factor u = ±1, ±i share their
    updates: the piece adds u A to the group's sum, and the sum goes into the flows once.
    (g g > t t~ g g g: 1890 pieces in 945 groups, 15,120 flow updates -> 6,480.)

    Returns, per piece, (group, operator, term) or None when its group has only it; and per
    group, the (flow, operator, term) updates of its sum `s`."""
    groups: dict[tuple, int] = {}
    members: list[list[int]] = []
    unit_of: list[tuple[int, GaussQ]] = []
    for i, coefs in enumerate(coefficients):
        first = coefs[min(coefs)]
        # the unit that makes the first coefficient real and positive (1 if none does)
        unit = next((u for u in _UNITS if (first * _conj(u)).re > 0 and (first * _conj(u)).im == 0), _UNITS[0])
        key = tuple(sorted((k, (c * _conj(unit)).re, (c * _conj(unit)).im) for k, c in coefs.items()))
        g = groups.setdefault(key, len(groups))
        if g == len(members):
            members.append([])
        members[g].append(i)
        unit_of.append((g, unit))
    shared = {g: j for j, g in enumerate(g for g, m in enumerate(members) if len(m) > 1)}
    updates = [(shared[g], *_update(u, "a")) if g in shared else None for g, u in unit_of]
    flows = [None] * len(shared)
    for g, j in shared.items():
        i, (_, unit) = members[g][0], unit_of[members[g][0]]
        flows[j] = [(k, *_update(c * _conj(unit), "s")) for k, c in sorted(coefficients[i].items())]
    return updates, flows


def _conj(z: GaussQ) -> GaussQ:
    return GaussQ(z.re, -z.im)


#: Above this many routine calls per helicity the routines are compiled out of line
#: (MADNIS_HELAS_NOINLINE): compile time then grows linearly with the process.
NOINLINE_CALLS = 400


def render_source(program: AmplitudeProgram, noinline: bool | None = None) -> str:
    """The C++ source of one matrix element (a pure function of the program).

    `noinline`: call the helicity-amplitude routines instead of inlining them (default:
    for programs with more than `NOINLINE_CALLS` calls per helicity).
    """
    if noinline is None:
        noinline = len(program.external) + len(program.currents) + len(program.amplitudes) > NOINLINE_CALLS
    basis = program.colour
    # Each amplitude piece is added to the partial amplitudes of its colour flows as soon as
    # it is computed: no array of all pieces (on a GPU it would live in local memory).
    scale = _common_scale(basis.coefficients)
    coefficients = [{k: c * (1 / scale) for k, c in coefs.items()} for coefs in basis.coefficients]
    flow_updates = [[(f"jamp[{k}]", *_update(c, "a")) for k, c in sorted(coefs.items())] for coefs in coefficients]
    group_updates, group_flows = _colour_groups(coefficients)
    n = basis.n_flows
    cf_rows = [
        [repr(float(basis.matrix[k][l] * scale * scale * (1 if l == k else 2))) for l in range(k, n)]
        for k in range(n)
    ]
    return _environment().get_template("matrix_element.cpp.j2").render(
        p=program,
        cf=[x for row in cf_rows for x in row],
        cf_rows=cf_rows,
        flow_updates=flow_updates,
        group_updates=group_updates,
        group_flows=group_flows,
        flow_scale2=repr(float(scale * scale)),
        leading=[int(x) for x in basis.leading],
        cuda_threads=CUDA_THREADS,
        noinline=noinline,
    )
