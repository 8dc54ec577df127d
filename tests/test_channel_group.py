"""Points of many channels of a subprocess evaluated in one call (integrand/channel.py ChannelGroup).

p p > e+ e- j $ z with MG5's default run_card: the -1 scale depends on each point's channel and
the ``$ z`` veto cuts only the channels whose diagram has an s-channel Z. One call with a
random channel per point must give, point by point, what the channel's own pieces give: its
phase-space map, its scales (Scales.for_channel), its cuts, and α_c = P_c / Σ P.
"""

from __future__ import annotations

import pytest
import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.integrate import IntegrationRun, RunOptions


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eej_veto")
    (folder / "proc_card.dat").write_text("import model sm\ngenerate p p > e+ e- j $ z\noutput eej\n")
    RunCard.default().write(folder / "run_card.dat")
    run = IntegrationRun.from_cards(folder / "proc_card.dat", options=RunOptions(seed=1, nevents=10))
    groups = {id(e.integrand.group): e.integrand.group for e in run.entries}
    # the subprocess with the most channels
    return max(groups.values(), key=len)


@pytest.mark.usefixtures("one_torch_thread")
def test_one_call_equals_each_channel_alone(group):
    assert group.channel_scales and len({id(c) for c in group.cuts}) > 1  # both per-channel parts in play
    gen = torch.Generator().manual_seed(4)
    n = 6000
    r = torch.rand(n, group.dim, dtype=torch.float64, generator=gen)
    which = torch.randint(0, len(group), (n,), generator=gen)
    point = group.evaluate(which, r)
    assert bool((point.weight > 0).any())
    for k, diagram in enumerate(group.diagrams):
        mine = which == k
        momenta, _, _, ps_weight = group.channels.channels[k].map(r[mine])
        assert torch.equal(momenta, point.momenta[mine])
        mu_r, mu_f1, mu_f2 = group.scales.for_channel(diagram).compute(momenta)
        assert torch.equal(mu_r, point.mu_r[mine]) and torch.equal(mu_f1, point.mu_f1[mine])
        passed = group.cuts[k].passes(momenta) & (ps_weight > 0) & group.scales.fac_scale_ok(mu_f1, mu_f2)
        assert torch.equal(point.weight_no_alpha[mine] > 0, passed & (point.weight_no_alpha[mine] > 0))
        assert not bool((point.weight_no_alpha[mine][~passed] != 0).any())
        alpha = point.alpha_prior[mine][:, k]
        torch.testing.assert_close(point.weight[mine], alpha * point.weight_no_alpha[mine], rtol=1e-14, atol=0)
