"""Phase-space channels: volumes with closed forms, forward∘inverse = identity, Jacobians
against finite differences, momentum conservation, faces of the cube and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import requires_cuda

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.integrand.cuts import Cuts
from madnis_plugin.phasespace import Channel, Decay, Propagator, Topology, TopologyError, massless_volume
from madnis_plugin.phasespace.topology import DECAY, HEADER, INSTR_WIDTH, INVARIANT, RAMBO, SUM

SQRT_S = 100.0
MZ, WZ = 91.1876, 2.4952
MT, WT = 173.0, 1.4915


def mc_volume(ch: Channel, gen: torch.Generator, target: float = 9e-4, chunk: int = 250_000,
              cap: int = 8_000_000) -> tuple[float, float]:
    """∫ weight dr and its MC error, sampling until the relative error is below target."""
    s = s2 = 0.0
    n = 0
    while n < cap:
        w = ch.map(torch.rand(chunk, ch.dim, dtype=torch.float64, generator=gen))[3]
        s += float(w.sum())
        s2 += float((w * w).sum())
        n += chunk
        mean = s / n
        err = math.sqrt(max(s2 / n - mean * mean, 0.0) / n)
        if n >= 2 * chunk and err <= target * abs(mean):
            break
    return mean, err


def massless_channels(n: int, nu: float) -> dict[str, Channel]:
    kw = {"hadronic": False, "nu": nu}
    chans = {
        "flat": Channel.flat([0.0] * n, SQRT_S, **kw),
        "s_chain": Channel.s_channel_chain([None] * (n - 1), [0.0] * n, SQRT_S, **kw),
        "t_chain": Channel.t_channel_chain([Propagator()] * (n - 1), [0.0] * n, SQRT_S, **kw),
    }
    if n == 4:  # two s-channel pairs, and a t-channel line with a decaying blob
        pair = Topology((0.0,) * 4, s_channel=Decay(None, (Decay(None, (0, 1)), Decay(None, (2, 3)))))
        chans["s_pairs"] = Channel(pair, SQRT_S, **kw)
        blob = Topology((0.0,) * 4, t_channel=(Propagator(), Propagator()),
                        t_blobs=(0, Decay(None, (1, 2)), 3))
        chans["t_blob"] = Channel(blob, SQRT_S, **kw)
        chans["four_vertex"] = Channel(Topology((0.0,) * 4, s_channel=Decay(None, (0, 1, 2, 3))), SQRT_S, **kw)
    return chans


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_massless_volume_every_channel(n, rng):
    exact = massless_volume(n, SQRT_S**2)
    for name, ch in massless_channels(n, nu=0.5).items():
        assert ch.dim == 3 * n - 4
        mean, err = mc_volume(ch, rng)
        assert err <= 1e-3 * exact, name
        assert abs(mean - exact) <= 3 * err + 1e-12 * exact, (name, mean / exact, err / exact)


@pytest.mark.slow
def test_massless_volume_default_power_map(rng):
    exact = massless_volume(3, SQRT_S**2)
    for name, ch in massless_channels(3, nu=0.8).items():
        mean, err = mc_volume(ch, rng, cap=20_000_000)
        assert err <= 1e-3 * exact and abs(mean - exact) <= 3 * err + 1e-12 * exact, (name, mean / exact)


def test_massive_two_body_volume_is_exact():
    m1, m2 = 30.0, 12.0
    p = math.sqrt((SQRT_S**2 - (m1 + m2) ** 2) * (SQRT_S**2 - (m1 - m2) ** 2)) / (2 * SQRT_S)
    exact = p / (4 * math.pi * SQRT_S)  # (2π)^-2 · 4π · p/(4√s)
    gen = torch.Generator().manual_seed(3)
    for ch in (Channel.flat([m1, m2], SQRT_S, hadronic=False),
               Channel.s_channel_chain([Propagator(MZ, WZ)], [m1, m2], SQRT_S, hadronic=False),
               Channel.t_channel_chain([Propagator(80.0)], [m1, m2], SQRT_S, hadronic=False)):
        mean, err = mc_volume(ch, gen)
        assert err <= 1e-3 * exact and abs(mean - exact) <= 3 * err + 1e-12 * exact


def test_massive_three_body_channels_agree(rng):
    masses = [MT / 4, MT / 5, 0.0]  # no closed form: every channel covering it must agree
    kw = {"hadronic": False, "nu": 0.5}
    chans = [Channel.flat(masses, 2 * SQRT_S, **kw),
             Channel.s_channel_chain([None, Propagator(40.0, 3.0)], masses, 2 * SQRT_S, **kw),
             Channel.t_channel_chain([Propagator(), Propagator(MT)], masses, 2 * SQRT_S, **kw)]
    res = [mc_volume(ch, rng) for ch in chans]
    for mean, err in res[1:]:
        assert abs(mean - res[0][0]) <= 3 * math.hypot(err, res[0][1])


# ---- forward ∘ inverse, Jacobians, conservation ----------------------------------------------

# Channels with cut-derived limits (topology.py): run_card cuts on hand-made final states.
CUT_CARD = {"ptj": 25.0, "etaj": 5.0, "drjj": 0.4, "ptl": 15.0, "etal": 2.5, "drll": 0.3, "mmll": 20.0}


def cut_channels() -> dict[str, tuple[Channel, Channel, Cuts]]:
    """name → (channel with limits, the same topology without, the cuts the limits come from)."""
    card = RunCard.default().with_overrides(**CUT_CARD)
    cases = {
        # massless cut legs at both ends of a two-step chain: exact first step, t ≤ -pT² last
        "t_chain_cut_ends": ((21, 6, 21), Topology((0.0, MT, 0.0), t_channel=(Propagator(), Propagator()),
                                                   t_blobs=(0, 1, 2))),
        # the cut leg next to leg 2: the chain runs mirrored
        "t_chain_mirrored": ((6, 21, 21), Topology((MT, 0.0, 0.0), t_channel=(Propagator(MT), Propagator()),
                                                   t_blobs=(0, 1, 2))),
        # one step: Y (the gluon) has B's pT
        "t_one_step_y_cut": ((6, -6, 21), Topology((MT, MT, 0.0), t_channel=(Propagator(),),
                                                   t_blobs=(Decay(Propagator(), (0, 1)), 2))),
        # t* → t g at threshold: power law above the ŝ-dependent floor
        "fsr_threshold": ((6, -6, 21), Topology((MT, MT, 0.0), s_channel=Decay(
            Propagator(), (Decay(Propagator(MT, WT), (0, 2)), 1)))),
        # mmll floors the lepton pair; every leg has a |y| cut (5 for the jet, 2.5)
        "dilepton_jet": ((11, -11, 21), Topology((0.0, 0.0, 0.0), s_channel=Decay(
            Propagator(), (Decay(Propagator(MZ, WZ), (0, 1)), 2)))),
        # Drell–Yan: |y_l| ≤ 2.5 limits the luminosity's y range to |y| ≤ 2.5
        "dilepton": ((11, -11), Topology((0.0, 0.0), s_channel=Decay(Propagator(MZ, WZ), (0, 1)))),
    }
    out = {}
    for name, (pdg, topo) in cases.items():
        cuts = Cuts.from_run_card(card, pdg, topo.final_masses)
        # above every threshold (Σ mT ≤ 55 GeV for the leptons and the jet): no closed corners
        kw = {"sqrt_s_hat_min": 60.0 if name.startswith("dilepton") else 600.0}
        out[name] = (Channel(topo, 13000.0, limits=cuts.phase_space_limits(topo.final_masses), **kw),
                     Channel(topo, 13000.0, **kw), cuts)
    return out


def hadronic_zprime() -> Channel:
    return Channel(Topology((0.0, 0.0), s_channel=Decay(Propagator(MZ, WZ), (0, 1))), 13000.0,
                   sqrt_s_hat_min=50.0)


def sample_channels() -> dict[str, Channel]:
    lep = {"hadronic": False}
    return {
        "flat4": Channel.flat([0.0] * 4, SQRT_S, **lep),
        "flat3_massive": Channel.flat([20.0, 5.0, 0.0], SQRT_S, **lep),
        "s_chain_bw": Channel.s_channel_chain([None, Propagator(MZ, WZ)], [0.0, 0.0, 0.0], 3 * SQRT_S, **lep),
        "t_chain_massive": Channel.t_channel_chain([Propagator(80.4), Propagator(MT, WT)], [MT, 0.0, 5.0],
                                                   4 * SQRT_S, **lep),
        "t_blob": Channel(Topology((0.0, 0.0, 0.0, 0.0), t_channel=(Propagator(),),
                                   t_blobs=(Decay(Propagator(MZ, WZ), (0, 1)), Decay(None, (2, 3)))),
                          3 * SQRT_S, nu=0.5, **lep),
        "hadronic_z": hadronic_zprime(),
        "hadronic_tt": Channel(Topology((MT, MT), s_channel=Decay(Propagator(), (0, 1))), 13000.0),
        "hadronic_t_chain": Channel.t_channel_chain([Propagator(), Propagator(MT)], [0.0, 0.0, MT],
                                                    13000.0, sqrt_s_hat_min=300.0, nu=0.5),
        **{f"cuts_{name}": limited for name, (limited, _, _) in cut_channels().items()},
    }


@pytest.mark.parametrize("name", list(sample_channels()))
def test_inverse_of_map_is_identity(name, rng):
    ch = sample_channels()[name]
    r = 0.02 + 0.96 * torch.rand(4000, ch.dim, dtype=torch.float64, generator=rng)
    p, _, _, w = ch.map(r)
    assert torch.all(w > 0) and torch.all(torch.isfinite(p))
    r2, w2 = ch.inverse(p)
    assert torch.max(torch.abs(r2 - r)) <= 1e-10
    assert torch.max(torch.abs(w2 / w - 1)) <= 1e-9
    p2 = ch.map(r2)[0]
    scale = p[:, :, 0].amax(1, keepdim=True)[..., None]
    assert torch.max(torch.abs(p2 - p) / scale) <= 1e-10


@pytest.mark.parametrize("name", list(sample_channels()))
def test_inverse_reads_only_momenta_it_has_set(name):
    # The inverse starts from the external momenta (slots 0 … n+1); a slot it reads before an
    # instruction sets it is uninitialised memory. The flat channels' root was: on the CPU it
    # held, by luck, what the forward map had left on the stack (a fresh thread gave NaN).
    ints = sample_channels()[name].packed.ints.tolist()
    known = set(range(ints[1] + 2))
    for k in range(ints[3]):
        op, *f = ints[HEADER + INSTR_WIDTH * k: HEADER + INSTR_WIDTH * (k + 1)]
        writes: list[int] = []
        if op == SUM:
            reads, writes = ints[f[1]: f[1] + f[2]], [f[0]]
        elif op == INVARIANT:
            reads = [f[0]]
        elif op == DECAY:
            reads = [f[0], f[1]]
        elif op == RAMBO:
            reads = [f[0], *ints[f[1]: f[1] + f[2]]]
        else:  # TSTEP: X, q, B read; q' written
            reads, writes = f[:3], [f[4]]
        assert set(reads) <= known, (k, op, set(reads) - known)
        known |= set(writes)


@pytest.mark.parametrize("name", list(sample_channels()))
def test_momentum_conservation_and_mass_shells(name, rng):
    ch = sample_channels()[name]
    r = torch.rand(20000, ch.dim, dtype=torch.float64, generator=rng)
    p, x1, x2, w = ch.map(r)
    e = p[:, :2, 0].sum(1)
    assert torch.max(torch.abs(p[:, 2:].sum(1) - p[:, :2].sum(1)) / e[:, None]) <= 1e-10
    m2 = p[..., 0] ** 2 - (p[..., 1:] ** 2).sum(-1)
    masses = torch.tensor([0.0, 0.0, *ch.topology.final_masses], dtype=torch.float64)
    assert torch.max(torch.abs(m2 - masses**2) / e[:, None] ** 2) <= 1e-10
    # Lab frame: incoming partons along ±z with x·√s/2.
    half = 0.5 * ch.sqrt_s
    assert torch.allclose(p[:, 0], torch.stack([x1 * half, 0 * x1, 0 * x1, x1 * half], -1), rtol=0, atol=0)
    assert torch.allclose(p[:, 1], torch.stack([x2 * half, 0 * x2, 0 * x2, -x2 * half], -1), rtol=0, atol=0)
    assert torch.all((x1 > 0) & (x1 <= 1) & (x2 > 0) & (x2 <= 1))
    assert torch.all(torch.isfinite(w)) and torch.all(w >= 0)


def test_lepton_channel_has_unit_x(rng):
    ch = sample_channels()["flat4"]
    _, x1, x2, _ = ch.map(torch.rand(10, ch.dim, dtype=torch.float64, generator=rng))
    assert torch.all(x1 == 1) and torch.all(x2 == 1)


@pytest.mark.parametrize("name", list(sample_channels()))
def test_faces_of_the_cube_give_finite_momenta(name, rng):
    ch = sample_channels()[name]
    r = torch.rand(20000, ch.dim, dtype=torch.float64, generator=rng)
    # Every coordinate pushed to 0 or 1 with probability 1/3 each: faces, edges and corners.
    u = torch.rand(r.shape, generator=rng, dtype=torch.float64)
    r = torch.where(u < 1 / 3, torch.zeros_like(r), torch.where(u < 2 / 3, torch.ones_like(r), r))
    r = torch.cat([r, torch.zeros(1, ch.dim, dtype=torch.float64), torch.ones(1, ch.dim, dtype=torch.float64)])
    p, x1, x2, w = ch.map(r)
    assert torch.all(torch.isfinite(p)) and torch.all(torch.isfinite(w)) and torch.all(w >= 0)
    assert torch.all(torch.isfinite(x1)) and torch.all(torch.isfinite(x2))
    r2, w2 = ch.inverse(p)
    assert torch.all(torch.isfinite(r2)) and torch.all(torch.isfinite(w2))


# Jacobian against finite differences of the inverse map in momentum coordinates.

def _energy(k3: np.ndarray, m: float) -> float:
    return math.sqrt(m * m + float(k3 @ k3))


def _lepton_momenta(c: np.ndarray, masses: list[float], sqrt_s: float, pz_guess: float) -> np.ndarray:
    """Coordinates (k⃗_1 … k⃗_(n-2), k_(n-1),x, k_(n-1),y) → momenta, k_(n-1),z from energy conservation."""
    n = len(masses)
    k = np.zeros((n, 3))
    k[: n - 2] = c[: 3 * (n - 2)].reshape(n - 2, 3)
    k[n - 2, :2] = c[3 * (n - 2):]
    pz = pz_guess
    for _ in range(100):  # Newton on Σ E = √s
        k[n - 2, 2] = pz
        k[n - 1] = -k[: n - 1].sum(0)
        e = [_energy(k[i], masses[i]) for i in range(n)]
        f = sum(e) - sqrt_s
        d = k[n - 2, 2] / e[n - 2] - k[n - 1, 2] / e[n - 1]
        step = f / d
        pz -= step
        if abs(step) < 1e-15 * sqrt_s:
            break
    k[n - 2, 2] = pz
    k[n - 1] = -k[: n - 1].sum(0)
    out = np.zeros((n + 2, 4))
    out[0] = [sqrt_s / 2, 0, 0, sqrt_s / 2]
    out[1] = [sqrt_s / 2, 0, 0, -sqrt_s / 2]
    for i in range(n):
        out[i + 2] = [_energy(k[i], masses[i]), *k[i]]
    return out


def _hadronic_momenta(c: np.ndarray, masses: list[float], sqrt_s: float) -> np.ndarray:
    """Coordinates (k⃗_1 … k⃗_(n-1), k_n,z) → lab momenta; x1, x2 from E and p_z conservation."""
    n = len(masses)
    k = np.zeros((n, 3))
    k[: n - 1] = c[: 3 * (n - 1)].reshape(n - 1, 3)
    k[n - 1, :2] = -k[: n - 1, :2].sum(0)
    k[n - 1, 2] = c[-1]
    e = np.array([_energy(k[i], masses[i]) for i in range(n)])
    x1 = (e.sum() + k[:, 2].sum()) / sqrt_s
    x2 = (e.sum() - k[:, 2].sum()) / sqrt_s
    out = np.zeros((n + 2, 4))
    out[0] = [x1 * sqrt_s / 2, 0, 0, x1 * sqrt_s / 2]
    out[1] = [x2 * sqrt_s / 2, 0, 0, -x2 * sqrt_s / 2]
    out[2:, 0] = e
    out[2:, 1:] = k
    return out


@pytest.mark.parametrize("name", list(sample_channels()))
def test_weight_is_inverse_jacobian_determinant(name, rng):
    ch = sample_channels()[name]
    masses = list(ch.topology.final_masses)
    n = len(masses)
    r = 0.15 + 0.7 * torch.rand(3, ch.dim, dtype=torch.float64, generator=rng)
    p, _, _, w = ch.map(r)
    for b in range(len(r)):
        pb = p[b].numpy()
        k = pb[2:, 1:]
        if ch.hadronic:
            c0 = np.concatenate([k[: n - 1].ravel(), [k[n - 1, 2]]])
            build = lambda c: _hadronic_momenta(c, masses, ch.sqrt_s)
            s = ch.sqrt_s**2
            measure = (2 * math.pi) ** (4 - 3 * n) * (2 / s) / np.prod(2 * pb[2:, 0])
        else:
            c0 = np.concatenate([k[: n - 2].ravel(), k[n - 2, :2]])
            pz = k[n - 2, 2]
            build = lambda c, pz=pz: _lepton_momenta(c, masses, ch.sqrt_s, pz)
            e = pb[2:, 0]
            dedpz = abs(k[n - 2, 2] / e[n - 2] - k[n - 1, 2] / e[n - 1])
            measure = (2 * math.pi) ** (4 - 3 * n) / np.prod(2 * e) / dedpz
        assert np.allclose(build(c0), pb, rtol=0, atol=1e-9 * pb[:, 0].max())
        scale = pb[2:, 0].max()
        h = 1e-5 * scale
        cols = []
        for j in range(len(c0)):
            pts = []
            for step in (2, 1, -1, -2):
                c = c0.copy()
                c[j] += step * h
                pts.append(build(c))
            r_pts = ch.inverse(torch.tensor(np.array(pts)))[0].numpy()
            cols.append((-r_pts[0] + 8 * r_pts[1] - 8 * r_pts[2] + r_pts[3]) / (12 * h))
        jac = np.linalg.det(np.array(cols).T)
        expected = measure / abs(jac)
        assert abs(float(w[b]) / expected - 1) <= 1e-6, (name, float(w[b]) / expected)


# ---- resonances ------------------------------------------------------------------------------

def test_narrow_breit_wigner_is_flattened_by_its_channel(rng):
    m, gamma = 400.0, 0.4  # Γ/M = 1e-3, a narrow Z′
    ch = Channel(Topology((0.0, 0.0), s_channel=Decay(Propagator(m, gamma), (0, 1))), 13000.0,
                 sqrt_s_hat_min=100.0)
    p, x1, x2, w = ch.map(torch.rand(200_000, ch.dim, dtype=torch.float64, generator=rng))
    s_hat = x1 * x2 * 13000.0**2
    # A resonance in ŝ over a luminosity flat in τ: weight · integrand is constant.
    f = 1 / ((s_hat - m * m) ** 2 + (m * gamma) ** 2) / (-torch.log(x1 * x2))
    fw = f * w
    assert float(fw.var() / fw.mean() ** 2) <= 1e-6
    # The same resonance as a decay inside an s-channel chain (lepton collider).
    chain = Channel.s_channel_chain([None, Propagator(m, gamma)], [0.0, 0.0, 0.0], 1000.0, hadronic=False)
    r = torch.rand(200_000, chain.dim, dtype=torch.float64, generator=rng)
    p, _, _, w = chain.map(r)
    s12 = ((p[:, 2] + p[:, 3])[:, 0] ** 2 - ((p[:, 2] + p[:, 3])[:, 1:] ** 2).sum(-1))
    # w = (ds12/dr)/(2π) · |k|/(4π√s) · |k'|/(4π√s12), |k|/√s = (s - s12)/(2s), |k'|/√s12 = 1/2
    fw = w / ((s12 - m * m) ** 2 + (m * gamma) ** 2) / ((1000.0**2 - s12) / (2 * 1000.0**2))
    assert float(fw.var() / fw.mean() ** 2) <= 1e-6


# ---- cut-derived limits ----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(cut_channels()))
def test_limits_keep_the_cut_volume(name, rng):
    """The limits only cut away what the cuts reject: the same cut volume as without them
    (an independent estimate, the plain kinematic limits), and more points inside."""
    limited, plain, cuts = cut_channels()[name]
    assert limited.listing != plain.listing  # the limits are in the program
    results = []
    for ch in (limited, plain):
        s = s2 = 0.0
        inside = 0
        n = 400_000
        for _ in range(4):
            p, _, _, w = ch.map(torch.rand(n // 4, ch.dim, dtype=torch.float64, generator=rng))
            ok = cuts.passes(p) & (w > 0)
            wc = torch.where(ok, w, torch.zeros_like(w))
            s, s2, inside = s + float(wc.sum()), s2 + float((wc * wc).sum()), inside + int(ok.sum())
        mean = s / n
        results.append((mean, math.sqrt((s2 / n - mean * mean) / n), inside / n))
    (a, da, fa), (b, db, fb) = results
    assert abs(a - b) <= 4 * math.hypot(da, db), (name, a / b, da / a, db / b)
    assert fa >= fb - 0.01, (name, fa, fb)


def test_limits_raise_the_in_cut_fraction_where_they_apply(rng):
    chans = cut_channels()
    fractions = {}
    for name in ("t_chain_cut_ends", "t_chain_mirrored", "fsr_threshold", "dilepton"):
        limited, plain, cuts = chans[name]
        r = torch.rand(100_000, limited.dim, dtype=torch.float64, generator=rng)
        fractions[name] = []
        for ch in (limited, plain):
            p, _, _, w = ch.map(r)
            fractions[name].append(float((cuts.passes(p) & (w > 0)).double().mean()))
    # measured (seed of conftest): 0.60 → 0.93, 0.79 → 0.97, 0.19 → 0.93, 0.36 → 0.72
    for name, (with_limits, without) in fractions.items():
        assert with_limits >= without + 0.1, (name, with_limits, without)


# ---- devices and bad input -------------------------------------------------------------------

def _device_differences(cpu: tuple[torch.Tensor, ...], gpu: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Per point: the largest of |Δp|/E (E the incoming energy), |Δx|/x and |Δw|/w (w > 0)."""
    (p, x1, x2, w), (pg, x1g, x2g, wg) = cpu, [t.cpu() for t in gpu]
    dp = (pg - p).abs().flatten(1).amax(1) / p[:, :2, 0].sum(1)
    dx = torch.maximum((x1g - x1).abs() / x1, (x2g - x2).abs() / x2)
    dw = torch.where(w > 0, (wg - w).abs() / w.clamp_min(1e-300), torch.zeros_like(w))
    return torch.maximum(torch.maximum(dp, dx), dw)


@requires_cuda
@pytest.mark.parametrize("name", list(sample_channels()))
def test_cuda_matches_cpu(name, rng):
    # The devices round differently (nvcc fuses a*b+c into FMAs, CUDA's libm differs in the last
    # bit). A CPU core built with -march=x86-64-v3 -ffp-contract=fast differs from a plain build by
    # up to 2e-9 at r = 1 - 1e-7, where a map's inverse CDF amplifies rounding, by 3e-11 for r in
    # [0.02, 0.98], and by 4e-11 in the inverse there (1e-8 built with -ffast-math): the tolerances
    # leave 30-100x to spare. A bug gives O(1) differences.
    ch = sample_channels()[name]
    r = torch.rand(50_000, ch.dim, dtype=torch.float64, generator=rng)
    inner = ((r > 0.02) & (r < 0.98)).all(1)
    cpu = ch.map(r)
    gpu = ch.map(r.cuda())
    # points a channel's cut limits reject weigh exactly 0 on both devices (w/w is 0/0 there)
    assert torch.equal(gpu[3].cpu() == 0, cpu[3] == 0)
    diff = _device_differences(cpu, gpu)
    assert diff.max() <= 1e-7 and diff[inner].max() <= 1e-9, (float(diff.max()), float(diff[inner].max()))
    # the inverse of the same momenta, where it is defined (w > 0) and well conditioned
    r_cpu, w_cpu = ch.inverse(cpu[0])
    r_gpu, w_gpu = ch.inverse(cpu[0].cuda())
    keep = inner & (cpu[3] > 0)
    assert (r_gpu.cpu() - r_cpu)[keep].abs().max() <= 1e-6
    assert (w_gpu.cpu() / w_cpu - 1)[keep].abs().max() <= 1e-6


@requires_cuda
def test_program_and_points_on_different_devices_are_refused():
    from madnis_plugin.core import _core

    ch = Channel.flat([0.0, 0.0], SQRT_S, hadronic=False)
    ints, params = ch.program("cpu")
    r = torch.rand(4, ch.dim, dtype=torch.float64, device="cuda")
    out = [torch.empty((4, 4, 4), dtype=torch.float64, device="cuda")] + [
        torch.empty(4, dtype=torch.float64, device="cuda") for _ in range(3)]
    with pytest.raises(ValueError, match="argument 'r': expected it on cpu"):
        _core.phasespace_map(ints, params, 2, ch.dim, r, *out)


def test_bad_input_names_the_argument():
    from madnis_plugin.core import _core

    ch = Channel.t_channel_chain([Propagator()], [0.0, 0.0], SQRT_S, hadronic=False)
    with pytest.raises(ValueError, match="argument 'r': expected dtype float64, got float32"):
        ch.map(torch.rand(4, ch.dim))
    with pytest.raises(ValueError, match=r"argument 'r': expected shape \[\*, 2\], got \[4, 3\]"):
        ch.map(torch.rand(4, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="argument 'momenta': expected shape"):
        ch.inverse(torch.zeros(4, 3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="argument 'momenta': expected dtype float64"):
        ch.inverse(torch.zeros(4, 4, 4, dtype=torch.float32))
    ints, params = ch.program("cpu")
    r = torch.rand(4, ch.dim, dtype=torch.float64)
    out = [torch.empty((4, 4, 4), dtype=torch.float64)] + [torch.empty(4, dtype=torch.float64)] * 3
    with pytest.raises(ValueError, match="argument 'ints': expected dtype int64"):
        _core.phasespace_map(ints.to(torch.int32), params, 2, ch.dim, r, *out)
    with pytest.raises(ValueError, match="argument 'weight': expected shape"):
        _core.phasespace_map(ints, params, 2, ch.dim, r, out[0], out[1], out[2], torch.empty(5, dtype=torch.float64))
    with pytest.raises(TypeError, match="argument 'r': expected a tensor"):
        _core.phasespace_map(ints, params, 2, ch.dim, [0.5, 0.5], *out)


def test_bad_topologies_are_refused():
    with pytest.raises(TopologyError, match="each outgoing particle"):
        Channel(Topology((0.0, 0.0, 0.0), s_channel=Decay(None, (0, 1))), SQRT_S, hadronic=False)
    with pytest.raises(TopologyError, match="needs 2 blobs"):
        Channel(Topology((0.0, 0.0), t_channel=(Propagator(),), t_blobs=(0, 1, 2)), SQRT_S)
    with pytest.raises(TopologyError, match="sqrt_s_hat_min > 0"):
        Channel.flat([0.0, 0.0], SQRT_S)
    with pytest.raises(TopologyError, match="positive mass"):
        Channel(Topology((0.0, 0.0), s_channel=Decay(Propagator(0.0, 1.0), (0, 1))), SQRT_S, hadronic=False)
    with pytest.raises(TopologyError, match="not in 0..1"):
        Channel(Topology((0.0, 0.0), s_channel=Decay(None, (0, 2))), SQRT_S, hadronic=False)


# ---- layout and closed regions ---------------------------------------------------------------

def test_dimensions_and_listing():
    for n in (2, 3, 5):
        lep = Channel.flat([0.0] * n, SQRT_S, hadronic=False)
        had = Channel.t_channel_chain([Propagator()] * (n - 1), [0.0] * n, 13000.0, sqrt_s_hat_min=10.0)
        assert lep.dim == 3 * n - 4 and had.dim == 3 * n - 2
        assert had.listing[0].startswith("hadronic: r[0]")
        assert had.listing[-1].startswith(f"r[{had.dim - 2}:{had.dim}]")


def test_single_blob_is_the_s_channel(rng):
    d = Decay(Propagator(MZ, WZ), (0, 1))
    a = Channel(Topology((0.0, 0.0), s_channel=d), 13000.0, sqrt_s_hat_min=20.0)
    b = Channel(Topology((0.0, 0.0), t_blobs=(d,)), 13000.0, sqrt_s_hat_min=20.0)
    r = torch.rand(100, a.dim, dtype=torch.float64, generator=rng)
    for x, y in zip(a.map(r), b.map(r)):
        assert torch.equal(x, y)


def test_closed_phase_space_has_zero_weight_and_finite_momenta(rng):
    closed = [Channel.flat([60.0, 50.0, 0.0], SQRT_S, hadronic=False),
              Channel.t_channel_chain([Propagator(), Propagator()], [60.0, 50.0, 0.0], SQRT_S, hadronic=False),
              Channel.s_channel_chain([None, Propagator(MZ, WZ)], [60.0, 50.0, 0.0], SQRT_S, hadronic=False),
              Channel.flat([0.0, 0.0], SQRT_S, sqrt_s_hat_min=2 * SQRT_S)]
    for ch in closed:
        p, x1, x2, w = ch.map(torch.rand(1000, ch.dim, dtype=torch.float64, generator=rng))
        assert torch.all(w == 0) and torch.all(torch.isfinite(p))
        assert torch.all(torch.isfinite(x1)) and torch.all(torch.isfinite(x2))


@pytest.mark.slow
@pytest.mark.parametrize("n", [4, 5])
def test_massless_volume_default_power_map_more_particles(n, rng):
    exact = massless_volume(n, SQRT_S**2)
    for name, ch in massless_channels(n, nu=0.8).items():
        mean, err = mc_volume(ch, rng, cap=60_000_000)
        assert err <= 1e-3 * exact and abs(mean - exact) <= 3 * err + 1e-12 * exact, (name, mean / exact)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=requires_cuda)])
def test_channel_set_maps_each_point_by_its_own_channel(device, rng):
    """ChannelSet: one call, a channel per point, gives bit for bit what each channel gives alone
    (forward and inverse); an index outside the set gives a NaN weight, not a wrong point."""
    from madnis_plugin.phasespace import ChannelSet

    same = [ch for ch in sample_channels().values() if (ch.n_final, ch.dim, ch.hadronic) == (3, 7, True)]
    assert len(same) >= 2
    channels = ChannelSet(same)
    r = torch.rand(3000, channels.dim, dtype=torch.float64, generator=rng).to(device)
    which = torch.randint(0, len(same), (3000,), generator=rng).to(device)
    momenta, x1, x2, w = channels.map(which, r)
    r_back, w_back = channels.inverse(which, momenta)
    for k, ch in enumerate(same):
        mine = which == k
        alone = ch.map(r[mine])
        for a, b in zip(alone, (momenta, x1, x2, w), strict=True):
            assert torch.equal(a, b[mine])
        back = ch.inverse(momenta[mine])
        assert torch.equal(back[0], r_back[mine]) and torch.equal(back[1], w_back[mine])
    bad = channels.map(torch.tensor([len(same), -1], device=device), r[:2])[3]
    assert bool(torch.isnan(bad).all())
    with pytest.raises(TopologyError, match="share n_final and dim"):
        ChannelSet([same[0], sample_channels()["flat4"]])
