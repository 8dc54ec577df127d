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


def cuda_unavailable_reason() -> str | None:
    """Why a run cannot use the GPU, in one line with what to do; None when it can."""
    from madnis_plugin.codegen.build import find_nvcc

    if not _core.cuda_built():
        return ("this build of madnis has no CUDA backend: reinstall it where nvcc is found "
                "(MADNIS_CUDA=ON pip install ...)")
    if torch.version.cuda is None:
        return f"torch {torch.__version__} is a CPU-only build: install a CUDA build of torch"
    if not torch.cuda.is_available():
        try:
            torch.cuda.init()  # its error names the cause (no driver, a driver too old ...)
            cause = "torch sees no GPU"
        except Exception as err:  # noqa: BLE001 - whatever it raises is the reason
            cause = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"no usable CUDA device ({cause}); check nvidia-smi and CUDA_VISIBLE_DEVICES"
    if find_nvcc() is None:
        return ("the matrix elements are compiled for the GPU at run time, and nvcc was not found "
                "(put it on PATH, or set MADNIS_NVCC or CUDA_HOME)")
    return None


__all__ = ["_core", "cuda_available", "cuda_unavailable_reason", "stream_of"]
