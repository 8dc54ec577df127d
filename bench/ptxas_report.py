"""ptxas's resource report for generated matrix elements: registers, spills, stack, compile time.

    python bench/ptxas_report.py                          # g g > t t~ g g and g g > t t~ g g g, sm_90
    python bench/ptxas_report.py "g g > t t~ g" --arch 80 --precision f --keep /tmp/ptxas

Generates each process's CUDA source (MatrixElement.from_process(...).source), compiles it with the
flags of the run-time build (codegen/build.py: NVCC_FLAGS, the precision's macros) plus
``-Xptxas -v --resource-usage --time``, and prints per function (the kernel, and the helicity
routines when they are compiled out of line): registers, stack frame, spill stores and loads, and
per process the time of code generation, of nvcc's front end (cicc) and ptxas, and the total. It
needs nvcc, not a GPU. Spills and a large stack frame mean local memory traffic: the numbers to
compare before and after a change of the template.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from madnis_plugin import models
from madnis_plugin.codegen.build import NVCC_FLAGS, PRECISIONS, find_nvcc, include_dir
from madnis_plugin.matrix_element import MatrixElement

DEFAULT_PROCESSES = ["g g > t t~ g g", "g g > t t~ g g g"]


@dataclass
class Function:
    name: str
    entry: bool = False
    registers: int | None = None
    stack: int | None = None
    spill_stores: int | None = None
    spill_loads: int | None = None


@dataclass
class Report:
    process: str
    functions: list[Function] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    ok: bool = True
    message: str = ""


_ENTRY = re.compile(r"Compiling entry function '([^']+)'")
_PROPS = re.compile(r"Function properties for (\S+)")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers")


def parse_ptxas(output: str) -> list[Function]:
    """Functions in `-Xptxas -v` output, in order (a name's last report wins)."""
    found: dict[str, Function] = {}
    current: Function | None = None
    for line in output.splitlines():
        if m := _ENTRY.search(line):
            current = found.setdefault(m.group(1), Function(m.group(1)))
            current.entry = True
        elif m := _PROPS.search(line):
            current = found.setdefault(m.group(1), Function(m.group(1)))
        elif current is not None and (m := _FRAME.search(line)):
            current.stack, current.spill_stores, current.spill_loads = map(int, m.groups())
        elif current is not None and (m := _USED.search(line)):
            current.registers = int(m.group(1))
    return list(found.values())


def demangle(names: list[str]) -> dict[str, str]:
    """Readable names (cu++filt or c++filt where installed), shortened to the function's own name."""
    tool = shutil.which("cu++filt") or shutil.which("c++filt")
    if not tool or not names:
        return {n: n for n in names}
    out = subprocess.run([tool], input="\n".join(names), capture_output=True, text=True, check=False).stdout
    readable = out.splitlines() if len(out.splitlines()) == len(names) else names
    drop = r"\(anonymous namespace\)::|_INTERNAL_\w+::|_GLOBAL__N_\w+::|\(.*\)$"  # file-local scopes, arguments
    return {n: re.sub(drop, "", r) or n for n, r in zip(names, readable, strict=True)}


def phase_times(csv_path: Path) -> dict[str, float]:
    """Seconds per nvcc phase (cicc: front end and optimiser, ptxas: register allocation …)."""
    times: dict[str, float] = {}
    if not csv_path.is_file():
        return times
    with csv_path.open() as f:
        for row in csv.reader(f):
            if len(row) < 8 or row[7].strip() != "ms":
                continue
            phase = row[1].strip()
            key = "host compiler" if phase.startswith("gcc") else phase
            times[key] = times.get(key, 0.0) + float(row[6]) / 1e3
    return times


def report(process: str, arch: str, precision: str, folder: Path, timeout: float) -> Report:
    rep = Report(process)
    t0 = time.perf_counter()
    source = MatrixElement.from_process(models.load("sm"), process).source
    rep.seconds["codegen"] = time.perf_counter() - t0
    slug = re.sub(r"[^A-Za-z0-9]+", "_", process.replace("~", "x")).strip("_")
    src = folder / f"{slug}.cu"
    src.write_text(source)
    nvcc = find_nvcc()
    if nvcc is None:
        return Report(process, ok=False, message="nvcc not found (set MADNIS_NVCC or put it on PATH)")
    cmd = [nvcc, *NVCC_FLAGS, f"-gencode=arch=compute_{arch},code=sm_{arch}", *PRECISIONS[precision],
           "-Xptxas", "-v", "--resource-usage", "--time", str(folder / f"{slug}.time.csv"),
           f"-I{include_dir()}", "-o", str(folder / f"{slug}.so"), str(src)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        rep.ok, rep.message = False, f"nvcc ran past {timeout:.0f} s"
        rep.seconds["nvcc total"] = time.perf_counter() - t0
        return rep
    rep.seconds["nvcc total"] = time.perf_counter() - t0
    output = proc.stdout + proc.stderr
    (folder / f"{slug}.log").write_text(" ".join(cmd) + "\n\n" + output)
    if proc.returncode != 0:
        rep.ok, rep.message = False, f"nvcc failed (exit {proc.returncode}), see {folder / f'{slug}.log'}"
    rep.functions = parse_ptxas(output)
    rep.seconds.update({k: v for k, v in phase_times(folder / f"{slug}.time.csv").items()
                        if k in ("cicc", "ptxas", "host compiler")})
    return rep


def print_report(reports: list[Report], arch: str, precision: str) -> None:
    print(f"\nptxas on sm_{arch}, precision {precision} (bytes; registers per thread)")
    names = demangle([f.name for r in reports for f in r.functions])
    header = f"{'process':22s} {'function':34s} {'regs':>5s} {'stack':>7s} {'spill st':>9s} {'spill ld':>9s}"
    print(header)
    print("-" * len(header))
    for r in reports:
        rows = sorted(r.functions, key=lambda f: (not f.entry, -(f.stack or 0)))
        shown = rows[:12]
        for f in shown:
            regs = "" if f.registers is None else str(f.registers)
            print(f"{r.process:22s} {names[f.name][:34]:34s} {regs:>5s} {f.stack or 0:7d} {f.spill_stores or 0:9d}"
                  f" {f.spill_loads or 0:9d}")
        if len(rows) > len(shown):
            rest = rows[len(shown):]
            print(f"{r.process:22s} {f'... {len(rest)} more device functions':34s} {'':>5s}"
                  f" {max(f.stack or 0 for f in rest):7d} {sum(f.spill_stores or 0 for f in rest):9d}"
                  f" {sum(f.spill_loads or 0 for f in rest):9d}")
        if not r.ok:
            print(f"{r.process:22s} FAILED: {r.message}")
    print("\ncompile time [s]")
    phases = ["codegen", "cicc", "ptxas", "host compiler", "nvcc total"]
    print(f"{'process':22s} " + " ".join(f"{p:>13s}" for p in phases))
    for r in reports:
        print(f"{r.process:22s} " + " ".join(f"{r.seconds[p]:13.1f}" if p in r.seconds else f"{'-':>13s}"
                                             for p in phases))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("processes", nargs="*", default=DEFAULT_PROCESSES)
    parser.add_argument("--arch", default="90", help="compute capability, e.g. 90 (H100/H200) or 80")
    parser.add_argument("--precision", default="d", choices=sorted(PRECISIONS))
    parser.add_argument("--keep", type=Path, help="folder for the sources, logs and libraries (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds nvcc may take per process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ptxas_report_") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reports = []
        for process in args.processes:
            print(f"compiling {process} for sm_{args.arch} ...", flush=True)
            reports.append(report(process, args.arch, args.precision, folder, args.timeout))
        print_report(reports, args.arch, args.precision)
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
