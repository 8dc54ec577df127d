"""Exact colour flows (madnis_plugin.colour) against brute-force SU(3) with Gell-Mann matrices.

For each process, every amplitude piece's colour factor is also built as an explicit
tensor over the external colour indices (T^a = lambda^a/2, f^abc from the commutator,
internal lines summed with einsum). For random colour-stripped amplitudes a_p,
sum over all colours |sum_p a_p C_p|^2 must equal J^† CF J with J_k = sum_p c_pk a_p.
"""

from __future__ import annotations

import itertools
import os
import string
from fractions import Fraction

import numpy as np
import pytest
from _tree_amplitudes import FABC, TA
from conftest import DATA

from madnis_plugin import models
from madnis_plugin.codegen.program import build_program
from madnis_plugin.colour import colour_matrix
from madnis_plugin.colour.algebra import parse_colour
from madnis_plugin.models.ufo import load_ufo
from madnis_plugin.process.diagrams import generate_diagrams

T, F = TA, FABC  # Gell-Mann T^a and f^abc, built once in tests/_tree_amplitudes.py


@pytest.fixture(scope="module")
def sm():
    return models.load("sm")


def test_structure_constants_are_the_su3_ones():
    comm = np.einsum("aij,bjk->abik", T, T) - np.einsum("bij,ajk->abik", T, T)
    np.testing.assert_allclose(comm, 1j * np.einsum("abc,cik->abik", F, T), atol=1e-15)
    assert F[0, 1, 2] == pytest.approx(1.0)


def _groups(vertex):
    out: dict[str, list] = {}
    for t in vertex.terms:
        out.setdefault(t.colour, []).append(t)
    return list(out)


def _piece_tensor(model, d, groups, choice, n_external) -> np.ndarray:
    letters = iter(string.ascii_letters)
    letter: dict[int, str] = {}

    def name(line: int) -> str:
        if line not in letter:
            letter[line] = next(letters)
        return letter[line]

    operands, subs = [], []
    for k, dv in enumerate(d.vertices):
        internal: dict[int, str] = {}
        for fname, idx in parse_colour(groups[k][choice[k]]):
            ids = [internal.setdefault(i, next(letters)) if i < 0 else name(dv.lines[i]) for i in idx]
            octet = fname == "Identity" and model.particle(dv.vertex.particles[idx[0]]).colour == 8
            operands.append({"Identity": np.eye(8 if octet else 3), "T": T, "f": F}[fname])
            subs.append("".join(ids))
    ext = [name(leg) for leg in range(n_external) if abs(model.particle(d.pdg_ids[leg]).colour) != 1]
    return np.einsum(",".join(subs) + "->" + "".join(ext), *operands) if operands else np.ones(())


def brute_force_tensors(model, diagrams, n_external):
    """Explicit colour tensors of the amplitude pieces, in the order the program makes them."""
    tensors = []
    for d in diagrams:
        groups = [_groups(dv.vertex) for dv in d.vertices]
        for choice in itertools.product(*[range(len(g)) for g in groups]):
            tensors.append(_piece_tensor(model, d, groups, choice, n_external))
    return tensors


@pytest.mark.parametrize(
    "process",
    ["g g > t t~", "u u~ > g g", "g g > t t~ g", "u u~ > d d~ g", "u u~ > u u~", "u d > u d g", "g g > g g g",
     "u g > u g g", "u u~ > e+ e- g g"],
)
def test_flow_decomposition_reproduces_the_explicit_colour_sum(sm, process):
    _check_flow_decomposition(sm, process)


@pytest.mark.parametrize("process", ["g g > h g", "g g > h g g", "u u~ > h g g"])
def test_flow_decomposition_with_effective_gluon_vertices(process):
    # delta^ab of two gluons (g g h) and f f products with summed indices (g g g g h)
    model = load_ufo(DATA / "ufo" / "sm_zprime_ufo", plugins=[DATA / "ufo" / "ggh_eft_plugin"])
    _check_flow_decomposition(model, process)


@pytest.mark.skipif(not os.environ.get("MG5_HOME"), reason="needs MG5's models/MSSM_SLHA2 (MG5_HOME)")
def test_flow_decomposition_with_summed_triplet_indices():
    # the g g squark squark vertex T(a,i,-1) T(b,-1,j) + T(b,i,-1) T(a,-1,j)
    _check_flow_decomposition(models.load("MSSM_SLHA2"), "g g > su1 su1~")


def _check_flow_decomposition(sm, process):
    ini, _, fin = process.partition(">")
    ids = [sm.particle(x).pdg for x in ini.split() + fin.split()]
    diagrams = generate_diagrams(sm, ids)
    prog = build_program(sm, diagrams)
    basis = prog.colour
    tensors = brute_force_tensors(sm, diagrams, len(ids))
    # the fermion sign of each piece sits in the flow coefficients: apply it to the tensors
    signs = [diagrams[d].fermion_sign for d in prog.amplitude_diagram]
    assert len(tensors) == len(basis.coefficients) == len(prog.amplitudes)
    rng = np.random.default_rng(11)
    for _ in range(3):
        a = rng.normal(size=len(tensors)) + 1j * rng.normal(size=len(tensors))
        explicit = sum(s * x * t for s, x, t in zip(signs, a, tensors, strict=True))
        brute = float(np.sum(np.abs(explicit) ** 2))
        jamp = np.zeros(basis.n_flows, complex)
        for p, coefs in enumerate(basis.coefficients):
            for k, c in coefs.items():
                jamp[k] += complex(c) * a[p]
        assert basis.colour_sum(jamp) == pytest.approx(brute, rel=1e-12)


@pytest.mark.parametrize(
    ("process", "n_leading"),
    [("g g > g g", 6), ("g g > g g g", 24), ("g g > t t~", 2), ("g g > t t~ g", 6), ("u u~ > d d~", 2),
     ("u u~ > e+ e-", 1)],
)
def test_leading_flows_and_their_lhe_colour_tags(sm, process, n_leading):
    ini, _, fin = process.partition(">")
    ids = [sm.particle(x).pdg for x in ini.split() + fin.split()]
    basis = build_program(sm, generate_diagrams(sm, ids)).colour
    assert sum(basis.leading) == n_leading
    for k, tags in enumerate(basis.icolup):
        if not basis.leading[k]:
            continue
        seen: dict[int, list[str]] = {}
        for leg, (c1, c2) in enumerate(tags):
            colour = sm.particle(ids[leg]).colour
            where = "in" if leg < 2 else "out"
            assert (c1 != 0) == (colour in (3, 8)) and (c2 != 0) == (colour in (-3, 8))
            if c1:
                seen.setdefault(c1, []).append(f"{where}-colour")
            if c2:
                seen.setdefault(c2, []).append(f"{where}-anticolour")
        # every colour line joins an incoming colour to an outgoing colour, or annihilates
        # a colour with an anticolour on the same side (LHE convention)
        allowed = [
            {"in-colour", "out-colour"}, {"in-anticolour", "out-anticolour"},
            {"in-colour", "in-anticolour"}, {"out-colour", "out-anticolour"},
        ]
        for ends in seen.values():
            assert len(ends) == 2 and set(ends) in allowed


def test_colour_matrix_of_two_gluon_flows_is_the_textbook_one():
    # q q~ g g: flows (T^a T^b)_ij and (T^b T^a)_ij with 1/2 per gluon stripped:
    # sum |(T^a T^b)_ij|^2 = N C_F^2 = 16/3, cross term -2/3, times 2^2 * 4^2 for the 1/2's
    flows = [
        ((("c", 0), ("r", 2)), (("c", 2), ("r", 3)), (("c", 3), ("r", 1))),
        ((("c", 0), ("r", 3)), (("c", 2), ("r", 1)), (("c", 3), ("r", 2))),
    ]
    cf = colour_matrix(flows, [2, 3])
    assert cf == [[Fraction(256, 3), Fraction(-32, 3)], [Fraction(-32, 3), Fraction(256, 3)]]
