"""Compile generated matrix-element sources into shared libraries, cached by content.

A library is identified by the SHA-256 of its source, the helicity-amplitude headers it
includes, the compiler command and the compiler's version: the same matrix element
(e.g. ``u u~ > e+ e-`` and ``c c~ > e+ e-``) compiles once and is reused by every later
run. The cache lives in ``$MADNIS_CACHE_DIR`` (default ``~/.cache/madnis``) under
``me/<hash>/``. The compiler is invoked directly (no CMake configure step, which would
cost more than compiling a small process): ``$CXX`` (default ``c++``) for the CPU
backend, ``nvcc`` (``$MADNIS_NVCC``, else on ``PATH`` or in ``$CUDA_HOME/bin``) for CUDA.

This module does not know what the source computes.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["BuildError", "cache_dir", "code_key", "compile_library", "find_nvcc", "include_dir"]

#: Optimisation for the CPU backend: -O2 compiles large processes markedly faster than
#: -O3 for the same speed of straight-line helicity-amplitude code.
CXX_FLAGS = ["-std=c++17", "-O2", "-fPIC", "-shared", "-fvisibility=hidden"]
NVCC_FLAGS = ["-std=c++17", "-O3", "--expt-relaxed-constexpr", "-shared", "-cudart", "static",
              "-Xcompiler", "-fPIC,-fvisibility=hidden"]


class BuildError(RuntimeError):
    """The compiler failed on generated code (the message holds the command and its output)."""


def cache_dir() -> Path:
    """Where compiled matrix elements are kept: $MADNIS_CACHE_DIR or ~/.cache/madnis."""
    root = os.environ.get("MADNIS_CACHE_DIR")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "madnis"


@cache
def include_dir() -> Path:
    """The directory holding ``madnis/helas/*.h`` (installed with the package, or the source tree)."""
    pkg = Path(__file__).resolve().parent.parent
    for cand in (pkg / "include", pkg.parent / "csrc" / "include"):
        if (cand / "madnis" / "helas" / "me_abi.h").is_file():
            return cand
    raise BuildError(
        f"cannot find the madnis headers (looked in {pkg / 'include'} and {pkg.parent / 'csrc' / 'include'}); "
        "reinstall the package"
    )


@cache
def _headers_digest() -> str:
    h = hashlib.sha256()
    root = include_dir() / "madnis"
    for f in sorted(root.rglob("*.h")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@cache
def _compiler_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False, timeout=60)
    except OSError as err:
        raise BuildError(f"cannot run the compiler {exe!r}: {err}") from None
    return out.stdout


def find_nvcc() -> str | None:
    """Path of nvcc, or None."""
    env = os.environ.get("MADNIS_NVCC")
    if env:
        return env
    found = shutil.which("nvcc")
    if found:
        return found
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or "/usr/local/cuda"
    cand = Path(home) / "bin" / "nvcc"
    return str(cand) if cand.is_file() else None


def _command(backend: str, arch: str | None) -> list[str]:
    if backend == "cpu":
        cxx = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or "g++"
        return [*shlex.split(cxx), *CXX_FLAGS]
    if backend == "cuda":
        nvcc = find_nvcc()
        if nvcc is None:
            raise BuildError("the CUDA backend needs nvcc (set MADNIS_NVCC or put it on PATH)")
        return [nvcc, *NVCC_FLAGS, f"-gencode=arch=compute_{arch},code=sm_{arch}"]
    raise ValueError(f"unknown backend {backend!r} (cpu or cuda)")


def code_key(source: str) -> str:
    """The source without its whole-line comments: what decides whether two matrix elements
    are the same code (``u u~ > e+ e-`` and ``c c~ > e+ e-`` differ only in comments)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))


def compile_library(source: str, backend: str = "cpu", arch: str | None = None, name: str = "me") -> Path:
    """Compile `source` for `backend` (``cpu`` or ``cuda``; `arch` e.g. ``"90"``), cached.

    The cache key ignores whole-line comments (see `code_key`): the source kept beside the
    library is the first one compiled.

    Returns the path of the shared library. Concurrent builds of the same source are
    safe: each compiles into a private file and the first rename wins.
    """
    if backend == "cuda" and not arch:
        raise ValueError("a CUDA build needs the target architecture, e.g. arch='90'")
    cmd = _command(backend, arch)
    h = hashlib.sha256()
    for part in (code_key(source), _headers_digest(), " ".join(cmd[1:]), _compiler_version(cmd[0]), backend):
        h.update(part.encode())
        h.update(b"\0")
    key = h.hexdigest()[:24]
    out_dir = cache_dir() / "me" / key
    lib = out_dir / f"lib{name}_{backend}.so"
    if lib.is_file():
        return lib
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = ".cu" if backend == "cuda" else ".cpp"
    src = out_dir / f"{name}{suffix}"
    if not src.is_file():
        _write_atomic(src, source.encode())
    fd, tmp = tempfile.mkstemp(prefix=f".{name}_", suffix=".so", dir=out_dir)
    os.close(fd)
    full = [*cmd, f"-I{include_dir()}", "-o", tmp, str(src)]
    proc = subprocess.run(full, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        Path(tmp).unlink(missing_ok=True)
        raise BuildError(
            f"compiling {src} failed (exit {proc.returncode}):\n  {' '.join(full)}\n{proc.stdout}{proc.stderr}"
        )
    os.replace(tmp, lib)
    return lib


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
