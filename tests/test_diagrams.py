"""Tree-level diagram generation: MG5's diagram counts, orders, exclusions, fermion flow."""

from __future__ import annotations

from collections import Counter

import pytest

from madnis_plugin.models import load
from madnis_plugin.process.diagrams import (
    NoDiagramsError,
    OrderConstraint,
    generate_diagrams,
    parse_orders,
)

SM = load("sm")
ZP = load("sm_zprime")


def ids(model, process: str) -> list[int]:
    return [model.particle(n).pdg for n in process.replace(">", " ").split()]


def diagrams(process: str, model=SM, **kw):
    return generate_diagrams(model, ids(model, process), **kw)


@pytest.mark.parametrize(
    ("process", "model", "count"),
    [
        ("e+ e- > mu+ mu-", SM, 2),
        ("u u~ > e+ e-", SM, 2),
        ("u u~ > e+ e-", ZP, 3),
        ("g g > t t~", SM, 3),
        ("u u~ > t t~ g", SM, 5),
        ("g g > g g", SM, 4),
        ("u g > u g", SM, 3),
        ("g g > g g g", SM, 25),
        ("u d~ > e+ ve", SM, 1),
        # larger counts quoted by MG5 and the QCD literature
        ("g g > t t~ g", SM, 16),
        ("g g > t t~ g g", SM, 123),
        ("g g > g g g g", SM, 220),
        ("e+ e- > w+ w-", SM, 3),
        ("u d~ > w+ g", SM, 2),
    ],
)
def test_diagram_counts_match_mg5(process, model, count):
    assert len(diagrams(process, model)) == count


def test_gg_to_ttbar_has_gluon_s_channel_and_top_t_u_channels_but_no_higgs():
    ds = diagrams("g g > t t~")
    props = sorted((p.name, p.channel, p.legs) for d in ds for p in d.propagators)
    # t-channel lines are described from the side of leg 0 (the first gluon)
    assert props == [("g", "s", (2, 3)), ("t", "t", (0, 3)), ("t~", "t", (0, 2))]
    assert all(d.order_dict == {"QCD": 2} for d in ds)
    assert not any(p.name == "h" for d in ds for p in d.propagators)


def test_ee_to_mumu_goes_through_photon_and_z_only():
    ds = diagrams("e+ e- > mu+ mu-")
    assert sorted(d.propagators[0].name for d in ds) == ["a", "z"]
    for d in ds:
        (p,) = d.propagators
        assert (p.channel, p.legs) == ("s", (2, 3))
        assert d.order_dict == {"QED": 2}
    z = next(d for d in ds if d.propagators[0].name == "z").propagators[0]
    assert (z.pdg, z.mass, z.width) == (23, "MZ", "WZ")


def test_zprime_adds_one_s_channel_to_drell_yan():
    names = sorted(d.propagators[0].name for d in diagrams("u u~ > e+ e-", ZP))
    assert names == ["a", "z", "zp"]


def test_four_gluon_vertex_gives_the_contact_diagram():
    ds = diagrams("g g > g g")
    contact = [d for d in ds if not d.propagators]
    assert len(contact) == 1 and contact[0].vertices[0].vertex.lorentz == "VVVV"
    assert sorted(d.propagators[0].channel for d in ds if d.propagators) == ["s", "t", "t"]
    # g g > g g g: 15 diagrams with three-gluon vertices only, 10 with one four-gluon vertex
    n4 = Counter(sum(v.vertex.lorentz == "VVVV" for v in d.vertices) for d in diagrams("g g > g g g"))
    assert n4 == {0: 15, 1: 10}


def test_ud_to_e_nu_is_one_s_channel_w_plus():
    (d,) = diagrams("u d~ > e+ ve")
    (p,) = d.propagators
    assert (p.name, p.pdg, p.channel, p.legs, p.mass, p.width) == ("w+", 24, "s", (2, 3), "MW", "WW")
    (dm,) = diagrams("d u~ > e- ve~")
    assert dm.propagators[0].name == "w-"


def test_propagator_sides_and_vertex_lines_are_consistent():
    for process in ("u u~ > t t~ g", "g g > t t~ g", "u d~ > w+ g g", "e+ e- > w+ w-", "u g > u g"):
        for d in diagrams(process):
            n = len(d.pdg_ids)
            assert len(d.vertices) == len(d.propagators) + 1
            total = Counter()
            for dv in d.vertices:
                total.update(dv.vertex.orders)
            assert dict(total) == d.order_dict
            seen = Counter(li for dv in d.vertices for li in dv.lines)
            assert all(seen[leg] == 1 for leg in range(n))
            for k, p in enumerate(d.propagators):
                line = n + k
                assert p.line == line and seen[line] == 2
                slot_particles = sorted(
                    part for dv in d.vertices for li, part in zip(dv.lines, dv.vertex.particles) if li == line
                )
                cur = SM.particle(p.current_pdg)
                assert slot_particles == sorted([cur.name, cur.anti_name])
                if p.channel == "s":
                    assert all(leg >= 2 for leg in p.legs)
                else:
                    assert 0 in p.legs and 1 not in p.legs
            # external legs enter their vertex as incoming particles
            for dv in d.vertices:
                for li, part in zip(dv.lines, dv.vertex.particles):
                    if li < n:
                        expect = SM.particle(d.pdg_ids[li]) if li < 2 else SM.anti(d.pdg_ids[li])
                        assert part == expect.name


def test_default_orders_keep_the_lowest_weighted_order():
    assert [d.order_dict for d in diagrams("u u~ > d d~")] == [{"QCD": 2}]
    ds = diagrams("u u~ > e+ e- g")
    assert len(ds) == 4 and all(d.order_dict == {"QCD": 1, "QED": 2} for d in ds)


def test_explicit_coupling_orders():
    assert len(diagrams("u u~ > d d~", orders="QED=2")) == 4  # g, a, z s-channel + w t-channel
    assert len(diagrams("u u~ > d d~", orders="QCD=0")) == 3
    assert len(diagrams("u u~ > d d~", orders={"QED": ("==", 2)})) == 3
    assert len(diagrams("u u~ > d d~", orders="WEIGHTED<=2")) == 1
    # QCD=2, QED<=4 style constraints: QCD and mixed QCD-QED diagrams of u u~ > t t~ g
    ds = diagrams("u u~ > t t~ g", orders="QCD<=3 QED<=2")
    assert Counter(d.orders for d in ds) == {(("QCD", 3),): 5, (("QCD", 1), ("QED", 2)): 8}
    with pytest.raises(NoDiagramsError, match="QCD<=1"):
        diagrams("g g > t t~", orders="QCD<=1")


def test_forbidden_particles_and_s_channels():
    assert len(diagrams("e+ e- > e+ e-")) == 4
    assert sorted(d.propagators[0].channel for d in diagrams("e+ e- > e+ e-", forbidden=["z"])) == ["s", "t"]
    no_s_photon = diagrams("e+ e- > e+ e-", forbidden_s_channels=["a"])
    assert sorted((d.propagators[0].name, d.propagators[0].channel) for d in no_s_photon) == [
        ("a", "t"),
        ("z", "s"),
        ("z", "t"),
    ]
    assert len(diagrams("u u~ > d d~", orders="QED=2", forbidden=[21])) == 3
    (only_z,) = diagrams("u u~ > e+ e-", required_s_channels=["z"])
    assert only_z.propagators[0].name == "z"
    # forbidding w+ forbids w- too
    with pytest.raises(NoDiagramsError):
        diagrams("u d~ > e+ ve", forbidden=["w-"])


def test_fermion_flow_signs_of_four_fermion_processes():
    # Bhabha: s- and t-channel photon exchange interfere with a relative minus sign.
    bhabha = {d.propagators[0].channel: d for d in diagrams("e+ e- > e+ e-", forbidden=["z"])}
    assert bhabha["s"].fermion_sign * bhabha["t"].fermion_sign == -1
    assert sorted(bhabha["s"].fermion_lines) == [(0, 1), (3, 2)]
    assert sorted(bhabha["t"].fermion_lines) == [(0, 2), (3, 1)]
    # identical quarks: t- and u-channel gluons, relative minus sign
    uu = diagrams("u u > u u")
    assert len(uu) == 2 and uu[0].fermion_sign * uu[1].fermion_sign == -1
    # one fermion line per diagram: no relative sign
    assert {d.fermion_sign for d in diagrams("u u~ > t t~ g")} == {-1}
    assert len({d.fermion_sign for d in diagrams("u g > u g")}) == 1


def test_decay_process_with_one_initial_particle():
    (d,) = generate_diagrams(SM, ids(SM, "t > b e+ ve"), n_initial=1)
    (w,) = d.propagators
    assert (w.name, w.channel, w.legs) == ("w+", "s", (2, 3))


def test_diagram_prints_process_vertices_propagators_and_orders():
    (d,) = diagrams("u d~ > e+ ve")
    text = str(d)
    assert text.startswith("u d~ > e+ ve:")
    assert "w+[1] s-channel legs 3,4" in text and "QED=2" in text


def test_no_diagrams_is_a_clear_error():
    with pytest.raises(NoDiagramsError, match="no tree-level diagrams for g g > h in model sm"):
        diagrams("g g > h")
    with pytest.raises(NoDiagramsError, match="g g > e\\+ e-"):
        diagrams("g g > e+ e-")
    assert generate_diagrams(SM, ids(SM, "g g > e+ e-"), raise_if_empty=False) == []


def test_parse_orders_reads_proc_card_syntax():
    assert parse_orders("QCD=2 QED<=4 QED==2 WEIGHTED<=5") == [
        OrderConstraint("QCD", "<=", 2),
        OrderConstraint("QED", "<=", 4),
        OrderConstraint("QED", "==", 2),
        OrderConstraint("WEIGHTED", "<=", 5),
    ]
    with pytest.raises(ValueError, match="malformed"):
        parse_orders("QCD")
    with pytest.raises(ValueError, match="malformed"):
        parse_orders("QCD=two")


@pytest.mark.parametrize(
    "process", ["u u~ > e+ e- g", "u g > e+ e- u", "g u~ > e+ e- u~", "e+ e- > u u~ g", "e- u > e- u g"]
)
def test_crossings_of_uu_to_eeg_have_four_diagrams(process):
    assert len(diagrams(process)) == 4


def test_exclusions_accept_multiparticle_labels():
    # "/ vl" forbids every neutrino: e+ e- > w+ w- keeps the photon and Z s-channels only
    ds = diagrams("e+ e- > w+ w-", forbidden=["vl"])
    assert sorted(d.propagators[0].name for d in ds) == ["a", "z"]


def test_vertices_come_in_evaluation_order():
    for d in diagrams("g g > t t~ g") + diagrams("u d~ > w+ g g"):
        n = len(d.pdg_ids)
        for k, p in enumerate(d.propagators):
            assert p.line in d.vertices[k].lines
            # every line a vertex uses, other than its own propagator, is made earlier
            earlier = set(range(n)) | {q.line for q in d.propagators[:k]}
            assert set(d.vertices[k].lines) - {p.line} <= earlier
        assert n - 1 in d.vertices[-1].lines
