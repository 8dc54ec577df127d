"""Event features for the channel-weight network: functions of the phase-space point only.

The learned channel weights α_c(x) must be one function of the physical point x for
every channel (Σ_c α_c(x) = 1 is what keeps the multi-channel estimator unbiased), so
their inputs cannot be a channel's own random numbers r — the same x has a different
r in every channel. The features are read from the momenta instead:

    log x1, log x2,
    per final-state particle i: log(pT_i/√s), η_i / 5,
    per final-state pair i < j: log(m_ij²/s)        (resonance candidates)

with logarithms clamped (collinear or soft points stay finite) and the network
standardising them (channel_weights.py). This module has no learnable parts.
"""

from __future__ import annotations

import math

import torch

_LOG_FLOOR = -40.0


def n_physics_features(n_final: int) -> int:
    return 2 + 2 * n_final + n_final * (n_final - 1) // 2


def physics_features(momenta: torch.Tensor, x1: torch.Tensor, x2: torch.Tensor, s_collider: float) -> torch.Tensor:
    """[B, n_physics_features] from lab-frame momenta [B, 2 + n_final, 4] and x1, x2 [B]."""
    final = momenta[:, 2:]
    log_s = math.log(s_collider)
    pt2 = final[..., 1] ** 2 + final[..., 2] ** 2
    log_pt = (0.5 * (torch.log(pt2.clamp(min=1e-300)) - log_s)).clamp(min=_LOG_FLOOR)
    pabs = torch.sqrt(pt2 + final[..., 3] ** 2)
    # η = artanh(pz/|p|), written to stay finite along the beam
    eta = 0.5 * (torch.log((pabs + final[..., 3]).clamp(min=1e-300)) - torch.log((pabs - final[..., 3]).clamp(min=1e-300)))
    cols = [torch.log(x1.clamp(min=1e-300))[:, None], torch.log(x2.clamp(min=1e-300))[:, None],
            log_pt, (eta / 5).clamp(-3.0, 3.0)]
    n = final.shape[1]
    if n > 1:
        i, j = torch.triu_indices(n, n, offset=1, device=momenta.device)
        pair = final[:, i] + final[:, j]
        m2 = pair[..., 0] ** 2 - (pair[..., 1:] ** 2).sum(-1)
        cols.append((torch.log(m2.clamp(min=1e-300)) - log_s).clamp(min=_LOG_FLOOR))
    return torch.cat(cols, dim=1)
