"""Run_card scales (MG5 dynamical_scale_choice -1..4, fixed scales, scalefact) in the core
against hand-computed values on hand-built events."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _alphas_reference import alphas_two_loop
from conftest import requires_cuda

from madnis_plugin import models
from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.integrand.running_alphas import RunningAlphas
from madnis_plugin.integrand.scales import Scales
from madnis_plugin.process.diagrams import generate_diagrams

MT = 173.0


def boost_z(p: np.ndarray, y: float) -> np.ndarray:
    out = p.copy()
    out[..., 0] = math.cosh(y) * p[..., 0] + math.sinh(y) * p[..., 3]
    out[..., 3] = math.sinh(y) * p[..., 0] + math.cosh(y) * p[..., 3]
    return out


def two_to_two(sqrt_s: float, m3: float, m4: float, cos: float, phi: float, y: float) -> np.ndarray:
    """A 2 → 2 event in the lab, boosted along z by rapidity y from its rest frame."""
    e = sqrt_s / 2
    p = math.sqrt((sqrt_s**2 - (m3 + m4) ** 2) * (sqrt_s**2 - (m3 - m4) ** 2)) / (2 * sqrt_s)
    s = math.sqrt(1 - cos**2)
    d = np.array([p * s * math.cos(phi), p * s * math.sin(phi), p * cos])
    ev = np.array([[e, 0, 0, e], [e, 0, 0, -e], [math.hypot(p, m3), *d], [math.hypot(p, m4), *(-d)]])
    return boost_z(ev, y)


def from_final(final: np.ndarray) -> np.ndarray:
    """Prepend incoming partons along ±z that balance the outgoing legs (zero total pT)."""
    e, pz = final[:, 0].sum(), final[:, 3].sum()
    inc = np.array([[(e + pz) / 2, 0, 0, (e + pz) / 2], [(e - pz) / 2, 0, 0, -(e - pz) / 2]])
    return np.concatenate([inc, final])


def leg(pt: float, y: float, phi: float, m: float = 0.0) -> list[float]:
    mt = math.hypot(pt, m)
    return [mt * math.cosh(y), pt * math.cos(phi), pt * math.sin(phi), mt * math.sinh(y)]


def mt_of(p: np.ndarray) -> float:
    return math.sqrt(p[0] ** 2 - p[3] ** 2)


def scales(card: RunCard, pdg: list[int], events: list[np.ndarray]) -> np.ndarray:
    mom = torch.from_numpy(np.stack(events))
    return torch.stack(Scales.from_run_card(card, pdg).compute(mom)).numpy()


DEFAULT = RunCard.default()


def test_drell_yan_default_scale_is_sqrt_shat():
    evs = [two_to_two(91.0, 0, 0, 0.3, 0.2, 0.0), two_to_two(400.0, 0, 0, -0.8, 2.0, 1.3)]
    mu = scales(DEFAULT, [2, -2, -11, 11], evs)
    np.testing.assert_allclose(mu, [[91.0, 400.0]] * 3, rtol=1e-12)


def test_ttbar_default_scale_is_the_top_transverse_mass():
    evs = [two_to_two(600.0, MT, MT, 0.3, 0.5, 0.7), two_to_two(1500.0, MT, MT, -0.9, -1.0, -0.4)]
    expected = [mt_of(e[2]) for e in evs]
    for pdg in ([21, 21, 6, -6], [2, -2, 6, -6]):  # t-channel (beam) and s-channel (final) clustering
        mu = scales(DEFAULT, pdg, evs)
        np.testing.assert_allclose(mu, [expected] * 3, rtol=1e-6)


def rotate_to_z(v: np.ndarray) -> np.ndarray:
    """Rotation matrix taking the direction of 3-vector v onto +z."""
    a = v / np.linalg.norm(v)
    k = np.cross(a, [0.0, 0.0, 1.0])
    s, c = np.linalg.norm(k), a[2]
    if s < 1e-15:
        return np.eye(3)
    k = k / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


def rest_frame(p: np.ndarray, total: np.ndarray) -> np.ndarray:
    m = math.sqrt(total[0] ** 2 - total[1:] @ total[1:])
    b = total[1:] / total[0]
    g = total[0] / m
    bp = b @ p[1:]
    e = g * (p[0] - bp)
    vec = p[1:] + ((g - 1) * bp / (b @ b) - g * p[0]) * b
    return np.array([e, *vec])


def test_ttbar_plus_soft_gluon_clusters_the_gluon_to_the_beam_first():
    # u u~ > t t~ g with a soft gluon: the gluon joins a beam (kT² = pT²), the t t~ pair is then
    # the last final-state merge, so μ = m_T of the top in the t t~ rest frame whose incoming
    # line (beam - gluon) is rotated onto z (MG5's cluster.f frame).
    final = np.array([leg(80.0, 0.4, 0.3, MT), leg(75.0, -0.6, 0.3 + math.pi + 0.05, MT), leg(6.0, 1.5, 2.0)])
    final[2, 1:3] = -(final[0, 1:3] + final[1, 1:3])
    final[2, 0] = math.sqrt(final[2, 1:] @ final[2, 1:])
    ev = from_final(final)
    mu = scales(DEFAULT, [2, -2, 6, -6, 21], [ev])[:, 0]
    gluon = ev[4]
    side = 0 if gluon[3] >= 0 else 1  # MG5 prefers the beam the gluon moves along
    line = ev[side] - gluon
    tt = ev[2] + ev[3]
    rot = rotate_to_z(rest_frame(line, tt)[1:])
    top = rest_frame(ev[2], tt)
    top = np.array([top[0], *(rot @ top[1:])])
    expected = math.sqrt(max(top[0] ** 2 - top[3] ** 2, gluon[1:3] @ gluon[1:3]))
    np.testing.assert_allclose(mu, [expected] * 3, rtol=1e-9)


def test_w_plus_two_soft_jets_scale_is_the_w_transverse_mass():
    mw = 80.419
    w = leg(30.0, 0.2, 0.0, mw)

    def event(pt_jet: float) -> np.ndarray:
        j1, j2 = leg(pt_jet, 1.0, 2.0), leg(pt_jet, -1.2, -2.0)
        final = np.array([w, j1, j2])
        final[0, 1:3] = -(final[1, 1:3] + final[2, 1:3])
        final[0, 0] = math.sqrt(mw**2 + final[0, 1:] @ final[0, 1:])
        return from_final(final)

    soft, hard = event(0.5), event(400.0)
    mu = scales(DEFAULT, [2, -1, 24, 21, 21], [soft, hard])
    np.testing.assert_allclose(mu[:, 0], [mt_of(soft[2])] * 3, rtol=2e-3)
    # Hard jets: the W (m_T ~ 340 GeV) joins a beam before the 400 GeV jets; the scales
    # lie between the W's m_T and the jets' pT.
    assert np.all((mu[:, 1] > mt_of(hard[2])) & (mu[:, 1] < 400.0))


def test_q_g_channel_with_the_w_and_quark_from_one_quark_has_their_transverse_mass():
    # g u > W+ g d with a soft d. Clustered freely, the d joins the gluon beam (g → d d~) and
    # both jets stay jets; along the diagram where W+ and d come from one s-channel u (and the
    # gluon is exchanged in the t-channel) the d is merged with the W, at a vertex without
    # QCD, so only the gluon is a jet. MG5 then uses that diagram in its channel: μR = μF =
    # m_T of the W + d system.
    pdg = [21, 2, 24, 21, 1]
    mw = 80.419
    final = np.array([leg(0.0, 0.3, 0.0, mw), leg(60.0, -1.0, 2.5), leg(20.0, 0.5, 0.0)])
    final[0, 1:3] = -(final[1, 1:3] + final[2, 1:3])
    final[0, 0] = math.sqrt(mw**2 + final[0, 1:] @ final[0, 1:])
    ev = from_final(final)
    diagrams = generate_diagrams(models.load("sm"), pdg)
    shape = {(frozenset(p.legs), p.channel) for p in diagrams[0].propagators}
    assert shape == {(frozenset({2, 4}), "s"), (frozenset({0, 3}), "t")}
    s = Scales.from_run_card(DEFAULT, pdg, diagrams=diagrams)
    mom = torch.from_numpy(np.stack([ev]))
    channel = torch.stack(s.for_channel(0).compute(mom)).numpy()[:, 0]
    np.testing.assert_allclose(channel, [mt_of(ev[2] + ev[4])] * 3, rtol=1e-12)
    free = torch.stack(s.compute(mom)).numpy()[:, 0]
    assert abs(free[1] / channel[1] - 1) > 0.05


def test_fixed_choices_are_the_hand_computed_sums():
    ev = two_to_two(500.0, MT, MT, 0.4, 0.3, 0.9)  # boosted: choice 1 is taken in the partonic frame
    cm = boost_z(ev, -0.9)
    et = sum(p[0] * math.hypot(p[1], p[2]) / np.linalg.norm(p[1:]) for p in cm[2:])
    ht = sum(mt_of(p) for p in ev[2:])
    for choice, expected in [(1, et), (2, ht), (3, ht / 2), (4, 500.0)]:
        card = DEFAULT.with_overrides(dynamical_scale_choice=choice, scalefact=0.5)
        mu = scales(card, [21, 21, 6, -6], [ev])[:, 0]
        np.testing.assert_allclose(mu, [0.5 * expected] * 3, rtol=1e-12)


def test_fixed_scales_ignore_scalefact_and_dynamic_ones_scale_with_it():
    ev = two_to_two(300.0, 0, 0, 0.1, 0.0, 0.2)
    card = DEFAULT.with_overrides(fixed_ren_scale=True, scale=125.0, dsqrt_q2fact1=50.0, dsqrt_q2fact2=60.0,
                                  fixed_fac_scale=True, scalefact=2.0)
    np.testing.assert_allclose(scales(card, [2, -2, -11, 11], [ev])[:, 0], [125.0, 50.0, 60.0])
    card = DEFAULT.with_overrides(fixed_ren_scale=True, scale=125.0, scalefact=2.0)
    np.testing.assert_allclose(scales(card, [2, -2, -11, 11], [ev])[:, 0], [125.0, 600.0, 600.0])
    card = DEFAULT.with_overrides(fixed_fac_scale=True, scalefact=0.5)
    np.testing.assert_allclose(scales(card, [2, -2, -11, 11], [ev])[:, 0], [150.0, 91.188, 91.188])


def test_alphas_at_mu_r_is_mg5_two_loop_running():
    # against the exact two-loop solution computed in the tests (tests/_alphas_reference.py)
    s = Scales.from_run_card(DEFAULT, [2, -2, -11, 11], alphas=RunningAlphas(alpha_mz=0.118))
    qs = [3.0, 91.188, 500.0]
    expected = torch.tensor([alphas_two_loop(q, 0.118) for q in qs], dtype=torch.float64)
    torch.testing.assert_close(s.alphas(torch.tensor(qs, dtype=torch.float64)), expected, rtol=1e-10, atol=0)


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    b2 = beta @ beta
    g = 1 / math.sqrt(1 - b2)
    bp = beta @ p[1:]
    return np.array([g * (p[0] + bp), *(p[1:] + ((g - 1) * bp / b2 + g * p[0]) * beta)])


def pair(mass: float, pt: np.ndarray, y: float, cos: float, phi: float) -> np.ndarray:
    """Two massless legs of invariant mass `mass` whose sum has transverse momentum `pt`, rapidity y."""
    mt = math.sqrt(mass**2 + pt @ pt)
    total = np.array([mt * math.cosh(y), pt[0], pt[1], mt * math.sinh(y)])
    sin = math.sqrt(1 - cos**2)
    d = mass / 2 * np.array([sin * math.cos(phi), sin * math.sin(phi), cos])
    beta = total[1:] / total[0]
    return np.array([boost(np.array([mass / 2, *d]), beta), boost(np.array([mass / 2, *(-d)]), beta)])


def test_ee_jj_with_soft_jets_scale_is_the_lepton_pair_transverse_mass():
    # Soft gluons cluster to the beams, the e+ e- pair to a γ/Z: μ = m_T of the pair
    # (as for W + soft jets), computed here from the momenta alone.
    rng = np.random.default_rng(5)
    evs, expected = [], []
    for _ in range(20):
        g = np.array([leg(rng.uniform(0.2, 1.0), rng.uniform(-2, 2), rng.uniform(-3, 3)) for _ in range(2)])
        pt = -(g[0, 1:3] + g[1, 1:3])
        mass = rng.uniform(60.0, 500.0)
        leptons = pair(mass, pt, rng.uniform(-1.5, 1.5), rng.uniform(-0.9, 0.9), rng.uniform(-3, 3))
        evs.append(from_final(np.concatenate([leptons, g])))
        expected.append(math.sqrt(mass**2 + pt @ pt))
    mu = scales(DEFAULT, [2, -2, -11, 11, 21, 21], evs)
    np.testing.assert_allclose(mu, [expected] * 3, rtol=2e-3)


def test_ee_jj_fixed_choices_are_the_hand_computed_sums():
    rng = np.random.default_rng(5)
    evs = []
    for _ in range(50):
        final = np.array([leg(rng.uniform(20, 80), rng.uniform(-2, 2), rng.uniform(-3, 3)) for _ in range(4)])
        evs.append(from_final(final))
    ht = np.array([sum(math.hypot(p[1], p[2]) for p in ev[2:]) for ev in evs])  # massless: m_T = pT
    shat = np.array([math.sqrt((ev[0] + ev[1])[0] ** 2 - ((ev[0] + ev[1])[3]) ** 2) for ev in evs])
    for choice, expected in [(2, ht), (3, ht / 2), (4, shat)]:
        card = DEFAULT.with_overrides(dynamical_scale_choice=choice)
        np.testing.assert_allclose(scales(card, [2, -2, -11, 11, 21, 21], evs), [expected] * 3, rtol=1e-12)
    mu = scales(DEFAULT, [2, -2, -11, 11, 21, 21], evs)  # -1: one of the clustering's kT or m_T values
    assert np.all(np.isfinite(mu)) and np.all(mu > 1.0) and np.all(mu[0] <= shat * (1 + 1e-12))


def test_wrong_dtype_and_shape_name_the_argument():
    s = Scales.from_run_card(DEFAULT, [2, -2, -11, 11])
    mom = torch.from_numpy(two_to_two(100.0, 0, 0, 0.1, 0.0, 0.0))[None]
    with pytest.raises(ValueError, match="'momenta'.*float64"):
        s.compute(mom.float())
    with pytest.raises(ValueError, match="momenta: expected 4 legs"):
        s.compute(torch.zeros(2, 5, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="pdg_ids"):
        Scales.from_run_card(DEFAULT, [2, -2])
    diagrams = generate_diagrams(models.load("sm"), [2, -2, -11, 11])
    with pytest.raises(ValueError, match="channel: expected a diagram index below 2"):
        Scales.from_run_card(DEFAULT, [2, -2, -11, 11], diagrams=diagrams).for_channel(2)
    with pytest.raises(ValueError, match="diagrams: expected 5 legs"):
        Scales.from_run_card(DEFAULT, [2, -2, -11, 11, 21], diagrams=diagrams)


@requires_cuda
def test_cuda_matches_cpu():
    rng = np.random.default_rng(9)
    evs = [from_final(np.array([leg(rng.uniform(5, 200), rng.uniform(-2, 2), rng.uniform(-3, 3), m)
                                for m in (MT, MT, 0.0)])) for _ in range(2000)]
    mom = torch.from_numpy(np.stack(evs))
    pdg = [21, 21, 6, -6, 21]
    sm = models.load("sm")
    with_diagrams = Scales.from_run_card(DEFAULT, pdg, diagrams=generate_diagrams(sm, pdg), model=sm)
    for s in (Scales.from_run_card(DEFAULT, pdg), with_diagrams, with_diagrams.for_channel(3)):
        cpu = torch.stack(s.compute(mom))
        gpu = torch.stack(s.compute(mom.cuda())).cpu()
        torch.testing.assert_close(gpu, cpu, rtol=1e-12, atol=0)


def test_points_with_a_dynamical_factorisation_scale_below_2_gev_fail_as_in_mg5():
    # MG5's setclscales fails the cuts when a hadron beam's dynamical μF is below 2 GeV
    pdg = [2, -2, 11, -11]
    assert Scales.from_run_card(DEFAULT, pdg).min_fac_scale == (2.0, 2.0)
    assert Scales.from_run_card(DEFAULT.with_overrides(fixed_fac_scale=True), pdg).min_fac_scale == (0.0, 0.0)
    ee = DEFAULT.with_overrides(lpp1=0, lpp2=0, pdlabel="none")
    assert Scales.from_run_card(ee, pdg).min_fac_scale == (0.0, 0.0)
    s = Scales.from_run_card(DEFAULT, pdg)
    mu1, mu2 = torch.tensor([1.9, 2.0, 50.0, 50.0]), torch.tensor([50.0, 2.0, 1.0, 30.0])
    assert s.fac_scale_ok(mu1, mu2).tolist() == [False, True, False, True]
    assert s.for_channel(None).min_fac_scale == (2.0, 2.0)
