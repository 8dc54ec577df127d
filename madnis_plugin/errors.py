"""Exceptions a user sees when an input (a card, a model, a process) is wrong.

Each error says where the problem is (file and line) and what was expected, the way
an MG5 user expects it. This module holds no parsing logic, only the error types.
"""

from __future__ import annotations

import os


class CardError(ValueError):
    """A card (proc_card, run_card, param_card ...) could not be read or is invalid.

    Attributes:
        path: the file the problem is in (a string; "<string>" for text not read from a file).
        line: the 1-based line number, or None when the problem is not tied to one line.
        message: what was wrong and what was expected.
    """

    def __init__(self, path: str | os.PathLike[str] | None, line: int | None, message: str) -> None:
        self.path = os.fspath(path) if path is not None else "<string>"
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"

    def __reduce__(self):  # keep the error picklable (multiprocessing, pytest-xdist)
        return (type(self), (self.path, self.line, self.message))


def read_card_text(path: str | os.PathLike[str], kind: str) -> str:
    """The text of a card file; a CardError naming the file and the `kind` of card if it
    cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise CardError(path, None, f"cannot read {kind}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        with open(path, "rb") as fh:
            line = fh.read(exc.start).count(b"\n") + 1
        raise CardError(path, line, f"not a text {kind} (byte 0x{exc.object[exc.start]:02x} is not UTF-8); "
                        f"give the {kind} as a text file") from None


class PhysicsInputError(ValueError):
    """A parameter or argument that makes the physics meaningless (a negative width, a zero
    boson mass, α_s < 0, a subprocess that does not exist …); the message says which and why."""
