"""``labrails status``: what is unfilled, which phases are approved, what waits for the human."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labrails.analysis.runs_table import list_runs
from labrails.core.approvals import valid_approvals
from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment
from labrails.core.journal import ignored_runs, open_todos
from labrails.core.policy import read_refusals, tampering


@dataclass
class Status:
    experiment: str
    unfilled: list[str] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    waiting_for_human: list[str] = field(default_factory=list)
    producing: list[str] = field(default_factory=list)  # "PHASE: what it must produce before its checkpoint waits"
    runs: dict[str, int] = field(default_factory=dict)
    open_todos: list[str] = field(default_factory=list)
    ignored: int = 0
    problems: list[str] = field(default_factory=list)
    tampering: list[str] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    data_pin: str = ""


def journal_placeholders(exp: Experiment) -> list[str]:
    if not exp.journal.is_file():
        return ["JOURNAL.md is missing"]
    head = exp.journal.read_text(encoding="utf-8").split("## Entries")[0]
    out = []
    for section in ("Hypothesis", "Success criteria", "Metrics"):
        part = head.split(f"## {section}", 1)[-1].split("##", 1)[0] if f"## {section}" in head else ""
        if not part.strip() or "TODO" in part:
            out.append(f"JOURNAL.md: {section}")
    return out


def experiment_status(exp: Experiment) -> Status:
    status = Status(experiment=exp.name)
    status.unfilled += journal_placeholders(exp)
    if exp.spec_path.is_file():
        from labrails.core.spec import load_spec

        try:
            spec = load_spec(exp.spec_path)
        except LabrailsError as err:
            status.problems.append(err.render())
            spec = None
        if spec is not None:
            status.unfilled += [f"spec.yaml: {p}" for p in spec.placeholders()]
            from labrails.project.fit import misfits

            status.problems += misfits(exp, spec)
            approved = _guarded(status, lambda: valid_approvals(exp.state, spec.sha256), {})
            pending_before = False
            for phase in spec.phases:
                entry = {"name": phase.name, "checkpoint": phase.checkpoint, "approved": None}
                if phase.name in approved:
                    entry["approved"] = f"{approved[phase.name]['by']} at {approved[phase.name]['at']}"
                elif phase.checkpoint:
                    from labrails.core import gates

                    todo = gates.missing(spec, phase, exp.root)
                    if todo:
                        entry["must_produce"] = todo
                    elif not pending_before:
                        status.waiting_for_human.append(phase.name)
                    if todo and not pending_before:
                        status.producing.append(f"{phase.name}: {'; '.join(todo)}")
                    pending_before = True
                status.phases.append(entry)
    else:
        status.problems.append("spec.yaml is missing: guards and approvals need it")
    for row in list_runs(exp):
        status.runs[row.status] = status.runs.get(row.status, 0) + 1
    status.tampering = _guarded(status, lambda: tampering(exp.root), [])
    status.refusals = read_refusals(exp.state)
    status.data_pin = _guarded(status, lambda: _pin_line(exp), "")
    status.open_todos = [f"{t.timestamp} {t.text}" for t in open_todos(exp)]
    status.ignored = len(ignored_runs(exp))
    return status


def _guarded(status: Status, read, default):
    """A record that cannot be read is a problem to show, never a traceback."""
    try:
        return read()
    except LabrailsError as err:
        status.problems.append(err.render())
        return default


def _pin_line(exp: Experiment) -> str:
    from labrails.core.datapin import current_pin

    pin = current_pin(exp.state)
    if pin is None:
        return "not pinned: after a de-risk run, the human runs `labrails data show` then `labrails data pin`"
    return f"pinned {pin.get('fingerprint')} ({pin.get('source')}) by {pin.get('by')} at {pin.get('pinned_at')}"


def format_status(s: Status) -> str:
    lines = [f"experiment {s.experiment}"]
    if s.tampering:
        lines += ["TAMPERING: these records do not carry a valid signature and count as absent:"]
        lines += [f"  !! {t}" for t in s.tampering]
    if s.problems:
        lines += ["problems:"] + [f"  ! {p}" for p in s.problems]
    lines.append("unfilled: " + ("none" if not s.unfilled else ""))
    lines += [f"  - {u}" for u in s.unfilled]
    if s.phases:
        lines.append("phases:")
        for p in s.phases:
            mark = "approved by " + p["approved"] if p["approved"] else ("needs human approval" if p["checkpoint"] else "no checkpoint")
            if p.get("must_produce"):
                mark = "checkpoint, once it has produced: " + "; ".join(p["must_produce"])
            lines.append(f"  {p['name']:<16} {mark}")
    if s.waiting_for_human:
        lines.append("waiting for the human: " + ", ".join(s.waiting_for_human) + "  (they run `labrails approve PHASE` in their own terminal)")
    if s.producing:
        lines.append("to produce before a checkpoint: " + " | ".join(s.producing) + "  (then the human reviews and approves it)")
    if s.data_pin:
        lines.append("data: " + s.data_pin)
    lines.append("runs: " + (", ".join(f"{n} {k}" for k, n in sorted(s.runs.items())) or "none") + (f"; {s.ignored} ignored" if s.ignored else ""))
    if s.refusals:
        lines.append(f"refused starts: {len(s.refusals)} (.labrails/refusals.jsonl); latest:")
        lines += [f"  - {r.get('time')} [{r.get('rule')}] {r.get('name') or ''} ({r.get('profile')}): {str(r.get('reason'))[:160]}"
                  for r in s.refusals[-3:]]
    if s.open_todos:
        lines.append("open TODOs in JOURNAL.md:")
        lines += [f"  - {t}" for t in s.open_todos[-10:]]
    return "\n".join(lines)
