"""MG5-style αs running in the core against an independent numerical solution."""

from __future__ import annotations

import torch

from madnis_plugin.integrand.running_alphas import RunningAlphas
from madnis_plugin.pdf.alphas import solve_running


def test_two_loop_running_matches_rk4_solution_across_thresholds():
    qs = torch.tensor([1.0, 1.3, 1.42, 2.0, 4.0, 4.7, 10.0, 91.188, 500.0, 1e4], dtype=torch.float64)
    got = RunningAlphas(alpha_mz=0.130, nloop=2)(qs)
    # RK4 with fine steps (madnis_plugin.pdf.alphas), same thresholds, top never active.
    ref = solve_running(qs.numpy(), 0.130, 91.188, order=1, thresholds=[1.42, 4.7, 1e30], nf_max=5)
    torch.testing.assert_close(got, torch.from_numpy(ref), rtol=1e-10, atol=0)
    assert abs(got[7].item() - 0.130) < 1e-15


def test_one_loop_running_is_the_closed_form():
    q = torch.tensor([30.0, 200.0], dtype=torch.float64)
    got = RunningAlphas(alpha_mz=0.118, nloop=1)(q)
    b0 = (33 - 10) / (12 * torch.pi)
    expected = 1 / (1 / 0.118 + b0 * torch.log(q**2 / 91.188**2))
    torch.testing.assert_close(got, expected, rtol=1e-14, atol=0)
