"""Training losses of the multi-channel importance sampler, from samples of any density.

A channel c is integrated as I_c = ∫ α_c f dr with points from q_c. Its samples may
come from another density p (the buffer: q_c at the time they were drawn), so every
moment is importance-weighted by p (arXiv:2311.01548 §3.2):

    w = α_c f / p,     Î_c = ⟨w⟩_p,     M̂_c = ⟨w² p/q_c⟩_p  (= ∫ (α_c f)²/q_c),
    σ̂_c² = M̂_c − Î_c²,

differentiable in q_c (the flow) and α_c (the channel weights). With p = q_c detached
(online training) these are the usual MC moments. Losses, all divided by the
detached Î² = (Σ_c Î_c)² so that they read as relative variances per call:

- ``variance``: the variance of the multi-channel estimator at the allocation used,
  Σ_c σ_c²/n_c with n_c the channel's share of the calls (arXiv:2212.06172 eq. 14);
- ``stratified_variance``: (Σ_c σ_c)², its value at the optimal allocation n_c ∝ σ_c
  (arXiv:2311.01548 eq. 20), which is how the trainer allocates;
- ``kl``: Σ_c (Î_c/Î) KL(α_c f/I_c ‖ q_c) up to constants for the flows, plus the
  stratified variance for the channel weights (the KL has no useful gradient in α).

Inputs are per-channel `ChannelMoments` built from (f, log p, log q, α). This module
only does arithmetic on tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

LOSSES = ("variance", "stratified_variance", "kl")


@dataclass
class ChannelMoments:
    """Importance-weighted moments of one channel's samples (tensors keep their graph)."""

    mean: torch.Tensor  # Î_c
    second: torch.Tensor  # M̂_c
    second_alpha: torch.Tensor  # M̂_c with q_c detached: gradients reach α only
    kl_term: torch.Tensor  # −⟨w log q⟩_p with w detached: gradients reach q only
    share: float  # n_c / Σ n: this channel's share of the calls

    @classmethod
    def from_samples(cls, f: torch.Tensor, log_p: torch.Tensor, log_q: torch.Tensor, alpha: torch.Tensor,
                     share: float) -> ChannelMoments:
        """f: weight without α [n]; log_p: sampling density [n]; log_q: current flow [n];
        alpha: current α_c [n]."""
        w = alpha * f * torch.exp(-log_p)
        w2 = w * w
        second = (w2 * torch.exp(log_p - log_q)).mean()
        second_alpha = (w2 * torch.exp(log_p - log_q.detach())).mean()
        kl_term = -(w.detach() * log_q).mean()
        return cls(w.mean(), second, second_alpha, kl_term, share)


def _zero() -> torch.Tensor:
    return torch.zeros((), dtype=torch.float64)


def _sigma(second: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    return torch.sqrt((second - mean**2).clamp(min=0.0) + 1e-300)


def multichannel_loss(moments: Sequence[ChannelMoments], loss: str = "stratified_variance"
                      ) -> tuple[torch.Tensor, float]:
    """(loss to minimise, Î = Σ_c Î_c as a float) for one batch of all active channels."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss '{loss}' (expected one of {', '.join(LOSSES)})")
    integral = float(sum(float(m.mean.detach()) for m in moments))
    norm = integral**2 if integral != 0 else 1.0
    if loss == "variance":
        value = sum(((m.second - m.mean**2) / m.share for m in moments if m.share > 0), _zero())
        return value / norm, integral
    if loss == "stratified_variance":
        return sum((_sigma(m.second, m.mean) for m in moments), _zero()) ** 2 / norm, integral
    kl = sum((m.kl_term for m in moments), _zero()) / abs(integral or 1.0)
    alpha_part = sum((_sigma(m.second_alpha, m.mean) for m in moments), _zero()) ** 2 / norm
    return kl + alpha_part, integral
