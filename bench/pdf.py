"""x·f evaluations per second: all 11 QCD flavours at once, batch 10^6, CPU (1 and 2 threads) and GPU.

Run: .venv/bin/python bench/pdf.py [--batch N]
Prints a table; the ratio column compares with the one-thread CPU run of the same process.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from rich.console import Console
from rich.table import Table

from madnis_plugin import pdf
from madnis_plugin.core import _core, cuda_available

FLAVOURS = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21]


def rate(pdf_set, x, q, repeats: int = 5) -> float:
    pdf_set.xfxQ_flavours(FLAVOURS, x, q)  # warm-up: copies the grid to the device
    if x.is_cuda:
        torch.cuda.synchronize()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        pdf_set.xfxQ_flavours(FLAVOURS, x, q)
        if x.is_cuda:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return x.numel() * len(FLAVOURS) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=1_000_000)
    args = parser.parse_args()
    pdf_set = pdf.load()
    gen = torch.Generator().manual_seed(1)
    x = torch.exp(torch.empty(args.batch, dtype=torch.float64).uniform_(math.log(1e-6), 0.0, generator=gen))
    q = torch.exp(torch.empty(args.batch, dtype=torch.float64).uniform_(math.log(5.0), math.log(5e3), generator=gen))
    rows = []
    for threads in (1, 2):
        _core.set_num_threads(threads)
        rows.append((f"CPU, {threads} thread(s)", rate(pdf_set, x, q)))
    if cuda_available():
        rows.append((torch.cuda.get_device_name(), rate(pdf_set, x.cuda(), q.cuda())))
    table = Table(title=f"PDF x·f evaluations/s, batch {args.batch:,} × {len(FLAVOURS)} flavours")
    for col in ("backend", "evaluations/s", "ratio to CPU 1 thread"):
        table.add_column(col, justify="right")
    for name, r in rows:
        table.add_row(name, f"{r:.3e}", f"{r / rows[0][1]:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
