"""Nothing stuck, nothing lost: a run killed at each point of its start, stopped by SIGTERM/SIGHUP, on a full
or read-only disk, or with its directory deleted under it.

Each test kills or starves a real run of tests/fixtures/tiny_run.py at a named instant (``LABRAILS_FAULT``
makes the process SIGKILL itself exactly there), then checks that an identical run is not blocked, that no
temporary file is left, and that no run directory, registry row or journal entry went missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

import labrails
from labrails.analysis.runs_table import list_runs
from labrails.core.errors import LabrailsError
from labrails.core.journal import add_entry
from labrails.core.registry import Registry
from testing.commands import labrails_cli, quiet_env
from testing.experiments import tiny_experiment
from testing.runs import record_run

START_POINTS = ["after-mkdir", "write:run.json", "registry-write", "after-claim"]


def _start(exp, *args, env=None):
    return subprocess.run([sys.executable, "tiny_run.py", "de-risk", *args], cwd=exp.root, env=quiet_env(env),
                          capture_output=True, text=True, timeout=120)


def _temp_files(root):
    return [p for p in root.rglob("*.tmp")]


def _what_exists(exp):
    """Everything that must never be lost: run directories with a run.json, registry rows, journal lines."""
    return ({d.name for d in exp.run_dirs()}, set(Registry(exp.state).rows()), exp.journal.read_text())


@pytest.mark.parametrize("point", START_POINTS)
def test_kill_9_at_each_point_of_a_start_blocks_nothing_and_loses_nothing(experiment, point):
    record_run(experiment, "full", script="tiny_run.py")
    add_entry(experiment, "before the crash", tag="NOTE")
    runs_before, rows_before, journal_before = _what_exists(experiment)

    killed = _start(experiment, env={"LABRAILS_FAULT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _temp_files(experiment.root) == []

    again = _start(experiment)  # the identical run is not refused by the one that died
    assert again.returncode == 0 and "already completed" not in again.stdout, again.stderr
    runs, rows, journal = _what_exists(experiment)
    assert runs_before <= runs and rows_before <= rows and journal == journal_before
    statuses = {r.name: r.status for r in list_runs(experiment)}
    assert sorted(statuses.values()).count("completed") == 2
    leftovers = [name for name, status in statuses.items() if status != "completed"]
    if point in ("registry-write", "after-claim"):  # run.json was written: the dead start shows as crashed
        assert [statuses[n] for n in leftovers] == ["crashed"]
    else:
        assert leftovers == []

    Registry(experiment.state).rebuild(experiment.runs_dir)  # and a rebuild accounts for every directory
    rows = Registry(experiment.state).rows()
    assert {d.name for d in experiment.run_dirs()} <= set(rows)
    assert all(rows[n]["status"] == "crashed" for n in leftovers)


def test_a_dead_running_row_without_run_json_is_crashed_and_does_not_block(experiment):
    """What a start killed between its claim and its run.json left behind before they were written together."""
    first = record_run(experiment, "de-risk", script="tiny_run.py")
    info = json.loads((first / "run.json").read_text())
    registry = Registry(experiment.state)
    registry.update(first.name, status="failed")  # so that only the ghost below could block
    ghost = "2026-01-01T00-00-00Z-de-risk"
    (experiment.runs_dir / ghost).mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    registry.update(ghost, identity=info["identity"], status="running", pid=int(dead.stdout), host=info["host"])

    assert _start(experiment).returncode == 0
    assert registry.get(ghost)["status"] == "crashed"
    assert [r.status for r in list_runs(experiment)].count("completed") == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_mark_the_run_failed_with_the_signal_as_reason(experiment, signum):
    proc = subprocess.Popen([sys.executable, "tiny_run.py", "de-risk"], cwd=experiment.root,
                            env=quiet_env({"TINY_SLEEP": "30"}), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("STEP 1")
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signum  # the conventional ending: killed by that signal
    [run_dir] = experiment.run_dirs()
    name = signal.Signals(signum).name
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "failed" and name in info["error"]["message"] and name in err
    row = Registry(experiment.state).get(run_dir.name)
    assert row["status"] == "failed" and name in row["error"][1]
    assert _temp_files(experiment.root) == []
    assert _start(experiment).returncode == 0  # a failed run does not block its retry


def _mount_tmpfs(path, options: str):
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip() or 'mount failed'}): needs root or CAP_SYS_ADMIN")
    return path


@pytest.fixture
def small_disk(tmp_path):
    disk = _mount_tmpfs(tmp_path / "disk", "size=5m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_disk_filling_mid_run_still_records_the_failure_and_its_reason(small_disk):
    exp = tiny_experiment(small_disk / "exp", template="cartography")
    add_entry(exp, "before the disk filled", tag="NOTE")
    journal = exp.journal.read_text()
    proc = _start(exp, env={"TINY_FILL": "1"})
    assert proc.returncode == 1 and "No space left on device" in proc.stderr
    [run_dir] = exp.run_dirs()
    [row] = list_runs(exp)
    assert row.status == "failed"  # from the pre-allocated outcome file, whatever else could not be written
    assert "No space left" in json.loads((run_dir / ".outcome.json").read_text())["error"]["message"]
    assert exp.journal.read_text() == journal and _temp_files(exp.root) == []

    # With the disk still full, a new start is a clear error naming the path, and leaves nothing behind.
    blocked = _start(exp, "--force")
    assert blocked.returncode == 2 and "disk is full" in blocked.stderr and "Traceback" not in blocked.stderr
    assert exp.run_dirs() == [run_dir] and len(list(exp.runs_dir.iterdir())) == 1

    (run_dir / "checkpoints" / "fill.bin").unlink()  # the user frees space
    Registry(exp.state).refresh(exp.runs_dir)
    registry_row = Registry(exp.state).get(run_dir.name)
    assert registry_row["status"] == "failed" and "No space left" in registry_row["error"][1]
    assert _start(exp).returncode == 0


def test_a_read_only_experiment_is_a_clear_error_naming_the_path(tmp_path):
    exp = tiny_experiment(tmp_path / "src-exp", template="cartography")
    record_run(exp, "de-risk", script="tiny_run.py")
    ro = _mount_tmpfs(tmp_path / "ro", "size=5m")
    try:
        shutil.copytree(exp.root, ro / "exp")
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        ro_exp = labrails.find_experiment(ro / "exp")
        proc = _start(ro_exp, "--force")
        assert proc.returncode == 2 and "read-only" in proc.stderr and str(ro / "exp") in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        listing = labrails_cli(ro_exp, "runs")  # reading still works on a read-only experiment
        assert listing.returncode == 0 and "completed" in listing.stdout, listing.stderr
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)


def test_a_run_directory_deleted_while_running_is_reported_not_recreated(experiment):
    run = labrails.start_run("de-risk", experiment=experiment.root, script=experiment.root / "tiny_run.py")
    shutil.rmtree(run.dir)
    with pytest.raises(LabrailsError) as err:
        run.finish({"test_accuracy": 0.9})
    assert "deleted while the run was going" in err.value.render()
    assert not run.dir.exists()
    row = Registry(experiment.state).get(run.name)
    assert row["status"] == "failed" and "deleted" in row["error"][1]


def test_a_killed_write_leaves_no_temporary_file(tmp_path):
    code = "import sys; from labrails.core.fsutil import write_json; write_json(sys.argv[1], {'a': 1})"
    target = tmp_path / "state.json"
    proc = subprocess.run([sys.executable, "-c", code, str(target)], env={**os.environ, "LABRAILS_FAULT": "write:state.json"})
    assert proc.returncode == -signal.SIGKILL
    assert list(tmp_path.iterdir()) == []
    subprocess.run([sys.executable, "-c", code, str(target)], check=True)
    assert json.loads(target.read_text()) == {"a": 1} and list(tmp_path.iterdir()) == [target]


def test_temporary_files_of_dead_writers_are_removed_and_live_ones_kept(tmp_path):
    import socket

    from labrails.core.fsutil import remove_stale_temps

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = socket.gethostname()
    stale = tmp_path / f".run.json.{host}.{int(dead.stdout)}.123.tmp"
    live = tmp_path / f".run.json.{host}.{os.getpid()}.456.tmp"
    other_host = tmp_path / f".run.json.elsewhere.example.{int(dead.stdout)}.789.tmp"
    for path in (stale, live, other_host):
        path.write_text("{}")
    assert remove_stale_temps(tmp_path) == [stale]
    assert sorted(tmp_path.iterdir()) == sorted([live, other_host])
