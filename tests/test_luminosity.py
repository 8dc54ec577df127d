"""Parton luminosities: normal and mirrored flavour terms, antiproton beams."""

from __future__ import annotations

import torch

from madnis_plugin.integrand.luminosity import PartonLuminosity


def f(pdf, pid, x, q):
    return pdf.xfxQ(pid, x, q) / x


def test_mirror_terms_swap_momentum_fractions(default_pdf):
    x1 = torch.tensor([0.01, 0.2], dtype=torch.float64)
    x2 = torch.tensor([0.3, 0.05], dtype=torch.float64)
    mu = torch.tensor([91.0, 500.0], dtype=torch.float64)
    lumi = PartonLuminosity(default_pdf, [(2, -2, 11, -11), (-2, 2, 11, -11)], [False, True])
    got = lumi.terms_at(x1, x2, mu, mu)
    torch.testing.assert_close(got[:, 0], f(default_pdf, 2, x1, mu) * f(default_pdf, -2, x2, mu), rtol=1e-14, atol=0)
    # u~ u > e+ e- as the mirror of u u~: beam 1 gives u~ at the ME frame's x2.
    torch.testing.assert_close(got[:, 1], f(default_pdf, -2, x2, mu) * f(default_pdf, 2, x1, mu), rtol=1e-14, atol=0)


def test_antiproton_beam_uses_charge_conjugate_densities(default_pdf):
    x = torch.tensor([0.1], dtype=torch.float64)
    mu = torch.tensor([100.0], dtype=torch.float64)
    lumi = PartonLuminosity(default_pdf, [(2, -2, 11, -11), (21, 21, 6, -6)], [False, False], beams=(1, -1))
    got = lumi.terms_at(x, x, mu, mu)
    torch.testing.assert_close(got[:, 0], f(default_pdf, 2, x, mu) ** 2, rtol=1e-14, atol=0)
    torch.testing.assert_close(got[:, 1], f(default_pdf, 21, x, mu) ** 2, rtol=1e-14, atol=0)


def test_lepton_beams_give_unit_luminosity():
    lumi = PartonLuminosity(None, [(11, -11, 13, -13)], [False], beams=(0, 0))
    x = torch.ones(3, dtype=torch.float64)
    assert torch.equal(lumi.terms_at(x, x, x, x), torch.ones(3, 1, dtype=torch.float64))
