"""Hit-or-miss unweighting of weighted events against a robust maximum weight.

Method (MG5-like, "truncation by cross section")
-------------------------------------------------
The true maximum of the weight distribution is not a good ``w_max``: it is set by a
handful of extreme events, makes the efficiency tiny and fluctuates from sample to
sample. Instead ``w_max`` is chosen on a large weighted sample so that the *overweight
excess* — the part of the cross section that lies above the threshold,

    T(w_max) = Σ_i max(|w_i| - w_max, 0) / Σ_i |w_i|,

is exactly ``eps`` (default 1e-3). This is what MG5's ``trunc_error`` does; T is a
continuous, decreasing, piecewise-linear function of ``w_max`` so the threshold is
solved exactly between two sample weights (:meth:`MaxWeight.estimate`). Unlike a
quantile, the criterion is in units of cross section, the quantity we must not bias,
and it adapts to how heavy the tail is.

Events are then kept with probability ``min(1, |w|/w_max)`` (one uniform number per
event from a seeded ``torch.Generator``, on the events' device). An overweight event
(``|w| > w_max``) is always kept and carries the relative weight ``|w|/w_max > 1``
instead of 1 — MG5 does the same (it writes ``max(|w|, w_max)``). So every event has
expectation value ``E[kept weight] = |w|/w_max`` and the unweighted sample is unbiased
for every observable, not just the total; the price is a few events with weight > 1
(their share of the cross section is ≈ eps). Negative weights are unweighted on |w|
and keep their sign.

Figures of merit (all reported, :class:`MaxWeight`, :class:`Unweighted`):

- ``efficiency = ⟨|w|⟩ / w_max`` — the usual unweighting efficiency;
- ``acceptance = ⟨min(|w|, w_max)⟩ / w_max = efficiency · (1 - T)`` — the expected
  fraction of events kept;
- ``overweight_fraction = T`` — share of the cross section above w_max;
- ``overweight_events`` — fraction of events with |w| > w_max.

Event weights for the LHE file: with the LHEF ``average`` normalisation (MG5's default,
IDWTUP = -4) the mean event weight must be σ. Since E[N_kept] = Σ min(|w|, w_max)/w_max
and E[Σ kept relative weights] = Σ |w|/w_max, the weight written is
``XWGTUP = sign(w) · σ_abs · (1 - T) · max(1, |w|/w_max)`` (:meth:`MaxWeight.unit_weight`):
ordinary events carry σ_abs(1 - T) ≈ σ, overweight ones proportionally more.

This module does not produce events or write files; it works on weight tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["ChannelMaxWeights", "MaxWeight", "Unweighted", "acceptance", "efficiency", "hit_or_miss", "unweight"]


def _abs_weights(weights: torch.Tensor) -> torch.Tensor:
    if weights.dim() != 1:
        raise ValueError(f"weights: expected a 1-d tensor [B], got shape {tuple(weights.shape)}")
    if not weights.is_floating_point():
        raise ValueError(f"weights: expected a floating-point tensor, got {weights.dtype}")
    a = weights.abs()
    if not torch.isfinite(a).all():
        raise ValueError("weights: contain NaN or infinite values")
    return a


@dataclass(frozen=True)
class MaxWeight:
    """The maximum weight used for unweighting, with what it means on the sample it came from.

    Attributes:
        value: w_max (same units as the weights).
        eps: the target overweight fraction it was solved for.
        overweight_fraction: Σ max(|w| - w_max, 0) / Σ |w| on the sample (= eps unless the
            sample is too small to reach it).
        overweight_events: fraction of sample events with |w| > w_max.
        efficiency: ⟨|w|⟩ / w_max on the sample.
        acceptance: ⟨min(|w|, w_max)⟩ / w_max on the sample (expected fraction kept).
        n_sample: number of weights it was estimated from.
    """

    value: float
    eps: float
    overweight_fraction: float
    overweight_events: float
    efficiency: float
    acceptance: float
    n_sample: int

    @classmethod
    def estimate(cls, weights: torch.Tensor, eps: float = 1e-3) -> MaxWeight:
        """Solve Σ max(|w| - w_max, 0) = eps · Σ |w| for w_max on a weighted sample.

        ``weights``: ``[B]`` event weights (any sign; zeros — events failing cuts — count
        in the averages, as they cost time). Use a large sample (≳ 10/eps non-zero weights)
        so that the tail is resolved. ``eps = 0`` gives the sample maximum.
        """
        a = _abs_weights(weights).to(torch.float64)
        return cls.from_largest(a, float(a.sum()), a.numel(), eps)

    @classmethod
    def from_largest(cls, largest: torch.Tensor, abs_sum: float, n: int, eps: float = 1e-3) -> MaxWeight:
        """The same w_max from only the largest |w| of a sample (any order), its Σ|w| and its size n.

        Exact while the points above the solution are all among ``largest``; otherwise w_max is
        the smallest of them, whose overweight share is below eps (ChannelStats keeps a fixed
        number of weights, sampling/estimate.py)."""
        if not 0.0 <= eps < 1.0:
            raise ValueError(f"eps must be in [0, 1), got {eps}")
        if n == 0 or not abs_sum > 0:
            raise ValueError("cannot estimate a maximum weight: all weights are zero")
        s = torch.sort(largest.to(torch.float64), descending=True).values
        csum = torch.cumsum(s, 0)
        k = torch.arange(1, s.numel() + 1, dtype=s.dtype, device=s.device)
        # Excess if w_max = s_k: T_k = Σ_{i<k} s_i - (k-1)·s_k, non-decreasing in k.
        excess = csum - k * s
        target = eps * abs_sum
        # last k (1-based) with T_k <= target; T_1 = 0 so there is always one
        kk = int(torch.searchsorted(excess, target, right=True).item())
        # On [s_{k+1}, s_k] the excess is C_k - k·t: solve it, but never go below s_{k+1},
        # nor below the smallest weight known when only the largest ones are.
        w_max = (csum[kk - 1] - target) / kk
        if kk < s.numel():
            w_max = torch.maximum(w_max, s[kk])
        elif s.numel() < n:
            w_max = s[-1]
        w_max = float(torch.minimum(w_max, s[0]))
        over = (s - w_max).clamp_min(0)
        return cls(value=w_max, eps=eps, overweight_fraction=float(over.sum()) / abs_sum,
                   overweight_events=int((s > w_max).sum()) / n, efficiency=abs_sum / n / w_max,
                   acceptance=(abs_sum - float(over.sum())) / n / w_max, n_sample=n)

    @classmethod
    def from_value(cls, weights: torch.Tensor, w_max: float, eps: float = float("nan")) -> MaxWeight:
        """A given w_max, with its figures of merit measured on ``weights``."""
        if not w_max > 0:
            raise ValueError(f"w_max must be positive, got {w_max}")
        a = _abs_weights(weights).to(torch.float64)
        total = float(a.sum())
        return cls(
            value=float(w_max),
            eps=eps,
            overweight_fraction=float((a - w_max).clamp_min(0).sum()) / total if total > 0 else 0.0,
            overweight_events=float((a > w_max).double().mean()),
            efficiency=efficiency(weights, w_max),
            acceptance=acceptance(weights, w_max),
            n_sample=a.numel(),
        )

    def unit_weight(self, sigma_abs: float) -> float:
        """XWGTUP of an ordinary (not overweight) event for the ``average`` normalisation.

        ``sigma_abs``: Σ|w|/N in pb (= σ without negative weights). The mean written weight
        is then σ in expectation, overweight events included (see the module docstring).
        """
        return sigma_abs * (1.0 - self.overweight_fraction)


def efficiency(weights: torch.Tensor, w_max: float) -> float:
    """Unweighting efficiency ⟨|w|⟩ / w_max."""
    a = _abs_weights(weights)
    return float(a.double().mean()) / w_max


def acceptance(weights: torch.Tensor, w_max: float) -> float:
    """Expected fraction of events kept, ⟨min(|w|, w_max)⟩ / w_max."""
    a = _abs_weights(weights)
    return float(a.double().clamp_max(w_max).mean()) / w_max


@dataclass
class Unweighted:
    """Result of unweighting one batch.

    Attributes:
        keep: ``[B]`` bool, events that survive.
        weight: ``[B]`` relative weights ``sign(w) · max(1, |w|/w_max)`` where kept, 0 elsewhere.
        n_kept: number of kept events.
        n_overweight: kept events with |w| > w_max (all overweight events are kept).
        overweight_excess: Σ max(|w| - w_max, 0) over the batch, in weight units.
        abs_sum: Σ |w| over the batch (to turn the excess into a fraction over many batches).
    """

    keep: torch.Tensor
    weight: torch.Tensor
    n_kept: int
    n_overweight: int
    overweight_excess: float
    abs_sum: float

    @property
    def overweight_fraction(self) -> float:
        """Share of this batch's cross section above w_max."""
        return self.overweight_excess / self.abs_sum if self.abs_sum > 0 else 0.0


def hit_or_miss(weights: torch.Tensor, w_max: float | torch.Tensor, generator: torch.Generator
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """(keep [B], relative weight [B]) of hit-or-miss against w_max (a number, or one per point:
    each point's channel's), with no host sync: what :func:`unweight` does, without its figures."""
    a = weights.abs()
    u = torch.rand(a.shape, generator=generator, device=a.device, dtype=a.dtype)
    keep = a > u * w_max  # zero weights are never kept
    rel = torch.where(keep, torch.sign(weights) * (a / w_max).clamp_min(1.0), torch.zeros_like(a))
    return keep, rel


def unweight(weights: torch.Tensor, w_max: float | MaxWeight, generator: torch.Generator) -> Unweighted:
    """Hit-or-miss: keep event i when ``|w_i| > u_i · w_max``, u_i uniform in [0, 1).

    ``weights``: ``[B]`` floating-point tensor on any device; ``generator`` must live on
    the same device (one draw of B numbers per call, so a seeded generator reproduces
    the same events). Returns an :class:`Unweighted` with the keep mask and relative weights.
    """
    wm = w_max.value if isinstance(w_max, MaxWeight) else float(w_max)
    if not wm > 0:
        raise ValueError(f"w_max must be positive, got {wm}")
    a = _abs_weights(weights)
    keep, rel = hit_or_miss(weights, wm, generator)
    over = a > wm
    return Unweighted(
        keep=keep,
        weight=rel,
        n_kept=int(keep.sum()),
        n_overweight=int(over.sum()),
        overweight_excess=float((a - wm).clamp_min(0).double().sum()),
        abs_sum=float(a.double().sum()),
    )


@dataclass(frozen=True)
class ChannelMaxWeights:
    """One w_max per channel (None for a channel whose weights all vanish).

    Unweighting each channel against its own maximum, with the events' channels drawn
    ∝ σ_c, is what MG5 does per channel: a channel with a low efficiency no longer sets
    the rate for all. Overall figures follow from the channels' shares of σ.
    """

    per_channel: list[MaxWeight | None]

    @classmethod
    def from_stats(cls, stats, eps: float = 1e-3) -> ChannelMaxWeights:
        """From each channel's refine statistics (sampling/estimate.py ChannelStats)."""
        return cls([s.max_weight(eps) for s in stats])

    @classmethod
    def estimate(cls, weights: list[torch.Tensor], eps: float = 1e-3) -> ChannelMaxWeights:
        out: list[MaxWeight | None] = []
        for w in weights:
            ok = w.numel() > 0 and bool((w != 0).any())
            out.append(MaxWeight.estimate(w, eps) if ok else None)
        return cls(out)

    def _mean_inverse(self, shares, attr: str) -> float:
        total = 0.0
        for share, m in zip(shares, self.per_channel, strict=True):
            if m is not None and share > 0:
                total += share / getattr(m, attr)
        return 1.0 / total if total > 0 else 0.0

    def efficiency(self, shares) -> float:
        """Overall ⟨w⟩/w_max: events per weighted point without the overweight correction."""
        return self._mean_inverse(shares, "efficiency")

    def acceptance(self, shares) -> float:
        """Expected unweighted events per weighted point."""
        return self._mean_inverse(shares, "acceptance")

    def overweight_fraction(self, shares) -> float:
        return float(sum(s * m.overweight_fraction for s, m in zip(shares, self.per_channel, strict=True)
                         if m is not None))

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {"per_channel": [None if m is None else asdict(m) for m in self.per_channel]}

    @classmethod
    def from_dict(cls, d: dict) -> ChannelMaxWeights:
        return cls([None if m is None else MaxWeight(**m) for m in d["per_channel"]])
