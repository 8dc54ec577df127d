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

import hashlib
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
    # Our own files: they hold numpy arrays and plain containers as well as tensors. Tensors are
    # saved on the CPU; map_location also brings back any a GPU run left on its device.
    try:
        return torch.load(p, map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - torch.load raises many kinds on a damaged file
        raise CheckpointError(f"{p}: not a checkpoint madnis can read ({err})") from None


def generator_state(generator: torch.Generator) -> dict[str, Any]:
    """A generator's state for a checkpoint, with the type of device it draws on."""
    return {"device": generator.device.type, "state": generator.get_state()}


def restore_generator(generator: torch.Generator, saved: dict[str, Any] | torch.Tensor) -> None:
    """Continue the random stream of `generator_state` (or of a bare get_state(), older files).

    A state saved on another type of device (a CUDA run resumed on the CPU: Philox's 16 bytes
    against the Mersenne twister's 5056) does not fit; the generator is then seeded from it, so
    that one checkpoint resumes the same way on this device.
    """
    if isinstance(saved, dict):
        state, same_device = saved["state"], saved["device"] == generator.device.type
    else:
        state, same_device = saved, saved.numel() == generator.get_state().numel()
    if same_device:
        generator.set_state(state)
        return
    digest = hashlib.sha256(state.cpu().numpy().tobytes()).digest()
    generator.manual_seed(int.from_bytes(digest[:8], "little") >> 1)


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
