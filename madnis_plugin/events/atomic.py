"""Atomic file writing: a file appears under its final name complete, or not at all.

Data goes to a hidden temporary file in the same folder (same file system, so the
final ``os.replace`` is an atomic rename), named ``.<name>.<pid>.<random>.tmp`` so that a
later run can tell a temporary of a dead process (killed, e.g. by SIGKILL) from one being
written (:func:`temp_owner`, madnis_plugin.events.leftovers); :meth:`AtomicFile.commit` flushes it to disk
and renames it, :meth:`AtomicFile.abort` deletes it. Used as a context manager, any
exception — KeyboardInterrupt included — aborts. A file object that is garbage
collected without a commit also removes its temporary file.

This module only manages the file; what is written (LHE, JSON) is the caller's business.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import weakref
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from typing_extensions import Self


TMP_SUFFIX = ".tmp"


def temp_owner(name: str) -> int | None:
    """The process id in the name of a temporary file of this module (None if it has none)."""
    if not (name.startswith(".") and name.endswith(TMP_SUFFIX)):
        return None
    parts = name[1:-len(TMP_SUFFIX)].split(".")
    # <name parts>.<pid>.<random>: the pid is the last all-digit field before the random one
    if len(parts) >= 3 and parts[-2].isdigit():
        return int(parts[-2])
    return None


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class AtomicFile:
    """A binary file written under a temporary name and renamed to ``path`` on commit."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        folder = self.path.parent
        if not folder.is_dir():
            raise FileNotFoundError(f"cannot write {self.path}: folder {folder} does not exist")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.{os.getpid()}.", suffix=TMP_SUFFIX)
        self.tmp_path = Path(tmp)
        self.file: BinaryIO = os.fdopen(fd, "wb")
        # safety net: never leave the temporary behind, even without commit/abort
        self._finalizer = weakref.finalize(self, _remove, tmp)
        self.done = False

    def write(self, data: bytes | memoryview) -> int:
        return self.file.write(data)

    def commit(self) -> Path:
        """Flush to disk and move into place; returns the final path."""
        if self.done:
            raise RuntimeError(f"{self.path}: already committed or aborted")
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.chmod(self.tmp_path, 0o644)  # mkstemp creates 0600; a results file is for everybody
            os.replace(self.tmp_path, self.path)
        except BaseException:
            self.abort()
            raise
        self.done = True
        self._finalizer.detach()
        _fsync_dir(self.path.parent)
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file (idempotent)."""
        self.done = True
        with contextlib.suppress(OSError):
            self.file.close()
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            if not self.done:
                self.commit()
        else:
            self.abort()


def _fsync_dir(folder: Path) -> None:
    # make the rename itself durable; not possible everywhere (e.g. Windows), so best effort
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with AtomicFile(path) as f:
        f.write(data)
    return f.path
