"""Two runs side by side: their resolved config, code, environment and final metrics (``labrails diff A B``).

Everything comes from the files each run recorded when it started and finished (config.yaml, git.json,
diff.patch, command.txt, env.json, metrics.json), so two runs compare the same way a year later, on another
machine. From Python::

    from labrails.analysis.rundiff import compare_runs, format_diff
    print(format_diff(compare_runs(exp.resolve_run("latest"), exp.resolve_run("de-risk"))))
"""

from __future__ import annotations

import difflib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labrails.core.config import nested_to_dotted
from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json

ABSENT = "(absent)"
MAX_CODE_LINES = 400  # a diff across many commits is for git itself; the report shows its start and says so


@dataclass
class Section:
    """One aspect of the two runs: ``rows`` holds (key, value in A, value in B) for every key compared."""

    title: str
    rows: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def differing(self) -> list[tuple[str, Any, Any]]:
        return [row for row in self.rows if row[1] != row[2]]


@dataclass
class RunDiff:
    a: Path
    b: Path
    config: Section
    code: Section
    environment: Section
    metrics: Section
    code_diff: str = ""  # the code changes between the runs (git diff of the commits, then of diff.patch)

    @property
    def sections(self) -> list[Section]:
        return [self.config, self.code, self.environment, self.metrics]

    def to_dict(self) -> dict[str, Any]:
        def rows(section: Section) -> list[dict[str, Any]]:
            return [{"key": k, "a": a, "b": b, "same": a == b} for k, a, b in section.rows]

        return {"a": str(self.a), "b": str(self.b), **{s.title: rows(s) for s in self.sections},
                "code_diff": self.code_diff}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


def _json_file(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return read_json(path)
    except (OSError, ValueError):
        raise LabrailsError("unreadable JSON", path=path, fix="the run's file is damaged; compare other runs") from None


def _config(run_dir: Path) -> dict[str, Any]:
    import yaml

    path = run_dir / "config.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LabrailsError(f"unreadable YAML ({exc})", path=path, fix="the run's frozen config is damaged") from None
    return nested_to_dotted(data) if isinstance(data, dict) else {}


def _side_by_side(title: str, a: dict[str, Any], b: dict[str, Any]) -> Section:
    keys = list(dict.fromkeys([*a, *b]))
    return Section(title, [(k, a.get(k, ABSENT), b.get(k, ABSENT)) for k in keys])


def _code(run_dir: Path) -> dict[str, Any]:
    info = _json_file(run_dir / "run.json") or {}
    git = _json_file(run_dir / "git.json") or {}
    command = run_dir / "command.txt"
    patch = run_dir / "diff.patch"
    return {
        "git commit": git.get("commit"),
        "branch": git.get("branch"),
        "uncommitted changes": bool(git.get("dirty")),
        "diff.patch sha256": git.get("diff_sha256"),
        "code version": info.get("code_version"),
        "script": info.get("script"),
        "command": command.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1] if command.is_file() else None,
        "diff.patch lines": len(patch.read_text(encoding="utf-8", errors="replace").splitlines()) if patch.is_file() else 0,
    }


def _git_diff(cwd: Path, commit_a: str, commit_b: str) -> str:
    try:
        proc = subprocess.run(["git", "diff", commit_a, commit_b], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return f"(git could not compare {commit_a[:12]} and {commit_b[:12]} here)\n"
    if proc.returncode != 0:
        return f"(git could not compare {commit_a[:12]} and {commit_b[:12]} here: {proc.stderr.strip()[:200]})\n"
    return proc.stdout


def _code_diff(a: Path, b: Path, code_a: dict[str, Any], code_b: dict[str, Any]) -> str:
    parts = []
    if code_a["git commit"] and code_b["git commit"] and code_a["git commit"] != code_b["git commit"]:
        parts.append(f"# git diff {code_a['git commit'][:12]} {code_b['git commit'][:12]}\n"
                     + _git_diff(a.parent, code_a["git commit"], code_b["git commit"]))
    patch_a, patch_b = (p / "diff.patch" for p in (a, b))
    text_a = patch_a.read_text(encoding="utf-8", errors="replace") if patch_a.is_file() else ""
    text_b = patch_b.read_text(encoding="utf-8", errors="replace") if patch_b.is_file() else ""
    if text_a != text_b:
        parts.append("# uncommitted changes: A's diff.patch -> B's diff.patch\n" + "".join(difflib.unified_diff(
            text_a.splitlines(keepends=True), text_b.splitlines(keepends=True), f"{a.name}/diff.patch", f"{b.name}/diff.patch")))
    text = "\n".join(parts)
    lines = text.splitlines(keepends=True)
    if len(lines) > MAX_CODE_LINES:
        text = "".join(lines[:MAX_CODE_LINES]) + f"\n... {len(lines) - MAX_CODE_LINES} more lines (run the git diff above)\n"
    return text


def _numbers_first(metrics: Any) -> dict[str, Any]:
    return nested_to_dotted(metrics) if isinstance(metrics, dict) else {}


def compare_runs(a: Path, b: Path) -> RunDiff:
    """The two run directories side by side. Keys one run lacks show as ``ABSENT``."""
    a, b = Path(a), Path(b)
    for run_dir in (a, b):
        if not (run_dir / "run.json").is_file():
            raise LabrailsError("not a run directory (no run.json)", path=run_dir, fix="name runs as `labrails runs` lists them")
    code_a, code_b = _code(a), _code(b)
    env_a, env_b = (nested_to_dotted(_json_file(d / "env.json") or {}) for d in (a, b))
    return RunDiff(
        a=a, b=b,
        config=_side_by_side("config", _config(a), _config(b)),
        code=_side_by_side("code", code_a, code_b),
        environment=_side_by_side("environment", env_a, env_b),
        metrics=_side_by_side("metrics", _numbers_first(_json_file(a / "metrics.json")), _numbers_first(_json_file(b / "metrics.json"))),
        code_diff=_code_diff(a, b, code_a, code_b),
    )


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _delta(a: Any, b: Any) -> str:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    return f"{b - a:+.4g}" if numbers and a != b else ""


def format_diff(diff: RunDiff, *, all_keys: bool = False) -> str:
    """A plain-text report: per section, the keys that differ (all of them with ``all_keys``; metrics always
    all, with B - A), then the code changes."""
    lines = [f"A: {diff.a.name}", f"B: {diff.b.name}"]
    for section in diff.sections:
        everything = all_keys or section.title == "metrics"
        rows = section.rows if everything else section.differing
        same = len(section.rows) - len(section.differing)
        lines += ["", f"== {section.title}" + ("" if everything else f" ({len(rows)} differ, {same} the same)")]
        if not rows:
            lines.append("  (no difference)" if section.rows else "  (nothing recorded)")
            continue
        table = [("key", "A", "B", "B - A" if section.title == "metrics" else "")]
        table += [(key, _shown(va), _shown(vb), _delta(va, vb) if section.title == "metrics" else ("" if va == vb else "*"))
                  for key, va, vb in rows]
        widths = [min(max(len(row[i]) for row in table), 48) for i in range(3)]
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in table]
        lines = [line.rstrip() for line in lines]
    lines += ["", "== code changes"]
    lines.append(diff.code_diff.rstrip() if diff.code_diff.strip() else "  (same commit and same uncommitted changes)")
    return "\n".join(lines) + "\n"
