"""The SM models: MG5 names, parameter derivation (Gf scheme) and Feynman-rule couplings."""

from __future__ import annotations

import cmath
import math

import pytest

from madnis_plugin.models import ZERO, known_models, load

# Internal parameters MG5_aMC 3.5.7 prints for its default sm (shared/reference/me/*.json,
# "derived_from_printout"), copied here so that the tests do not read ../shared.
MG5_SM_DERIVED = {
    "aEW": 0.0075467711139788835,
    "MW": 80.41900244575616,
    "ee": 0.3079537672443688,
    "sw2": 0.22224648578577766,
    "cw": 0.8819033474333922,
    "sw": 0.4714302554840723,
    "g1": 0.349192196787333,
    "gw": 0.6532329303475799,
    "vev": 246.21845810181637,
    "lam": 0.12886910601690263,
    "yb": 0.02699555425046549,
    "yt": 0.9936661458150062,
    "ytau": 0.010206617000654717,
    "muH": 88.38834764831843,
}


@pytest.fixture
def sm():
    return load("sm")


def test_w_mass_from_gf_scheme_matches_mg5(sm):
    assert sm.param("MW") == pytest.approx(80.41900244575616, rel=1e-12, abs=0)
    assert sm.mass("w+") == sm.mass(-24) == sm.param("MW")


@pytest.mark.parametrize("name", sorted(MG5_SM_DERIVED))
def test_sm_derived_parameters_match_mg5_printout(sm, name):
    assert sm.param(name) == pytest.approx(MG5_SM_DERIVED[name], rel=1e-12)


def test_sm_external_defaults_are_mg5_defaults(sm):
    expected = {
        "aEWM1": 132.507, "Gf": 1.16639e-05, "aS": 0.118, "MZ": 91.188, "MT": 173.0, "MB": 4.7,
        "MH": 125.0, "MTA": 1.777, "ymb": 4.7, "ymt": 173.0, "ymtau": 1.777,
        "WZ": 2.441404, "WW": 2.0476, "WT": 1.4915, "WH": 0.006382339,
    }  # fmt: skip
    assert {p.name: p.value for p in sm.external_parameters} == expected
    assert sm.param("G") == pytest.approx(2 * math.sqrt(math.pi * 0.118), rel=1e-15)


def test_electroweak_tree_relations_hold(sm):
    v = sm.values
    assert v["MW"] == pytest.approx(v["MZ"] * v["cw"], rel=1e-14)
    assert v["ee"] == pytest.approx(v["gw"] * v["sw"], rel=1e-14)
    assert v["ee"] == pytest.approx(v["g1"] * v["cw"], rel=1e-14)
    assert v["MW"] == pytest.approx(v["gw"] * v["vev"] / 2, rel=1e-14)
    assert v["MZ"] == pytest.approx(math.hypot(v["gw"], v["g1"]) * v["vev"] / 2, rel=1e-14)
    # Fermi constant: G_F/sqrt(2) = g^2/(8 MW^2)
    assert v["Gf"] / math.sqrt(2) == pytest.approx(v["gw"] ** 2 / (8 * v["MW"] ** 2), rel=1e-12)
    # Yukawas give the Yukawa masses; the Higgs potential gives MH.
    assert v["yt"] * v["vev"] / math.sqrt(2) == pytest.approx(v["ymt"], rel=1e-14)
    assert math.sqrt(2 * v["lam"]) * v["vev"] == pytest.approx(v["MH"], rel=1e-14)


def test_particles_have_mg5_sm_names_and_quantum_numbers(sm):
    table = {
        # name: (pdg, antiname, spin 2S+1, colour, charge, mass, width)
        "g": (21, "g", 3, 8, 0, ZERO, ZERO),
        "a": (22, "a", 3, 1, 0, ZERO, ZERO),
        "z": (23, "z", 3, 1, 0, "MZ", "WZ"),
        "w+": (24, "w-", 3, 1, 1, "MW", "WW"),
        "w-": (-24, "w+", 3, 1, -1, "MW", "WW"),
        "h": (25, "h", 1, 1, 0, "MH", "WH"),
        "d": (1, "d~", 2, 3, -1 / 3, ZERO, ZERO),
        "u~": (-2, "u", 2, -3, -2 / 3, ZERO, ZERO),
        "b": (5, "b~", 2, 3, -1 / 3, "MB", ZERO),
        "t": (6, "t~", 2, 3, 2 / 3, "MT", "WT"),
        "t~": (-6, "t", 2, -3, -2 / 3, "MT", "WT"),
        "e-": (11, "e+", 2, 1, -1, ZERO, ZERO),
        "e+": (-11, "e-", 2, 1, 1, ZERO, ZERO),
        "mu-": (13, "mu+", 2, 1, -1, ZERO, ZERO),
        "ta+": (-15, "ta-", 2, 1, 1, "MTA", ZERO),
        "ve": (12, "ve~", 2, 1, 0, ZERO, ZERO),
        "vm~": (-14, "vm", 2, 1, 0, ZERO, ZERO),
        "vt": (16, "vt~", 2, 1, 0, ZERO, ZERO),
    }
    for name, (pdg, anti, spin, colour, charge, mass, width) in table.items():
        p = sm.particle(name)
        assert (p.pdg, p.anti_name, p.spin, p.colour, p.mass, p.width) == (
            pdg,
            anti,
            spin,
            colour,
            mass,
            width,
        )
        assert p.charge == pytest.approx(charge)
        assert sm.particle(pdg) is p
        assert p.self_conjugate == (name == anti)
    assert len(sm.particles) == 12 * 2 + 6
    assert sm.particle("E+") is sm.particle(-11)
    with pytest.raises(KeyError, match="no particle"):
        sm.particle("zp")


def test_unknown_model_error_lists_known_models():
    assert set(known_models()) == {"sm", "sm-no_b_mass", "sm_zprime"}
    with pytest.raises(ValueError, match="sm-no_b_mass") as err:
        load("mssm")
    assert "mssm" in str(err.value)


def test_every_vertex_conserves_charge_and_allows_a_colour_singlet():
    for name in known_models():
        model = load(name)
        for v in model.vertices:
            parts = [model.particle(n) for n in v.particles]
            assert sum(p.charge for p in parts) == pytest.approx(0, abs=1e-14), v
            colours = sorted(p.colour for p in parts)
            assert colours in ([1] * len(parts), sorted([-3, 3] + [1] * (len(parts) - 2)),
                               [-3, 3, 8], [8, 8, 8], [8, 8, 8, 8]), v  # fmt: skip
            assert sum(p.is_fermion for p in parts) in (0, 2), v


def test_photon_couplings_are_i_e_q_as_mg5(sm):
    ee = sm.param("ee")
    for f in ("d", "u", "s", "c", "b", "t", "e-", "mu-", "ta-"):
        p = sm.particle(f)
        (vertex,) = [v for v in sm.vertices_with(p.anti_name, f, "a")]
        assert vertex.particles == (p.anti_name, f, "a")
        for chir in ("FFV_L", "FFV_R"):
            assert sm.coupling_value(vertex.coupling(chir)) == pytest.approx(1j * ee * p.charge, rel=1e-14)
    # MG5 printout (5 digits): GC_2 = 0.2053 i (up-type), GC_3 = -0.30795 i (leptons).
    (vu,) = sm.vertices_with("u~", "u", "a")
    (ve,) = sm.vertices_with("e+", "e-", "a")
    assert sm.coupling_value(vu.coupling("FFV_L")).imag == pytest.approx(0.2053, abs=5e-5)
    assert sm.coupling_value(ve.coupling("FFV_L")).imag == pytest.approx(-0.30795, abs=5e-6)


def test_z_couplings_to_electrons_match_mg5_gc50_gc59(sm):
    # MG5 sm: e+ e- Z = GC_50 * gamma P_L + GC_59 * gamma (P_L + 2 P_R), GC_50 = -0.28804 i, GC_59 = 0.08231 i.
    (v,) = sm.vertices_with("e+", "e-", "z")
    cl, cr = sm.coupling_value(v.coupling("FFV_L")), sm.coupling_value(v.coupling("FFV_R"))
    assert cl.imag == pytest.approx(-0.28804 + 0.08231, abs=2e-5)
    assert cr.imag == pytest.approx(2 * 0.08231, abs=2e-5)
    # Neutrinos are purely left-handed: i e/(2 sw cw).
    (vn,) = sm.vertices_with("ve~", "ve", "z")
    assert vn.coupling("FFV_R") is None
    assert sm.coupling_value(vn.coupling("FFV_L")) == pytest.approx(
        0.5j * sm.param("ee") / (sm.param("sw") * sm.param("cw")), rel=1e-14
    )


def test_w_couples_left_handed_doublets_with_unit_ckm(sm):
    gw = sm.param("gw")
    expected_pairs = {("u~", "d", "w+"), ("d~", "u", "w-"), ("c~", "s", "w+"), ("s~", "c", "w-"),
                      ("t~", "b", "w+"), ("b~", "t", "w-"), ("ve~", "e-", "w+"), ("e+", "ve", "w-"),
                      ("vm~", "mu-", "w+"), ("mu+", "vm", "w-"), ("vt~", "ta-", "w+"), ("ta+", "vt", "w-")}  # fmt: skip
    found = {v.particles for v in sm.vertices if v.lorentz == "FFV" and v.particles[2] in ("w+", "w-")}
    assert found == expected_pairs
    for v in sm.vertices_with("w+"):
        if v.lorentz == "FFV":
            assert v.coupling("FFV_R") is None
            assert sm.coupling_value(v.coupling("FFV_L")) == pytest.approx(1j * gw / math.sqrt(2), rel=1e-14)


def test_higgs_couplings_are_proportional_to_masses(sm):
    v = sm.values
    hww = next(x for x in sm.vertices_with("w+", "w-", "h") if x.lorentz == "VVS")
    hzz = next(x for x in sm.vertices_with("z", "z", "h") if x.lorentz == "VVS")
    assert sm.coupling_value(hww.terms[0].coupling) == pytest.approx(1j * v["gw"] * v["MW"], rel=1e-14)
    assert sm.coupling_value(hzz.terms[0].coupling) == pytest.approx(
        1j * v["gw"] * v["MZ"] / v["cw"], rel=1e-14
    )
    (htt,) = sm.vertices_with("t~", "t", "h")
    assert sm.coupling_value(htt.coupling("FFS_L")) == pytest.approx(-1j * v["ymt"] / v["vev"], rel=1e-14)
    (hhh,) = [x for x in sm.vertices if x.particles == ("h", "h", "h")]
    assert sm.coupling_value(hhh.terms[0].coupling) == pytest.approx(-3j * v["MH"] ** 2 / v["vev"], rel=1e-14)
    # Massless fermions have no Higgs coupling; no g g h vertex at tree level.
    assert not sm.vertices_with("u~", "u", "h")
    assert not sm.vertices_with("e+", "e-", "h")
    assert not sm.vertices_with("g", "h")


def test_qcd_vertices_and_orders(sm):
    g = sm.param("G")
    (ggg,) = [v for v in sm.vertices if v.particles == ("g", "g", "g")]
    (gggg,) = [v for v in sm.vertices if v.particles == ("g",) * 4]
    (uug,) = sm.vertices_with("u~", "u", "g")
    assert ggg.orders == {"QCD": 1} and gggg.orders == {"QCD": 2} and uug.orders == {"QCD": 1}
    assert sm.coupling_value(ggg.terms[0].coupling) == pytest.approx(g)
    assert sm.coupling_value(uug.coupling("FFV_L")) == pytest.approx(1j * g)
    assert [t.colour for t in gggg.terms] == [
        "f(0,1,-1)*f(2,3,-1)",
        "f(0,2,-1)*f(1,3,-1)",
        "f(0,3,-1)*f(1,2,-1)",
    ]
    assert {sm.coupling_value(t.coupling) for t in gggg.terms} == {-1j * g**2}
    assert uug.terms[0].colour == "T(2,0,1)"
    for v in sm.vertices:
        if v.orders.get("QCD", 0) == 0:
            assert v.orders.get("QED", 0) in (1, 2), v


def test_alpha_s_dependence_of_couplings_is_g_to_the_qcd_order(sm):
    before = {n: sm.coupling_value(c) for n, c in sm.couplings.items()}
    g0 = sm.param("G")
    sm.set_param("aS", 0.130)
    ratio = sm.param("G") / g0
    assert ratio == pytest.approx(math.sqrt(0.130 / 0.118))
    for n, c in sm.couplings.items():
        assert sm.coupling_value(c) == pytest.approx(
            before[n] * ratio ** c.order_dict.get("QCD", 0), rel=1e-14
        )


def test_changing_mz_recomputes_mw_and_reset_restores(sm):
    sm.set_param("MZ", 91.1876)
    v = sm.values
    expected = cmath.sqrt(
        v["MZ"] ** 2 / 2
        + cmath.sqrt(v["MZ"] ** 4 / 4 - v["aEW"] * math.pi * v["MZ"] ** 2 / (v["Gf"] * math.sqrt(2)))
    ).real
    assert v["MW"] == pytest.approx(expected, rel=1e-14)
    assert v["MW"] != pytest.approx(80.41900244575616, rel=1e-9)
    with pytest.raises(KeyError, match="not an external parameter"):
        sm.set_param("MW", 80.4)
    sm.reset()
    assert sm.param("MW") == 80.41900244575616


def test_each_load_is_independent():
    a, b = load("sm"), load("sm")
    a.set_param("MT", 172.5)
    assert b.param("MT") == 173.0


def test_no_b_mass_variant_has_massless_b_and_five_flavour_proton():
    m = load("sm-no_b_mass")
    assert m.particle("b").mass == ZERO and m.particle("b~").massless
    assert "MB" not in m.parameters and "ymb" not in m.parameters
    assert m.param("yb") == 0.0
    assert not m.vertices_with("b~", "b", "h")
    assert m.multiparticles["p"] == [21, 2, 4, 1, 3, 5, -2, -4, -1, -3, -5]
    assert load("sm").multiparticles["p"] == [21, 2, 4, 1, 3, -2, -4, -1, -3]
    assert m.param("MW") == pytest.approx(80.41900244575616, rel=1e-12)


def test_zprime_couples_to_fermions_exactly_like_the_z():
    m = load("sm_zprime")
    zp = m.particle("zp")
    assert (zp.pdg, zp.spin, zp.colour, zp.charge, zp.self_conjugate) == (32, 3, 1, 0.0, True)
    assert (m.mass("zp"), m.width(32)) == (400.0, 0.5)
    assert (m.parameters["MZp"].block, m.parameters["MZp"].index) == ("MASS", (32,))
    assert (m.parameters["WZp"].block, m.parameters["WZp"].index) == ("DECAY", (32,))
    zp_vertices = m.vertices_with("zp")
    assert len(zp_vertices) == 12  # one per fermion flavour, nothing bosonic
    for v in zp_vertices:
        (vz,) = m.vertices_with(v.particles[0], v.particles[1], "z")
        assert v.lorentz == vz.lorentz == "FFV"
        for t, tz in zip(v.terms, vz.terms, strict=True):
            assert (t.lorentz, t.colour) == (tz.lorentz, tz.colour)
            assert m.coupling_value(t.coupling) == m.coupling_value(tz.coupling)
            assert t.coupling.order_dict == {"QED": 1}
