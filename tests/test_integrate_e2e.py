"""End to end with generated matrix elements: `madnis integrate` on the bundled cards.

Cross sections against the independent quadrature (tests/dy_reference.py), the
event file against pylhe and Pythia 8, unweighted distributions against the weighted
sample, reproducibility, and the command line.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pylhe
import pytest
import torch
from click.testing import CliRunner
from dy_reference import drell_yan_sigma
from pythia_check import shower

from madnis_plugin.cli import main
from madnis_plugin.events.run_dir import read_results
from madnis_plugin.integrate import IntegrationRun, RunOptions

ROOT = Path(__file__).resolve().parent.parent
Z, ZP = (91.188, 2.441404), (400.0, 0.5)


def run_process(name: str, tmp: Path, nevents: int, **kw):
    options = RunOptions(nevents=nevents, seed=kw.pop("seed", 11), output=tmp, calls_per_iteration=40_000,
                         rel_accuracy=0.003, batch_size=40_000, **kw)
    run = IntegrationRun.from_cards(ROOT / "processes" / name / "proc_card.dat", options=options)
    return run, run.run()


@pytest.fixture(scope="module")
def drell_yan(tmp_path_factory):
    return run_process("drell_yan", tmp_path_factory.mktemp("dy"), nevents=5000)


@pytest.mark.parametrize("name,vectors", [("drell_yan", (Z,)), ("drell_yan_zprime", (Z, ZP))])
def test_cross_section_matches_quadrature(name, vectors, tmp_path, default_pdf, drell_yan):
    summary = drell_yan[1] if name == "drell_yan" else run_process(name, tmp_path, nevents=10)[1]
    reference = drell_yan_sigma(default_pdf, vectors=vectors)
    assert summary.error_pb / summary.cross_section_pb <= 0.005
    assert abs(summary.cross_section_pb - reference) < 3 * summary.error_pb


def test_event_file_is_valid_lhe_with_colour_connections(drell_yan):
    summary = drell_yan[1]
    events = list(pylhe.LHEFile.fromfile(str(summary.events_file)).events)
    assert len(events) == 5000
    for ev in events:
        p = np.array([[q.e, q.px, q.py, q.pz] for q in ev.particles])
        status = np.array([q.status for q in ev.particles])
        np.testing.assert_allclose(p[status == -1].sum(0), p[status == 1].sum(0), atol=1e-6 * p[:, 0].max())
        # every colour tag is opened once and closed once (incoming lines count reversed)
        opened, closed = [], []
        for q in ev.particles:
            c1, c2 = int(q.color1), int(q.color2)
            if q.status == -1:
                c1, c2 = c2, c1
            if q.status in (-1, 1):
                opened += [c1] if c1 else []
                closed += [c2] if c2 else []
        assert sorted(opened) == sorted(closed) and len(set(opened)) == len(opened)
        assert all(abs(int(q.spin)) == 1 for q in ev.particles if q.status in (-1, 1))


def test_pythia_showers_1000_events_without_errors(drell_yan, tmp_path):
    result = shower(drell_yan[1].events_file, 1000)
    assert (result.ok, result.failed, result.unexpected_errors()) == (1000, 0, [])


def observables(momenta: torch.Tensor) -> dict[str, torch.Tensor]:
    ll = momenta[:, 2] + momenta[:, 3]
    m = (ll[:, 0] ** 2 - (ll[:, 1:] ** 2).sum(-1)).clamp_min(0).sqrt()
    pt = momenta[:, 3, 1:3].norm(dim=-1)
    y = 0.5 * torch.log((ll[:, 0] + ll[:, 3]) / (ll[:, 0] - ll[:, 3]))
    return {"m_ll": m, "pt_l": pt, "y_ll": y}


def test_unweighted_distributions_agree_with_the_weighted_sample(drell_yan):
    run, summary = drell_yan
    weighted = {k: [] for k in ("m_ll", "pt_l", "y_ll")}
    weights = []
    for _, point, w in run.weighted_sample(run.sampler, 400_000, run.result):
        for k, v in observables(point.momenta).items():
            weighted[k].append(v)
        weights.append(w)
    w = torch.cat(weights)
    lhe = pylhe.LHEFile.fromfile(str(summary.events_file))
    mom = torch.tensor([[[q.e, q.px, q.py, q.pz] for q in ev.particles if q.status in (-1, 1)]
                        for ev in lhe.events], dtype=torch.float64)
    unweighted = observables(mom)
    n = mom.shape[0]
    # Mirrored events are z-reflections: y flips sign but not m or pT; compare |y|.
    for name, edges in (("m_ll", torch.linspace(20, 200, 21)), ("pt_l", torch.linspace(10, 70, 21)),
                        ("y_ll", torch.linspace(0, 2.5, 21))):
        x_w = torch.cat(weighted[name]).abs() if name == "y_ll" else torch.cat(weighted[name])
        x_u = unweighted[name].abs() if name == "y_ll" else unweighted[name]
        idx_w = torch.bucketize(x_w, edges) 
        idx_u = torch.bucketize(x_u, edges)
        bins = len(edges) + 1
        sum_w = torch.zeros(bins, dtype=torch.float64).index_add_(0, idx_w, w)
        sum_w2 = torch.zeros(bins, dtype=torch.float64).index_add_(0, idx_w, w * w)
        counts = torch.bincount(idx_u, minlength=bins).double()
        total = w.sum()
        p = sum_w / total
        var_p = sum_w2 / total**2  # MC uncertainty of the weighted fractions
        expected = n * p
        keep = expected > 5
        chi2 = (((counts - expected) ** 2 / (expected * (1 - p) + n * n * var_p))[keep]).sum().item()
        dof = int(keep.sum()) - 1
        # 0.999 quantile of χ² with ~21 dof is ≈ 46.8; a wrong distribution gives hundreds.
        assert chi2 < 46.8 * max(dof, 1) / 21, (name, chi2, dof)


def test_same_seed_same_events_file(tmp_path):
    a = run_process("drell_yan", tmp_path / "a", nevents=300, seed=4)[1]
    b = run_process("drell_yan", tmp_path / "b", nevents=300, seed=4)[1]
    assert gzip.decompress(a.events_file.read_bytes()) == gzip.decompress(b.events_file.read_bytes())


def test_command_line_run_with_cards_beside_the_proc_card(tmp_path):
    for card in ("proc_card.dat", "run_card.dat"):
        shutil.copy(ROOT / "processes" / "drell_yan" / card, tmp_path / card)
    result = CliRunner().invoke(main, ["integrate", str(tmp_path / "proc_card.dat"), "--nevents", "50",
                                       "--seed", "3", "--accuracy", "0.02"])
    assert result.exit_code == 0, result.output
    results = read_results(tmp_path / "Events" / "run_01")
    assert results["n_events"] == 50 and results["cross_section_pb"] > 0
    assert (tmp_path / "Events" / "run_01" / "unweighted_events.lhe.gz").is_file()
    assert "cross section" in result.output


def test_command_line_errors_leave_no_event_file(tmp_path):
    (tmp_path / "proc_card.dat").write_text("import model sm\ngenerate p p > e+ e-\n")
    (tmp_path / "run_card.dat").write_text("  13000 = ebeam1\n  6500 = ebeam2 ! beam 2\n  20 = ptl\n"
                                           "  10 = ptlmax\n")
    result = CliRunner().invoke(main, ["integrate", str(tmp_path / "proc_card.dat"), "--nevents", "10"])
    assert result.exit_code == 2 and "no phase-space point" in result.output
    assert not list(tmp_path.rglob("*.lhe.gz"))
    result = CliRunner().invoke(main, ["integrate", str(tmp_path / "missing.dat")])
    assert result.exit_code == 2 and "no such proc_card" in result.output
    (tmp_path / "run_card.dat").write_text("  6500 = ebeam1\n  6500 = ebeem2\n")
    result = CliRunner().invoke(main, ["integrate", str(tmp_path / "proc_card.dat")])
    assert result.exit_code == 2 and "run_card.dat:2" in result.output and "ebeam2" in result.output


def test_command_line_madnis_integrate_then_generate(tmp_path):
    for card in ("proc_card.dat", "run_card.dat"):
        shutil.copy(ROOT / "processes" / "drell_yan_zprime" / card, tmp_path / card)
    with (tmp_path / "run_card.dat").open("a") as f:  # a short training: this checks the plumbing
        f.write("  4 = madnis_steps\n  1024 = madnis_batch_size\n  1 = madnis_buffered_steps\n"
                "  2 = madnis_vegas_iterations\n")
    runner = CliRunner()
    result = runner.invoke(main, ["integrate", str(tmp_path / "proc_card.dat"), "--sampler", "madnis",
                                  "--nevents", "50", "--seed", "3", "--accuracy", "0.02"])
    assert result.exit_code == 0, result.output
    trained = tmp_path / "Events" / "run_01"
    results = read_results(trained)
    assert results["sampler"] == "madnis" and results["training"]["online_steps"] == 4
    assert (trained / "madnis_checkpoint.pt").is_file()
    result = runner.invoke(main, ["generate", str(trained), "--nevents", "30", "--seed", "5"])
    assert result.exit_code == 0, result.output
    generated = read_results(tmp_path / "Events" / "run_02")
    assert generated["n_events"] == 30 and generated["cross_section_pb"] == results["cross_section_pb"]
    result = runner.invoke(main, ["integrate", str(tmp_path / "proc_card.dat"), "--sampler", "vegas",
                                  "--resume", str(trained)])
    assert result.exit_code == 2 and "the checkpoint is of the madnis sampler, not vegas" in result.output
    result = runner.invoke(main, ["generate", str(tmp_path), "--nevents", "3"])
    assert result.exit_code == 2 and "no checkpoint" in result.output


def test_resume_writes_a_new_run_and_leaves_the_old_one_unchanged(tmp_path):
    for card in ("proc_card.dat", "run_card.dat"):
        shutil.copy(ROOT / "processes" / "drell_yan" / card, tmp_path / card)
    runner = CliRunner()
    args = ["integrate", str(tmp_path / "proc_card.dat"), "--nevents", "20", "--seed", "3", "--accuracy", "0.01"]
    assert runner.invoke(main, args).exit_code == 0
    first = tmp_path / "Events" / "run_01"
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    result = runner.invoke(main, [*args, "--resume", str(first)])
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    resumed = read_results(tmp_path / "Events" / "run_02")
    assert resumed["resumed_from"] == str(first.resolve())
    # more events from the saved VEGAS grids, with the saved σ, into a new folder
    result = runner.invoke(main, ["generate", str(first), "--nevents", "15"])
    assert result.exit_code == 0, result.output
    generated = read_results(tmp_path / "Events" / "run_03")
    assert generated["n_events"] == 15 and generated["sampler"] == "vegas"
    assert generated["cross_section_pb"] == read_results(first)["cross_section_pb"]
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    # a changed cut is refused, naming it
    card = tmp_path / "run_card.dat"
    card.write_text(card.read_text().replace(" 10.0  = ptl ", " 30.0  = ptl "))
    result = runner.invoke(main, [*args, "--resume", str(first)])
    assert result.exit_code == 2 and "run_card ptl: 10.0 -> 30.0" in result.output
    assert not (tmp_path / "Events" / "run_04").exists()
    # so is a changed model parameter (a param_card beside the proc_card with another MZ)
    card.write_text(card.read_text().replace(" 30.0  = ptl ", " 10.0  = ptl "))
    from madnis_plugin.process.process import Process

    param_card = Process.from_card(tmp_path / "proc_card.dat").model.param_card()
    param_card.set("MASS", 23, 91.0)
    param_card.write(tmp_path / "param_card.dat")
    result = runner.invoke(main, [*args, "--resume", str(first)])
    assert result.exit_code == 2 and "param_card mass 23: 91.188 -> 91.0" in result.output
    assert not (tmp_path / "Events" / "run_04").exists()


@pytest.mark.parametrize("name", ["ttbar_j", "w_jj"])
def test_subprocess_cross_sections_in_init_add_up_to_sigma(name, tmp_path):
    """XSECUP of the <init> block and the channels of results.json come from the same pooled
    refine calls as σ: their sums equal σ to rounding (a short, coarse run suffices)."""
    options = RunOptions(nevents=20, seed=2, output=tmp_path, calls_per_iteration=10_000, survey_iterations=2,
                         min_calls_per_channel=200, rel_accuracy=0.05)
    run = IntegrationRun.from_cards(ROOT / "processes" / name / "proc_card.dat", options=options)
    summary = run.run()
    init = pylhe.LHEFile.fromfile(str(summary.events_file)).init
    xsecup = [p.xSection for p in init.procInfo]
    assert len(xsecup) == len(run.process.subprocesses)
    assert sum(xsecup) == pytest.approx(summary.cross_section_pb, rel=1e-12)
    results = read_results(summary.run_dir)
    assert sum(c["cross_section_pb"] for c in results["channels"]) == pytest.approx(summary.cross_section_pb,
                                                                                   rel=1e-12)
