"""How many CPU threads a run uses, and setting them in the core and in torch.

Precedence: ``--threads`` on the command line, else the run_card's ``nb_core``, else
the CPUs the process may use (the core's ``available_cpus()``: its affinity mask,
limited by its cgroup CPU quota), so a batch job given 4 cores of a large node runs
4 threads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from madnis_plugin.core import _core

__all__ = ["ThreadChoice", "choose_threads", "use_threads"]


@dataclass(frozen=True)
class ThreadChoice:
    count: int
    source: str  # "--threads", "nb_core" or "available CPUs"


def choose_threads(cli: int | None = None, nb_core: int | None = None) -> ThreadChoice:
    """The thread count by precedence: ``cli`` (--threads) > ``nb_core`` > available CPUs."""
    for value, source in ((cli, "--threads"), (nb_core, "nb_core")):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{source} = {value!r}: expected a positive integer")
        return ThreadChoice(value, source)
    return ThreadChoice(_core.available_cpus(), "available CPUs")


def use_threads(choice: ThreadChoice) -> None:
    """Set the core's batch loops and torch to the chosen thread count.

    Without a user setting torch keeps its own count (physical cores, or what the caller
    set), only capped at the CPUs available: torch ignores cgroup quotas.
    """
    _core.set_num_threads(choice.count)
    if choice.source != "available CPUs" or torch.get_num_threads() > choice.count:
        torch.set_num_threads(choice.count)
