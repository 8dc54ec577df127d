"""Parton distribution functions: LHAPDF6 grids interpolated by the core.

``load(name_or_id, member=0)`` finds a set by name or LHAPDF ID in the LHAPDF
data path (``LHAPDF_DATA_PATH``/``LHAPATH``) or, for the sets it ships, in the
``pythia8mc`` wheel's ``share/Pythia8/pdfdata``; metadata missing there comes
from ``madnis_plugin/data/pdfsets``. The returned :class:`PDF` evaluates
x·f(x, Q) and αs(Q) for batches of torch tensors on any device, with
LHAPDF's log-bicubic interpolation and continuation extrapolation.

With ``backend="lhapdf"`` the ``lhapdf`` Python module (when installed) does
the evaluation instead, on the CPU, point by point: a reference, not a fast path.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from pathlib import Path

import numpy as np
import torch
import yaml

from madnis_plugin.pdf.alphas import pack_table, table_from_info
from madnis_plugin.pdf.grid import GridMember, PDFError, pack_grid, read_grid

DEFAULT_SET = "NNPDF23_lo_as_0130_qed"
_PACKAGED_INFO = Path(__file__).resolve().parent.parent / "data" / "pdfsets"


def data_paths() -> list[Path]:
    """Folders searched for PDF sets, in order."""
    paths: list[Path] = []
    for var in ("LHAPDF_DATA_PATH", "LHAPATH"):
        paths += [Path(p) for p in os.environ.get(var, "").split(os.pathsep) if p]
    try:  # the lhapdf module knows its own installation's path
        import lhapdf  # type: ignore[import-not-found]

        paths += [Path(p) for p in lhapdf.paths()]
    except ImportError:
        pass
    prefixes = [sysconfig.get_paths()["data"], sys.prefix, getattr(site, "USER_BASE", None)]
    paths += [Path(p) / "share" / "Pythia8" / "pdfdata" for p in prefixes if p]
    seen: set[Path] = set()
    return [p for p in paths if p.is_dir() and not (p in seen or seen.add(p))]


def _read_info(path: Path) -> dict:
    try:
        info = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise PDFError(f"{path}: cannot read PDF set metadata: {err}") from err
    if not isinstance(info, dict):
        raise PDFError(f"{path}: PDF set metadata is not a key: value mapping")
    return info


def _name_from_id(lhapdf_id: int) -> tuple[str, int]:
    """(set name, member) of an LHAPDF ID, from pdfsets.index files or packaged metadata."""
    best: tuple[int, str] | None = None
    for folder in data_paths():
        index = folder / "pdfsets.index"
        if not index.is_file():
            continue
        for line in index.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[0].isdigit():
                first = int(fields[0])
                if first <= lhapdf_id and (best is None or first > best[0]):
                    best = (first, fields[1])
    for info_path in _PACKAGED_INFO.glob("*.info"):
        first = int(_read_info(info_path).get("SetIndex", -1))
        if 0 <= first <= lhapdf_id and (best is None or first > best[0]):
            best = (first, info_path.stem)
    if best is None:
        raise PDFError(f"no PDF set with LHAPDF ID {lhapdf_id} in {_describe_paths()}")
    return best[1], lhapdf_id - best[0]


def _describe_paths() -> str:
    paths = data_paths()
    return "the PDF data path (" + (", ".join(map(str, paths)) or "empty") + "; set LHAPDF_DATA_PATH)"


def locate(name: str, member: int = 0) -> tuple[Path, dict]:
    """(grid file, metadata) of a set member."""
    stem = f"{name}_{member:04d}.dat"
    for folder in data_paths():
        for grid, info in ((folder / name / stem, folder / name / f"{name}.info"),
                           (folder / stem, folder / f"{name}.info")):
            if grid.is_file():
                if info.is_file():
                    return grid, _read_info(info)
                packaged = _PACKAGED_INFO / f"{name}.info"
                if packaged.is_file():
                    return grid, _read_info(packaged)
                raise PDFError(f"{grid}: found the grid but no {name}.info metadata beside it")
    known = sorted({p.name[: -len('_0000.dat')] for f in data_paths() for p in f.glob('*_0000.dat')}
                   | {p.name for f in data_paths() for p in f.iterdir() if (p / f'{p.name}.info').is_file()})
    hint = ""
    if known:
        import difflib

        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; closest: {', '.join(close)}" if close else ""
    raise PDFError(f"PDF set '{name}' member {member} not found in {_describe_paths()}{hint}")


class PDF:
    """One member of a PDF set: x·f(x, Q) and αs(Q) for batches, on any device."""

    def __init__(self, name: str, member: int, grid: GridMember, info: dict):
        self.name = name
        self.member = member
        self.info = info
        self.lhapdf_id = int(info["SetIndex"]) + member if "SetIndex" in info else None
        self.path = grid.path
        self.x_min = float(grid.subgrids[0].xs[0])
        self.q_min = float(grid.subgrids[0].qs[0])
        self.q_max = float(grid.subgrids[-1].qs[-1])
        self.flavours = tuple(21 if p == 0 else p for p in grid.subgrids[0].pids)
        try:
            alphas_table = pack_table(*table_from_info(info, grid.q_knots))
        except (KeyError, ValueError) as err:
            raise PDFError(f"{grid.path}: the set's metadata does not define αs ({err})") from err
        self._host = {"grid": pack_grid(grid), "alphas": alphas_table}
        self._on_device: dict[torch.device, dict[str, tuple[torch.Tensor, ...]]] = {}

    def __repr__(self) -> str:
        return f"PDF({self.name!r}, member={self.member}, lhapdf_id={self.lhapdf_id})"

    def tables(self, device: torch.device | str) -> dict[str, tuple[torch.Tensor, ...]]:
        """The packed grid and αs table on a device (copied there once)."""
        device = torch.device(device)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        if device not in self._on_device:
            self._on_device[device] = {
                key: tuple(torch.from_numpy(a).to(device) for a in arrays)
                for key, arrays in self._host.items()
            }
        return self._on_device[device]

    def xfxQ2(self, pid: int | torch.Tensor, x, q2) -> torch.Tensor:
        """x·f for a flavour (int) or per-point flavours (int tensor) at x, Q² [GeV²]."""
        x, q2 = _points(x, q2, "Q2")
        if isinstance(pid, torch.Tensor):
            if pid.dtype.is_floating_point or pid.dtype.is_complex:
                raise TypeError(f"pid: expected an integer tensor, got {pid.dtype}")
            pid, x, q2 = torch.broadcast_tensors(pid.to(x.device), x, q2)
            shape = x.shape
            out = torch.empty(x.numel(), dtype=torch.float64, device=x.device)
            pids = pid.reshape(-1).to(torch.int32).contiguous()
            self._xfx(pids, x.reshape(-1).contiguous(), q2.reshape(-1).contiguous(), out, True)
            return out.reshape(shape)
        return self.xfxQ2_flavours([int(pid)], x, q2)[..., 0]

    def xfxQ(self, pid: int | torch.Tensor, x, q) -> torch.Tensor:
        """x·f for a flavour (int) or per-point flavours (int tensor) at x, Q [GeV]."""
        x, q = _points(x, q, "Q")
        return self.xfxQ2(pid, x, q * q)

    def xfxQ2_flavours(self, pids, x, q2) -> torch.Tensor:
        """x·f of several flavours at once: shape [*points, len(pids)]."""
        x, q2 = _points(x, q2, "Q2")
        x, q2 = torch.broadcast_tensors(x, q2)
        shape = x.shape
        pids_t = torch.as_tensor(list(pids), dtype=torch.int32, device=x.device)
        out = torch.empty((x.numel(), len(pids_t)), dtype=torch.float64, device=x.device)
        self._xfx(pids_t, x.reshape(-1).contiguous(), q2.reshape(-1).contiguous(), out, False)
        return out.reshape(*shape, len(pids_t))

    def xfxQ_flavours(self, pids, x, q) -> torch.Tensor:
        x, q = _points(x, q, "Q")
        return self.xfxQ2_flavours(pids, x, q * q)

    def alphasQ2(self, q2) -> torch.Tensor:
        q2 = _scale(q2, "Q2")
        flat = q2.reshape(-1).contiguous()
        out = torch.empty_like(flat)
        from madnis_plugin.core import _core, stream_of

        _core.alphas(*self.tables(flat.device)["alphas"], flat, out, stream_of(flat))
        return out.reshape(q2.shape)

    def alphasQ(self, q) -> torch.Tensor:
        q = _scale(q, "Q")
        return self.alphasQ2(q * q)

    def _xfx(self, pids, x, q2, out, per_point: bool) -> None:
        from madnis_plugin.core import _core, stream_of

        _core.pdf_xfx(*self.tables(x.device)["grid"], pids, x, q2, out, per_point, stream_of(x))


def _as_float64(v, name: str) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        if v.dtype != torch.float64:
            raise TypeError(f"{name}: expected a float64 tensor, got {v.dtype}")
        return v.detach()
    t = torch.as_tensor(np.asarray(v, dtype=np.float64))
    return t


def _scale(q, name: str) -> torch.Tensor:
    q = _as_float64(q, name)
    if not bool(torch.all(torch.isfinite(q) & (q > 0))):
        raise ValueError(f"{name}: expected positive finite scales")
    return q


def _points(x, q, qname: str) -> tuple[torch.Tensor, torch.Tensor]:
    x = _as_float64(x, "x")
    q = _scale(q, qname)
    if x.device != q.device:
        raise ValueError(f"x is on {x.device} but {qname} is on {q.device}")
    bad = ~(torch.isfinite(x) & (x > 0) & (x <= 1))
    if bool(torch.any(bad)):
        raise ValueError(f"x: expected 0 < x <= 1, got {x[bad].reshape(-1)[0].item()!r}")
    return x, q


class LHAPDFBackend:
    """The same interface through the ``lhapdf`` module (CPU, point by point)."""

    def __init__(self, name: str, member: int):
        import lhapdf  # type: ignore[import-not-found]

        self._pdf = lhapdf.mkPDF(name, member)
        self.name, self.member = name, member

    def xfxQ(self, pid, x, q) -> torch.Tensor:
        x, q = _points(x, q, "Q")
        pid_t = torch.as_tensor(pid)
        pid_b, xb, qb = torch.broadcast_tensors(pid_t, x.cpu(), q.cpu())
        vals = [self._pdf.xfxQ(int(p), float(a), float(b)) for p, a, b in
                zip(pid_b.reshape(-1), xb.reshape(-1), qb.reshape(-1))]
        return torch.tensor(vals, dtype=torch.float64).reshape(xb.shape).to(x.device)

    def alphasQ(self, q) -> torch.Tensor:
        q = _scale(q, "Q")
        vals = [self._pdf.alphasQ(float(v)) for v in q.cpu().reshape(-1)]
        return torch.tensor(vals, dtype=torch.float64).reshape(q.shape).to(q.device)


def load(name_or_id: str | int = DEFAULT_SET, member: int = 0, backend: str = "core") -> PDF:
    """Load a PDF set member by name or LHAPDF ID ('core' or 'lhapdf' backend)."""
    if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.isdigit()):
        name, member = _name_from_id(int(name_or_id))
    else:
        name = name_or_id
    if member < 0:
        raise PDFError(f"PDF member must be >= 0, got {member}")
    if backend == "lhapdf":
        try:
            return LHAPDFBackend(name, member)  # type: ignore[return-value]
        except ImportError as err:
            raise PDFError("backend 'lhapdf' needs the lhapdf Python module, which is not installed") from err
    if backend != "core":
        raise ValueError(f"unknown PDF backend '{backend}' (expected 'core' or 'lhapdf')")
    path, info = locate(name, member)
    return PDF(name, member, read_grid(path), info)


__all__ = ["DEFAULT_SET", "PDF", "PDFError", "data_paths", "load", "locate"]
