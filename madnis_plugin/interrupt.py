"""SIGINT and SIGTERM end a run like an error does: cleaned up, with the shell's status.

Inside :func:`exit_on_signals` both signals raise an exception in the main thread (SIGINT
the usual KeyboardInterrupt, SIGTERM :class:`Terminated`), so every ``with`` block and
``except BaseException`` of the run unwinds: the atomic writers delete their temporary
files (madnis_plugin.events.atomic) and the run removes its unfinished run folder. A
second signal during that clean-up is ignored. The command then exits with 128 + the
signal number (130, 143), as a shell reports a process ended by that signal. SIGKILL
cannot be caught; what it leaves the next run removes (madnis_plugin.events.leftovers).
This module knows nothing of runs; it turns signals into exceptions and exit codes.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["Terminated", "exit_on_signals"]


class Terminated(BaseException):
    """The process received SIGTERM (a BaseException, like KeyboardInterrupt: not an error)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        self.signum = signum
        super().__init__(f"received {signal.Signals(signum).name}")


def _ignore_more() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def _on_sigint(signum, frame) -> None:
    _ignore_more()
    raise KeyboardInterrupt


def _on_sigterm(signum, frame) -> None:
    _ignore_more()
    raise Terminated(signum)


@contextlib.contextmanager
def exit_on_signals(console=None) -> Iterator[None]:
    """Run the block with SIGINT/SIGTERM turned into exceptions; exit 130/143 on either."""
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, _on_sigint)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    except KeyboardInterrupt:
        _say(console, "SIGINT")
        sys.exit(128 + signal.SIGINT)
    except Terminated as stop:
        _say(console, signal.Signals(stop.signum).name)
        sys.exit(128 + stop.signum)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _say(console, name: str) -> None:
    text = f"interrupted ({name}): stopped; no partial event file or unfinished run folder was left"
    if console is not None:
        console.print(f"[bold yellow]{text}[/]", highlight=False, soft_wrap=True)
    else:
        print(text, file=sys.stderr)
