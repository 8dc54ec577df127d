"""Single-core |M|^2 throughput of our generated code against madgraph4gpu's cudacpp (issue 23).

Run: .venv/bin/python bench/me_throughput.py [--mg4gpu DIR] [--core K] [--points 8192 2048]
     [--repeats 3] [--backends cpp512y cpp512z] [--precisions d f m] [--no-check]

The speed baseline for g g > t t~ g g and g g > t t~ g g g (SM, √s = 1500 GeV, the energy of
cudacpp's `check_sa.cc`). Both programs run on the same single core (default: the last core
this process may use), with helicity filtering, and a table gives events per second and the
ratio ours / theirs per precision: d (FP64), f (FP32), m (mixed: FP64 amplitudes, FP32 colour
sum). FP64 is the main comparison.

Theirs: the standalone `check_cpp.exe` of `epochX/cudacpp/gg_ttgg.sa` and `gg_ttggg.sa`
(extracted from github.com/madgraph5/madgraph4gpu, never part of this repository; --mg4gpu or
$MADNIS_MG4GPU, default /work/mg4gpu/epochX/cudacpp), built here for the SIMD backends the CPU
has (avx512 → cpp512y and cpp512z, avx2 → cppavx2, sse4.2 → cppsse4, else cppnone) with

    make -f cudacpp.mk USEBUILDDIR=1 USEGTEST=0 BACKEND=<b> FPTYPE=<d|f|m> HELINL=0 HRDCOD=0 \
         build.<b without cpp>_<fp>_inl0_hrd0/check_cpp.exe

in `SubProcesses/P1_Sigma_sm_gg_ttxgg[g]` (only the C++ check program: no googletest, no
Fortran). It runs as `OMP_NUM_THREADS=1 taskset -c K check_cpp.exe -p BLOCKS 64 ITER`
(BLOCKS * 64 events per iteration). Its "MECalcOnly" timer (3a) covers only
`computeMatrixElements`: RAMBO, the random numbers and the good-helicity search (before the
first iteration) are outside it; on a CPU it equals the "MatrixElems" timer (3). We take the
fastest iteration, N / min "TimeInMECalcOnly", the same best-of statistic as ours; their
"EvtsPerSec[MECalcOnly] (3a)" (mean over iterations) is printed alongside.

Ours: `MatrixElement.from_process(models.load("sm"), proc).me2(momenta)` on precomputed
`reference_points` at √s = 1500 GeV, in a subprocess pinned with `os.sched_setaffinity` to the
same core, with torch and our core on one thread. The library is compiled and the good
helicities found first, then per precision one warm-up call (not timed) and the best of
--repeats calls.
FP32 and mixed go through `me2(momenta, precision="f" | "m")`; "n/a" while `me2` does not
take that keyword.

The machine may be shared: the table gives each side's CPU share (CPU time / wall time while
timed); below ~0.95 another process took turns on the core and that rate is low by about that
factor. Ratios are what we report.

Check (FP64, --no-check skips it): the first 32 points of their test's reference dump
(`<proc>.sa/test/ref/dump_CPUTest.*.txt`: momenta and |M|^2 to 16 digits, G fixed at
αs = 0.118) are evaluated by ours at αs = 0.118 with `t_channel_width=True` (their code was
generated with `set zerowidth_tchannel F`; with our default, zero width in t-channel
propagators, the two differ by up to ~5e-5). Expect ~1e-12. Their RAMBO makes every
final-state momentum massless, so the top quarks are off their mass shell at these points.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

SQRT_S = 1500.0  # check_sa.cc: "const fptype energy = 1500"
ALPHA_S_CHECK = 0.118  # check_sa.cc hardcodes G for aS = 0.118
PROCESSES = [  # (ours, their standalone folder, their subprocess folder)
    ("g g > t t~ g g", "gg_ttgg.sa", "P1_Sigma_sm_gg_ttxgg"),
    ("g g > t t~ g g g", "gg_ttggg.sa", "P1_Sigma_sm_gg_ttxggg"),
]
THREADS_PER_BLOCK = 64  # in C++ only blocks * threads (events per iteration) counts
RESULT_MARK = "ME_THROUGHPUT_RESULT "


# -- theirs -------------------------------------------------------------------------------


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def default_backends(flags: set[str]) -> list[str]:
    """cudacpp's C++ SIMD backends worth timing on this CPU, best first."""
    if "avx512f" in flags and "avx512vl" in flags:
        return ["cpp512y", "cpp512z"]
    if "avx2" in flags:
        return ["cppavx2"]
    if "sse4_2" in flags:
        return ["cppsse4"]
    return ["cppnone"]


def build_theirs(subproc_dir: Path, backend: str, fptype: str, jobs: int) -> tuple[Path | None, float]:
    """Builds check_cpp.exe (incremental: seconds only when sources changed); returns (exe or None, seconds)."""
    tag = f"{backend.removeprefix('cpp')}_{fptype}_inl0_hrd0"
    target = f"build.{tag}/check_cpp.exe"
    cmd = ["make", f"-j{jobs}", "-f", "cudacpp.mk", "USEBUILDDIR=1", "USEGTEST=0", f"BACKEND={backend}",
           f"FPTYPE={fptype}", "HELINL=0", "HRDCOD=0", target]
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=False, cwd=subproc_dir, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    (subproc_dir / f"build.{tag}.log").write_text(proc.stdout + proc.stderr)
    exe = subproc_dir / target
    if proc.returncode != 0 or not exe.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        print(f"  build failed: {' '.join(cmd)} (in {subproc_dir})\n{tail}", file=sys.stderr)
        return None, seconds
    return exe, seconds


def _their_env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def run_theirs(exe: Path, n_events: int, iterations: int, core: int) -> dict[str, float | str]:
    """Events per second of their |M|^2 alone (best iteration, mean) and the CPU share it got."""
    blocks = max(1, n_events // THREADS_PER_BLOCK)
    cmd = ["taskset", "-c", str(core), str(exe), "-p", str(blocks), str(THREADS_PER_BLOCK), str(iterations)]
    start = time.perf_counter()
    with subprocess.Popen(cmd, cwd=exe.parent.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=_their_env()) as proc:
        stdout = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)  # taskset execs the program: same pid
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{stdout[-2000:]}")
    out = stdout
    fastest = re.search(r"\[Min,Max\]TimeInMECalcOnly\s*=\s*\[\s*(\S+)\s*,", out)
    mean = re.search(r"EvtsPerSec\[MECalcOnly\] \(3a\)\s*=\s*\(\s*(\S+)", out)
    hel = re.search(r"HelicityComb Good/Tot\s*=\s*(\S+)", out)
    if fastest is None or mean is None:
        raise RuntimeError(f"no MECalcOnly timing in the output of {' '.join(cmd)}:\n{out[-2000:]}")
    return {
        "best": blocks * THREADS_PER_BLOCK / float(fastest.group(1)),
        "mean": float(mean.group(1)),
        "helicities": hel.group(1) if hel else "?",
        "cpu_share": (usage.ru_utime + usage.ru_stime) / wall,
    }


def their_reference_points(sa_dir: Path, n_events: int = 32) -> tuple[list[list[list[float]]], list[float]] | None:
    """Momenta [n][legs][E, px, py, pz] and FP64 |M|^2 of their test's reference dump, or None."""
    dumps = sorted((sa_dir / "test" / "ref").glob("dump_CPUTest.*.txt"))
    if not dumps:
        return None
    momenta: list[list[list[float]]] = []
    values: list[float] = []
    for line in dumps[0].read_text().splitlines():
        fields = line.split()
        if line.startswith("Event"):
            if len(values) == n_events:
                break
            momenta.append([])
        elif len(fields) == 2 and fields[0] == "ME":
            values.append(float(fields[1]))
        elif momenta and len(fields) == 5 and fields[0].isdigit():
            momenta[-1].append([float(x) for x in fields[1:]])
    if not values or len(momenta) != len(values):
        return None
    return momenta, values


# -- ours (in a pinned subprocess) --------------------------------------------------------


def worker(spec: dict) -> dict:
    """Times our me2 for one process; runs in its own process (it pins itself to one core)."""
    import torch

    from madnis_plugin import models
    from madnis_plugin.core import _core
    from madnis_plugin.matrix_element import MatrixElement, reference_points

    torch.set_num_threads(1)
    set_core_threads = getattr(_core, "set_num_threads", None)
    if set_core_threads is not None:
        set_core_threads(1)
    result: dict = {"rates": {}, "cpu_share": {}, "notes": {}}
    t0 = time.perf_counter()
    me = MatrixElement.from_process(models.load("sm"), spec["process"])
    me.library("cpu")
    result["compile_s"] = time.perf_counter() - t0
    result["helicities"] = f"{len(me.good_helicities())}/{len(me.program.helicities)}"
    momenta = reference_points(me, SQRT_S, spec["points"])

    def call(precision: str):
        if precision == "d":
            return me.me2(momenta)
        return me.me2(momenta, precision=precision)

    os.sched_setaffinity(0, {spec["core"]})  # a compile still to come is one g++ process anyway
    for precision in spec["precisions"]:
        try:
            call(precision)  # warm-up: compiles what this precision needs, warms the caches
        except (TypeError, ValueError, NotImplementedError) as err:
            if isinstance(err, TypeError) and "precision" not in str(err):
                raise
            result["notes"][precision] = f"{type(err).__name__}: {err}"
            continue
        best = float("inf")
        wall = cpu = 0.0
        for _ in range(spec["repeats"]):
            cpu_start, start = time.process_time(), time.perf_counter()
            call(precision)
            elapsed = time.perf_counter() - start
            best = min(best, elapsed)
            wall += elapsed
            cpu += time.process_time() - cpu_start
        result["rates"][precision] = spec["points"] / best
        result["cpu_share"][precision] = cpu / wall

    if spec.get("check"):
        # their code was generated with `set zerowidth_tchannel F`: top width in t-channel propagators too
        checked = MatrixElement.from_process(models.load("sm"), spec["process"], t_channel_width=True)
        p = torch.tensor(spec["check"]["momenta"], dtype=torch.float64)
        ours = checked.me2(p, alpha_s=ALPHA_S_CHECK)
        theirs = torch.tensor(spec["check"]["me2"], dtype=torch.float64)
        rel = (ours - theirs).abs() / theirs.abs()
        result["check_rel"] = [float(rel.median()), float(rel.max())]
        result["check_n"] = len(theirs)
    return result


def run_ours(spec: dict) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line.removeprefix(RESULT_MARK))
    raise RuntimeError(f"our worker for {spec['process']!r} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}")


# -- main ---------------------------------------------------------------------------------


def fmt_rate(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.3e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mg4gpu", type=Path,
                        default=Path(os.environ.get("MADNIS_MG4GPU", "/work/mg4gpu/epochX/cudacpp")),
                        help="madgraph4gpu's epochX/cudacpp folder (with gg_ttgg.sa, gg_ttggg.sa)")
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--points", type=int, nargs=2, default=[8192, 2048], metavar=("TTGG", "TTGGG"))
    parser.add_argument("--repeats", type=int, default=3, help="timed calls (ours) / iterations (theirs)")
    parser.add_argument("--backends", nargs="+", default=None, help="cudacpp backends (default: by CPU flags)")
    parser.add_argument("--precisions", nargs="+", default=["d", "f", "m"], choices=["d", "f", "m"])
    parser.add_argument("--processes", type=int, nargs="+", default=[0, 1], help="indices: 0 ttgg, 1 ttggg")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="make -j for their build")
    parser.add_argument("--no-check", action="store_true", help="skip the FP64 agreement check")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(RESULT_MARK + json.dumps(worker(json.loads(args.worker))), flush=True)
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=190)
    started = time.perf_counter()
    backends = args.backends or default_backends(cpu_flags())
    have_theirs = args.mg4gpu.is_dir()
    if not have_theirs:
        console.print(f"[yellow]{args.mg4gpu} is absent: timing ours only (extract madgraph4gpu's "
                      "epochX/cudacpp/gg_ttgg.sa and gg_ttggg.sa there, or pass --mg4gpu)[/yellow]")
    console.print(f"core {args.core}, √s = {SQRT_S:g} GeV, backends {' '.join(backends)}, "
                  f"load average before {os.getloadavg()[0]:.2f}")

    table = Table(title="|M|^2 events per second on one core (best of repeats; theirs' mean in brackets)")
    for col in ("process", "prec", "points", "good hel. ours, theirs", "CPU share ours, theirs", "ours ev/s"):
        table.add_column(col, justify="right")
    for b in backends:
        table.add_column(f"theirs {b.removeprefix('cpp')} ev/s", justify="right")
    for b in backends:
        table.add_column(f"ours/{b.removeprefix('cpp')}", justify="right")
    builds = Table(title="their builds")
    for col in ("process", "backend", "prec", "seconds", "ok"):
        builds.add_column(col, justify="right")
    notes: list[str] = []

    for index in args.processes:
        proc, sa, sub = PROCESSES[index]
        n_points = args.points[index]
        subproc_dir = args.mg4gpu / sa / "SubProcesses" / sub
        exes: dict[tuple[str, str], Path | None] = {}
        if have_theirs and subproc_dir.is_dir():
            for b in backends:
                for fp in args.precisions:
                    exe, seconds = build_theirs(subproc_dir, b, fp, args.jobs)
                    exes[(b, fp)] = exe
                    builds.add_row(proc, b, fp, f"{seconds:.1f}", "yes" if exe else "FAILED")
        elif have_theirs:
            notes.append(f"{subproc_dir} is absent: no theirs for {proc}")

        check = None
        if have_theirs and not args.no_check:
            ref = their_reference_points(args.mg4gpu / sa)
            if ref is not None:
                check = {"momenta": ref[0], "me2": ref[1]}
        console.print(f"{proc}: ours ({n_points} points; compiles on first use) ...")
        ours = run_ours({"process": proc, "points": n_points, "precisions": args.precisions,
                         "core": args.core, "repeats": args.repeats, "check": check})
        for fp, why in ours["notes"].items():
            notes.append(f"ours {proc} precision {fp}: n/a ({why})")
        if "check_rel" in ours:
            median, largest = ours["check_rel"]
            notes.append(f"{proc}: ours vs their reference dump (FP64, {ours['check_n']} points, αs = 0.118, "
                         f"t-channel widths, massless tops): |rel. diff| median {median:.1e}, max {largest:.1e}")
        notes.append(f"{proc}: our build + helicity search {ours['compile_s']:.1f} s (not timed)")

        for fp in args.precisions:
            ours_rate = ours["rates"].get(fp)
            theirs_cells, ratio_cells = [], []
            their_hel = "?"
            their_share: list[float] = []
            for b in backends:
                exe = exes.get((b, fp))
                if exe is None:
                    theirs_cells.append("-")
                    ratio_cells.append("-")
                    continue
                r = run_theirs(exe, n_points, args.repeats, args.core)
                their_hel = str(r["helicities"])
                their_share.append(float(r["cpu_share"]))
                theirs_cells.append(f"{r['best']:.3e} ({r['mean']:.2e})")
                ratio_cells.append("n/a" if ours_rate is None else f"{ours_rate / r['best']:.2f}")
            our_share = ours["cpu_share"].get(fp)
            share = (f"{'-' if our_share is None else f'{our_share:.2f}'}, "
                     f"{'-' if not their_share else f'{min(their_share):.2f}'}")
            table.add_row(proc, fp, str(n_points), f"{ours['helicities']}, {their_hel}", share, fmt_rate(ours_rate),
                          *theirs_cells, *ratio_cells)

    if builds.row_count:
        console.print(builds)
    console.print(table)
    for note in notes:
        console.print(note)
    console.print("CPU share: CPU time / wall time while timed (theirs: the whole run, lowest over backends); "
                  "below ~0.95 other processes shared the core and the rates are low by that factor")
    console.print(f"load average after {os.getloadavg()[0]:.2f}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
