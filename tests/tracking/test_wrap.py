"""`labrails run NAME -- CMD`: a script written without labrails becomes a run, unchanged."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from labrails.core.fsutil import read_json
from testing.byo import byo_experiment, labrails_run, wrap_env

PLAIN_CONFIG = "seed: 1\nprofiles:\n  de-risk: {budget_seconds: 60}\n  full: {}\n"


def runs_of(exp):
    return [read_json(d / "run.json") for d in exp.run_dirs()]


@pytest.mark.slow
def test_an_argparse_script_runs_as_de_risk_and_full_with_no_edit(tmp_path):
    exp = byo_experiment(tmp_path / "digits-byo")
    before = (exp.root / "main.py").read_bytes()
    derisk = labrails_run(exp, "de-risk", check=True)
    assert "Test set: Average loss" in derisk.stdout  # the terminal sees the script's own output
    full = labrails_run(exp, "full", check=True)
    assert (exp.root / "main.py").read_bytes() == before
    d_run, f_run = exp.run_dirs()
    d_info, f_info = read_json(d_run / "run.json"), read_json(f_run / "run.json")
    assert d_info["status"] == f_info["status"] == "completed"
    assert (d_info["profile"], f_info["profile"]) == ("de-risk", "full")
    # The profile's arguments reached the script: the argv the kernel gave it ends with them.
    seen = d_info["wrapped"]["argv_seen"]
    assert seen[-4:] == ["--epochs", "1", "--limit-train", "0.3"] and "main.py" in seen[1]
    assert f_info["wrapped"]["argv_seen"][-2:] == ["--epochs", "3"]
    # Metrics: the script's per-epoch CSV, every epoch, and its final JSON as metrics.json.
    records = [json.loads(line) for line in (f_run / "logs" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["name"] == "test_accuracy"] == [1, 2, 3]
    final = read_json(f_run / "metrics.json")
    assert final["epochs"] == 3 and final["n_test"] == 540 and 0 < final["test_accuracy"] <= 1
    log = (d_run / "logs" / "train.log").read_text()
    assert "| STDOUT  | Test set: Average loss" in log and log.splitlines()[0][:4].isdigit()
    command = (d_run / "command.txt").read_text()
    assert "python main.py" in command and "--epochs 1 --limit-train 0.3" in command


@pytest.mark.slow
def test_command_arguments_are_part_of_the_identity_in_any_order(tmp_path):
    config = ('args: {--limit-train: 0.2, --log-csv: "{run_dir}/epochs.csv", --results: "{run_dir}/results.json"}\n'
              'metrics_file: "{run_dir}/epochs.csv"\nfinal_metrics: "{run_dir}/results.json"\n'
              "data: {source: sklearn.datasets.load_digits}\n"
              "profiles:\n  de-risk: {budget_seconds: 60}\n  full: {}\n  explore: {}\n")
    exp = byo_experiment(tmp_path / "digits-byo", config)
    labrails_run(exp, "de-risk", "--", "python", "main.py", "--epochs", "1", check=True)  # what later runs need
    labrails_run(exp, "explore", "--", "python", "main.py", "--epochs", "1", "--lr", "0.5", check=True)
    labrails_run(exp, "explore", "--", "python", "main.py", "--epochs", "2", "--lr", "0.5", check=True)
    assert len({info["identity"] for info in runs_of(exp) if info["profile"] == "explore"}) == 2
    again = labrails_run(exp, "explore", "--", "python", "main.py", "--lr=0.5", "--epochs", "1", check=True)
    assert "already completed" in again.stdout and len(exp.run_dirs()) == 3


def test_a_command_may_not_set_what_the_profile_sets(tmp_path):
    exp = byo_experiment(tmp_path / "digits-byo")
    proc = labrails_run(exp, "de-risk", "--", "python", "main.py", "--epochs", "5")
    assert proc.returncode == 2 and "--epochs" in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr and exp.run_dirs() == []


@pytest.mark.slow
def test_editing_a_local_module_is_a_new_run(tmp_path):
    exp = byo_experiment(tmp_path / "digits-byo")
    labrails_run(exp, "de-risk", check=True)
    model = exp.root / "model.py"
    model.write_text(model.read_text().replace("nn.ReLU()", "nn.Tanh()"))
    labrails_run(exp, "de-risk", check=True)
    assert len({info["identity"] for info in runs_of(exp)}) == 2


def test_failure_exit_status_and_a_missing_program_are_recorded(tmp_path):
    exp = byo_experiment(tmp_path / "exp", PLAIN_CONFIG)
    failed = labrails_run(exp, "de-risk", "--", "sh", "-c", "echo about to fail; echo broken >&2; exit 3")
    assert failed.returncode == 3
    info = runs_of(exp)[0]
    assert info["status"] == "failed" and info["wrapped"]["exit_status"] == 3
    assert "exited with status 3" in info["error"]["message"] and "broken" in info["error"]["message"]
    missing = labrails_run(exp, "de-risk", "--", "no-such-program-here")
    assert missing.returncode == 127 and any("no-such-program-here" in i["error"]["message"] for i in runs_of(exp)[1:])


def test_non_python_commands_can_write_metrics_for_labrails_to_pick_up(tmp_path):
    exp = byo_experiment(tmp_path / "exp", PLAIN_CONFIG)
    script = ('for s in 1 2 3; do echo "{\\"step\\": $s, \\"loss\\": 0.$s}" >> "$LABRAILS_METRICS_FILE"; done; '
              'echo "{\\"accuracy\\": 0.9}" > "$LABRAILS_FINAL_METRICS"')
    labrails_run(exp, "de-risk", "--", "sh", "-c", script, check=True)
    run = exp.run_dirs()[0]
    records = [json.loads(line) for line in (run / "logs" / "metrics.jsonl").read_text().splitlines()]
    assert [(r["step"], r["value"]) for r in records if r["name"] == "loss"] == [(1, 0.1), (2, 0.2), (3, 0.3)]
    assert read_json(run / "metrics.json") == {"accuracy": 0.9}


def test_the_script_logs_through_the_api_in_one_line(tmp_path):
    exp = byo_experiment(tmp_path / "exp", PLAIN_CONFIG)
    (exp.root / "api.py").write_text(
        "import labrails\n"
        "run = labrails.current_run()\n"
        "for step in (1, 2):\n"
        "    run.log_metrics({'loss': 1.0 / step}, step=step, split='train')\n"
        "run.finish({'accuracy': 0.75, 'profile_seen': run.config['profile']})\n"
    )
    labrails_run(exp, "de-risk", "--", "python", "api.py", check=True)
    run = exp.run_dirs()[0]
    steps = [json.loads(line)["step"] for line in (run / "logs" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2]
    assert read_json(run / "metrics.json") == {"accuracy": 0.75, "profile_seen": "de-risk"}


def test_signals_reach_the_command_and_the_log_is_live(tmp_path):
    exp = byo_experiment(tmp_path / "exp", PLAIN_CONFIG)
    (exp.root / "sleeper.py").write_text(
        "import signal, sys, time\n"
        "def stop(signum, frame):\n"
        "    print('got', signal.Signals(signum).name, flush=True)\n"
        "    sys.exit(5)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "print('ready')\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-m", "labrails", "run", "de-risk", "--", "python", "sleeper.py"],
                            cwd=exp.root, env=wrap_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    log = None
    while time.monotonic() < deadline:  # `tail -f logs/train.log` sees the first line while the script runs
        dirs = exp.run_dirs()
        log = dirs[0] / "logs" / "train.log" if dirs else None
        if log and log.is_file() and "| STDOUT  | ready" in log.read_text():
            break
        time.sleep(0.1)
    assert log is not None and "ready" in log.read_text(), "the first line never reached train.log"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 5, err
    info = runs_of(exp)[0]
    assert info["status"] == "failed" and info["wrapped"]["signals_forwarded"] == ["SIGTERM"]
    assert "got SIGTERM" in log.read_text()


@pytest.mark.slow
def test_torchrun_and_python_m_launches(tmp_path):
    exp = byo_experiment(tmp_path / "digits-byo")
    pkg = exp.root / "digitspkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("import labrails\nlabrails.current_run().finish({'ok': 1})\n")
    labrails_run(exp, "de-risk", check=True)  # main.py's de-risk run: what its full run needs
    labrails_run(exp, "de-risk", "--", "python", "-m", "digitspkg", check=True)
    torchrun = labrails_run(exp, "full", "--", "torchrun", "--standalone", "--nproc_per_node", "1", "main.py", check=True)
    infos = runs_of(exp)[1:]
    assert [i["status"] for i in infos] == ["completed", "completed"]
    assert infos[0]["script"].endswith("__main__.py")
    assert infos[1]["wrapped"]["argv_seen"][-2:] == ["--epochs", "3"] and "Test set" in torchrun.stdout
