"""SLURM for sweeps: the suite's ``slurm:`` settings (a schema, as data), and what the scheduler says of jobs.

```yaml
slurm:                        # every job of the suite
  partition: gpu
  account: mylab
  timeout_min: 60             # the job's time limit; SLURM stops it after this
  cpus_per_task: 8
  mem_gb: 32
  gres: gpu:a100:1            # or gpus_per_node: 1
  profiles:                   # per config.yaml profile: applied over the settings above
    de-risk: {timeout_min: 10, gres: gpu:1}
```

Without ``timeout_min`` a job gets twice its profile's ``budget_seconds`` (at least 10 minutes; 5 for
de-risk); a profile without a budget gets 24 hours, de-risk 15 minutes: a de-risk run is short by design.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import time
from typing import TYPE_CHECKING

from labrails.core.schema import INT, LIST, MAP, NUMBER, TEXT, Key, Map

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

DERISK = "de-risk"
DERISK_DEFAULT_MIN = 15          # de-risk with no budget: a short limit, so a stuck de-risk run frees the node
DEFAULT_MIN = 24 * 60

_GRES = re.compile(r"^[A-Za-z][\w-]*(:[\w.-]+)?(:\d+)?(,[A-Za-z][\w-]*(:[\w.-]+)?(:\d+)?)*$")
_FLAG = re.compile(r"^[a-z][a-z0-9_-]*$")


def _count(name: str, example: str, *, zero: bool = False) -> Key:
    least = 0 if zero else 1
    return Key(name, INT, test=lambda v: v >= least,
               message=f"{{where}} is {{value}}: it must be a whole number, {least} or more",
               fix=f"e.g. {name}: {example}")


def _text(name: str, example: str, what: str) -> Key:
    return Key(name, TEXT, test=lambda v: bool(v.strip()) and not any(c.isspace() for c in v.strip()),
               message=f"{{where}} is {{value}}: it must be {what}", fix=f"e.g. {name}: {example}")


RESOURCES = (
    _text("partition", "gpu", "a partition name (sinfo lists them)"),
    _text("account", "mylab", "an account name (sacctmgr show assoc lists yours)"),
    _text("qos", "normal", "a QOS name"),
    _count("timeout_min", "60 (the job's time limit in minutes)"),
    _count("cpus_per_task", "8"),
    Key("mem_gb", NUMBER, test=lambda v: v > 0, message="{where} is {value}: memory must be a number of GB above 0",
        fix="e.g. mem_gb: 32"),
    _count("gpus_per_node", "1", zero=True),
    Key("gres", TEXT, test=_GRES.match, message="{where} is {value}, which is not a SLURM gres request",
        fix="name:count or name:type:count, e.g. gres: gpu:1 or gres: gpu:a100:2"),
    _text("constraint", "a100", "a node feature"),
    _text("exclude", "node[01-02]", "a node list"),
    _count("nodes", "1"),
    _count("tasks_per_node", "1"),
    _count("array_parallelism", "4 (default: --max-parallel)"),
    Key("setup", LIST, items=TEXT, message="{where} must be a list of shell lines run before the job",
        fix='e.g. setup: ["module load cuda/12.4"]'),
    Key("sbatch", MAP, test=lambda v: all(_FLAG.match(str(k)) for k in v), values=(TEXT, INT, NUMBER),
        message="{where} must map other sbatch options (without the dashes) to values",
        fix="e.g. sbatch: {mail-type: END, mail-user: me@lab.org}"),
)
PROFILE_SLURM = Map(*RESOURCES, known="a profile's slurm settings have",
                    message="{where} must be a mapping of slurm settings", fix="e.g. de-risk: {timeout_min: 10}")
SLURM_SCHEMA = Map(
    *RESOURCES,
    Key("profiles", MAP, values=PROFILE_SLURM, message="{where} must map config.yaml profiles to slurm settings",
        fix="e.g. profiles: {de-risk: {timeout_min: 10}, full: {gres: gpu:1}}"),
    known="the slurm section has",
)

_SHARED = ("timeout_min", "mem_gb", "cpus_per_task", "gpus_per_node", "nodes", "tasks_per_node")   # every submitit cluster
_SLURM_ONLY = ("partition", "account", "qos", "gres", "constraint", "exclude", "setup", "array_parallelism")


def settings_for(settings: Mapping[str, Any], profile: str) -> dict[str, Any]:
    """The settings one profile's jobs get: the section's own, then its ``profiles.<profile>`` over them."""
    merged = {key: value for key, value in settings.items() if key != "profiles"}
    merged.update((settings.get("profiles") or {}).get(profile) or {})
    return merged


def default_timeout_min(profile: str, budget_seconds: float | None) -> int:
    if budget_seconds:
        return max(5 if profile == DERISK else 10, math.ceil(2 * budget_seconds / 60))
    return DERISK_DEFAULT_MIN if profile == DERISK else DEFAULT_MIN


def job_parameters(settings: Mapping[str, Any], *, profile: str, budget_seconds: float | None,
                   max_parallel: int = 1) -> dict[str, Any]:
    """The suite's (already validated) ``slurm:`` section as submitit AutoExecutor parameters for ``profile``."""
    merged = settings_for(settings, profile)
    params: dict[str, Any] = {}
    for key, value in merged.items():
        if key in _SHARED:
            params[key] = value
        elif key in _SLURM_ONLY:
            params[f"slurm_{key}"] = value
        elif key == "sbatch":
            params["slurm_additional_parameters"] = {str(k).replace("-", "_"): v for k, v in value.items()}
    params.setdefault("timeout_min", default_timeout_min(profile, budget_seconds))
    params.setdefault("slurm_array_parallelism", max_parallel)
    return params


# ---------------------------------------------------------------- what the scheduler says
PENDING_STATES = ("PENDING", "REQUEUED", "CONFIGURING", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED")
RUNNING_STATES = ("RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING")
WORDS = {"COMPLETED": "done"}
ENDINGS = {
    "CANCELLED": "was cancelled (scancel: SIGTERM, then SIGKILL after KillWait)",
    "TIMEOUT": "reached its time limit (SIGTERM, then SIGKILL after KillWait)",
    "PREEMPTED": "was preempted by a job of higher priority",
    "NODE_FAIL": "lost its node",
    "OUT_OF_MEMORY": "ran out of memory (the kernel killed it)",
    "BOOT_FAIL": "could not start on its node",
    "DEADLINE": "passed its deadline",
    "FAILED": "failed",
}


def word(state: str | None) -> str:
    """SLURM's state in the sweep's words: pending, running, done or failed."""
    state = (state or "").upper()
    if not state or state == "UNKNOWN" or state in PENDING_STATES:
        return "pending"
    if state in RUNNING_STATES:
        return "running"
    return WORDS.get(state, "failed")


def finished(state: str | None) -> bool:
    return word(state) in ("done", "failed")


def ending(job_id: str, state: str) -> str:
    """Why a job's run ended, in words, from the scheduler's final state."""
    return f"SLURM job {job_id} {ENDINGS.get(state, state.lower())} before the run recorded its end ({state})"


class JobStates:
    """The scheduler's view of many jobs, from one ``sacct`` call every ``every_s`` seconds.

    submitit asks sacct on its own, backing off to once in 10 minutes: too slow to show a sweep moving, and
    too slow to notice a cancelled job. ``get(job_id)`` returns (state, node) for ``12345`` or ``12345_3``.
    """

    def __init__(self, every_s: float = 2.0):
        self.every_s = every_s
        self.states: dict[str, tuple[str, str]] = {}
        self.watched: set[str] = set()
        self.last = 0.0

    def watch(self, job_id: str) -> None:
        self.watched.add(str(job_id))
        self.last = 0.0

    def get(self, job_id: str) -> tuple[str, str]:
        job_id = str(job_id)
        self.watched.add(job_id)
        if time.monotonic() - self.last >= self.every_s:
            self.refresh()
        return self.states.get(job_id, ("UNKNOWN", ""))

    def refresh(self) -> None:
        self.last = time.monotonic()
        live = {j.split("_")[0] for j in self.watched if not finished(self.states.get(j, ("",))[0])}
        if live:
            self.states.update(query(live))


def query(job_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``sacct`` for these jobs (array jobs by their base id): {job id: (state, node)}; {} when sacct fails."""
    if not shutil.which("sacct"):
        return {}
    command = ["sacct", "-n", "-X", "-P", "-o", "JobID,State,NodeList"]
    for job_id in sorted(set(job_ids)):
        command += ["-j", str(job_id)]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return parse_sacct(out)


def parse_sacct(text: str) -> dict[str, tuple[str, str]]:
    """``12|RUNNING|vm``, ``12_1|CANCELLED by 0|vm``, ``12_[2-3%2]|PENDING|None assigned`` -> per job id."""
    states: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 3 or "." in parts[0]:
            continue
        job, state, node = parts[0], (parts[1].split() or ["UNKNOWN"])[0].rstrip("+"), parts[2]
        node = "" if node.startswith("None") else node
        many = re.fullmatch(r"(\d+)_\[([\d,\-]+)(%\d+)?\]", job)
        if many is None:
            states[job] = (state, node)
            continue
        for part in many.group(2).split(","):
            first, _, last = part.partition("-")
            for index in range(int(first), int(last or first) + 1):
                states[f"{many.group(1)}_{index}"] = (state, node)
    return states
