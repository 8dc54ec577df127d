"""Parton luminosities of a subprocess: Σ over its flavour assignments of f·f.

The phase-space channels generate momenta in the frame of the subprocess's own
leg order ("ME frame"): leg 1 along +z with momentum fraction x1, leg 2 along −z
with x2. A flavour assignment (a, b, ...) that is not mirrored takes parton a from
beam 1 at x1 and b from beam 2 at x2. A mirrored one, written (b, a, ...) in its
own leg order, is the same matrix element with the initial momenta exchanged:
its event is the z-reflection of the ME-frame event, so beam 1 supplies b at x2
and beam 2 supplies a at x1. Hence one ME evaluation serves every term:

    L(x1, x2) = Σ_normal f¹_a(x1) f²_b(x2) + Σ_mirror f¹_b(x2) f²_a(x1),

with f = (x·f)/x from the PDF and, for an antiproton beam (lpp = −1), f̄_q = f_{−q}.
Lepton beams (lpp = 0) contribute a factor 1. Each term is returned separately so
that events can pick their flavours (and mirror orientation) ∝ their share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LuminosityTerm:
    beam1_pid: int  # parton taken from beam 1
    beam2_pid: int  # parton taken from beam 2
    mirrored: bool  # True: beam 1's parton has the ME frame's x2 (event is z-reflected)
    flavour: tuple[int, ...]  # the full PDG-id assignment, in its own leg order


class PartonLuminosity:
    def __init__(self, pdf, flavours: Sequence[Sequence[int]], mirrored: Sequence[bool],
                 beams: tuple[int, int] = (1, 1)):
        for lpp in beams:
            if lpp not in (-1, 0, 1):
                raise ValueError(f"beam type lpp = {lpp} is not supported (expected 1, -1 or 0)")
        if any(lpp != 0 for lpp in beams) and pdf is None:
            raise ValueError("hadron beams need a PDF set")
        self.pdf = pdf
        self.beams = beams
        self.terms = [LuminosityTerm(f[0], f[1], bool(m), tuple(f)) for f, m in zip(flavours, mirrored, strict=True)]
        # Partons each beam must provide, as the PDF sees them (antiproton: charge-conjugated).
        self._needed = [sorted({self._pdf_pid(beam, t.beam1_pid if beam == 0 else t.beam2_pid) for t in self.terms})
                        for beam in (0, 1)]

    def _pdf_pid(self, beam: int, pid: int) -> int:
        if self.beams[beam] == -1 and pid != 21 and pid != 22:
            return -pid
        return pid

    def _densities(self, beam: int, x: torch.Tensor, muf: torch.Tensor) -> dict[int, torch.Tensor]:
        """f(x) per needed parton of a beam (1 for lepton beams)."""
        if self.beams[beam] == 0:
            return {}
        pids = self._needed[beam]
        xf = self.pdf.xfxQ2_flavours(pids, x, muf * muf)
        return {pid: xf[:, k] / x for k, pid in enumerate(pids)}

    def terms_at(self, x1: torch.Tensor, x2: torch.Tensor, muf1: torch.Tensor, muf2: torch.Tensor) -> torch.Tensor:
        """[B, n_terms] luminosity of each flavour term at ME-frame fractions x1, x2."""
        b1 = {"x1": self._densities(0, x1, muf1), "x2": self._densities(0, x2, muf1)} if self.beams[0] else None
        b2 = {"x1": self._densities(1, x1, muf2), "x2": self._densities(1, x2, muf2)} if self.beams[1] else None
        one = torch.ones_like(x1)
        cols = []
        for t in self.terms:
            x_beam1, x_beam2 = ("x2", "x1") if t.mirrored else ("x1", "x2")
            f1 = b1[x_beam1][self._pdf_pid(0, t.beam1_pid)] if b1 else one
            f2 = b2[x_beam2][self._pdf_pid(1, t.beam2_pid)] if b2 else one
            cols.append(f1 * f2)
        return torch.stack(cols, dim=-1)
