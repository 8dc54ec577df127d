"""MG5-style αs running in the core against the exact two-loop solution computed in the tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _alphas_reference import alphas_one_loop, alphas_two_loop

from madnis_plugin.integrand.running_alphas import RunningAlphas
from madnis_plugin.pdf.alphas import solve_running

QS = [1.0, 1.3, 1.42, 2.0, 4.0, 4.7, 10.0, 91.188, 500.0, 1e4]


@pytest.mark.parametrize("alpha_mz", [0.130, 0.118])
def test_two_loop_running_is_the_exact_two_loop_solution_across_thresholds(alpha_mz):
    # The reference (tests/_alphas_reference.py) solves MG5's implicit two-loop equation on its own.
    qs = torch.tensor(QS, dtype=torch.float64)
    got = RunningAlphas(alpha_mz=alpha_mz, nloop=2)(qs)
    ref = torch.tensor([alphas_two_loop(q, alpha_mz) for q in QS], dtype=torch.float64)
    torch.testing.assert_close(got, ref, rtol=1e-10, atol=0)
    assert abs(got[7].item() - alpha_mz) < 1e-15
    # two loops run faster than one: below MZ αs is larger, above it smaller
    one = torch.tensor([alphas_one_loop(q, alpha_mz) for q in (10.0, 1e4)], dtype=torch.float64)
    assert got[6] > one[0] and got[9] < one[1]


def test_rk4_running_of_the_pdf_module_agrees_with_the_exact_solution():
    ref = np.array([alphas_two_loop(q, 0.130) for q in QS])
    got = solve_running(np.array(QS), 0.130, 91.188, order=1, thresholds=[1.42, 4.7, 1e30], nf_max=5)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=0)


def test_one_loop_running_is_the_closed_form():
    q = torch.tensor([30.0, 200.0], dtype=torch.float64)
    got = RunningAlphas(alpha_mz=0.118, nloop=1)(q)
    expected = torch.tensor([alphas_one_loop(x, 0.118) for x in (30.0, 200.0)], dtype=torch.float64)
    torch.testing.assert_close(got, expected, rtol=1e-14, atol=0)
