"""The MG5 plugin: the process folder `output madnis` writes, and (with MG5_HOME set)
`output madnis` + `launch` in MG5 3.5.7 against `madnis integrate` on the same cards."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from madnis_plugin.cards.run_card import PARAMETERS, RunCard, default_card_text
from madnis_plugin.mg5 import folder
from madnis_plugin.mg5.install import subprocess_mismatch

DATA = Path(__file__).parent / "data" / "mg5_plugin"
PACKAGE = Path(__file__).resolve().parent.parent / "madnis_plugin"
MADNIS = str(Path(sys.executable).with_name("madnis"))

HISTORY = """#************************************************************
#*                     MadGraph5_aMC@NLO                    *
#************************************************************
set group_subprocesses Auto
set gauge unitary
import model sm-ckm
define p = g u c d s u~ c~ d~ s~
generate p p > e+ ve
add process p p > e- ve~
output madnis wev
launch wev
"""


def _folder(restriction: str = "ckm") -> folder.ProcessFolder:
    return folder.ProcessFolder(
        history=HISTORY, model_path="/mg5/models/sm", restriction=restriction,
        subprocesses=[{"group": "qq_lvl", "ninitial": 2, "processes": [[2, -1, -11, 12]]}],
        param_card="BLOCK MASS\n", run_card="  1000 = nevents\n", executable="/venv/bin/madnis")


# --- the folder, without MG5 ----------------------------------------------------------------


def test_madnis_proc_card_names_the_ufo_folder_and_drops_output_and_launch():
    text = folder.madnis_proc_card(HISTORY, "/mg5/models/sm-ckm")
    commands = [x for x in text.splitlines() if x and not x.startswith("#")]
    assert commands == ["set group_subprocesses Auto", "set gauge unitary", "import model /mg5/models/sm-ckm",
                        "define p = g u c d s u~ c~ d~ s~", "generate p p > e+ ve", "add process p p > e- ve~"]
    with pytest.raises(ValueError, match="no `import model`"):
        folder.madnis_proc_card("generate p p > t t~\n", "sm")


def test_model_spec_is_path_plus_restriction_or_path_alone():
    assert _folder().model_spec == "/mg5/models/sm-ckm"
    assert _folder(restriction="").model_spec == "/mg5/models/sm"


def test_written_folder_has_madnis_layout_and_no_madevent_parts(tmp_path):
    root = folder.write(tmp_path / "wev", _folder())
    for name in ("Cards/proc_card_mg5.dat", "Cards/proc_card_madnis.dat", "Cards/run_card.dat",
                 "Cards/param_card.dat", folder.SUBPROCESS_LIST, folder.MARKER):
        assert (root / name).is_file(), name
    assert (root / "Cards/proc_card_mg5.dat").read_text() == HISTORY
    for exe in ("bin/generate_events", "SubProcesses/P0_madnis/check"):
        assert os.access(root / exe, os.X_OK), exe
    assert "/venv/bin/madnis mg5-run" in (root / "bin/generate_events").read_text()
    record = json.loads((root / folder.MARKER).read_text())
    assert (record["model_path"], record["restriction"]) == ("/mg5/models/sm", "ckm")
    # what MG5's launch would take for a madevent folder is absent (bin/madevent, Source/, P1_*)
    assert not (root / "bin/madevent").exists() and not (root / "Source").exists()
    assert sorted(p.name for p in (root / "SubProcesses").iterdir()) == ["P0_madnis", "mg5_subprocesses.json"]
    # MG5's `launch` runs `make` then ./check in SubProcesses/P*: make must succeed with nothing to do
    done = subprocess.run(["make"], cwd=root / "SubProcesses/P0_madnis", capture_output=True, check=False)
    assert done.returncode == 0


def test_flavour_key_identifies_a_process_with_its_mirror():
    assert folder.flavour_key([2, -2, 6, -6]) == folder.flavour_key([-2, 2, 6, -6])
    assert folder.flavour_key([2, -2, 6, -6]) != folder.flavour_key([2, -2, -6, 6])
    assert folder.flavour_key([6, 5, 24], ninitial=1) == (6, 5, 24)


def test_madnis_expands_p_p_to_t_tbar_as_mg5_did():
    from madnis_plugin.process.process import Process

    recorded = json.loads((DATA / "ttbar_subprocesses.json").read_text())["subprocesses"]
    process = Process.from_string("p p > t t~")
    assert subprocess_mismatch(recorded, process) is None
    dropped = [dict(g, processes=[p for p in g["processes"] if 3 not in p]) for g in recorded]  # no s s~
    difference = subprocess_mismatch(dropped, process)
    assert difference is not None and "only madnis: [(-3, 3, 6, -6)]" in difference


def test_default_run_card_has_mg5_defaults_and_every_madnis_setting():
    card = RunCard.from_string(default_card_text())
    madnis_names = [n for n in PARAMETERS if n.startswith("madnis_")]
    assert madnis_names and all(card.line_of(n) is not None for n in madnis_names)
    assert card == RunCard.default()  # written at the defaults madnis uses without a card


def test_plain_import_stays_light_and_is_no_plugin():
    code = ("import sys, madnis_plugin; "
            "print(hasattr(madnis_plugin, 'new_output'), any(m.startswith('madnis_plugin.mg5') for m in sys.modules),"
            " 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False"]


def test_plugin_that_cannot_load_its_exporter_says_so_at_output(tmp_path):
    # Loaded as PLUGIN.madnis_plugin where MG5's modules are missing: `output madnis` must
    # fail with the reason, not disappear (MG5 would then write a madevent folder).
    (tmp_path / "PLUGIN").mkdir()
    (tmp_path / "PLUGIN/__init__.py").write_text("")
    (tmp_path / "PLUGIN/madnis_plugin").symlink_to(PACKAGE, target_is_directory=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import PLUGIN.madnis_plugin as p; "
            "print(p.latest_validated_version, 'torch' in sys.modules)\n"
            "try:\n    p.new_output['madnis'](sys.argv[1], {})\nexcept RuntimeError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines()[0] == "(3, 5, 7) False"
    assert "failed to load (ModuleNotFoundError: No module named 'madgraph')" in out
    assert "madnis mg5-check" in out


def test_mg5_run_refuses_a_folder_not_written_by_output_madnis(tmp_path):
    done = subprocess.run([MADNIS, "mg5-run", str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "not a folder written by `output madnis`" in done.stderr


# --- with MG5 3.5.7 ---------------------------------------------------------------------------

MG5_HOME = os.environ.get("MG5_HOME")
needs_mg5 = pytest.mark.skipif(not MG5_HOME, reason="needs an MG5_aMC installation in MG5_HOME")


def _mg5(cwd: Path, *commands: str, mode: str | None = None) -> str:
    script = cwd / f"mg5_{len(list(cwd.glob('mg5_*.txt')))}.txt"
    script.write_text("\n".join(["set auto_update 0", "set automatic_html_opening False", *commands]) + "\n")
    # MG5 runs with the system Python (no torch), as a user would start it
    done = subprocess.run(["python3", str(Path(MG5_HOME) / "bin/mg5_aMC"), *([f"--mode={mode}"] if mode else []),
                           str(script)],
                          cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Error detected" not in done.stdout, done.stdout[-3000:]
    return done.stdout


def _set_run_card(path: Path, **values) -> None:
    text = path.read_text()
    for name, value in values.items():
        text, n = re.subn(rf"^\s*\S+\s*=\s*{name}\b", f" {value} = {name}", text, flags=re.MULTILINE)
        assert n == 1, name
    path.write_text(text)


def _results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())


def _events(run_dir: Path) -> list[str]:
    with gzip.open(run_dir / "unweighted_events.lhe.gz", "rt") as f:
        text = f.read()
    return re.findall(r"<event>.*?</event>", text, flags=re.DOTALL)


def _integrate(tmp: Path, model: str, process: str, cards: Path, seed: int) -> Path:
    """`madnis integrate` on a proc_card with `model` (the lines after "import model ")."""
    card = tmp / "proc_card.dat"
    card.write_text(f"import model {model}\ngenerate {process}\n")
    done = subprocess.run([MADNIS, "integrate", str(card), "--run-card", str(cards / "run_card.dat"),
                           "--param-card", str(cards / "param_card.dat"), "--seed", str(seed)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp / "Events/run_01"


@pytest.fixture(scope="module")
def installed():
    done = subprocess.run([MADNIS, "mg5-install", MG5_HOME], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([MADNIS, "mg5-check", MG5_HOME], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "output formats ['madnis']" in " ".join(done.stdout.split()), done.stderr


def _output_launch_compare(tmp_path: Path, import_model: str, standalone_model: str, process: str,
                           seed: int) -> tuple[float, float]:
    _mg5(tmp_path, *(f"import model {import_model}".split("\n")), f"generate {process}", "output madnis proc")
    root = tmp_path / "proc"
    assert (root / folder.MARKER).is_file()
    assert not (root / "bin/madevent").exists() and not (root / "Source").exists()
    assert not list((root / "SubProcesses").glob("P1_*"))
    _set_run_card(root / "Cards/run_card.dat", nevents=1000, iseed=seed)
    _mg5(tmp_path, "launch proc -f")
    launched = root / "Events/run_01"
    # the same folder outside MG5, and `madnis integrate` on an independent proc_card with its cards
    done = subprocess.run([str(root / "bin/generate_events"), "--seed", str(seed)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    (tmp_path / "alone").mkdir()
    alone = _integrate(tmp_path / "alone", standalone_model, process, root / "Cards", seed)
    sigma = [_results(d)["cross_section_pb"] for d in (launched, root / "Events/run_02", alone)]
    assert sigma[0] == sigma[1] == sigma[2]  # same cards, same seed: the same run
    assert _events(launched) == _events(alone)
    return sigma[0], _results(launched)["error_pb"]


@needs_mg5
@pytest.mark.slow
def test_output_madnis_and_launch_p_p_to_t_tbar(tmp_path, installed):
    # MG5's `import model sm` (its UFO, restrict_default) against madnis's own built-in sm
    sigma, error = _output_launch_compare(tmp_path, "sm", "sm", "p p > t t~", seed=11)
    assert 480 < sigma < 530 and error / sigma < 0.01  # LO 13 TeV NNPDF23: MG5 3.5.7 gives ~505 pb


@needs_mg5
@pytest.mark.slow
def test_output_madnis_and_launch_with_a_restricted_ufo_model(tmp_path, installed):
    # MG5's sm UFO with restrict_ckm (Cabibbo mixing): u s~ and c d~ appear besides u d~, c s~
    ufo = str(Path(MG5_HOME) / "models" / "sm-ckm")
    _output_launch_compare(tmp_path, "sm-ckm", ufo, "p p > e+ ve", seed=5)
    groups = json.loads((tmp_path / "proc" / folder.SUBPROCESS_LIST).read_text())
    assert folder.mg5_flavours(groups) == {(-3, 2, -11, 12), (-3, 4, -11, 12), (-1, 2, -11, 12), (-1, 4, -11, 12)}


@needs_mg5
@pytest.mark.slow
def test_output_madnis_and_launch_with_a_plugin_model_and_generated_lorentz_routines(tmp_path, installed):
    # MG5 writes the merged model to models/sm__hgg_plugin and `output madnis` names that folder;
    # madnis integrate on "import model sm / add model hgg_plugin" merges the two itself
    sigma, error = _output_launch_compare(tmp_path, "sm\nadd model hgg_plugin", "sm\nadd model hgg_plugin",
                                          "g g > h g", seed=3)
    assert 5 < sigma < 30 and error / sigma < 0.01  # MG5 3.5.7 madevent, fixed scale 125: 11.31 +- 0.04 pb


@needs_mg5
@pytest.mark.slow
def test_output_madnis_and_launch_a_decay_chain(tmp_path, installed):
    # MG5 records the production legs and the decays apart; the folder lists them flattened
    sigma, error = _output_launch_compare(tmp_path, "sm", "sm", "p p > t t~, t > w+ b, t~ > w- b~", seed=3)
    groups = json.loads((tmp_path / "proc" / folder.SUBPROCESS_LIST).read_text())
    assert (21, 21, 24, 5, -24, -5) in folder.mg5_flavours(groups)
    assert 470 < sigma < 500 and error / sigma < 0.01  # MG5 3.5.7 on the default cards: 482.9 +- 0.7 pb


@needs_mg5
@pytest.mark.slow
def test_madnis_mode_interface_launches_with_madnis_options(tmp_path, installed):
    # `mg5_aMC --mode=madnis_plugin`: launch after output (no DIR) and launch DIR, madnis's options passed on
    _mg5(tmp_path, "import model sm", "generate p p > t t~", "output madnis proc", "launch --nevents=300 --seed 11",
         "launch proc -f --nevents 200 --seed 12", mode="madnis_plugin")
    first, second = (_results(tmp_path / f"proc/Events/run_0{i}") for i in (1, 2))
    assert (first["n_events"], first["seed"]) == (300, 11)
    assert (second["n_events"], second["seed"]) == (200, 12)
