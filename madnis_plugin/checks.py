"""Checks of a run that end it early with one clear error instead of a traceback.

- :func:`start_run`, at the start of :meth:`madnis_plugin.integrate.IntegrationRun.run` and
  before any run folder is created: check the output folder, clean up after killed runs,
  record the seed (a run that cannot write its record fails in a second, not after the
  integration);
- :func:`check_cross_section`, after the refine and before unweighting: a σ > 0 but so small that no collider could see an event (below :data:`MIN_CROSS_SECTION_PB`,
  1e-9 fb: under one event in 10⁹ fb⁻¹), is an error naming the likely cause (the cuts)
  rather than events drawn where the PDF grids are at their edge (x → 1, where they go
  negative and the flavour choice fails).

This module decides nothing about the physics beyond these limits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from madnis_plugin.events.leftovers import clean_leftovers
from madnis_plugin.events.run_dir import check_output_dir
from madnis_plugin.seeds import Seed, record_seed

__all__ = ["MIN_CROSS_SECTION_PB", "CrossSectionTooSmall", "check_cross_section", "check_output_dir", "start_run"]

MIN_CROSS_SECTION_PB = 1e-12


class CrossSectionTooSmall(RuntimeError):
    """σ is zero or below MIN_CROSS_SECTION_PB: no events can be drawn meaningfully."""


def check_cross_section(value_pb: float, error_pb: float) -> None:
    """CrossSectionTooSmall if 0 < σ < MIN_CROSS_SECTION_PB (σ <= 0 or NaN: the caller's
    ZeroCrossSection)."""
    if 0 < value_pb < MIN_CROSS_SECTION_PB:
        raise CrossSectionTooSmall(
            f"the cross section is {value_pb:.3g} ± {error_pb:.2g} pb, below {MIN_CROSS_SECTION_PB:g} pb (no event "
            "in 10⁹ fb⁻¹): too small to unweight; the cuts leave (almost) no phase space: loosen them (run_card "
            "pt, eta and mass cuts) or raise the beam energies")


def start_run(process_dir: str | Path, seed: Seed, console=None) -> list[str]:
    """Check `process_dir`, clean its Events/ of killed runs' leftovers (said on stderr),
    record `seed` in Events/used_seeds.txt; returns the notes about leftovers."""
    events = check_output_dir(process_dir)
    notes = clean_leftovers(process_dir)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    record_seed(events, seed)
    return notes
