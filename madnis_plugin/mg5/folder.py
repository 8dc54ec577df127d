"""The madnis process folder that ``output madnis DIR`` writes (standard library only).

Layout (the parts MG5 looks at are marked):

    Cards/proc_card_mg5.dat     MG5's command history, as MG5 writes it
    Cards/proc_card_madnis.dat  the same commands with ``import model`` naming the UFO
                                folder and restriction MG5 loaded (what madnis runs)
    Cards/run_card.dat          madnis's run_card (MG5 names plus the madnis_* settings)
    Cards/param_card.dat        the param_card of the model MG5 loaded
    SubProcesses/mg5_subprocesses.json   the subprocesses MG5 generated
    SubProcesses/P0_madnis/     Makefile + check: what MG5's ``launch`` runs (MG5 3.5
                                treats a folder with Cards/ and SubProcesses/ but no
                                bin/madevent as standalone: ``make`` then ``./check``
                                in each SubProcesses/P*)
    bin/generate_events         the run outside MG5: ``madnis mg5-run DIR``
    madnis_process.json         model, restriction, MG5 version, madnis executable
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "madnis_process.json"
SUBPROCESS_LIST = "SubProcesses/mg5_subprocesses.json"
MADNIS_PROC_CARD = "Cards/proc_card_madnis.dat"
# `madnis mg5-install` writes the madnis executable's path here, in MG5's PLUGIN/.
EXECUTABLE_FILE = "madnis_plugin.executable"

# History lines madnis does not need to rerun the process: writing or launching an
# output, and MG5 session options.
_DROPPED = re.compile(r"^\s*(output|launch|display|history|open|help)\b", re.IGNORECASE)


@dataclass
class ProcessFolder:
    """Everything the folder records, gathered by the exporter from MG5."""

    history: str  # MG5's proc_card_mg5.dat text
    model_path: str  # the UFO folder MG5 read
    restriction: str  # "" : MG5's default (restrict_default.dat when present)
    subprocesses: list[dict] = field(default_factory=list)  # [{"group", "ninitial", "processes": [[pdg...]]}]
    param_card: str = ""
    run_card: str = ""
    executable: str = "madnis"
    mg5_version: str = ""

    @property
    def model_spec(self) -> str:
        """``import model`` argument madnis reads the same model with."""
        return self.model_path + (f"-{self.restriction}" if self.restriction else "")


def madnis_proc_card(history: str, model_spec: str) -> str:
    """MG5's history as a madnis proc_card: the model by path, no output/launch lines."""
    out = ["# written by `output madnis` from Cards/proc_card_mg5.dat; the model is the UFO",
           "# folder and restriction MG5 loaded. Run with bin/generate_events."]
    seen_model = False
    for line in history.splitlines():
        text = line.strip()
        if not text or text.startswith("#") or _DROPPED.match(text):
            continue
        if re.match(r"^import\s+model\b", text, re.IGNORECASE):
            if seen_model:  # a later model replaces the first in MG5 too
                out = [x for x in out if not x.startswith("import model ")]
            seen_model = True
            out.append(f"import model {model_spec}")
            continue
        out.append(text)
    if not seen_model:
        raise ValueError("MG5's history has no `import model` line")
    return "\n".join(out) + "\n"


def generate_events_script(executable: str) -> str:
    return ("#!/bin/sh\n"
            "# Integrate this process folder with madnis and write Events/run_NN\n"
            "# (options as `madnis integrate`, e.g. --nevents N --seed S --device cuda).\n"
            'here=$(cd "$(dirname "$0")/.." && pwd)\n'
            f'exec {shlex.quote(executable)} mg5-run "$here" "$@"\n')


_CHECK = ("#!/bin/sh\n"
          "# MG5's `launch` runs ./check here: hand the run to bin/generate_events.\n"
          'exec "$(cd "$(dirname "$0")/../.." && pwd)/bin/generate_events"\n')
_MAKEFILE = "# nothing to compile: MG5's `launch` runs make here before ./check\nall:\n\t@true\n"


def write(path: str | os.PathLike[str], folder: ProcessFolder) -> Path:
    """Write the process folder at `path` (created; files already there are replaced)."""
    root = Path(path)
    for sub in ("Cards", "SubProcesses/P0_madnis", "bin", "Events"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "Cards/proc_card_mg5.dat").write_text(folder.history)
    (root / MADNIS_PROC_CARD).write_text(madnis_proc_card(folder.history, folder.model_spec))
    if folder.run_card:
        (root / "Cards/run_card.dat").write_text(folder.run_card)
    if folder.param_card:
        (root / "Cards/param_card.dat").write_text(folder.param_card)
    (root / SUBPROCESS_LIST).write_text(json.dumps(folder.subprocesses, indent=1) + "\n")
    (root / "SubProcesses/P0_madnis/Makefile").write_text(_MAKEFILE)
    _write_executable(root / "SubProcesses/P0_madnis/check", _CHECK)
    _write_executable(root / "bin/generate_events", generate_events_script(folder.executable))
    record = {"format": "madnis", "model_path": folder.model_path, "restriction": folder.restriction,
              "mg5_version": folder.mg5_version, "executable": folder.executable,
              "proc_card": MADNIS_PROC_CARD, "subprocesses": SUBPROCESS_LIST}
    (root / MARKER).write_text(json.dumps(record, indent=1) + "\n")
    return root


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def flavour_key(legs, ninitial: int = 2) -> tuple[int, ...]:
    """A subprocess's PDG ids with the two initial states in a fixed order, so that a
    process and its mirror (u u~ and u~ u) compare equal."""
    legs = tuple(int(p) for p in legs)
    if ninitial == 2:
        swapped = (legs[1], legs[0]) + legs[2:]
        return min(legs, swapped)
    return legs


def mg5_flavours(subprocesses: list[dict]) -> set[tuple[int, ...]]:
    """The subprocess flavours recorded from MG5, as `flavour_key`s."""
    return {flavour_key(p, group.get("ninitial", 2)) for group in subprocesses for p in group["processes"]}
