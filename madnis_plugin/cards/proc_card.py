"""Read MadGraph5_aMC@NLO proc_card.dat files into plain data.

A proc_card is an MG5 command script. This module understands the commands a
tree-level LO run needs (``import model``, ``define``, ``generate``, ``add process``,
``output``, ``launch``, ``set``) and turns them into dataclasses: which model, which
multiparticle labels, which processes with their forbidden propagators, coupling
orders and tags.

What it is not: it knows no model. Whether ``e+`` is a particle is decided later
against the model (see :meth:`ProcCard.validate_names`); expanding ``p p > e+ e-``
into subprocesses is the process module's job. Decay chains
(``p p > t t~, t > w+ b, (t~ > w- b~, w- > e- ve~)``) are read into
:class:`DecayDefinition` trees under their process. MG5 syntax we do not support
(squared coupling orders, NLO brackets, orders or exclusions inside a decay ...) is a
:class:`~madnis_plugin.errors.CardError` that says so, never silently dropped.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field, replace

from madnis_plugin.errors import CardError, read_card_text

__all__ = [
    "DecayDefinition",
    "LaunchSpec",
    "ModelImport",
    "OutputSpec",
    "ProcCard",
    "ProcessDefinition",
    "SetCommand",
    "default_multiparticles",
]

# MG5's default multiparticle labels (what `import model sm` prints). The 4-flavour
# proton is MG5's choice when the b quark is massive; restrictions that make it
# massless (`no_b_mass`) give the 5-flavour proton.
_LIGHT_PARTONS = ["g", "u", "c", "d", "s", "u~", "c~", "d~", "s~"]
_LEPTON_LABELS = {
    "l+": ["e+", "mu+"],
    "l-": ["e-", "mu-"],
    "vl": ["ve", "vm", "vt"],
    "vl~": ["ve~", "vm~", "vt~"],
}

# Commands we execute. Order matters only for the "closest command" suggestion.
_SUPPORTED = ("import", "define", "generate", "add", "output", "launch", "set")
# Commands MG5 accepts that have no effect on what is generated: recorded, not run.
_HARMLESS = ("display", "help", "history", "tutorial", "open", "save", "exit", "quit", "done")
# Commands MG5 accepts that we cannot honour: a clear "not supported" error.
_UNSUPPORTED = (
    "check", "compute_widths", "customize_model", "convert", "install", "shell",
    "import_v4", "decay_diagram", "update", "print_results", "treatcards", "add_model",
)
_KNOWN_COMMANDS = _SUPPORTED + _HARMLESS + _UNSUPPORTED

# `output FORMAT DIR`: the formats MG5 (and this plugin) know.
_OUTPUT_FORMATS = (
    "madnis", "madevent", "standalone", "standalone_cpp", "standalone_msP", "standalone_msF",
    "standalone_mw", "standalone_rw", "matchbox", "matchbox_cpp", "pythia8", "aloha", "madweight",
    "mg5_amc",
)
# `set` options that would change the physics when switched on: refused, not recorded.
_PHYSICS_SET_OPTIONS = {"complex_mass_scheme": {"false", "f", "0", ".false."}}

# Coupling orders: amplitude orders `QCD=2`, `QED<=4`, `QCD==2`; squared orders
# carry `^2` and are not supported.
_ORDER_RE = re.compile(r"^([A-Za-z_]\w*)(\^2)?(==|<=|>=|=|<|>)(.*)$")
_SPACED_ORDER_RE = re.compile(r"(?<!\S)([A-Za-z_]\w*(?:\^2)?)\s*(==|<=|>=|=)\s*(\d+)(?!\S)")


def default_multiparticles(model: str, restriction: str | None = None) -> dict[str, list[str]]:
    """MG5's default multiparticle labels after ``import model MODEL[-RESTRICTION]``.

    ``p`` and ``j`` are 4-flavour (``g u c d s u~ c~ d~ s~``) unless the restriction
    makes the b quark massless (``no_b_mass``), in which case ``b b~`` are added.
    The same labels are used for every model: whether a model lacks one of the named
    particles is checked against the model later, not here.
    """
    partons = list(_LIGHT_PARTONS)
    if restriction is not None and "no_b_mass" in restriction:
        partons += ["b", "b~"]
    labels = {"p": list(partons), "j": list(partons)}
    labels.update({k: list(v) for k, v in _LEPTON_LABELS.items()})
    return labels


@dataclass(frozen=True)
class ModelImport:
    """``import model NAME[-RESTRICTION] [--options]``.

    ``name`` is the model folder (``sm``, ``sm_zprime``), ``restriction`` the part after
    the last ``-`` (``no_b_mass``) or None, ``spec`` the text as written.
    """

    name: str
    restriction: str | None
    spec: str
    options: tuple[str, ...] = ()
    line: int | None = None
    #: ``add model PLUGIN`` lines after the import: UFO models merged into this one
    plugins: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputSpec:
    """``output [FORMAT] [DIR] [options]``; ``directory`` is None when MG5 would pick one."""

    format: str
    directory: str | None
    options: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class LaunchSpec:
    """``launch [DIR] [options]`` and the answers given to its questions.

    ``answers`` holds the lines after ``launch`` up to ``done``/``0`` (``set ptj 30``,
    ``shower=OFF``, card paths ...), as (line number, text); the run module decides
    what to do with them.
    """

    directory: str | None
    options: tuple[str, ...] = ()
    answers: tuple[tuple[int, str], ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class SetCommand:
    """``set NAME VALUE...`` (an MG5 interface option), recorded as written."""

    name: str
    value: str
    line: int | None = None


@dataclass
class DecayDefinition:
    """One decay of a decay chain: ``t > w+ b`` or, nested, ``(t > w+ b, w+ > e+ ve)``.

    MG5's meaning: only diagrams where `parent` is an s-channel propagator turning into
    exactly `final` (after their own `decays`) are kept, and `parent`'s invariant mass is
    restricted to |m - M| < bwcutoff·Γ. A decay applies to every `parent` among the final
    particles of the process (or decay) it is listed under.
    """

    parent: str
    final: list[str]
    decays: list[DecayDefinition] = field(default_factory=list)
    text: str = ""

    def labels(self) -> list[str]:
        return [self.parent, *self.final, *(lab for d in self.decays for lab in d.labels())]

    def __str__(self) -> str:
        body = f"{self.parent} > {' '.join(self.final)}"
        if self.decays:
            return "(" + ", ".join([body, *map(str, self.decays)]) + ")"
        return body


@dataclass
class ProcessDefinition:
    """One ``generate`` / ``add process`` line.

    Attributes:
        initial, final: particle or multiparticle labels, as written (``p``, ``e+``).
        forbidden_propagators: labels after ``/`` (no propagator of these anywhere).
        forbidden_s_channels: labels after ``$`` (no on-shell s-channel of these).
        orders: amplitude coupling orders, ``{"QCD": ("<=", 2)}``. MG5's ``QCD=2``
            means "at most 2" and is stored as ``("<=", 2)``; ``==`` is kept.
        tag: the ``@N`` process number, or None.
        line: 1-based line in the card.
        text: the process as written (after the command).
        decays: the decay chains after the first ``,`` (each applies to every particle
            of its kind in `final`).
        forbidden_s_diagrams: labels after ``$$`` (no diagram with these as an
            s-channel propagator).
    """

    initial: list[str]
    final: list[str]
    forbidden_propagators: list[str] = field(default_factory=list)
    forbidden_s_channels: list[str] = field(default_factory=list)
    orders: dict[str, tuple[str, int]] = field(default_factory=dict)
    tag: int | None = None
    line: int | None = None
    text: str = ""
    decays: list[DecayDefinition] = field(default_factory=list)
    forbidden_s_diagrams: list[str] = field(default_factory=list)

    def labels(self) -> list[str]:
        """Every particle/multiparticle label the process mentions, in order."""
        decay_labels = [lab for d in self.decays for lab in d.labels()]
        return (self.initial + self.final + self.forbidden_propagators + self.forbidden_s_channels
                + self.forbidden_s_diagrams + decay_labels)

    def __str__(self) -> str:
        parts = [" ".join(self.initial), ">", " ".join(self.final)]
        if self.forbidden_propagators:
            parts += ["/"] + self.forbidden_propagators
        if self.forbidden_s_channels:
            parts += ["$"] + self.forbidden_s_channels
        if self.forbidden_s_diagrams:
            parts += ["$$"] + self.forbidden_s_diagrams
        parts += [f"{name}{'=' if op == '<=' else op}{value}" for name, (op, value) in self.orders.items()]
        if self.decays:
            parts[-1] += ","
            parts.append(", ".join(map(str, self.decays)))
        if self.tag is not None:
            parts.append(f"@{self.tag}")
        return " ".join(parts)


@dataclass
class ProcCard:
    """A parsed proc_card.dat.

    Attributes:
        path: the file read ("<string>" for text).
        model: the (last) ``import model``; MG5's default ``sm`` when the card has none.
        definitions: multiparticle label -> particle names, MG5 defaults included,
            already expanded (``define p = p b b~`` stores the full list).
        definition_lines: label -> line of its last ``define`` (None for defaults).
        processes: the ``generate`` / ``add process`` lines, in order.
        output: the ``output`` command or None.
        launch: the ``launch`` command or None.
        settings: ``set`` commands before ``launch``, in order.
        ignored: commands MG5 accepts that do not change what is generated
            (``display``, ``help`` ...), as (line, text).
        lines: every line of the file, as read.
    """

    path: str
    model: ModelImport
    definitions: dict[str, list[str]]
    definition_lines: dict[str, int | None]
    processes: list[ProcessDefinition]
    output: OutputSpec | None = None
    launch: LaunchSpec | None = None
    settings: list[SetCommand] = field(default_factory=list)
    ignored: list[tuple[int, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    # --- construction ---------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ProcCard:
        """Parse a proc_card file; raises CardError (with file and line) when it is invalid."""
        return cls.from_string(read_card_text(path, "proc_card"), path=os.fspath(path))

    @classmethod
    def from_string(cls, text: str, path: str = "<string>") -> ProcCard:
        """Parse proc_card text; ``path`` is used in error messages."""
        return _Parser(path).parse(text)

    # --- queries --------------------------------------------------------------------

    def expand(self, label: str) -> list[str]:
        """Particle names a label stands for: a multiparticle's list, else ``[label]``."""
        if label in self.definitions:
            return list(self.definitions[label])
        return [label]

    def validate_names(self, known_names: set[str] | list[str] | tuple[str, ...]) -> None:
        """Check every particle name against a model's names; CardError at the offending line.

        User ``define`` lines and every process label are checked; the message names the
        closest valid name. MG5's default labels are not checked (a model without, say,
        ``vt`` just has a shorter ``vl``): drop unknown members from them with
        ``[n for n in card.expand("vl") if n in known]`` where that matters.
        """
        known = set(known_names)
        for label, members in self.definitions.items():
            line = self.definition_lines.get(label)
            if line is None:
                continue
            for name in members:
                if name not in known:
                    raise CardError(
                        self.path, line, f"unknown particle '{name}' in 'define {label}'" + _hint(name, known)
                    )
        for proc in self.processes:
            for label in proc.labels():
                if label not in self.definitions and label not in known:
                    candidates = known | set(self.definitions)
                    raise CardError(
                        self.path, proc.line,
                        f"unknown particle or multiparticle '{label}' in '{proc.text}'"
                        + _hint(label, candidates),
                    )


# --- parsing ------------------------------------------------------------------------


def _hint(word: str, candidates: set[str] | list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Parser:
    """One pass over the card's lines; holds the state MG5 would hold while running it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.model = ModelImport("sm", None, "sm", (), None)  # MG5 starts with sm loaded
        self.definitions = default_multiparticles("sm")
        self.definition_lines: dict[str, int | None] = {k: None for k in self.definitions}
        self.processes: list[ProcessDefinition] = []
        self.generate_line: int | None = None
        self.output: OutputSpec | None = None
        self.launch: LaunchSpec | None = None
        self.settings: list[SetCommand] = []
        self.ignored: list[tuple[int, str]] = []

    def error(self, line: int | None, message: str) -> CardError:
        return CardError(self.path, line, message)

    def parse(self, text: str) -> ProcCard:
        lines = text.splitlines()
        launch_answers: list[tuple[int, str]] | None = None
        for number, raw in enumerate(lines, start=1):
            stripped = raw.split("#", 1)[0].strip()
            if not stripped:
                continue
            if launch_answers is not None:
                # Lines after `launch` answer its questions until `done` (or `0`).
                if stripped.lower() in ("done", "0"):
                    self._finish_launch(launch_answers)
                    launch_answers = None
                else:
                    launch_answers.append((number, stripped))
                continue
            words = stripped.split()
            command = words[0].lower()
            if command in ("exit", "quit"):
                self.ignored.append((number, stripped))
                break
            if command == "launch":
                self._launch(number, words[1:])
                launch_answers = []
                continue
            self._command(number, command, words, stripped)
        if launch_answers is not None:
            self._finish_launch(launch_answers)
        if not self.processes:
            raise self.error(None, "no 'generate' command: the card defines no process (e.g. 'generate p p > e+ e-')")
        return ProcCard(
            path=self.path,
            model=self.model,
            definitions=self.definitions,
            definition_lines=self.definition_lines,
            processes=self.processes,
            output=self.output,
            launch=self.launch,
            settings=self.settings,
            ignored=self.ignored,
            lines=lines,
        )

    def _command(self, number: int, command: str, words: list[str], text: str) -> None:
        args = words[1:]
        if command == "import":
            self._import(number, args)
        elif command == "define":
            self._define(number, text.split(None, 1)[1] if len(words) > 1 else "")
        elif command == "generate":
            self._generate(number, text.split(None, 1)[1] if len(words) > 1 else "")
        elif command == "add":
            what = args[0].lower() if args else ""
            if what == "model":
                self._add_model(number, args[1:])
                return
            if what != "process":
                raise self.error(number, f"unknown command 'add {args[0] if args else ''}'; expected 'add process "
                                 "PROCESS' or 'add model PLUGIN'")
            self._add_process(number, text.split(None, 2)[2] if len(words) > 2 else "")
        elif command == "output":
            self._output(number, args)
        elif command == "set":
            self._set(number, args)
        elif command in _HARMLESS:
            self.ignored.append((number, text))
        elif command in _UNSUPPORTED:
            raise self.error(number, f"the MG5 command '{command}' is not supported by madnis")
        else:
            close = difflib.get_close_matches(command, _KNOWN_COMMANDS, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.error(
                number,
                f"unknown command '{words[0]}'{hint} (expected one of: {', '.join(_SUPPORTED)})",
            )

    # --- individual commands ----------------------------------------------------------

    def _import(self, number: int, args: list[str]) -> None:
        if not args or args[0].lower() not in ("model", "model_v4"):
            raise self.error(number, "expected 'import model NAME[-RESTRICTION]'")
        if args[0].lower() == "model_v4":
            raise self.error(number, "'import model_v4' (MG4 models) is not supported; use a UFO model")
        names = [a for a in args[1:] if not a.startswith("-")]
        options = tuple(a for a in args[1:] if a.startswith("-"))
        if len(names) != 1:
            raise self.error(number, "expected 'import model NAME[-RESTRICTION]' with one model name")
        if self.processes:
            raise self.error(
                number,
                f"'import model' after the processes of line {self.generate_line}: "
                "MG5 would forget them; import the model first",
            )
        spec = names[0].rstrip("/")
        base = os.path.basename(spec)
        if "-" in base and not base.endswith("-"):
            name, restriction = spec.rsplit("-", 1)
        else:
            name, restriction = spec, None
        self.model = ModelImport(name, restriction, spec, options, number)
        # A new model resets the labels to MG5's defaults, as MG5 does.
        self.definitions = default_multiparticles(name, restriction)
        self.definition_lines = {k: None for k in self.definitions}

    def _add_model(self, number: int, args: list[str]) -> None:
        names = [a for a in args if not a.startswith("-")]
        if len(names) != 1:
            raise self.error(number, "expected 'add model PLUGIN' with one UFO model name")
        if self.processes:
            raise self.error(number, f"'add model' after the processes of line {self.generate_line}: "
                             "add the model first")
        # MG5's --output/--recreate options only say where it writes the merged model
        self.model = replace(self.model, plugins=(*self.model.plugins, names[0].rstrip("/")))

    def _define(self, number: int, rest: str) -> None:
        if "=" in rest:
            label, _, members_text = rest.partition("=")
            label = label.strip()
        else:  # MG5 also accepts `define p g u d`
            parts = rest.split(None, 1)
            label, members_text = (parts[0], parts[1]) if len(parts) == 2 else (rest.strip(), "")
        if not label or len(label.split()) != 1:
            raise self.error(number, "expected 'define LABEL = particle particle ...'")
        if not re.fullmatch(r"[A-Za-z][\w+\-~]*", label):
            raise self.error(number, f"invalid multiparticle label '{label}' (letters, digits, _ + - ~)")
        members = members_text.split()
        if not members:
            raise self.error(number, f"'define {label}' lists no particles")
        if any(m in ("/", "$", ">", ",") or "=" in m for m in members):
            raise self.error(number, f"'define {label}' may only list particle names and labels")
        expanded: list[str] = []
        for member in members:
            for name in self.definitions.get(member, [member]):
                if name not in expanded:  # `define p = p b b~` must not duplicate
                    expanded.append(name)
        self.definitions[label] = expanded
        self.definition_lines[label] = number

    def _generate(self, number: int, text: str) -> None:
        if self.processes:
            raise self.error(
                number,
                f"second 'generate' would discard the process(es) from line {self.generate_line}; "
                "use 'add process' to add a process",
            )
        self.generate_line = number
        self.processes.append(self._process(number, text, "generate"))

    def _add_process(self, number: int, text: str) -> None:
        if not self.processes:
            raise self.error(number, "'add process' before 'generate': start with 'generate PROCESS'")
        self.processes.append(self._process(number, text, "add process"))

    def _output(self, number: int, args: list[str]) -> None:
        if self.output is not None:
            raise self.error(number, f"second 'output' (the first is at line {self.output.line})")
        if not self.processes:
            raise self.error(number, "'output' before 'generate': there is no process to output")
        positional = [a for a in args if not a.startswith("-")]
        options = tuple(a for a in args if a.startswith("-"))
        fmt = "madevent"  # MG5's default output format
        if positional and positional[0].lower() in {f.lower() for f in _OUTPUT_FORMATS}:
            fmt = positional.pop(0).lower()
        if len(positional) > 1:
            raise self.error(number, f"expected 'output [FORMAT] [DIR]', got {len(positional)} names")
        self.output = OutputSpec(fmt, positional[0] if positional else None, options, number)

    def _launch(self, number: int, args: list[str]) -> None:
        if self.launch is not None:
            raise self.error(number, f"second 'launch' (the first is at line {self.launch.line})")
        positional = [a for a in args if not a.startswith("-")]
        options = tuple(a for a in args if a.startswith("-"))
        if len(positional) > 1:
            raise self.error(number, "expected 'launch [DIR]'")
        if positional == [] and self.output is None:
            raise self.error(number, "'launch' without a directory needs an 'output' before it")
        self.launch = LaunchSpec(positional[0] if positional else None, options, (), number)

    def _finish_launch(self, answers: list[tuple[int, str]]) -> None:
        assert self.launch is not None
        self.launch = LaunchSpec(self.launch.directory, self.launch.options, tuple(answers), self.launch.line)

    def _set(self, number: int, args: list[str]) -> None:
        if not args:
            raise self.error(number, "expected 'set OPTION VALUE'")
        name = args[0]
        value = " ".join(a for a in args[1:] if a != "=")
        safe = _PHYSICS_SET_OPTIONS.get(name.lower())
        if safe is not None and value.lower() not in safe:
            raise self.error(number, f"'set {name} {value}' is not supported by madnis (it changes the physics)")
        self.settings.append(SetCommand(name, value, number))

    # --- process syntax -----------------------------------------------------------------

    def _process(self, number: int, text: str, command: str) -> ProcessDefinition:
        text = text.strip()
        if not text:
            raise self.error(number, f"'{command}' needs a process, e.g. '{command} p p > e+ e-'")
        if "[" in text or "]" in text:
            raise self.error(number, f"NLO/loop syntax '[...]' is not supported (tree level only): '{text}'")
        if "{" in text or "}" in text:
            raise self.error(number, f"polarised particles '{{...}}' are not supported: '{text}'")
        if "," not in text and "(" not in text and ")" not in text:
            return self._core_process(number, text, text)
        # A decay chain. `@N` and MG5's overall orders after it end the whole line.
        body, at, suffix = text.partition("@")
        if at and ("," in suffix or "(" in suffix or ")" in suffix):
            raise self.error(number, f"'@N' must come after the last decay of the chain in '{text}'")
        items = self._split_chain(number, body, text)
        if items[0].startswith("("):
            raise self.error(number, f"the chain must start with the production process, not '(': '{text}'")
        proc = self._core_process(number, items[0] + (" @" + suffix if at else ""), text)
        proc.decays = [self._decay(number, item, text, proc.final, items[0]) for item in items[1:]]
        self._check_one_decay_each(number, proc.decays, text)
        return proc

    def _check_one_decay_each(self, number: int, decays: list[DecayDefinition], text: str) -> None:
        parents = [d.parent for d in decays]
        for name in parents:
            if parents.count(name) > 1:
                raise self.error(number, f"two decays of '{name}' at the same level of '{text}': "
                                 "a decay applies to every such particle, list it once")

    def _split_chain(self, number: int, body: str, text: str) -> list[str]:
        """The comma-separated items of one chain level; '(...)' groups stay whole."""
        items, depth, start = [], 0, 0
        for k, char in enumerate(body):
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    raise self.error(number, f"')' without a matching '(' at column {k + 1} of '{text}'")
            elif char == "," and depth == 0:
                items.append(body[start:k].strip())
                start = k + 1
        if depth > 0:
            raise self.error(number, f"'(' without a matching ')' in '{text}': expected ')' to close the decay")
        items.append(body[start:].strip())
        for k, item in enumerate(items):
            if not item:
                where = "before the first ','" if k == 0 else f"after ',' number {k}"
                raise self.error(number, f"empty decay {where} in '{text}': expected 'PARTICLE > PRODUCTS'")
        return items

    def _decay(self, number: int, item: str, text: str, siblings: list[str], above: str) -> DecayDefinition:
        """One decay item (``t > w+ b`` or ``(t > w+ b, w+ > e+ ve)``) decaying one of `siblings`."""
        if item.startswith("("):
            if not item.endswith(")"):
                raise self.error(number, f"expected ')' right after the nested decay '{item}' in '{text}'")
            inner = self._split_chain(number, item[1:-1], text)
            if inner[0].startswith("("):
                raise self.error(number, f"a '(' group must start with a decay 'X > ...', got '{item}' in '{text}'")
            decay = self._decay(number, inner[0], text, siblings, above)
            decay.decays = [self._decay(number, sub, text, decay.final, inner[0]) for sub in inner[1:]]
            self._check_one_decay_each(number, decay.decays, text)
            decay.text = item
            return decay
        if ")" in item:
            raise self.error(number, f"')' without a matching '(' in '{item}' of '{text}'")
        tokens = self._tokenize(number, item)
        if tokens.count(">") != 1:
            raise self.error(number, f"a decay is 'PARTICLE > PRODUCTS' with one '>', got '{item}' in '{text}'")
        arrow = tokens.index(">")
        parent, products = tokens[:arrow], tokens[arrow + 1:]
        if len(parent) != 1:
            raise self.error(number, f"a decay has one decaying particle, got '{' '.join(parent)}' in '{item}'")
        for token in products:
            if token in ("/", "$", "$$") or token.startswith("@") or _ORDER_RE.match(token):
                raise self.error(
                    number, f"'{token}' inside the decay '{item}' is not supported: "
                    "coupling orders, '/', '$' and '@N' go on the production process")
            if not re.fullmatch(r"[A-Za-z][\w+\-~]*", token):
                raise self.error(number, f"'{token}' is not a particle name in the decay '{item}'")
        if len(products) < 2:
            raise self.error(number, f"the decay '{item}' needs at least two products")
        name = parent[0]
        if name in self.definitions and self.definitions[name] != [name]:
            raise self.error(number, f"decaying the multiparticle label '{name}' is not supported; "
                             "write one decay per particle")
        if name not in siblings:
            raise self.error(
                number, f"'{item}' decays '{name}', which is not a final-state particle of '{above}'"
                + (" (to decay a decay product, nest it: '(t > w+ b, w+ > e+ ve)')" if "(" not in text else ""))
        return DecayDefinition(name, products, [], item)

    def _core_process(self, number: int, text: str, whole: str) -> ProcessDefinition:
        """A process without decays (the production part of a chain); `whole` is the line as written."""
        text = text.strip()
        if "(" in text or ")" in text:
            raise self.error(number, f"unexpected parenthesis in '{whole}'")
        # MG5 allows spaces around an order's operator: `QED = 2` is `QED=2`.
        text = _SPACED_ORDER_RE.sub(r"\1\2\3", text)
        tokens = self._tokenize(number, text)
        arrows = tokens.count(">")
        if arrows == 0:
            raise self.error(number, f"missing '>' between initial and final state in '{text}'")
        if arrows > 1:
            raise self.error(
                number, f"required s-channel propagators ('a b > x > c d') are not supported yet: '{text}'"
            )
        arrow = tokens.index(">")
        initial = tokens[:arrow]
        rest = tokens[arrow + 1:]

        final: list[str] = []
        forbidden: list[str] = []
        s_forbidden: list[str] = []
        s_removed: list[str] = []
        orders: dict[str, tuple[str, int]] = {}
        tag: int | None = None
        mode = "final"
        i = 0
        while i < len(rest):
            token = rest[i]
            i += 1
            if token == "/":
                mode = "forbid"
            elif token == "$":
                mode = "s"
            elif token == "$$":
                mode = "ss"
            elif token.startswith("@"):
                value = token[1:]
                if not value and i < len(rest):  # `@ 2`
                    value = rest[i]
                    i += 1
                if not re.fullmatch(r"\d+", value):
                    raise self.error(number, f"bad process tag '@{value}': expected '@N' with an integer N")
                tag = int(value)
                mode = "after"
            elif token in ("=", "<=", "==", ">=", "<", "^2"):
                raise self.error(number, f"write coupling orders without spaces, e.g. 'QCD=2', in '{text}'")
            elif token.startswith("-"):
                raise self.error(number, f"process option '{token}' is not supported")
            elif _ORDER_RE.match(token):
                name, op, value = self._order(number, token)
                orders[name] = (op, value)
                mode = "after"
            elif mode == "final":
                final.append(token)
            elif mode == "forbid":
                forbidden.append(token)
            elif mode == "s":
                s_forbidden.append(token)
            elif mode == "ss":
                s_removed.append(token)
            else:
                raise self.error(
                    number, f"unexpected '{token}' after the coupling orders / tag in '{text}'"
                )

        if not initial:
            raise self.error(number, f"empty initial state in '{text}'")
        if len(initial) > 2:
            raise self.error(number, f"{len(initial)} initial-state particles in '{text}': at most 2")
        if not final:
            raise self.error(number, f"empty final state in '{text}'")
        if "/" in tokens and not forbidden:
            raise self.error(number, f"'/' must be followed by the particles to forbid in '{text}'")
        if "$" in tokens and not s_forbidden:
            raise self.error(number, f"'$' must be followed by the particles to forbid in '{text}'")
        if "$$" in tokens and not s_removed:
            raise self.error(number, f"'$$' must be followed by the particles whose s-channels to remove in '{text}'")
        for label in initial + final + forbidden + s_forbidden + s_removed:
            if not re.fullmatch(r"[A-Za-z][\w+\-~]*", label):
                raise self.error(number, f"'{label}' is not a particle name in '{text}'")
        return ProcessDefinition(initial, final, forbidden, s_forbidden, orders, tag, number, whole,
                                 forbidden_s_diagrams=s_removed)

    def _tokenize(self, number: int, text: str) -> list[str]:
        """Whitespace tokens, with `>`, `/`, `$` split off even when written without spaces."""
        tokens: list[str] = []
        for word in text.split():
            if _ORDER_RE.match(word) and ("=" in word or "^" in word):
                tokens.append(word)
                continue
            for piece in re.split(r"(>|/|\$\$|\$)", word):
                if piece:
                    tokens.append(piece)
        return tokens

    def _order(self, number: int, token: str) -> tuple[str, str, int]:
        match = _ORDER_RE.match(token)
        assert match is not None
        name, squared, op, value = match.groups()
        if squared:
            raise self.error(
                number, f"squared coupling orders ('{token}') are not supported; use amplitude orders like QCD=2"
            )
        if op not in ("=", "<=", "=="):
            raise self.error(number, f"coupling order '{token}': only '=', '<=' and '==' are supported")
        if not re.fullmatch(r"\d+", value):
            raise self.error(number, f"bad coupling order '{token}': expected NAME=N with an integer N, e.g. QCD=2")
        return name, ("<=" if op == "=" else op), int(value)
