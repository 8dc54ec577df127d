"""σ by a second, independent estimator: one-sample multichannel Monte Carlo, balance heuristic.

    .venv/bin/python bench/mixture_check.py PROC_CARD --points 1e8 --seed 3 \
        [--allocate RESULTS_JSON] [--subprocess "g u > e+ e- g u"]

Per subprocess, channel c draws uniform r (no VEGAS grid) and a point p gets the weight
f(p) / Σ_j a_j g_j(p), g_j the density channel j gives p (from its inverse map). The channels
are the subprocess's diagrams plus the flat RAMBO channel, which reaches every point, so a
peak that a diagram's map does not follow is still covered. The a_j are set from two pilot
passes (∝ the root of each channel's second moment) and then frozen: the estimate is unbiased
for any a_j > 0 if the g_j are right. It shares with `madnis integrate` only the integrand f
(|M|², PDFs, flux, cuts) and the maps; no grids, no channel weights α_c, no combination of
iterations. It checks the sampler, not the physics.

f must not depend on the channel: fixed scales, or `madnis_channel_scales = False`.
Points per subprocess ∝ its σ in `--allocate` (a results.json of `madnis integrate` on the
same cards; its σ_i are printed beside ours), else equal; at least 10⁵ each.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import tempfile
import time

import torch

from madnis_plugin.integrand.build import sqrt_s_hat_min
from madnis_plugin.integrand.cuts import Cuts
from madnis_plugin.integrate import IntegrationRun, RunOptions
from madnis_plugin.phasespace import Channel

BATCH = 50_000


def _moments(integrands, channels, shares, points):
    """Σ_c a_c ⟨W⟩_c, its variance and the second moment ⟨W²⟩_c of each channel."""
    total = variance = 0.0
    second = []
    for integrand, share in zip(integrands, shares.tolist(), strict=True):
        n = max(int(points * share), 500)
        s1 = s2 = 0.0
        for start in range(0, n, BATCH):
            r = torch.rand(min(BATCH, n - start), integrand.dim, dtype=torch.float64)
            lab, _, _, ps_weight = integrand.channel.map(r)
            f = integrand.evaluate(r).weight_no_alpha / torch.where(ps_weight > 0, ps_weight, 1.0)
            density = torch.zeros_like(f)
            if bool((f > 0).any()):
                for channel, a in zip(channels, shares.tolist(), strict=True):
                    _, w = channel.inverse(lab)
                    density += torch.where(w > 0, a / torch.where(w > 0, w, 1.0), 0.0)
            weight = torch.where((f > 0) & (density > 0), f / torch.where(density > 0, density, 1.0), 0.0)
            s1 += float(weight.sum())
            s2 += float((weight * weight).sum())
        mean = s1 / n
        total += share * mean
        variance += share**2 * max(s2 / n - mean**2, 0.0) / n
        second.append(s2 / n)
    return total, variance, second


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("proc_card")
    ap.add_argument("--points", type=float, default=1e7, help="points over all subprocesses")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--allocate", help="results.json whose σ_i set the points per subprocess")
    ap.add_argument("--subprocess", help="only this one, as `madnis diagrams` names it")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    with tempfile.TemporaryDirectory() as out:
        run = IntegrationRun.from_cards(args.proc_card, options=RunOptions(seed=1, nevents=10, output=out))
    by_subprocess: dict[str, list] = {}
    for entry in run.entries:
        by_subprocess.setdefault(str(entry.subprocess).split(" (")[0], []).append(entry)
    ours = {}
    if args.allocate:
        ours = {r["subprocess"]: r["cross_section_pb"] for r in json.load(open(args.allocate))["subprocesses"]}
    names = [n for n in by_subprocess if args.subprocess in (None, n)]
    if not names:
        raise SystemExit(f"no such subprocess: {args.subprocess}")
    weights = {n: ours.get(n, 1.0) for n in names}
    grand = grand_variance = 0.0
    for name in names:
        start = time.time()
        entries = by_subprocess[name]
        integrands = [e.integrand for e in entries]
        finals = list(entries[0].subprocess.pdg_ids[2:])
        masses = [float(abs(run.process.model.mass(p))) for p in finals]
        cuts = Cuts.from_run_card(run.run_card, finals, masses)
        flat = copy.copy(integrands[0])
        flat.channel = Channel.flat(masses, run.process.sqrt_s,
                                    sqrt_s_hat_min=sqrt_s_hat_min(run.run_card, cuts, masses))
        flat.dim = flat.channel.dim
        integrands.append(flat)
        channels = [i.channel for i in integrands]
        points = max(int(args.points * weights[name] / sum(weights.values())), 100_000)
        shares = torch.full((len(integrands),), 1.0 / len(integrands), dtype=torch.float64)
        for _ in range(2):
            _, _, second = _moments(integrands, channels, shares, points // 10)
            shares = shares * torch.tensor(second, dtype=torch.float64).sqrt()
            shares = shares / shares.sum() + 0.02 / len(integrands)  # keep every channel alive
            shares = shares / shares.sum()
        value, variance, _ = _moments(integrands, channels, shares, points)
        grand += value
        grand_variance += variance
        beside = f"   ours {ours[name]:.6g}" if name in ours else ""
        print(f"{name:28s} {value:.6g} ± {math.sqrt(variance):.2g} pb  ({points} points, "
              f"flat share {float(shares[-1]):.3f}, {time.time() - start:.0f} s){beside}", flush=True)
    print(f"total {grand:.6g} ± {math.sqrt(grand_variance):.2g} pb", flush=True)


if __name__ == "__main__":
    main()
