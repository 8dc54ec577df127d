"""Where two event samples of the same cards differ: σ in regions of the two-jet phase space.

    .venv/bin/python bench/lhe_regions.py --ours A.lhe.gz [B.lhe.gz …] --mg5 C.lhe.gz [D.lhe.gz …]

Each side may be several files of one setting (different seeds); their events are pooled.
Event weights follow LHEF's average normalisation (MG5's and ours: a file's weights average
to its σ), so an event of a pooled sample counts w / (events of the whole sample), and a
region's σ is the sum of that over its events. Its error is the root of the summed squared
weights: the unweighted sample's Poisson error, kept honest for overweight events.

The regions cut on the two leading final-state partons (jets: |id| ≤ 5 or 21): ΔR_jj in
(η, φ), the largest |η_j| and m_jj. A σ that two programs share outside a region and
not inside it says which part of phase space to look at.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pylhe

REGIONS = {
    "all": lambda o: np.ones_like(o["drjj"], dtype=bool),
    "ΔR_jj < 2": lambda o: o["drjj"] < 2,
    "2 ≤ ΔR_jj < 4": lambda o: (o["drjj"] >= 2) & (o["drjj"] < 4),
    "ΔR_jj ≥ 4": lambda o: o["drjj"] >= 4,
    "ΔR_jj ≥ 5": lambda o: o["drjj"] >= 5,
    "max |η_j| ≥ 4": lambda o: o["etaj"] >= 4,
    "m_jj ≥ 400 GeV": lambda o: o["mjj"] >= 400,
    "ΔR_jj < 4, max |η_j| < 4": lambda o: (o["drjj"] < 4) & (o["etaj"] < 4),
}


def _jet_observables(files: list[str]) -> dict[str, np.ndarray]:
    weights, drjj, etaj, mjj = [], [], [], []
    for name in files:
        for ev in pylhe.LHEFile.fromfile(name).events:
            jets = [p for p in ev.particles if p.status == 1 and (abs(int(p.id)) <= 5 or int(p.id) == 21)]
            jets = sorted(jets, key=lambda p: -math.hypot(p.px, p.py))[:2]
            pt = [math.hypot(p.px, p.py) for p in jets]
            eta = [math.asinh(p.pz / t) for p, t in zip(jets, pt)]
            phi = [math.atan2(p.py, p.px) for p in jets]
            dphi = abs(phi[0] - phi[1])
            dphi = min(dphi, 2 * math.pi - dphi)
            e, px, py, pz = (sum(getattr(p, c) for p in jets) for c in ("e", "px", "py", "pz"))
            weights.append(ev.eventinfo.weight)
            drjj.append(math.hypot(eta[0] - eta[1], dphi))
            etaj.append(max(abs(x) for x in eta))
            mjj.append(math.sqrt(max(e * e - px * px - py * py - pz * pz, 0.0)))
    w = np.asarray(weights)
    return {"w": w / len(w), "drjj": np.asarray(drjj), "etaj": np.asarray(etaj), "mjj": np.asarray(mjj)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", nargs="+", required=True, help="our LHE files (pooled)")
    parser.add_argument("--mg5", nargs="+", required=True, help="MG5's LHE files of the same cards (pooled)")
    args = parser.parse_args()
    ours, mg5 = _jet_observables(args.ours), _jet_observables(args.mg5)
    print(f"events: ours {len(ours['w'])}, MG5 {len(mg5['w'])}")
    print(f"{'region':26s} {'ours [pb]':>18s} {'MG5 [pb]':>18s} {'ours/MG5 - 1':>13s} {'pull':>6s}")
    for name, select in REGIONS.items():
        a, b = ours["w"][select(ours)], mg5["w"][select(mg5)]
        ea, eb = math.sqrt((a * a).sum()), math.sqrt((b * b).sum())
        diff = a.sum() - b.sum()
        print(f"{name:26s} {a.sum():10.3f} ± {ea:5.3f} {b.sum():10.3f} ± {eb:5.3f} "
              f"{a.sum() / b.sum() - 1:+13.4f} {diff / math.hypot(ea, eb):+6.1f}")


if __name__ == "__main__":
    main()
