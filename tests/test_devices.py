"""Another device than expected: one clear line when the GPU cannot be used or a compiler
fails, and checkpoints that move between a GPU and the CPU."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import cuda_ready, requires_cuda

from madnis_plugin import core
from madnis_plugin.checkpoint import (
    CHECKPOINT_FILE,
    CheckpointError,
    generator_state,
    load_checkpoint,
    restore_generator,
    save_checkpoint,
)
from madnis_plugin.cli import main
from madnis_plugin.events.run_dir import read_results

ROOT = Path(__file__).resolve().parent.parent
# A short run: these tests check the plumbing, not the physics.
QUICK = ["--nevents", "20", "--seed", "3", "--accuracy", "0.05"]
TINY_MADNIS = "  3 = madnis_steps\n  512 = madnis_batch_size\n  1 = madnis_buffered_steps\n  1 = madnis_vegas_iterations\n"


def _cuda_generator_state(seed: int, offset: int) -> torch.Tensor:
    """What torch.Generator("cuda").get_state() returns: Philox's seed and offset, 16 bytes."""
    return torch.tensor(list(struct.pack("<Qq", seed, offset)), dtype=torch.uint8)


def _process(tmp_path: Path, name: str, run_card_extra: str = "") -> Path:
    for card in ("proc_card.dat", "run_card.dat"):
        shutil.copy(ROOT / "processes" / name / card, tmp_path / card)
    with (tmp_path / "run_card.dat").open("a") as f:
        f.write(run_card_extra)
    return tmp_path / "proc_card.dat"


@pytest.fixture(scope="module")
def madnis_run(tmp_path_factory) -> Path:
    """A process folder with one short MadNIS run trained on the CPU (Events/run_01)."""
    proc_card = _process(tmp_path_factory.mktemp("madnis"), "drell_yan_zprime", TINY_MADNIS)
    result = CliRunner().invoke(main, ["integrate", str(proc_card), "--sampler", "madnis", *QUICK])
    assert result.exit_code == 0, result.output
    return proc_card.parent


def _copy_as_if_trained_on_cuda(process_dir: Path, tmp_path: Path, bare_rng: bool) -> Path:
    """A copy of the process folder whose checkpoint is what a CUDA run writes: its device, and
    for MadNIS the Philox generator state (bare_rng: as files before the state named its device)."""
    shutil.copytree(process_dir, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "Events" / "run_01" / CHECKPOINT_FILE
    state = load_checkpoint(path)
    state["device"] = "cuda"
    if "trainer" in state["state"]:
        rng = _cuda_generator_state(3, 4096)
        state["state"]["trainer"]["rng"] = rng if bare_rng else {"device": "cuda", "state": rng}
    save_checkpoint(path, state)
    return tmp_path


@pytest.mark.parametrize("bare_rng", [False, True], ids=["rng_with_device", "bare_rng"])
def test_madnis_checkpoint_of_a_cuda_run_resumes_and_generates_on_the_cpu(madnis_run, tmp_path, monkeypatch,
                                                                          bare_rng):
    monkeypatch.setattr(core, "cuda_available", lambda: False)  # also on a GPU machine
    folder = _copy_as_if_trained_on_cuda(madnis_run, tmp_path, bare_rng)
    trained = folder / "Events" / "run_01"
    runner = CliRunner()
    result = runner.invoke(main, ["integrate", str(folder / "proc_card.dat"), "--sampler", "madnis", *QUICK,
                                  "--resume", str(trained)])
    assert result.exit_code == 0, result.output
    assert read_results(folder / "Events" / "run_02")["resumed_from"] == str(trained.resolve())
    # `madnis generate` defaults to the trained run's device, the CPU where no GPU is
    result = runner.invoke(main, ["generate", str(trained), "--nevents", "10", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert read_results(folder / "Events" / "run_03")["device"] == "cpu"


def test_vegas_checkpoint_of_a_cuda_run_generates_on_the_cpu(tmp_path, monkeypatch):
    monkeypatch.setattr(core, "cuda_available", lambda: False)
    (tmp_path / "cpu").mkdir()
    proc_card = _process(tmp_path / "cpu", "drell_yan")
    runner = CliRunner()
    assert runner.invoke(main, ["integrate", str(proc_card), *QUICK]).exit_code == 0
    folder = _copy_as_if_trained_on_cuda(proc_card.parent, tmp_path / "cuda", bare_rng=False)
    result = runner.invoke(main, ["generate", str(folder / "Events" / "run_01"), "--nevents", "10"])
    assert result.exit_code == 0, result.output
    assert read_results(folder / "Events" / "run_02")["device"] == "cpu"


@requires_cuda
def test_madnis_checkpoint_of_a_cpu_run_resumes_on_cuda(madnis_run, tmp_path):
    shutil.copytree(madnis_run, tmp_path, dirs_exist_ok=True)
    result = CliRunner().invoke(main, ["integrate", str(tmp_path / "proc_card.dat"), "--sampler", "madnis",
                                       *QUICK, "--device", "cuda", "--resume", str(tmp_path / "Events" / "run_01")])
    assert result.exit_code == 0, result.output
    assert read_results(tmp_path / "Events" / "run_02")["device"].startswith("cuda")


def test_generator_state_continues_its_stream_and_seeds_from_another_devices():
    a = torch.Generator().manual_seed(11)
    torch.rand(5, generator=a)
    saved = generator_state(a)
    b = torch.Generator()
    restore_generator(b, saved)
    assert torch.equal(torch.rand(5, generator=a), torch.rand(5, generator=b))
    old = torch.Generator()
    restore_generator(old, saved["state"])  # a bare state, as older checkpoints hold
    assert torch.equal(torch.rand(5, generator=old), torch.rand(5, generator=torch.Generator().set_state(
        saved["state"])))
    # a CUDA state on the CPU: seeded from it, the same way each time
    draws = []
    for _ in range(2):
        g = torch.Generator()
        restore_generator(g, {"device": "cuda", "state": _cuda_generator_state(7, 64)})
        draws.append(torch.rand(5, generator=g))
    assert torch.equal(*draws)
    other = torch.Generator()
    restore_generator(other, {"device": "cuda", "state": _cuda_generator_state(8, 64)})
    assert not torch.equal(torch.rand(5, generator=other), draws[0])


def test_a_damaged_checkpoint_is_a_checkpoint_error(tmp_path):
    (tmp_path / CHECKPOINT_FILE).write_bytes(b"not a checkpoint\n")
    with pytest.raises(CheckpointError, match="not a checkpoint madnis can read"):
        load_checkpoint(tmp_path)


# --- one line instead of a traceback -------------------------------------------------------------


def _one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output and len(lines) == 1, output
    return lines[0]


@pytest.mark.skipif(cuda_ready(), reason="a machine without a usable GPU")
def test_device_cuda_without_a_gpu_is_one_line(tmp_path):
    proc_card = _process(tmp_path, "drell_yan")
    result = CliRunner().invoke(main, ["integrate", str(proc_card), "--device", "cuda", *QUICK])
    assert result.exit_code == 2
    assert _one_error_line(result.output).startswith("error: --device cuda: ")
    assert not (tmp_path / "Events" / "run_01").exists()


def test_why_cuda_cannot_be_used(monkeypatch):
    from madnis_plugin.codegen import build

    class Core:
        built = True

        def cuda_built(self) -> bool:
            return self.built

    stub = Core()
    monkeypatch.setattr(core, "_core", stub)
    monkeypatch.setattr(torch.version, "cuda", "13.0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(build, "find_nvcc", lambda: "/usr/local/cuda/bin/nvcc")
    assert core.cuda_unavailable_reason() is None
    monkeypatch.setattr(build, "find_nvcc", lambda: None)
    assert "nvcc was not found" in core.cuda_unavailable_reason()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "init", lambda: (_ for _ in ()).throw(RuntimeError("Found no NVIDIA driver")))
    assert "no usable CUDA device (Found no NVIDIA driver)" in core.cuda_unavailable_reason()
    monkeypatch.setattr(torch.version, "cuda", None)
    assert "CPU-only build" in core.cuda_unavailable_reason()
    stub.built = False
    assert "no CUDA backend" in core.cuda_unavailable_reason()


def test_compiler_failure_is_one_line_naming_the_source_and_log(tmp_path, monkeypatch):
    compiler = tmp_path / "broken-c++"
    compiler.write_text("#!/bin/sh\necho 'me.cpp:3:1: error: something the compiler cannot take' >&2\nexit 1\n")
    compiler.chmod(0o755)
    monkeypatch.setenv("CXX", str(compiler))
    monkeypatch.setenv("MADNIS_CACHE_DIR", str(tmp_path / "cache"))
    proc_card = _process(tmp_path, "drell_yan")
    result = CliRunner().invoke(main, ["integrate", str(proc_card), *QUICK])
    assert result.exit_code == 2
    line = _one_error_line(result.output)
    assert ".cpp failed (exit 1): me.cpp:3:1: error: something the compiler cannot take" in line
    log = Path(line.split("the compiler's whole output: ")[1].rstrip(")"))
    assert log.is_file() and log.parent.parent.parent == tmp_path / "cache"
    assert str(compiler) in log.read_text() and "cannot take" in log.read_text()
