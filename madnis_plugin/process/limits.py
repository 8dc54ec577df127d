"""A limit on the number of diagrams a process may have, and progress while they are built.

Diagram generation grows factorially with the number of legs: ``p p > t t~ z z z z z z``
has hundreds of thousands of diagrams and takes minutes. Inside :func:`diagram_limit`
every diagram built (madnis_plugin.process.diagrams) is counted; past the limit
:class:`TooManyDiagrams` stops the generation, and after a few seconds a progress line
is given every few seconds (by default on stderr). Without a limit the count and the
progress lines are still there. This module only counts; it builds nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Callable, Iterator

__all__ = ["DiagramBudget", "TooManyDiagrams", "count_diagram", "diagram_limit"]

#: Progress lines start after this many seconds of generation and repeat at this interval.
PROGRESS_AFTER_S = 5.0
PROGRESS_EVERY_S = 10.0


class TooManyDiagrams(ValueError):
    """The process has more diagrams than the limit set (max_diagrams, --max-diagrams)."""


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class DiagramBudget:
    """Counts diagrams against a limit (None: none) and reports progress now and then."""

    def __init__(self, limit: int | None = None, progress: Callable[[str], None] | None = _stderr,
                 after_s: float | None = None, every_s: float | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"max_diagrams must be a positive number, not {limit}")
        self.limit = limit
        self.progress = progress
        self.count = 0
        self.start = time.monotonic()
        self.next_report = self.start + (PROGRESS_AFTER_S if after_s is None else after_s)
        self.every_s = PROGRESS_EVERY_S if every_s is None else every_s
        self.where = ""

    def add(self, where: str = "") -> None:
        self.count += 1
        if where:
            self.where = where
        if self.limit is not None and self.count > self.limit:
            raise TooManyDiagrams(
                f"{self.where or 'the process'}: more than {self.limit} diagrams (the limit set with "
                "max_diagrams / --max-diagrams); raise the limit, or make the process smaller (fewer legs, "
                "coupling orders such as QED=2, or '/ X' to remove a propagator)")
        if self.progress is not None and self.count % 64 == 0:
            now = time.monotonic()
            if now >= self.next_report:
                self.next_report = now + self.every_s
                limit = f" (limit {self.limit})" if self.limit is not None else ""
                self.progress(f"generating diagrams: {self.count} so far{limit} after {now - self.start:.0f} s"
                              + (f", now {self.where}" if self.where else ""))


_budget: contextvars.ContextVar[DiagramBudget | None] = contextvars.ContextVar("diagram_budget", default=None)


@contextlib.contextmanager
def diagram_limit(limit: int | None = None, progress: Callable[[str], None] | None = _stderr
                  ) -> Iterator[DiagramBudget]:
    """Count the diagrams built in the block against `limit`; a block inside one with a
    limit and given none itself keeps the outer budget."""
    outer = _budget.get()
    if outer is not None and limit is None:
        yield outer
        return
    budget = DiagramBudget(limit, progress)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def count_diagram(where: str = "") -> None:
    """Count one diagram against the budget in force (no-op outside diagram_limit)."""
    budget = _budget.get()
    if budget is not None:
        budget.add(where)
