"""UFO models: tests/data/ufo/sm_zprime_ufo (written for these tests in MG5's sm
conventions) must give the built-in sm_zprime: particles, parameters, vertices, diagrams
and |M|² to rounding. Also restrictions, the search path, clear errors for what the
hand-written HELAS routines do not cover, and parameters defined out of order.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

from madnis_plugin import models
from madnis_plugin.codegen.program import _vvvv_weights
from madnis_plugin.errors import CardError
from madnis_plugin.matrix_element import reference_points
from madnis_plugin.models.ufo import UFOError, load_ufo
from madnis_plugin.process import Process

UFO = DATA / "ufo" / "sm_zprime_ufo"


@pytest.fixture(scope="module")
def ufo_model():
    return load_ufo(UFO)


@pytest.fixture(scope="module")
def builtin():
    return models.load("sm_zprime")


def _copy_model(tmp_path: Path, name: str = "sm_zprime_ufo") -> Path:
    dest = tmp_path / name
    shutil.copytree(UFO, dest)
    return dest


# --- (a) the same model --------------------------------------------------------------


def test_ufo_sm_zprime_has_the_builtin_particles(ufo_model, builtin):
    def key(p):
        return (p.pdg, p.name, p.anti_name, p.spin, p.colour, round(p.charge, 12), p.mass, p.width)

    assert sorted(map(key, ufo_model.particles)) == sorted(map(key, builtin.particles))


def test_ufo_sm_zprime_has_the_builtin_param_card_entries(ufo_model, builtin):
    def ext(m):
        return sorted((p.name, p.block.upper(), p.index, p.default) for p in m.external_parameters)

    # cabi (CKMBLOCK 1) is fixed to 0 by restrict_default.dat and leaves the card, as in MG5
    assert ext(ufo_model) == ext(builtin)
    assert "cabi" not in {p.name for p in ufo_model.external_parameters}


def test_ufo_sm_zprime_derived_parameters_equal_builtin(ufo_model, builtin):
    for name in builtin.parameters:
        want, got = complex(builtin.param(name)), complex(ufo_model.param(name))
        assert got == pytest.approx(want, rel=1e-14, abs=0), name
    assert ufo_model.mass("w+") == pytest.approx(80.419002, rel=1e-7)  # MG5 sm param_card: 8.041900e+01
    assert ufo_model.mass("zp") == 400.0 and ufo_model.width("zp") == 0.5
    # a param_card changes them the same way
    for m in (builtin, ufo_model):
        m.set_param("MZ", 91.0)
    try:
        assert ufo_model.mass("w+") == pytest.approx(builtin.mass("w+"), rel=1e-14)
        assert complex(ufo_model.param("sw2")) == pytest.approx(complex(builtin.param("sw2")), rel=1e-14)
    finally:
        builtin.reset()
        ufo_model.reset()


def _canonical_colour(s: str) -> str:
    """f factors rotated cyclically (no sign) so that the summed index comes last; sorted."""
    out = []
    for name, args in re.findall(r"(\w+)\(([-\d,]+)\)", s):
        a = [int(x) for x in args.split(",")]
        if name == "f" and min(a) < 0:
            k = a.index(min(a))
            a = a[k + 1:] + a[: k + 1]
        out.append(f"{name}({','.join(map(str, a))})")
    return "*".join(sorted(out)) or "1"


def _vertex_table(model):
    vals = model.values
    table = {}
    for v in model.vertices:
        d: dict = {}
        for t in v.terms:
            col = _canonical_colour(t.colour)
            if v.lorentz == "VVVV":
                for k, w in enumerate(_vvvv_weights(t.lorentz)):
                    d[(col, k)] = d.get((col, k), 0) + w * t.coupling.value(vals)
            else:
                d[(col, t.lorentz)] = d.get((col, t.lorentz), 0) + t.coupling.value(vals)
        key = (v.particles, v.lorentz, tuple(sorted(v.orders.items())))
        assert key not in table, f"vertex {v} twice"
        table[key] = {k: x for k, x in d.items() if x != 0}
    return table


def test_ufo_sm_zprime_vertices_equal_builtin(ufo_model, builtin):
    got, want = _vertex_table(ufo_model), _vertex_table(builtin)
    assert set(got) == set(want)
    for key, terms in want.items():
        assert set(got[key]) == set(terms), key
        for k, c in terms.items():
            assert abs(got[key][k] - c) <= 1e-14 * abs(c), (key, k, got[key][k], c)


def test_ufo_vvv_sign_follows_from_the_outgoing_momenta(ufo_model):
    # MG5 convention: the UFO coupling of g g g is -G; incoming momenta make it +G here
    (v,) = [v for v in ufo_model.vertices if v.particles == ("g", "g", "g")]
    assert v.terms[0].coupling.value(ufo_model.values) == pytest.approx(complex(ufo_model.param("G")))


# --- (b), (c) matrix elements and diagrams --------------------------------------------

_ME_PROCESSES = ["u u~ > e+ e-", "g g > t t~", "u u~ > t t~ g", "e+ e- > w+ w-", "g g > g g", "e+ e- > z h",
                 "w+ w- > w+ w-", "w+ w- > h h"]


@pytest.mark.parametrize("process", _ME_PROCESSES)
def test_ufo_matrix_elements_equal_builtin_sm_zprime(process):
    pu = Process.from_string(process, model=str(UFO))
    pb = Process.from_string(process, model="sm_zprime")
    assert [s.pdg_ids for s in pu.subprocesses] == [s.pdg_ids for s in pb.subprocesses]
    for i, sub in enumerate(pb.subprocesses):
        assert len(pu.subprocesses[i].diagrams) == len(sub.diagrams)
        p = reference_points(pb.matrix_elements()[i], 1000.0, 4, seed=7 + i)
        want = pb.matrix_element(p, subprocess=i).numpy()
        got = pu.matrix_element(p, subprocess=i).numpy()
        assert np.all(want > 0)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("process", ["p p > e+ e-", "p p > t t~ j", "p p > w+ j j", "e+ e- > z h", "p p > e+ e- j j"])
def test_ufo_diagram_counts_equal_builtin(process):
    pu = Process.from_string(process, model=str(UFO))
    pb = Process.from_string(process, model="sm_zprime")
    got = [(s.pdg_ids, len(s.diagrams), len(s.flavours)) for s in pu.subprocesses]
    want = [(s.pdg_ids, len(s.diagrams), len(s.flavours)) for s in pb.subprocesses]
    assert got == want
    assert sum(n for _, n, _ in want) > 0


# --- (d) restrictions ------------------------------------------------------------------


def _has_vertex(model, *names: str) -> bool:
    return any(sorted(v.particles) == sorted(names) for v in model.vertices)


def test_default_restriction_removes_the_cabibbo_vertices():
    full = load_ufo(UFO, restriction="full")
    default = load_ufo(UFO)
    assert "cabi" in {p.name for p in full.external_parameters}
    assert _has_vertex(full, "u~", "s", "w+") and _has_vertex(full, "c~", "d", "w+")
    assert not _has_vertex(default, "u~", "s", "w+") and not _has_vertex(default, "c~", "d", "w+")
    assert _has_vertex(default, "u~", "d", "w+") and _has_vertex(default, "c~", "s", "w+")
    assert len(full.vertices) == len(default.vertices) + 4


def test_no_b_mass_restriction_removes_the_b_yukawa_and_the_b_mass():
    m = load_ufo(UFO, restriction="no_b_mass")
    assert _has_vertex(load_ufo(UFO), "b~", "b", "h")
    assert not _has_vertex(m, "b~", "b", "h")
    assert m.particle("b").massless
    assert {"MB", "ymb"}.isdisjoint(p.name for p in m.external_parameters)
    # and a proc_card with the restriction gets the 5-flavour proton and b b~ > e+ e- via a/z/zp
    proc = Process.from_string("b b~ > e+ e-", model=f"{UFO}-no_b_mass")
    assert len(proc.subprocesses[0].diagrams) == 3


def test_unknown_restriction_lists_the_available_ones():
    with pytest.raises(UFOError, match=r"no restriction 'nope'.*default, no_b_mass, full"):
        load_ufo(UFO, restriction="nope")


# --- (e) Lorentz structures outside the hand-written set ------------------------------------


@pytest.mark.parametrize(
    ("name", "spins", "structure", "particles", "cls"),
    [
        ("FFV90", "[2, 2, 3]", "Sigma(3,-1,2,1)*P(-1,3)", "P.e__plus__, P.e__minus__, P.a", "GEN:FFV"),  # magnetic moment
        ("VSS90", "[3, 1, 1]", "P(1,2) - P(1,3)", "P.Z, P.H, P.H", "GEN:VSS"),
    ],
)
def test_structures_outside_the_handwritten_set_get_generated_routines(tmp_path, name, spins, structure, particles,
                                                                       cls):
    folder = _copy_model(tmp_path)
    with open(folder / "lorentz.py", "a") as fh:
        fh.write(f"\n{name} = Lorentz(name='{name}', spins={spins}, structure='{structure}')\n")
    with open(folder / "vertices.py", "a") as fh:
        fh.write(f"\nV_900 = Vertex(name='V_900', particles=[{particles}], color=['1'], lorentz=[L.{name}],\n"
                 "    couplings={(0,0): C.GC_3})\n")
    model = load_ufo(folder)
    new = [v for v in model.vertices if v.lorentz.startswith("GEN:")]
    assert [v.lorentz for v in new] == [cls]
    assert len(model.vertices) == len(load_ufo(UFO).vertices) + 1


def test_an_unreadable_lorentz_structure_is_a_card_error_at_the_import_line(tmp_path):
    folder = _copy_model(tmp_path)
    with open(folder / "lorentz.py", "a") as fh:
        fh.write("\nFFV91 = Lorentz(name='FFV91', spins=[2, 2, 3], structure='P(3,1)*Identity(2,1)*Width(1)')\n")
    with open(folder / "vertices.py", "a") as fh:
        fh.write("\nV_901 = Vertex(name='V_901', particles=[P.e__plus__, P.e__minus__, P.a], color=['1'],\n"
                 "    lorentz=[L.FFV91], couplings={(0,0): C.GC_3})\n")
    card = tmp_path / "proc_card.dat"
    card.write_text("# a comment\nimport model sm_zprime_ufo\ngenerate e+ e- > mu+ mu-\n")
    with pytest.raises(CardError, match=r"proc_card.dat:2: vertex V_901.*FFV91.*Width"):
        Process.from_card(card)


# --- (f) parameters out of dependency order ---------------------------------------------


def test_parameters_defined_out_of_dependency_order_load(tmp_path, ufo_model):
    folder = _copy_model(tmp_path)
    text = (folder / "parameters.py").read_text()
    blocks = text.split("\n\n")
    internal = [b for b in blocks if "nature='internal'" in b and not b.startswith("ZERO")]
    rest = [b for b in blocks if b not in internal]
    assert len(internal) > 10
    # every internal parameter after the ones that use it (e.g. muH before lam before vev)
    (folder / "parameters.py").write_text("\n\n".join(rest + internal[::-1]))
    assert (folder / "parameters.py").read_text().index("name='muH'") < (folder / "parameters.py").read_text().index(
        "name='vev'")
    m = load_ufo(folder)
    for name in ("MW", "sw2", "vev", "lam", "muH", "yt", "CKM1x1"):
        assert complex(m.param(name)) == complex(ufo_model.param(name)), name


def test_cyclic_parameter_definitions_are_an_error(tmp_path):
    folder = _copy_model(tmp_path)
    text = (folder / "parameters.py").read_text().replace("value='1/aEWM1'", "value='1/ee**2'")
    (folder / "parameters.py").write_text(text)
    with pytest.raises(UFOError, match="depends on itself"):
        load_ufo(folder)


# --- finding models -----------------------------------------------------------------------


def test_import_model_finds_a_ufo_folder_beside_the_proc_card(tmp_path):
    _copy_model(tmp_path)
    card = tmp_path / "proc_card.dat"
    card.write_text("import model sm_zprime_ufo-no_b_mass\ngenerate p p > e+ e-\n")
    proc = Process.from_card(card)
    assert proc.model.name == "sm_zprime_ufo-no_b_mass"
    assert any(5 in f for s in proc.subprocesses for f in s.flavours)  # 5-flavour proton


def test_import_model_searches_madnis_model_path_then_mg5_home(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "mg5"
    a.mkdir()
    _copy_model(b / "models", "my_model")
    monkeypatch.setenv("MADNIS_MODEL_PATH", f"{tmp_path / 'nothing'}{os.pathsep}{a}")
    monkeypatch.setenv("MG5_HOME", str(b))
    assert models.load("my_model").ufo_folder == b / "models" / "my_model"
    _copy_model(a, "my_model")
    assert models.load("my_model").ufo_folder == a / "my_model"


def test_builtin_models_take_precedence_unless_a_path_is_given(tmp_path, monkeypatch):
    _copy_model(tmp_path, "sm_zprime")
    monkeypatch.setenv("MADNIS_MODEL_PATH", str(tmp_path))
    assert not hasattr(models.load("sm_zprime"), "ufo_folder")
    assert models.load(str(tmp_path / "sm_zprime")).ufo_folder == tmp_path / "sm_zprime"
    monkeypatch.chdir(tmp_path)
    assert models.load("./sm_zprime").ufo_folder.resolve() == (tmp_path / "sm_zprime").resolve()


def test_unknown_model_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("MADNIS_MODEL_PATH", str(tmp_path))
    monkeypatch.delenv("MG5_HOME", raising=False)
    card = tmp_path / "proc_card.dat"
    card.write_text("import model no_such_model\ngenerate e+ e- > mu+ mu-\n")
    with pytest.raises(CardError, match=rf"proc_card.dat:1: unknown model 'no_such_model'.*searched: {re.escape(str(tmp_path))}"):
        Process.from_card(card)


# --- MG5's own sm, where an installation is at hand ---------------------------------------


@pytest.mark.skipif(not os.environ.get("MG5_HOME") or not (Path(os.environ.get("MG5_HOME", "/")) / "models" / "sm"
                                                              ).is_dir(), reason="no MG5 installation at $MG5_HOME")
def test_mg5_sm_loads_and_matches_the_builtin_sm():
    mg5 = models.load(str(Path(os.environ["MG5_HOME"]) / "models" / "sm"))
    sm = models.load("sm")
    for name in ("MW", "sw2", "ee", "G", "vev", "yt"):
        assert complex(mg5.param(name)) == pytest.approx(complex(sm.param(name)), rel=1e-12), name
    for process in ("p p > e+ e-", "p p > t t~ j", "p p > w+ j j"):
        pu = Process.from_string(process, model=str(Path(os.environ["MG5_HOME"]) / "models" / "sm"))
        pb = Process.from_string(process, model="sm")
        assert [len(s.diagrams) for s in pu.subprocesses] == [len(s.diagrams) for s in pb.subprocesses]


# --- what MG5's models contain beyond the test model ------------------------------------


def test_vertex_legs_in_any_order_map_to_the_same_vertex(tmp_path, ufo_model):
    # the photon vertex written with the vector first and the fermions swapped: Gamma's row
    # index is the outgoing e-, wherever it is listed
    folder = _copy_model(tmp_path)
    text = (folder / "vertices.py").read_text()
    old = "particles=[P.e__plus__, P.e__minus__, P.a],\n    color=['1'],\n    lorentz=[L.FFV1],"
    assert old in text
    text = text.replace(old, "particles=[P.a, P.e__minus__, P.e__plus__],\n    color=['1'],\n    lorentz=[L.FFV91],")
    (folder / "vertices.py").write_text(text)
    with open(folder / "lorentz.py", "a") as fh:
        fh.write("\nFFV91 = Lorentz(name='FFV91', spins=[3, 2, 2], structure='Gamma(1,2,3)')\n")
    assert _vertex_table(load_ufo(folder)) == _vertex_table(ufo_model)


def test_ghosts_and_goldstones_are_dropped_with_their_vertices(tmp_path, ufo_model):
    folder = _copy_model(tmp_path)
    with open(folder / "particles.py", "a") as fh:
        fh.write(
            "\nG0 = Particle(pdg_code=250, name='G0', antiname='G0', spin=1, color=1, mass=Param.MZ, width=Param.WZ,"
            "\n    texname='G0', antitexname='G0', charge=0, GhostNumber=0, LeptonNumber=0, Y=0, GoldstoneBoson=True)\n"
            "\nghA = Particle(pdg_code=9000001, name='ghA', antiname='ghA~', spin=-1, color=1, mass=Param.ZERO,"
            "\n    width=Param.ZERO, texname='ghA', antitexname='ghA~', charge=0, GhostNumber=1, LeptonNumber=0, Y=0)\n"
            "\nghA__tilde__ = ghA.anti()\n"
        )
    with open(folder / "lorentz.py", "a") as fh:
        fh.write("\nUUV1 = Lorentz(name='UUV1', spins=[-1, -1, 3], structure='P(3,2) + P(3,3)')\n"
                 "\nVSS1 = Lorentz(name='VSS1', spins=[3, 1, 1], structure='P(1,2) - P(1,3)')\n")
    with open(folder / "vertices.py", "a") as fh:
        fh.write("\nV_910 = Vertex(name='V_910', particles=[P.ghA__tilde__, P.ghA, P.a], color=['1'],"
                 " lorentz=[L.UUV1], couplings={(0,0): C.GC_4})\n"
                 "\nV_911 = Vertex(name='V_911', particles=[P.Z, P.G0, P.H], color=['1'],"
                 " lorentz=[L.VSS1], couplings={(0,0): C.GC_53})\n")
    m = load_ufo(folder)
    assert not m.has_particle("g0") and not m.has_particle("gha")
    assert _vertex_table(m) == _vertex_table(ufo_model)


def test_a_coupling_that_is_no_power_of_g_s_is_an_error(tmp_path):
    # the core rescales each coupling by (alpha_s/aS)^(n/2) per event, n its measured power
    # of g_s (the QCD order, or e.g. 2 for an effective g g h coupling at QCD order 0)
    folder = _copy_model(tmp_path)
    text = (folder / "couplings.py").read_text()
    old = "value='complex(0,1)*G',\n    order={'QCD':1}"
    assert old in text
    (folder / "couplings.py").write_text(text.replace(old, "value='complex(0,1)*G**2',\n    order={'QCD':1}"))
    (c,) = {t.coupling for v in load_ufo(folder).vertices for t in v.terms if t.coupling.name == "GC_11"}
    assert c.g_s_power == 2
    (folder / "couplings.py").write_text(text.replace(old, "value='complex(0,1)*(G + G**2)',\n    order={'QCD':1}"))
    with pytest.raises(UFOError, match=r"GC_11 .*QCD order 1.*not proportional to a power of g_s"):
        load_ufo(folder)


def test_the_model_coupling_order_hierarchy_decides_the_lowest_order(tmp_path):
    # u u~ > d d~: one gluon diagram (QCD=2) and photon + Z (QED=2); with QCD weighing 3
    # WEIGHTED is 6 against 4 and the electroweak diagrams are the lowest order
    folder = _copy_model(tmp_path)
    text = (folder / "coupling_orders.py").read_text()
    (folder / "coupling_orders.py").write_text(text.replace("hierarchy=1", "hierarchy=3"))
    assert load_ufo(folder).order_hierarchy["QCD"] == 3
    default = Process.from_string("u u~ > d d~", model=str(UFO))
    heavy_qcd = Process.from_string("u u~ > d d~", model=str(folder))
    assert [d.order_dict for d in default.subprocesses[0].diagrams] == [{"QCD": 2}]
    assert [d.order_dict for d in heavy_qcd.subprocesses[0].diagrams] == [{"QED": 2}] * 4  # gamma, Z, Z', W (t)


def test_a_restriction_that_makes_b_massless_gives_the_five_flavour_proton(tmp_path):
    folder = _copy_model(tmp_path)
    shutil.copy(folder / "restrict_no_b_mass.dat", folder / "restrict_massless_b.dat")
    four = Process.from_string("p p > e+ e-", model=str(folder))
    five = Process.from_string("p p > e+ e-", model=f"{folder}-massless_b")
    assert not any(5 in f for s in four.subprocesses for f in s.flavours)
    assert any(5 in f for s in five.subprocesses for f in s.flavours)
    # a p the card defines itself is kept
    card = tmp_path / "proc_card.dat"
    card.write_text("import model sm_zprime_ufo-massless_b\ndefine p = g u u~\ngenerate p p > e+ e-\n")
    assert not any(5 in f for s in Process.from_card(card).subprocesses for f in s.flavours)


def test_madnis_diagrams_runs_a_proc_card_with_a_ufo_model(tmp_path):
    from click.testing import CliRunner

    from madnis_plugin.cli import main

    _copy_model(tmp_path)
    card = tmp_path / "proc_card.dat"
    card.write_text("import model sm_zprime_ufo\ngenerate p p > e+ e-\n")
    result = CliRunner().invoke(main, ["diagrams", str(card)])
    assert result.exit_code == 0, result.output
    assert "model sm_zprime_ufo" in result.output and "u u~ > e+ e-" in result.output
    assert "│        3 │" in result.output  # γ, Z, Z′


def test_a_model_path_without_a_ufo_model_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"is not a UFO model folder \(no particles.py there\)"):
        models.load(str(tmp_path / "nothing_here"))


def test_restriction_cards_with_qnumbers_blocks_are_read(tmp_path, ufo_model):
    folder = _copy_model(tmp_path)
    text = (folder / "restrict_default.dat").read_text()
    (folder / "restrict_default.dat").write_text(
        "BLOCK QNUMBERS 32  # zp\n      1 0  # 3 times electric charge\n      2 3  # number of spin states\n" + text)
    assert _vertex_table(load_ufo(folder)) == _vertex_table(ufo_model)


def test_an_unreadable_vertex_the_restriction_removes_is_no_error(tmp_path):
    folder = _copy_model(tmp_path)
    with open(folder / "lorentz.py", "a") as fh:
        fh.write("\nFFV90 = Lorentz(name='FFV90', spins=[2, 2, 3], structure='Gamma(3,2,1)*Width(1)')\n")
    with open(folder / "vertices.py", "a") as fh:  # GC_Wus is proportional to sin(cabi), 0 in restrict_default
        fh.write("\nV_920 = Vertex(name='V_920', particles=[P.e__plus__, P.e__minus__, P.a], color=['1'],"
                 " lorentz=[L.FFV90], couplings={(0,0): C.GC_Wus})\n")
    assert len(load_ufo(folder).vertices) == len(load_ufo(UFO).vertices)
    with pytest.raises(UFOError, match="V_920"):
        load_ufo(folder, restriction="full")


def test_ufo_sm_zprime_cross_section_equals_builtin(tmp_path):
    # the same run (processes/drell_yan_zprime cards, seed, budget) with either model
    from madnis_plugin.integrate import IntegrationRun, RunOptions

    root = Path(__file__).resolve().parent.parent / "processes" / "drell_yan_zprime"
    sigma = {}
    for label, model in (("builtin", "sm_zprime"), ("ufo", str(UFO))):
        folder = tmp_path / label
        folder.mkdir()
        shutil.copy(root / "run_card.dat", folder / "run_card.dat")
        (folder / "proc_card.dat").write_text(f"import model {model}\ngenerate p p > e+ e-\n")
        options = RunOptions(nevents=10, seed=4, output=folder / "out", calls_per_iteration=5_000,
                             survey_iterations=2, rel_accuracy=0.02)
        summary = IntegrationRun.from_cards(folder / "proc_card.dat", options=options).run()
        sigma[label] = (summary.cross_section_pb, summary.error_pb)
    assert 900 < sigma["builtin"][0] < 1200  # drell_yan_zprime: about 1034 pb
    assert sigma["ufo"][0] == pytest.approx(sigma["builtin"][0], rel=1e-10)
    assert sigma["ufo"][1] == pytest.approx(sigma["builtin"][1], rel=1e-8)
