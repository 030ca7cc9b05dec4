"""The run registry: migration from registry.json, corrupt files, rebuilding without upgrading, start order, the lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from labrails.analysis.runs_table import list_runs
from labrails.core.errors import LabrailsError
from labrails.core.registry import FILE, LEGACY, Registry, RegistryCorrupt, read_rows
from testing.commands import labrails_cli
from testing.runs import record_run

# Every way a registry file was found broken: as registry.json (before migration) and as the SQLite file.
CORRUPT_JSON = {
    "random-bytes": bytes(range(256)) * 4,
    "truncated": b'{"version": 1, "runs": {"2026-01-01T00-00-00-de-risk": {"run": "2026-01-01T00-00-00-de-r',
    "runs-is-a-list": b'{"runs": []}',
    "a-bare-list": b"[1, 2, 3]",
    "a-row-is-not-a-mapping": b'{"version": 1, "runs": {"x": 3}}',
    "empty-file": b"",
}


def _sqlite_variants(good: bytes) -> dict[str, bytes]:
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:  # an SQLite database that is not a labrails registry
        foreign = os.path.join(tmp, "other.sqlite")
        con = sqlite3.connect(foreign)
        con.execute("CREATE TABLE notes (text TEXT)")
        con.commit()
        con.close()
        with open(foreign, "rb") as fh:
            other = fh.read()
    return {"random-bytes": os.urandom(8192), "truncated": good[:1500], "foreign-database": other,
            "header-only": good[:100]}


def _registry_with_two_runs(experiment):
    record_run(experiment, "de-risk", script="tiny_run.py")
    record_run(experiment, "full", script="tiny_run.py")
    return Registry(experiment.state)


def test_a_registry_json_is_migrated_on_first_use_and_kept(experiment):
    old = {"version": 1, "runs": {
        "2026-01-01T10-00-00-de-risk": {"run": "2026-01-01T10-00-00-de-risk", "identity": "abc_1", "status": "completed",
                                        "profile": "de-risk", "started_ts": 2.0, "review_passed": True, "signature": "s1"},
        "2026-01-01T09-00-00-de-risk": {"run": "2026-01-01T09-00-00-de-risk", "identity": "abc_1", "status": "failed",
                                        "profile": "de-risk", "started_ts": 1.0},
    }}
    (experiment.state / LEGACY).write_text(json.dumps(old))
    assert list(read_rows(experiment.state)) == list(old["runs"])  # readable before any migration (the guard)
    Registry(experiment.state).update("2026-01-01T09-00-00-de-risk", note="seen")
    rows = Registry(experiment.state).rows()
    assert list(rows) == ["2026-01-01T09-00-00-de-risk", "2026-01-01T10-00-00-de-risk"]  # start order kept
    assert rows["2026-01-01T10-00-00-de-risk"]["signature"] == "s1"  # extra fields survive
    assert rows["2026-01-01T09-00-00-de-risk"]["note"] == "seen"
    assert not (experiment.state / LEGACY).exists()
    assert json.loads((experiment.state / (LEGACY + ".migrated")).read_text()) == old  # the backup, untouched


@pytest.mark.parametrize("variant", sorted(CORRUPT_JSON))
def test_every_broken_registry_json_says_so_and_rebuild_recovers(experiment, variant):
    record_run(experiment, "de-risk", script="tiny_run.py")
    failed = record_run(experiment, "full", script="tiny_run.py", error=RuntimeError("diverged"))
    for suffix in ("", "-wal", "-shm"):  # back to the days of registry.json, now broken
        (experiment.state / (FILE + suffix)).unlink(missing_ok=True)
    broken = CORRUPT_JSON[variant]
    (experiment.state / LEGACY).write_bytes(broken)
    _assert_broken_then_rebuilt(experiment, broken, failed)


@pytest.mark.parametrize("variant", ["random-bytes", "truncated", "foreign-database", "header-only"])
def test_every_broken_registry_file_says_so_and_rebuild_recovers(experiment, variant):
    record_run(experiment, "de-risk", script="tiny_run.py")
    failed = record_run(experiment, "full", script="tiny_run.py", error=RuntimeError("diverged"))
    path = experiment.state / FILE
    broken = _sqlite_variants(path.read_bytes())[variant]
    for suffix in ("-wal", "-shm"):
        (experiment.state / (FILE + suffix)).unlink(missing_ok=True)
    path.write_bytes(broken)
    _assert_broken_then_rebuilt(experiment, broken, failed)


def _assert_broken_then_rebuilt(experiment, broken: bytes, failed):
    with pytest.raises(LabrailsError) as err:
        read_rows(experiment.state)
    assert "labrails runs --rebuild" in err.value.render()

    listing = labrails_cli(experiment, "runs")
    assert listing.returncode == 2 and "registry" in listing.stderr and "--rebuild" in listing.stderr
    assert "Traceback" not in listing.stderr
    # A start is refused the same way, and leaves no directory.
    before = sorted(p.name for p in experiment.runs_dir.iterdir())
    proc = subprocess.run([sys.executable, "tiny_run.py", "de-risk", "--force"], cwd=experiment.root,
                          env={**os.environ, "LABRAILS_QUIET": "1"}, capture_output=True, text=True)
    assert proc.returncode == 2 and "--rebuild" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert sorted(p.name for p in experiment.runs_dir.iterdir()) == before

    rebuilt = labrails_cli(experiment, "runs", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "moved aside, kept" in rebuilt.stdout and "unverified" in rebuilt.stdout
    [kept] = [p for p in experiment.state.iterdir() if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes() == broken  # never deleted, never changed
    rows = Registry(experiment.state).rows()
    assert sorted(rows) == sorted(d.name for d in experiment.run_dirs())
    # The old verdicts were unreadable, so the run.json that says completed is not believed on its own.
    assert sorted(r["status"] for r in rows.values()) == ["failed", "unverified"]
    assert rows[failed.name]["status"] == "failed"
    assert "unverified" in labrails_cli(experiment, "runs").stdout


def test_rebuild_never_upgrades_a_status_from_run_json_alone(experiment):
    registry = _registry_with_two_runs(experiment)
    completed, full = experiment.run_dirs()
    registry.update(full.name, status="failed", review_passed=False, signature="sig")
    info = json.loads((full / "run.json").read_text())
    assert info["status"] == "completed"  # the files disagree with the registry
    orphan = experiment.runs_dir / "2026-01-01T00-00-00Z-de-risk-copied"
    orphan.mkdir()
    (orphan / "run.json").write_text(json.dumps({**info, "run": orphan.name}))

    report = registry.rebuild(experiment.runs_dir)
    rows = registry.rows()
    assert rows[full.name]["status"] == "failed" and rows[full.name]["signature"] == "sig"
    assert rows[completed.name]["status"] == "completed"
    assert rows[orphan.name]["status"] == "unverified" and report["unverified"] == [orphan.name]
    assert "unverified" in {r.status for r in list_runs(experiment)}


def test_rebuild_keeps_rows_whose_directory_is_gone(experiment):
    registry = _registry_with_two_runs(experiment)
    gone = experiment.run_dirs()[0]
    import shutil

    shutil.rmtree(gone)
    report = registry.rebuild(experiment.runs_dir)
    assert report["missing_dir"] == [gone.name] and registry.rows()[gone.name]["missing_dir"] is True


def test_latest_is_the_run_started_last_even_when_the_clock_went_back(experiment, monkeypatch):
    from datetime import datetime, timezone

    import labrails.tracking.run as run_mod
    from labrails.core.naming import run_dir_name

    record_run(experiment, "de-risk", script="tiny_run.py")
    monkeypatch.setattr(run_mod, "run_dir_name", lambda d: run_dir_name(d, datetime(2001, 1, 1, tzinfo=timezone.utc)))
    second = record_run(experiment, "full", script="tiny_run.py")
    assert second.name.startswith("2001-") and experiment.run_dirs()[-1] != second  # its name sorts first
    assert experiment.resolve_run("latest") == second


def test_a_held_registry_lock_names_its_holder_and_times_out(experiment, capfd):
    record_run(experiment, "de-risk", script="tiny_run.py")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from labrails.core.registry import Registry\n"
         "with Registry(sys.argv[1])._write():\n    print('HELD', flush=True); time.sleep(60)\n", str(experiment.state)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HELD"
        with pytest.raises(LabrailsError) as err:
            Registry(experiment.state, timeout=1.0).update("x", status="failed")
        assert f"pid {holder.pid}" in err.value.render() and "LABRAILS_LOCK_TIMEOUT" in err.value.render()
        assert "waiting for the run registry" in capfd.readouterr().err
        assert read_rows(experiment.state)  # readers are never blocked by a writer
    finally:
        holder.kill()
        holder.wait()
    Registry(experiment.state, timeout=5.0).update("x", status="failed")  # a dead holder's lock is gone with it


def test_a_held_file_lock_names_its_holder_and_times_out(tmp_path, capfd):
    from labrails.core.fsutil import locked

    lock = tmp_path / "journal.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from labrails.core.fsutil import locked\n"
         "with locked(sys.argv[1]):\n    print('HELD', flush=True); time.sleep(60)\n", str(lock)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HELD"
        with pytest.raises(LabrailsError) as err, locked(lock, timeout=0.5):
            pass
        assert f"pid {holder.pid}" in err.value.render() and f"pid {holder.pid}" in capfd.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_resume_finds_the_checkpoint_through_the_registry(experiment):
    from labrails.tracking.run import _resumable_checkpoint

    crashed = record_run(experiment, "de-risk", script="tiny_run.py", error=RuntimeError("out of memory"))
    (crashed / "checkpoints" / "last.pt").write_bytes(b"weights")
    identity = json.loads((crashed / "run.json").read_text())["identity"]
    assert _resumable_checkpoint(experiment, identity, experiment.runs_dir / "new") == crashed / "checkpoints" / "last.pt"
    Registry(experiment.state).update(crashed.name, status="completed")  # the registry, not the directory, decides
    assert _resumable_checkpoint(experiment, identity, experiment.runs_dir / "new") is None


def test_a_corrupt_registry_is_a_clear_error_for_the_guard_reader_too(experiment):
    from labrails.core.expview import ExperimentView

    record_run(experiment, "de-risk", script="tiny_run.py")
    (experiment.state / FILE).write_bytes(b"\x00garbage" * 100)
    with pytest.raises(RegistryCorrupt):
        ExperimentView(str(experiment.root)).registry_rows
