"""MG5's two single-diagram-enhancement strategies (run_card sde_strategy, channel_weights.py).

- sde_strategy = 2 weighs channel c by Π 1/|p² - M² + iMΓ|² over its diagram's
  propagators: checked against the Mandelstam formulas of u u~ > g g (s-channel gluon,
  t- and u-channel quark) and u u~ > e+ e- (photon and Z, with the Z width), at random
  points.
- The channel weights of every channel of p p > e+ e- j sum to one point by point.
- σ does not depend on the strategy (Σ_c α_c = 1 either way): p p > e+ e- j at a fixed
  scale agrees between the two within 4σ of the combined error.
"""

from __future__ import annotations

import math

import pytest
import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.errors import CardError
from madnis_plugin.integrand.channel_weights import PropagatorWeights, channel_weights
from madnis_plugin.integrate import IntegrationRun, RunOptions
from madnis_plugin.phasespace import Channel
from madnis_plugin.process.process import Process

MZ, WZ = 91.188, 2.441404


def _points(n_final: int, sqrt_s: float, n: int = 64) -> torch.Tensor:
    gen = torch.Generator().manual_seed(5)
    channel = Channel.flat([0.0] * n_final, sqrt_s, hadronic=False)
    momenta, _, _, _ = channel.map(torch.rand(n, channel.dim, dtype=torch.float64, generator=gen))
    return momenta


def _mandelstam(p: torch.Tensor, a: int, b: int, sign: float) -> torch.Tensor:
    q = p[:, a] + sign * p[:, b]
    return q[:, 0] ** 2 - (q[:, 1:] ** 2).sum(-1)


def _alpha(weights: torch.Tensor) -> torch.Tensor:
    return weights / weights.sum(1, keepdim=True)


def _weights_of(process: str, momenta: torch.Tensor) -> tuple[torch.Tensor, list]:
    proc = Process.from_string(process)
    sub = proc.subprocesses[0]
    diagrams = [info.diagram for info in sub.channel_info]
    weights = PropagatorWeights(proc.model, sub.diagrams, diagrams)(momenta)
    return weights, [sub.diagrams[d] for d in diagrams]


def test_propagator_weights_of_u_ubar_to_g_g_are_one_over_s2_t2_u2():
    p = _points(2, 500.0)
    weights, diagrams = _weights_of("u u~ > g g", p)
    s, t, u = _mandelstam(p, 0, 1, 1), _mandelstam(p, 0, 2, -1), _mandelstam(p, 0, 3, -1)
    expected = []
    for d in diagrams:
        (prop,) = d.propagators
        if prop.is_s_channel:
            expected.append(1 / s**2)
        else:
            expected.append(1 / t**2 if set(prop.legs) == {0, 2} else 1 / u**2)
    assert len(diagrams) == 3
    torch.testing.assert_close(_alpha(weights), _alpha(torch.stack(expected, 1)), rtol=1e-12, atol=0)


def test_propagator_weights_of_drell_yan_use_the_z_width():
    p = _points(2, 120.0)
    weights, diagrams = _weights_of("u u~ > e+ e-", p)
    s = _mandelstam(p, 0, 1, 1)
    by_name = {d.propagators[0].name: k for k, d in enumerate(diagrams)}
    expected = torch.zeros_like(weights)
    expected[:, by_name["a"]] = 1 / s**2
    expected[:, by_name["z"]] = 1 / ((s - MZ**2) ** 2 + (MZ * WZ) ** 2)
    torch.testing.assert_close(_alpha(weights), _alpha(expected), rtol=1e-12, atol=0)


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="sde_strategy must be 1 or 2"):
        channel_weights(3, None, [], [])
    with pytest.raises(CardError, match="sde_strategy"):
        RunCard.default().with_overrides(sde_strategy=3)


def _eej_run(tmp_path, strategy: int) -> IntegrationRun:
    folder = tmp_path / f"sde{strategy}"
    folder.mkdir()
    (folder / "proc_card.dat").write_text("import model sm\ngenerate p p > e+ e- j\n")
    card = RunCard.default().with_overrides(sde_strategy=strategy, fixed_ren_scale=True, fixed_fac_scale=True,
                                            scale=91.188, dsqrt_q2fact1=91.188, dsqrt_q2fact2=91.188)
    card.write(folder / "run_card.dat")
    return IntegrationRun.from_cards(folder / "proc_card.dat", options=RunOptions(
        seed=3, nevents=10, calls_per_iteration=20_000, rel_accuracy=0.01))


@pytest.mark.usefixtures("one_torch_thread")
def test_sigma_does_not_depend_on_the_strategy(tmp_path):
    values = []
    for strategy in (1, 2):
        run = _eej_run(tmp_path, strategy)
        gen = torch.Generator().manual_seed(1)
        for entry in run.entries[:: max(1, len(run.entries) // 6)]:
            point = entry.integrand.evaluate(torch.rand(2000, entry.integrand.dim, dtype=torch.float64, generator=gen))
            passed = point.weight_no_alpha > 0
            torch.testing.assert_close(point.alpha_prior[passed].sum(1), torch.ones(int(passed.sum()),
                                       dtype=torch.float64), rtol=1e-12, atol=1e-12)
        _, result, _, _ = run.integrate()
        values.append((result.value, result.error))
    (a, da), (b, db) = values
    print(f"\nsde_strategy 1: {a:.3f} ± {da:.3f} pb, 2: {b:.3f} ± {db:.3f} pb")
    assert abs(a - b) < 4 * math.hypot(da, db)
