"""The core's CPU threads: as many as the process may use (affinity mask, cgroup quota) or the
user's nb_core / --threads; one persistent pool, exception-safe, usable from several Python
threads and after fork. Fast and CI-safe on a 2-core machine."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.cli import main
from madnis_plugin.core import _core
from madnis_plugin.errors import CardError
from madnis_plugin.events.run_dir import read_results
from madnis_plugin.threads import choose_threads

ROOT = Path(__file__).resolve().parent.parent
SPIN_US = 100.0  # per probe point; BUSY points of it (~50 ms on 2 threads) give every thread work
BUSY = 1000


@pytest.fixture(autouse=True)
def restore_threads():
    core, torch_threads = _core.num_threads(), torch.get_num_threads()
    yield
    _core.set_num_threads(core)
    torch.set_num_threads(torch_threads)


def pool_threads() -> list[int]:
    """Ids of this process's threads named by the pool."""
    ids = []
    for task in os.listdir("/proc/self/task"):
        try:
            if Path(f"/proc/self/task/{task}/comm").read_text().strip() == "madnis-pool":
                ids.append(int(task))
        except OSError:  # the thread ended meanwhile
            pass
    return ids


def run_child(code: str, cpus: int | None = None) -> dict:
    """Run code in a fresh interpreter (its affinity first limited to `cpus` CPUs when given);
    its last stdout line is JSON."""
    prologue = ""
    if cpus is not None:
        prologue = f"import os\nos.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[:cpus]})\n"
    done = subprocess.run([sys.executable, "-c", prologue + textwrap.dedent(code)], check=False,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


CHILD_REPORT = """
    import json, os, threading
    import torch
    from madnis_plugin import pdf
    from madnis_plugin.core import _core
    report = {"affinity": _core.affinity_cpus(), "available": _core.available_cpus(),
              "threads": _core.num_threads()}
    ran_on = _core._parallel_probe(1000, 1, 100.0)
    report["probe_threads"] = len(set(ran_on))
    report["probe_on_caller"] = set(ran_on) == {threading.get_native_id()}
    x = torch.rand(200_000, dtype=torch.float64) * 0.5 + 1e-4
    pdf.load().xfxQ(2, x, torch.full_like(x, 100.0))  # a real op of the core, 200k points
    report["pool_threads"] = sum(
        open(f"/proc/self/task/{t}/comm").read().strip() == "madnis-pool" for t in os.listdir("/proc/self/task"))
    print(json.dumps(report))
"""


# --- how many threads -------------------------------------------------------------------


def test_one_cpu_affinity_means_one_thread_and_no_pool_threads():
    report = run_child(CHILD_REPORT, cpus=1)
    assert report == {"affinity": 1, "available": 1, "threads": 1, "probe_threads": 1, "probe_on_caller": True,
                      "pool_threads": 0}


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_two_cpus_give_two_threads():
    """The control of the test above: the same child with two CPUs uses two."""
    report = run_child(CHILD_REPORT, cpus=2)
    assert report["available"] == report["threads"] == report["probe_threads"] == 2
    assert report["pool_threads"] == 1 and not report["probe_on_caller"]


def test_default_is_the_available_cpus_not_the_machine():
    assert _core.affinity_cpus() == len(os.sched_getaffinity(0))
    quota = _core.cgroup_cpu_quota()
    expected = len(os.sched_getaffinity(0)) if quota is None else min(len(os.sched_getaffinity(0)),
                                                                      -int(-quota // 1))
    assert _core.available_cpus() == expected


def write_fake_proc(tmp: Path, cgroup: str, mounts: list[tuple[str, Path, str, str]]) -> Path:
    """A fake /proc/self: cgroup as given, mountinfo lines (root, mount point, fstype, options)."""
    proc = tmp / "proc"
    proc.mkdir()
    (proc / "cgroup").write_text(cgroup)
    escaped = [str(point).replace(" ", r"\040") for _, point, _, _ in mounts]
    lines = [f"{30 + i} 23 0:{26 + i} {root} {escaped[i]} rw,nosuid shared:9 - {fstype} cgroup {options}"
             for i, (root, _, fstype, options) in enumerate(mounts)]
    (proc / "mountinfo").write_text("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" + "\n".join(lines) + "\n")
    return proc


def test_cgroup_v2_quota_is_the_tightest_up_the_tree(tmp_path):
    mount = tmp_path / "cg 2"  # a space: mountinfo escapes it as \040
    (mount / "job" / "step").mkdir(parents=True)
    (mount / "job" / "cpu.max").write_text("250000 100000\n")
    (mount / "job" / "step" / "cpu.max").write_text("max 100000\n")
    proc = write_fake_proc(tmp_path, "0::/job/step\n", [("/", mount, "cgroup2", "rw")])
    assert _core.cgroup_cpu_quota(str(proc)) == 2.5
    (mount / "job" / "step" / "cpu.max").write_text("50000 100000\n")
    assert _core.cgroup_cpu_quota(str(proc)) == 0.5
    (mount / "job" / "cpu.max").write_text("max 100000\n")
    (mount / "job" / "step" / "cpu.max").write_text("max 100000\n")
    assert _core.cgroup_cpu_quota(str(proc)) is None


def test_cgroup_v1_quota_of_a_bind_mounted_container_cgroup(tmp_path):
    mount = tmp_path / "cpu"
    mount.mkdir()
    (mount / "cpu.cfs_quota_us").write_text("150000\n")
    (mount / "cpu.cfs_period_us").write_text("100000\n")
    cgroup = "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n"
    proc = write_fake_proc(tmp_path, cgroup, [("/docker/abc", mount, "cgroup", "rw,cpu,cpuacct")])
    assert _core.cgroup_cpu_quota(str(proc)) == 1.5
    (mount / "cpu.cfs_quota_us").write_text("-1\n")
    assert _core.cgroup_cpu_quota(str(proc)) is None


def test_no_cgroup_information_means_no_quota(tmp_path):
    proc = write_fake_proc(tmp_path, "", [])
    assert _core.cgroup_cpu_quota(str(proc)) is None


# --- the pool ---------------------------------------------------------------------------


def test_small_batches_run_inline_on_the_caller():
    _core.set_num_threads(2)
    caller = threading.get_native_id()
    assert set(_core._parallel_probe(7, 4, SPIN_US)) == {caller}  # fewer than 2 chunks of 4
    assert set(_core._parallel_probe(3000, 2048, 0.0)) == {caller}  # the cheap ops' default chunk
    assert set(_core._parallel_probe(0, 4)) == set()


def test_ranges_cover_the_batch_once_and_start_aligned():
    _core.set_num_threads(2)
    assert _core._parallel_ranges(30, 16, 8) == [(0, 30)]  # one thread's worth: inline, one range
    ranges = _core._parallel_ranges(10_001, 100, 8)
    assert len(ranges) > 2 and ranges[0][0] == 0 and ranges[-1][1] == 10_001
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))  # no gap, no overlap
    assert all(begin % 8 == 0 and end - begin >= 100 for begin, end in ranges[:-1])


def test_the_pool_is_started_once_and_reused():
    _core.set_num_threads(2)
    caller = threading.get_native_id()
    first = set(_core._parallel_probe(BUSY, 1, SPIN_US))
    workers = set(pool_threads())
    assert len(workers) == _core._pool_workers() == 1 and first == workers | {caller}
    tasks = set(os.listdir("/proc/self/task"))
    used = set()
    for _ in range(100):
        ran_on = _core._parallel_probe(64, 1, 20.0)
        assert 0 not in ran_on
        used |= set(ran_on)
    # threads started per call would show up as new thread ids
    assert used <= workers | {caller}
    assert set(os.listdir("/proc/self/task")) == tasks
    _core.set_num_threads(3)  # a new count resizes the pool at its next loop
    assert len(set(_core._parallel_probe(BUSY, 1, SPIN_US))) == 3
    assert _core._pool_workers() == len(pool_threads()) == 2


def test_an_exception_in_a_worker_reaches_the_caller_and_the_pool_survives():
    _core.set_num_threads(2)
    with pytest.raises(RuntimeError, match="raised in a pool worker"):
        _core._parallel_probe(BUSY, 1, SPIN_US, throw_in_worker=True)
    assert 0 not in _core._parallel_probe(256, 1, 10.0)


def test_several_python_threads_share_the_pool():
    _core.set_num_threads(2)
    failures = []

    def call() -> None:
        for _ in range(10):
            ran_on = _core._parallel_probe(200, 1, 10.0)
            if 0 in ran_on or len(ran_on) != 200:
                failures.append(ran_on)

    callers = [threading.Thread(target=call) for _ in range(4)]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in callers) and not failures


def test_a_forked_child_gets_a_working_pool():
    report = run_child("""
        import json, os
        from madnis_plugin.core import _core
        _core.set_num_threads(2)
        _core._parallel_probe(1000, 1, 100.0)  # the parent's pool is running
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            ran_on = _core._parallel_probe(1000, 1, 100.0)
            os.write(write, json.dumps([0 not in ran_on, len(set(ran_on)), _core._pool_workers()]).encode())
            os._exit(0)
        os.close(write)
        child = json.loads(os.read(read, 1000))
        _, status = os.waitpid(pid, 0)
        parent = _core._parallel_probe(1000, 1, 100.0)
        print(json.dumps({"child": child, "status": status, "parent": [0 not in parent, len(set(parent))]}))
    """)
    assert report == {"child": [True, 2, 1], "status": 0, "parent": [True, 2]}


# --- the user's setting -----------------------------------------------------------------


def test_precedence_threads_over_nb_core_over_available_cpus():
    assert choose_threads(None, None) == choose_threads() and choose_threads().count == _core.available_cpus()
    assert choose_threads().source == "available CPUs"
    assert (choose_threads(None, 3).count, choose_threads(None, 3).source) == (3, "nb_core")
    assert (choose_threads(2, 3).count, choose_threads(2, 3).source) == (2, "--threads")
    with pytest.raises(ValueError, match="nb_core"):
        choose_threads(None, 0)
    with pytest.raises(ValueError):
        _core.set_num_threads(0)


def test_nb_core_in_the_run_card():
    assert RunCard.default()["nb_core"] is None
    assert RunCard.from_string("  4 = nb_core ! threads\n")["nb_core"] == 4
    assert RunCard.from_string("  None = nb_core\n")["nb_core"] is None
    assert "4 = nb_core" in RunCard.default().with_overrides(nb_core=4).to_string()
    for bad in ("0", "-2", "2.5", "many"):
        with pytest.raises(CardError, match="nb_core") as err:
            RunCard.from_string(f"  {bad} = nb_core\n")
        assert "\n" not in str(err.value)


def dy_folder(tmp_path: Path, nb_core: int | str | None) -> Path:
    for card in ("proc_card.dat", "run_card.dat"):
        shutil.copy(ROOT / "processes" / "drell_yan" / card, tmp_path / card)
    if nb_core is not None:
        with (tmp_path / "run_card.dat").open("a") as f:
            f.write(f"  {nb_core} = nb_core ! CPU threads\n")
    return tmp_path / "proc_card.dat"


FAST = ["--nevents", "100", "--accuracy", "0.02", "--seed", "3"]


def test_nb_core_and_threads_are_honoured_and_recorded(tmp_path):
    runner = CliRunner()
    card = dy_folder(tmp_path, nb_core=1)
    result = runner.invoke(main, ["integrate", str(card), *FAST])
    assert result.exit_code == 0, result.output
    first = tmp_path / "Events" / "run_01"
    record = read_results(first)
    assert (record["threads"], record["threads_from"]) == (1, "nb_core")
    assert _core.num_threads() == 1 and torch.get_num_threads() == 1
    assert set(_core._parallel_probe(256, 1, 10.0)) == {threading.get_native_id()}

    result = runner.invoke(main, ["integrate", str(card), *FAST, "--threads", "2"])
    assert result.exit_code == 0, result.output
    record = read_results(tmp_path / "Events" / "run_02")
    assert (record["threads"], record["threads_from"]) == (2, "--threads")
    assert _core.num_threads() == 2 and torch.get_num_threads() == 2

    # generate: the saved run's nb_core, unless --threads
    result = runner.invoke(main, ["generate", str(first), "--nevents", "10", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert (read_results(tmp_path / "Events" / "run_03")["threads"], _core.num_threads()) == (1, 1)
    result = runner.invoke(main, ["generate", str(first), "--nevents", "10", "--seed", "5", "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert read_results(tmp_path / "Events" / "run_04")["threads_from"] == "--threads"


def test_no_setting_uses_the_available_cpus(tmp_path):
    _core.set_num_threads(7)
    result = CliRunner().invoke(main, ["integrate", str(dy_folder(tmp_path, nb_core=None)), *FAST])
    assert result.exit_code == 0, result.output
    record = read_results(tmp_path / "Events" / "run_01")
    assert (record["threads"], record["threads_from"]) == (_core.available_cpus(), "available CPUs")
    assert _core.num_threads() == _core.available_cpus()


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "x"])
def test_invalid_threads_are_one_line_errors(tmp_path, value):
    card = dy_folder(tmp_path, nb_core=None)
    result = CliRunner().invoke(main, ["integrate", str(card), "--threads", value])
    assert result.exit_code == 2 and "--threads" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["generate", str(tmp_path), "--nevents", "1", "--threads", value])
    assert result.exit_code == 2 and "--threads" in result.output
    dy_folder(tmp_path, nb_core=value)
    result = CliRunner().invoke(main, ["integrate", str(card)])
    assert result.exit_code == 2 and "nb_core" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "Events").exists() or not list((tmp_path / "Events").glob("run_*"))
