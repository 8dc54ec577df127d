"""Compile generated matrix-element sources into shared libraries, cached by content.

A library is identified by the SHA-256 of its source, the helicity-amplitude headers it
includes, the compiler command and the compiler's version: the same matrix element
(e.g. ``u u~ > e+ e-`` and ``c c~ > e+ e-``) compiles once and is reused by every later
run. The cache lives in ``$MADNIS_CACHE_DIR`` (default ``~/.cache/madnis``) under
``me/<hash>/``.

CPU libraries are compiled for the host's instruction set (``-march=native``, or
``$MADNIS_CXX_ARCH``, e.g. ``x86-64-v3`` for a cluster of mixed machines) with the
helicity-amplitude code event-vectorised: each operation acts on a SIMD vector of events
(``MADNIS_SIMD_BYTES``, the width the target's registers give; ``$MADNIS_SIMD_BYTES``
overrides it, 0 is scalar code). The resolved target is part of the cache key, so a cache
shared between different machines never hands one a library it cannot run. A library is
also built for one precision: ``d`` (double), ``f`` (single) or ``m`` (double amplitudes,
single-precision colour sum). The compiler is invoked directly (no CMake configure step, which would
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

__all__ = ["PRECISIONS", "BuildError", "cache_dir", "code_key", "compile_library", "cpu_target", "find_nvcc",
           "include_dir"]

#: Optimisation for the CPU backend: -O2 compiles large processes markedly faster than
#: -O3 for the same speed of straight-line helicity-amplitude code.
CXX_FLAGS = ["-std=c++17", "-O2", "-fPIC", "-shared", "-fvisibility=hidden"]
NVCC_FLAGS = ["-std=c++17", "-O3", "--expt-relaxed-constexpr", "-shared", "-cudart", "static",
              "-Xcompiler", "-fPIC,-fvisibility=hidden"]


#: Precision codes (as madgraph4gpu's FPTYPE) and the macro each sets in the generated code.
PRECISIONS = {"d": [], "f": ["-DMADNIS_FP32"], "m": ["-DMADNIS_MIXED"]}


class BuildError(RuntimeError):
    """The compiler cannot run or failed on generated code: one line naming the source, the
    first error and the log beside the source that holds the command and the whole output."""


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


def _cxx() -> list[str]:
    return shlex.split(os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or "g++")


@cache
def cpu_target() -> tuple[list[str], int, str]:
    """(architecture flags, SIMD vector width in bytes, digest of the resolved target).

    The flags are ``-march=$MADNIS_CXX_ARCH`` (default ``native``), or none where the
    compiler refuses them (portable scalar-friendly code). The width follows the widest
    registers the target has: 32 bytes with AVX2 (also with AVX-512, where 256-bit vectors
    run as fast on the CPUs we measured and keep the clock up, as cudacpp's ``512y``), 16 with
    SSE2 or NEON, else 0 (scalar). The digest hashes the compiler's predefined macros under
    those flags: it changes with the instruction sets, whatever ``native`` means on a host.
    """
    arch = os.environ.get("MADNIS_CXX_ARCH", "native").strip()
    flags = [f"-march={arch}"] if arch else []
    macros = _predefined_macros(tuple(flags))
    if macros is None and flags:
        flags, macros = [], _predefined_macros(())
    macros = macros or ""
    if "__AVX2__" in macros:
        width = 32
    elif "__SSE2__" in macros or "__ARM_NEON" in macros:
        width = 16
    else:
        width = 0
    env_width = os.environ.get("MADNIS_SIMD_BYTES")
    if env_width:
        try:
            width = int(env_width)
        except ValueError:
            raise BuildError(f"MADNIS_SIMD_BYTES={env_width!r}: expected a number of bytes (0, 16, 32, 64)") from None
        if width not in (0, 16, 32, 64):
            raise BuildError(f"MADNIS_SIMD_BYTES={width}: expected 0, 16, 32 or 64")
    return flags, width, hashlib.sha256(macros.encode()).hexdigest()


@cache
def _predefined_macros(flags: tuple[str, ...]) -> str | None:
    """The compiler's predefined macros under `flags`, or None if it rejects them."""
    try:
        out = subprocess.run([*_cxx(), *flags, "-dM", "-E", "-x", "c++", "-"], input="", capture_output=True,
                             text=True, check=False, timeout=60)
    except OSError as err:
        raise BuildError(f"cannot run the compiler {_cxx()[0]!r}: {err}") from None
    return out.stdout if out.returncode == 0 else None


def _command(backend: str, arch: str | None, precision: str = "d") -> list[str]:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r} (d, f or m)")
    if backend == "cpu":
        flags, width, _ = cpu_target()
        return [*_cxx(), *CXX_FLAGS, *flags, f"-DMADNIS_SIMD_BYTES={width}", *PRECISIONS[precision]]
    if backend == "cuda":
        nvcc = find_nvcc()
        if nvcc is None:
            raise BuildError("the CUDA backend needs nvcc (set MADNIS_NVCC or put it on PATH)")
        return [nvcc, *NVCC_FLAGS, f"-gencode=arch=compute_{arch},code=sm_{arch}", *PRECISIONS[precision]]
    raise ValueError(f"unknown backend {backend!r} (cpu or cuda)")


def code_key(source: str) -> str:
    """The source without its whole-line comments: what decides whether two matrix elements
    are the same code (``u u~ > e+ e-`` and ``c c~ > e+ e-`` differ only in comments)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))


def compile_library(source: str, backend: str = "cpu", arch: str | None = None, name: str = "me",
                    precision: str = "d") -> Path:
    """Compile `source` for `backend` (``cpu`` or ``cuda``; `arch` e.g. ``"90"``) in
    `precision` (``d``, ``f`` or ``m``, see `PRECISIONS`), cached.

    The cache key ignores whole-line comments (see `code_key`): the source kept beside the
    library is the first one compiled.

    Returns the path of the shared library. Concurrent builds of the same source are
    safe: each compiles into a private file and the first rename wins.
    """
    if backend == "cuda" and not arch:
        raise ValueError("a CUDA build needs the target architecture, e.g. arch='90'")
    cmd = _command(backend, arch, precision)
    target = cpu_target()[2] if backend == "cpu" else ""
    h = hashlib.sha256()
    for part in (code_key(source), _headers_digest(), " ".join(cmd[1:]), _compiler_version(cmd[0]), backend,
                 target):
        h.update(part.encode())
        h.update(b"\0")
    key = h.hexdigest()[:24]
    out_dir = cache_dir() / "me" / key
    lib = out_dir / f"lib{name}_{backend}_{precision}.so"
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
        log = lib.with_suffix(".log")  # one per build of the source (backend, precision)
        _write_atomic(log, f"{shlex.join(full)}\n\n{proc.stdout}{proc.stderr}".encode())
        raise BuildError(f"compiling {src} failed (exit {proc.returncode}): {_first_error(proc.stdout + proc.stderr)}"
                         f" (the compiler's whole output: {log})")
    os.replace(tmp, lib)
    return lib


def _first_error(output: str) -> str:
    """The compiler's first error line (a large process's output runs to thousands of lines)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    line = next((x for x in lines if "error" in x.lower()), lines[0] if lines else "no output")
    return line if len(line) <= 300 else line[:297] + "..."


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
