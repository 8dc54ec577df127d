"""Access to the compiled core (madnis_plugin._core) and the CUDA stream to launch on.

Kernels run on torch's current stream of the tensor's device, so they order
correctly with the surrounding torch work without host synchronisation.
"""

from __future__ import annotations

import torch

try:
    from madnis_plugin import _core
except ImportError as err:  # pragma: no cover - only without a build
    raise ImportError(
        "the compiled core madnis_plugin._core is missing: install the package with "
        "'pip install .' (or 'pip install -e .') so that CMake builds it"
    ) from err


def stream_of(t: torch.Tensor) -> int:
    """Handle of torch's current CUDA stream for t's device, 0 for CPU tensors."""
    if t.is_cuda:
        return torch.cuda.current_stream(t.device).cuda_stream
    return 0


def cuda_available() -> bool:
    """True when the core has its CUDA backend and torch sees a GPU."""
    return _core.cuda_built() and torch.cuda.is_available()


__all__ = ["_core", "cuda_available", "stream_of"]
