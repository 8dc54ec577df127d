"""Cross-section estimates from frozen samplers: per-channel accumulators and the result.

A frozen sampler (VEGAS grids or MadNIS flows no longer adapting) draws points of channel
c i.i.d. from one density, whatever the iteration. So the calls of all refine iterations
of a channel are pooled, each point counting once:

    σ_c = Σ_i w_i / N_c,   δσ_c² = (Σ w_i² / N_c - σ_c²) / (N_c - 1),
    σ = Σ_c σ_c,           δσ² = Σ_c δσ_c².

This weights the iterations by their calls, never by their own error estimate:
inverse-variance weights favour the iterations whose variance came out low, and with a
heavy weight tail those are the ones that missed the large weights, so such an average
is biased low with an error that does not cover it. The per-channel values add up to
the total exactly (the per-subprocess XSECUP and results.json use them).

A heavy tail is reported, not hidden: the share of σ and of the variance estimate that
the ten largest weights carry. When ten points make up most of the variance estimate,
the error itself rests on ten points and cannot be trusted (``tail_warning``).

This module does no sampling; it sums weights it is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

__all__ = ["TAIL_POINTS", "TAIL_VARIANCE_LIMIT", "ChannelStats", "IntegrationResult", "summarize"]

TAIL_POINTS = 10  # the largest weights whose share is reported
TAIL_VARIANCE_LIMIT = 0.5  # above this share of the variance estimate the error is unreliable


# Largest |w| kept per channel for its maximum weight. The w_max that leaves a share eps = 1e-3
# of σ above it is exact while fewer points than this lie above it: flat weights (uniform in
# [0, w]) put √eps ≈ 3 % of the points there, so this is exact up to ~5·10⁵ such calls; beyond,
# w_max is the smallest weight kept, a little higher than needed (fewer events, no bias).
KEEP_LARGEST = 16384


class ChannelStats:
    """Running sums of one channel's weights (float64, on the CPU) and its largest |w|, in fixed memory."""

    def __init__(self, keep_largest: int = KEEP_LARGEST):
        self.n = 0
        self.sum = 0.0
        self.sum2 = 0.0
        self.abs_sum = 0.0
        self.keep_largest = max(keep_largest, TAIL_POINTS)
        self.largest = torch.zeros(0, dtype=torch.float64)  # the keep_largest largest |w| seen, unordered

    def add(self, w: torch.Tensor) -> None:
        w = w.detach().to("cpu", torch.float64).reshape(-1)
        a = w.abs()
        self.n += w.numel()
        self.sum += float(w.sum())
        self.sum2 += float((w * w).sum())
        self.abs_sum += float(a.sum())
        merged = torch.cat([self.largest, a])
        if merged.numel() > self.keep_largest:
            merged = torch.topk(merged, self.keep_largest, sorted=False).values
        self.largest = merged

    @property
    def top(self) -> torch.Tensor:
        """The TAIL_POINTS largest |w|, in descending order."""
        return torch.topk(self.largest, min(TAIL_POINTS, self.largest.numel())).values

    def max_weight(self, eps: float):
        """The channel's w_max for an overweight share eps of its σ (events/unweight.py), None if all w = 0."""
        from madnis_plugin.events.unweight import MaxWeight

        if not self.abs_sum > 0:
            return None
        return MaxWeight.from_largest(self.largest, self.abs_sum, self.n, eps)

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else 0.0

    @property
    def error(self) -> float:
        if self.n < 2:
            return 0.0
        var = max(self.sum2 / self.n - self.mean**2, 0.0)
        return math.sqrt(var / (self.n - 1))

    @property
    def spread(self) -> float:
        """Standard deviation of one weight (drives the call allocation)."""
        return self.error * math.sqrt(self.n) if self.n > 1 else 0.0


@dataclass
class IntegrationResult:
    """σ ± δσ in pb with its per-channel parts (which add up to σ) and diagnostics.

    ``iterations`` holds (σ_k, δσ_k, calls_k) of each refine iteration alone, for χ²/dof;
    ``warnings`` are sentences for the run summary and results.json.
    """

    value: float
    error: float
    chi2_dof: float
    channel_values: list[float]
    channel_errors: list[float]
    n_calls: int
    iterations: list[tuple[float, float, int]] = field(default_factory=list)
    tail_sigma_share: float = 0.0  # share of σ carried by the TAIL_POINTS largest weights
    tail_variance_share: float = 0.0  # their share of the variance estimate
    target_accuracy: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def rel_error(self) -> float:
        return self.error / abs(self.value) if self.value else math.inf

    @property
    def tail_warning(self) -> bool:
        return self.tail_variance_share > TAIL_VARIANCE_LIMIT

    def as_dict(self) -> dict:
        return {"value": self.value, "error": self.error, "chi2_dof": self.chi2_dof,
                "channel_values": list(self.channel_values), "channel_errors": list(self.channel_errors),
                "n_calls": self.n_calls, "iterations": [list(i) for i in self.iterations],
                "tail_sigma_share": self.tail_sigma_share, "tail_variance_share": self.tail_variance_share,
                "target_accuracy": self.target_accuracy, "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d: dict) -> IntegrationResult:
        d = dict(d)
        d["iterations"] = [tuple(i) for i in d.get("iterations", [])]
        return cls(**d)


def _tail_shares(stats: list[ChannelStats], sigma: float) -> tuple[float, float]:
    """Share of σ and of Σ_c Σ_i (w_i/N_c)² of the TAIL_POINTS largest contributions w_i/N_c."""
    contributions = [s.top / s.n for s in stats if s.n > 0]
    if not contributions:
        return 0.0, 0.0
    top = torch.topk(torch.cat(contributions), min(TAIL_POINTS, sum(c.numel() for c in contributions))).values
    total2 = sum(s.sum2 / s.n**2 for s in stats if s.n > 0)
    share_sigma = float(top.sum()) / abs(sigma) if sigma else 0.0
    share_var = float((top * top).sum()) / total2 if total2 > 0 else 0.0
    return share_sigma, share_var


def summarize(stats: list[ChannelStats], iterations: list[tuple[float, float, int]],
              target_accuracy: float = 0.0) -> IntegrationResult:
    """The pooled result of all calls so far, with χ²/dof of the iterations and the tail shares."""
    values = [s.mean for s in stats]
    errors = [s.error for s in stats]
    value = sum(values)
    error = math.sqrt(sum(e * e for e in errors))
    chi2 = 0.0
    if len(iterations) > 1 and all(e > 0 for _, e, _ in iterations):
        chi2 = sum(((v - value) / e) ** 2 for v, e, _ in iterations) / (len(iterations) - 1)
    share_sigma, share_var = _tail_shares(stats, value)
    result = IntegrationResult(value, error, chi2, values, errors, sum(s.n for s in stats), list(iterations),
                               share_sigma, share_var, target_accuracy)
    if result.tail_warning:
        result.warnings.append(
            f"the {TAIL_POINTS} largest weights carry {100 * share_var:.0f}% of the variance estimate "
            f"({100 * share_sigma:.2g}% of σ): the error is not reliable; raise the number of calls "
            "or check the channels")
    if target_accuracy > 0 and value != 0 and result.rel_error > target_accuracy:
        result.warnings.append(
            f"the requested accuracy {100 * target_accuracy:.3g}% was not reached: "
            f"{100 * result.rel_error:.3g}% after {result.n_calls} calls")
    return result
