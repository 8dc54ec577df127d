"""Event output: unweighting, LHEF v3 writing and MG5-style run folders.

- :mod:`.unweight`: robust maximum weight, hit-or-miss unweighting (torch, any device).
- :mod:`.lhe`: streaming, atomic, gzipped LHEF v3 writer laid out as MG5 writes it.
- :mod:`.run_dir`: ``Events/run_NN`` folders and ``results.json``.
"""

from madnis_plugin.events.lhe import EventBatch, InitInfo, LHEWriter, ProcessInfo, Resonance, make_header
from madnis_plugin.events.unweight import MaxWeight, Unweighted, acceptance, efficiency, unweight

__all__ = [
    "EventBatch",
    "InitInfo",
    "LHEWriter",
    "MaxWeight",
    "ProcessInfo",
    "Resonance",
    "Unweighted",
    "acceptance",
    "efficiency",
    "make_header",
    "unweight",
]
