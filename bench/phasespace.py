"""Phase-space points per second: our core's channels vs the PyPI package ``madspace``.

Three topologies at √s = 13 TeV (hadronic, x1 x2 sampled): u u~ > Z > e+ e- (Breit–Wigner),
u u~ > g* > t t~ (massive, power-law ŝ) and a 2 → 4 chain of three massless t-channel
propagators. Each runs the forward map (r → momenta, x1, x2, weight) on batches of
10^4 … 10^6 points on the CPU with 1 and 2 threads and on the GPU when there is one; madspace
(``pip install madspace==0.2.1``, not a dependency of this package) runs the same topology
through its compiled function runtime. Both compute the same measure (dx1 dx2 dΦ_n with its
2π factors); the "⟨w⟩ ratio" column compares the mean weights of the 10^6 batch as a sanity
check (the 2 → 4 chain differs there: ours has √ŝ > 100 GeV, madspace no lower limit).

Run: .venv/bin/python bench/phasespace.py [--batches 10000 100000 1000000] [--repeats 5]
Prints a table; "ratio" is our points/s over madspace's on the same backend.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import torch
from rich.console import Console
from rich.table import Table

from madnis_plugin.core import _core, cuda_available
from madnis_plugin.phasespace import Channel, Decay, Propagator, Topology

SQRT_S = 13000.0
MZ, WZ, MT = 91.1876, 2.4952, 173.0
TOPOLOGIES = {
    "u u~ > Z > e+ e-": {"masses": [0.0, 0.0], "kind": "s", "prop": (MZ, WZ), "min": 50.0},
    "u u~ > g* > t t~": {"masses": [MT, MT], "kind": "s", "prop": (0.0, 0.0), "min": 0.0},
    "2 > 4 t-channel chain": {"masses": [0.0] * 4, "kind": "t", "prop": (0.0, 0.0), "min": 100.0},
}


def ours(spec: dict) -> Channel:
    masses = spec["masses"]
    if spec["kind"] == "s":
        topo = Topology(tuple(masses), s_channel=Decay(Propagator(*spec["prop"]), (0, 1)))
        return Channel(topo, SQRT_S, sqrt_s_hat_min=spec["min"])
    props = [Propagator(*spec["prop"])] * (len(masses) - 1)
    return Channel.t_channel_chain(props, masses, SQRT_S, sqrt_s_hat_min=spec["min"])


def madspace_mapping(ms, spec: dict):
    lr = ms.LineRef
    masses = spec["masses"]
    if spec["kind"] == "s":
        props = [ms.Propagator(*spec["prop"])]
        vertices = [[lr("i0"), lr("i1"), lr("p0")], [lr("p0"), lr("o0"), lr("o1")]]
    else:
        n = len(masses)
        props = [ms.Propagator(*spec["prop"]) for _ in range(n - 1)]
        vertices = [[lr("i0"), lr("o0"), lr("p0")]]
        vertices += [[lr(f"p{k - 1}"), lr(f"o{k}"), lr(f"p{k}")] for k in range(1, n - 1)]
        vertices += [[lr(f"p{n - 2}"), lr(f"o{n - 1}"), lr("i1")]]
    diagram = ms.Diagram([0.0, 0.0], masses, props, vertices)
    return ms.PhaseSpaceMapping(ms.Topology(diagram), SQRT_S, leptonic=False, invariant_power=0.8)


def best_rate(run: Callable[[], object], n: int, repeats: int, sync: bool) -> float:
    run()
    best = math.inf
    for _ in range(repeats):
        if sync:
            torch.cuda.synchronize()
        start = time.perf_counter()
        run()
        if sync:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import madspace as ms
    except ImportError as err:
        ms = None
        print(f"madspace is not installed ({err}); only our numbers are shown. "
              "Install it with: pip install madspace==0.2.1")
    backends: list[tuple[str, torch.device, int]] = [("CPU 1 thread", torch.device("cpu"), 1),
                                                     ("CPU 2 threads", torch.device("cpu"), 2)]
    if cuda_available():
        backends.append((torch.cuda.get_device_name(), torch.device("cuda"), 0))
    table = Table(title=f"Phase-space points/s, forward map, √s = {SQRT_S / 1000:g} TeV")
    for col in ("topology", "backend", "batch", "ours", "madspace", "ratio ours/madspace", "⟨w⟩ ratio"):
        table.add_column(col, justify="right")
    gen = torch.Generator().manual_seed(7)
    for name, spec in TOPOLOGIES.items():
        ch = ours(spec)
        mapping = madspace_mapping(ms, spec) if ms is not None else None
        if mapping is not None and mapping.random_dim() != ch.dim:
            print(f"{name}: madspace uses {mapping.random_dim()} random numbers, we use {ch.dim}")
        for label, device, threads in backends:
            rt = None
            if mapping is not None:
                try:
                    ctx = (ms.Context(ms.cuda_device()) if device.type == "cuda" else ms.Context(threads))
                    rt = ms.FunctionRuntime(mapping.forward_function(), ctx)
                except Exception as err:  # noqa: BLE001 - report any madspace failure and go on
                    print(f"madspace on {label} failed: {err}")
            if device.type == "cpu":
                _core.set_num_threads(threads)
            for batch in args.batches:
                r = torch.rand(batch, ch.dim, dtype=torch.float64, generator=gen).to(device)
                ours_rate = best_rate(lambda r=r, ch=ch: ch.map(r), batch, args.repeats, device.type == "cuda")
                ms_rate, wratio = math.nan, ""
                if rt is not None:
                    rm = r if r.shape[1] == mapping.random_dim() else torch.rand(
                        batch, mapping.random_dim(), dtype=torch.float64, generator=gen).to(device)
                    ms_rate = best_rate(lambda rm=rm, rt=rt: rt.call([rm]), batch, args.repeats, device.type == "cuda")
                    if batch == max(args.batches):
                        w_ms = torch.from_dlpack(rt.call([rm])[-1])
                        w_ours = ch.map(r)[3]
                        wratio = f"{float(w_ours.mean() / w_ms.mean()):.4f}"
                table.add_row(name, label, f"{batch:,}", f"{ours_rate:.3e}",
                              "n/a" if math.isnan(ms_rate) else f"{ms_rate:.3e}",
                              "n/a" if math.isnan(ms_rate) else f"{ours_rate / ms_rate:.2f}", wratio)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
