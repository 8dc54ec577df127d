"""Shared pytest fixtures: reference-data paths and device selection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

DATA = Path(__file__).parent / "data"


def read_table(name: str) -> list[list[str]]:
    """Rows of a tab-separated reference table in tests/data (comments and header skipped)."""
    lines = [line for line in (DATA / name).read_text().splitlines() if line and not line.startswith("#")]
    return [line.split("\t") for line in lines[1:]]


def cuda_ready() -> bool:
    try:
        from madnis_plugin.core import cuda_available
    except ImportError:
        return False
    return cuda_available()


# CUDA tests carry the `gpu` marker, so that `pytest -m gpu` (bench/gpu_check.sh) runs them all;
# pytest_collection_modifyitems skips them where there is no device or no CUDA build.
requires_cuda = pytest.mark.gpu


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("gpu") for item in items) or cuda_ready():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device and the CUDA build")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


def away_from_collinear(p: torch.Tensor, masses: Sequence[float], limit: float = 1e-3) -> torch.Tensor:
    """Points [B, n, 4] where every pair of massless legs (an outgoing one with a beam or with
    another outgoing one) has 2|p_i·p_j| > limit·ŝ.

    |M|² is ill-conditioned near a soft or collinear limit: at 2p·p/ŝ = 3e-12 a 1e-15 change of
    the momenta changes g g > t t~ g g by 1e-3, so two devices that round differently (FMA
    contraction) disagree there far beyond 1e-12; above 1e-3 they agree to 1e-13.
    """
    def dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a[:, 0] * b[:, 0] - (a[:, 1:] * b[:, 1:]).sum(1)

    s = dot(p[:, 0] + p[:, 1], p[:, 0] + p[:, 1])
    massless = [i for i, m in enumerate(masses) if m == 0]
    ok = torch.ones(p.shape[0], dtype=torch.bool, device=p.device)
    for k, i in enumerate(massless):
        for j in massless[k + 1:]:
            if j >= 2:
                ok &= 2 * dot(p[:, i], p[:, j]).abs() > limit * s
    return ok


@pytest.fixture(scope="session")
def default_pdf():
    from madnis_plugin import pdf

    return pdf.load()


@pytest.fixture
def rng() -> torch.Generator:
    return torch.Generator().manual_seed(20261123)


@pytest.fixture
def one_torch_thread():
    """Training tests use tiny networks: one thread is fastest, and immune to a busy machine."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
