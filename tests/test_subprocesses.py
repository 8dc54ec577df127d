"""Subprocess expansion of multiparticle processes, grouped the way MG5_aMC groups them."""

from __future__ import annotations

import pytest

from madnis_plugin.models import load
from madnis_plugin.process.diagrams import NoDiagramsError
from madnis_plugin.process.subprocesses import expand_subprocesses, legs_from_labels

SM = load("sm")


def expand(process: str, model=SM, **kw):
    return expand_subprocesses(model, legs_from_labels(model, process.replace(">", " ").split()), **kw)


def summary(subprocesses):
    """(representative, directly combined flavours, mirrors) per subprocess, as PDG ids."""
    return [
        (
            sp.pdg_ids,
            [f for f, m in zip(sp.flavours, sp.mirrored, strict=True) if not m],
            sp.mirror_flavours,
        )
        for sp in subprocesses
    ]


def test_pp_to_ee_groups_like_mg5():
    """MG5 3.x, `generate p p > e+ e-` then `output`:

    INFO: Process u~ u > e+ e- added to mirror process u u~ > e+ e-
    INFO: Process c~ c > e+ e- added to mirror process c c~ > e+ e-
    INFO: Process d~ d > e+ e- added to mirror process d d~ > e+ e-
    INFO: Process s~ s > e+ e- added to mirror process s s~ > e+ e-
    4 processes with 8 diagrams generated
    INFO: Combined process c c~ > e+ e- WEIGHTED<=4 @1 with process u u~ > e+ e- WEIGHTED<=4 @1
    INFO: Combined process s s~ > e+ e- WEIGHTED<=4 @1 with process d d~ > e+ e- WEIGHTED<=4 @1
    """
    sps = expand("p p > e+ e-")
    assert summary(sps) == [
        ((2, -2, -11, 11), [(2, -2, -11, 11), (4, -4, -11, 11)], [(-2, 2, -11, 11), (-4, 4, -11, 11)]),
        ((1, -1, -11, 11), [(1, -1, -11, 11), (3, -3, -11, 11)], [(-1, 1, -11, 11), (-3, 3, -11, 11)]),
    ]
    assert [len(sp.diagrams) for sp in sps] == [2, 2]
    assert all(sp.orders == {"QED": 2} and sp.symmetry_factor == 1 for sp in sps)
    assert sps[0].is_mirror((-4, 4, -11, 11)) and not sps[0].is_mirror((4, -4, -11, 11))
    assert str(sps[0]) == (
        "u u~ > e+ e- (2 diagrams); combined with c c~ > e+ e-; mirrors u~ u > e+ e-, c~ c > e+ e-"
    )


def test_pp_to_eej_groups_like_mg5():
    """MG5 `generate p p > e+ e- j`: 12 processes with 48 diagrams, mirrors such as

        INFO: Process u g > e+ e- u added to mirror process g u > e+ e- u
        INFO: Process u~ u > e+ e- g added to mirror process u u~ > e+ e- g

    and at output six matrix elements, e.g.
        INFO: Combined process g c > e+ e- c WEIGHTED<=5 @1 with process g u > e+ e- u WEIGHTED<=5 @1
        INFO: Combined process s s~ > e+ e- g WEIGHTED<=5 @1 with process d d~ > e+ e- g WEIGHTED<=5 @1
    """
    sps = expand("p p > e+ e- j")
    e = (-11, 11)
    assert summary(sps) == [
        ((21, 2, *e, 2), [(21, 2, *e, 2), (21, 4, *e, 4)], [(2, 21, *e, 2), (4, 21, *e, 4)]),
        ((21, 1, *e, 1), [(21, 1, *e, 1), (21, 3, *e, 3)], [(1, 21, *e, 1), (3, 21, *e, 3)]),
        ((21, -2, *e, -2), [(21, -2, *e, -2), (21, -4, *e, -4)], [(-2, 21, *e, -2), (-4, 21, *e, -4)]),
        ((21, -1, *e, -1), [(21, -1, *e, -1), (21, -3, *e, -3)], [(-1, 21, *e, -1), (-3, 21, *e, -3)]),
        ((2, -2, *e, 21), [(2, -2, *e, 21), (4, -4, *e, 21)], [(-2, 2, *e, 21), (-4, 4, *e, 21)]),
        ((1, -1, *e, 21), [(1, -1, *e, 21), (3, -3, *e, 21)], [(-1, 1, *e, 21), (-3, 3, *e, 21)]),
    ]
    assert all(len(sp.diagrams) == 4 for sp in sps)
    assert sum(len(sp.flavours) for sp in sps) == 24  # 12 processes + 12 mirrors
    assert all(sp.orders == {"QCD": 1, "QED": 2} for sp in sps)


def test_five_flavour_proton_merges_b_with_d_and_s():
    sps = expand("p p > e+ e-", load("sm-no_b_mass"))
    assert [sp.pdg_ids for sp in sps] == [(2, -2, -11, 11), (1, -1, -11, 11)]
    assert (5, -5, -11, 11) in sps[1].flavours and sps[1].is_mirror((-5, 5, -11, 11))


def test_zprime_drell_yan_subprocesses_have_three_diagrams():
    sps = expand("p p > e+ e-", load("sm_zprime"))
    assert [len(sp.diagrams) for sp in sps] == [3, 3]
    assert sorted(d.propagators[0].name for d in sps[0].diagrams) == ["a", "z", "zp"]


def test_pp_to_ttbar_combines_all_light_quarks():
    """MG5 combines c c~, d d~ and s s~ > t t~ with u u~ > t t~ (pure QCD, same masses)."""
    gg, qq = expand("p p > t t~")
    assert (gg.pdg_ids, len(gg.diagrams), gg.flavours, gg.mirrored) == (
        (21, 21, 6, -6),
        3,
        [(21, 21, 6, -6)],
        [False],
    )
    assert qq.pdg_ids == (2, -2, 6, -6) and len(qq.diagrams) == 1
    assert [f for f, m in zip(qq.flavours, qq.mirrored, strict=True) if not m] == [
        (2, -2, 6, -6),
        (4, -4, 6, -6),
        (1, -1, 6, -6),
        (3, -3, 6, -6),
    ]
    assert len(qq.mirror_flavours) == 4


def test_lowest_weighted_order_is_chosen_for_the_whole_multiprocess():
    sps = expand("p p > w+ j j")
    assert {
        d.order_dict.get("QCD", 0) + 2 * d.order_dict.get("QED", 0) for sp in sps for d in sp.diagrams
    } == {4}
    # explicit orders are honoured instead
    sps = expand("p p > e+ e-", orders="QED<=2 QCD=0")
    assert [sp.pdg_ids for sp in sps] == [(2, -2, -11, 11), (1, -1, -11, 11)]


def test_final_state_permutations_are_generated_once():
    sps = expand("p p > j j")
    every = [f for sp in sps for f in sp.flavours]
    assert len(every) == len(set(every))
    keys = {(f[:2], tuple(sorted(f[2:]))) for f in every}
    assert len(keys) == len(every)
    assert (2, -2, 2, -2) in every and (2, -2, -2, 2) not in every
    gggg = next(sp for sp in sps if sp.pdg_ids == (21, 21, 21, 21))
    assert gggg.symmetry_factor == 2 and len(gggg.diagrams) == 4


def test_mirrors_only_when_both_beams_carry_the_same_partons():
    sps = expand("u p > e+ e- u")
    assert not any(m for sp in sps for m in sp.mirrored)


def test_uncombined_expansion_keeps_each_flavour_apart():
    sps = expand("p p > e+ e-", combine=False)
    assert [sp.pdg_ids for sp in sps] == [
        (2, -2, -11, 11),
        (4, -4, -11, 11),
        (1, -1, -11, 11),
        (3, -3, -11, 11),
    ]


def test_process_without_diagrams_is_a_clear_error():
    with pytest.raises(
        NoDiagramsError, match=r"no tree-level diagrams for any subprocess of .* > h in model sm"
    ):
        expand("p p > h")
    with pytest.raises(ValueError, match="unknown particle or multiparticle 'x'"):
        legs_from_labels(SM, ["p", "p", "x"])
