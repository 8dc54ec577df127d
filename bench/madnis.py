"""MadNIS vs multi-channel VEGAS at equal integrand calls, and our trainer vs the PyPI ``madnis`` 1.0.

Part A (ours only), per process (drell_yan_zprime, ttbar_j; cards in processes/), same seed:

- MadNIS: VEGAS pretraining, online + buffered training and σ from the shared refine of
  the frozen sampler (as ``madnis integrate`` gives it), with the run_card's ``madnis_*``
  settings (madnis_plugin.nis). Its integrand calls (pretraining + training + refine) set
  the budget N.
- VEGAS: the multi-channel VEGAS sampler of ``madnis integrate --sampler vegas``, 5 survey
  and 8 refine iterations of N / 13 calls each, i.e. the same N calls.

For both: σ ± δσ and δσ/σ; the unweighting efficiency as ``madnis integrate`` unweights
(per-channel maxima truncated at 10⁻³ of σ from the refine weights, events drawn per
channel ∝ σ_c, madnis_plugin/events/unweight.py); the cost of one weighted point, measured
on a fresh weighted sample; and the wall time for 10⁴ unweighted events,

    t(10⁴) = t_prepare + 10⁴/efficiency · t_point,

with t_prepare the measured pretraining + training + refine (VEGAS: survey + refine)
time. Colour/helicity picks and LHE writing cost the same per event for both and are
left out. Each figure is shown for VEGAS and MadNIS with the ratio MadNIS/VEGAS (< 1 is
better for errors and times, > 1 for the efficiency), and the two σ are checked to agree
within 3 combined σ.

Part B: our trainer vs ``madnis`` 1.0 (PyPI; arXiv:2311.01548's library) driving the same
channel integrands (default: drell_yan_zprime). Its ``Integrand`` gets one function
(x, c) → (f, y, α_prior) that evaluates our channel c at x: f = our weight without α
(|M|², PDFs, flux, cuts, channel Jacobian), α_prior = our |A_c|²/Σ|A_j|² prior placed in
the columns of the point's subprocess (0 elsewhere, so α sums to 1 per subprocess as
ours), y = the channel-weight network's input: our physics features of the momenta
(madnis_plugin.nis.features), standardised with a shift/scale fixed on a pilot sample,
and log α_prior / 10 (clamped at -5) — what our channel-weight network sees. Channels of
one symmetry group share a flow in both (its ``ChannelGrouping``, mode "none").

Settings that match: batch size per online step, number of online steps and of buffered
steps after each (3), buffer capacity, Adam with the same learning rate and the same
cosine decay to 5 % per optimizer step, stratified-variance loss, float64, RQ-spline
coupling flows on the unit cube with 16 bins and minimum bin size and derivative 10⁻⁴,
two coupling blocks per binary digit of the dimension, subnets of 2 hidden layers × 32
units with SiLU and zero-initialised output, VEGAS pretraining with 64 bins, damping 1.5
and the same calls per iteration and iterations, then the flows start from the grids;
stratified channel allocation ∝ σ_c.

Settings that differ (its API has no switch for them): its VEGAS grid seeds the first
two coupling blocks (bin reduction) while ours stays an exact first layer, and its
reduction gives NaN parameters for a grid bin narrower than the spline's minimum (which
silently loses that channel and biases σ low): such grids get their bins widened to
2·10⁻⁴ first, and the run says so; its VEGAS pretraining splits calls evenly over
channels (ours ∝ σ_c) and fills its buffer; one channel-weight network for all channels
(ours: one per subprocess); features standardised on a pilot sample (ours: on the first
batch); its uniform share of each batch is min(1, 0.02 × channels) (ours: a floor of 2 %
per channel) and it allocates ∝ σ_c only after 20 batches of history; it draws extra
points while half a batch has f = 0 (counted below); no gradient clipping (ours: 10);
channel dropping off (ours: below 10⁻⁴ of σ).

Measured: optimizer steps per second during training (pretraining excluded), integrand
calls, σ from fresh samples (its ``integrate``, as many calls as our integration) and the
efficiency by our method on a fresh sample (its ``sample`` with calls ∝ the channels'
means, weights normalised as ours). Ratios are ours/theirs (> 1 is better for steps per
second and efficiency, < 1 for times).

``madnis`` 1.0 is a bench-only tool, not a dependency. Its distribution name is the same
as this package's, so ``pip install madnis`` into this environment would replace the
package; install it into a folder of its own:

    pip install --no-deps --target "$VIRTUAL_ENV/madnis-pypi-1.0.0" madnis==1.0.0

(it needs numpy, torch and vegas, already here). ``--madnis-path`` (default that folder,
or $MADNIS_PYPI_PATH) points to it; without it Part B is skipped.

Run:  python bench/madnis.py [--quick] [--processes drell_yan_zprime ttbar_j]
          [--nis-processes drell_yan_zprime] [--parts a b] [--threads 1] [--json PATH]
The default run takes about 20 minutes on one CPU thread; --quick (small budgets, under
2 minutes) is a smoke check whose figures mean little. CPU only.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from madnis_plugin.core import _core
from madnis_plugin.events.unweight import MaxWeight
from madnis_plugin.integrate import IntegrationRun, RunOptions
from madnis_plugin.nis.config import MadnisConfig
from madnis_plugin.nis.features import physics_features
from madnis_plugin.nis.sampler import MadnisSampler
from madnis_plugin.nis.splines import MIN_BIN, MIN_DERIVATIVE
from madnis_plugin.sampling.estimate import ChannelStats, IntegrationResult
from madnis_plugin.sampling.refine import RefineSettings
from madnis_plugin.sampling.vegas_sampler import SurveySettings, VegasSampler

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ("drell_yan_zprime", "ttbar_j")
N_EVENTS = 10_000
VEGAS_SURVEY, VEGAS_REFINE = 5, 8  # survey and refine iterations of budget/13 calls each
LOG_PRIOR_FLOOR = -50.0  # log α_prior seen by the channel-weight network is clamped here (as ours)
GRID_FLOOR = 2 * MIN_BIN  # narrowest VEGAS bin madnis 1.0's flow initialisation is given


@dataclasses.dataclass(frozen=True)
class Budget:
    steps: int | None  # None: the run_card's madnis_steps (300)
    batch_size: int | None  # None: the run_card's madnis_batch_size (4096)
    vegas_iterations: int | None  # None: the run_card's madnis_vegas_iterations (5)
    vegas_calls: int  # per pretraining iteration (RunOptions.calls_per_iteration)
    integration_calls: int  # per MadNIS integration iteration
    integration_iterations: int
    sample: int  # fresh weighted points for the efficiency and t_point


FULL = Budget(None, None, None, 20_000, 20_000, 10, 200_000)
QUICK = Budget(20, 1024, 2, 4_000, 4_000, 3, 20_000)


# --- shared pieces ------------------------------------------------------------------


def make_run(process: str, seed: int, output: Path) -> IntegrationRun:
    card = ROOT / "processes" / process / "proc_card.dat"
    return IntegrationRun.from_cards(card, options=RunOptions(seed=seed, output=output))


def nis_config(run: IntegrationRun, budget: Budget) -> MadnisConfig:
    cfg = MadnisConfig.from_run_card(run.run_card)
    for name in ("steps", "batch_size", "vegas_iterations"):
        value = getattr(budget, name)
        if value is not None:
            setattr(cfg, name, value)
    return cfg


def efficiency_and_cost(run: IntegrationRun, sampler: Any, result: IntegrationResult, stats: list[ChannelStats],
                        n: int) -> tuple[float, float]:
    """The unweighting efficiency `madnis integrate` has (per-channel maxima from the refine
    weights, channels ∝ σ_c) and the measured seconds per fresh weighted point (n points)."""
    shares = [max(v, 0.0) / result.value for v in result.channel_values]
    efficiency = run.max_weights(stats).efficiency(shares)
    t0 = time.perf_counter()
    with torch.no_grad():
        count = sum(len(w) for _, _, w in run.weighted_sample(sampler, n, result))
    return efficiency, (time.perf_counter() - t0) / count


def fixed_refine(sampler: Any, calls: int, iterations: int) -> tuple[IntegrationResult, list[ChannelStats]]:
    """A refine of exactly `iterations` × `calls` (no early stop)."""
    settings = RefineSettings(rel_accuracy=0.0, calls_per_iteration=calls, max_calls_per_iteration=calls,
                              min_iterations=iterations, max_calls=calls * iterations)
    return sampler.refine(settings)


def pull(a: float, da: float, b: float, db: float) -> float:
    return abs(a - b) / math.hypot(da, db) if da > 0 or db > 0 else 0.0


@dataclasses.dataclass
class OursTrained:
    sampler: MadnisSampler
    result: IntegrationResult
    stats: list[ChannelStats]
    t_pretrain: float
    t_train: float
    t_integrate: float
    calls: int  # pretraining + training + integration

    @property
    def integrator(self):
        return self.sampler.integrator


def train_ours(run: IntegrationRun, budget: Budget) -> OursTrained:
    cfg = nis_config(run, budget)
    cfg.vegas_calls = budget.vegas_calls
    sampler = MadnisSampler(run.entries, run.process.sqrt_s**2, cfg, device=run.device, seed=run.seed)
    nis = sampler.integrator
    t0 = time.perf_counter()
    nis.pretrain()
    t1 = time.perf_counter()
    nis.train()
    t2 = time.perf_counter()
    # σ as `madnis integrate` gives it: the shared refine of the frozen sampler
    result, stats = fixed_refine(sampler, budget.integration_calls, budget.integration_iterations)
    t3 = time.perf_counter()
    calls = nis.n_calls + result.n_calls
    return OursTrained(sampler, result, stats, t1 - t0, t2 - t1, t3 - t2, calls)


# --- Part A: VEGAS-only vs MadNIS at equal calls ---------------------------------------------


def figures(run: IntegrationRun, sampler: Any, result: IntegrationResult, stats: list[ChannelStats], calls: int,
            t_prepare: float, n_sample: int) -> dict[str, float]:
    efficiency, t_point = efficiency_and_cost(run, sampler, result, stats, n_sample)
    return {
        "calls": calls,
        "sigma_pb": result.value,
        "error_pb": result.error,
        "rel_error": result.rel_error,
        "chi2_dof": result.chi2_dof,
        "efficiency": efficiency,
        "t_prepare_s": t_prepare,
        "t_point_us": 1e6 * t_point,
        "t_10k_events_s": t_prepare + N_EVENTS / efficiency * t_point,
    }


def part_a(process: str, budget: Budget, seed: int, output: Path, console: Console,
           cache: dict[str, tuple]) -> dict[str, Any]:
    run = make_run(process, seed, output)
    console.log(f"{process}: MadNIS pretraining, training and integration")
    ours = train_ours(run, budget)
    nis = figures(run, ours.sampler, ours.result, ours.stats, ours.calls,
                  ours.t_pretrain + ours.t_train + ours.t_integrate, budget.sample)
    cache[process] = (run, ours, nis)
    console.log(f"{process}: multi-channel VEGAS with the same {ours.calls:,} calls")
    per_iteration = ours.calls // (VEGAS_SURVEY + VEGAS_REFINE)
    sampler = VegasSampler([e.integrand for e in run.entries], SurveySettings(per_iteration, VEGAS_SURVEY, 0),
                           device=run.device, seed=run.seed)
    t0 = time.perf_counter()
    survey = sampler.prepare()
    result, stats = fixed_refine(sampler, per_iteration, VEGAS_REFINE)
    t_vegas = time.perf_counter() - t0
    veg = figures(run, sampler, result, stats, survey["survey_calls"] + result.n_calls, t_vegas, budget.sample)
    return {"vegas": veg, "madnis": nis,
            "pull": pull(veg["sigma_pb"], veg["error_pb"], nis["sigma_pb"], nis["error_pb"])}


# --- Part B: our trainer vs madnis 1.0 -------------------------------------------------------


def import_pypi_madnis(path: Path | None) -> tuple[ModuleType | None, str]:
    """madnis 1.0's `madnis.integrator`, or None and why. This file is also called madnis.py:
    its folder leaves sys.path while importing, so `import madnis` cannot find it."""
    here = Path(__file__).resolve().parent
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if Path(p or os.getcwd()).resolve() != here]
    if path is not None:
        sys.path.insert(0, str(path))
    try:
        module = importlib.import_module("madnis.integrator")
    except ImportError as err:
        return None, str(err)
    finally:
        sys.path[:] = saved
    if not hasattr(module, "Integrator") or not hasattr(module, "VegasPreTraining"):
        return None, f"{module.__file__} is not madnis 1.0's integrator"
    return module, module.__file__


class ChannelFunction:
    """Our channel integrands as madnis 1.0's multi-channel function (x, c) → (f, y, α_prior)."""

    def __init__(self, run: IntegrationRun, pilot: int, generator: torch.Generator):
        self.entries = run.entries
        self.s = run.process.sqrt_s**2
        n = len(self.entries)
        columns = []  # global channel indices of each channel's subprocess, in α_prior column order
        for e in self.entries:
            same = [(f.integrand.channel_index, k) for k, f in enumerate(self.entries)
                    if f.subprocess.index == e.subprocess.index]
            columns.append(torch.tensor([k for _, k in sorted(same)]))
        self.columns = columns
        self.n_channels = n
        self.calls = 0
        # fixed standardisation of the features: a pilot sample, uniform r, split over channels
        feats = []
        for e in self.entries:
            r = torch.rand(max(2, pilot // n), e.integrand.dim, dtype=torch.float64, generator=generator)
            feats.append(self._features(e.integrand.evaluate(r)))
        feats = torch.cat(feats)
        self.shift, self.scale = feats.mean(0), feats.std(0).clamp(min=1e-6)
        self.n_features = feats.shape[1]

    def _features(self, point: Any) -> torch.Tensor:
        return physics_features(point.momenta, point.x1, point.x2, self.s)

    @property
    def remapped_dim(self) -> int:
        return self.n_features + self.n_channels

    def __call__(self, x: torch.Tensor, channels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = x.to(torch.float64)
        f = x.new_zeros(len(x))
        y = x.new_zeros(len(x), self.remapped_dim)
        y[:, self.n_features:] = LOG_PRIOR_FLOOR / 10
        alpha = x.new_zeros(len(x), self.n_channels)
        for c in torch.unique(channels).tolist():
            idx = (channels == c).nonzero().squeeze(1)
            point = self.entries[c].integrand.evaluate(x[idx].contiguous())
            cols = self.columns[c]
            f[idx] = point.weight_no_alpha
            y[idx, : self.n_features] = (self._features(point) - self.shift) / self.scale
            y[idx[:, None], self.n_features + cols[None, :]] = (
                torch.log(point.alpha_prior.clamp(min=1e-300)).clamp(min=LOG_PRIOR_FLOOR) / 10)
            alpha[idx[:, None], cols[None, :]] = point.alpha_prior
        self.calls += len(x)
        return f, y, alpha


def init_from_grids(integrator: Any, vegas: Any) -> int:
    """madnis 1.0's flow initialisation from its VEGAS grids. Its bin reduction takes the log of
    (width - min_bin_width) and gives NaN parameters where a grid bin is narrower than that; then
    the grids get their bins widened to GRID_FLOOR (renormalised). Returns how many grids were."""
    vegas.initialize_integrator()
    if all(bool(torch.isfinite(p).all()) for p in integrator.flow.parameters()):
        return 0
    edges = torch.stack([torch.as_tensor(g.extract_grid(), dtype=torch.float64) for g in vegas.grids])
    widths = edges.diff(dim=-1)
    narrow = int((widths.amin(dim=(1, 2)) < GRID_FLOOR).sum())
    widths = widths.clamp(min=GRID_FLOOR)
    widths = widths / widths.sum(-1, keepdim=True)
    edges = torch.cat([torch.zeros_like(widths[..., :1]), widths.cumsum(-1)], dim=-1)
    edges[..., -1] = 1.0
    integrator.flow.init_with_grid(edges.to(integrator.dummy.dtype))
    if not all(bool(torch.isfinite(p).all()) for p in integrator.flow.parameters()):
        raise FloatingPointError("madnis 1.0's flow initialisation from the VEGAS grids gives NaN parameters")
    return max(narrow, 1)


def cosine_schedule(total: int, floor: float):
    def factor(k: int) -> float:
        z = min(k / max(total, 1), 1.0)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * z))

    return factor


def train_theirs(mi: ModuleType, run: IntegrationRun, cfg: MadnisConfig, budget: Budget,
                 seed: int, console: Console) -> dict[str, Any]:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    function = ChannelFunction(run, cfg.batch_size, gen)
    keys, assignment = {}, []
    for e in run.entries:
        key = (e.subprocess.index, e.subprocess.channel_info[e.channel].symmetry_group)
        assignment.append(keys.get(key))
        keys.setdefault(key, len(assignment) - 1)
    grouping = mi.ChannelGrouping(assignment) if any(a is not None for a in assignment) else None
    dims = {e.integrand.dim for e in run.entries}
    if len(dims) != 1:
        raise ValueError(f"madnis 1.0 needs one dimension for all channels, got {sorted(dims)}")
    integrand = mi.Integrand(function, input_dim=dims.pop(), channel_count=len(run.entries),
                             remapped_dim=function.remapped_dim, has_channel_weight_prior=True,
                             channel_grouping=grouping)
    total_steps = cfg.steps * (1 + cfg.buffered_steps)
    schedule = cosine_schedule(total_steps, cfg.final_lr_fraction)
    net = {"layers": cfg.hidden_layers + 1, "units": cfg.hidden, "activation": torch.nn.SiLU}
    integrator = mi.Integrator(
        integrand,
        flow_kwargs={"bins": cfg.bins, "min_bin_width": MIN_BIN, "min_bin_height": MIN_BIN,
                     "min_bin_derivative": MIN_DERIVATIVE, **net},
        cwnet_kwargs=net,
        train_channel_weights=cfg.channel_weights,
        loss=mi.stratified_variance,
        batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        scheduler=lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, schedule),
        uniform_channel_ratio=min(1.0, cfg.min_fraction * len(run.entries)),
        buffer_capacity=cfg.buffer_size,
        buffered_steps=cfg.buffered_steps,
        channel_grouping_mode="none",
        dtype=torch.float64,
    )
    function.calls = 0
    t0 = time.perf_counter()
    if cfg.vegas_iterations > 0:
        vegas = mi.VegasPreTraining(integrator, bins=cfg.vegas_bins, damping=1.5)
        vegas.rng = np.random.default_rng(seed)
        vegas.train([max(2, cfg.vegas_calls // len(vegas.grids))] * cfg.vegas_iterations)
        widened = init_from_grids(integrator, vegas)
    t1 = time.perf_counter()
    if widened:
        console.log(f"madnis 1.0: VEGAS grid bins narrower than {GRID_FLOOR:g} widened to it "
                    f"in {widened} of {len(vegas.grids)} grids (its flow initialisation gives NaN otherwise)")
    pretrain_calls = function.calls
    integrator.train(total_steps)
    t2 = time.perf_counter()
    train_calls = function.calls - pretrain_calls
    calls_total = budget.integration_calls * budget.integration_iterations
    sigma, error = integrator.integrate(calls_total)
    t3 = time.perf_counter()
    with torch.no_grad():
        weights = integrator.sample(budget.sample, channel_weight_mode="mean").weights
    t_point = (time.perf_counter() - t3) / len(weights)
    w_max = MaxWeight.estimate(weights.to(torch.float64), run.options.max_weight_eps)
    return {"optimizer_steps": integrator.step, "t_pretrain_s": t1 - t0, "t_train_s": t2 - t1,
            "steps_per_s": integrator.step / (t2 - t1), "pretrain_calls": pretrain_calls,
            "train_calls": train_calls, "sigma_pb": sigma, "error_pb": error, "efficiency": w_max.efficiency,
            "t_point_us": 1e6 * t_point, "t_integrate_s": t3 - t2, "grids_widened": widened}


def part_b(mi: ModuleType, process: str, budget: Budget, seed: int, output: Path, console: Console,
           cache: dict[str, tuple]) -> dict[str, Any]:
    """Ours: Part A's MadNIS run of the process when there is one (same figures)."""
    if process in cache:
        run, ours, fig = cache[process]
        efficiency, t_point = fig["efficiency"], 1e-6 * fig["t_point_us"]
    else:
        run = make_run(process, seed, output)
        console.log(f"{process}: our MadNIS pretraining, training and integration")
        ours = train_ours(run, budget)
        efficiency, t_point = efficiency_and_cost(run, ours.sampler, ours.result, ours.stats, budget.sample)
    nis = ours.integrator
    mine = {"optimizer_steps": nis.optimizer_steps, "t_pretrain_s": ours.t_pretrain, "t_train_s": ours.t_train,
            "steps_per_s": nis.optimizer_steps / ours.t_train, "pretrain_calls": nis.pretrain_calls,
            "train_calls": nis.n_calls - nis.pretrain_calls, "sigma_pb": ours.result.value,
            "error_pb": ours.result.error, "efficiency": efficiency, "t_point_us": 1e6 * t_point,
            "t_integrate_s": ours.t_integrate}
    console.log(f"{process}: madnis 1.0 pretraining, training and integration")
    theirs = train_theirs(mi, run, nis.config, budget, seed, console)
    return {"ours": mine, "madnis_1_0": theirs,
            "pull": pull(mine["sigma_pb"], mine["error_pb"], theirs["sigma_pb"], theirs["error_pb"])}


# --- output ------------------------------------------------------------------------------------


def _sigma(d: dict) -> str:
    return f"{d['sigma_pb']:.6g} ± {d['error_pb']:.2g}"


def table_a(results: dict[str, dict]) -> Table:
    table = Table(title=f"Part A: multi-channel VEGAS vs MadNIS at equal integrand calls "
                        f"(time for {N_EVENTS:,} unweighted events)")
    for col in ("process", "figure", "VEGAS", "MadNIS", "MadNIS/VEGAS"):
        table.add_column(col, justify="right")
    rows = [("integrand calls", "calls", "{:,.0f}"), ("δσ/σ", "rel_error", "{:.3e}"),
            ("χ²/dof of the iterations", "chi2_dof", "{:.2f}"), ("unweighting efficiency", "efficiency", "{:.4f}"),
            ("train + integrate [s]", "t_prepare_s", "{:.1f}"), ("per weighted point [µs]", "t_point_us", "{:.2f}"),
            (f"wall time {N_EVENTS:,} events [s]", "t_10k_events_s", "{:.1f}")]
    for process, res in results.items():
        v, m = res["vegas"], res["madnis"]
        table.add_row(process, escape("σ [pb]"), _sigma(v), _sigma(m), f"{m['sigma_pb'] / v['sigma_pb']:.4f}")
        for label, key, fmt in rows:
            ratio = "" if key == "chi2_dof" else f"{m[key] / v[key]:.3f}" if v[key] else "n/a"
            table.add_row("", escape(label), fmt.format(v[key]), fmt.format(m[key]), ratio)
        ok = "yes" if res["pull"] < 3 else "NO"
        table.add_row("", "σ agree within 3σ", "", "", f"{ok} ({res['pull']:.2f}σ)", end_section=True)
    return table


def table_b(results: dict[str, dict]) -> Table:
    table = Table(title="Part B: our MadNIS trainer vs madnis 1.0 (PyPI) on the same integrand")
    for col in ("process", "figure", "ours", "madnis 1.0", "ours/theirs"):
        table.add_column(col, justify="right")
    rows = [("optimizer steps", "optimizer_steps", "{:,.0f}"), ("training time [s]", "t_train_s", "{:.1f}"),
            ("steps per second", "steps_per_s", "{:.2f}"), ("unweighting efficiency", "efficiency", "{:.4f}"),
            ("pretraining calls", "pretrain_calls", "{:,.0f}"), ("training calls", "train_calls", "{:,.0f}"),
            ("pretraining time [s]", "t_pretrain_s", "{:.1f}"), ("per weighted point [µs]", "t_point_us", "{:.2f}")]
    for process, res in results.items():
        o, t = res["ours"], res["madnis_1_0"]
        table.add_row(process, escape("σ [pb]"), _sigma(o), _sigma(t), f"{o['sigma_pb'] / t['sigma_pb']:.4f}")
        for label, key, fmt in rows:
            table.add_row("", escape(label), fmt.format(o[key]), fmt.format(t[key]),
                          f"{o[key] / t[key]:.3f}" if t[key] else "n/a")
        ok = "yes" if res["pull"] < 3 else "NO"
        table.add_row("", "σ agree within 3σ", "", "", f"{ok} ({res['pull']:.2f}σ)", end_section=True)
    return table


def summary(a: dict[str, dict], b: dict[str, dict]) -> str:
    parts = []
    for p, r in a.items():
        v, m = r["vegas"], r["madnis"]
        parts.append(f"{p}: MadNIS/VEGAS δσ/σ ×{m['rel_error'] / v['rel_error']:.2f}, "
                     f"efficiency ×{m['efficiency'] / v['efficiency']:.2f}, "
                     f"time to {N_EVENTS:,} events ×{m['t_10k_events_s'] / v['t_10k_events_s']:.2f}")
    for p, r in b.items():
        o, t = r["ours"], r["madnis_1_0"]
        parts.append(f"{p}: ours/madnis 1.0 steps/s ×{o['steps_per_s'] / t['steps_per_s']:.2f}, "
                     f"efficiency ×{o['efficiency'] / t['efficiency']:.2f}")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small budgets: a smoke check (< 2 min)")
    parser.add_argument("--processes", nargs="+", choices=PROCESSES, default=list(PROCESSES),
                        help="Part A processes")
    parser.add_argument("--nis-processes", nargs="+", choices=PROCESSES, default=["drell_yan_zprime"],
                        help="Part B processes")
    parser.add_argument("--parts", nargs="+", choices=("a", "b"), default=["a", "b"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch and the core")
    default_path = os.environ.get("MADNIS_PYPI_PATH", str(Path(sys.prefix) / "madnis-pypi-1.0.0"))
    parser.add_argument("--madnis-path", type=Path, default=Path(default_path),
                        help="folder holding madnis 1.0 (pip install --no-deps --target FOLDER madnis==1.0.0)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args()
    budget = QUICK if args.quick else FULL
    torch.set_num_threads(args.threads)
    _core.set_num_threads(args.threads)
    console = Console(width=140)
    cache: dict[str, tuple] = {}  # process → (run, our trained sampler, its Part A figures)
    a, b = {}, {}
    console.print(f"Budget ({'quick' if args.quick else 'full'}; None = the run_card's madnis_* value): {budget}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_madnis_") as tmp:
        if "a" in args.parts:
            for process in args.processes:
                a[process] = part_a(process, budget, args.seed, Path(tmp), console, cache)
            console.print(table_a(a))
        if "b" in args.parts:
            mi, where = import_pypi_madnis(args.madnis_path if args.madnis_path.is_dir() else None)
            if mi is None:
                console.print(f"Part B skipped: madnis 1.0 cannot be imported ({where}). Install it with: "
                              f"pip install --no-deps --target {args.madnis_path} madnis==1.0.0")
            else:
                console.log(f"madnis 1.0 from {where}")
                for process in args.nis_processes:
                    b[process] = part_b(mi, process, budget, args.seed, Path(tmp), console, cache)
                console.print(table_b(b))
    line = summary(a, b)
    console.print(f"Summary ({'quick' if args.quick else 'full'}, {args.threads} thread(s), "
                  f"{time.perf_counter() - t0:.0f} s): {line}")
    if args.json:
        args.json.write_text(json.dumps({"budget": dataclasses.asdict(budget), "quick": args.quick,
                                         "threads": args.threads, "seed": args.seed, "part_a": a,
                                         "part_b": b, "summary": line}, indent=2))


if __name__ == "__main__":
    main()
