"""What a killed run leaves in ``Events/``, found and cleaned up by the next run.

A run that ends normally, or by SIGINT/SIGTERM, removes its temporary files itself (and its
run folder when no results.json was written). One killed by SIGKILL or a power cut cannot:
it leaves hidden ``.<name>.<pid>.<random>.tmp`` files (madnis_plugin.events.atomic) and a run
folder marked ``.madnis_running`` (madnis_plugin.events.run_dir) without results.json. Neither
can be mistaken for events: the events file appears only when complete.

:func:`clean_leftovers` removes the temporaries of processes that no longer run on this
machine, removes run folders of such processes that are then empty, and marks the others
(say, with a checkpoint worth resuming) with an ``INCOMPLETE`` file. Temporaries of live
processes (a run going on in parallel) and of other machines are left alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from pathlib import Path

from madnis_plugin.events.atomic import TMP_SUFFIX, temp_owner

__all__ = ["INCOMPLETE_FILE", "RUNNING_FILE", "clean_leftovers", "process_alive", "remove_own_unfinished",
           "running_marker_text"]

RUNNING_FILE = ".madnis_running"
INCOMPLETE_FILE = "INCOMPLETE"


def running_marker_text() -> str:
    return f"{os.getpid()} {socket.gethostname()}\n"


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists on this machine (True when we may not signal it)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _marker_owner(run: Path) -> tuple[int, str] | None:
    try:
        pid, host = (run / RUNNING_FILE).read_text().split()[:2]
        return int(pid), host
    except (OSError, ValueError):
        return None


def _dead(pid: int | None, host: str | None = None) -> bool:
    if pid is None or pid == os.getpid():
        return False
    if host is not None and host != socket.gethostname():
        return False  # another machine's run (a shared file system): not ours to judge
    return not process_alive(pid)


def clean_leftovers(process_dir: str | os.PathLike[str]) -> list[str]:
    """Clean up after killed runs in ``<process_dir>/Events``; returns one sentence per action."""
    events = Path(process_dir) / "Events"
    if not events.is_dir():
        return []
    notes = []
    folders = [events, *sorted(p for p in events.iterdir() if p.is_dir())]
    for folder in folders:
        owner = _marker_owner(folder) if folder is not events else None
        killed = owner is not None and _dead(*owner) and not (folder / "results.json").exists()
        removed, unknown = [], []
        for tmp in folder.glob(f".*{TMP_SUFFIX}"):
            pid = temp_owner(tmp.name)
            if _dead(pid) or (killed and pid is None):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    removed.append(tmp.name)
            elif pid is None:
                unknown.append(tmp.name)
        if unknown:  # no pid in the name (an older madnis, another program): said, not removed
            notes.append(f"{folder}: temporary file(s) of unknown owner: {', '.join(sorted(unknown))}; "
                         "never events, remove them if no run is writing there")
        if removed:
            who = f"process {owner[0]}" if owner else "a process that no longer runs"
            notes.append(f"{folder}: removed {len(removed)} stale temporary file(s) of {who} "
                         f"({', '.join(sorted(removed))})")
        if not killed:
            continue
        rest = [p for p in folder.iterdir() if p.name != RUNNING_FILE]
        if not rest:
            shutil.rmtree(folder, ignore_errors=True)
            notes.append(f"{folder}: removed the empty run folder of process {owner[0]}, "
                         "which ended before it finished")
            continue
        (folder / INCOMPLETE_FILE).write_text(
            f"This run (process {owner[0]} on {owner[1]}) ended before it finished: there are no "
            "unweighted events and no results.json.\nA madnis_checkpoint.pt here can be continued "
            f"with `madnis integrate PROC_CARD --resume {folder}`.\n")
        with contextlib.suppress(OSError):
            (folder / RUNNING_FILE).unlink()
        notes.append(f"{folder}: marked INCOMPLETE (process {owner[0]} ended before it finished; "
                     f"kept: {', '.join(sorted(p.name for p in rest))})")
    return notes


def remove_own_unfinished(process_dir: str | os.PathLike[str]) -> list[Path]:
    """Remove the run folders of ``<process_dir>/Events`` that this process started and did not
    finish (no results.json): for a command stopped by an error or a signal. Returns them."""
    events = Path(process_dir) / "Events"
    if not events.is_dir():
        return []
    removed = []
    for folder in sorted(p for p in events.iterdir() if p.is_dir()):
        owner = _marker_owner(folder)
        if owner == (os.getpid(), socket.gethostname()) and not (folder / "results.json").exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
