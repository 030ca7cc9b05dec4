"""The guard's decisions: given what the agent is about to do, allow it or say why not and what to do.

A tool call becomes a :class:`Request`: a Bash command is parsed once, here, into its simple commands,
the paths they write and the programs they launch; a file tool (Edit, Write...) is the one path it
writes. The rules, their order and how to add one are in :mod:`labrails.guard.rules`; the words that
make a command worth judging are in :mod:`labrails.guard.vocabulary`.
"""

from __future__ import annotations

import os

from labrails.guard.decision import ALLOW, Decision, deny
from labrails.guard.rules import RULES
from labrails.guard.runs import as_run_launch, resolve_path
from labrails.guard.vocabulary import FILE_TOOLS, READ_TOOLS

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from labrails.guard.follow import Opaque
    from labrails.guard.rules import Rule
    from labrails.guard.shell.command import SimpleCommand
    from labrails.guard.shell.launches import Launch


class Written:
    """One path a tool call would write (real: symlinks resolved, globs expanded), or inline Python too
    broken to tell (``path`` None). ``spelled`` is the target as written; ``expanded`` says bash would
    still substitute part of it (``$DIR/approvals.json``)."""

    __slots__ = ("path", "inline_code", "spelled", "expanded")

    def __init__(self, path: str | None, inline_code: str | None = None, spelled: str = "", expanded: bool = False):
        self.path, self.inline_code, self.spelled, self.expanded = path, inline_code, spelled, expanded


class Request:
    """One tool call as the rules see it, with the things of each scope the rules look at."""

    def __init__(self, tool_input: dict, cwd: str):
        self.tool_input, self.cwd = tool_input, cwd
        self.command = ""
        self.parse_error: Exception | None = None
        self.commands: list[SimpleCommand] = []
        self.launches: list[Launch] = []
        self.opaque: list[Opaque] = []  # what the command would run that the guard cannot see
        self.file_path: str | None = None
        self.memo: dict = {}  # what a rule read once (a script's code) for the rules after it

    @classmethod
    def bash(cls, tool_input: dict, cwd: str, command: str) -> Request:
        # Imported here so file-tool decisions never pay for the shell parser.
        from labrails.guard.follow import follow
        from labrails.guard.shell.command import ShellParseError
        from labrails.guard.shell.launches import launches_in
        from labrails.guard.shell.parse import split_commands

        request = cls(tool_input, cwd)
        request.command = command
        try:
            commands = split_commands(command)
        except ShellParseError as exc:
            request.parse_error = exc
            return request
        # Scripts, Makefile recipes, git aliases and inline Python are read once, here, and what they run
        # joins the command's own commands; what cannot be read is kept for the unresolved-launch rule.
        extra, request.opaque = follow(commands, cwd)
        request.commands = commands + extra
        request.launches = launches_in(request.commands)
        return request

    def things(self, scope: str) -> Iterator:
        if scope == "command":
            yield self
        elif scope == "path":
            yield from self._written()
        elif scope == "simple":
            yield from self.commands
        elif scope == "opaque":
            yield from self.opaque
        elif scope == "launch":
            yield from self.launches
        elif scope == "sweep":
            yield from (launch for launch in self.launches if launch.kind == "labrails" and launch.args[:1] == ["sweep"])
        elif scope == "run":
            for launch in self.launches:
                run = as_run_launch(launch, self.cwd)
                # No profile, no run: a helper script (analysis, generate_data.py) or `--help`.
                if run is not None and run.profile is not None:
                    yield run
        else:
            raise ValueError(f"unknown rule scope {scope!r}")

    def _written(self) -> Iterator[Written]:
        from labrails.guard.protected import expand

        if self.file_path is not None:
            for path in expand(self.cwd, self.file_path):
                yield Written(path, spelled=self.file_path)
            return
        if not self.commands:
            return
        from labrails.guard.shell.writes import UNPARSEABLE_PYTHON, written_paths

        for cmd in self.commands:
            for target in written_paths(cmd):
                if target == UNPARSEABLE_PYTHON:
                    yield Written(None, " ".join(cmd.argv) + (cmd.heredoc or ""))
                    continue
                base = resolve_path(self.cwd, cmd.cwd, ".")
                dynamic = "$" in target or "`" in target
                for path in expand(base, target):
                    yield Written(path, spelled=target, expanded=dynamic)


def _passes(rules: tuple[Rule, ...]) -> list[tuple[str, list[Rule]]]:
    """Consecutive rules of one scope, grouped: each group is tried on each thing of its scope in turn."""
    passes: list[tuple[str, list[Rule]]] = []
    for rule in rules:
        if passes and passes[-1][0] == rule.scope:
            passes[-1][1].append(rule)
        else:
            passes.append((rule.scope, [rule]))
    return passes


_PASSES = _passes(RULES)


def first_denial(request: Request) -> Decision:
    for scope, rules in _PASSES:
        for thing in request.things(scope):
            for rule in rules:
                reason = rule.check(thing, request)
                if reason is not None:
                    return deny(rule.name, reason)
    return ALLOW


def check_bash(tool_input: dict, cwd: str) -> Decision:
    command = tool_input.get("command")
    if not isinstance(command, str) or not command.strip():
        return ALLOW
    return first_denial(Request.bash(tool_input, cwd, command))


def check_file_tool(tool_input: dict, cwd: str) -> Decision:
    path = tool_input.get("file_path") or tool_input.get("notebook_path") or tool_input.get("path")
    if not isinstance(path, str) or not path or "\0" in path:
        return ALLOW
    request = Request(tool_input, cwd)
    request.file_path = path
    return first_denial(request)


def check_read_tool(tool_input: dict, cwd: str) -> Decision:
    """Read, Grep, Glob: only the signing key's folder is off limits."""
    from labrails.guard.protected import read_tool_reason

    reason = read_tool_reason(tool_input, cwd)
    return deny("signing-key", reason) if reason else ALLOW


def decide(payload: dict) -> Decision:
    """The PreToolUse decision for one hook payload (as Claude Code sends it)."""
    tool = payload.get("tool_name")
    tool_input = payload.get("tool_input") or {}
    if not isinstance(tool_input, dict) or not isinstance(tool, str):
        return ALLOW
    cwd = payload.get("cwd")
    if not isinstance(cwd, str) or not cwd or "\0" in cwd:
        cwd = os.getcwd()
    if tool == "Bash":
        return check_bash(tool_input, cwd)
    if tool in FILE_TOOLS:
        return check_file_tool(tool_input, cwd)
    if tool in READ_TOOLS:
        return check_read_tool(tool_input, cwd)
    return ALLOW
