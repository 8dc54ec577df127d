"""Read and write SLHA param_cards (the MG5 `param_card.dat` format).

What is read: ``BLOCK name [Q= scale]`` blocks with integer-indexed numeric entries
(block names are case-insensitive), ``DECAY pdg width`` lines with optional
branching-ratio lines below them, and ``#`` comments; ``BLOCK QNUMBERS pdg`` (quantum numbers
MG5 writes for new particles) carries no parameters and is skipped. Every malformed line raises
`CardError` naming the file and line. A width given as ``Auto`` (MG5 computes it from
the model's decays) is rejected with a "not supported yet" error.

What is written: a card in MG5's layout that MG5 and SLHA readers accept. Values that
MG5 would print as ``%e`` are printed that way; values that would lose precision are
printed with 17 significant digits so that a written card reads back exactly.

Applying a card to a `Model` (`apply_param_card`) sets the external parameters; the
entries MG5 calls "dependent" (masses of massless particles, the W mass in the Gf
scheme) are ignored as MG5 ignores them, with a warning when they disagree with the
model. This module does not know about proc_cards or run_cards.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from madnis_plugin.errors import CardError, read_card_text

if TYPE_CHECKING:
    from madnis_plugin.models.model import Model

__all__ = [
    "Block",
    "CardError",
    "Decay",
    "Entry",
    "ParamCard",
    "apply_param_card",
    "model_param_card",
    "read_param_card",
]

# Blocks whose values are text rather than numbers (SLHA program information).
_TEXT_BLOCKS = {"spinfo", "dcinfo"}


@dataclass
class Entry:
    """One value of a block: the number, its comment, and where it was read."""

    value: float | str
    comment: str = ""
    line: int | None = None
    dependent: bool = False  # written under MG5's "Dependent parameters" heading


@dataclass
class Block:
    """An SLHA block: entries keyed by their integer index tuple."""

    name: str
    entries: dict[tuple[int, ...], Entry] = field(default_factory=dict)
    scale: float | None = None
    line: int | None = None
    comment: str = ""

    def get(self, index: int | tuple[int, ...]) -> float | str | None:
        e = self.entries.get(_as_index(index))
        return None if e is None else e.value


@dataclass
class Decay:
    """A DECAY line (total width) and its branching-ratio lines."""

    pdg: int
    width: float
    comment: str = ""
    line: int | None = None
    channels: list[tuple[float, tuple[int, ...], str]] = field(default_factory=list)
    dependent: bool = False


def _as_index(index: int | tuple[int, ...]) -> tuple[int, ...]:
    return (index,) if isinstance(index, int) else tuple(index)


def _number(token: str) -> float:
    # Fortran-style exponents (1.0d0) appear in hand-written cards.
    return float(token.replace("d", "e").replace("D", "e"))


def _format(value: float) -> str:
    s = f"{value:e}"
    if _number(s) != value:
        s = f"{value:.16e}"
    return s


class ParamCard:
    """An SLHA param_card in memory.

    ``blocks`` maps lower-case block names to `Block`; ``decays`` maps PDG ids to
    `Decay`. `get("MASS", 23)` and `get("DECAY", 23)` read values; `set` writes them.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, header: str = "") -> None:
        self.path = os.fspath(path) if path is not None else "<string>"
        self.header = header
        self.blocks: dict[str, Block] = {}
        self.decays: dict[int, Decay] = {}

    # -- reading -----------------------------------------------------------------------

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> ParamCard:
        """Read a param_card file."""
        return cls.parse(read_card_text(path, "the param_card"), path=os.path.basename(os.fspath(path)))

    @classmethod
    def parse(cls, text: str, path: str | os.PathLike[str] | None = None) -> ParamCard:
        """Parse param_card text; `path` is only used in error messages."""
        card = cls(path)
        block: Block | None = None
        decay: Decay | None = None
        qnumbers = False  # inside a BLOCK QNUMBERS pdg: quantum numbers of a new particle, no parameters
        for lineno, raw in enumerate(text.splitlines(), start=1):
            body, _, comment = raw.partition("#")
            comment = comment.strip()
            tokens = body.split()
            if not tokens:
                continue
            head = tokens[0].lower()
            if head in ("block", "decay"):
                qnumbers = head == "block" and len(tokens) > 1 and tokens[1].lower() == "qnumbers"
            if qnumbers:
                block = decay = None
            elif head == "block":
                decay = None
                block = card._parse_block_line(tokens, comment, lineno)
            elif head == "decay":
                block = None
                decay = card._parse_decay_line(tokens, comment, lineno)
            elif decay is not None:
                card._parse_branching(decay, tokens, comment, lineno)
            elif block is not None:
                card._parse_entry(block, tokens, comment, lineno)
            else:
                raise card._error(lineno, f"expected 'BLOCK name' or 'DECAY pdg width', got {raw.strip()!r}")
        return card

    def _error(self, line: int | None, message: str) -> CardError:
        return CardError(self.path, line, message)

    def _parse_block_line(self, tokens: list[str], comment: str, lineno: int) -> Block:
        if len(tokens) < 2:
            raise self._error(lineno, "expected a block name after BLOCK")
        name = tokens[1]
        scale = None
        rest = tokens[2:]
        if rest:
            # "Q= 91.2", "Q=91.2" or "Q = 91.2"
            joined = "".join(rest)
            if not joined.lower().startswith("q="):
                raise self._error(lineno, f"expected 'Q= scale' after the block name, got {' '.join(rest)!r}")
            try:
                scale = _number(joined[2:])
            except ValueError:
                raise self._error(
                    lineno, f"expected a number for the block scale Q, got {joined[2:]!r}"
                ) from None
        key = name.lower()
        if key in self.blocks:
            raise self._error(
                lineno, f"block {name} is defined twice (first at line {self.blocks[key].line})"
            )
        block = Block(name, scale=scale, line=lineno, comment=comment)
        self.blocks[key] = block
        return block

    def _parse_decay_line(self, tokens: list[str], comment: str, lineno: int) -> Decay:
        if len(tokens) != 3:
            raise self._error(lineno, "expected 'DECAY pdg width'")
        try:
            pdg = int(tokens[1])
        except ValueError:
            raise self._error(lineno, f"expected an integer PDG id after DECAY, got {tokens[1]!r}") from None
        if tokens[2].lower() == "auto":
            raise self._error(
                lineno,
                f"the width of particle {pdg} is set to Auto: automatic width computation is not "
                "supported yet; give the width in GeV as a number",
            )
        try:
            width = _number(tokens[2])
        except ValueError:
            raise self._error(
                lineno, f"expected a number for the width of particle {pdg}, got {tokens[2]!r}"
            ) from None
        if not math.isfinite(width):
            raise self._error(lineno, f"the width of particle {pdg} is not finite")
        if pdg in self.decays:
            raise self._error(lineno, f"DECAY {pdg} is given twice (first at line {self.decays[pdg].line})")
        decay = Decay(pdg, width, comment, lineno)
        self.decays[pdg] = decay
        return decay

    def _parse_branching(self, decay: Decay, tokens: list[str], comment: str, lineno: int) -> None:
        try:
            br = _number(tokens[0])
            nda = int(tokens[1])
            ids = tuple(int(t) for t in tokens[2:])
        except (ValueError, IndexError):
            raise self._error(lineno, "expected a branching-ratio line 'BR NDA id1 ... idNDA'") from None
        if len(ids) != nda:
            raise self._error(lineno, f"branching-ratio line announces {nda} daughters but lists {len(ids)}")
        decay.channels.append((br, ids, comment))

    def _parse_entry(self, block: Block, tokens: list[str], comment: str, lineno: int) -> None:
        text_block = block.name.lower() in _TEXT_BLOCKS
        try:
            index = tuple(int(t) for t in tokens[:-1]) if not text_block else (int(tokens[0]),)
        except ValueError:
            raise self._error(
                lineno,
                f"expected integer indices followed by a value in block {block.name}, got {' '.join(tokens)!r}",
            ) from None
        if text_block:
            value: float | str = " ".join(tokens[1:])
        else:
            if tokens[-1].lower() == "auto":
                raise self._error(lineno, f"'Auto' in block {block.name} is not supported yet; give a number")
            try:
                value = _number(tokens[-1])
            except ValueError:
                raise self._error(
                    lineno, f"expected a number as the value in block {block.name}, got {tokens[-1]!r}"
                ) from None
            if not math.isfinite(value):
                raise self._error(lineno, f"value {tokens[-1]} in block {block.name} is not finite")
        if index in block.entries:
            first = block.entries[index].line
            raise self._error(
                lineno, f"entry {index} of block {block.name} is given twice (first at line {first})"
            )
        block.entries[index] = Entry(value, comment, lineno)

    # -- access ------------------------------------------------------------------------

    def get(self, block: str, index: int | tuple[int, ...]) -> float | str | None:
        """The value at `block`/`index` (None if absent); block ``DECAY`` gives widths."""
        if block.lower() == "decay":
            d = self.decays.get(_as_index(index)[0])
            return None if d is None else d.width
        b = self.blocks.get(block.lower())
        return None if b is None else b.get(index)

    def line_of(self, block: str, index: int | tuple[int, ...]) -> int | None:
        if block.lower() == "decay":
            d = self.decays.get(_as_index(index)[0])
            return None if d is None else d.line
        b = self.blocks.get(block.lower())
        e = None if b is None else b.entries.get(_as_index(index))
        return None if e is None else e.line

    def set(
        self,
        block: str,
        index: int | tuple[int, ...],
        value: float,
        comment: str = "",
        dependent: bool = False,
    ) -> None:
        """Set (or add) a value; block ``DECAY`` sets a width."""
        if block.lower() == "decay":
            pdg = _as_index(index)[0]
            d = self.decays.get(pdg)
            if d is None:
                self.decays[pdg] = Decay(pdg, float(value), comment, dependent=dependent)
            else:
                d.width = float(value)
                d.comment = comment or d.comment
            return
        b = self.blocks.get(block.lower())
        if b is None:
            b = self.blocks[block.lower()] = Block(block)
        idx = _as_index(index)
        e = b.entries.get(idx)
        if e is None:
            b.entries[idx] = Entry(value, comment, dependent=dependent)
        else:
            e.value = value
            e.comment = comment or e.comment

    # -- writing -----------------------------------------------------------------------

    def to_string(self) -> str:
        """The card as text, in MG5's layout."""
        out: list[str] = []
        if self.header:
            out += [f"# {h}".rstrip() for h in self.header.splitlines()]
        for block in self.blocks.values():
            out += [
                "",
                "###################################",
                f"## INFORMATION FOR {block.name.upper()}",
                "###################################",
            ]
            scale = f" Q= {_format(block.scale)}" if block.scale is not None else ""
            out.append(
                f"Block {block.name.lower()}{scale} " + (f"# {block.comment}" if block.comment else "")
            )
            out += self._entry_lines(block, dependent=False)
            dep = self._entry_lines(block, dependent=True)
            if dep:
                out += _DEPENDENT_HEADER + dep
        if self.decays:
            out += [
                "",
                "###################################",
                "## INFORMATION FOR DECAY",
                "###################################",
            ]
            out += self._decay_lines(dependent=False)
            dep = self._decay_lines(dependent=True)
            if dep:
                out += _DEPENDENT_HEADER + dep
        return "\n".join(out).rstrip() + "\n"

    @staticmethod
    def _entry_lines(block: Block, dependent: bool) -> list[str]:
        lines = []
        for idx, e in block.entries.items():
            if e.dependent != dependent:
                continue
            ind = " ".join(f"{i:4d}" for i in idx) if not dependent else " ".join(f"{i:2d}" for i in idx)
            val = e.value if isinstance(e.value, str) else _format(e.value)
            lines.append(f"{ind} {val} " + (f"# {e.comment} " if e.comment else ""))
        return lines

    def _decay_lines(self, dependent: bool) -> list[str]:
        lines = []
        for d in self.decays.values():
            if d.dependent != dependent:
                continue
            lines.append(f"DECAY {d.pdg:3d} {_format(d.width)} " + (f"# {d.comment} " if d.comment else ""))
            for br, ids, com in d.channels:
                lines.append(
                    f"   {_format(br)} {len(ids):3d} "
                    + " ".join(f"{i:8d}" for i in ids)
                    + (f" # {com}" if com else "")
                )
        return lines

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the card to `path`."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_string())

    def __repr__(self) -> str:
        return f"<ParamCard {self.path}: blocks {list(self.blocks)}, {len(self.decays)} decays>"


_DEPENDENT_HEADER = [
    "## Dependent parameters, given by model restrictions.",
    "## Those values should be edited following the ",
    "## analytical expression. MG5 ignores those values ",
    "## but they are important for interfacing the output of MG5",
    "## to external program such as Pythia.",
]


def read_param_card(path: str | os.PathLike[str]) -> ParamCard:
    """Read an SLHA param_card file (see `ParamCard`)."""
    return ParamCard.read(path)


# -- model <-> card ------------------------------------------------------------------


def _dependent_entries(model: Model) -> tuple[list[tuple[int, float, str]], list[tuple[int, float, str]]]:
    """(masses, widths) MG5 lists as dependent: (pdg, value, comment) per particle."""
    external = {(p.block.lower(), p.index) for p in model.external_parameters if p.block is not None}
    masses, widths = [], []
    late_masses = []
    for p in model.particles:
        if p.pdg < 0:
            continue
        if ("mass", (p.pdg,)) not in external:
            if p.massless:
                masses.append((p.pdg, 0.0, f"{p.name} : 0.0"))
            else:
                par = model.parameters[p.mass]
                late_masses.append((p.pdg, float(complex(par.value).real), f"{p.name} : {par.formula}"))
        if ("decay", (p.pdg,)) not in external and p.width == "ZERO":
            widths.append((p.pdg, 0.0, f"{p.name} : 0.0"))
    masses.sort()
    widths.sort()
    return masses + late_masses, widths


def model_param_card(model: Model) -> ParamCard:
    """The param_card for the model's current parameters, laid out as MG5 writes it."""
    card = ParamCard(header=f"param_card for model {model.name}, written by madnis\n({model.description})")
    order = ["mass", "sminputs", "yukawa", "decay"]
    ext = sorted(
        model.external_parameters,
        key=lambda p: (
            order.index(p.block.lower()) if p.block.lower() in order else len(order),
            p.block,
            p.index,
        ),
    )
    for p in ext:
        block = "DECAY" if p.block.lower() == "decay" else p.block.lower()
        card.set(block, p.index, float(complex(p.value).real), comment=p.name)
    masses, widths = _dependent_entries(model)
    for pdg, val, com in masses:
        card.set("mass", pdg, val, comment=com, dependent=True)
    for pdg, val, com in widths:
        card.set("DECAY", pdg, val, comment=com, dependent=True)
    return card


def physical_problem(model: Model, name: str, value: float) -> str | None:
    """Why `value` for the external parameter `name` is not physical (None if it is).

    Negative widths and zero masses of massive vector bosons (MZ = 0 divides by zero in
    the electroweak parameters) are meaningless. Negative masses, MG5's sign convention
    for some fermions, are refused too: the helicity amplitudes here do not implement that
    convention, and using |m| while the banner keeps -m would make the record lie."""
    for particle in model.particles:
        for kind, par in (("mass", particle.mass), ("width", particle.width)):
            if par != name or name == "ZERO":
                continue
            block = "mass" if kind == "mass" else "DECAY"
            what = f"{block} {particle.pdg} ({name} of {particle.name}) = {value:g}"
            if value < 0 or not math.isfinite(value):
                hint = (" (the sign convention MG5 allows for some fermion masses is not supported; give |m|)"
                        if kind == "mass" else "")
                return f"{what}: a {kind} must be a finite number >= 0{hint}"
            if kind == "mass" and value == 0 and particle.spin == 3:
                return f"{what}: a massive vector boson needs a mass > 0 (the model derives the couplings from it)"
    return None


def _check_physical(model: Model, card: ParamCard) -> None:
    """Refuse masses and widths that have no physical meaning (physical_problem), naming the card line."""
    for par in model.external_parameters:
        problem = physical_problem(model, par.name, float(par.value))
        if problem:
            where = card.line_of(par.block, par.index) if par.block is not None else None
            raise CardError(card.path, where, problem)


def apply_param_card(model: Model, card: ParamCard | str | os.PathLike[str]) -> list[str]:
    """Set `model`'s external parameters from `card`; returns the names missing from it.

    Missing parameters take the model default (with a warning, as MG5 does). Dependent
    entries are not read; one that disagrees with the value the model computes (by more
    than the 7 digits MG5 prints) triggers a warning naming the line.
    """
    if not isinstance(card, ParamCard):
        card = ParamCard.read(card)
    missing = []
    for p in model.external_parameters:
        assert p.block is not None and p.index is not None
        value = card.get(p.block, p.index)
        if value is None:
            missing.append(p.name)
            p.value = p.default  # type: ignore[assignment]
            continue
        if isinstance(value, str):
            raise CardError(card.path, card.line_of(p.block, p.index), f"expected a number for {p.name}")
        p.value = float(value)
    _check_physical(model, card)
    try:
        model.recompute()
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise CardError(card.path, None, f"the parameters give no valid {model.name} model ({exc} while "
                        "deriving the internal parameters); check the masses and couplings") from None
    if missing:
        warnings.warn(
            f"{card.path}: parameters {', '.join(missing)} of model {model.name} are not in the param_card; "
            "using the model defaults",
            stacklevel=2,
        )
    masses, widths = _dependent_entries(model)
    for block, entries in (("mass", masses), ("DECAY", widths)):
        for pdg, expected, _ in entries:
            given = card.get(block, pdg)
            if isinstance(given, float) and abs(given - expected) > 1e-6 * max(1.0, abs(expected)):
                warnings.warn(
                    f"{card.path}:{card.line_of(block, pdg)}: {block} {pdg} = {given} is fixed by the model to "
                    f"{expected:.7g}; the card value is ignored (as MG5 does)",
                    stacklevel=2,
                )
    return missing
