"""`Process`: a proc_card turned into model, subprocesses, diagrams and channels.

    proc = Process.from_card("processes/drell_yan/proc_card.dat")
    proc = Process.from_string("p p > e+ e- j", model="sm")
    for sub in proc.subprocesses:
        sub.pdg_ids, sub.flavours, sub.diagrams, sub.channels

A param_card.dat beside the proc_card is applied, as MG5 picks up cards in a
process folder. Errors in the cards are `CardError`s naming file and line.
Matrix elements and integration build on this object; it holds no run state.
"""

from __future__ import annotations

import math
import os
from functools import cached_property
from pathlib import Path

from madnis_plugin import models
from madnis_plugin.cards.proc_card import DecayDefinition, ProcCard, ProcessDefinition
from madnis_plugin.errors import CardError
from madnis_plugin.models.model import Model
from madnis_plugin.process.channels import ChannelInfo, build_channels
from madnis_plugin.process.diagrams import Diagram, NoDiagramsError
from madnis_plugin.process.limits import TooManyDiagrams, diagram_limit
from madnis_plugin.process.subprocesses import Subprocess, expand_subprocesses

DEFAULT_SQRT_S = 13000.0  # MG5's default run_card: ebeam1 = ebeam2 = 6500 GeV


class ProcessSubprocess:
    """One subprocess of a `Process`: its matrix element's legs, flavours, diagrams, channels."""

    def __init__(self, process: Process, index: int, subprocess: Subprocess, definition: ProcessDefinition):
        self.process = process
        self.index = index
        self.subprocess = subprocess
        self.definition = definition

    @property
    def pdg_ids(self) -> tuple[int, ...]:
        return self.subprocess.pdg_ids

    @property
    def names(self) -> tuple[str, ...]:
        return self.subprocess.names

    @property
    def flavours(self) -> list[tuple[int, ...]]:
        return self.subprocess.flavours

    @property
    def mirrored(self) -> list[bool]:
        return self.subprocess.mirrored

    @property
    def diagrams(self) -> list[Diagram]:
        return self.subprocess.diagrams

    @property
    def symmetry_factor(self) -> int:
        return self.subprocess.symmetry_factor

    @property
    def n_final(self) -> int:
        return len(self.pdg_ids) - 2

    @cached_property
    def channel_info(self) -> list[ChannelInfo]:
        """Diagram index, topology and symmetry group of each channel."""
        return build_channels(self.process.model, self.diagrams)

    @cached_property
    def channels(self) -> list:
        """Phase-space `Channel`s (madnis_plugin.phasespace), one per channel_info entry,
        with √ŝ ≥ the process's sqrt_s_hat_min (the integrator sets it from the cuts)."""
        return self.make_channels(self.process.sqrt_s_hat_min)

    def make_channels(self, sqrt_s_hat_min: float, limits=None, nu_t: float | None = None) -> list:
        """Channels with √ŝ ≥ sqrt_s_hat_min; `limits` (a phasespace.CutLimits for the
        outgoing legs in this subprocess's order, from Cuts.phase_space_limits) makes
        their invariant and t limits follow the cuts; nu_t: see phasespace.Channel."""
        from madnis_plugin.phasespace import Channel

        return [Channel(info.topology, self.process.sqrt_s, hadronic=self.process.hadronic,
                        sqrt_s_hat_min=sqrt_s_hat_min, limits=limits, nu_t=nu_t)
                for info in self.channel_info]

    def __str__(self) -> str:
        return str(self.subprocess)


class Process:
    def __init__(self, card: ProcCard, model: Model, sqrt_s: float = DEFAULT_SQRT_S, hadronic: bool = True,
                 sqrt_s_hat_min: float = 1.0, max_diagrams: int | None = None):
        """`max_diagrams`: stop with TooManyDiagrams when the subprocesses have more diagrams
        in all (generation of a large process reports its progress on stderr either way)."""
        self.card = card
        self.model = model
        self.sqrt_s = sqrt_s
        self.hadronic = hadronic
        # A technical floor for massless final states; real runs derive it from the cuts.
        self.sqrt_s_hat_min = sqrt_s_hat_min
        self.subprocesses: list[ProcessSubprocess] = []
        with diagram_limit(max_diagrams):
            for definition in card.processes:
                for sub in self._expand(definition):
                    self.subprocesses.append(ProcessSubprocess(self, len(self.subprocesses), sub, definition))

    @classmethod
    def from_card(cls, path: str | os.PathLike[str], param_card: str | os.PathLike[str] | None = None,
                  **kw) -> Process:
        path = Path(path)
        card = ProcCard.from_file(path)
        model = _load_model(card)
        beside = path.parent / "param_card.dat"
        chosen = Path(param_card) if param_card else (beside if beside.is_file() else None)
        if chosen is not None:
            model.set_param_card(chosen)
        return cls(card, model, **kw)

    @classmethod
    def from_string(cls, process: str, model: str = "sm", **kw) -> Process:
        """A process in MG5 syntax, e.g. ``"p p > e+ e- j"`` or ``"g g > t t~ QED=0"``."""
        card = ProcCard.from_string(f"import model {model}\ngenerate {process}\n", path="<process>")
        return cls(card, _load_model(card), **kw)

    def with_beams(self, ebeam1: float, ebeam2: float, hadronic: bool = True) -> Process:
        """The same process at other beam energies (new channels; subprocesses shared)."""
        other = object.__new__(Process)
        other.card, other.model, other.hadronic = self.card, self.model, hadronic
        other.sqrt_s_hat_min = self.sqrt_s_hat_min
        other._elements = getattr(self, "_elements", None)
        other.sqrt_s = 2 * math.sqrt(ebeam1 * ebeam2)
        other.subprocesses = [ProcessSubprocess(other, s.index, s.subprocess, s.definition) for s in self.subprocesses]
        return other

    def matrix_elements(self, device: str | None = None):
        """The compiled matrix elements of all subprocesses (built once; compiled for
        `device` now when given, else on first use)."""
        if getattr(self, "_elements", None) is None:
            from madnis_plugin.matrix_element import ProcessMatrixElements

            self._elements = ProcessMatrixElements(self.model, self.subprocesses)
        if device is not None:
            self._elements.build(device)
        return self._elements

    def matrix_element(self, momenta, subprocess: int = 0, alpha_s=None):
        """|M|² [B] of a subprocess (MG5's SMATRIX convention); momenta [B, n, 4] float64,
        legs in the order of its pdg_ids; alpha_s overrides the param_card's aS."""
        return self.matrix_elements().matrix_element(momenta, subprocess, alpha_s)

    def diagram_weights(self, momenta, subprocess: int = 0, alpha_s=None):
        """Σ_hel |A_d|² per diagram, [B, n_diagrams]."""
        return self.matrix_elements().diagram_weights(momenta, subprocess, alpha_s)

    def _expand(self, definition: ProcessDefinition) -> list[Subprocess]:
        final, decays = flatten_decay_chain(definition.final, definition.decays, len(definition.initial))
        labels = definition.initial + final
        if decays:
            self._check_decay_chain(definition, final)
        try:
            legs = [[self.model.particle(name).pdg for name in self.card.expand(lab)] for lab in labels]
        except (KeyError, ValueError) as err:
            raise CardError(self.card.path, definition.line, str(err)) from err
        majorana = sorted({self.model.particle(p).name for leg in legs for p in leg if self.model.particle(p).majorana})
        if majorana:
            raise CardError(self.card.path, definition.line,
                            f"{definition}: {', '.join(majorana)}: Majorana fermions are not supported "
                            "(madnis's fermion flow covers Dirac fermions only)")
        # MG5's `$ X` keeps the diagrams; the veto near X's mass shell is the channels' cut
        # (integrand/build.py on_shell_veto).
        try:
            return expand_subprocesses(
                self.model, legs, n_initial=len(definition.initial),
                orders={k: v for k, v in definition.orders.items()} or None,
                forbidden=definition.forbidden_propagators,
                forbidden_s_channels=definition.forbidden_s_diagrams,
                decays=decays,
            )
        except NoDiagramsError as err:
            raise CardError(self.card.path, definition.line, f"{definition}: {err}") from err
        except TooManyDiagrams as err:
            where = self.card.path + (f":{definition.line}" if definition.line else "")
            raise TooManyDiagrams(f"{where}: {definition}: {err}") from None

    def _check_decay_chain(self, definition: ProcessDefinition, final: list[str]) -> None:
        """Refuse the decay chains whose MG5 meaning we do not reproduce yet."""
        def fail(message: str) -> CardError:
            return CardError(self.card.path, definition.line, f"{definition.text}: {message}")

        # MG5 divides by (identical undecayed particles)! x (identical decay chains)! x each
        # decay's own factor and keeps one pairing of identical products; the flattened
        # final state's factor is that only when no particle repeats across chains.
        owner = _chain_of_each_leg(definition.final, definition.decays)
        seen: dict[str, int] = {}
        for label, chain in zip(final, owner, strict=True):
            for name in self.card.expand(label):
                if seen.setdefault(name, chain) != chain:
                    raise fail(f"'{name}' appears in more than one decay (or in the production and a "
                               "decay): identical particles across decay chains are not supported yet")
        for decay in _all_decays(definition.decays):
            mass, width = self.model.particle(decay.parent).mass, self.model.particle(decay.parent).width
            if mass == "ZERO" or width == "ZERO":
                raise fail(f"'{decay.parent}' in '{decay}' has no mass or no width in the model: "
                           "a decay chain needs a Breit-Wigner resonance")

    def __repr__(self) -> str:
        procs = "; ".join(str(p) for p in self.card.processes)
        return f"Process({procs!r}, model={self.model.name!r}, {len(self.subprocesses)} subprocesses)"


def flatten_decay_chain(final: list[str], decays: list[DecayDefinition],
                        offset: int = 2) -> tuple[list[str], list[tuple[str, tuple[int, ...]]]]:
    """The final state of a decay chain (each decayed particle replaced, in place, by its
    products) and its resonances as (particle, final legs), legs 0-based in process order
    with `offset` incoming legs. ``t t~, t > w+ b, t~ > w- b~`` → [w+, b, w-, b~],
    [(t, (2, 3)), (t~, (4, 5))]."""
    by_parent = {d.parent: d for d in decays}
    out: list[str] = []
    resonances: list[tuple[str, tuple[int, ...]]] = []
    for label in final:
        decay = by_parent.get(label)
        if decay is None:
            out.append(label)
            continue
        start = offset + len(out)
        products, inner = flatten_decay_chain(decay.final, decay.decays, start)
        out += products
        resonances.append((label, tuple(range(start, start + len(products)))))
        resonances += inner
    return out, resonances


def _chain_of_each_leg(final: list[str], decays: list[DecayDefinition], top: int = -1) -> list[int]:
    """Per flattened final leg: which top-level decay it comes from (-1: the production)."""
    by_parent = {d.parent: d for d in decays}
    out: list[int] = []
    for label in final:
        decay = by_parent.get(label)
        if decay is None:
            out.append(top)
        else:
            chain = len(out)  # one id per decayed particle of the production
            out += [chain] * len(flatten_decay_chain(decay.final, decay.decays)[0])
    return out


def _all_decays(decays: list[DecayDefinition]):
    for d in decays:
        yield d
        yield from _all_decays(d.decays)


def _load_model(card: ProcCard) -> Model:
    # UFO folders are looked up beside the proc_card first (the working directory for text cards)
    card_dir = Path(card.path).parent if Path(card.path).is_file() else Path.cwd()
    try:
        model = models.load(card.model.name, card.model.restriction, card_dir=card_dir, plugins=card.model.plugins)
    except ValueError as err:
        raise CardError(card.path, card.model.line, str(err)) from err
    _five_flavour_if_b_massless(card, model)
    card.validate_names({p.name for p in model.particles})
    return model


def _five_flavour_if_b_massless(card: ProcCard, model: Model) -> None:
    """MG5 moves the default p and j to 5 flavours when the model's b is massless (the card
    parser can only tell from a restriction named ``no_b_mass``). Labels the card defines
    itself are left alone."""
    if not model.has_particle("b") or not model.particle("b").massless:
        return
    for label in ("p", "j"):
        members = card.definitions.get(label)
        if members is not None and card.definition_lines.get(label) is None:
            members += [x for x in ("b", "b~") if x not in members]
