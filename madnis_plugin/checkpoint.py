"""Checkpoint files of a run: `torch.save` written atomically into the run folder.

``<run dir>/madnis_checkpoint.pt`` holds the sampler's whole state (VEGAS grids; for
MadNIS also the flows, channel-weight networks, buffer, optimizer, RNG, history)
and what is needed to rebuild the integrand without the user's files at hand (the
proc_card path, run_card and param_card texts) and to generate events (σ, w_max).
The file appears complete or not at all (madnis_plugin.events.atomic), so an
interrupted run never leaves a truncated checkpoint. This module does not know the
layout of the state; the samplers and the run driver fill it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from madnis_plugin.events.atomic import AtomicFile

CHECKPOINT_FILE = "madnis_checkpoint.pt"


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, unfinished, or made for another process or setup."""


def checkpoint_path(run_dir: str | os.PathLike[str]) -> Path:
    return Path(run_dir) / CHECKPOINT_FILE


def save_checkpoint(path: str | os.PathLike[str], state: dict[str, Any]) -> Path:
    """Write `state` to `path` atomically (tensors moved to the CPU first)."""
    with AtomicFile(path) as f:
        torch.save(_to_cpu(state), f.file)
    return f.path


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path)
    if p.is_dir():
        p = checkpoint_path(p)
    if not p.is_file():
        raise CheckpointError(f"{p}: no checkpoint (run `madnis integrate` first)")
    # Our own files: they hold numpy arrays and plain containers as well as tensors.
    return torch.load(p, map_location="cpu", weights_only=False)


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_cpu(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_to_cpu(v) for v in value)
    return value
