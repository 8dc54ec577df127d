"""Matrix elements of subprocesses: generated, compiled, cached and evaluated on batches.

    me = MatrixElement.from_process(models.load("sm"), "g g > t t~")
    me2 = me.me2(momenta)                      # [B] float64, momenta [B, 4, 4] on any device
    w = me.diagram_weights(momenta)            # [B, n_diagrams]: sum_hel |A_d|^2
    out = me.evaluate(momenta, r_hel=r1, r_col=r2)   # + helicity and colour-flow picks

A `MatrixElement` turns the diagrams of one subprocess into C++ (madnis_plugin.codegen),
compiles it once per content (cache in $MADNIS_CACHE_DIR, default ~/.cache/madnis) for
the CPU and, when a CUDA tensor is passed, for the GPU, and evaluates it through the
core (`_core.MeLibrary`). `ProcessMatrixElements` holds those of all subprocesses of a
process and offers `matrix_element(momenta, subprocess=i)` and `diagram_weights(...)`.

Conventions: momenta are [E, px, py, pz] in GeV, legs in the order of the subprocess's
pdg_ids (initial first). |M|^2 is MG5's SMATRIX: summed over helicities and colours,
averaged over the initial ones, divided by the identical-final-state factor. Couplings,
masses and widths are read from the model when the object is made (call
`update_parameters()` after changing the model's param_card); `alpha_s` (a float or one
value per point) rescales every QCD coupling by (alpha_s / aS)^(n_QCD/2).
Helicity configurations that vanish (found once, at 8 random points) are skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from madnis_plugin.codegen.build import code_key, compile_library
from madnis_plugin.codegen.kinematics import boost, random_momenta
from madnis_plugin.codegen.program import AmplitudeProgram, build_program
from madnis_plugin.codegen.render import render_source
from madnis_plugin.errors import PhysicsInputError
from madnis_plugin.models.model import Model
from madnis_plugin.process.diagrams import Diagram, generate_diagrams

__all__ = ["MatrixElement", "MeOutput", "ProcessMatrixElements"]

#: A helicity configuration is dropped when it never exceeds this fraction of |M|^2.
VANISHING_HELICITY = 1e-20


@dataclass
class MeOutput:
    """Results of one batch evaluation (absent parts are None)."""

    me2: torch.Tensor  # [B]
    diagram_weights: torch.Tensor | None = None  # [B, n_diagrams]
    helicity: torch.Tensor | None = None  # [B] int32, row of MatrixElement.helicity_table
    colour_flow: torch.Tensor | None = None  # [B] int32, index into MatrixElement.icolup
    helicity_me2: torch.Tensor | None = None  # [B, n_helicities]
    flow_weights: torch.Tensor | None = None  # [B, n_flows]: sum_hel |J_k|^2, leading flows only


class MatrixElement:
    """|M|^2 of one subprocess (see the module docstring)."""

    def __init__(self, model: Model, diagrams: Sequence[Diagram], t_channel_width: bool = False) -> None:
        self.model = model
        self.program: AmplitudeProgram = build_program(model, diagrams, t_channel_width)
        self.source = render_source(self.program)
        self.code_key = code_key(self.source)  # equal for flavour-relabelled copies
        self.source_hash = hashlib.sha256(self.code_key.encode()).hexdigest()[:16]
        self._libraries: dict[tuple[str, str | None, str], object] = {}
        self._inputs: dict[torch.device, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        self._good: list[int] | None = None
        self.update_parameters()

    @classmethod
    def from_process(cls, model: Model, process: str | Sequence[int], orders: str | None = None,
                     t_channel_width: bool = False) -> MatrixElement:
        """From a process string of particle names (``"u u~ > e+ e-"``) or PDG ids."""
        if isinstance(process, str):
            ini, _, fin = process.partition(">")
            pdg = [model.particle(x).pdg for x in ini.split()] + [model.particle(x).pdg for x in fin.split()]
            n_initial = len(ini.split())
        else:
            pdg, n_initial = list(process), 2
        return cls(model, generate_diagrams(model, pdg, n_initial=n_initial, orders=orders), t_channel_width)

    # -- description -------------------------------------------------------------------

    @property
    def pdg_ids(self) -> tuple[int, ...]:
        return self.program.pdg_ids

    @property
    def n_external(self) -> int:
        return self.program.n_external

    @property
    def n_diagrams(self) -> int:
        return self.program.n_diagrams

    @property
    def n_flows(self) -> int:
        return self.program.colour.n_flows

    @property
    def helicity_table(self) -> torch.Tensor:
        """[n_helicities, n_external] int8: the helicity of each leg in each configuration."""
        return torch.tensor(self.program.helicities, dtype=torch.int8)

    @property
    def icolup(self) -> list[list[tuple[int, int]]]:
        """Per colour flow, LHE (ICOLUP(1), ICOLUP(2)) of each leg (tags from 501)."""
        return self.program.colour.icolup

    @property
    def leading_flows(self) -> list[bool]:
        return self.program.colour.leading

    @property
    def external_masses(self) -> list[float]:
        return [float(self.model.mass(leg.pdg)) for leg in self.program.legs]

    def __repr__(self) -> str:
        p = self.program
        return (f"<MatrixElement {p.process}: {p.n_diagrams} diagrams, {self.n_flows} colour flows, "
                f"{len(p.helicities)} helicities>")

    # -- parameters and libraries ------------------------------------------------------

    def update_parameters(self) -> None:
        """Read couplings, masses and widths from the model again (after a param_card change)."""
        values = self.model.values
        coup = [c.value(values) for c in self.program.couplings]
        self._couplings = torch.tensor([[z.real, z.imag] for z in coup], dtype=torch.float64).reshape(-1, 2)
        self._params = torch.tensor([complex(values[n]).real for n in self.program.params], dtype=torch.float64)
        self.alpha_s_ref = float(complex(values["aS"]).real) if "aS" in values else 0.0
        self._inputs.clear()
        self._good = None

    def library(self, device: torch.device | str = "cpu", precision: str = "d"):
        """The compiled library for a device and precision (``d`` double, ``f`` single, ``m``
        double amplitudes with a single-precision colour sum), compiled on first request."""
        device = torch.device(device)
        if device.type == "cuda":
            major, minor = torch.cuda.get_device_capability(device)
            key = ("cuda", f"{major}{minor}", precision)
        else:
            key = ("cpu", None, precision)
        if key not in self._libraries:
            from madnis_plugin.core import _core

            path = compile_library(self.source, key[0], key[1], name=f"me_{self.source_hash}", precision=precision)
            self._libraries[key] = _core.MeLibrary(str(path))
        return self._libraries[key]

    def _device_inputs(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if device not in self._inputs:
            hel = torch.tensor(self.good_helicities(), dtype=torch.int32, device=device)
            self._inputs[device] = (self._couplings.to(device), self._params.to(device), hel)
        return self._inputs[device]

    def good_helicities(self) -> list[int]:
        """Rows of the helicity table that contribute (found once at random points)."""
        if self._good is None:
            n_hel = len(self.program.helicities)
            masses = self.external_masses
            sqrt_s = max(2.0 * sum(masses), sum(masses) + 500.0)
            rng = np.random.default_rng(12345)
            pts = random_momenta(masses, sqrt_s, 8, rng=rng, n_initial=self.program.n_initial)
            # Boosted in random directions: for massive particles, helicity amplitudes that
            # vanish in the centre-of-mass frame (by angular momentum) do not vanish in others.
            beta = rng.normal(size=(8, 3))
            beta *= (rng.uniform(0.3, 0.9, 8) / np.linalg.norm(beta, axis=1))[:, None]
            p = torch.from_numpy(boost(pts, beta[:, None, :]))
            all_hel = torch.arange(n_hel, dtype=torch.int32)
            me2 = torch.empty(p.shape[0], dtype=torch.float64)
            per_hel = torch.empty(p.shape[0], n_hel, dtype=torch.float64)
            self.library("cpu").evaluate(p, self._couplings, self._params, all_hel, me2, hel_me2=per_hel)
            frac = (per_hel / me2.clamp_min(1e-300)[:, None]).amax(dim=0)
            self._good = [h for h in range(n_hel) if frac[h] > VANISHING_HELICITY]
        return self._good

    # -- evaluation --------------------------------------------------------------------

    def evaluate(
        self,
        momenta: torch.Tensor,
        alpha_s: float | torch.Tensor | None = None,
        *,
        diagram_weights: bool = False,
        r_hel: torch.Tensor | None = None,
        r_col: torch.Tensor | None = None,
        all_helicities: bool = False,
        per_helicity: bool = False,
        flow_weights: bool = False,
        gauge_leg: int = -1,
        precision: str = "d",
    ) -> MeOutput:
        """|M|^2 of a batch and, on request, per-diagram weights and helicity/colour picks.

        `r_hel`, `r_col`: uniform numbers in [0, 1), one per point, that pick a helicity
        configuration (∝ its |M|^2) and a leading colour flow (∝ sum_hel |J_flow|^2).
        `per_helicity` returns each configuration's contribution to |M|^2 (all of them);
        `flow_weights` returns sum_hel |J_k|^2 of the leading colour flows (what `r_col` picks
        from). `all_helicities` sums every configuration (no skipping); `gauge_leg` replaces the
        polarisation of that massless vector leg by p/E (a Ward-identity check).
        `precision`: ``d`` (double, the default), ``f`` (single) or ``m`` (mixed: double
        amplitudes, single-precision colour sum); inputs and outputs stay float64.
        """
        momenta = _as_momenta(momenta)
        if momenta.ndim != 3 or momenta.shape[1:] != (self.n_external, 4):
            raise ValueError(f"momenta must have shape [B, {self.n_external}, 4], got {list(momenta.shape)}")
        momenta = momenta.contiguous()
        device = momenta.device
        n = momenta.shape[0]
        lib = self.library(device, precision)
        couplings, params, hel = self._device_inputs(device)
        if all_helicities or per_helicity:
            hel = torch.arange(len(self.program.helicities), dtype=torch.int32, device=device)
        kw: dict = {}
        if alpha_s is not None:
            a = torch.as_tensor(alpha_s, dtype=torch.float64, device=device)
            if a.ndim not in (0, 1) or (a.ndim == 1 and a.shape[0] != n):
                raise ValueError(f"alpha_s must be one number or one per point ({n}), got shape {list(a.shape)}")
            kw["alpha_s"] = (a.expand(n) if a.ndim == 0 else a).contiguous()
            kw["alpha_s_ref"] = self.alpha_s_ref
        out = MeOutput(me2=torch.empty(n, dtype=torch.float64, device=device))
        if diagram_weights:
            out.diagram_weights = kw["amp2"] = torch.empty(n, self.n_diagrams, dtype=torch.float64, device=device)
        if per_helicity:
            out.helicity_me2 = kw["hel_me2"] = torch.empty(
                n, len(self.program.helicities), dtype=torch.float64, device=device
            )
        if flow_weights:
            out.flow_weights = kw["flow_w"] = torch.empty(n, self.n_flows, dtype=torch.float64, device=device)
        if r_hel is not None:
            kw["r_hel"] = r_hel.to(device=device, dtype=torch.float64).contiguous()
            out.helicity = kw["hel_out"] = torch.empty(n, dtype=torch.int32, device=device)
        if r_col is not None:
            kw["r_col"] = r_col.to(device=device, dtype=torch.float64).contiguous()
            out.colour_flow = kw["col_out"] = torch.empty(n, dtype=torch.int32, device=device)
        from madnis_plugin.core import stream_of

        lib.evaluate(momenta, couplings, params, hel, out.me2, gauge_leg=gauge_leg, stream=stream_of(momenta), **kw)
        return out

    def me2(self, momenta: torch.Tensor, alpha_s: float | torch.Tensor | None = None,
            precision: str = "d") -> torch.Tensor:
        """|M|^2 [B] (MG5's SMATRIX convention), in `precision` (see `evaluate`)."""
        return self.evaluate(momenta, _checked_alpha_s(alpha_s), precision=precision).me2

    def diagram_weights(self, momenta: torch.Tensor, alpha_s: float | torch.Tensor | None = None) -> torch.Tensor:
        """[B, n_diagrams]: sum over helicities of |A_d|^2 (colour-stripped), the channel-weight prior."""
        w = self.evaluate(momenta, _checked_alpha_s(alpha_s), diagram_weights=True).diagram_weights
        assert w is not None
        return w


def _as_momenta(momenta) -> torch.Tensor:
    """A float64 tensor of the momenta (numpy arrays and nested lists are converted;
    tensors of another dtype are refused rather than silently rounded)."""
    if isinstance(momenta, torch.Tensor):
        if momenta.dtype != torch.float64:
            raise ValueError(f"momenta must be a float64 tensor, got {momenta.dtype} (use .double())")
        return momenta
    array = np.asarray(momenta)
    if array.dtype != np.float64:
        if not np.issubdtype(array.dtype, np.number):
            raise ValueError(f"momenta must be numbers, got an array of {array.dtype}")
        array = array.astype(np.float64)
    return torch.from_numpy(np.ascontiguousarray(array))


def _checked_alpha_s(alpha_s):
    """alpha_s as given, after checking that every value is finite and > 0 (the public
    entry points me2/diagram_weights; the integrand's batch calls go to evaluate unchecked:
    on a GPU the check would wait for the device every batch)."""
    if alpha_s is None:
        return None
    a = torch.as_tensor(alpha_s, dtype=torch.float64).flatten()
    bad = a[~(torch.isfinite(a) & (a > 0))]
    if bad.numel():
        raise PhysicsInputError(f"alpha_s must be finite and > 0, got {bad.flatten()[0].item():g}")
    return alpha_s


class ProcessMatrixElements:
    """The matrix elements of all subprocesses of a process, compiled together.

    `subprocesses` are objects with `.diagrams` (``madnis_plugin.process`` subprocesses).
    Subprocesses whose generated code is identical up to comments share one compiled
    library; each keeps its own couplings and parameters.
    """

    def __init__(self, model: Model, subprocesses: Sequence, t_channel_width: bool = False) -> None:
        self.model = model
        # Equal code need not mean equal couplings (u u~ and d d~ > e+ e- differ only in the
        # couplings passed at run time): share the compiled libraries, not the objects.
        libraries: dict[str, dict] = {}
        self.elements: list[MatrixElement] = []
        for sub in subprocesses:
            me = MatrixElement(model, sub.diagrams, t_channel_width)
            me._libraries = libraries.setdefault(me.code_key, me._libraries)
            self.elements.append(me)

    def __getitem__(self, i: int) -> MatrixElement:
        return self.elements[i]

    def element(self, subprocess: int) -> MatrixElement:
        """The matrix element of subprocess number `subprocess` (0-based; negative numbers
        and numbers past the last one are errors, not Python's counting from the end)."""
        if isinstance(subprocess, bool) or not isinstance(subprocess, (int, np.integer)):
            raise TypeError(f"subprocess must be an integer index, got {subprocess!r}")
        if not 0 <= subprocess < len(self.elements):
            raise PhysicsInputError(
                f"subprocess={subprocess}: this process has {len(self.elements)} subprocess(es), "
                f"numbered 0 to {len(self.elements) - 1}")
        return self.elements[int(subprocess)]

    def __len__(self) -> int:
        return len(self.elements)

    def build(self, device: torch.device | str = "cpu", jobs: int | None = None) -> None:
        """Compile every distinct library for `device` now, `jobs` compilers in parallel."""
        unique = list({me.code_key: me for me in self.elements}.values())
        if jobs is None:  # the core's threads (--threads, nb_core, else the CPUs this process may use)
            from madnis_plugin.core import _core

            jobs = _core.num_threads()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda me: me.library(device), unique))

    def update_parameters(self) -> None:
        for me in self.elements:
            me.update_parameters()

    def matrix_element(self, momenta: torch.Tensor, subprocess: int = 0,
                       alpha_s: float | torch.Tensor | None = None) -> torch.Tensor:
        """|M|^2 [B] of subprocess `subprocess` (legs in its pdg_ids order); momenta a float64
        tensor or numpy array."""
        return self.element(subprocess).me2(momenta, alpha_s)

    def diagram_weights(self, momenta: torch.Tensor, subprocess: int = 0,
                        alpha_s: float | torch.Tensor | None = None) -> torch.Tensor:
        """[B, n_diagrams] of subprocess `subprocess`."""
        return self.element(subprocess).diagram_weights(momenta, alpha_s)


def reference_points(me: MatrixElement, sqrt_s: float, n: int, seed: int = 1) -> torch.Tensor:
    """n random on-shell points for `me` at √s (for tests and benchmarks; not flat)."""
    return torch.from_numpy(random_momenta(me.external_masses, sqrt_s, n, rng=np.random.default_rng(seed),
                                           n_initial=me.program.n_initial))
