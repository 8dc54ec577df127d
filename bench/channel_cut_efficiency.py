"""Flat-integrand check of every channel against the run_card cuts: in-cut fraction and weight spread.

For each channel of each subprocess, samples r uniformly, maps it, and integrates the flat
integrand weight · Θ(cuts) (dx1 dx2 dΦ_n, no matrix element, no PDF). Prints per channel the
fraction of points inside the cuts, std/mean of weight · Θ, and the cut volume with its MC
error, beside the flat RAMBO channel's volume (an independent mapping of the same measure).

    python bench/channel_cut_efficiency.py "u u~ > t t~ g" --points 200000 [--no-limits]
    python bench/channel_cut_efficiency.py processes/ttbar_j/proc_card.dat
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch

from madnis_plugin import Process
from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.integrand.build import NU_T, collider_energy, sqrt_s_hat_min
from madnis_plugin.integrand.cuts import Cuts
from madnis_plugin.phasespace import Channel


def flat_stats(channel: Channel, cuts: Cuts, n: int, gen: torch.Generator, chunk: int = 100_000):
    """(in-cut fraction, std/mean of weight·Θ, mean, MC error of the mean)."""
    s = s2 = 0.0
    inside = 0
    done = 0
    while done < n:
        m = min(chunk, n - done)
        r = torch.rand(m, channel.dim, dtype=torch.float64, generator=gen)
        p, _, _, w = channel.map(r)
        ok = cuts.passes(p) & (w > 0)
        wc = torch.where(ok, w, torch.zeros_like(w))
        s += float(wc.sum())
        s2 += float((wc * wc).sum())
        inside += int(ok.sum())
        done += m
    mean = s / n
    var = max(s2 / n - mean * mean, 0.0)
    return inside / n, (math.sqrt(var) / mean if mean > 0 else math.inf), mean, math.sqrt(var / n)


def card_setup(arg: str) -> tuple[Process, RunCard]:
    path = Path(arg)
    if path.exists():
        return Process.from_card(path), RunCard.from_file(path.parent / "run_card.dat")
    off = {"etal": -1, "etaa": -1, "etab": -1, "drjj": 0, "drll": 0, "draa": 0, "draj": 0, "drjl": 0,
           "dral": 0, "drbb": 0, "drbj": 0, "drab": 0, "drbl": 0, "ptl": 0, "pta": 0, "ptb": 0}
    return Process.from_string(arg), RunCard.default().with_overrides(**off, ptj=20.0, etaj=5.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("process", help='MG5 process string or a proc_card.dat (its run_card.dat beside it)')
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--no-limits", action="store_true", help="channels without the cut-derived limits")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    process, card = card_setup(args.process)
    sqrt_s = collider_energy(card)
    process = process.with_beams(float(card["ebeam1"]), float(card["ebeam2"]), True)
    gen = torch.Generator().manual_seed(args.seed)
    print(f"{'subprocess':<22} {'ch':>3} {'diagram':>7} {'in-cut':>7} {'std/mean':>9} {'volume':>12} "
          f"{'error':>9} {'pull vs flat':>12}")
    for sub in process.subprocesses:
        finals = list(sub.pdg_ids[2:])
        masses = [float(abs(process.model.mass(p))) for p in finals]
        cuts = Cuts.from_run_card(card, finals, masses)
        root = sqrt_s_hat_min(card, cuts, masses)
        limits = None if args.no_limits else cuts.phase_space_limits(masses)
        channels = sub.make_channels(root, limits, nu_t=None if args.no_limits else NU_T)
        flat = Channel.flat(masses, sqrt_s, sqrt_s_hat_min=root)
        _, _, ref, ref_err = flat_stats(flat, cuts, 4 * args.points, gen)
        for k, (info, ch) in enumerate(zip(sub.channel_info, channels)):
            frac, spread, mean, err = flat_stats(ch, cuts, args.points, gen)
            pull = (mean - ref) / math.hypot(err, ref_err)
            print(f"{sub!s:<22} {k:>3} {info.diagram:>7} {frac:>7.3f} {spread:>9.2f} {mean:>12.5e} "
                  f"{err / mean if mean else math.inf:>9.2e} {pull:>12.2f}")
        print(f"{sub!s:<22} {'flat':>3} {'':>7} {'':>7} {'':>9} {ref:>12.5e} {ref_err / ref:>9.2e}")


if __name__ == "__main__":
    main()
