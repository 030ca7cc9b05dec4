"""Where an experiment's files are, and how to find the experiment from any directory inside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labrails.core.errors import LabrailsError

STATE_DIR = ".labrails"


@dataclass(frozen=True)
class Experiment:
    root: Path

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def journal(self) -> Path:
        return self.root / "JOURNAL.md"

    @property
    def ignored(self) -> Path:
        return self.root / "IGNORED_RUNS.md"

    @property
    def spec_path(self) -> Path:
        return self.root / "spec.yaml"

    @property
    def config_path(self) -> Path:
        return self.root / "config.yaml"

    @property
    def stability_log(self) -> Path:
        return self.root / "runs.yaml"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR

    def run_dirs(self) -> list[Path]:
        if not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.iterdir() if p.is_dir() and (p / "run.json").is_file())

    def latest_run(self) -> Path:
        """The run started last, by the registry's start order (a clock set back cannot reorder it)."""
        from labrails.core.registry import Registry

        name = Registry(self.state).latest(self.runs_dir)
        if name is not None:
            return self.runs_dir / name
        runs = self.run_dirs()  # no registry yet (or none of its runs is left): the newest name
        if not runs:
            raise LabrailsError("this experiment has no runs yet", path=self.root, fix="start one: uv run train.py de-risk")
        return runs[-1]

    def resolve_run(self, ref: str) -> Path:
        """A run given as a path, a full run name, a unique suffix/prefix of one, or ``latest``."""
        candidate = Path(ref)
        if candidate.is_dir() and (candidate / "run.json").is_file():
            return candidate.resolve()
        if ref == "latest":
            return self.latest_run()
        runs = self.run_dirs()
        exact = [p for p in runs if p.name == ref]
        if exact:
            return exact[0]
        partial = [p for p in runs if ref in p.name]
        if len(partial) == 1:
            return partial[0]
        if not partial:
            raise LabrailsError(
                f"no run matches '{ref}'", path=self.runs_dir, fix="list them with `labrails runs`, or use `latest`"
            )
        names = ", ".join(p.name for p in partial[:5])
        raise LabrailsError(f"'{ref}' matches {len(partial)} runs ({names})", fix="give more of the run name")


def is_experiment(path: Path) -> bool:
    return (path / STATE_DIR).is_dir() or ((path / "spec.yaml").is_file() and (path / "config.yaml").is_file())


def find_experiment(start: Path | str | None = None, *, required: bool = True) -> Experiment | None:
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_experiment(candidate):
            return Experiment(candidate)
        if candidate.name == "runs" and is_experiment(candidate.parent):
            return Experiment(candidate.parent)
    if required:
        raise LabrailsError(
            f"{here} is not inside a labrails experiment",
            fix="cd into one, pass --experiment DIR, or create one with `labrails new NAME`",
        )
    return None
