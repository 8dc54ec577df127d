"""The integrate pipeline (channels, cuts, scales, PDFs, VEGAS, unweighting, LHE) on Drell–Yan,
with an analytic matrix element so that it is checked independently of the generated code."""

from __future__ import annotations

import gzip
from pathlib import Path

import pylhe
import pytest
import torch
from analytic_me import AnalyticDrellYan
from dy_reference import drell_yan_sigma

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.errors import CardError
from madnis_plugin.events.run_dir import read_results
from madnis_plugin.integrate import IntegrationRun, RunOptions, ZeroCrossSection
from madnis_plugin.process.process import Process

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "processes" / "drell_yan" / "proc_card.dat"
Z = (91.188, 2.441404)


def make_run(tmp_path, nevents=1000, seed=7, card=None, **kw) -> IntegrationRun:
    proc = Process.from_card(CARD)
    card = card or RunCard.from_file(CARD.parent / "run_card.dat")
    options = RunOptions(nevents=nevents, seed=seed, output=tmp_path, calls_per_iteration=20_000,
                         rel_accuracy=0.003, batch_size=20_000, **kw)
    return IntegrationRun(CARD, proc, card, options, lambda sub: AnalyticDrellYan(sub.pdg_ids, [Z]))


@pytest.fixture(scope="module")
def dy_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dy")
    return make_run(tmp).run(), tmp


def test_cross_section_matches_quadrature(dy_run, default_pdf):
    summary, _ = dy_run
    reference = drell_yan_sigma(default_pdf)
    assert summary.error_pb / summary.cross_section_pb <= 0.005
    assert abs(summary.cross_section_pb - reference) < 3 * summary.error_pb


def test_events_parse_and_conserve_momentum(dy_run):
    summary, _ = dy_run
    lhe = pylhe.LHEFile.fromfile(str(summary.events_file))
    assert lhe.init.initInfo.PDFsetA == 247000
    events = list(lhe.events)
    assert len(events) == summary.n_events == 1000
    for ev in events[:200]:
        incoming = [p for p in ev.particles if p.status == -1]
        outgoing = [p for p in ev.particles if p.status == 1]
        for comp in ("e", "px", "py", "pz"):
            total_in = sum(getattr(p, comp) for p in incoming)
            total_out = sum(getattr(p, comp) for p in outgoing)
            assert abs(total_in - total_out) < 1e-6 * total_in if comp == "e" else abs(total_in - total_out) < 1e-5
        assert sorted(int(p.id) for p in outgoing) == [-11, 11]
        assert {abs(int(p.id)) for p in incoming} <= {1, 2, 3, 4}


def test_results_json(dy_run):
    summary, _ = dy_run
    results = read_results(summary.run_dir)
    assert results["cross_section_pb"] == pytest.approx(summary.cross_section_pb)
    assert results["n_events"] == 1000 and results["events_file"] == "unweighted_events.lhe.gz"
    assert 0 < results["unweighting_efficiency"] <= 1
    # Channels and subprocesses come from the same pooled calls as σ: they add up to it.
    total = sum(c["cross_section_pb"] for c in results["channels"])
    assert total == pytest.approx(summary.cross_section_pb, rel=1e-12)
    subs = sum(s["cross_section_pb"] for s in results["subprocesses"])
    assert subs == pytest.approx(summary.cross_section_pb, rel=1e-12)
    errors = [c["error_pb"] for c in results["channels"]]
    assert sum(e * e for e in errors) == pytest.approx(summary.error_pb**2, rel=1e-9)


def test_same_seed_same_events_file(tmp_path):
    a = make_run(tmp_path / "a", nevents=200, seed=3).run()
    b = make_run(tmp_path / "b", nevents=200, seed=3).run()
    assert gzip.decompress(a.events_file.read_bytes()) == gzip.decompress(b.events_file.read_bytes())


def test_cuts_that_remove_everything_give_a_clear_error_and_no_file(tmp_path):
    card = RunCard.from_file(CARD.parent / "run_card.dat").with_overrides(ptl=7000.0)
    with pytest.raises(CardError, match=r"the cuts require √ŝ ≥ 14000 GeV, above the collider's 13000 GeV"):
        make_run(tmp_path, card=card).run()
    assert not list(tmp_path.rglob("*.lhe.gz"))


def test_zero_cross_section_is_reported(tmp_path):
    # Leptons both below 10 GeV and above 20 GeV in pT: no event can pass.
    card = RunCard.from_file(CARD.parent / "run_card.dat").with_overrides(ptl=20.0, ptlmax=10.0)
    with pytest.raises(ZeroCrossSection, match="no phase-space point"):
        make_run(tmp_path, card=card).run()
    assert not list(tmp_path.rglob("*.lhe.gz"))


def test_nan_weights_are_a_clear_error(tmp_path):
    run = make_run(tmp_path)
    for entry in run.entries:
        me = entry.integrand.matrix_element
        me.evaluate = lambda momenta, alpha_s: (torch.full((momenta.shape[0],), float("nan"), dtype=torch.float64),
                                                torch.ones(momenta.shape[0], 2, dtype=torch.float64))
    with pytest.raises(FloatingPointError, match="NaN"):
        run.run()
    assert not list(tmp_path.rglob("*.lhe.gz"))
