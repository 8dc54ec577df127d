"""Reading LHAPDF6 ``lhagrid1`` member files and packing them for the core.

A member file is a YAML header, then subgrids separated by ``---`` lines, each
with a line of x knots, a line of Q knots, a line of PDG ids and nx·nq lines of
x·f values (x varying slowest). ``pack_grid`` turns the subgrids into the three
flat arrays described in csrc/include/madnis/pdf_grid.h. Interpolation itself
is done by the core, not here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


class PDFError(ValueError):
    """A PDF set that cannot be found or read; the message says where and why."""


@dataclass(frozen=True)
class Subgrid:
    xs: np.ndarray  # [nx] x knots
    qs: np.ndarray  # [nq] Q knots in GeV
    pids: tuple[int, ...]
    xf: np.ndarray  # [nx, nq, n_flavours]


@dataclass(frozen=True)
class GridMember:
    path: Path
    header: dict
    subgrids: list[Subgrid]

    @property
    def q_knots(self) -> np.ndarray:
        """All Q knots in order, a knot repeated where two subgrids meet."""
        return np.concatenate([s.qs for s in self.subgrids])


def read_grid(path: str | Path) -> GridMember:
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as err:
        raise PDFError(f"{path}: cannot read PDF grid file: {err.strerror}") from err
    seps = [i for i, line in enumerate(lines) if line.strip() == "---"]
    if seps and any(line.strip() for line in lines[seps[-1] + 1 :]):
        seps.append(len(lines))  # a truncated last subgrid: let its parser report what is missing
    if len(seps) < 2:
        raise PDFError(f"{path}: not an LHAPDF grid file (expected a header and '---'-separated subgrids)")
    try:
        header = yaml.safe_load("\n".join(lines[: seps[0]])) or {}
    except yaml.YAMLError as err:
        raise PDFError(f"{path}: malformed header: {err}") from err
    fmt = header.get("Format", "lhagrid1")
    if fmt != "lhagrid1":
        raise PDFError(f"{path}: grid format '{fmt}' is not supported (expected lhagrid1)")
    subgrids = [_read_subgrid(path, lines, a, b) for a, b in itertools.pairwise(seps) if b > a + 1]
    if not subgrids:
        raise PDFError(f"{path}: no subgrids found")
    for prev, sub in itertools.pairwise(subgrids):
        if sub.pids != prev.pids or not np.array_equal(sub.xs, prev.xs):
            raise PDFError(f"{path}: subgrids differ in their flavours or x knots")
        if sub.qs[0] < prev.qs[-1]:
            raise PDFError(f"{path}: subgrids are not ordered in Q")
    return GridMember(path, header, subgrids)


def _numbers(path: Path, lines: list[str], i: int, what: str, kind=float) -> np.ndarray:
    try:
        return np.array([kind(v) for v in lines[i].split()])
    except ValueError as err:
        raise PDFError(f"{path}:{i + 1}: expected {what}, got '{lines[i][:60]}'") from err


def _read_subgrid(path: Path, lines: list[str], start: int, stop: int) -> Subgrid:
    """Parse lines (start, stop) exclusive, which lie between two '---' lines."""
    first = start + 1
    if stop - first < 4:
        raise PDFError(f"{path}:{first + 1}: truncated subgrid (expected x, Q, flavour lines and values)")
    xs = _numbers(path, lines, first, "x knots")
    qs = _numbers(path, lines, first + 1, "Q knots")
    pids = tuple(int(p) for p in _numbers(path, lines, first + 2, "PDG ids", int))
    if len(xs) < 4 or np.any(np.diff(xs) <= 0) or xs[0] <= 0:
        raise PDFError(f"{path}:{first + 1}: need at least 4 increasing positive x knots")
    if len(qs) < 2 or np.any(np.diff(qs) <= 0) or qs[0] <= 0:
        raise PDFError(f"{path}:{first + 2}: need at least 2 increasing positive Q knots")
    n_rows = len(xs) * len(qs)
    body = lines[first + 3 : stop]
    if len(body) != n_rows:
        raise PDFError(
            f"{path}:{first + 4}: expected {n_rows} value lines ({len(xs)} x × {len(qs)} Q knots), "
            f"got {len(body)}"
        )
    try:
        values = np.array(" ".join(body).split(), dtype=np.float64)
    except ValueError:
        values = None
    if values is None or values.size != n_rows * len(pids) or not np.all(np.isfinite(values)):
        for k, line in enumerate(body):  # find the offending line for the message
            fields = line.split()
            ok = len(fields) == len(pids)
            try:
                ok = ok and all(np.isfinite(float(v)) for v in fields)
            except ValueError:
                ok = False
            if not ok:
                raise PDFError(
                    f"{path}:{first + 4 + k}: expected {len(pids)} finite x·f values "
                    f"(one per flavour), got '{line[:60]}'"
                )
        raise PDFError(f"{path}:{first + 4}: malformed values")
    return Subgrid(xs, qs, pids, values.reshape(len(xs), len(qs), len(pids)))


_SLOT_KEYS = list(range(-6, 7)) + [21, 22]  # the pid order of the layout's slot table
_HEADER = 17
_PER_SUBGRID = 5


def pack_grid(member: GridMember) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(layout int64, knots float64, values float64) for csrc/include/madnis/pdf_grid.h."""
    pids = [21 if p == 0 else p for p in member.subgrids[0].pids]
    slots = [pids.index(p) if p in pids else -1 for p in _SLOT_KEYS]
    layout = [len(member.subgrids), len(pids), *slots]
    knots: list[np.ndarray] = []
    values: list[np.ndarray] = []
    n_knots = n_values = 0
    for sub in member.subgrids:
        logx = np.log(sub.xs)
        logq2 = np.log(sub.qs * sub.qs)
        table = np.ascontiguousarray(sub.xf.transpose(2, 1, 0)).ravel()  # [slot][iq][ix]
        layout += [len(sub.xs), len(sub.qs), n_knots, n_knots + len(logx), n_values]
        knots += [logx, logq2]
        values.append(table)
        n_knots += len(logx) + len(logq2)
        n_values += table.size
    assert len(layout) == _HEADER + _PER_SUBGRID * len(member.subgrids)
    return (
        np.array(layout, dtype=np.int64),
        np.concatenate(knots).astype(np.float64),
        np.concatenate(values).astype(np.float64),
    )
