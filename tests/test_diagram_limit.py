"""A limit on the number of diagrams, and progress while a large process is generated."""

from __future__ import annotations

import pytest

from madnis_plugin.process import limits
from madnis_plugin.process.limits import TooManyDiagrams, diagram_limit
from madnis_plugin.process.process import Process
from madnis_plugin.process.subprocesses import expand_subprocesses


def generated(process: str) -> int:
    """Diagrams of every flavour assignment (what generation builds before identical
    subprocesses are combined, and what the limit counts)."""
    proc = Process.from_string(process)
    legs = [[proc.model.particle(n).pdg for n in proc.card.expand(label)]
            for d in proc.card.processes for label in d.initial + d.final]
    return sum(len(s.diagrams) for s in expand_subprocesses(proc.model, legs, combine=False))


def test_process_with_more_diagrams_than_the_limit_stops_with_a_clear_error():
    n = generated("p p > t t~ z z z")  # 906: 5 flavour assignments, combined to 3 subprocesses of 582
    with pytest.raises(TooManyDiagrams, match=r"p p > t t~ z z z: .*: more than 100 diagrams .*max_diagrams"):
        Process.from_string("p p > t t~ z z z", max_diagrams=100)
    with pytest.raises(TooManyDiagrams, match=rf"more than {n - 1} diagrams"):
        Process.from_string("p p > t t~ z z z", max_diagrams=n - 1)
    proc = Process.from_string("p p > t t~ z z z", max_diagrams=n)  # exactly at the limit is fine
    assert sum(len(s.diagrams) for s in proc.subprocesses) == 582


def test_the_limit_counts_all_subprocesses_together():
    biggest = max(len(s.diagrams) for s in Process.from_string("p p > t t~ z z").subprocesses)
    with pytest.raises(TooManyDiagrams):
        Process.from_string("p p > t t~ z z", max_diagrams=biggest)
    with pytest.raises(ValueError, match="positive"):
        Process.from_string("p p > t t~ z z", max_diagrams=0)


def test_long_generation_reports_progress(monkeypatch):
    monkeypatch.setattr(limits, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(limits, "PROGRESS_EVERY_S", 0.0)
    lines: list[str] = []
    with diagram_limit(None, progress=lines.append) as budget:
        Process.from_string("p p > t t~ z z z")
    n = generated("p p > t t~ z z z")
    assert budget.count == n
    assert len(lines) == n // 64  # a line every 64 diagrams once the intervals have passed
    assert lines[-1].startswith(f"generating diagrams: {64 * (n // 64)} so far after")
    assert lines[-1].endswith(" > t t~ z z z")


def test_an_outer_limit_holds_inside_process_generation():
    with pytest.raises(TooManyDiagrams, match="more than 50 diagrams"), diagram_limit(50, progress=None):
        Process.from_string("p p > t t~ z z z")
