"""Time to 10⁴ unweighted events from the proc_card, beside MG5 3.5.7's time on the same cards.

Run: .venv/bin/python bench/generate.py [--processes tt ttj wpjj eejj] [--nevents 10000]

Each process runs `madnis integrate` as a user would (a fresh process, MG5's default
run_card from tests/data/mg5 with its default scale choice −1, our default settings,
VEGAS sampler) with an empty matrix-element cache, so code generation and compilation
are included, as they are in MG5's `output` + `launch` time. Printed per process: our
wall time and MG5's (tests/data/mg5/cross_sections.json: 2 cores, run_mode=2, fastest
of three), their ratio, σ ± δσ of both, our integrand calls in the refine and in the
unweighting and our unweighting efficiency, beside MG5's refine statistics (weighted
points, and weighted points per unweighted event). Times on a shared machine are noisy:
read the ratio, measured here in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "mg5"
PROCESSES = {"tt": ("p p > t t~", "tt_default"), "ttj": ("p p > t t~ j", "ttj_default"),
             "wpjj": ("p p > w+ j j", "wpjj_default"), "eejj": ("p p > e+ e- j j", "eejj_default"),
             "eej": ("p p > e+ e- j", "eej_default"), "ee": ("p p > e+ e-", "ee_default")}


def run_one(process: str, nevents: int, seed: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "proc_card.dat").write_text(f"import model sm\ngenerate {process}\n")
        (tmp / "run_card.dat").write_text((DATA / "run_card.dat").read_text())
        env = dict(os.environ, MADNIS_CACHE_DIR=str(tmp / "cache"))
        exe = Path(sys.executable).with_name("madnis")
        t0 = time.perf_counter()
        subprocess.run([str(exe), "integrate", str(tmp / "proc_card.dat"), "--nevents", str(nevents),
                        "--seed", str(seed)], check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        results = json.loads((tmp / "Events" / "run_01" / "results.json").read_text())
    return wall, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", nargs="+", default=["tt", "ttj", "wpjj", "eejj"], choices=PROCESSES)
    parser.add_argument("--nevents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    console = Console(width=220)
    mg5 = {row["name"]: row for row in json.loads((DATA / "cross_sections.json").read_text())["results"]}
    table = Table(title=f"time to {args.nevents} unweighted events, cold cache (ours / MG5 3.5.7, same cards)")
    for col in ("process", "ours [s]", "MG5 [s]", "ours/MG5", "σ ours [pb]", "σ MG5 [pb]", "refine calls",
                "unweighting eff.", "MG5 refine points", "MG5 points/event"):
        table.add_column(col, justify="right")
    for key in args.processes:
        process, name = PROCESSES[key]
        wall, res = run_one(process, args.nevents, args.seed)
        ref = mg5[name]
        table.add_row(process, f"{wall:.1f}", f"{ref['mg5_output_plus_launch_s']:.1f}",
                      f"{wall / ref['mg5_output_plus_launch_s']:.2f}",
                      f"{res['cross_section_pb']:.5g} ± {res['error_pb']:.2g}",
                      f"{ref['sigma_pb']:.5g} ± {ref['error_pb']:.2g}", f"{res['integrand_calls']:,}",
                      f"{res['unweighting_efficiency']:.2e}", f"{ref['mg5_weighted_points_in_refine']:,}",
                      f"{ref['mg5_weighted_points_in_refine'] / ref['events']:.1f}")
        console.print(f"{process}: {wall:.1f} s; timings {res['timings']}; warnings {res.get('warnings')}")
    console.print(table)


if __name__ == "__main__":
    main()
