"""MadNIS on Drell–Yan with a narrow Z′ (γ, Z, Z′ channels; analytic matrix element): the
integrand's learned-channel-weight interface, unbiased σ, and checkpoint → resume → generate."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pylhe
import pytest
import torch
from analytic_me import AnalyticDrellYan
from dy_reference import drell_yan_sigma

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.checkpoint import CheckpointError, load_checkpoint
from madnis_plugin.integrate import IntegrationRun, RunOptions, generate
from madnis_plugin.nis.features import physics_features
from madnis_plugin.nis.sampler import nis_channels
from madnis_plugin.process.process import Process

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "processes" / "drell_yan_zprime" / "proc_card.dat"
VECTORS = [(91.188, 2.441404), (400.0, 0.5)]  # Z and Z′ (sm_zprime: MZ′ = 400 GeV, ΓZ′ = 0.5 GeV)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def analytic(sub):
    return AnalyticDrellYan(sub.pdg_ids, VECTORS)


def make_run(tmp_path, *, sampler="madnis", nevents=1000, seed=11, resume=None, calls=10_000, **madnis):
    card = RunCard.from_file(CARD.parent / "run_card.dat")
    settings = {"madnis_steps": 6, "madnis_batch_size": 1024, "madnis_buffered_steps": 1}
    settings.update(madnis)
    card = card.with_overrides(**settings)
    options = RunOptions(nevents=nevents, seed=seed, output=tmp_path, calls_per_iteration=calls,
                         rel_accuracy=0.004, max_calls=200_000, batch_size=20_000, sampler=sampler, resume=resume)
    return IntegrationRun(CARD, Process.from_card(CARD), card, options, analytic)


def m_ll(events_file: Path) -> list[float]:
    out = []
    for ev in pylhe.LHEFile.fromfile(str(events_file)).events:
        leptons = [p for p in ev.particles if p.status == 1]
        e, px, py, pz = (sum(getattr(p, k) for p in leptons) for k in ("e", "px", "py", "pz"))
        out.append(math.sqrt(max(e * e - px * px - py * py - pz * pz, 0.0)))
    return out


def chi2_two_samples(a: list[float], b: list[float], edges: list[float]) -> tuple[float, int]:
    """Pearson χ² of two histograms of (possibly different) sizes, and its degrees of freedom."""
    ha = torch.histogram(torch.tensor(a, dtype=torch.float64), torch.tensor(edges, dtype=torch.float64))[0]
    hb = torch.histogram(torch.tensor(b, dtype=torch.float64), torch.tensor(edges, dtype=torch.float64))[0]
    na, nb = float(ha.sum()), float(hb.sum())
    keep = (ha + hb) > 0
    ka, kb = math.sqrt(nb / na), math.sqrt(na / nb)
    chi2 = float((((ka * ha - kb * hb) ** 2) / (ha + hb))[keep].sum())
    return chi2, int(keep.sum()) - 1


MLL_EDGES = [20.0, 50.0, 70.0, 85.0, 89.0, 91.0, 93.0, 97.0, 120.0, 200.0, 380.0, 399.0, 401.0, 13000.0]


def test_channel_point_exposes_the_weight_without_alpha_and_the_prior(tmp_path):
    run = make_run(tmp_path)
    r = torch.rand(2000, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for entry in run.entries:
        point = entry.integrand.evaluate(r)
        prior = point.alpha_prior
        assert prior.shape == (2000, 3)
        torch.testing.assert_close(prior.sum(1), torch.ones(2000, dtype=torch.float64), atol=1e-14, rtol=0)
        c = entry.integrand.channel_index
        torch.testing.assert_close(point.weight, point.weight_no_alpha * prior[:, c], rtol=1e-12, atol=0)
        assert bool(torch.all(point.weight_no_alpha[point.weight == 0] == 0) | (prior[point.weight == 0, c] == 0).all())


def test_channel_weight_features_depend_on_the_point_not_the_channel(tmp_path):
    """α_c(x) must be one function of x for all channels: the same momenta reached through
    another channel's map give the same features (and prior)."""
    run = make_run(tmp_path)
    s = run.process.sqrt_s**2
    photon, zprime = run.entries[0].integrand, run.entries[2].integrand
    r = torch.rand(500, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    a = photon.evaluate(r)
    ok = a.weight_no_alpha > 0
    r_other, _ = zprime.channel.inverse(a.momenta[ok])
    b = zprime.evaluate(r_other)
    torch.testing.assert_close(physics_features(b.momenta, b.x1, b.x2, s),
                               physics_features(a.momenta[ok], a.x1[ok], a.x2[ok], s), atol=1e-8, rtol=1e-8)
    torch.testing.assert_close(b.alpha_prior, a.alpha_prior[ok], atol=1e-10, rtol=1e-8)


def test_madnis_sigma_equals_vegas_sigma_and_the_quadrature(tmp_path, default_pdf):
    """The estimator is unbiased: a (briefly) trained sampler with learned channel weights gives
    the VEGAS cross section within errors, and both give the independent quadrature."""
    run = make_run(tmp_path, madnis_steps=15)
    nis = run.make_sampler().integrator
    nis.train()
    madnis = nis.integrate(20_000, iterations=6)
    vegas_run = make_run(tmp_path, sampler="vegas", calls=20_000)
    _, vegas, _, _ = vegas_run.integrate()
    reference = drell_yan_sigma(default_pdf, vectors=VECTORS)
    combined = math.hypot(madnis.error, vegas.error)
    assert abs(madnis.value - vegas.value) < 3 * combined
    assert abs(madnis.value - reference) < 3 * madnis.error
    assert madnis.rel_error < 0.01


def test_nis_channels_group_subprocesses_and_symmetry_groups(tmp_path):
    run = make_run(tmp_path)
    channels = nis_channels(run.entries, run.process.sqrt_s**2)
    assert [c.group for c in channels] == [0, 0, 0, 1, 1, 1]
    assert [c.index_in_group for c in channels] == [0, 1, 2, 0, 1, 2]
    assert len({c.flow_key for c in channels}) == 6


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A short MadNIS run, then the same run resumed to twice the steps."""
    tmp = tmp_path_factory.mktemp("madnis_dy")
    first = make_run(tmp, nevents=2000).run()
    history = list(load_checkpoint(first.run_dir)["state"]["trainer"]["history"])
    resumed = make_run(tmp, nevents=2000, resume=first.run_dir, madnis_steps=12).run()
    return tmp, first, history, resumed


def test_checkpoint_holds_the_whole_training_state(trained):
    _, first, _, _ = trained
    state = load_checkpoint(first.run_dir)
    trainer = state["state"]["trainer"]
    for key in ("flows", "weight_nets", "vegas_grids", "buffer", "optimizer", "rng", "history", "grid_widths"):
        assert trainer[key] is not None, key
    assert all(g is not None and g.shape == (4, 64) for g in trainer["vegas_grids"])
    assert all(m["value"] > 0 for m in state["final"]["w_max"]["per_channel"] if m is not None)
    assert "madnis_steps" in state["cards"]["run_card"]


def test_resumed_run_continues_the_loss_curve(trained):
    _, first, history, resumed = trained
    results = json.loads((resumed.run_dir / "results.json").read_text())
    assert resumed.run_dir != first.run_dir  # resuming writes a new run folder
    assert results["resumed_from"] == str(first.run_dir.resolve())
    assert results["sampler"] == "madnis"
    training = results["training"]
    assert training["online_steps"] == 12 and training["resumed_from_step"] == 6
    assert training["buffered_steps"] == 12
    assert training["final_loss"] > 0 and training["wall_time_s"] > 0
    assert training["integrand_calls"] == training["pretraining_calls"] + 12 * 1024
    new_history = load_checkpoint(resumed.run_dir)["state"]["trainer"]["history"]
    assert new_history[: len(history)] == history  # the first six steps are kept, not redone
    assert len([h for h in new_history if h["online"]]) == 12


def _weighted_m_ll_shares(tmp_path) -> tuple[torch.Tensor, torch.Tensor]:
    """Expected fractions of events per MLL_EDGES bin, and their MC variance, from a weighted
    sample of an independent sampler (multi-channel VEGAS) on the same integrand."""
    run = make_run(tmp_path, sampler="vegas", calls=20_000)
    sampler, result, _, _ = run.integrate()
    edges = torch.tensor(MLL_EDGES, dtype=torch.float64)
    sums = torch.zeros(len(edges) + 1, dtype=torch.float64)
    sums2 = torch.zeros_like(sums)
    for _, point, w in run.weighted_sample(sampler, 400_000, result):
        ll = point.momenta[:, 2] + point.momenta[:, 3]
        m = (ll[:, 0] ** 2 - (ll[:, 1:] ** 2).sum(-1)).clamp_min(0).sqrt()
        idx = torch.bucketize(m, edges)
        sums.index_add_(0, idx, w)
        sums2.index_add_(0, idx, w * w)
    total = sums.sum()
    return sums / total, sums2 / total**2


def test_generate_gives_events_of_the_weighted_distribution(trained, tmp_path):
    """Events generated from the saved sampler follow the m_ll distribution of an independent
    VEGAS weighted sample (not merely the trained run's own events)."""
    _tmp, _, _, resumed = trained
    original = m_ll(resumed.events_file)
    summary = generate(resumed.run_dir, 2000, matrix_element_of=analytic)
    assert summary.run_dir != resumed.run_dir and summary.n_events == 2000
    results = json.loads((summary.run_dir / "results.json").read_text())
    assert results["generated_from"] == str(resumed.run_dir.resolve())
    assert results["checkpoint"].endswith("madnis_checkpoint.pt")
    assert results["cross_section_pb"] == pytest.approx(resumed.cross_section_pb)
    new = m_ll(summary.events_file)
    assert new != original  # new events, not the same ones again
    share, var = _weighted_m_ll_shares(tmp_path)
    counts = torch.bincount(torch.bucketize(torch.tensor(new, dtype=torch.float64),
                                            torch.tensor(MLL_EDGES, dtype=torch.float64)), minlength=len(share))
    n = len(new)
    expected = n * share
    keep = expected > 5
    chi2 = float((((counts - expected) ** 2 / (expected * (1 - share) + n * n * var))[keep]).sum())
    dof = int(keep.sum()) - 1
    assert chi2 < dof + 4 * math.sqrt(2 * dof), (chi2, dof, counts, expected)
    # the Z′ peak is there
    assert sum(399 < m < 401 for m in new) > 0.02 * len(new)


def test_generate_without_a_finished_training_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        generate(tmp_path, 10)


def test_interrupted_training_keeps_its_checkpoint_for_resume(tmp_path, monkeypatch):
    from madnis_plugin.events.leftovers import INCOMPLETE_FILE
    from madnis_plugin.nis.sampler import MadnisSampler

    original = MadnisSampler.prepare

    def interrupted(self, progress=None, checkpoint=None):
        self.integrator.pretrain()
        self.integrator.train(steps=2)
        checkpoint()
        raise KeyboardInterrupt

    monkeypatch.setattr(MadnisSampler, "prepare", interrupted)
    with pytest.raises(KeyboardInterrupt):
        make_run(tmp_path, nevents=50).run()
    folder = tmp_path / "Events" / "run_01"
    assert (folder / INCOMPLETE_FILE).is_file() and (folder / "madnis_checkpoint.pt").is_file()
    assert not (folder / "results.json").exists() and not list(folder.glob("*.lhe.gz"))
    monkeypatch.setattr(MadnisSampler, "prepare", original)
    resumed = make_run(tmp_path, nevents=50, resume=folder).run()
    training = json.loads((resumed.run_dir / "results.json").read_text())["training"]
    assert training["resumed_from_step"] == 2 and training["online_steps"] == 6
