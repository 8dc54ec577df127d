"""Shared pytest fixtures: reference-data paths and device selection."""

from __future__ import annotations

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


requires_cuda = pytest.mark.skipif(not cuda_ready(), reason="needs a CUDA device and the CUDA build")


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
