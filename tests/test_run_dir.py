"""MG5-style run folders and results.json: numbering, atomic writes, fixed keys."""

from __future__ import annotations

import json

import pytest
import torch

from madnis_plugin.events.atomic import AtomicFile
from madnis_plugin.events.run_dir import (
    EVENTS_FILE,
    list_runs,
    new_run_dir,
    read_results,
    write_results,
)


def test_runs_are_numbered_like_mg5(tmp_path):
    first = new_run_dir(tmp_path)
    assert first == tmp_path / "Events" / "run_01" and first.is_dir()
    assert new_run_dir(tmp_path).name == "run_02"
    (tmp_path / "Events" / "run_07").mkdir()
    (tmp_path / "Events" / "not_a_run").mkdir()
    assert new_run_dir(tmp_path).name == "run_08"  # after the highest, gaps not reused
    assert [p.name for p in list_runs(tmp_path)] == ["run_01", "run_02", "run_07", "run_08"]
    (tmp_path / "Events" / "run_99").mkdir()
    assert new_run_dir(tmp_path).name == "run_100"


def test_named_run_must_be_new(tmp_path):
    assert new_run_dir(tmp_path, "zprime_scan").name == "zprime_scan"
    with pytest.raises(FileExistsError, match="exists already"):
        new_run_dir(tmp_path, "zprime_scan")
    with pytest.raises(ValueError):
        new_run_dir(tmp_path, "../escape")


def test_results_json_has_the_fixed_keys(tmp_path):
    run = new_run_dir(tmp_path)
    path = write_results(
        run,
        cross_section_pb=torch.tensor(760.11, dtype=torch.float64),
        error_pb=2.33,
        unweighting_efficiency=0.152,
        n_events=10000,
        events_file=run.resolve() / EVENTS_FILE,
        channels=[{"channel": 0, "cross_section_pb": 700.0, "error_pb": 2.0},
                  {"channel": 1, "cross_section_pb": 60.11, "error_pb": float("nan")}],
        timings={"training": 12.5, "integration": 3.0, "unweighting": 1.25},
        extra={"seed": 42},
    )
    assert path == run / "results.json"
    data = read_results(run)
    assert list(data)[:7] == ["cross_section_pb", "error_pb", "unweighting_efficiency", "n_events",
                              "events_file", "channels", "timings"]
    assert data["cross_section_pb"] == 760.11
    assert data["events_file"] == EVENTS_FILE  # relative to the run folder
    assert data["channels"][1]["error_pb"] is None  # NaN is not JSON
    assert data["timings"]["training"] == 12.5 and data["seed"] == 42
    assert [p.name for p in run.iterdir()] == ["results.json"]  # no temporary left
    with pytest.raises(ValueError, match="override"):
        write_results(run, cross_section_pb=1, error_pb=0, unweighting_efficiency=None, n_events=0,
                      extra={"n_events": 3})
    assert read_results(run)["n_events"] == 10000  # the failed call changed nothing


def test_results_are_replaced_atomically(tmp_path):
    target = tmp_path / "results.json"
    target.write_text(json.dumps({"old": True}))
    with pytest.raises(KeyboardInterrupt), AtomicFile(target) as f:
        f.write(b'{"new": ')
        raise KeyboardInterrupt
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
