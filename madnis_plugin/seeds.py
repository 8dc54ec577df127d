"""The random seed of a run: chosen, reduced to a valid generator seed, and recorded.

MG5's run_card says ``iseed = 0`` means "assigned automatically": every run of a process
folder gets a seed of its own. Here:

- an explicit seed (``--seed N`` or ``iseed = N > 0``) is used as given, so the same cards
  and seed give a byte-identical event file; seeds at or above :data:`MAX_SEED` (any
  integer the run_card accepts) are reduced to ``[1, MAX_SEED)`` by a fixed hash, the
  same one on every machine;
- no seed (``iseed = 0`` and no ``--seed``) draws a fresh one from the operating system
  that is not in the process folder's record of used seeds (``Events/used_seeds.txt``),
  so two runs of one folder never share a seed.

:func:`record_seed` appends the seed of a run that starts to that record (under a file
lock, so concurrent runs do not interleave lines). This module only chooses numbers and
keeps the record; the generators are seeded by the samplers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_SEED", "SEED_RECORD", "Seed", "record_seed", "reduce_seed", "resolve_seed", "used_seeds"]

#: Seeds used as they are lie in [1, MAX_SEED). The run adds small offsets (seed + 1,
#: seed + 2 …) for its other generators, and torch takes seeds below 2^64, numpy any
#: non-negative integer: 2^62 leaves room for both.
MAX_SEED = 2**62
#: Fresh seeds are drawn below 2^31, so that they fit a Fortran integer and an MG5 run_card.
FRESH_SEED_LIMIT = 2**31 - 1
SEED_RECORD = "used_seeds.txt"


@dataclass(frozen=True)
class Seed:
    """The seed a run uses, and where it came from."""

    value: int  # in [1, MAX_SEED): what the generators are seeded with (and iseed in the banner)
    requested: int | None  # what the user asked for (None: nothing, or iseed = 0)
    origin: str  # "--seed", "run_card iseed" or "fresh"


def reduce_seed(seed: int) -> int:
    """`seed` itself when 1 <= seed < MAX_SEED, else a fixed hash of it in [1, MAX_SEED)."""
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"a seed is a non-negative integer, not {seed}")
    if 1 <= seed < MAX_SEED:
        return seed
    digest = hashlib.sha256(str(seed).encode()).digest()
    return int.from_bytes(digest[:8], "big") % (MAX_SEED - 1) + 1


def used_seeds(events_dir: str | os.PathLike[str]) -> set[int]:
    """The seeds recorded in ``<events_dir>/used_seeds.txt`` (empty if there is none)."""
    path = Path(events_dir) / SEED_RECORD
    out: set[int] = set()
    try:
        text = path.read_text()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return out
    for line in text.splitlines():
        field = line.split("#", 1)[0].split()
        if field and field[0].isdigit():
            out.add(int(field[0]))
    return out


def resolve_seed(cli_seed: int | None, iseed: int, events_dir: str | os.PathLike[str]) -> Seed:
    """The run's seed: `cli_seed` if given, else the run_card's `iseed` if > 0, else fresh."""
    if cli_seed is not None:
        return Seed(reduce_seed(cli_seed) if cli_seed > 0 else _fresh(events_dir), cli_seed or None,
                    "--seed" if cli_seed > 0 else "fresh")
    if int(iseed) > 0:
        return Seed(reduce_seed(int(iseed)), int(iseed), "run_card iseed")
    return Seed(_fresh(events_dir), None, "fresh")


def _fresh(events_dir: str | os.PathLike[str]) -> int:
    taken = used_seeds(events_dir)
    while True:
        seed = secrets.randbelow(FRESH_SEED_LIMIT - 1) + 1
        if seed not in taken:
            return seed


def record_seed(events_dir: str | os.PathLike[str], seed: Seed, note: str = "") -> Path:
    """Append `seed` to ``<events_dir>/used_seeds.txt`` (created with the folder if needed)."""
    folder = Path(events_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SEED_RECORD
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    line = f"{seed.value}  # {stamp}Z {seed.origin}"
    if seed.requested is not None and seed.requested != seed.value:
        line += f" (reduced from {seed.requested})"
    if note:
        line += f" {note}"
    with open(path, "a", encoding="utf-8") as fh, _locked(fh):
        fh.write(line + "\n")
    return path


@contextlib.contextmanager
def _locked(fh):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fh.flush()
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
