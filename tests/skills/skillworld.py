"""A real experiment to run the skill pack's example commands in, made once per test session by real runs.

`build_world` does what a researcher following the skills would have done by the time each example is used:
`labrails new digits-mlp` (the scaffold's PyTorch MLP on scikit-learn's digits, trained for a few epochs), a
de-risk run that passed its review, full runs named as the skills name them (seeds, a baseline, a larger learning
rate, a larger batch), a sweep suite, a report; beside it a cartography experiment whose de-risk run embedded its
examples (for `labrails clusters`) and a folder of tables to split. Every
run is `python train.py NAME` in a subprocess, exactly as `uv run train.py NAME` runs it (uv itself would fetch
the script's dependencies, and tests never download).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from skillpack import SKILLS_DIR, markdown_code
from testing.commands import quiet_env

if TYPE_CHECKING:
    from pathlib import Path

NAME = "digits-mlp"
HYPOTHESIS = "a 2-layer MLP reaches at least 95% test accuracy on digits"
# Full runs, with the overrides that make each its own configuration (config.yaml's seed is 1, so the
# examples' own `uv run train.py full` and `full-seed43` still start fresh runs in a copy of the world).
FULL_RUNS = {
    "full-seed42": ["--set", "seed=42"],
    "full-seed43": ["--set", "seed=43"],
    "full-baseline-seed42": ["--set", "seed=42", "--set", "model.hidden=32"],
    "full-baseline-seed43": ["--set", "seed=43", "--set", "model.hidden=32"],
    "full-lr1e-2": ["--set", "optim.lr=0.01"],
    "full-bs256": ["--set", "optim.batch_size=256"],
    "full-old-split": ["--set", "seed=7"],  # the run the `labrails ignore` examples leave out
}
SUITE = """\
name: lr
script: train.py
profile: full
seeds: [42]
seed_key: seed
configurations:
  - name: lr1e-2
    overrides: {optim.lr: 0.01}
"""


@dataclass
class World:
    """Where the examples run: ``experiment`` (the digits experiment), ``cartography`` (one made from the
    cartography template, whose de-risk run embedded its training examples) and ``data`` (tables and a split)."""

    root: Path
    experiment: Path
    cartography: Path
    data: Path
    shims: Path
    run_dirs: dict[str, str] = field(default_factory=dict)  # descriptive name -> run directory name

    @property
    def names(self) -> dict[str, str]:
        """What a table's ``run`` text may name in braces: run directories (a full run to ignore, the baseline's)."""
        return {"old_full": self.run_dirs["full-old-split"], "base42": self.run_dirs["full-baseline-seed42"],
                "base43": self.run_dirs["full-baseline-seed43"]}


def agent_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a coding agent's shell has: the agent variable set, labrails' terminal log off."""
    return quiet_env({"CLAUDECODE": "1", "COLUMNS": "200", "NO_COLOR": "1", **(extra or {})})


SHIMS = {
    # The names the examples start with, as this interpreter: `uv run X.py` and `pixi run python X.py` are
    # `python X.py` here (the environment already has what the scripts need; uv would download it).
    "labrails": 'exec "{python}" -m labrails "$@"',
    "python": 'exec "{python}" "$@"',
    "python3": 'exec "{python}" "$@"',
    "uv": '[ "$1" = run ] || {{ echo "uv: only uv run here" >&2; exit 2; }}; shift; exec "{python}" "$@"',
    "pixi": '[ "$1" = run ] || {{ echo "pixi: only pixi run here" >&2; exit 2; }}; shift; exec "$@"',
}


def write_shims(folder: Path) -> Path:
    """A folder to put first on PATH so that a shell runs the examples' programs with this interpreter."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in SHIMS.items():
        path = folder / name
        path.write_text("#!/bin/sh\n" + body.format(python=sys.executable) + "\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


def sh(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``args`` in ``cwd`` as the agent runs it (no terminal on stdin); a non-zero exit fails with both outputs."""
    proc = subprocess.run(list(args), cwd=cwd, env=agent_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"building the world: {args} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def labrails(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return sh(cwd, sys.executable, "-m", "labrails", *args)


def build_world(root: Path) -> World:
    labrails(root, "new", NAME, "--hypothesis", HYPOTHESIS, "--success", "test_accuracy >= 0.95", "--metric", "test_accuracy",
             "--direction", "higher")
    exp = root / NAME
    config = exp / "config.yaml"
    text = config.read_text(encoding="utf-8")
    for old, new in [("seed: 42", "seed: 1"), ("max_epochs: 60", "max_epochs: 3")]:  # a few seconds a run
        assert old in text, f"the scaffold's config.yaml changed: no {old!r}"
        text = text.replace(old, new, 1)
    config.write_text(text, encoding="utf-8")
    # A second launch script (script-patterns.md) and an inference script (evaluation-outputs) of the same shape.
    for script in ("eval.py", "infer.py"):
        shutil.copy(exp / "train.py", exp / script)
    (exp / "sanity_overfit.py").write_text(_skill_script("sanity_overfit.py"), encoding="utf-8")
    (exp / "suites" / "lr.yaml").write_text(SUITE, encoding="utf-8")

    sh(exp, sys.executable, "train.py", "de-risk")
    for name, overrides in FULL_RUNS.items():
        sh(exp, sys.executable, "train.py", name, *overrides)
    labrails(exp, "report", "--profile", "full")

    labrails(root, "new", "noisy-digits", "--template", "cartography")
    cartography = root / "noisy-digits"
    sh(cartography, sys.executable, "train.py", "de-risk", "--set", "clusters.embed=true")

    world = World(root=root, experiment=exp, cartography=cartography, data=root / "tables", shims=write_shims(root / "bin"))
    for run_dir in sorted((exp / "runs").iterdir()):
        if (run_dir / "run.json").is_file():
            world.run_dirs[run_dir.name.split("Z-", 1)[1]] = run_dir.name
    _write_tables(world.data)
    labrails(world.data, "split", "make", "data.csv", "--id-col", "row_id", "--strategy", "grouped", "--group-col", "patient_id",
             "--out", "split.json")
    return world


def _skill_script(name: str) -> str:
    """The Python block of the skills that introduces itself as ``# NAME``: the examples run it as written."""
    for path in sorted(SKILLS_DIR.rglob("*.md")):
        for chunk in markdown_code(path):
            if chunk.lang == "python" and chunk.text.lstrip().startswith(f"# {name}"):
                return chunk.text + "\n"
    raise AssertionError(f"no skill has a Python block starting with '# {name}'")


def _write_tables(folder: Path) -> None:
    """Tables with the columns the split examples name; every table has the same ids (0..N-1) and patients, so a
    split made from one of them fits the others, as it would for one dataset kept in several files."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 240
    ids = np.arange(n)
    patients = ids // 3  # three rows per patient: a grouped split is needed
    labels = rng.integers(0, 2, n)
    when = pd.Timestamp("2026-01-01") + pd.to_timedelta(ids, unit="h")
    folder.mkdir(parents=True)
    (folder / "files").mkdir()
    pd.DataFrame({"row_id": ids, "id": ids, "patient_id": patients, "label": labels, "text": [f"note {i}" for i in ids]}).to_csv(
        folder / "data.csv", index=False)
    visits = pd.DataFrame({"visit_id": ids, "patient_id": patients, "diagnosis": labels})
    visits.to_parquet(folder / "visits.parquet", index=False)
    visits.to_csv(folder / "files" / "visits.csv", index=False)
    pd.DataFrame({"reading_id": ids, "timestamp": when, "value": rng.normal(size=n)}).to_csv(folder / "readings.csv", index=False)
