"""Weight spread of single channels of a process, after a VEGAS adaptation like the survey's.

    .venv/bin/python bench/channel_weight_spread.py PROC_CARD "g u > e+ e- g u:6" "u d > e+ e- u d:0" \
        [--adapt 6 --calls 20000 --points 300000 --seed 3]

For each SUBPROCESS:CHANNEL (the subprocess as `madnis diagrams` prints it, without the
diagram count; the channel index within it) the channel's integrand (cards beside
PROC_CARD) is adapted alone with `--adapt` VEGAS iterations of `--calls` points, then
`--points` points of the frozen grid give its σ_c with error, the weight std/mean and the
share of σ_c in the ten largest weights. A heavy tail shows as a large std/mean, a large
top-10 share, and σ_c moving between runs by more than its error.
"""

from __future__ import annotations

import argparse
import math
import tempfile

import torch

from madnis_plugin.integrate import IntegrationRun, RunOptions
from madnis_plugin.sampling.vegas_multichannel import MultiChannelVegas


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("proc_card")
    ap.add_argument("channels", nargs="+", help='"SUBPROCESS:CHANNEL", e.g. "g u > e+ e- g u:6"')
    ap.add_argument("--adapt", type=int, default=6)
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--points", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        run = IntegrationRun.from_cards(args.proc_card, options=RunOptions(seed=1, nevents=10, output=out))
    wanted = set(args.channels)
    for entry in run.entries:
        key = f"{str(entry.subprocess).split(' (')[0]}:{entry.channel}"
        if key not in wanted:
            continue
        wanted.discard(key)
        vegas = MultiChannelVegas([entry.integrand], seed=args.seed)
        for _ in range(args.adapt):
            vegas.iterate(args.calls, min_calls=args.calls)
        w = torch.cat([vegas.evaluate(0, min(args.calls, args.points - k))[2]
                       for k in range(0, args.points, args.calls)])
        top = torch.sort(w, descending=True).values[:10].sum() / w.sum()
        print(f"{key:32s} σ_c {w.mean():.5g} ± {w.std() / math.sqrt(len(w)):.2g} pb  "
              f"std/mean {w.std() / w.mean():7.3g}  top-10 share {float(top):.3f}", flush=True)
    if wanted:
        raise SystemExit(f"no such channel: {', '.join(sorted(wanted))}")


if __name__ == "__main__":
    main()
