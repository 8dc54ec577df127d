"""Render an `AmplitudeProgram` into C++/CUDA source with the jinja2 template.

One source serves both backends: compiled by a C++ compiler it exports
``madnis_me_block`` (a SIMD vector of points per call; the core loops over blocks),
compiled by nvcc it exports ``madnis_me_launch`` (a kernel on the caller's stream). See
`csrc/include/madnis/helas/me_abi.h` for the interface.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from fractions import Fraction
from functools import cache

import jinja2

from madnis_plugin.codegen.program import AmplitudeProgram, Call
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


_WAVEFUNCTION = re.compile(r"([wc])(\d+)")

#: Helicity recycling keeps the stored wavefunctions and open vertices in a per-thread buffer of
#: at most this many bytes (64-byte vectors); a larger process is computed configuration by
#: configuration.
RECYCLING_MAX_BYTES = 64 << 20

_PAIRING = {frozenset({0, 1}): 0, frozenset({2, 3}): 0, frozenset({0, 2}): 1, frozenset({1, 3}): 1,
            frozenset({0, 3}): 2, frozenset({1, 2}): 2}


def _open_vertices(call: Call) -> list[tuple[int, str, str]] | None:
    """The ways to write amplitude `call` as an open vertex contracted with one of its
    wavefunctions: (slot of that wavefunction, open-vertex call, contraction routine); None
    for vertices without open forms."""
    r, a = call.routine, call.args
    if r == "ffv_amp":  # (fo, fi, v, cl, cr)
        fo, fi, v, cl, cr = a
        return [(2, f"ffv_open_vector({fo}, {fi}, {cl}, {cr})", "contract_vector"),
                (1, f"ffv_open_row({fo}, {v}, {cl}, {cr})", "contract_spinor"),
                (0, f"ffv_open_col({fi}, {v}, {cl}, {cr})", "contract_spinor")]
    if r == "vvv_amp":  # cyclic: the leg after the two others
        x, y, z, g = a
        return [(2, f"vvv_open({x}, {y}, {g})", "contract_vector"),
                (0, f"vvv_open({y}, {z}, {g})", "contract_vector"),
                (1, f"vvv_open({z}, {x}, {g})", "contract_vector")]
    if r.startswith("vvvv_amp<"):  # (v0, v1, v2, v3, c01, c02, c03)
        out = []
        for free in range(4):
            o = [s for s in range(4) if s != free]
            pick = [a[4 + _PAIRING[frozenset(pair)]] for pair in ((o[0], o[1]), (o[0], o[2]), (o[1], o[2]))]
            mask = sum(1 << k for k, c in enumerate(pick) if c != "cplx(0.0)")
            out.append((free, f"vvvv_open<{mask}>({a[o[0]]}, {a[o[1]]}, {a[o[2]]}, {', '.join(pick)})",
                        "contract_vector"))
        return out
    return None


def _helicity_recycling(program: AmplitudeProgram) -> dict | None:
    """Wavefunctions and open vertices stored per helicity sub-configuration of their legs (CPU).

    A wavefunction (external or current) depends only on the helicities of the external legs
    in its sub-tree: g g > t t~ g g's 48 currents take 324 distinct values over the 64
    helicity configurations, not 3,072. An amplitude is written as an open vertex (the
    vertex with one leg open, no propagator) contracted with the wavefunction of that leg,
    the one with the most helicity sub-configurations: the open vertex depends on the other
    legs only (g g > t t~ g g g: 241,920 amplitude evaluations per block of events become
    9,600 open vertices and as many contractions as amplitudes, 4 complex products each).

    Node n (external legs, currents, then open vertices) gets one slot per distinct helicity
    tuple of its legs, and ``table[h][n]`` is the slot it uses in configuration h; the
    generated code computes a slot the first time a summed configuration needs it.
    Returns the slot table, the slot counts and, per amplitude, (open node, contraction,
    wavefunction) or None (computed as it is); or None where the slots would not fit
    `RECYCLING_MAX_BYTES`."""
    n_ext = program.n_external
    nh = [len(leg.helicities) for leg in program.legs]

    def node(arg: str) -> int | None:
        m = _WAVEFUNCTION.fullmatch(arg)
        return None if m is None else int(m[2]) if m[1] == "w" else n_ext + int(m[2])

    def legs_of(args) -> frozenset[int]:
        return frozenset().union(*(legs[n] for n in map(node, args) if n is not None))

    def n_variants(sub: frozenset[int]) -> int:
        return math.prod(nh[i] for i in sub)

    legs: list[frozenset[int]] = [frozenset({i}) for i in range(n_ext)]
    for call in program.currents:
        legs.append(legs_of(call.args))
    # Each amplitude's open leg: the wavefunction with the most sub-configurations; among
    # equals, the open vertex that most amplitudes can share.
    options = []
    for call in program.amplitudes:
        forms = _open_vertices(call)
        if forms is None:
            options.append([])
            continue
        best = max(n_variants(legs[node(call.args[k])]) for k, _, _ in forms)
        options.append([f for f in forms if n_variants(legs[node(call.args[f[0]])]) == best])
    popularity = Counter(f[1] for forms in options for f in forms)
    open_index: dict[str, int] = {}
    opens: list[str] = []
    contractions: list[tuple[int, str, str] | None] = []
    for call, forms in zip(program.amplitudes, options):
        if not forms:
            contractions.append(None)
            continue
        k, open_call, contract = max(forms, key=lambda f: popularity[f[1]])
        if open_call not in open_index:
            open_index[open_call] = len(opens)
            opens.append(open_call)
            legs.append(legs_of(a for j, a in enumerate(call.args) if j != k))
        contractions.append((open_index[open_call], contract, call.args[k]))
    n_wf = n_ext + len(program.currents)
    table = [[0] * len(legs) for _ in program.helicities]
    counts = [0, 0]  # wavefunction slots, open-vertex slots
    for n, sub in enumerate(legs):
        kind = int(n >= n_wf)
        variants: dict[tuple, int] = {}
        for h, hel in enumerate(program.helicities):
            key = tuple(hel[i] for i in sorted(sub))
            table[h][n] = counts[kind] + variants.setdefault(key, len(variants))
        counts[kind] += len(variants)
    wf_bytes, open_bytes = 12 * 64, 8 * 64  # 4 complex components (+ 4 momentum components)
    if max(counts) >= 1 << 16 or counts[0] * wf_bytes + counts[1] * open_bytes > RECYCLING_MAX_BYTES:
        return None
    return {"table": table, "n_slots": counts[0], "n_open": counts[1], "opens": opens,
            "open_node0": n_wf, "contractions": contractions}


#: Above this many routine calls per helicity the routines are compiled out of line
#: (MADNIS_HELAS_NOINLINE): compile time then grows linearly with the process.
NOINLINE_CALLS = 400


def render_source(program: AmplitudeProgram, noinline: bool | None = None, recycling: bool = True) -> str:
    """The C++ source of one matrix element (a pure function of the program).

    `noinline`: call the helicity-amplitude routines instead of inlining them (default:
    for programs with more than `NOINLINE_CALLS` calls per helicity). `recycling`: helicity
    recycling on the CPU (see `_helicity_recycling`; the CUDA code never recycles).
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
        rec=_helicity_recycling(program) if recycling else None,
    )
