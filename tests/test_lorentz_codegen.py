"""Generated Lorentz routines (madnis_plugin.codegen.lorentz) for UFO vertices of any structure.

What is checked, against what:
- the symbolic components of a structure against the dense numerical evaluator of
  `madnis_plugin.models.lorentz_fit` (other code, same Dirac matrices);
- every vertex of the SM + Z' test UFO through generated routines against the
  hand-written HELAS routines, |M|^2 to 1e-12;
- a photon-tau vertex written in Gordon form, [(p'+p)^mu + i sigma^{mu nu} q_nu]/(2m),
  against gamma^mu (both taus on shell: the Gordon identity);
- the effective g g h / g g a0 couplings of a plugin model (tests/data/ufo/ggh_eft_plugin,
  added to the SM + Z' as MG5's `add model` does): Ward identities of every gluon,
  Lorentz invariance, diagram counts against MG5's for the same vertices, the alpha_s
  power of couplings with GH ~ g_s^2;
- a four-fermion contact vertex against the heavy-vector exchange it is the limit of;
- with MG5 3.5.7 (MG5_HOME): sm + `add model hgg_plugin`, g g > h g and g g > h g g,
  diagram counts and |M|^2 against MG5's standalone output (tests/data/mg5_hgg).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import DATA, away_from_collinear, requires_cuda

from madnis_plugin.cards.proc_card import ProcCard
from madnis_plugin.codegen.build import compile_library, find_nvcc
from madnis_plugin.codegen.kinematics import boost, random_momenta, rotate
from madnis_plugin.errors import CardError
from madnis_plugin.matrix_element import MatrixElement, reference_points
from madnis_plugin.models.lorentz_components import expand
from madnis_plugin.models.lorentz_fit import lorentz_tensor, to_incoming
from madnis_plugin.models.ufo import UFOError, load_ufo
from madnis_plugin.process import Process

UFO = DATA / "ufo" / "sm_zprime_ufo"
PLUGIN = DATA / "ufo" / "ggh_eft_plugin"
MG5_HOME = os.environ.get("MG5_HOME")


def _momenta(n: int, seed: int) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k + 1: rng.normal(size=4) for k in range(n)}


def _evaluate(components: dict, spins, momenta) -> np.ndarray:
    out = np.zeros((4,) * sum(1 for s in spins if s != 1), complex)
    for idx, poly in components.items():
        out[idx] = sum(c * np.prod([momenta[k][mu] for k, mu in mono]) for mono, c in poly.items())
    return out


# --- symbolic expansion ----------------------------------------------------------------------

_VVVS = "Metric(1,2)*(P(3,1) - P(3,2)) + Metric(2,3)*(P(1,2) - P(1,3)) + Metric(1,3)*(P(2,3) - P(2,1))"


@pytest.mark.parametrize(
    ("spins", "structure", "dense"),
    [
        ((2, 2, 3), "Gamma(3,1,-1)*ProjM(-1,2)", None),
        ((2, 2, 3), "complex(0,1)*Sigma(3,-1,1,2)*P(-1,3)", None),
        ((2, 2, 1), "Gamma5(1,2) - 2*Identity(1,2)", None),
        ((2, 2, 3), "PSlash(1,-1,3)*Gamma(3,-1,2)", "Gamma(-2,1,-1)*P(-2,3)*Gamma(3,-1,2)"),
        ((2, 2, 3, 3), "Gamma(3,1,-1)*Gamma(4,-1,-2)*ProjP(-2,2)", None),
        ((3, 3, 1), "P(1,2)*P(2,1) - P(-1,1)*P(-1,2)*Metric(1,2)", None),
        ((3, 3, 1), "Epsilon(1,2,-1,-2)*P(-1,1)*P(-2,2)", None),
        ((3, 3, 3, 1), _VVVS, None),
        ((3, 3, 3, 3, 1), "Metric(1,4)*Metric(2,3) - Metric(1,3)*Metric(2,4)", None),
        ((3, 1, 1), "P(1,2) - P(1,3)", None),
        ((3, 3), "P(-1,1)**2*Metric(1,2)/3.", None),
    ],
)
def test_expansion_equals_the_numerical_evaluator(spins, structure, dense):
    components = expand(structure, spins)
    for seed in (1, 2):
        m = _momenta(len(spins), seed)
        want = lorentz_tensor(dense or structure, spins, m)
        np.testing.assert_allclose(_evaluate(components, spins, m), want, rtol=0, atol=1e-12 * np.abs(want).max())


def test_epsilon_has_mg5s_sign():
    # MG5's ALOHA writes hgg_plugin's VVS1 = -4 eps(1,2,-1,-2) P(-2,2) P(-1,1) + (1 <-> 2) so that
    # its routine equals the structure with eps^{0123} = -1 (upper indices); a CP-even/CP-odd
    # interference term changes sign with this convention
    eps = expand("Epsilon(1,2,3,4)", (3, 3, 3, 3))
    assert eps[(0, 1, 2, 3)] == {(): -1} and eps[(1, 0, 2, 3)] == {(): 1} and len(eps) == 24


def test_to_incoming_relabels_legs_and_reverses_momenta():
    ufo = "P(3,1)*Metric(1,2) - Epsilon(1,2,3,-1)*P(-1,2)"
    slot_of = [2, 0, 1]  # UFO leg k+1 is our slot slot_of[k]
    ours = to_incoming(ufo, slot_of)
    m = _momenta(3, 3)
    ufo_m = {k + 1: -m[slot_of[k] + 1] for k in range(3)}  # UFO momenta flow out
    want = lorentz_tensor(ufo, [3, 3, 3], ufo_m)  # axes in UFO leg order
    got = lorentz_tensor(ours, [3, 3, 3], m)  # axes in our slot order
    np.testing.assert_allclose(np.transpose(got, slot_of), want, atol=1e-12)


# --- generated routines against the hand-written HELAS -------------------------------------------

_PROCESSES = ["u u~ > e+ e-", "g g > t t~", "u u~ > t t~ g", "e+ e- > w+ w-", "g g > g g", "e+ e- > z h",
              "w+ w- > w+ w-", "w+ w- > h h", "h h > h h", "t t~ > h h"]


@pytest.fixture(scope="module")
def generated_model():
    model = load_ufo(UFO, generated_lorentz=True)
    assert all(v.lorentz.startswith("GEN:") for v in model.vertices)
    return model


@pytest.mark.parametrize("process", _PROCESSES)
def test_generated_routines_equal_the_handwritten_helas(generated_model, process):
    card = ProcCard.from_string(f"import model {UFO}\ngenerate {process}\n", path="<test>")
    generated = Process(card, generated_model)
    builtin = Process.from_string(process, model="sm_zprime")
    assert [len(s.diagrams) for s in generated.subprocesses] == [len(s.diagrams) for s in builtin.subprocesses]
    for i in range(len(builtin.subprocesses)):
        assert any(c.routine.startswith("lor_") for c in generated.matrix_elements()[i].program.amplitudes)
        p = reference_points(builtin.matrix_elements()[i], 1000.0, 8, seed=11 + i)
        want = builtin.matrix_element(p, subprocess=i).numpy()
        assert np.all(want > 0)
        np.testing.assert_allclose(generated.matrix_element(p, subprocess=i).numpy(), want, rtol=1e-12, atol=0)


def _copy(tmp_path: Path, folder: Path) -> Path:
    out = tmp_path / folder.name
    shutil.copytree(folder, out)
    return out


def test_gordon_form_of_the_photon_vertex_equals_gamma_mu(tmp_path):
    # ubar(p') gamma^mu u(p) = ubar(p') [(p'+p)^mu + i sigma^{mu nu} (p'-p)_nu] u(p) / (2m); with
    # UFO's outgoing momenta P1 (psi leg 1, p = -P1) and P2 (psibar leg 2, p' = P2)
    folder = _copy(tmp_path, UFO)
    with open(folder / "lorentz.py", "a") as fh:
        fh.write("\nFFVG = Lorentz(name='FFVG', spins=[2, 2, 3], structure='(P(3,2) - P(3,1))*Identity(2,1) "
                 "+ complex(0,1)*Sigma(3,-1,2,1)*(P(-1,2) + P(-1,1))')\n")
    with open(folder / "couplings.py", "a") as fh:
        fh.write("\nGC_3g = Coupling(name='GC_3g', value='-(ee*complex(0,1))/(2*MTA)', order={'QED':1})\n")
    text = (folder / "vertices.py").read_text()
    old = "particles=[P.ta__plus__, P.ta__minus__, P.a],\n    color=['1'],\n    lorentz=[L.FFV1],\n    couplings={(0,0): C.GC_3})"
    assert old in text
    (folder / "vertices.py").write_text(text.replace(old, old.replace("L.FFV1", "L.FFVG").replace("GC_3}", "GC_3g}")))
    gordon = load_ufo(folder)
    (vertex,) = [v for v in gordon.vertices if sorted(v.particles) == ["a", "ta+", "ta-"]]
    assert vertex.lorentz == "GEN:FFV"
    me_g = MatrixElement.from_process(gordon, "e+ e- > ta+ ta-")
    me_b = MatrixElement.from_process(load_ufo(UFO), "e+ e- > ta+ ta-")
    for sqrt_s in (10.0, 91.188, 500.0):
        p = reference_points(me_b, sqrt_s, 8, seed=3)
        np.testing.assert_allclose(me_g.evaluate(p).me2.numpy(), me_b.evaluate(p).me2.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("spins", "structure", "particles", "message"),
    [
        ("[2, 2, 3]", "Gamma(3,2,1)*Mass(1)", "P.e__plus__, P.e__minus__, P.a", r"Gamma\(3,2,1\)\*Mass\(1\)'.*Mass"),
        ("[2, 2, 2, 1]", "Identity(2,1)", "P.e__plus__, P.e__minus__, P.mu__plus__, P.H", "3 fermion legs"),
    ],
)
def test_a_vertex_without_generated_routines_is_an_error_naming_it(tmp_path, spins, structure, particles, message):
    folder = _copy(tmp_path, UFO)
    with open(folder / "lorentz.py", "a") as fh:
        fh.write(f"\nLX99 = Lorentz(name='LX99', spins={spins}, structure='{structure}')\n")
    with open(folder / "vertices.py", "a") as fh:
        fh.write(f"\nV_999 = Vertex(name='V_999', particles=[{particles}], color=['1'], lorentz=[L.LX99],\n"
                 "    couplings={(0,0): C.GC_3})\n")
    with pytest.raises(UFOError, match=r"V_999 .*" + message):
        load_ufo(folder)


# --- effective g g h and g g a0 vertices (plugin model) ------------------------------------------


@pytest.fixture(scope="module")
def heft():
    return load_ufo(UFO, plugins=[PLUGIN])


_ELEMENTS: dict[str, MatrixElement] = {}


def _element(model, process: str) -> MatrixElement:
    if process not in _ELEMENTS:
        _ELEMENTS[process] = MatrixElement.from_process(model, process)
    return _ELEMENTS[process]


def _points(me: MatrixElement, sqrt_s: float, n: int, seed: int) -> np.ndarray:
    return random_momenta(me.external_masses, sqrt_s, n, rng=np.random.default_rng(seed))


def _me2(me: MatrixElement, p: np.ndarray, **kw) -> np.ndarray:
    return me.evaluate(torch.from_numpy(np.ascontiguousarray(p)), **kw).me2.numpy()


def test_plugin_vertices_are_generated_with_their_orders(heft):
    eff = [v for v in heft.vertices if "h" in v.particles and "g" in v.particles]
    assert sorted(v.lorentz for v in eff) == ["GEN:VVS", "GEN:VVVS", "GEN:VVVVS"]
    assert heft.order_hierarchy["HIG"] == 2 and heft.expansion_orders == {"HIG": 1}
    assert heft.has_particle("a0") and heft.particle("h").mass == "MH"  # h is the base's h


@pytest.mark.parametrize(("process", "n_diagrams"), [("g g > h g", 4), ("g g > h g g", 26), ("g g > a0 g", 4)])
def test_effective_vertex_diagram_counts_equal_mg5(heft, process, n_diagrams):
    # MG5 3.5.7, sm + hgg_plugin (same vertex set): 4 and 26 diagrams (tests/data/mg5_hgg);
    # g g > a0 g: three with the a0 g g vertex (s, t, u) and the contact one
    assert _element(heft, process).program.n_diagrams == n_diagrams


@pytest.mark.parametrize(
    ("process", "legs"),
    [("g g > h g", (0, 1, 3)), ("g g > h g g", (0, 1, 3, 4)), ("g g > a0 g", (0, 1, 3)), ("g g > a0 g g", (0, 4))],
)
def test_effective_vertices_obey_the_gluon_ward_identity(heft, process, legs):
    me = _element(heft, process)
    p = _points(me, 800.0, 20, seed=5)
    typical = _me2(me, p, all_helicities=True)
    assert np.all(typical > 0)
    for leg in legs:
        gauge = _me2(me, p, all_helicities=True, gauge_leg=leg)
        assert np.sqrt(np.abs(gauge) / typical).max() < 1e-10, leg


@pytest.mark.parametrize("process", ["g g > h g g", "g g > a0 g g"])
def test_effective_vertices_are_lorentz_invariant(heft, process):
    me = _element(heft, process)
    rng = np.random.default_rng(8)
    p = _points(me, 800.0, 20, seed=8)
    beta = rng.normal(size=(20, 1, 3))
    beta *= rng.uniform(0.1, 0.8, (20, 1, 1)) / np.linalg.norm(beta, axis=2, keepdims=True)
    q, r = np.linalg.qr(rng.normal(size=(20, 3, 3)))
    q *= np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    q[np.linalg.det(q) < 0, :, 0] *= -1
    moved = rotate(boost(p, beta), q)
    np.testing.assert_allclose(_me2(me, moved), _me2(me, p), rtol=1e-9)


def test_effective_couplings_run_with_alpha_s_as_their_g_s_power(heft):
    # GH ~ g_s^2 at QCD order 0: |M|^2(g g > h g) ~ alpha_s^3, as MG5 recomputes GH per event
    (c,) = [t.coupling for v in heft.vertices if sorted(v.particles) == ["g", "g", "h"] for t in v.terms]
    assert c.order_dict == {"HIG": 1} and c.g_s_power == 2
    me = _element(heft, "g g > h g")
    p = torch.from_numpy(_points(me, 500.0, 4, seed=2))
    a_s = heft.param("aS")
    ratio = (me.evaluate(p, alpha_s=torch.full((4,), 2 * a_s, dtype=torch.float64)).me2 / me.evaluate(p).me2).numpy()
    np.testing.assert_allclose(ratio, 8.0, rtol=1e-12)


def test_add_model_in_a_proc_card(tmp_path):
    shutil.copytree(UFO, tmp_path / UFO.name)
    shutil.copytree(PLUGIN, tmp_path / PLUGIN.name)
    card = tmp_path / "proc_card.dat"
    card.write_text(f"import model {UFO.name}\nadd model {PLUGIN.name}\ngenerate g g > h g\n")
    process = Process.from_card(card)
    assert process.model.name == f"{UFO.name}__{PLUGIN.name}"
    assert [len(s.diagrams) for s in process.subprocesses] == [4]
    parsed = ProcCard.from_string(f"import model a\nadd model b\nimport model {UFO.name}\ngenerate e+ e- > mu+ mu-\n")
    assert parsed.model.plugins == ()  # a new import forgets the added models, as in MG5
    card.write_text(f"import model {UFO.name}\ngenerate g g > h g\nadd model {PLUGIN.name}\n")
    with pytest.raises(CardError, match=r"proc_card.dat:3: 'add model' after the processes"):
        Process.from_card(card)


# --- MG5 3.5.7's hgg_plugin ----------------------------------------------------------------------


@pytest.mark.skipif(not MG5_HOME, reason="needs an MG5 installation (MG5_HOME) for models/sm and hgg_plugin")
@pytest.mark.parametrize("name", ["gg_hg", "gg_hgg"])
def test_sm_plus_hgg_plugin_equals_mg5_standalone(name):
    ref = json.loads((DATA / "mg5_hgg" / f"{name}.json").read_text())
    card = ProcCard.from_string(f"import model sm\nadd model hgg_plugin\ngenerate {ref['process']}\n", path="<test>")
    from madnis_plugin.process.process import _load_model

    process = Process(card, _load_model(card))
    assert [len(s.diagrams) for s in process.subprocesses] == [ref["n_diagrams"]]
    p = torch.tensor([pt["momenta"] for pt in ref["points"]], dtype=torch.float64)
    want = np.array([pt["me2"] for pt in ref["points"]])
    np.testing.assert_allclose(process.matrix_element(p).numpy(), want, rtol=1e-12)


@pytest.mark.skipif(not MG5_HOME, reason="needs MG5's models/MSSM_SLHA2 (MG5_HOME)")
def test_mssm_squarks_from_gluons_obey_the_ward_identity():
    # the squark-squark-gluon vertex (P(1,2) - P(1,3)) is generated; g g squark squark is VVSS
    from madnis_plugin import models

    mssm = models.load("MSSM_SLHA2")
    me = MatrixElement.from_process(mssm, "g g > su1 su1~")
    assert me.program.n_diagrams == 4 and any(c.routine.startswith("lor_VSS") for c in me.program.amplitudes)
    p = _points(me, 3000.0, 10, seed=6)
    typical = _me2(me, p, all_helicities=True)
    for leg in (0, 1):
        assert np.sqrt(np.abs(_me2(me, p, all_helicities=True, gauge_leg=leg)) / typical).max() < 1e-10


@pytest.mark.skipif(not MG5_HOME, reason="needs MG5's models/MSSM_SLHA2 (MG5_HOME)")
@pytest.mark.parametrize(("process", "where"), [("e+ e- > n1 n1", "process"), ("u u~ > su1 su1~", "build")])
def test_majorana_fermions_are_refused_loudly(process, where):
    # external ones at the process line; a gluino propagator when the matrix element is built
    with pytest.raises((CardError, ValueError), match="Majorana"):
        Process.from_string(process, model="MSSM_SLHA2").matrix_elements().build("cpu")


# --- CUDA -----------------------------------------------------------------------------------------


@pytest.mark.skipif(find_nvcc() is None, reason="needs nvcc")
def test_generated_routines_compile_for_cuda(heft):
    # compiled without a GPU too: the generated routines are device code as well
    me = _element(heft, "g g > h g g")
    assert any(c.routine.startswith("lor_") for c in me.program.currents)
    assert compile_library(me.source, "cuda", "80", name="compile_check_lorentz").is_file()


@requires_cuda
def test_generated_routines_on_cuda_equal_cpu(heft):
    for process in ("g g > h g g", "g g > a0 g g"):
        me = _element(heft, process)
        p = torch.from_numpy(_points(me, 800.0, 2048, seed=9))
        gpu, cpu = me.evaluate(p.cuda()).me2.cpu(), me.evaluate(p).me2
        # machine precision away from soft and collinear limits, where rounding is amplified
        ok = away_from_collinear(p, me.external_masses)
        torch.testing.assert_close(gpu, cpu, rtol=1e-8, atol=0)
        torch.testing.assert_close(gpu[ok], cpu[ok], rtol=1e-12, atol=0)


# --- four-fermion vertices ---------------------------------------------------------------------------


def test_four_fermion_contact_vertex_equals_heavy_vector_exchange(tmp_path):
    # Z' exchange between the e and mu lines at s << MZp^2 is the contact interaction
    # (i/MZp^2) sum_XY c_X c_Y (ebar gamma P_X e)(mubar gamma_mu P_Y mu), c_X the Z' vertex factors
    # (FFV2 = gamma P_L, FFV4 = gamma (P_L + 2 P_R): c_L = ZeL + ZeR, c_R = 2 ZeR); here MZp = 3 TeV
    folder = _copy(tmp_path, UFO)
    zp_e = ("V_9 = Vertex(name='V_9',\n    particles=[P.e__plus__, P.e__minus__, P.Zp],\n    color=['1'],\n"
            "    lorentz=[L.FFV2, L.FFV4],\n    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})\n")
    text = (folder / "vertices.py").read_text()
    assert zp_e in text
    (folder / "vertices.py").write_text(text.replace(zp_e, "") + (
        "\nV_ct = Vertex(name='V_ct', particles=[P.e__plus__, P.e__minus__, P.mu__plus__, P.mu__minus__],\n"
        "    color=['1'], lorentz=[L.FFFF_LL, L.FFFF_LR, L.FFFF_RL, L.FFFF_RR],\n"
        "    couplings={(0,0): C.GC_LL, (0,1): C.GC_LR, (0,2): C.GC_RL, (0,3): C.GC_RR})\n"))
    chiral = {"L": "ProjM", "R": "ProjP"}
    with open(folder / "lorentz.py", "a") as fh:
        fh.writelines(f"\nFFFF_{x}{y} = Lorentz(name='FFFF_{x}{y}', spins=[2, 2, 2, 2], "
                      f"structure='Gamma(-1,2,-2)*{chiral[x]}(-2,1)*Gamma(-1,4,-3)*{chiral[y]}(-3,3)')\n"
                      for x in "LR" for y in "LR")
    zel = "complex(0,1)*ee/(sw*cw)*((-1/2.) - (-1)*sw2) - (-complex(0,1)*ee/(sw*cw)*(-1)*sw2)/(2)"
    zer = "(-complex(0,1)*ee/(sw*cw)*(-1)*sw2)/(2)"
    c = {"L": f"(({zel}) + ({zer}))", "R": f"(2*({zer}))"}
    with open(folder / "couplings.py", "a") as fh:
        fh.writelines(f"\nGC_{x}{y} = Coupling(name='GC_{x}{y}', value='complex(0,1)*{c[x]}*{c[y]}/MZp**2', "
                      "order={'QED':2})\n" for x in "LR" for y in "LR")
    contact, exchange = load_ufo(folder), load_ufo(UFO)
    (ct,) = [v for v in contact.vertices if len(v.particles) == 4 and "e-" in v.particles]
    assert ct.lorentz == "GEN:FFFF" and ct.fermion_lines == 2
    mzp = 3000.0
    for model in (contact, exchange):
        model.set_param("MZp", mzp)
    for process, n in (("e+ e- > mu+ mu-", 3), ("e+ e- > mu+ mu- a", 12)):
        me_c = MatrixElement.from_process(contact, process, orders="QED<=4")
        me_x = MatrixElement.from_process(exchange, process)
        assert me_c.program.n_diagrams == me_x.program.n_diagrams == n  # gamma, Z and (contact or Z')
        p = reference_points(me_x, 500.0, 8, seed=4)
        got, want = me_c.evaluate(p).me2.numpy(), me_x.evaluate(p).me2.numpy()
        exchange.set_param("MZp", 1e9)  # the Z' decoupled: what the contact term adds to
        sm = MatrixElement.from_process(exchange, process).evaluate(p).me2.numpy()
        exchange.set_param("MZp", mzp)
        assert np.all(np.abs(want / sm - 1) > 1e-4)
        # the contact term reproduces the Z' effect up to O(s/MZp^2) = 0.03
        np.testing.assert_array_less(np.abs(got - want), 0.06 * np.abs(want - sm))
