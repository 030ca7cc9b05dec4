"""The one-node SLURM cluster of tests/slurm/cluster.sh, as the tests see it: up, or why not."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

CLUSTER_SCRIPT = Path(__file__).resolve().parents[1] / "slurm" / "cluster.sh"
DEFAULT_DIR = Path(os.environ.get("LABRAILS_SLURM_DIR", "/tmp/labrails-slurm"))


def unavailable() -> str | None:
    """None when a cluster answers; otherwise why not, in words a skip message can show."""
    conf = Path(os.environ.get("SLURM_CONF") or DEFAULT_DIR / "etc" / "slurm.conf")
    failed = DEFAULT_DIR / "unavailable.txt"
    if failed.is_file():
        return f"the one-node SLURM cluster did not start: {failed.read_text().strip()}"
    if not shutil.which("sinfo"):
        return f"SLURM is not installed (start the test cluster: bash {CLUSTER_SCRIPT.relative_to(CLUSTER_SCRIPT.parents[2])} start)"
    if not conf.is_file():
        return f"no SLURM cluster: {conf} does not exist (bash tests/slurm/cluster.sh start)"
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=15,
                             env={**os.environ, "SLURM_CONF": str(conf)})
    except subprocess.TimeoutExpired:
        return f"the SLURM cluster at {conf} does not answer: sinfo took over 15 s"
    if out.returncode != 0 or not set(out.stdout.split()) & {"idle", "mixed", "allocated"}:
        return f"the SLURM cluster at {conf} does not answer: {(out.stderr or out.stdout).strip() or 'no node up'}"
    os.environ["SLURM_CONF"] = str(conf)   # every client needs it: sbatch, squeue, sacct, and submitit in this process
    return None


def squeue(job_id: str | None = None) -> str:
    return subprocess.run(["squeue", *(["-j", job_id] if job_id else [])], capture_output=True, text=True).stdout


def state(job_id: str) -> str:
    out = subprocess.run(["sacct", "-n", "-X", "-P", "-o", "State", "-j", job_id], capture_output=True, text=True).stdout
    return (out.split() or ["UNKNOWN"])[0]


def wait_until(predicate, *, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
