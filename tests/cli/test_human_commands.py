"""`labrails approve` and `labrails data pin`: only a person at an interactive terminal who types the confirmation."""

from __future__ import annotations

import subprocess
import sys

from labrails.core.datapin import current_pin
from testing.human import labrails_at_terminal
from testing.runs import derisked_on


def test_data_show_presents_what_the_derisk_run_loaded(experiment):
    derisked_on(experiment)
    proc = subprocess.run([sys.executable, "-m", "labrails", "data", "show"], cwd=experiment.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "sklearn.datasets.load_wine" in proc.stdout and "fingerprint  sha256:" in proc.stdout and "pinned: nothing yet" in proc.stdout


def test_data_pin_without_a_terminal_is_refused(experiment):
    derisked_on(experiment)
    proc = subprocess.run([sys.executable, "-m", "labrails", "data", "pin"], cwd=experiment.root, capture_output=True, text=True,
                          input="pin\n")
    assert proc.returncode == 2 and "not an interactive terminal" in proc.stderr and "Traceback" not in proc.stderr
    assert current_pin(experiment.state) is None


def test_data_pin_cancels_unless_pin_is_typed_and_refuses_under_claude_code(experiment):
    derisked_on(experiment)
    code, shown = labrails_at_terminal(experiment.root, "data", "pin", answer="yes")
    assert code == 2 and "cancelled" in shown
    code, shown = labrails_at_terminal(experiment.root, "data", "pin", answer="pin", env={"CLAUDECODE": "1"})
    assert code == 2 and "CLAUDECODE" in shown
    assert current_pin(experiment.state) is None
    code, shown = labrails_at_terminal(experiment.root, "data", "pin", answer="pin")
    assert code == 0 and "pinned sha256:" in shown and current_pin(experiment.state) is not None


def test_approve_names_an_unknown_phase_and_writes_nothing(experiment):
    code, shown = labrails_at_terminal(experiment.root, "approve", "training", answer="training")
    assert code == 2 and "no phase 'training'" in shown and "de-risk, full" in shown
    assert not (experiment.state / "approvals.json").exists()
