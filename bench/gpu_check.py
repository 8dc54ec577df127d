"""CUDA against CPU |M|^2 and throughput for g g > t t~ with 0 to 3 more gluons.

    python bench/gpu_check.py                 # compile (cached), compare, time; a summary table
    python bench/gpu_check.py --build-only --deadline 300 --built built.json
                                              # only compile the CPU and CUDA libraries, in parallel
    python bench/gpu_check.py --from-built built.json   # compare and time what was built
    python bench/gpu_check.py --prebuild-cuda 90        # no GPU needed: the CUDA libraries for sm_90
                                                        # into $MADNIS_CACHE_DIR, to carry to a GPU machine

Run by bench/gpu_check.sh on a GPU machine after it has built madnis with CUDA. Per process:
the CPU and CUDA compile times (0 when cached), the largest relative difference of |M|^2
between the devices over all points and over the points away from soft and collinear limits
(2 p_i.p_j > 1e-3 s for every pair of massless legs: nearer, |M|^2 is ill-conditioned and
rounding that differs between devices, FMA contraction, is amplified: 2e-5 at 2p.p/s = 3e-12),
and |M|^2 evaluations per second on the GPU and on all CPU threads. Fails (exit status 1) when
a well-conditioned point differs by more than 1e-12, any point by more than 1e-3, a value is not
finite, or a library does not build.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import torch

from madnis_plugin import models
from madnis_plugin.codegen.build import compile_library
from madnis_plugin.core import cuda_unavailable_reason
from madnis_plugin.matrix_element import MatrixElement, reference_points
from madnis_plugin.threads import choose_threads, use_threads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import away_from_collinear  # the tests' definition of a well-conditioned point

# (process, √s, GPU batch): batches large enough to fill an H100 with one event per thread
PROCESSES = [("g g > t t~", 1000.0, 1 << 20), ("g g > t t~ g", 1000.0, 1 << 19),
             ("g g > t t~ g g", 1500.0, 1 << 18), ("g g > t t~ g g g", 2000.0, 1 << 16)]
WELL_CONDITIONED_RTOL = 1e-12
ANY_POINT_RTOL = 1e-3


@dataclass
class Row:
    process: str
    n_diagrams: int = 0
    n_helicities: int = 0
    compile_s: dict[str, float] = field(default_factory=dict)
    max_rel_all: float = math.nan
    max_rel_well: float = math.nan
    n_well: int = 0
    n_points: int = 0
    rate: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def build(elements: dict[str, MatrixElement], rows: dict[str, Row], deadline: float | None = None) -> list[str]:
    """Every CPU and CUDA library at once (the largest process's compile is the wall time); the
    processes whose libraries were built, by the deadline (seconds) if one is given."""
    def one(process: str, device: str) -> None:
        start = time.perf_counter()
        try:
            elements[process].library(device)
        except Exception as err:  # noqa: BLE001 - reported in the summary, the other builds go on
            rows[process].errors.append(f"{device} build: {' '.join(str(err).split())[:300]}")
        rows[process].compile_s[device] = time.perf_counter() - start
        if deadline is not None:  # progress of --build-only; one write, so lines of threads do not mix
            sys.stdout.write(f"built {process} for {device}: {rows[process].compile_s[device]:.1f} s\n")
            sys.stdout.flush()

    pool = ThreadPoolExecutor(max_workers=2 * len(elements))
    futures = {pool.submit(one, p, d): p for p in elements for d in ("cuda", "cpu")}
    _, late = wait(futures, timeout=deadline)
    for f in late:
        rows[futures[f]].errors.append(f"still compiling after {deadline:.0f} s")
    pool.shutdown(wait=not late)
    return [p for p in elements if not rows[p].errors]


def prebuild_cuda(elements: dict[str, MatrixElement], arch: str) -> None:
    """The CUDA libraries for `arch` without a GPU, named as MatrixElement.library names them."""
    def one(me: MatrixElement) -> str:
        start = time.perf_counter()
        compile_library(me.source, "cuda", arch, name=f"me_{me.source_hash}")
        return f"{me.program.process}: {time.perf_counter() - start:.1f} s"

    with ThreadPoolExecutor(max_workers=len(elements)) as pool:
        for line in pool.map(one, elements.values()):
            print(line, flush=True)


def rate(me: MatrixElement, points: torch.Tensor, seconds: float) -> float:
    """|M|^2 evaluations per second on the points' device (helicity and colour summed)."""
    cuda = points.is_cuda

    def run() -> None:
        me.evaluate(points)
        if cuda:
            torch.cuda.synchronize()

    run()  # warm-up: helicity filter, couplings on the device
    n, start = 0, time.perf_counter()
    while True:
        run()
        n += points.shape[0]
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def compare(me: MatrixElement, p: torch.Tensor, row: Row) -> None:
    cpu = me.evaluate(p).me2
    gpu = me.evaluate(p.cuda()).me2.cpu()
    if not (torch.isfinite(cpu).all() and torch.isfinite(gpu).all()):
        row.errors.append("non-finite |M|^2")
        return
    rel = (gpu - cpu).abs() / cpu.abs().clamp_min(1e-300)
    well = away_from_collinear(p, me.external_masses)
    row.n_points, row.n_well = p.shape[0], int(well.sum())
    row.max_rel_all = float(rel.max())
    row.max_rel_well = float(rel[well].max()) if row.n_well else math.nan
    if not row.max_rel_well <= WELL_CONDITIONED_RTOL:
        row.errors.append(f"well-conditioned points differ by {row.max_rel_well:.1e} > {WELL_CONDITIONED_RTOL:g}")
    if not row.max_rel_all <= ANY_POINT_RTOL:
        row.errors.append(f"a point differs by {row.max_rel_all:.1e} > {ANY_POINT_RTOL:g}")


def print_summary(rows: list[Row], threads: int, device: str) -> None:
    print(f"\n{device}; CPU: {threads} threads. Rates are |M|^2 per second, helicity and colour summed, double.")
    cols = ("process", "diagr", "hel", "cpu build s", "cuda build s", "max rel all", "max rel well (n)",
            "CPU ev/s", "GPU ev/s", "GPU/CPU", "status")
    widths = (18, 6, 5, 11, 12, 11, 19, 11, 11, 8, 6)
    print("  ".join(f"{c:>{w}s}" for c, w in zip(cols, widths, strict=True)))
    for r in rows:
        ratio = r.rate["cuda"] / r.rate["cpu"] if r.rate.get("cpu") and r.rate.get("cuda") else math.nan
        cells = (r.process, str(r.n_diagrams), str(r.n_helicities), f"{r.compile_s.get('cpu', math.nan):.1f}",
                 f"{r.compile_s.get('cuda', math.nan):.1f}", f"{r.max_rel_all:.1e}",
                 f"{r.max_rel_well:.1e} ({r.n_well}/{r.n_points})", f"{r.rate.get('cpu', math.nan):.3g}",
                 f"{r.rate.get('cuda', math.nan):.3g}", f"{ratio:.1f}", "FAIL" if r.errors else "ok")
        print("  ".join(f"{c:>{w}s}" for c, w in zip(cells, widths, strict=True)))
    for r in rows:
        for e in r.errors:
            print(f"FAIL {r.process}: {e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-only", action="store_true", help="only compile the libraries")
    parser.add_argument("--deadline", type=float, help="seconds the compiles may take (--build-only)")
    parser.add_argument("--built", type=Path, help="write the processes built in time to this JSON file")
    parser.add_argument("--from-built", type=Path, help="check only the processes listed in this JSON file")
    parser.add_argument("--prebuild-cuda", metavar="ARCH", help="compile the CUDA libraries for ARCH (e.g. 90), no GPU")
    parser.add_argument("--points", type=int, default=4096, help="points of the CPU/CUDA comparison")
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per process and device")
    parser.add_argument("--processes", nargs="+", help="a subset of: " + ", ".join(p for p, _, _ in PROCESSES))
    args = parser.parse_args()
    wanted = args.processes or [p for p, _, _ in PROCESSES]
    unbuilt: list[str] = []
    if args.from_built:
        built = json.loads(args.from_built.read_text()) if args.from_built.is_file() else []
        unbuilt = [p for p in wanted if p not in built]
        wanted = [p for p in wanted if p in built]
    chosen = [p for p in PROCESSES if p[0] in wanted]
    sm = models.load("sm")
    elements = {p: MatrixElement.from_process(sm, p) for p, _, _ in chosen}
    if args.prebuild_cuda:
        prebuild_cuda(elements, args.prebuild_cuda)
        return 0
    reason = cuda_unavailable_reason()
    if reason:
        print(f"gpu_check: FAIL: no CUDA run possible: {reason}")
        return 1
    rows = {p: Row(p, me.n_diagrams) for p, me in elements.items()}
    done = build(elements, rows, args.deadline if args.build_only else None)
    if args.build_only:
        if args.built:
            args.built.write_text(json.dumps(done))
        for r in rows.values():
            print(f"{r.process}: " + ", ".join(f"{d} {s:.1f} s" for d, s in r.compile_s.items())
                  + ("" if not r.errors else f"; FAIL: {'; '.join(r.errors)}"), flush=True)
        if len(done) < len(rows) and os.getpgrp() == os.getpid():
            os.killpg(0, signal.SIGKILL)  # the compilers still running go too (the caller used setsid)
        return 1 if len(done) < len(rows) else 0
    choice = choose_threads()
    use_threads(choice)
    for process, sqrt_s, batch in chosen:
        me, row = elements[process], rows[process]
        if row.errors:
            continue
        row.n_helicities = len(me.good_helicities())
        compare(me, reference_points(me, sqrt_s, args.points, seed=2), row)
        points = reference_points(me, sqrt_s, batch, seed=3)
        # a CPU batch of about a second: the GPU batch over the expected speed-up
        row.rate["cpu"] = rate(me, points[: max(4096, batch // 16)].contiguous(), args.seconds)
        row.rate["cuda"] = rate(me, points.cuda(), args.seconds)
        print(f"{process}: done", flush=True)
    device = f"{torch.cuda.get_device_name(0)} (sm_{''.join(map(str, torch.cuda.get_device_capability(0)))})"
    for process in unbuilt:
        rows[process] = Row(process, errors=["its libraries were not built in time (see the build log)"])
    print_summary(list(rows.values()), choice.count, device)
    failed = [r.process for r in rows.values() if r.errors]
    print(f"gpu_check.py: {len(rows) - len(failed)} of {len(rows)} processes ok" + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
