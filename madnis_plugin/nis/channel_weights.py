"""Learned multi-channel weights α_c(x) of one subprocess, refining MG5's |A_c|² prior.

MadNIS (arXiv:2212.06172 §2.3, arXiv:2311.01548 §2.2): with channel densities q_c and
weights α_c(x) ≥ 0, Σ_c α_c(x) = 1 on the whole phase space,

    σ = Σ_c ⟨α_c f / q_c⟩_{q_c}

is unbiased for any α; the weights only move variance between channels. Here

    α_c(x) = softmax_c( log α_c^prior(x) + NN_c(features(x), log α^prior(x)) )

over the channels still in use (dropped ones get −∞). The prior is the single-diagram-
enhancement weight |A_c|²/Σ_j|A_j|² the integrand computes anyway; the MLP's last
layer starts at zero, so before training α = prior exactly (the VEGAS baseline's α).
Features are standardised with a shift and scale fitted once on the first batch and
saved with the network. With `learn=False` the module is the (renormalised) prior.

Float64. The module does not evaluate the integrand; the trainer gives it the
features and prior stored with each point.
"""

from __future__ import annotations

import torch
from torch import nn

from madnis_plugin.nis.mlp import MLP

_LOG_PRIOR_FLOOR = -50.0  # the MLP sees log α^prior clamped here (the logits keep the exact value)


class ChannelWeightNet(nn.Module):
    def __init__(self, n_features: int, n_channels: int, *, hidden: int = 32, hidden_layers: int = 2,
                 learn: bool = True):
        super().__init__()
        self.n_features = n_features
        self.n_channels = n_channels
        self.learn = learn and n_channels > 1
        if self.learn:
            self.net = MLP(n_features + n_channels, n_channels, hidden, hidden_layers)
        self.register_buffer("shift", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.to(torch.float64)

    @torch.no_grad()
    def fit_features(self, features: torch.Tensor) -> None:
        """Standardise features to mean 0, std 1 on this sample (once; later calls do nothing)."""
        if bool(self.fitted) or features.shape[0] < 2:
            return
        self.shift.copy_(features.mean(0))
        self.scale.copy_(features.std(0).clamp(min=1e-6))
        self.fitted.fill_(True)

    def forward(self, features: torch.Tensor, prior: torch.Tensor, active: torch.Tensor | None = None
                ) -> torch.Tensor:
        """α [B, n_channels] ≥ 0 with rows summing to 1, from features [B, F], prior [B, n_channels]
        and the mask of channels in use (None: all)."""
        log_prior = torch.log(prior.clamp(min=1e-300))
        logits = log_prior
        if self.learn:
            inputs = torch.cat([(features - self.shift) / self.scale,
                                log_prior.clamp(min=_LOG_PRIOR_FLOOR) / 10], dim=1)
            logits = logits + self.net(inputs)
        if active is not None:
            logits = logits.masked_fill(~active, float("-inf"))
        return torch.softmax(logits, dim=1)
