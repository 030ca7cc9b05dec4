"""``labrails init``: install the skills and hooks into a project's .claude/ (for people not using plugins).

Idempotent, and it never loses what is there: settings.json is merged (our hook entries are added or
updated, everything else is kept), skills of other authors are untouched, and CLAUDE.md gets one
labrails section between markers, replaced in place on the next init.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import write_atomic
from labrails.core.resources import resource

MARK_START = "<!-- labrails:start -->"
MARK_END = "<!-- labrails:end -->"
HOOK_EVENTS = {
    "PreToolUse": ("Bash|Edit|Write|MultiEdit|NotebookEdit|Read|Grep|Glob", "pretooluse"),
    "PostToolUse": ("Bash", "posttooluse"),
    "SessionStart": (None, "sessionstart"),
    "Stop": (None, "stop"),
}
CLAUDE_SECTION = f"""{MARK_START}
## labrails (ML experiment guardrails)
- Before launching any job, read the experiment's JOURNAL.md and runs.yaml; after every run, add a journal
  entry (`labrails journal add "..." --tag NOTE|WEIRD|HUNCH|TODO|RESOLVED --run RUN`).
- Run `uv run train.py de-risk` (under a minute) before any full run, and read `labrails review RUN`.
- Full runs use the real data declared in spec.yaml, never generated data. Only the human approves spec
  checkpoints (`labrails approve PHASE`); stop and ask when a phase needs approval.
- The skills are in .claude/skills/ (experiment-runner, ml-experimentation, ...); `labrails status` shows
  what is unfilled and what waits for the human.
{MARK_END}
"""


# hook.run exits without the interpreter's teardown; main is the fallback for an installed labrails older than
# run, so this command never fails to import (an exit 1 would let the tool call through).
HOOK_ENTRY = 'import sys, labrails.guard.hook as hook; sys.exit(hook.run() if hasattr(hook, "run") else hook.main())'


def hook_command(event_arg: str) -> str:
    # The absolute interpreter path works whether or not a virtualenv is active when the client runs, and
    # `-c` skips the module runner: this command runs on every tool call. (Same as `labrails hook EVENT`.)
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(HOOK_ENTRY)} {event_arg}"


def _is_ours(entry: dict) -> bool:
    return any(marker in str(h.get("command", "")) for h in entry.get("hooks", []) if isinstance(h, dict)
               for marker in ("labrails hook", "labrails.guard.hook"))


def merge_settings(settings: dict) -> dict:
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise LabrailsError("'hooks' in settings.json is not a mapping", fix="fix or remove that key, then run labrails init again")
    for event, (matcher, arg) in HOOK_EVENTS.items():
        entries = hooks.setdefault(event, [])
        if not isinstance(entries, list):
            raise LabrailsError(f"hooks.{event} in settings.json is not a list", fix="fix that key, then run labrails init again")
        ours = {"hooks": [{"type": "command", "command": hook_command(arg), "timeout": 30}]}
        if matcher:
            ours = {"matcher": matcher, **ours}
        kept = [e for e in entries if not (isinstance(e, dict) and _is_ours(e))]
        hooks[event] = kept + [ours]
    return settings


def install_into(directory: Path | str) -> list[str]:
    project = Path(directory).resolve()
    if not project.is_dir():
        raise LabrailsError("is not a directory", path=project, fix="create the project folder first, or pass the right path")
    done: list[str] = []
    claude = project / ".claude"
    settings_path = claude / "settings.json"
    settings: dict = {}
    if settings_path.is_file():
        try:
            settings = json.loads(settings_path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise LabrailsError(f"is not valid JSON ({exc})", path=settings_path, fix="fix it by hand; labrails will not overwrite it") from None
        if not isinstance(settings, dict):
            raise LabrailsError("must hold a JSON object", path=settings_path, fix="fix it by hand; labrails will not overwrite it")
    before = json.dumps(settings, sort_keys=True)
    merged = merge_settings(settings)
    if json.dumps(merged, sort_keys=True) != before or not settings_path.is_file():
        write_atomic(settings_path, json.dumps(merged, indent=2) + "\n")
        done.append(f"hooks merged into {settings_path}")
    else:
        done.append(f"hooks already in {settings_path}")

    skills_src = resource("skills")
    for skill in sorted(p for p in skills_src.iterdir() if (p / "SKILL.md").is_file()):
        target = claude / "skills" / skill.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(skill, target)
        done.append(f"skill {skill.name} -> {target}")

    claude_md = project / "CLAUDE.md"
    text = claude_md.read_text(encoding="utf-8") if claude_md.is_file() else ""
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1].lstrip("\n")
        new_text = head + CLAUDE_SECTION + tail
    else:
        new_text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + CLAUDE_SECTION
    if new_text != text:
        write_atomic(claude_md, new_text)
        done.append(f"labrails section written to {claude_md}")
    else:
        done.append(f"labrails section already in {claude_md}")
    return done
