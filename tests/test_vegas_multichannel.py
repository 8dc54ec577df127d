"""Multi-channel VEGAS on integrals with known values."""

from __future__ import annotations

import math

import torch

from madnis_plugin.sampling.vegas_multichannel import Estimate, MultiChannelVegas, combine


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


def test_sum_of_channels_matches_exact_value_within_errors():
    channels = [Gaussian(2, 0.3, 0.05, 2.0), Gaussian(3, 0.6, 0.1, 0.5)]
    integrator = MultiChannelVegas(channels, seed=3)
    result = integrator.integrate(20_000, warmup=4, max_iterations=8)
    assert abs(result.value - 2.5) < 3 * result.error
    assert result.rel_error < 2e-3  # adaptation worked: plain MC would give ~1e-1 here
    assert result.chi2_dof < 5
    # The narrow channel dominates the variance and got more calls.
    counts = integrator.allocate(10_000)
    assert counts[0] > counts[1]


def test_weighted_sample_estimates_the_integral():
    channels = [Gaussian(2, 0.5, 0.1, 1.0), Gaussian(2, 0.2, 0.2, 3.0)]
    integrator = MultiChannelVegas(channels, seed=5)
    integrator.integrate(10_000, warmup=3, max_iterations=3)
    samples = integrator.sample(100_000)
    weights = torch.cat([w for _, w in samples])
    mean, err = weights.mean().item(), weights.std().item() / math.sqrt(len(weights))
    assert abs(mean - 4.0) < 3 * err


def test_same_seed_same_result():
    def run():
        return MultiChannelVegas([Gaussian(2, 0.4, 0.1, 1.0)], seed=11).integrate(2000, warmup=1, max_iterations=2).value

    assert run() == run()


def test_combine_weights_by_inverse_variance():
    result = combine([Estimate(1.0, 0.1, [], [], 10), Estimate(2.0, 0.2, [], [], 10)])
    assert abs(result.value - (1 / 0.01 + 2 / 0.04) / (1 / 0.01 + 1 / 0.04)) < 1e-12
    assert abs(result.error - 1 / math.sqrt(1 / 0.01 + 1 / 0.04)) < 1e-12
