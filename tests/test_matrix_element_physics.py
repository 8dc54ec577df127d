"""Generated matrix elements against physics: analytic formulas, gauge and Lorentz
invariance, crossing, and an independent dense evaluation of the Feynman rules.

Analytic formulas (spin and colour averaged, Ellis-Stirling-Webber "QCD and collider
physics" table 7.1 and eqs. (10.12)-(10.13); the PDG review "Cross-section formulae"):

* f fbar -> f' fbar' through gamma and Z (massless):
  sum|M|^2 = 4 [u^2 (|A_LL|^2 + |A_RR|^2) + t^2 (|A_LR|^2 + |A_RL|^2)],
  A_ij = sum_V g_i^V(f) g_j^V(f') / (s - M_V^2 + i M_V Gamma_V), t = (p_f - p_f')^2;
* q qbar -> Q Qbar: (4 g^4/9) [(m^2-t)^2 + (m^2-u)^2 + 2 m^2 s] / s^2;
* g g -> Q Qbar: g^4 (1/(6 tau1 tau2) - 3/8) (tau1^2 + tau2^2 + rho - rho^2/(4 tau1 tau2)),
  tau1 = (m^2 - t)/s, tau2 = (m^2 - u)/s, rho = 4 m^2/s;
* g g -> g g: (9/2) g^4 (3 - tu/s^2 - su/t^2 - st/u^2)  (SMATRIX divides by 2! more);
* q g -> q g: g^4 [(s^2 + u^2)/t^2 - (4/9)(s^2 + u^2)/(su)].
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _tree_amplitudes import TreeEvaluator

from madnis_plugin import models
from madnis_plugin.codegen.kinematics import boost, random_momenta, rotate
from madnis_plugin.matrix_element import MatrixElement
from madnis_plugin.process.diagrams import generate_diagrams


@pytest.fixture(scope="module")
def sm():
    return models.load("sm")


@pytest.fixture(scope="module")
def stable_top():
    model = models.load("sm")
    model.set_param("WT", 0.0)
    return model


_CACHE: dict[tuple, MatrixElement] = {}


def element(model, process: str, **kw) -> MatrixElement:
    key = (id(model), process, tuple(sorted(kw.items())))
    if key not in _CACHE:
        _CACHE[key] = MatrixElement.from_process(model, process, **kw)
    return _CACHE[key]


def points(me: MatrixElement, sqrt_s: float, n: int, seed: int, lab_boost: bool = True) -> np.ndarray:
    """Random points; with lab_boost each is boosted along z by a random rapidity (|y| < 1.5)."""
    rng = np.random.default_rng(seed)
    p = random_momenta(me.external_masses, sqrt_s, n, rng=rng)
    if lab_boost:
        beta = np.zeros((n, 1, 3))
        beta[:, 0, 2] = np.tanh(rng.uniform(-1.5, 1.5, n))
        p = boost(p, beta)
    return p


def mandelstam(p: np.ndarray, i: int, j: int, sign: float) -> np.ndarray:
    q = p[:, i] + sign * p[:, j]
    return q[:, 0] ** 2 - np.sum(q[:, 1:] ** 2, axis=1)


def me2(me: MatrixElement, p: np.ndarray, **kw) -> np.ndarray:
    return me.evaluate(torch.from_numpy(np.ascontiguousarray(p)), **kw).me2.numpy()


# ---- analytic formulas ---------------------------------------------------------------


def test_ee_to_mumu_through_photon_and_z_matches_analytic(sm):
    me = element(sm, "e+ e- > mu+ mu-")
    v = sm.values
    ee, sw, cw, mz, wz = v["ee"], v["sw"], v["cw"], v["MZ"], v["WZ"]
    q, t3 = -1.0, -0.5
    g_a = (ee * q, ee * q)  # (L, R)
    g_z = (ee / (sw * cw) * (t3 - q * sw**2), -ee / (sw * cw) * q * sw**2)
    for sqrt_s in (30.0, 91.188, 500.0):
        p = points(me, sqrt_s, 50, seed=1)
        s = mandelstam(p, 0, 1, 1)
        t = mandelstam(p, 1, 3, -1)  # e- to mu-
        u = mandelstam(p, 1, 2, -1)

        amp = {
            (i, j): g_a[i] * g_a[j] / s + g_z[i] * g_z[j] / (s - mz**2 + 1j * mz * wz) for i in (0, 1) for j in (0, 1)
        }
        same = abs(amp[0, 0]) ** 2 + abs(amp[1, 1]) ** 2
        opposite = abs(amp[0, 1]) ** 2 + abs(amp[1, 0]) ** 2
        total = 4 * (u**2 * same + t**2 * opposite)
        np.testing.assert_allclose(me2(me, p), total / 4, rtol=1e-12)


def test_qqbar_to_ttbar_matches_analytic(sm):
    me = element(sm, "u u~ > t t~")
    g2, m = sm.param("G") ** 2, sm.mass(6)
    for sqrt_s in (350.0, 500.0, 3000.0):
        p = points(me, sqrt_s, 50, seed=2)
        s, t, u = mandelstam(p, 0, 1, 1), mandelstam(p, 0, 2, -1), mandelstam(p, 0, 3, -1)
        ref = 4 * g2**2 / 9 * ((m * m - t) ** 2 + (m * m - u) ** 2 + 2 * m * m * s) / s**2
        np.testing.assert_allclose(me2(me, p), ref, rtol=1e-12)


def test_gg_to_ttbar_matches_analytic(sm):
    me = element(sm, "g g > t t~")
    g2, m = sm.param("G") ** 2, sm.mass(6)
    for sqrt_s in (350.0, 500.0, 3000.0):
        p = points(me, sqrt_s, 50, seed=3)
        s, t, u = mandelstam(p, 0, 1, 1), mandelstam(p, 0, 2, -1), mandelstam(p, 0, 3, -1)
        tau1, tau2, rho = (m * m - t) / s, (m * m - u) / s, 4 * m * m / s
        ref = g2**2 * (1 / (6 * tau1 * tau2) - 3 / 8) * (tau1**2 + tau2**2 + rho - rho**2 / (4 * tau1 * tau2))
        np.testing.assert_allclose(me2(me, p), ref, rtol=1e-12)


def test_gg_to_gg_matches_analytic(sm):
    me = element(sm, "g g > g g")
    g2 = sm.param("G") ** 2
    p = points(me, 200.0, 100, seed=4)
    s, t, u = mandelstam(p, 0, 1, 1), mandelstam(p, 0, 2, -1), mandelstam(p, 0, 3, -1)
    ref = 9 / 2 * g2**2 * (3 - t * u / s**2 - s * u / t**2 - s * t / u**2)
    np.testing.assert_allclose(me2(me, p), ref / 2, rtol=1e-12)  # identical gluons: SMATRIX has 1/2


def test_ug_to_ug_matches_analytic(sm):
    me = element(sm, "u g > u g")
    g2 = sm.param("G") ** 2
    p = points(me, 200.0, 100, seed=5)
    s, t, u = mandelstam(p, 0, 1, 1), mandelstam(p, 0, 2, -1), mandelstam(p, 0, 3, -1)
    ref = g2**2 * ((s * s + u * u) / t**2 - 4 / 9 * (s * s + u * u) / (s * u))
    np.testing.assert_allclose(me2(me, p), ref, rtol=1e-12)


# ---- gauge and Lorentz invariance, crossing ------------------------------------------


@pytest.mark.parametrize(
    ("process", "legs", "sqrt_s"),
    [("g g > t t~ g", (0, 1, 4), 1000.0), ("u u~ > e+ e- g g", (4, 5), 500.0), ("e+ e- > mu+ mu- a", (4,), 300.0)],
)
def test_ward_identity_for_external_gluons_and_photons(stable_top, process, legs, sqrt_s):
    # A fixed top width in the s-channel top propagators (t -> t g) but not in the t-channel
    # ones breaks the Ward identity at O(Gamma_t/m_t): check it with a stable top.
    me = element(stable_top, process)
    p = points(me, sqrt_s, 20, seed=6)
    typical = me2(me, p, all_helicities=True)
    for leg in legs:
        gauge = me2(me, p, all_helicities=True, gauge_leg=leg)
        # |M| with the polarisation replaced by p/E, relative to the physical |M|
        assert np.sqrt(np.abs(gauge) / typical).max() < 1e-10, leg


def _random_rotations(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, 3, 3)))
    q *= np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    q[np.linalg.det(q) < 0, :, 0] *= -1
    return q


@pytest.mark.parametrize(
    ("process", "sqrt_s"),
    [("g g > t t~ g", 1000.0), ("u d~ > w+ g", 400.0), ("e+ e- > w+ w-", 500.0), ("u u~ > e+ e- g g", 500.0),
     ("g g > t t~ h", 1000.0)],
)
def test_lorentz_invariance_under_random_boosts_and_rotations(stable_top, process, sqrt_s):
    # (with a top width the sum over gluon polarisations, whose gauge vector is the frame's
    # time axis, is frame dependent at O(Gamma_t/m_t): the width breaks gauge invariance)
    me = element(stable_top, process)
    rng = np.random.default_rng(7)
    p = points(me, sqrt_s, 40, seed=7, lab_boost=False)
    beta = rng.normal(size=(40, 1, 3))
    beta *= rng.uniform(0.1, 0.8, (40, 1, 1)) / np.linalg.norm(beta, axis=2, keepdims=True)
    moved = rotate(boost(p, beta), _random_rotations(rng, 40))
    # boosting rounds the momenta at 1e-16; near-collinear points (|M|^2 10^6 x typical)
    # amplify that to ~1e-10
    np.testing.assert_allclose(me2(me, moved), me2(me, p), rtol=1e-9)


def test_crossing_from_uubar_to_gg_into_ug_to_ug(sm):
    """F_ug(s, t, u) = -F_uu~gg(t, s, u), with F = sum over all spins and colours of |M|^2.

    F_uu~gg * s^2 t u is a polynomial of degree 4; it is fitted to the generated
    u u~ > g g at physical points and continued to the crossed invariants.
    """
    a = element(sm, "u u~ > g g")
    b = element(sm, "u g > u g")
    pa = points(a, 100.0, 12, seed=8, lab_boost=False)
    s, t = mandelstam(pa, 0, 1, 1), mandelstam(pa, 0, 2, -1)
    f_a = me2(a, pa) * a.program.iden
    x = t / s  # u/s = -1 - x
    poly = np.polyfit(x, f_a * x * (-1 - x), 4)
    pb = points(b, 100.0, 30, seed=9)
    sb, tb, ub = mandelstam(pb, 0, 1, 1), mandelstam(pb, 0, 2, -1), mandelstam(pb, 0, 3, -1)
    # crossed: s_A = t_B, t_A = s_B, u_A = u_B
    xc = sb / tb
    f_b_pred = -np.polyval(poly, xc) / (xc * (ub / tb))
    np.testing.assert_allclose(me2(b, pb) * b.program.iden, f_b_pred, rtol=1e-9)


# ---- independent dense evaluation (every Lorentz structure of the model) -------------


@pytest.mark.parametrize(
    ("process", "sqrt_s"),
    [
        ("e+ e- > w+ w-", 400.0),  # VVV (electroweak), t-channel neutrino
        ("e+ e- > z h", 400.0),  # VVS
        ("e+ e- > z h h", 800.0),  # VVSS, SSS
        ("w+ w- > w+ w-", 600.0),  # VVVV (electroweak), Higgs exchange
        ("t t~ > h h", 800.0),  # FFS, SSS
        ("h h > h h", 600.0),  # SSSS
        ("u d~ > w+ z", 400.0),  # W couplings, massive external vectors
        ("g g > t t~ g", 800.0),  # VVV (QCD), FFV with massive fermions
        ("g g > g g g", 300.0),  # four-gluon vertex
    ],
)
def test_matches_dense_feynman_rule_evaluation(sm, process, sqrt_s):
    me = element(sm, process, t_channel_width=True)  # the dense evaluator keeps every width
    ini, _, fin = process.partition(">")
    ids = [sm.particle(x).pdg for x in ini.split() + fin.split()]
    dense = TreeEvaluator(sm, generate_diagrams(sm, ids))
    p = points(me, sqrt_s, 3, seed=10)
    ref = np.array([dense.me2(x) for x in p])
    np.testing.assert_allclose(me2(me, p), ref, rtol=1e-11)


def test_diagram_weights_of_a_single_diagram_process_give_the_matrix_element(sm):
    me = element(sm, "u u~ > t t~")
    p = torch.from_numpy(points(me, 600.0, 10, seed=11))
    out = me.evaluate(p, diagram_weights=True)
    # one diagram, colour factor sum 2 (= Tr(T^a T^b)^2 summed) over 36 average states
    cf = me.program.colour.colour_sum([complex(c) for c in me.program.colour.coefficients[0].values()])
    torch.testing.assert_close(out.diagram_weights[:, 0] * cf / me.program.iden, out.me2, rtol=1e-13, atol=0)
    assert math.isclose(cf, 2.0)
