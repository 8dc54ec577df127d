"""|M|^2 evaluations per second of generated matrix elements, CPU (1 and 2 threads) and GPU.

Run: .venv/bin/python bench/matrix_element.py [--batches 10000 100000 1000000] [--max-seconds 60]

Processes: u u~ > e+ e-, g g > t t~ g, g g > t t~ g g (default sm). For each, the code
generation and cold compile times (in a fresh cache directory) and, per backend and
batch size, the rate of |M|^2 (helicity- and colour-summed, vanishing helicities
skipped) and of the full call that also returns per-diagram weights and picks a
helicity and a colour flow. A CPU configuration whose estimated time exceeds
--max-seconds (from the smallest batch) is skipped. Ratios compare with one CPU thread.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time

import torch
from rich.console import Console
from rich.table import Table

from madnis_plugin import models
from madnis_plugin.core import _core, cuda_available
from madnis_plugin.matrix_element import MatrixElement, reference_points

PROCESSES = [("u u~ > e+ e-", 1000.0), ("g g > t t~ g", 1000.0), ("g g > t t~ g g", 1500.0)]


def timed(fn, cuda: bool, repeats: int) -> float:
    fn()  # warm-up (compiles for the device, copies couplings)
    if cuda:
        torch.cuda.synchronize()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args()
    model = models.load("sm")
    console = Console(width=150)

    build = Table(title="Code generation and cold compilation (g++ -O2)")
    for col in ("process", "diagrams", "flows", "helicities (used)", "generate [s]", "compile [s]"):
        build.add_column(col, justify="right")
    rates = Table(title="|M|^2 evaluations per second")
    for col in ("process", "backend", "batch", "|M|^2 /s", "+weights+picks /s", "ratio to CPU 1 thread"):
        rates.add_column(col, justify="right")

    old_cache = os.environ.get("MADNIS_CACHE_DIR")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MADNIS_CACHE_DIR"] = cache  # cold compile times
        elements = []
        for proc, sqrt_s in PROCESSES:
            t0 = time.perf_counter()
            me = MatrixElement.from_process(model, proc)
            t1 = time.perf_counter()
            me.library("cpu")
            t2 = time.perf_counter()
            used = len(me.good_helicities())
            build.add_row(proc, str(me.n_diagrams), str(me.n_flows), f"{len(me.program.helicities)} ({used})",
                          f"{t1 - t0:.2f}", f"{t2 - t1:.2f}")
            elements.append((proc, sqrt_s, me))
        console.print(build)

        for proc, sqrt_s, me in elements:
            base = None
            first_rate = None
            for batch in sorted(args.batches):
                p = reference_points(me, sqrt_s, batch)
                gen = torch.Generator().manual_seed(2)
                r1 = torch.rand(batch, generator=gen, dtype=torch.float64)
                r2 = torch.rand(batch, generator=gen, dtype=torch.float64)
                configs = [(f"CPU, {t} thread(s)", t, p, r1, r2) for t in (1, 2)]
                if cuda_available():
                    configs.append((torch.cuda.get_device_name(), None, p.cuda(), r1.cuda(), r2.cuda()))
                for name, threads, pts, a, b in configs:
                    cuda = threads is None
                    if not cuda:
                        _core.set_num_threads(threads)
                        if first_rate is not None and batch / first_rate > args.max_seconds:
                            rates.add_row(proc, name, f"{batch:,}", f"skipped (~{batch / first_rate:.0f} s)", "", "")
                            continue
                    repeats = 3 if batch <= 100_000 else 1
                    t_me = timed(lambda pts=pts, me=me: me.me2(pts), cuda, repeats)
                    t_full = timed(
                        lambda pts=pts, a=a, b=b, me=me: me.evaluate(pts, diagram_weights=True, r_hel=a, r_col=b),
                        cuda, repeats,
                    )
                    rate = batch / t_me
                    if threads == 1 and first_rate is None:
                        first_rate = rate
                    if threads == 1 and base is None:
                        base = rate
                    rates.add_row(proc, name, f"{batch:,}", f"{rate:.3e}", f"{batch / t_full:.3e}",
                                  f"{rate / base:.2f}" if base else "")
        if old_cache is None:
            os.environ.pop("MADNIS_CACHE_DIR", None)
        else:
            os.environ["MADNIS_CACHE_DIR"] = old_cache
    console.print(rates)
    if not cuda_available():
        console.print("(no CUDA device: GPU rows absent)")


if __name__ == "__main__":
    main()
