"""Unweighting: the maximum weight, its figures of merit, and unbiased unweighted samples.

Known laws give closed forms for the truncation criterion T(w_max) = E[(w - w_max)+] / E[w]:
- w ~ U(0, 1):  T = (1 - w_max)², so w_max = 1 - sqrt(eps), efficiency 0.5 / w_max,
  acceptance E[min(w, w_max)] / w_max = 1 - w_max / 2;
- w ~ Exp(1):   T = exp(-w_max), so w_max = -ln eps, efficiency 1 / w_max,
  overweight events P(w > w_max) = eps, acceptance (1 - eps) / w_max.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from madnis_plugin.events.lhe import EventBatch, InitInfo, LHEWriter, ProcessInfo
from madnis_plugin.events.unweight import MaxWeight, acceptance, efficiency, unweight

EPS = 1e-3


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_max_weight_solves_the_truncation_equation_exactly():
    w = torch.empty(50_000, dtype=torch.float64).exponential_(1.0, generator=_gen(4)) * 3.0
    mw = MaxWeight.estimate(w, EPS)
    excess = (w - mw.value).clamp_min(0).sum() / w.sum()
    assert float(excess) == pytest.approx(EPS, rel=1e-9)
    assert mw.overweight_fraction == pytest.approx(EPS, rel=1e-9)
    assert MaxWeight.estimate(w, 0.0).value == float(w.max())
    assert mw.n_sample == 50_000


def test_uniform_weights_give_the_analytic_maximum_and_efficiency():
    w = torch.rand(1_000_000, generator=_gen(1), dtype=torch.float64)
    mw = MaxWeight.estimate(w, EPS)
    w_max = 1 - math.sqrt(EPS)
    # the tail estimate has a few per mille statistical spread at this sample size
    assert mw.value == pytest.approx(w_max, abs=2e-3)
    assert mw.efficiency == pytest.approx(0.5 / w_max, rel=3e-3)
    assert mw.acceptance == pytest.approx(1 - w_max / 2, rel=3e-3)
    assert mw.overweight_events == pytest.approx(1 - w_max, rel=0.05)
    assert efficiency(w, mw.value) == mw.efficiency
    assert acceptance(w, mw.value) == mw.acceptance


def test_exponential_weights_give_the_analytic_maximum_and_overweights():
    w = torch.empty(2_000_000, dtype=torch.float64).exponential_(1.0, generator=_gen(2))
    mw = MaxWeight.estimate(w, EPS)
    w_max = -math.log(EPS)
    # relative spread of the estimated tail integral ~ sqrt(2 eps / N) / eps = 3 %, i.e. 0.03 in w_max
    assert mw.value == pytest.approx(w_max, abs=0.1)
    assert mw.efficiency == pytest.approx(1 / w_max, rel=0.015)
    assert mw.acceptance == pytest.approx((1 - EPS) / w_max, rel=0.015)
    assert mw.overweight_events == pytest.approx(EPS, rel=0.15)
    # unweighting realises these: kept fraction = acceptance, overweights = P(w > w_max)
    res = unweight(w, mw, _gen(3))
    n = w.numel()
    assert res.n_kept / n == pytest.approx(mw.acceptance, abs=4 * math.sqrt(mw.acceptance / n))
    assert res.n_overweight == int((w > mw.value).sum())
    assert res.overweight_fraction == pytest.approx(mw.overweight_fraction, rel=1e-9)
    assert bool((res.weight[res.keep] >= 1).all()) and bool((res.weight[~res.keep] == 0).all())
    over = w > mw.value
    assert bool(res.keep[over].all())
    torch.testing.assert_close(res.weight[over], w[over] / mw.value)


def _chi2_threshold(dof: int, z: float = 3.090) -> float:
    """0.999 quantile of χ²(dof) (Wilson–Hilferty; 73.5 for 40 bins, exact value 73.40)."""
    a = 2.0 / (9.0 * dof)
    return dof * (1 - a + z * math.sqrt(a)) ** 3


@pytest.mark.parametrize("eps", [EPS, 0.05])
def test_unweighted_histogram_agrees_with_the_weighted_sample(eps):
    """χ² of the unweighted histogram against the weighted one, conditional on the weighted sample.

    Given the weighted events, bin k of the unweighted sample (sum of relative weights) has
    mean Σ_{i∈k} |w_i|/w_max exactly (overweights included) and variance Σ_{i∈k} p_i(1-p_i)
    with p_i = min(1, |w_i|/w_max); with ≳ 100 events per bin χ² follows χ²(bins). The
    threshold is its 0.999 quantile: a correct unweighting fails once in 1000 seeds (never
    here, the seed being fixed) while a bias of a few % in one bin fails. eps = 0.05 puts 5 %
    of σ above w_max: the overweight events must still carry it (truncating them to weight 1
    fails by orders of magnitude, which shows the test can fail).
    """
    gen = _gen(11)
    x = torch.rand(400_000, generator=gen, dtype=torch.float64)
    # a peaked integrand sampled flat: weights with a long tail near the peak
    w = 1.0 / ((x - 0.3) ** 2 + 0.002) + 20.0 * x
    mw = MaxWeight.estimate(w, eps)
    res = unweight(w, mw, gen)
    assert res.n_overweight > 0
    edges = torch.linspace(0, 1, 41, dtype=torch.float64)
    idx = torch.bucketize(x, edges[1:-1])

    def hist(values: torch.Tensor) -> torch.Tensor:
        return torch.zeros(40, dtype=torch.float64).index_add_(0, idx, values)

    expected = hist(w / mw.value)
    p = (w / mw.value).clamp_max(1.0)
    variance = hist(p * (1 - p))
    random = variance > 0  # bins of overweight events only are deterministic
    observed = hist(res.weight)
    torch.testing.assert_close(observed[~random], expected[~random])
    chi2 = float(((observed - expected)[random] ** 2 / variance[random]).sum())
    threshold = _chi2_threshold(int(random.sum()))
    assert chi2 < threshold, (chi2, threshold)
    if eps > 0.01:
        truncated = hist(res.keep.double())
        # (all bins; a unit of variance added where it is zero)
        assert float(((truncated - expected) ** 2 / variance.clamp_min(1.0)).sum()) > 100 * threshold
    # XWGTUP = unit weight × relative weight averages to σ
    sigma = float(w.mean())
    mean_xwgtup = float(res.weight[res.keep].sum()) * mw.unit_weight(sigma) / res.n_kept
    assert mean_xwgtup == pytest.approx(sigma, rel=5 / math.sqrt(res.n_kept))


def test_negative_weights_keep_their_sign():
    w = torch.tensor([-2.0, 3.0, -0.5, 0.0, 10.0], dtype=torch.float64)
    res = unweight(w, 2.5, _gen(0))
    assert not bool(res.keep[3])  # zero weight: never kept
    assert float(res.weight[4]) == 4.0 and bool(res.keep[4])
    kept = res.keep.nonzero().flatten()
    assert bool((torch.sign(res.weight[kept]) == torch.sign(w[kept])).all())


def test_errors_are_clear():
    with pytest.raises(ValueError, match="all weights are zero"):
        MaxWeight.estimate(torch.zeros(10, dtype=torch.float64))
    with pytest.raises(ValueError, match="eps"):
        MaxWeight.estimate(torch.ones(10, dtype=torch.float64), eps=1.5)
    with pytest.raises(ValueError, match="NaN"):
        unweight(torch.tensor([1.0, float("nan")]), 1.0, _gen(0))
    with pytest.raises(ValueError, match="1-d"):
        unweight(torch.ones(2, 2), 1.0, _gen(0))


def _unweighted_file(path, seed: int) -> bytes:
    """Weighted 2 → 2 events, unweighted with a seeded generator, written to LHE."""
    b = 5000
    data_gen = _gen(99)  # the weighted sample is the same every time; only the unweighting seed varies
    cos = 2 * torch.rand(b, generator=data_gen, dtype=torch.float64) - 1
    phi = 2 * math.pi * torch.rand(b, generator=data_gen, dtype=torch.float64)
    e = 45.0
    sin = (1 - cos**2).sqrt()
    mom = torch.zeros(b, 4, 4, dtype=torch.float64)
    mom[:, 0] = torch.tensor([e, 0, 0, e])
    mom[:, 1] = torch.tensor([e, 0, 0, -e])
    mom[:, 2] = torch.stack([torch.full_like(cos, e), e * sin * phi.cos(), e * sin * phi.sin(), e * cos], 1)
    mom[:, 3] = mom[:, 0] + mom[:, 1] - mom[:, 2]
    w = 1 + cos**2  # the q q~ > l+ l- angular law
    mw = MaxWeight.estimate(w, EPS)
    res = unweight(w, mw, _gen(seed))
    keep = res.keep
    sigma = float(w.mean())
    init = InitInfo((2212, 2212), (6500.0, 6500.0), (0, 0), (247000, 247000), -4,
                    (ProcessInfo(sigma, 0.01, sigma, 1),))
    with LHEWriter(path, init, "") as out:
        out.write(EventBatch(
            momenta=mom[keep], pdg=torch.tensor([2, -2, -11, 11]),
            colour=torch.tensor([[501, 0], [0, 501], [0, 0], [0, 0]]),
            weight=res.weight[keep] * mw.unit_weight(sigma), scale=91.188, aqcd=0.118,
        ))
    return path.read_bytes()


def test_same_seed_gives_identical_file_bytes(tmp_path):
    a = _unweighted_file(tmp_path / "a.lhe.gz", seed=5)
    b = _unweighted_file(tmp_path / "b.lhe.gz", seed=5)
    c = _unweighted_file(tmp_path / "c.lhe.gz", seed=6)
    assert a == b
    assert a != c


@pytest.mark.gpu
def test_unweighting_runs_on_the_events_device():
    w = torch.rand(100_000, device="cuda", dtype=torch.float64)
    mw = MaxWeight.estimate(w, EPS)
    gen = torch.Generator(device="cuda").manual_seed(1)
    res = unweight(w, mw, gen)
    assert res.keep.device.type == "cuda"
    again = unweight(w, mw, torch.Generator(device="cuda").manual_seed(1))
    assert torch.equal(res.keep, again.keep)
    np.testing.assert_allclose(mw.value, 1 - math.sqrt(EPS), atol=1e-2)


def test_refine_candidates_give_the_hit_or_miss_probabilities():
    """Thinning at t, then unweighting the stored max(w, t) against w_max ≥ t, keeps a point
    with probability min(1, w/w_max) and relative weight max(1, w/w_max), as direct
    hit-or-miss does (events/candidates.py)."""
    from madnis_plugin.events.candidates import THRESHOLD_FRACTION, EventCandidates
    from madnis_plugin.sampling.estimate import ChannelStats

    gen = torch.Generator().manual_seed(8)
    n = 400_000
    w = torch.rand(n, dtype=torch.float64, generator=gen) ** 3  # weights in [0, 1], many small
    r = torch.arange(n, dtype=torch.float64)[:, None]  # the point's index as its "unit-cube point"
    stats = ChannelStats(keep_largest=n)
    stats.add(w)
    pool = EventCandidates(1, nevents=10 * n, eps=1e-3, seed=1)
    pool.iteration_done([stats])
    t = pool.threshold[0]
    assert t is not None and 0 < t < 1
    pool.offer(0, r, w)
    w_max = MaxWeight.from_value(w, t / THRESHOLD_FRACTION * 0.9)  # the final maximum, t below it
    kept_r, rel = pool.events(0, w_max, torch.Generator().manual_seed(9))
    idx = kept_r[:, 0].long()
    edges = torch.linspace(0, 1, 11, dtype=torch.float64)
    bins = torch.bucketize(w, edges).clamp(1, 10) - 1
    expected_kept = torch.zeros(10, dtype=torch.float64).index_add_(0, bins, (w / w_max.value).clamp(max=1))
    kept = torch.bincount(bins[idx], minlength=10).double()
    # Poisson-binomial counts: within 4 standard deviations in every bin
    assert torch.all((kept - expected_kept).abs() <= 4 * expected_kept.sqrt() + 1), (kept, expected_kept)
    torch.testing.assert_close(rel, (w[idx] / w_max.value).clamp(min=1))
    # a candidate batch thinned at a threshold above the final w_max is dropped, not reused
    assert pool.events(0, MaxWeight.from_value(w, 0.5 * t), gen) is None


def test_channel_stats_keep_a_fixed_tail_that_gives_the_same_maximum_weight():
    """ChannelStats keeps only its largest |w| (fixed memory, sampling/estimate.py); the w_max from
    them equals the one from every weight while the points above it are among those kept, and
    is the smallest kept weight (a share of σ above it below eps) when they are not."""
    from madnis_plugin.sampling.estimate import ChannelStats

    gen = torch.Generator().manual_seed(3)
    w = torch.rand(300_000, dtype=torch.float64, generator=gen) ** 4 * torch.where(
        torch.rand(300_000, generator=gen) < 0.1, -1.0, 1.0).double()
    full = MaxWeight.estimate(w, EPS)
    stats = ChannelStats(keep_largest=5000)
    for part in w.split(7000):
        stats.add(part)
    assert stats.largest.numel() == 5000
    assert stats.n == w.numel() and stats.abs_sum == pytest.approx(float(w.abs().sum()), rel=1e-12)
    tail = stats.max_weight(EPS)
    assert (full.overweight_events * w.numel()) < 5000  # the solution is within the kept tail
    for name in ("value", "overweight_fraction", "overweight_events", "efficiency", "acceptance"):
        assert getattr(tail, name) == pytest.approx(getattr(full, name), rel=1e-9), name
    short = ChannelStats(keep_largest=50)
    short.add(w)
    clipped = short.max_weight(EPS)
    assert clipped.value == pytest.approx(float(torch.topk(w.abs(), 50).values[-1]), rel=1e-12)
    assert clipped.value > full.value and clipped.overweight_fraction < EPS
    assert ChannelStats().max_weight(EPS) is None
