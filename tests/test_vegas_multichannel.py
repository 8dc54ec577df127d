"""Multi-channel VEGAS survey + refine, and the pooled estimate, on integrals with known values."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch

from madnis_plugin.sampling.estimate import ChannelStats, summarize
from madnis_plugin.sampling.refine import RefineSettings, allocate
from madnis_plugin.sampling.vegas_multichannel import MultiChannelVegas


class Gaussian:
    """A narrow normalised Gaussian peak in d dimensions, scaled by `norm`."""

    def __init__(self, dim: int, centre: float, width: float, norm: float):
        self.dim, self.centre, self.width, self.norm = dim, centre, width, norm

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        z = ((r - self.centre) / self.width) ** 2
        one_d = math.erf((1 - self.centre) / (math.sqrt(2) * self.width)) + math.erf(
            self.centre / (math.sqrt(2) * self.width))
        one_d *= 0.5
        return self.norm * torch.exp(-0.5 * z.sum(-1)) / (math.sqrt(2 * math.pi) * self.width) ** self.dim / one_d**self.dim


class Evaluated:
    """A channel with `evaluate` (what the run driver's integrands have): point.weight = f(r)."""

    def __init__(self, f):
        self.f, self.dim = f, f.dim

    def __call__(self, r):
        return self.f(r)

    def evaluate(self, r):
        return SimpleNamespace(weight=self.f(r), r=r)


def test_survey_then_refine_matches_exact_value_within_errors():
    channels = [Gaussian(2, 0.3, 0.05, 2.0), Gaussian(3, 0.6, 0.1, 0.5)]
    integrator = MultiChannelVegas(channels, seed=3)
    integrator.survey(20_000, iterations=5)
    result, stats = integrator.refine(RefineSettings(rel_accuracy=1e-3, calls_per_iteration=20_000))
    assert abs(result.value - 2.5) < 3 * result.error
    assert result.rel_error <= 1e-3  # adaptation worked: plain MC would give ~1e-1 at these calls
    assert result.n_calls < 2_000_000
    assert result.warnings == []
    # The per-channel parts are the pooled means and add up to the total exactly.
    assert sum(result.channel_values) == result.value
    assert [s.mean for s in stats] == result.channel_values
    # The narrow channel dominates the variance and got more calls.
    assert stats[0].n > stats[1].n


def test_weighted_points_estimate_each_channel():
    channels = [Evaluated(Gaussian(2, 0.5, 0.1, 1.0)), Evaluated(Gaussian(2, 0.2, 0.2, 3.0))]
    integrator = MultiChannelVegas(channels, seed=5)
    integrator.survey(10_000, iterations=3)
    for c, exact in enumerate([1.0, 3.0]):
        point, w = integrator.weighted_points(c, 100_000)
        assert point.r.shape == (100_000, 2)
        mean, err = w.mean().item(), w.std().item() / math.sqrt(len(w))
        assert abs(mean - exact) < 3 * err


def test_same_seed_same_result():
    def run():
        v = MultiChannelVegas([Gaussian(2, 0.4, 0.1, 1.0)], seed=11)
        v.survey(2000, iterations=2)
        return v.refine(RefineSettings(calls_per_iteration=2000, min_iterations=2, rel_accuracy=0))[0].value

    assert run() == run()


def test_survey_gives_every_channel_its_minimum_calls():
    # a channel with a tiny share would get 2 calls from the spread alone
    channels = [Gaussian(2, 0.5, 0.1, 1.0), Gaussian(2, 0.5, 0.1, 1e-6)]
    integrator = MultiChannelVegas(channels, seed=2)
    estimates = integrator.survey(10_000, iterations=2, min_calls_per_channel=3000)
    assert all(e.n_calls >= 6000 for e in estimates)
    counts = allocate(10_000, integrator.spread, None, 0.0, 3000)
    assert counts.min() >= 3000


class HeavyTail:
    """f(r) = (1 - β) r^-β on [0, 1]: integral 1, a weight tail for plain sampling."""

    dim = 1

    def __init__(self, beta: float):
        self.beta = beta

    def __call__(self, r):
        return (1 - self.beta) * r[:, 0] ** -self.beta


def test_pooled_refine_is_unbiased_where_inverse_variance_weights_are_not():
    # Plain MC (no adaptation) of a heavy-tailed integrand, 12 iterations of 200 points:
    # iterations that missed the large weights have small errors, so the inverse-variance
    # average is pulled low; pooling the calls is not. Over 200 repetitions the mean of
    # the pooled estimate is within errors of 1, the inverse-variance one clearly below.
    gen = torch.Generator().manual_seed(1)
    f = HeavyTail(0.6)
    pooled, inverse = [], []
    for _ in range(200):
        stats, its = ChannelStats(), []
        for _ in range(12):
            w = f(torch.rand(200, 1, dtype=torch.float64, generator=gen))
            stats.add(w)
            its.append((float(w.mean()), float(w.std()) / math.sqrt(len(w))))
        pooled.append(summarize([stats], []).value)
        weights = [1 / e**2 for _, e in its]
        inverse.append(sum(wi * v for wi, (v, _) in zip(weights, its)) / sum(weights))
    p, q = torch.tensor(pooled), torch.tensor(inverse)
    p_err = float(p.std()) / math.sqrt(len(p))
    assert abs(float(p.mean()) - 1.0) < 3 * p_err
    assert float(q.mean()) < 1.0 - 10 * p_err


def test_heavy_tail_is_reported():
    gen = torch.Generator().manual_seed(4)
    heavy, light = ChannelStats(), ChannelStats()
    heavy.add(HeavyTail(0.95)(torch.rand(20_000, 1, dtype=torch.float64, generator=gen)))
    light.add(HeavyTail(0.2)(torch.rand(20_000, 1, dtype=torch.float64, generator=gen)))
    bad, good = summarize([heavy], []), summarize([light], [])
    assert bad.tail_warning and any("largest weights" in w for w in bad.warnings)
    assert not good.tail_warning and good.warnings == []
    assert good.tail_variance_share < 0.05


def test_unreached_accuracy_is_a_warning():
    v = MultiChannelVegas([HeavyTail(0.3)], seed=1)
    result, _ = v.refine(RefineSettings(rel_accuracy=1e-6, calls_per_iteration=1000, max_calls=5000))
    assert result.n_calls <= 6000
    assert any("not reached" in w for w in result.warnings)


def test_allocation_is_proportional_to_the_spread_with_a_floor():
    counts = allocate(100_000, np.array([1.0, 3.0, 0.0]), None, 0.05)
    assert counts.sum() >= 100_000
    assert counts[2] >= 0.045 * 100_000  # the 5 % floor, renormalised
    assert abs(counts[1] / counts[0] - 3.0) < 0.01
    dropped = allocate(1000, np.array([1.0, 1.0]), np.array([True, False]))
    assert dropped[1] == 0 and dropped[0] == 1000
