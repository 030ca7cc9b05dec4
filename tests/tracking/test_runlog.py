"""`labrails logs RUN` prints a run's console log; `labrails logs -f RUN` follows a running run until it ends."""

from __future__ import annotations

import subprocess
import sys
import time

from testing.commands import labrails_cli, quiet_env
from testing.runs import record_run

from labrails.tracking.runlog import follow_log, read_log

# A run that logs one line, waits for the file `go`, logs another and finishes (or fails with GATED_FAIL set).
GATED = '''
import os, pathlib, sys, time
import labrails

with labrails.start_run(sys.argv[1], script=__file__, force=True) as run:
    run.record_data(source="sklearn.datasets.load_wine", fingerprint_of=({"rows": 178},), rows={"train": 120, "test": 58})
    run.log.info("first line, before the follower starts")
    while not pathlib.Path("go").exists():
        time.sleep(0.05)
    run.log.info("second line, while it is followed")
    if os.environ.get("GATED_FAIL"):
        raise RuntimeError("the loss went to nan")
    run.finish({"test_accuracy": 0.9})
'''


def _wait_for(predicate, what: str, limit_s: float = 600) -> None:
    """Poll until ``predicate()``; the limit only keeps a broken run from hanging the test."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _follow_a_gated_run(exp, tmp_path, env=None):
    (exp.root / "gated.py").write_text(GATED)
    out, err = tmp_path / "follow.out", tmp_path / "follow.err"
    follower_env = quiet_env()
    follower_env.pop("PYTHONUNBUFFERED", None)  # output to a file is block-buffered unless the follower flushes
    run = subprocess.Popen([sys.executable, "gated.py", "de-risk"], cwd=exp.root, env=quiet_env(env),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    follower = None
    try:
        _wait_for(lambda: any("first line" in p.read_text() for p in exp.root.glob("runs/*/logs/train.log")),
                  "the first line")
        with out.open("w") as stdout, err.open("w") as stderr:
            follower = subprocess.Popen([sys.executable, "-m", "labrails", "logs", "-f", "latest"], cwd=exp.root,
                                        env=follower_env, stdout=stdout, stderr=stderr)
        _wait_for(lambda: "first line" in out.read_text(), "the follower to print the first line")
        assert follower.poll() is None  # still following: the run has not ended
        (exp.root / "go").touch()
        run.wait(timeout=120)
        code = follower.wait(timeout=120)
    finally:  # a failed check must not leave either process behind
        for proc in (run, follower):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    return code, out.read_text(), err.read_text()


def test_following_a_running_run_prints_what_it_logs_until_it_completes(experiment, tmp_path):
    code, out, err = _follow_a_gated_run(experiment, tmp_path)

    assert code == 0
    assert out.index("first line") < out.index("second line, while it is followed") < out.index("run completed")
    assert "is completed" in err


def test_following_a_run_that_fails_exits_1(experiment, tmp_path):
    code, out, err = _follow_a_gated_run(experiment, tmp_path, env={"GATED_FAIL": "1"})

    assert code == 1
    assert "second line" in out and "the loss went to nan" in out and "is failed" in err


def test_the_log_of_a_finished_run_from_the_cli_and_from_python(experiment):
    run_dir = record_run(experiment, "de-risk", script="tiny_run.py")

    shown = labrails_cli(experiment, "logs", "de-risk")
    assert shown.returncode == 0 and shown.stdout == read_log(run_dir) and "run completed" in shown.stdout
    chunks: list[str] = []
    assert follow_log(run_dir, chunks.append) == "completed"  # a run that already ended: the whole log, then stop
    assert "".join(chunks) == read_log(run_dir)


def test_a_run_without_a_console_log_is_an_error_naming_the_file(experiment):
    run_dir = record_run(experiment, "de-risk", script="tiny_run.py")
    (run_dir / "logs" / "train.log").unlink()

    missing = labrails_cli(experiment, "logs", "latest")
    assert missing.returncode == 2 and "train.log: this run has no console log" in missing.stderr
