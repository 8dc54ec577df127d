"""The models' Feynman rules, evaluated by brute force, against MG5 and against gauge symmetry.

These tests check the sign and normalisation conventions that the matrix-element code
generator relies on: a dense, slow evaluator (tests/_tree_amplitudes.py) contracts the
vertices exactly as documented in `madnis_plugin.models.model` with explicit spinors,
polarisation vectors and colour matrices.
"""

from __future__ import annotations

import numpy as np
import pytest
from _tree_amplitudes import TreeEvaluator

from madnis_plugin.models import load
from madnis_plugin.process.diagrams import generate_diagrams

# MG5_aMC 3.5.7 standalone SMATRIX for the default sm (shared/reference/me/*.json), two points each.
UUX_EPEM = [
    (
        [
            [45.594, 0.0, 0.0, 45.594],
            [45.594, 0.0, 0.0, -45.594],
            [45.594000000000385, 2.9600927538387114, 40.1420731776377, -21.416457407560895],
            [45.593999999999824, -2.960092753838432, -40.142073177638544, 21.4164574075609],
        ],
        0.8823159277157964,
    ),
    (
        [
            [89.50948185847622, 0.0, 0.0, 89.50948185847622],
            [40.219202762138366, 0.0, 0.0, -40.219202762138366],
            [54.825372070720604, -10.90890034656018, 53.69972503262221, -1.776751907987169],
            [74.903312549894, 10.90890034656018, -53.699725032622204, 51.06703100432503],
        ],
        0.007856304126367352,
    ),
]
# g g > t t~: (momenta, me2 with MG5's top width in the t/u-channel propagators, me2 with WT = 0)
GG_TTX = [
    (
        [
            [200.0, 0.0, 0.0, 200.0],
            [200.0, 0.0, 0.0, -200.0],
            [200.0, -33.06443933969438, -74.10652987708472, 59.042061962031944],
            [200.0, 33.064439339694395, 74.10652987708472, -59.04206196203194],
        ],
        0.5300883096905946,
        0.5300925736959718,
    ),
    (
        [
            [455.5297000976272, 0.0, 0.0, 455.5297000976272],
            [137.2029090235066, 0.0, 0.0, -137.2029090235066],
            [182.60122592136872, 19.28106436886506, -16.380185630307903, -52.67008433168772],
            [410.131383199765, -19.281064368865074, 16.380185630307906, 370.9968754058083],
        ],
        1.662896401419783,
        1.6629758116091893,
    ),
]


def evaluator(model, process: str, **kw) -> TreeEvaluator:
    ids = [model.particle(n).pdg for n in process.replace(">", " ").split()]
    return TreeEvaluator(model, generate_diagrams(model, ids, **kw))


def two_to_two(sqrt_s: float, m3: float, m4: float, cos_theta: float, phi: float = 0.3) -> np.ndarray:
    """Massless initial state along z, final state at angle theta in the centre-of-mass frame."""
    e = sqrt_s / 2
    pf = np.sqrt((sqrt_s**2 - (m3 + m4) ** 2) * (sqrt_s**2 - (m3 - m4) ** 2)) / (2 * sqrt_s)
    st = np.sqrt(1 - cos_theta**2)
    n = np.array([st * np.cos(phi), st * np.sin(phi), cos_theta])
    return np.array(
        [
            [e, 0, 0, e],
            [e, 0, 0, -e],
            [np.hypot(pf, m3), *(pf * n)],
            [np.hypot(pf, m4), *(-pf * n)],
        ]
    )


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    b2 = beta @ beta
    gamma = 1 / np.sqrt(1 - b2)
    bp = beta @ p[1:]
    e = gamma * (p[0] + bp)
    vec = p[1:] + ((gamma - 1) * bp / b2 + gamma * p[0]) * beta
    return np.concatenate([[e], vec])


def two_to_three(sqrt_s: float, masses: tuple[float, float, float], m45: float, angles) -> np.ndarray:
    """A 2 -> 3 point: leg 2 recoils against the (3, 4) system of mass m45, which then decays."""
    m2, m3, m4 = masses
    c1, f1, c2, f2 = angles
    base = two_to_two(sqrt_s, m2, m45, c1, f1)
    p2, p34 = base[2], base[3]
    rest = two_to_two(m45, m3, m4, c2, f2)[2:]
    beta = p34[1:] / p34[0]
    p3, p4 = boost(rest[0], beta), boost(rest[1], beta)
    return np.array([base[0], base[1], p2, p3, p4])


@pytest.mark.parametrize(("momenta", "me2"), UUX_EPEM)
def test_uux_to_epem_photon_z_interference_matches_mg5(momenta, me2):
    ev = evaluator(load("sm"), "u u~ > e+ e-")
    assert ev.me2(np.array(momenta)) == pytest.approx(me2, rel=1e-12)


@pytest.mark.parametrize(("momenta", "me2", "me2_no_width"), GG_TTX)
def test_gg_to_ttbar_three_gluon_sign_matches_mg5(momenta, me2, me2_no_width):
    model = load("sm")
    ev = evaluator(model, "g g > t t~")
    assert ev.me2(np.array(momenta)) == pytest.approx(me2, rel=1e-12)
    model.set_param("WT", 0.0)
    assert ev.me2(np.array(momenta)) == pytest.approx(me2_no_width, rel=1e-12)


def _gauge_ratio(ev: TreeEvaluator, momenta: np.ndarray, leg: int) -> float:
    physical = np.abs(ev.amplitudes(momenta)).max()
    gauge = np.abs(ev.amplitudes(momenta, gauge_leg=leg)).max()
    return gauge / physical


@pytest.mark.parametrize(
    ("process", "masses", "gauge_leg"),
    [
        ("u u~ > g g", (0, 0), 2),
        ("g g > g g", (0, 0), 0),
        ("g u > g u", (0, 0), 0),
        ("g g > t t~", (173.0, 173.0), 1),
    ],
)
def test_gluon_ward_identity_two_to_two(process, masses, gauge_leg):
    model = load("sm")
    model.set_param("WT", 0.0)
    p = two_to_two(900.0, *masses, cos_theta=0.37)
    assert _gauge_ratio(evaluator(model, process), p, gauge_leg) < 1e-12


@pytest.mark.parametrize(
    ("process", "masses", "gauge_leg"),
    [
        ("g g > g g g", (0, 0, 0), 4),
        ("u u~ > g g g", (0, 0, 0), 2),
        ("g g > t t~ g", (173.0, 173.0, 0), 0),
        ("u d~ > w+ a", None, 3),  # photon Ward identity: W-photon vertex against the fermion charges
        ("e+ e- > w+ w- a", None, 4),
    ],
)
def test_ward_identities_with_more_legs(process, masses, gauge_leg):
    model = load("sm")
    for w in ("WT", "WZ", "WW", "WH"):
        model.set_param(w, 0.0)  # fixed widths break gauge invariance; test the couplings alone
    ev = evaluator(model, process)
    if process == "u d~ > w+ a":
        p = two_to_two(700.0, model.mass("w+"), 0.0, cos_theta=-0.41)
    elif process == "e+ e- > w+ w- a":
        mw = model.mass("w+")
        p = two_to_three(1200.0, (mw, mw, 0.0), 400.0, (0.3, 0.2, -0.5, 1.1))
    else:
        p = two_to_three(1000.0, masses, 420.0, (0.3, 0.2, -0.5, 1.1))
    assert _gauge_ratio(ev, p, gauge_leg) < 1e-10


def test_ee_to_longitudinal_ww_does_not_grow_with_energy():
    """Gauge cancellation between photon, Z and neutrino exchange (WWZ and WWA signs)."""
    model = load("sm")
    for w in ("WZ", "WW"):
        model.set_param(w, 0.0)
    ev = evaluator(model, "e+ e- > w+ w-")
    mw = model.mass("w+")
    longitudinal = {2: [2], 3: [2]}
    amps = [
        np.abs(ev.amplitudes(two_to_two(rs, mw, mw, cos_theta=0.3), pols=longitudinal)).max()
        for rs in (2e3, 2e4, 2e5)
    ]
    # each diagram alone grows like s/MW^2 (a factor 100 per step); the sum tends to a constant
    assert amps[1] / amps[0] == pytest.approx(1, abs=0.05)
    assert amps[2] / amps[1] == pytest.approx(1, abs=1e-3)


def test_longitudinal_ww_scattering_is_unitarised_by_the_higgs():
    """W_L W_L > W_L W_L: quartic, photon, Z and Higgs exchange leave no growth with energy."""
    model = load("sm")
    for w in ("WZ", "WW", "WH"):
        model.set_param(w, 0.0)
    mw = model.mass("w+")
    longitudinal = {i: [2] for i in range(4)}

    def amplitude(ev: TreeEvaluator, rs: float) -> float:
        p = two_to_two(rs, mw, mw, cos_theta=0.4)
        # both initial W's are massive: rebuild the initial momenta on shell
        e = rs / 2
        pz = np.sqrt(e * e - mw * mw)
        p[0] = [e, 0, 0, pz]
        p[1] = [e, 0, 0, -pz]
        return np.abs(ev.amplitudes(p, pols=longitudinal)).max()

    with_higgs = evaluator(model, "w+ w- > w+ w-")
    assert len(with_higgs.diagrams) == 7  # contact, a/z/h in s and t
    a = [amplitude(with_higgs, rs) for rs in (3e3, 3e4)]
    assert a[1] / a[0] == pytest.approx(1, abs=0.02)
    without = evaluator(model, "w+ w- > w+ w-", forbidden=["h"])
    b = [amplitude(without, rs) for rs in (3e3, 3e4)]
    assert b[1] / b[0] > 50  # grows like s/v^2 without the Higgs


def test_top_width_enters_only_through_propagators():
    model = load("sm")
    ev = evaluator(model, "g g > t t~")
    p = np.array(GG_TTX[0][0])
    model.set_param("WT", 0.0)
    no_width = ev.me2(p)
    model.set_param("WT", 1.4915)
    assert ev.me2(p) != no_width
