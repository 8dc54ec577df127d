"""The exporter MG5 calls for ``output madnis DIR`` (needs MG5's modules, no torch).

MG5 3.5 drives an exporter through the `VirtualExporter` interface: it makes the
output folder (``output = "dir"``), calls `generate_subprocess_directory` once per
subprocess group it generated, `convert_model` with the model it loaded, and
`finalize` with its command history. We record those and write the process folder
(`folder.write`); no Fortran is written and nothing is compiled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from madgraph import MadGraph5Error
from madgraph.iolibs.export_v4 import VirtualExporter
from madgraph.various import misc
from models import write_param_card

from . import folder


def madnis_executable() -> str:
    """The ``madnis`` command: $MADNIS_EXECUTABLE, the one `madnis mg5-install` recorded,
    else ``madnis`` on PATH."""
    if os.environ.get("MADNIS_EXECUTABLE"):
        return os.environ["MADNIS_EXECUTABLE"]
    recorded = Path(__file__).parent.parent.parent / folder.EXECUTABLE_FILE  # MG5/PLUGIN/<file>
    if recorded.is_file() and recorded.read_text().strip():
        return recorded.read_text().strip()
    found = shutil.which("madnis")
    if found:
        return found
    raise MadGraph5Error("output madnis: no madnis executable (set MADNIS_EXECUTABLE, or run "
                         "`madnis mg5-install MG5_DIR` from the environment madnis is installed in)")


def flat_legs(proc) -> list[int]:
    """The PDG ids of a process with each decaying final-state particle replaced by its
    decay products (recursively), in place, as madnis writes a decay chain."""
    ninitial = proc.get_ninitial()
    legs = [leg.get("id") for leg in proc.get("legs")]
    chains = list(proc.get("decay_chains") or [])
    out = legs[:ninitial]
    for pdg in legs[ninitial:]:
        decay = next((d for d in chains if d.get("legs")[0].get("id") == pdg), None)
        if decay is None:
            out.append(pdg)
        else:
            chains.remove(decay)
            out += flat_legs(decay)[1:]
    return out


def group_record(group) -> dict:
    """One subprocess group MG5 generated: its name and every flavour assignment (decay
    chains flattened)."""
    matrix_elements = group.get("matrix_elements") if "matrix_elements" in group else [group]
    processes, ninitial = [], 2
    for me in matrix_elements:
        for proc in me.get("processes"):
            legs = flat_legs(proc)
            ninitial = proc.get_ninitial()
            processes.append(legs)
            if me.get("has_mirror_process"):
                processes.append([legs[1], legs[0]] + legs[2:])
    name = group.get("name") if "name" in group else matrix_elements[0].get("processes")[0].shell_string()
    return {"group": name, "ninitial": ninitial, "processes": processes}


class MadnisExporter(VirtualExporter):
    """``output madnis DIR``: a madnis process folder instead of a madevent one."""

    check = True  # MG5 asks before replacing an existing folder
    output = "dir"  # MG5 only creates the folder; we write everything
    exporter = "v4"
    grouped_mode = "madevent"  # MG5's madevent grouping, as madnis groups
    sa_symmetry = False

    def __init__(self, dir_path="", opt=None):
        super().__init__(dir_path, opt)
        self.dir_path = dir_path
        self.groups: list[dict] = []
        self.model = None
        self.param_card = ""

    def generate_subprocess_directory(self, subproc_group, helicity_model, me_number=None):
        self.groups.append(group_record(subproc_group))
        return 0  # no helicity-routine calls written

    def convert_model(self, model, wanted_lorentz=(), wanted_couplings=()):
        self.model = model
        with tempfile.TemporaryDirectory() as tmp:
            card = os.path.join(tmp, "param_card.dat")
            write_param_card.ParamCardWriter(model, card)
            self.param_card = Path(card).read_text()

    def finalize(self, matrix_elements, cmdhistory, MG5options, outputflag):
        if self.model is None:
            raise MadGraph5Error("output madnis: MG5 gave no UFO model (MG4 models are not supported)")
        executable = madnis_executable()
        with tempfile.TemporaryDirectory() as tmp:
            card = os.path.join(tmp, "proc_card_mg5.dat")
            cmdhistory.write(card)
            history = Path(card).read_text()
        record = folder.ProcessFolder(
            history=history, model_path=self.model.get("modelpath"), restriction=self.model.get("restrict_name"),
            subprocesses=self.groups, param_card=self.param_card, run_card=_madnis_run_card(executable),
            executable=executable, mg5_version=misc.get_pkg_info()["version"])
        folder.write(self.dir_path, record)
        print(f"INFO: madnis process folder written to {self.dir_path}; run it with `launch {self.dir_path}` "
              f"or {os.path.join(self.dir_path, 'bin', 'generate_events')}")


def _madnis_run_card(executable: str) -> str:
    """madnis's default run_card (MG5's names and the madnis_* settings), from madnis."""
    try:
        done = subprocess.run([executable, "mg5-run-card"], check=False, capture_output=True, text=True, timeout=300)
    except OSError as err:
        raise MadGraph5Error(f"output madnis: cannot run {executable}: {err}") from err
    if done.returncode != 0:
        raise MadGraph5Error(f"output madnis: `{executable} mg5-run-card` failed: {done.stderr.strip()}")
    return done.stdout
