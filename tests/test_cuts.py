"""MG5 run_card cuts in the core against an independent per-event reference, MG5's
Drell–Yan defaults on hand-built events, edge cases and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import requires_cuda

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.integrand.cuts import PARAM_INDEX, Cuts

# Every cut switched off, so a test can switch on one at a time.
OFF = {
    "ptj": 0, "pta": 0, "ptl": 0, "ptb": 0, "etaj": -1, "etaa": -1, "etal": -1, "etab": -1,
    "drjj": 0, "drll": 0, "draa": 0, "draj": 0, "drjl": 0, "dral": 0, "drbb": 0, "drbj": 0, "drab": 0, "drbl": 0,
}

# g u b~ a e- e+ ve t: every class once or twice (maxjetflavor = 4: the b~ is a b).
PDG = [21, 2, -5, 22, 11, -11, 12, 6]
MASS = [0.0, 0.0, 4.7, 0.0, 0.0, 0.0, 0.0, 173.0]
CLASS = {21: "j", 2: "j", -5: "b", 22: "a", 11: "l", -11: "l"}


def random_events(n: int, seed: int = 7) -> torch.Tensor:
    """Lab-frame events: outgoing legs from random pT, y, φ; incoming from the sum."""
    g = np.random.default_rng(seed)
    k = len(PDG)
    pt = g.uniform(2.0, 120.0, (n, k))
    y = g.uniform(-3.5, 3.5, (n, k))
    phi = g.uniform(-math.pi, math.pi, (n, k))
    m = np.array(MASS)
    mt = np.sqrt(pt**2 + m**2)
    out = np.stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)], axis=-1)
    tot = out.sum(axis=1)
    # The incoming partons carry no pT: remove the mean pT from every leg, keeping each y.
    out[..., 1] -= tot[:, None, 1] / k
    out[..., 2] -= tot[:, None, 2] / k
    ptn = np.hypot(out[..., 1], out[..., 2])
    mtn = np.sqrt(ptn**2 + m**2)
    out[..., 0], out[..., 3] = mtn * np.cosh(y), mtn * np.sinh(y)
    e, pz = out[..., 0].sum(axis=1), out[..., 3].sum(axis=1)
    p1 = np.stack([(e + pz) / 2, 0 * e, 0 * e, (e + pz) / 2], axis=-1)
    p2 = np.stack([(e - pz) / 2, 0 * e, 0 * e, -(e - pz) / 2], axis=-1)
    return torch.from_numpy(np.concatenate([p1[:, None], p2[:, None], out], axis=1))


# --- an independent reference, written from MG5's description ------------------------------

def _y(p):
    return 0.5 * math.log((p[0] + p[3]) / (p[0] - p[3]))


def _pt(p):
    return math.hypot(p[1], p[2])


def _m2(p):
    return p[0] ** 2 - p[1] ** 2 - p[2] ** 2 - p[3] ** 2


def _dr(a, b):
    dphi = abs(math.atan2(a[2], a[1]) - math.atan2(b[2], b[1]))
    dphi = min(dphi, 2 * math.pi - dphi)
    return math.hypot(dphi, _y(a) - _y(b))


def _fails(v, lo, hi):
    return v < lo or (hi >= 0 and v > hi)


def reference_pass(card: RunCard, ev: np.ndarray) -> bool:
    c = card
    legs = ev[2:]
    cuttable = [m <= 20 and abs(pid) not in (12, 14, 16) for pid, m in zip(PDG, MASS)]
    sh = _m2(ev[0] + ev[1])
    if sh < c["dsqrt_shat"] ** 2 or (c["dsqrt_shatmax"] >= 0 and sh > c["dsqrt_shatmax"] ** 2):
        return False
    for pid, p, ok in zip(PDG, legs, cuttable):
        cls = CLASS.get(pid)
        if cls is None or not ok:
            continue
        if _fails(_pt(p), c[f"pt{cls}"], c[f"pt{cls}max"]):
            return False
        ay = abs(_y(p))
        if (c[f"eta{cls}"] >= 0 and ay > c[f"eta{cls}"]) or ay < c[f"eta{cls}min"]:
            return False
    nus = [p for pid, p in zip(PDG, legs) if abs(pid) in (12, 14, 16)]
    leps = [p for pid, p in zip(PDG, legs) if abs(pid) in (11, 13, 15)]
    if nus and _fails(_pt(sum(nus)), c["misset"], c["missetmax"]):
        return False
    mmnl_on = c["mmnl"] > 0 or c["mmnlmax"] >= 0
    if mmnl_on and _fails(math.sqrt(max(0.0, _m2(sum(nus + leps)))), c["mmnl"], c["mmnlmax"]):
        return False
    heavy = [_pt(p) for p, m in zip(legs, MASS) if m > 10]
    if c["ptheavy"] > 0 and heavy and max(heavy) <= c["ptheavy"]:
        return False
    n = len(PDG)
    for i in range(n):
        for j in range(i + 1, n):
            a, b, ca, cb = legs[i], legs[j], CLASS.get(PDG[i]), CLASS.get(PDG[j])
            if cuttable[i] and cuttable[j] and ca and cb:
                name = "dr" + "".join(sorted(ca + cb, key="jbal".index)) if ca != cb else f"dr{ca}{ca}"
                name = {"drjb": "drbj", "drja": "draj", "drba": "drab", "drla": "dral"}.get(name, name)
                lo, hi = c[name], c[name + "max"]
                if (lo > 0 or hi >= 0) and _fails(_dr(a, b), lo, hi):
                    return False
                sfos = ca == cb == "l" and PDG[i] == -PDG[j]
                if (ca == cb and ca != "l") or sfos:
                    lo, hi = c[f"mm{ca}{ca}"], c[f"mm{ca}{ca}max"]
                    if lo > 0 or hi >= 0:
                        mass = math.sqrt(max(0.0, _m2(a + b)))
                        if (lo <= hi or hi < 0) and _fails(mass, lo, hi):
                            return False
                        if lo > hi >= 0 and hi < mass < lo:
                            return False
            nu_i, nu_j = abs(PDG[i]) in (12, 14, 16), abs(PDG[j]) in (12, 14, 16)
            l_i, l_j = abs(PDG[i]) in (11, 13, 15), abs(PDG[j]) in (11, 13, 15)
            pair = (l_i and l_j and PDG[i] == -PDG[j]) or (nu_i and (l_j or nu_j)) or (l_i and nu_j)
            if pair and (c["ptllmin"] > 0 or c["ptllmax"] >= 0) and _fails(_pt(a + b), c["ptllmin"], c["ptllmax"]):
                return False
    ht = sum(_pt(p) for pid, p in zip(PDG, legs) if CLASS.get(pid) in ("j", "b"))
    if _fails(ht, c["ihtmin"], c["ihtmax"]):
        return False
    for cls in "jbal":
        pts = [_pt(p) for pid, p in zip(PDG, legs) if CLASS.get(pid) == cls]
        if c[f"xpt{cls}"] > 0 and pts and max(pts) < c[f"xpt{cls}"]:
            return False
    return True


SINGLE_CUTS = [
    {"ptj": 40}, {"ptjmax": 70}, {"ptb": 30, "ptbmax": 90}, {"pta": 35}, {"ptl": 25, "ptlmax": 100},
    {"etaj": 2.0}, {"etab": 2.5, "etabmin": 0.5}, {"etaa": 1.5}, {"etal": 2.5}, {"etajmin": 0.8},
    {"etalmin": 0.3}, {"etaamin": 0.4},
    {"drjj": 1.0}, {"drjjmax": 3.0}, {"drll": 1.2}, {"drllmax": 2.5}, {"drbj": 0.9}, {"draj": 1.0},
    {"drjl": 0.8}, {"drab": 1.1}, {"drbl": 1.0}, {"dral": 0.9}, {"dral": 0.9, "draj": 0.8},
    {"mmjj": 60}, {"mmjjmax": 150}, {"mmll": 50}, {"mmllmax": 120}, {"mmll": 150, "mmllmax": 80},
    {"misset": 40}, {"missetmax": 60}, {"ptheavy": 60}, {"ptllmin": 40}, {"ptllmax": 90},
    {"mmnl": 100}, {"mmnlmax": 300}, {"xptj": 70}, {"xptb": 50}, {"xpta": 60}, {"xptl": 80},
    {"ihtmin": 150}, {"ihtmax": 200}, {"dsqrt_shat": 2000}, {"dsqrt_shatmax": 2500},
]


@pytest.mark.parametrize("cuts", SINGLE_CUTS, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_each_cut_matches_independent_reference(cuts):
    card = RunCard.default().with_overrides(**{**OFF, **cuts})
    ev = random_events(400)
    got = Cuts.from_run_card(card, PDG, MASS).passes(ev).numpy()
    ref = np.array([reference_pass(card, e) for e in ev.numpy()])
    assert 0 < ref.sum() < len(ref), "the cut should split the sample"
    np.testing.assert_array_equal(got, ref)


def test_all_cuts_together_match_reference():
    card = RunCard.default().with_overrides(ptj=15, ptl=8, etaj=4, etal=3, drjl=0.3, mmll=10, ihtmin=40, xptl=20)
    ev = random_events(1000, seed=3)
    got = Cuts.from_run_card(card, PDG, MASS).passes(ev).numpy()
    ref = np.array([reference_pass(card, e) for e in ev.numpy()])
    assert 0 < ref.sum() < len(ref)
    np.testing.assert_array_equal(got, ref)


# --- hand-built events ------------------------------------------------------------------------

def leg(pt: float, y: float, phi: float, m: float = 0.0) -> list[float]:
    mt = math.hypot(pt, m)
    return [mt * math.cosh(y), pt * math.cos(phi), pt * math.sin(phi), mt * math.sinh(y)]


def event(*legs: list[float]) -> torch.Tensor:
    out = torch.tensor(legs, dtype=torch.float64)
    e, pz = out[:, 0].sum(), out[:, 3].sum()
    inc = torch.tensor([[(e + pz) / 2, 0, 0, (e + pz) / 2], [(e - pz) / 2, 0, 0, -(e - pz) / 2]], dtype=torch.float64)
    return torch.cat([inc, out])[None]


def test_drell_yan_mg5_defaults_ptl_etal_drll():
    cuts = Cuts.from_run_card(RunCard.default(), [-11, 11])
    assert (cuts.value("ptl"), cuts.value("etal"), cuts.value("dr_min_ll")) == (10.0, 2.5, 0.4)
    cases = [
        (event(leg(30, 0.5, 0.0), leg(30, -0.5, math.pi)), True),
        (event(leg(9.0, 0.5, 0.0), leg(9.0, -0.5, math.pi)), False),  # ptl
        (event(leg(30, 2.6, 0.0), leg(30, -0.5, math.pi)), False),  # etal
        (event(leg(30, 0.1, 0.0), leg(30, 0.3, 0.2)), False),  # ΔR = 0.28 < 0.4
        (event(leg(30, 0.1, 0.0), leg(30, 0.5, 0.1)), True),  # ΔR = 0.41
    ]
    got = cuts.passes(torch.cat([c[0] for c in cases]))
    assert got.tolist() == [c[1] for c in cases]


def test_thresholds_pass_at_equality_and_minus_one_disables():
    card = RunCard.default().with_overrides(**{**OFF, "ptl": 25.0, "ptlmax": -1})
    cuts = Cuts.from_run_card(card, [-13, 13])
    at = event(leg(25.0, 0.0, 0.0), leg(25.0, 0.0, math.pi))
    below = event(leg(25.0 - 1e-9, 0.0, 0.0), leg(25.0, 0.0, math.pi))
    assert cuts.passes(torch.cat([at, below])).tolist() == [True, False]
    high = event(leg(5000.0, 0.0, 0.0), leg(5000.0, 0.0, math.pi))
    assert cuts.passes(high).tolist() == [True]  # ptlmax = -1: no maximum
    capped = Cuts.from_run_card(card.with_overrides(ptlmax=0.0), [-13, 13])
    assert capped.passes(high).tolist() == [False]  # a maximum of 0 is a cut (MG5: >= 0 is active)


def test_delta_r_wraps_around_in_phi():
    card = RunCard.default().with_overrides(**{**OFF, "drll": 0.4})
    cuts = Cuts.from_run_card(card, [-11, 11])
    near = event(leg(30, 0.0, math.pi - 0.1), leg(30, 0.0, -math.pi + 0.1))  # Δφ = 0.2, not 2π - 0.2
    far = event(leg(30, 0.0, math.pi - 0.3), leg(30, 0.0, -math.pi + 0.3))  # Δφ = 0.6
    assert cuts.passes(torch.cat([near, far])).tolist() == [False, True]


def test_rapidity_not_pseudorapidity_for_massive_b():
    card = RunCard.default().with_overrides(**{**OFF, "etab": 1.0})
    cuts = Cuts.from_run_card(card, [5, -5], [4.7, 4.7])
    # pT = 2, m = 4.7, y = 0.9: pseudorapidity ~2.1 but rapidity 0.9 passes etab = 1.
    ev = event(leg(2.0, 0.9, 0.0, 4.7), leg(2.0, -0.2, math.pi, 4.7))
    assert cuts.passes(ev).tolist() == [True]


def test_heavy_legs_are_not_cut_and_layout_is_documented():
    card = RunCard.default().with_overrides(ptj=100)
    cuts = Cuts.from_run_card(card, [6, -6])  # tops: no jet cuts, ptheavy off
    assert cuts.passes(event(leg(5, 0, 0, 173), leg(5, 0, math.pi, 173))).tolist() == [True]
    assert PARAM_INDEX["ptj"] == 0 and PARAM_INDEX["dsqrt_shatmax"] == 70


def test_wrong_dtype_and_shape_name_the_argument():
    cuts = Cuts.from_run_card(RunCard.default(), [-11, 11])
    ev = event(leg(30, 0.5, 0.0), leg(30, -0.5, math.pi))
    with pytest.raises(ValueError, match="'momenta'.*float64"):
        cuts.passes(ev.float())
    with pytest.raises(ValueError, match="momenta: expected 4 legs"):
        cuts.passes(torch.zeros(3, 5, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="'momenta'"):
        cuts.passes(torch.zeros(3, 4, 3, dtype=torch.float64))


@requires_cuda
def test_cuda_matches_cpu():
    card = RunCard.default().with_overrides(ptj=15, ptl=8, drjl=0.3, mmll=10, ihtmin=40, misset=10)
    ev = random_events(5000, seed=11)
    cuts = Cuts.from_run_card(card, PDG, MASS)
    assert torch.equal(cuts.passes(ev.cuda()).cpu(), cuts.passes(ev))
