"""A run is a record: its seed is chosen and written down, an interrupted run leaves nothing a
reader could take for events, and every input error a user can make is one line on stderr
with exit status 2 and no run folder."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from madnis_plugin.cli import main
from madnis_plugin.errors import PhysicsInputError
from madnis_plugin.events.leftovers import INCOMPLETE_FILE, RUNNING_FILE
from madnis_plugin.events.run_dir import list_runs, read_results
from madnis_plugin.seeds import SEED_RECORD, reduce_seed, used_seeds

ROOT = Path(__file__).resolve().parent.parent
DY = ROOT / "processes" / "drell_yan"
DY_CARD = DY / "proc_card.dat"
FAST = ["--nevents", "200", "--accuracy", "0.01"]


def integrate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["integrate", *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def banner_iseed(events_file: Path) -> int:
    with gzip.open(events_file, "rt") as fh:
        head = fh.read(200_000)
    return int(re.search(r"^\s*(\d+)\s*=\s*iseed", head, re.MULTILINE).group(1))


# --- seeds ------------------------------------------------------------------------------


def test_runs_without_a_seed_differ_and_say_which_seed_they_used(tmp_path):
    for _ in range(2):
        code, out, _ = integrate(DY_CARD, "--output", tmp_path, *FAST)
        assert code == 0
    runs = list_runs(tmp_path)
    assert [r.name for r in runs] == ["run_01", "run_02"]
    records = [read_results(r) for r in runs]
    seeds = [rec["seed"] for rec in records]
    assert seeds[0] != seeds[1]
    for run, seed in zip(runs, seeds, strict=True):
        assert banner_iseed(run / "unweighted_events.lhe.gz") == seed  # not iseed = 0
    assert used_seeds(tmp_path / "Events") == set(seeds)
    assert str(seeds[1]) in out  # the printed summary of the second run
    assert (runs[0] / "unweighted_events.lhe.gz").read_bytes() != (runs[1] / "unweighted_events.lhe.gz").read_bytes()


def test_an_explicit_seed_any_size_reproduces_the_file_byte_for_byte(tmp_path):
    huge = 99999999999999999999  # overflowed torch's seed before
    for out in ("a", "b"):
        code, _, err = integrate(DY_CARD, "--output", tmp_path / out, "--seed", huge, *FAST)
        assert code == 0, err
    a, b = (list_runs(tmp_path / out)[0] for out in ("a", "b"))
    assert (a / "unweighted_events.lhe.gz").read_bytes() == (b / "unweighted_events.lhe.gz").read_bytes()
    assert read_results(a)["seed"] == reduce_seed(huge) == banner_iseed(a / "unweighted_events.lhe.gz")
    assert "reduced from 99999999999999999999" in (tmp_path / "a" / "Events" / SEED_RECORD).read_text()


def test_madnis_generate_without_a_seed_draws_fresh_recorded_ones(tmp_path):
    code, _, _ = integrate(DY_CARD, "--output", tmp_path, "--seed", "8", *FAST)
    assert code == 0
    (trained,) = list_runs(tmp_path)
    for _ in range(2):
        result = CliRunner().invoke(main, ["generate", str(trained), "--nevents", "50"])
        assert result.exit_code == 0, result.output
    seeds = [read_results(r)["seed"] for r in list_runs(tmp_path)]
    assert len(set(seeds)) == 3 and seeds[0] == 8
    assert used_seeds(tmp_path / "Events") == set(seeds)


# --- interruption -------------------------------------------------------------------------


def _start(output: Path, nevents: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "madnis_plugin.cli", "integrate", str(DY_CARD), "--output",
                             str(output), "--nevents", str(nevents), "--accuracy", "0.01", "--seed", "5"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for_unweighting(proc: subprocess.Popen, output: Path, timeout: float = 120.0) -> Path:
    """The temporary events file, once it exists (the unweighting has started)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        found = list(output.glob("Events/run_*/.unweighted_events.lhe.gz.*.tmp"))
        if found:
            return found[0]
        assert proc.poll() is None, f"the run ended before unweighting: {proc.stderr.read()}"
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("unweighting did not start")


def _no_events_anywhere(output: Path) -> None:
    assert not list(output.rglob("*.lhe.gz")), "an events file a reader could take for complete"


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_and_sigterm_during_unweighting_end_cleanly(tmp_path, sig, code):
    proc = _start(tmp_path, 60_000)  # about ten seconds of unweighting
    tmp = _wait_for_unweighting(proc, tmp_path)
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert not tmp.exists()
    assert not list(tmp_path.rglob("*.tmp"))
    _no_events_anywhere(tmp_path)
    assert list_runs(tmp_path) == []  # the unfinished run folder is gone
    assert "interrupted" in err and "Traceback" not in err


def test_sigkill_leaves_only_a_hidden_temporary_that_the_next_run_removes(tmp_path):
    proc = _start(tmp_path, 60_000)
    tmp = _wait_for_unweighting(proc, tmp_path)
    time.sleep(0.5)
    proc.kill()
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert tmp.exists() and tmp.name.startswith(".") and tmp.name.endswith(".tmp")
    _no_events_anywhere(tmp_path)
    killed_run = tmp.parent
    code, _, err = integrate(DY_CARD, "--output", tmp_path, "--seed", "6", *FAST)
    assert code == 0
    assert not list(tmp_path.rglob("*.tmp"))
    assert "stale temporary" in err and str(proc.pid) in err
    # what the killed run finished (its checkpoint) is kept, and the folder says it is incomplete
    assert (killed_run / INCOMPLETE_FILE).is_file() and not (killed_run / RUNNING_FILE).exists()
    assert not (killed_run / "results.json").exists()
    assert [r.name for r in list_runs(tmp_path)] == ["run_01", "run_02"]
    assert (tmp_path / "Events" / "run_02" / "unweighted_events.lhe.gz").is_file()


def test_sigterm_during_madnis_generate_leaves_no_new_run_folder(tmp_path):
    code, _, _ = integrate(DY_CARD, "--output", tmp_path, "--seed", "4", *FAST)
    assert code == 0
    (first,) = list_runs(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "madnis_plugin.cli", "generate", str(first), "--nevents",
                             "60000"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not list(tmp_path.glob("Events/run_02/.unweighted_events.lhe.gz.*.tmp")):
        assert proc.poll() is None and time.monotonic() - t0 < 120
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert list_runs(tmp_path) == [first] and not list(tmp_path.rglob("*.tmp"))


def test_temporaries_of_a_live_run_are_left_alone(tmp_path):
    from madnis_plugin.events.leftovers import clean_leftovers

    run = tmp_path / "Events" / "run_01"
    run.mkdir(parents=True)
    live = run / f".unweighted_events.lhe.gz.{os.getppid()}.abcdefgh.tmp"  # our parent process is alive
    dead = run / ".unweighted_events.lhe.gz.999999999.abcdefgh.tmp"  # above Linux's pid_max
    old = run / ".unweighted_events.lhe.gz.k2j4h5g6.tmp"  # no pid in the name: an older madnis
    for path in (live, dead, old):
        path.write_bytes(b"x")
    notes = clean_leftovers(tmp_path)
    assert live.exists() and old.exists() and not dead.exists()
    assert len(notes) == 2
    assert "unknown owner" in notes[0] and old.name in notes[0] and live.name not in notes[0]
    assert "removed 1 stale" in notes[1] and dead.name in notes[1] and live.name not in notes[1]


# --- one clear line for every input error ---------------------------------------------------


def _param_card(tmp_path: Path, pattern: str, replacement: str) -> Path:
    text = (ROOT / "tests" / "data" / "param_card_sm_default.dat").read_text()
    new = re.sub(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert new != text
    path = tmp_path / "param_card.dat"
    path.write_text(new)
    return path


def _run_card(tmp_path: Path, name: str, value: str) -> Path:
    text = (DY / "run_card.dat").read_text()
    new = re.sub(rf"^\s*\S+\s*=\s*{name}\b", f" {value} = {name}", text, count=1, flags=re.MULTILINE)
    assert new != text
    path = tmp_path / "run_card.dat"
    path.write_text(new)
    return path


def _binary_card(tmp_path: Path) -> Path:
    path = tmp_path / "proc_card.dat"
    path.write_bytes(b"import model sm\n\x89PNG\r\n\x1a\n\xff\xfe\x00\x01")
    return path


def _file_in_the_way(tmp_path: Path) -> Path:
    (tmp_path / "a_file").write_text("not a folder")
    return tmp_path / "a_file" / "out"


FAILURES = {
    # name: (extra arguments from tmp_path, expected text on the one stderr line)
    "binary proc_card": (lambda t: [_binary_card(t)], r"proc_card\.dat:2: not a text proc_card"),
    "ptl = 6400 (σ ≈ 2e-25 pb)": (lambda t: [DY_CARD, "--run-card", _run_card(t, "ptl", "6400")],
                                  r"too small to unweight"),
    "MZ = 0": (lambda t: [DY_CARD, "--param-card", _param_card(t, r"^(\s*23\s+)9\.118800e\+01", r"\g<1>0.0")],
               r"param_card\.dat:19: mass 23 \(MZ of z\) = 0: a massive vector boson needs a mass > 0"),
    "negative Z width": (lambda t: [DY_CARD, "--param-card", _param_card(t, r"^(DECAY\s+23\s+)2\.441404e\+00",
                                                                         r"\g<1>-2.4")],
                         r"DECAY 23 \(WZ of z\) = -2\.4: a width must be a finite number >= 0"),
    "negative top mass": (lambda t: [DY_CARD, "--param-card", _param_card(t, r"^(\s*6\s+)1\.730000e\+02",
                                                                          r"\g<1>-173.0")],
                          r"mass 6 \(MT of t\) = -173: .*give \|m\|"),
    "output under a file": (lambda t: [DY_CARD, "--output", _file_in_the_way(t)], r"a_file: not a folder"),
    "output in /proc": (lambda t: [DY_CARD, "--output", "/proc/madnis_test_out"],
                        r"/proc: (no permission|cannot create a folder)"),
    "too many diagrams": (lambda t: [ROOT / "processes" / "drell_yan_zprime" / "proc_card.dat",
                                     "--max-diagrams", "2"], r"more than 2 diagrams"),
}


@pytest.mark.parametrize("name", list(FAILURES))
def test_input_errors_are_one_line_exit_2_and_leave_no_run_folder(tmp_path, name):
    make_args, expected = FAILURES[name]
    args = [str(a) for a in make_args(tmp_path)]
    if "--output" not in args:
        args += ["--output", str(tmp_path / "out")]
    code, _, err = integrate(*args, *FAST)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(expected, lines[0]), lines[0]
    assert not list(tmp_path.glob("**/Events/run_*")), "a run folder was left behind"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_unwritable_output_folder_fails_before_the_integration(tmp_path):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        t0 = time.monotonic()
        code, _, err = integrate(DY_CARD, "--output", out, *FAST)
        assert code == 2 and "no permission to write" in err
        assert time.monotonic() - t0 < 30
    finally:
        out.chmod(0o700)


# --- the Python API ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def uu_ee():
    from madnis_plugin.matrix_element import reference_points
    from madnis_plugin.process.process import Process

    proc = Process.from_string("u u~ > e+ e-")
    return proc, reference_points(proc.matrix_elements()[0], 200.0, 4)


def test_numpy_momenta_give_the_same_matrix_element_as_a_tensor(uu_ee):
    proc, p = uu_ee
    np.testing.assert_array_equal(proc.matrix_element(p.numpy()).numpy(), proc.matrix_element(p).numpy())
    np.testing.assert_array_equal(proc.matrix_element(p.numpy().tolist()).numpy(), proc.matrix_element(p).numpy())


@pytest.mark.parametrize("kw,message", [
    ({"subprocess": 99}, r"subprocess=99: this process has 1 subprocess\(es\), numbered 0 to 0"),
    ({"subprocess": -1}, r"subprocess=-1: this process has 1 subprocess"),
    ({"alpha_s": -1.0}, r"alpha_s must be finite and > 0, got -1"),
    ({"alpha_s": [0.118, 0.118, float("nan"), 0.118]}, r"alpha_s must be finite and > 0, got nan"),
])
def test_matrix_element_refuses_meaningless_arguments(uu_ee, kw, message):
    proc, p = uu_ee
    with pytest.raises(PhysicsInputError, match=message):
        proc.matrix_element(p, **kw)


def test_float32_momenta_are_refused_with_the_dtype_named(uu_ee):
    proc, p = uu_ee
    with pytest.raises(ValueError, match=r"float64 tensor, got torch\.float32 \(use \.double\(\)\)"):
        proc.matrix_element(p.float())


# --- accuracy -----------------------------------------------------------------------------


def test_an_accuracy_not_reached_is_a_warning_in_the_summary_and_results(tmp_path, capsys):
    from madnis_plugin.cli import _print_summary
    from madnis_plugin.integrate import IntegrationRun, RunOptions

    options = RunOptions(nevents=100, seed=3, output=tmp_path, calls_per_iteration=20_000, rel_accuracy=1e-5,
                         max_calls=100_000)
    run = IntegrationRun.from_cards(DY_CARD, options=options)
    summary = run.run()
    record = json.loads((summary.run_dir / "results.json").read_text())
    warning = [w for w in record["warnings"] if "requested accuracy" in w]
    assert len(warning) == 1 and "0.001% was not reached" in warning[0]
    assert summary.error_pb / summary.cross_section_pb > 1e-5
    capsys.readouterr()
    _print_summary("dy", summary)
    out, err = capsys.readouterr()
    assert "warning: the requested accuracy 0.001% was not reached" in " ".join(err.split())
    assert "requested accuracy" in out and str(record["seed"]) in out

