"""MadNIS training on synthetic multi-channel integrals with known values: channel weights,
losses, online and buffered training, allocation, channel dropping, exact resumption."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from madnis_plugin.checkpoint import load_checkpoint, save_checkpoint
from madnis_plugin.nis import MadnisConfig, MadnisIntegrator, NisChannel
from madnis_plugin.nis.channel_weights import ChannelWeightNet
from madnis_plugin.nis.losses import ChannelMoments, multichannel_loss

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def gaussian(x: torch.Tensor, centre: tuple[float, float], width: float, rho: float = 0.0) -> torch.Tensor:
    """A normalised 2-d Gaussian with equal widths and correlation rho."""
    d = (x - torch.tensor(centre, dtype=x.dtype)) / width
    q = (d[:, 0] ** 2 - 2 * rho * d[:, 0] * d[:, 1] + d[:, 1] ** 2) / (1 - rho**2)
    return torch.exp(-0.5 * q) / (2 * math.pi * width**2 * math.sqrt(1 - rho**2))


class Peaks:
    """f(x) = Σ_k norm_k · N(x; centre_k, width_k, rho_k) on [0, 1]² (inside: ∫ f = Σ norm_k),
    split into channels by the prior α_k ∝ the k-th peak, like MG5's |A_k|² weights. Each channel
    maps r = x (Jacobian 1), so all channels share the phase space and its features."""

    def __init__(self, peaks, floor: float = 0.0):
        self.peaks = peaks  # (norm, centre, width, rho)
        self.floor = floor  # a flat part, shared by the channels in proportion to the prior
        self.calls = 0
        self.points = 0

    @property
    def exact(self) -> float:
        return sum(p[0] for p in self.peaks) + self.floor

    def parts(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([n * gaussian(x, *shape) for n, *shape in self.peaks], dim=1)

    def evaluate(self, x: torch.Tensor):
        self.calls += 1
        self.points += x.shape[0]
        parts = self.parts(x) + 1e-12  # no point where every α_k is 0/0
        f = parts.sum(1) - 1e-12 * len(self.peaks) + self.floor
        return SimpleNamespace(r=x, weight_no_alpha=f, alpha_prior=parts / parts.sum(1, keepdim=True))


class PeakChannel:
    dim = 2

    def __init__(self, peaks: Peaks, k: int):
        self.peaks, self.k = peaks, k

    def evaluate(self, r):
        return self.peaks.evaluate(r)

    def __call__(self, r):  # for VEGAS: the weight with the prior α
        p = self.evaluate(r)
        return p.weight_no_alpha * p.alpha_prior[:, self.k]


# A correlated ridge along the diagonal (VEGAS cannot follow it, a flow can) and a round peak.
PEAKS = [(1.0, (0.5, 0.5), 0.1, 0.97), (0.5, (0.75, 0.25), 0.05, 0.0)]


def make_integrator(peaks: Peaks, n: int | None = None, seed: int = 3, **cfg) -> MadnisIntegrator:
    n = n or len(peaks.peaks)
    channels = [NisChannel(PeakChannel(peaks, k), group=0, index_in_group=k, flow_key=k, features=lambda p: p.r)
                for k in range(n)]
    defaults = {"steps": 40, "batch_size": 1024, "vegas_iterations": 3, "vegas_calls": 4000, "vegas_bins": 32, "bins": 8,
                    "hidden": 16, "weight_hidden": 16, "buffer_size": 20_000, "buffered_steps": 2, "learning_rate": 3e-3}
    defaults.update(cfg)
    return MadnisIntegrator(channels, MadnisConfig(**defaults), seed=seed)


# --- channel weights ------------------------------------------------------------------


def test_channel_weights_are_a_partition_of_unity_whatever_the_network():
    torch.manual_seed(0)
    net = ChannelWeightNet(5, 4, hidden=8)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 2.0)
    features = torch.randn(1000, 5, dtype=torch.float64)
    prior = torch.rand(1000, 4, dtype=torch.float64) ** 4
    prior[:10, 2] = 0.0  # a vanishing amplitude
    prior = prior / prior.sum(1, keepdim=True)
    alpha = net(features, prior)
    assert bool(torch.all(alpha >= 0))
    torch.testing.assert_close(alpha.sum(1), torch.ones(1000, dtype=torch.float64), atol=1e-14, rtol=0)
    active = torch.tensor([True, False, True, True])
    alpha = net(features, prior, active)
    assert float(alpha[:, 1].detach().abs().max()) == 0.0
    torch.testing.assert_close(alpha.sum(1), torch.ones(1000, dtype=torch.float64), atol=1e-14, rtol=0)


def test_new_channel_weights_are_the_prior():
    net = ChannelWeightNet(3, 3)
    prior = torch.softmax(torch.randn(50, 3, dtype=torch.float64), 1)
    torch.testing.assert_close(net(torch.randn(50, 3, dtype=torch.float64), prior), prior, atol=1e-15, rtol=0)
    # dropping a channel renormalises the prior over the others
    alpha = net(torch.randn(50, 3, dtype=torch.float64), prior, torch.tensor([True, True, False]))
    torch.testing.assert_close(alpha[:, :2], prior[:, :2] / prior[:, :2].sum(1, keepdim=True), atol=1e-15, rtol=0)


# --- losses ---------------------------------------------------------------------------


def test_importance_weighted_moments_from_another_density_match():
    """Moments of q estimated from points of p (the buffer's situation) agree with q's own."""
    gen = torch.Generator().manual_seed(1)
    n = 400_000

    def f(x):
        return 3 * x**2  # ∫ = 1, ∫ f²/q below

    # q(x) = 2x (sample x = √u);  p = uniform
    xq = torch.sqrt(torch.rand(n, dtype=torch.float64, generator=gen))
    xp = torch.rand(n, dtype=torch.float64, generator=gen)
    one = torch.ones(n, dtype=torch.float64)
    own = ChannelMoments.from_samples(f(xq), torch.log(2 * xq), torch.log(2 * xq), one, 1.0)
    other = ChannelMoments.from_samples(f(xp), torch.zeros(n, dtype=torch.float64), torch.log(2 * xp), one, 1.0)
    exact_second = 9 / 8  # ∫ 9x⁴ / (2x) dx
    assert float(own.mean) == pytest.approx(1.0, rel=3e-3) and float(other.mean) == pytest.approx(1.0, rel=3e-3)
    assert float(own.second) == pytest.approx(exact_second, rel=5e-3)
    assert float(other.second) == pytest.approx(exact_second, rel=1e-2)


def test_losses_at_known_channel_variances():
    def moments(mean, var, share):
        m = torch.tensor(mean, dtype=torch.float64)
        second = m**2 + var
        return ChannelMoments(m, second, second, torch.tensor(0.0, dtype=torch.float64), share)

    ms = [moments(2.0, 4.0, 0.25), moments(3.0, 1.0, 0.75)]
    loss, integral = multichannel_loss(ms, "variance")
    assert integral == 5.0
    assert float(loss) == pytest.approx((4.0 / 0.25 + 1.0 / 0.75) / 25)
    loss, _ = multichannel_loss(ms, "stratified_variance")
    assert float(loss) == pytest.approx((2.0 + 1.0) ** 2 / 25)
    with pytest.raises(ValueError, match="unknown loss"):
        multichannel_loss(ms, "chi2")


# --- training -------------------------------------------------------------------------


def test_allocation_follows_the_spread_with_a_floor():
    nis = make_integrator(Peaks(PEAKS))
    nis.spread = np.array([3.0, 1.0])
    counts = nis.allocate(4000)
    assert counts.sum() == 4000 and counts[0] == 3000
    nis.spread = np.array([1.0, 0.0])
    assert 15 <= nis.allocate(1000)[1] <= 20  # the floor, min_fraction = 0.02


@pytest.mark.parametrize("loss", ["stratified_variance", "variance", "kl"])
def test_training_reduces_the_variance_and_sigma_stays_unbiased(loss):
    peaks = Peaks(PEAKS, floor=0.05)
    nis = make_integrator(peaks, loss=loss)
    nis.pretrain()
    before = nis.iterate(40_000)
    nis.train()
    after = nis.integrate(20_000, iterations=4)
    assert abs(after.value - peaks.exact) < 3.5 * after.error
    # same number of calls: the error must have dropped (4 × 20k vs 40k)
    assert after.error * math.sqrt(2) < 0.7 * before.error
    losses = [h["loss"] for h in nis.history if h["online"]]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_buffered_training_reuses_stored_points_without_calling_the_integrand():
    peaks = Peaks(PEAKS)
    nis = make_integrator(peaks, steps=5, buffered_steps=3, batch_size=512)
    nis.pretrain()
    calls, points = peaks.calls, peaks.points
    nis.train()
    # one batched integrand call per channel and online step, none for the 15 buffered steps
    assert peaks.calls - calls == 5 * 2
    assert peaks.points - points == 5 * 512
    assert nis.optimizer_steps == 20 and nis.step == 5
    assert len(nis.buffer) == 5 * 512
    assert sum(1 for h in nis.history if not h["online"]) == 15
    # buffered steps changed the networks: a step with no integrand call moves the parameters
    before = [p.detach().clone() for p in nis.flows.parameters()]
    nis.train_step(buffered=True)
    assert peaks.points - points == 5 * 512
    assert any(not torch.equal(a, b) for a, b in zip(before, nis.flows.parameters(), strict=True))


def test_buffer_is_first_in_first_out_with_its_capacity():
    from madnis_plugin.nis.buffer import SampleBuffer, Samples

    def batch(k: int, n: int = 100) -> Samples:  # every point carries its batch number k
        full = torch.full((n,), float(k), dtype=torch.float64)
        return Samples(full[:, None].repeat(1, 2), full, full, full[:, None], full[:, None])

    buffer = SampleBuffer(2, capacity=250)
    for k in range(5):  # batches 0 … 4 into channels 0, 1, 0, 1, 0
        buffer.add(k % 2, batch(k))
        assert len(buffer) <= 250
    # the oldest whole batches left first: 3 (channel 1) and 4 (channel 0) remain
    assert len(buffer) == 200
    assert set(buffer.channel(0).f.tolist()) == {4.0}
    assert set(buffer.channel(1).f.tolist()) == {3.0}
    drawn = buffer.draw(0, 50, torch.Generator().manual_seed(1))
    assert set(drawn.f.tolist()) == {4.0} and len(drawn) == 50
    # in training, the buffer holds the newest online batches within its capacity
    peaks = Peaks(PEAKS)
    nis = make_integrator(peaks, steps=6, buffered_steps=0, batch_size=500, buffer_size=1200)
    nis.pretrain()
    nis.train()
    assert 1200 - 500 < len(nis.buffer) <= 1200


def test_dropped_channels_get_no_calls_and_sigma_stays_unbiased():
    # A third channel whose prior share is ~1e-7 everywhere: dropped, its share moves to the others.
    peaks = Peaks(PEAKS + [(1e-7, (0.5, 0.5), 0.2, 0.0)])
    nis = make_integrator(peaks, steps=12, drop_threshold=1e-3, drop_after=0.0)
    nis.train()
    assert list(nis.active) == [True, True, False]
    assert nis.allocate(1000)[2] == 0
    assert any("dropped" in h for h in nis.history)
    result = nis.integrate(20_000, iterations=4)
    assert result.channel_values[2] == 0.0
    assert abs(result.value - peaks.exact) < 3.5 * result.error


def test_a_group_keeps_at_least_one_channel():
    peaks = Peaks([(1.0, (0.5, 0.5), 0.1, 0.0)])
    nis = make_integrator(peaks, steps=3, drop_threshold=0.99, drop_after=0.0)
    nis.train()
    assert list(nis.active) == [True]


def test_resumed_training_continues_the_loss_curve_exactly(tmp_path):
    full = make_integrator(Peaks(PEAKS), steps=8)
    full.train()
    part = make_integrator(Peaks(PEAKS), steps=8)
    part.train(steps=4)
    save_checkpoint(tmp_path / "ck.pt", {"trainer": part.state_dict()})
    resumed = make_integrator(Peaks(PEAKS), steps=8, seed=99)  # the seed comes from the checkpoint
    resumed.load_state_dict(load_checkpoint(tmp_path / "ck.pt")["trainer"])
    assert resumed.step == 4 and len(resumed.buffer) == len(part.buffer)
    resumed.train()
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in full.history]
    assert resumed.n_calls == full.n_calls
    a, b = resumed.iterate(5000), full.iterate(5000)
    assert a.value == b.value


def test_checkpoint_of_other_channels_is_refused(tmp_path):
    from madnis_plugin.checkpoint import CheckpointError

    nis = make_integrator(Peaks(PEAKS), steps=1)
    nis.train()
    other = make_integrator(Peaks(PEAKS + [(0.1, (0.5, 0.5), 0.1, 0.0)]), steps=1)
    with pytest.raises(CheckpointError, match="other channels"):
        other.load_state_dict(nis.state_dict())
