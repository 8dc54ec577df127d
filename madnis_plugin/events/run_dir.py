"""MG5-style run folders: ``<process dir>/Events/run_NN/`` and the run's ``results.json``.

MG5 numbers runs ``run_01``, ``run_02`` … and puts ``unweighted_events.lhe.gz`` in each.
:func:`new_run_dir` takes the next free number — claimed with an atomic ``mkdir``, so
two runs started at once get different folders — and :func:`write_results` writes the
run summary atomically (a reader sees the old file or the new one, never half of one).

``results.json`` keys (fixed, so scripts and the CLI can rely on them):

- ``cross_section_pb``, ``error_pb``: σ ± δσ in pb;
- ``unweighting_efficiency``: ⟨|w|⟩ / w_max (see :mod:`.unweight`);
- ``n_events``: unweighted events written;
- ``events_file``: the LHE file, relative to the run folder when inside it;
- ``channels``: list of per-channel contributions (dicts, e.g. ``{"channel": 0,
  "cross_section_pb": …, "error_pb": …}``), passed through as given;
- ``timings``: seconds per stage (``{"training": …, "integration": …, "unweighting": …}``);

plus any ``extra`` keys given (they may not override the fixed ones).

A run folder holds a hidden ``.madnis_running`` (the pid and machine of its run) from
:func:`new_run_dir` until :func:`write_results` completes the record, so a later run can tell
a folder left by a killed run (madnis_plugin.events.leftovers). :func:`check_output_dir`
says before a run starts whether its run folder could be written at all.

This module does not run anything; it only names folders and writes the summary.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from madnis_plugin.events.atomic import write_bytes_atomic
from madnis_plugin.events.leftovers import RUNNING_FILE, running_marker_text

__all__ = ["EVENTS_FILE", "RESULTS_FILE", "OutputDirError", "check_output_dir", "list_runs", "new_run_dir",
           "read_results", "write_results"]

EVENTS_FILE = "unweighted_events.lhe.gz"
RESULTS_FILE = "results.json"
_RUN_RE = re.compile(r"^run_(\d+)$")


class OutputDirError(OSError):
    """The process folder cannot hold a new run folder (not writable, not a folder)."""


def check_output_dir(process_dir: str | os.PathLike[str]) -> Path:
    """``<process_dir>/Events`` if a run folder can be created there, else OutputDirError.

    Nothing is left behind: the nearest existing folder on the way must be a folder in which
    a folder can be created (tried with a probe folder, removed at once)."""
    events = Path(process_dir) / "Events"
    probe = events
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise OutputDirError(f"{probe}: not a folder; give --output a folder for Events/run_NN")
    problem = None if os.access(probe, os.W_OK | os.X_OK) else "no permission to write there"
    if problem is None:  # permissions are not all (root, read-only mounts, /proc): try it
        try:
            os.rmdir(tempfile.mkdtemp(prefix=".madnis_probe.", dir=probe))
        except OSError as exc:
            problem = f"cannot create a folder there ({exc.strerror or exc})"
    if problem:
        raise OutputDirError(f"{probe}: {problem}; choose another --output folder or change its permissions")
    return events


def list_runs(process_dir: str | os.PathLike[str]) -> list[Path]:
    """Existing ``Events/run_NN`` folders, in run-number order."""
    events = Path(process_dir) / "Events"
    if not events.is_dir():
        return []
    runs = [(int(m.group(1)), p) for p in events.iterdir() if p.is_dir() and (m := _RUN_RE.match(p.name))]
    return [p for _, p in sorted(runs)]


def new_run_dir(process_dir: str | os.PathLike[str], name: str | None = None) -> Path:
    """Create and return the next free ``<process_dir>/Events/run_NN`` (``run_01`` first).

    Numbers continue after the highest existing one (gaps are not reused, as in MG5). With
    ``name`` that exact folder is created, and it is an error if it exists already.
    """
    events = Path(process_dir) / "Events"
    events.mkdir(parents=True, exist_ok=True)
    if name is not None:
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"invalid run name {name!r}")
        path = events / name
        try:
            path.mkdir()
        except FileExistsError:
            raise FileExistsError(f"run folder {path} exists already; choose another run name") from None
        _mark_running(path)
        return path
    runs = list_runs(process_dir)
    number = int(_RUN_RE.match(runs[-1].name).group(1)) + 1 if runs else 1  # type: ignore[union-attr]
    while True:
        path = events / f"run_{number:02d}"
        try:
            path.mkdir()  # atomic: a concurrent run that got there first makes us move on
        except FileExistsError:
            number += 1
            continue
        _mark_running(path)
        return path


def _mark_running(path: Path) -> None:
    (path / RUNNING_FILE).write_text(running_marker_text())


def _clean(value: Any) -> Any:
    """JSON-safe copy: tensors/numpy scalars to Python numbers, NaN/inf to None."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def write_results(
    run_dir: str | os.PathLike[str],
    *,
    cross_section_pb: float,
    error_pb: float,
    unweighting_efficiency: float | None,
    n_events: int,
    events_file: str | os.PathLike[str] | None = EVENTS_FILE,
    channels: Sequence[Mapping[str, Any]] = (),
    timings: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``<run_dir>/results.json`` atomically; returns its path."""
    run = Path(run_dir)
    if events_file is not None:
        ef = Path(events_file)
        if ef.is_absolute():
            try:
                ef = ef.relative_to(run.resolve())
            except ValueError:
                pass
        events_file = str(ef)
    data: dict[str, Any] = {
        "cross_section_pb": float(cross_section_pb),
        "error_pb": float(error_pb),
        "unweighting_efficiency": None if unweighting_efficiency is None else float(unweighting_efficiency),
        "n_events": int(n_events),
        "events_file": events_file,
        "channels": [dict(c) for c in channels],
        "timings": dict(timings or {}),
    }
    for key, value in (extra or {}).items():
        if key in data:
            raise ValueError(f"extra key '{key}' would override a standard results.json key")
        data[key] = value
    text = json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"
    path = write_bytes_atomic(run / RESULTS_FILE, text.encode())
    (run / RUNNING_FILE).unlink(missing_ok=True)  # the record is complete
    return path


def read_results(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``results.json`` of a run folder."""
    return json.loads((Path(run_dir) / RESULTS_FILE).read_text())
