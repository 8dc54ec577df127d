"""MadNIS flows on the unit cube: exact float64 densities, bijections, VEGAS grid as first layer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import vegas

from madnis_plugin.nis.flow import ChannelFlow, coupling_masks
from madnis_plugin.nis.splines import rational_quadratic_spline
from madnis_plugin.nis.vegas_layer import VegasGridLayer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def trained_vegas_map(dim: int = 3, ninc: int = 20, width: float = 0.03) -> vegas.AdaptiveMap:
    """A VEGAS map adapted to a peak, so its bins are far from uniform."""
    amap = vegas.AdaptiveMap([[0.0, 1.0]] * dim, ninc=ninc)
    rng = np.random.default_rng(1)
    y = rng.random((20_000, dim))
    x, jac = np.empty_like(y), np.empty(len(y))
    for _ in range(6):
        amap.map(y, x, jac)
        f = np.exp(-(((x - 0.3) / width) ** 2).sum(-1))
        amap.add_training_data(y, (jac * f) ** 2)
        amap.adapt(alpha=1.5)
    return amap


def random_flow(dim: int, scale: float = 0.3, seed: int = 0, grid: VegasGridLayer | None = None) -> ChannelFlow:
    """A flow with random (non-identity) couplings."""
    torch.manual_seed(seed)
    flow = ChannelFlow(dim, bins=8, hidden=16, grid=grid)
    with torch.no_grad():
        for p in flow.parameters():
            p.normal_(0.0, scale)
    return flow


def test_spline_is_a_monotone_bijection_of_the_unit_interval_with_exact_derivative():
    torch.manual_seed(3)
    k = 6
    x = torch.linspace(0, 1, 2001, dtype=torch.float64)
    w, h, d = (torch.randn(len(x), n, dtype=torch.float64).expand(len(x), n) for n in (k, k, k - 1))
    w, h, d = (t[:1].expand(len(x), -1) for t in (w, h, d))  # one spline for all points
    y, logdet = rational_quadratic_spline(x, w, h, d)
    assert y[0] == 0.0 and y[-1] == 1.0
    assert bool(torch.all(torch.diff(y) > 0))
    back, inv_logdet = rational_quadratic_spline(y, w, h, d, inverse=True)
    torch.testing.assert_close(back, x, atol=1e-12, rtol=0)
    torch.testing.assert_close(inv_logdet, -logdet, atol=1e-10, rtol=0)
    xr = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(rational_quadratic_spline(xr, w, h, d)[0].sum(), xr)
    torch.testing.assert_close(torch.log(grad), logdet, atol=1e-10, rtol=0)


def test_zero_network_outputs_give_the_identity_spline():
    x = torch.rand(100, dtype=torch.float64)
    zeros = torch.zeros(100, 5, dtype=torch.float64)
    y, logdet = rational_quadratic_spline(x, zeros, zeros, zeros[:, :4])
    torch.testing.assert_close(y, x, atol=1e-15, rtol=0)
    assert float(logdet.abs().max()) < 1e-12


@pytest.mark.parametrize("dim", [1, 2, 5])
def test_coupling_masks_transform_every_dimension(dim):
    masks = coupling_masks(dim)
    transformed = torch.zeros(dim, dtype=torch.bool)
    for m in masks:
        transformed |= ~m
    assert bool(transformed.all())
    if dim > 1:  # every pair of dimensions is separated by some mask
        for i in range(dim):
            for j in range(i + 1, dim):
                assert any(bool(m[i] != m[j]) for m in masks)


@pytest.mark.parametrize("dim", [1, 2, 4])
def test_flow_log_density_equals_log_abs_det_of_the_jacobian(dim):
    grid = VegasGridLayer.from_adaptive_map(trained_vegas_map(dim, ninc=10))
    flow = random_flow(dim, grid=grid)
    z = torch.rand(6, dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    r, logdet = flow.transform(z)
    for b in range(len(z)):
        jac = torch.autograd.functional.jacobian(lambda v: flow.transform(v[None])[0][0], z[b])
        assert abs(float(torch.linalg.slogdet(jac)[1]) - float(logdet[b].detach())) < 1e-8
    # inverse: the same density from the point alone
    torch.testing.assert_close(flow.log_prob(r.detach()), -logdet.detach(), atol=1e-8, rtol=0)


def test_flow_jacobian_matches_finite_differences():
    flow = random_flow(3, seed=2)
    z = torch.tensor([[0.21, 0.57, 0.83]], dtype=torch.float64)
    eps = 1e-6
    cols = []
    for i in range(3):
        dz = torch.zeros_like(z)
        dz[0, i] = eps
        cols.append((flow.transform(z + dz)[0] - flow.transform(z - dz)[0])[0] / (2 * eps))
    jac = torch.stack(cols, dim=1)
    assert abs(float(torch.linalg.slogdet(jac.detach())[1]) - float(flow.transform(z)[1].detach())) < 1e-6


def test_flow_is_a_bijection_of_the_cube():
    flow = random_flow(4, seed=1)
    with torch.no_grad():
        r, log_q = flow.sample(20_000, torch.Generator().manual_seed(2))
        z, log_q_inv = flow.inverse(r)
        r2, _ = flow.transform(z)
    assert float(r.min()) >= 0.0 and float(r.max()) <= 1.0
    torch.testing.assert_close(r2, r, atol=1e-9, rtol=0)
    torch.testing.assert_close(log_q_inv, log_q, atol=1e-7, rtol=0)


def test_flow_density_integrates_to_one():
    """∫ q dr = 1 by plain MC over the cube, with a non-trivial grid and couplings."""
    grid = VegasGridLayer.from_adaptive_map(trained_vegas_map(3, width=0.2))
    flow = random_flow(3, seed=4, grid=grid)
    n = 400_000
    r = torch.rand(n, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        q = torch.exp(flow.log_prob(r))
    mean, err = float(q.mean()), float(q.std()) / math.sqrt(n)
    assert abs(mean - 1.0) < 4 * err and err < 0.01
    # and samples from q reproduce ∫ g with weights g/q (importance sampling identity)
    with torch.no_grad():
        x, log_q = flow.sample(200_000, torch.Generator().manual_seed(3))
    g = torch.exp(-(((x - 0.3) / 0.1) ** 2).sum(-1))
    exact = (0.1 * math.sqrt(math.pi) / 2 * (math.erf(7.0) + math.erf(3.0))) ** 3
    w = g * torch.exp(-log_q)
    assert abs(float(w.mean()) - exact) < 4 * float(w.std()) / math.sqrt(len(w))


def test_new_flow_is_exactly_its_vegas_grid():
    amap = trained_vegas_map(3)
    flow = ChannelFlow(3, grid=VegasGridLayer.from_adaptive_map(amap))
    y = np.random.default_rng(0).random((1000, 3))
    x, jac = np.empty_like(y), np.empty(len(y))
    amap.map(y, x, jac)
    with torch.no_grad():
        r, logdet = flow.transform(torch.from_numpy(y))
    np.testing.assert_allclose(r.numpy(), x, atol=1e-14, rtol=0)
    np.testing.assert_allclose(np.exp(logdet.numpy()), jac, rtol=1e-12)


def test_trainable_grid_starts_at_the_vegas_grid_and_learns():
    amap = trained_vegas_map(2)
    fixed = VegasGridLayer.from_adaptive_map(amap)
    trainable = VegasGridLayer.from_adaptive_map(amap, trainable=True)
    y = torch.rand(500, 2, dtype=torch.float64)
    torch.testing.assert_close(trainable(y)[0], fixed(y)[0], atol=1e-14, rtol=0)
    assert [p.shape for p in trainable.parameters()] == [torch.Size([2, 20])]
    assert list(fixed.parameters()) == []
    r, logj = trainable(y)
    logj.sum().backward()
    assert trainable.logits.grad is not None and float(trainable.logits.grad.abs().sum()) > 0
    back, _ = trainable.inverse(r.detach())
    torch.testing.assert_close(back, y, atol=1e-12, rtol=0)
