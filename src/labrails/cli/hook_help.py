"""What `labrails hook --help` prints. Plain text without Typer: `labrails hook ...` never imports it."""

HOOK_HELP = """\
Usage: labrails hook EVENT < payload.json

  Entry point for Claude Code hooks (called by hooks/hooks.json, not by people).

  Claude Code runs it on every tool call an agent makes, with the call as JSON on stdin. It keeps the agent
  to the experiment's rules: no synthetic data in full runs, a passing de-risk run before a full one, no run
  past a spec checkpoint the human has not approved, no edits to the files labrails keeps (run directories,
  the registry, approvals). A blocked call gets the rule and the fix, so the agent can do the right thing.

Install it in a project (idempotent; also installs the skills and a CLAUDE.md section):
  labrails init [DIR]

Events (EVENT is case-insensitive):
  pretooluse    before a tool call: the guard; a deny comes back as JSON naming the rule and the fix
  posttooluse   after a shell command that launched a run: the run's status and its review's headline
  sessionstart  when a session starts: nearby experiments' state (approvals waited for, open TODOs,
                ignored runs) as context
  stop          when the agent stops: asks once for a journal entry on runs it has not written about,
                and for `labrails report check` when REPORT.md changed since it last passed

Exit status: 0 (with a JSON deny when blocking); 2 only when even the deny could not be written. Never 1,
which Claude Code would read as "go ahead".

Options:
  -h, --help  Show this message and exit.
"""


def command_help() -> str:
    """The same text for the Typer command (tests and docs read the app): click rewraps paragraphs, so every
    one after the summary is marked to keep its lines (click's ``\\b``)."""
    body = HOOK_HELP.split("\n\n", 1)[1].split("\nOptions:")[0].strip()
    summary, *rest = body.split("\n\n")
    return "\n\n".join([summary.strip(), *("\b\n" + part for part in rest)])
