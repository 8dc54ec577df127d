"""Generated Lorentz routines against the hand-written HELAS fast path: |M|^2 evaluations per second.

The same processes of the SM + Z' test UFO model, once with the hand-written routines and
once with every vertex generated (`load_ufo(..., generated_lorentz=True)`), on the CPU
(all threads); the ratio is generated / hand-written in one run. Compilation is not timed.

Run: .venv/bin/python bench/lorentz.py [--batch N]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from madnis_plugin.cards.proc_card import ProcCard
from madnis_plugin.matrix_element import reference_points
from madnis_plugin.models.ufo import load_ufo
from madnis_plugin.process import Process

UFO = Path(__file__).resolve().parent.parent / "tests" / "data" / "ufo" / "sm_zprime_ufo"
PROCESSES = ["u u~ > e+ e-", "g g > t t~ g", "u u~ > e+ e- g g", "g g > t t~ g g", "e+ e- > w+ w- z"]


def rate(process: Process, points, repeats: int = 3) -> float:
    process.matrix_element(points[:16])  # compile and warm up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        process.matrix_element(points)
        best = min(best, time.perf_counter() - start)
    return len(points) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    models = {"hand-written": load_ufo(UFO), "generated": load_ufo(UFO, generated_lorentz=True)}
    table = Table(title=f"|M|^2 per second, CPU, batch {args.batch}")
    for col in ("process", "hand-written", "generated", "generated / hand-written"):
        table.add_column(col, justify="right")
    for proc in PROCESSES:
        rates = {}
        for label, model in models.items():
            card = ProcCard.from_string(f"import model {UFO}\ngenerate {proc}\n", path="<bench>")
            process = Process(card, model)
            points = reference_points(process.matrix_elements()[0], 1000.0, args.batch, seed=1)
            rates[label] = rate(process, points)
        table.add_row(proc, f"{rates['hand-written']:.3g}", f"{rates['generated']:.3g}",
                      f"{rates['generated'] / rates['hand-written']:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
