"""What the non-blocking hooks tell the agent: session context, run outcomes, and the journal nudge.

A hook process serves one event, so each entry point imports what only it uses (the shell parser for
run outcomes, the status summary for session context).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from labrails.core.experiment import Experiment, find_experiment, is_experiment


def experiments_near(cwd: str, depth: int = 2) -> list[Experiment]:
    """The experiment containing cwd, else experiments up to ``depth`` levels below it."""
    here = find_experiment(cwd, required=False)
    if here is not None:
        return [here]
    found: list[Experiment] = []
    root = Path(cwd)
    frontier = [root]
    for _ in range(depth):
        nxt = []
        for folder in frontier:
            try:
                children = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "node_modules", "__"))]
            except OSError:
                continue
            for child in children:
                if is_experiment(child):
                    found.append(Experiment(child.resolve()))
                else:
                    nxt.append(child)
        frontier = nxt[:200]
    return found[:10]


def session_context(cwd: str) -> str:
    from labrails.core.journal import entries, ignored_runs, open_todos
    from labrails.project.status import experiment_status

    blocks = []
    for exp in experiments_near(cwd):
        lines = [f"labrails experiment {exp.root}:"]
        status = experiment_status(exp)
        if status.waiting_for_human:
            lines.append(f"- waiting for human approval: {', '.join(status.waiting_for_human)} (do not start later phases; the human runs "
                         "`labrails approve PHASE`)")
        if status.producing:
            lines.append(f"- still to produce before a checkpoint: {' | '.join(status.producing)} (then stop for the human's approval)")
        if status.unfilled:
            lines.append(f"- unfilled in the spec/journal: {', '.join(status.unfilled[:6])}")
        todos = open_todos(exp)
        if todos:
            lines.append("- open TODOs: " + "; ".join(t.text for t in todos[-5:]))
        recent = entries(exp)[-5:]
        if recent:
            lines.append("- latest journal entries:")
            lines += [f"  {e.timestamp} [{e.tag}] {e.text}" for e in recent]
        ignored = ignored_runs(exp)
        if ignored:
            lines.append("- ignored runs (leave them out of plots and reports): " + ", ".join(f"{k} ({v})" for k, v in list(ignored.items())[-5:]))
        if status.runs:
            lines.append("- runs: " + ", ".join(f"{n} {k}" for k, n in sorted(status.runs.items())))
        lines.append("Read JOURNAL.md and runs.yaml before launching jobs.")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def after_run_context(payload: dict) -> str:
    """After a Bash command that launched a run: its status and review headline."""
    from labrails.core.runinfo import current_status
    from labrails.guard.runs import as_run_launch
    from labrails.guard.shell.launches import find_launches

    cwd = payload.get("cwd") or os.getcwd()
    try:
        launches = find_launches((payload.get("tool_input") or {}).get("command") or "")
    except Exception:
        return ""
    notes = []
    for launch in launches:
        run = as_run_launch(launch, cwd)
        if run is None or not run.name:
            continue
        exp = Experiment(Path(run.exp.root))
        candidates = [d for d in exp.run_dirs() if d.name.endswith(run.name) or f"-{run.name}-" in d.name]
        if not candidates:
            continue
        latest = candidates[-1]
        try:
            info = current_status(latest)
        except Exception:
            continue
        line = f"labrails: run {latest.name} is {info.get('status')}"
        if info.get("error"):
            line += f" ({info['error'].get('type')}: {info['error'].get('message')})"
        review = latest / "review.json"
        if review.is_file():
            try:
                line += f"; review: {json.loads(review.read_text()).get('headline')}"
            except (OSError, ValueError):
                pass
        elif info.get("status") == "completed":
            line += f"; not reviewed yet: run `labrails review {latest.name}`"
        line += f". Record what you saw: labrails journal add \"...\" --run {latest.name}"
        notes.append(line)
    return "\n".join(notes)


def missing_journal_entry(cwd: str) -> str:
    from labrails.core.journal import AUTOMATIC_TAGS, entries, last_entry_time
    from labrails.core.runinfo import read_run_json

    for exp in experiments_near(cwd):
        # The sweep's own SWEEP lines say what ran; the nudge asks for what a run showed, so they do not count.
        last = last_entry_time(exp, people_only=True)
        named = {e.run for e in entries(exp) if e.run and e.tag not in AUTOMATIC_TAGS}
        unrecorded = []
        for run_dir in exp.run_dirs():
            try:
                info = read_run_json(run_dir)
            except Exception:
                continue
            finished = info.get("finished_at")
            if not finished:
                continue
            try:
                when = datetime.fromisoformat(finished).replace(tzinfo=None)
            except ValueError:
                continue
            # Entries have one-second resolution: a tie is not proof the entry came after the run.
            if run_dir.name not in named and (last is None or when >= last):
                unrecorded.append(run_dir.name)
        if unrecorded:
            return (f"labrails: run {unrecorded[-1]} finished after the last JOURNAL.md entry in {exp.root}. Before stopping, record what it "
                    f"showed: labrails journal add \"<observation>\" --tag NOTE|WEIRD|HUNCH|TODO|RESOLVED --run {unrecorded[-1]}")
    return ""


def unchecked_report(cwd: str) -> str:
    """REPORT.md changed since `labrails report check` last passed on it (.labrails/report_check.json holds its sha256)."""
    import hashlib

    for exp in experiments_near(cwd):
        report = exp.root / "REPORT.md"
        if not report.is_file():
            continue
        try:
            passed = json.loads((exp.state / "report_check.json").read_text(encoding="utf-8")).get("sha256")
        except (OSError, ValueError, AttributeError):
            passed = None
        if passed != hashlib.sha256(report.read_bytes()).hexdigest():
            return (f"labrails: {report} changed since `labrails report check` last passed on it. Before stopping, run "
                    f"`labrails report check` in {exp.root} and fix every claim it cannot trace to its source.")
    return ""
