"""Event-shape histograms of LHE files, for comparing our events with MG5 3.5.7's.

`histograms(events_file, kind, first=None)` turns a file's first `first` events (all
when None) into counts in fixed bins: the initial-state flavour mix and pT, rapidity and
invariant-mass distributions, per reference process (`KINDS`). The same function made
tests/data/mg5/shapes.json from MG5's files in ../shared/reference/mg5/ (run this module
as a script to remake it), so ours and MG5's are binned identically.

Observables are defined on final-state (status 1) particles of the record, so MG5's
status-2 resonances do not matter.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pylhe

SHAPES = Path(__file__).parent / "data" / "mg5" / "shapes.json"
FIRST = 2000  # the prefix compared as well as the whole file

# per kind: the pair of final-state PDG ids whose system is "m" and "y", and the particle whose pT is "pt"
KINDS = {
    "tt": {"pair": (6, -6), "pt_of": 6, "m": np.linspace(340, 1400, 21), "pt": np.linspace(0, 500, 21),
           "y": np.linspace(-2.5, 2.5, 21)},
    "eej": {"pair": (11, -11), "pt_of": "jet", "m": np.linspace(40, 200, 21), "pt": np.linspace(20, 220, 21),
            "y": np.linspace(-4.5, 4.5, 19)},
    "ee": {"pair": (11, -11), "pt_of": 11, "m": np.linspace(40, 200, 21), "pt": np.linspace(10, 90, 21),
           "y": np.linspace(-4.5, 4.5, 19)},
}
FILES = {"tt": "tt_B_events.lhe.gz", "eej": "eej_B_events.lhe.gz", "ee": "ee_default_events.lhe.gz"}


def _flavour(pid: int) -> str:
    if pid == 21:
        return "g"
    return "q" if pid > 0 else "qbar"


def _initial_label(ids: list[int]) -> str:
    """Initial-state class: gg, qg, qq̄, qq … with the quark flavour (|id|) of quark lines."""
    parts = sorted(f"{_flavour(i)}{abs(i) if i != 21 else ''}" for i in ids)
    return " ".join(parts)


def observables(events_file: str | Path, kind: str, first: int | None = None) -> dict[str, list]:
    spec = KINDS[kind]
    out = {"initial": [], "m": [], "y": [], "pt": []}
    for k, ev in enumerate(pylhe.LHEFile.fromfile(str(events_file)).events):
        if first is not None and k >= first:
            break
        parts = ev.particles
        out["initial"].append(_initial_label([int(p.id) for p in parts if p.status == -1]))
        final = [p for p in parts if p.status == 1]
        a = next(p for p in final if int(p.id) == spec["pair"][0])
        b = next(p for p in final if int(p.id) == spec["pair"][1])
        e, px, py, pz = a.e + b.e, a.px + b.px, a.py + b.py, a.pz + b.pz
        out["m"].append(math.sqrt(max(e * e - px * px - py * py - pz * pz, 0.0)))
        out["y"].append(0.5 * math.log((e + pz) / (e - pz)))
        if spec["pt_of"] == "jet":
            c = next(p for p in final if abs(int(p.id)) <= 5 or int(p.id) == 21)
        else:
            c = next(p for p in final if int(p.id) == spec["pt_of"])
        out["pt"].append(math.hypot(c.px, c.py))
    return out


def histograms(events_file: str | Path, kind: str, first: int | None = None) -> dict[str, dict]:
    obs = observables(events_file, kind, first)
    spec = KINDS[kind]
    out = {"n": len(obs["m"])}
    labels, counts = np.unique(obs["initial"], return_counts=True)
    out["initial"] = {str(a): int(b) for a, b in zip(labels, counts)}
    for name in ("m", "y", "pt"):
        edges = spec[name]
        # under- and overflow bins at both ends
        idx = np.searchsorted(edges, np.asarray(obs[name]), side="right")
        out[name] = np.bincount(idx, minlength=len(edges) + 1).tolist()
    return out


def main(reference: Path) -> None:
    data = {"source": "MG5 3.5.7 event files in shared/reference/mg5/ (see its README), binned by "
                      "tests/mg5_shapes.py", "first": FIRST}
    for kind, name in FILES.items():
        data[kind] = {"all": histograms(reference / name, kind), "first": histograms(reference / name, kind, FIRST)}
    SHAPES.parent.mkdir(parents=True, exist_ok=True)
    SHAPES.write_text(json.dumps(data) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "reference" / "mg5")
