"""Multi-channel VEGAS: one adaptive VEGAS grid per channel, calls shared by variance.

The integral is a sum over channels, I = Σ_c ∫_{[0,1]^d_c} f_c(r) dr, where each
f_c already includes its phase-space Jacobian and channel weight α_c. Each
channel gets a `vegas.AdaptiveMap` (G. P. Lepage's package) on the unit cube;
an iteration draws y uniform, maps r = map(y) with Jacobian J, and evaluates
w = J·f_c(r). Per iteration:

    I_k = Σ_c ⟨w⟩_c,   σ_k² = Σ_c Var(w)_c / N_c,

with N_c ∝ the standard deviation of w in channel c (the allocation that
minimises σ_k at fixed total calls), a floor keeping every channel sampled.
Iterations after the warm-up are combined with inverse-variance weights, and
χ²/dof measures their consistency (≫ 1 means the error is not trustworthy).

The grids live on the CPU (the `vegas` package is numpy code); only the
uniform numbers and mapped points cross to the integrand's device, once per
batch. This module is not the MadNIS trainer and knows nothing of physics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
import vegas


class ChannelIntegrand(Protocol):
    """A channel's integrand on the unit cube: r [B, dim] float64 → weights [B]."""

    dim: int

    def __call__(self, r: torch.Tensor) -> torch.Tensor: ...


@dataclass
class Estimate:
    """One iteration (or a combination): the integral, its error, and per-channel parts."""

    value: float
    error: float
    channel_values: list[float]
    channel_errors: list[float]
    n_calls: int


@dataclass
class VegasResult:
    value: float
    error: float
    chi2_dof: float
    iterations: list[Estimate] = field(default_factory=list)

    @property
    def rel_error(self) -> float:
        return self.error / abs(self.value) if self.value else math.inf


class MultiChannelVegas:
    def __init__(
        self,
        channels: Sequence[ChannelIntegrand],
        *,
        ninc: int = 64,
        alpha: float = 1.5,
        min_fraction: float = 0.02,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ):
        if not channels:
            raise ValueError("MultiChannelVegas needs at least one channel")
        self.channels = list(channels)
        self.alpha = alpha
        self.min_fraction = min(min_fraction, 1.0 / len(self.channels))
        self.device = torch.device(device)
        self.generator = torch.Generator().manual_seed(seed)
        self.maps = [vegas.AdaptiveMap([[0.0, 1.0]] * ch.dim, ninc=ninc) for ch in self.channels]
        self.spread = np.ones(len(self.channels))  # std of w per channel, drives the allocation
        self.means = np.ones(len(self.channels))  # ⟨w⟩ per channel, drives event generation

    # --- sampling ---------------------------------------------------------------------

    def allocate(self, n_calls: int, by: np.ndarray | None = None) -> np.ndarray:
        """Calls per channel ∝ `by` (default: the weights' spread), with a floor."""
        share = np.abs(self.spread if by is None else by)
        share = share / share.sum() if share.sum() > 0 else np.full(len(share), 1 / len(share))
        share = np.maximum(share, self.min_fraction)
        share /= share.sum()
        counts = np.floor(share * n_calls).astype(np.int64)
        counts[np.argmax(share)] += n_calls - counts.sum()
        return np.maximum(counts, 2)

    def draw(self, c: int, n: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """(y, r, J) for n points of channel c: y uniform (CPU), r = map(y) and J on the device."""
        y = torch.rand(n, self.channels[c].dim, dtype=torch.float64, generator=self.generator).numpy()
        x = np.empty_like(y)
        jac = np.empty(n)
        self.maps[c].map(y, x, jac)
        return y, torch.from_numpy(x).to(self.device), torch.from_numpy(jac).to(self.device)

    def evaluate(self, c: int, n: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """(y, r, w = J·f_c(r)) for n points of channel c."""
        y, r, jac = self.draw(c, n)
        w = self.channels[c](r) * jac
        if not bool(torch.all(torch.isfinite(w))):
            raise FloatingPointError(f"channel {c}: the integrand returned NaN or infinite weights")
        return y, r, w

    # --- integration ------------------------------------------------------------------

    def iterate(self, n_calls: int, adapt: bool = True) -> Estimate:
        values, errors = [], []
        counts = self.allocate(n_calls)
        for c, n in enumerate(counts):
            y, _, w = self.evaluate(c, int(n))
            w_np = w.detach().cpu().numpy()
            mean, var = float(w_np.mean()), float(w_np.var(ddof=1))
            values.append(mean)
            errors.append(math.sqrt(var / n))
            self.spread[c] = math.sqrt(var)
            self.means[c] = mean
            if adapt:
                self.maps[c].add_training_data(y, w_np**2)
                self.maps[c].adapt(alpha=self.alpha)
        total_err = math.sqrt(sum(e * e for e in errors))
        return Estimate(sum(values), total_err, values, errors, int(counts.sum()))

    def integrate(
        self,
        calls_per_iteration: int,
        *,
        warmup: int = 3,
        max_iterations: int = 20,
        rel_accuracy: float = 0.0,
        min_iterations: int = 5,
        progress: Callable[[int, Estimate, VegasResult | None], None] | None = None,
    ) -> VegasResult:
        """Warm-up iterations adapt the grids and are discarded; the following ones
        (still adapting) are combined until rel_accuracy is reached (after at least
        min_iterations) or max_iterations have run."""
        for k in range(warmup):
            est = self.iterate(calls_per_iteration)
            if progress:
                progress(k, est, None)
        kept: list[Estimate] = []
        result = None
        for k in range(max_iterations):
            kept.append(self.iterate(calls_per_iteration))
            result = combine(kept)
            if progress:
                progress(warmup + k, kept[-1], result)
            # A few combined iterations at least: with fewer, χ²/dof cannot flag an error
            # estimate that is still too small while the grids adapt.
            if len(kept) >= max(2, min_iterations) and rel_accuracy > 0 and result.rel_error <= rel_accuracy:
                break
        assert result is not None
        return result

    def sample(self, n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Weighted events for unweighting: per channel (r, W) with the channels' calls
        ∝ their integrals, and W normalised so that mean(all W) estimates the integral."""
        counts = self.allocate(n, by=self.means)
        total = int(counts.sum())
        out = []
        for c, m in enumerate(counts):
            _, r, w = self.evaluate(c, int(m))
            out.append((r, w * (total / int(m))))
        return out

    # --- checkpoints ------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {
            "grids": [np.asarray(m.extract_grid(), dtype=object) for m in self.maps],
            "spread": self.spread.copy(),
            "means": self.means.copy(),
            "rng": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.maps = [vegas.AdaptiveMap(list(g)) for g in state["grids"]]
        self.spread = np.array(state["spread"])
        self.means = np.array(state["means"])
        self.generator.set_state(state["rng"])


def combine(estimates: Sequence[Estimate]) -> VegasResult:
    """Inverse-variance average of iterations, with χ²/dof of their spread."""
    vals = np.array([e.value for e in estimates])
    errs = np.array([e.error for e in estimates])
    if np.any(errs <= 0):
        # A zero-variance iteration (e.g. a constant integrand) is exact: average plainly.
        return VegasResult(float(vals.mean()), 0.0, 0.0, list(estimates))
    weights = 1.0 / errs**2
    value = float((weights * vals).sum() / weights.sum())
    error = float(1.0 / math.sqrt(weights.sum()))
    dof = len(vals) - 1
    chi2 = float((((vals - value) / errs) ** 2).sum() / dof) if dof > 0 else 0.0
    return VegasResult(value, error, chi2, list(estimates))
