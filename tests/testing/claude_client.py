"""Drives the real Claude Code CLI against the loopback FakeModel.

    run = run_claude(project, "make the file", [[bash("touch x")]], plugin_dir=plugin)
    assert run.returncode == 0
    assert (project / "x").exists()
    run.server.tool_results()          # what the client sent back to the model
    run.permission_denials             # what hooks / permissions refused

Every run gets its own HOME and CLAUDE_CONFIG_DIR, and an environment stripped
of the caller's Claude/Anthropic settings, so the user's real config is never
read or written and nothing carries over from one run to the next. The client
needs no onboarding state in print mode (``-p``): an empty config dir works.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testing.fake_model import FakeModel, ToolResult, Turn
from testing.paths import REPO as REPO_ROOT

# Where .ci/install_claude.sh installs the client.
LOCAL_CLAUDE_BIN = REPO_ROOT / ".ci" / ".node" / "node_modules" / ".bin" / "claude"
BIN_ENV_VAR = "LABRAILS_CLAUDE_BIN"
INSTALL_HINT = "Claude Code CLI not installed: run .ci/install_claude.sh"

DUMMY_API_KEY = "sk-ant-labrails-e2e-dummy"

# Caller variables that would point the client at a real account, a real
# endpoint, another session (CLAUDECODE is set inside a Claude Code session),
# or through a proxy that cannot reach 127.0.0.1.
_STRIPPED_PREFIXES = ("ANTHROPIC_", "CLAUDE", "OTEL_", "AWS_BEARER_TOKEN_BEDROCK", "VERTEX_", "CLOUD_ML_")
_STRIPPED_NAMES = {
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "DISABLE_AUTOUPDATER",
    "DISABLE_TELEMETRY",
    "DISABLE_ERROR_REPORTING",
    "MCP_TIMEOUT",
    "MCP_TOOL_TIMEOUT",
}


def find_claude() -> str | None:
    """The Claude Code executable to test with, or None.

    Order: ``$LABRAILS_CLAUDE_BIN``, the project-local install made by
    .ci/install_claude.sh, then ``claude`` on PATH. A set but unusable
    ``$LABRAILS_CLAUDE_BIN`` gives None rather than silently testing another
    client than the one asked for.
    """
    explicit = os.environ.get(BIN_ENV_VAR)
    if explicit:
        path = shutil.which(explicit)
        return path if path else None
    if LOCAL_CLAUDE_BIN.is_file() and os.access(LOCAL_CLAUDE_BIN, os.X_OK):
        return str(LOCAL_CLAUDE_BIN)
    return shutil.which("claude")


def missing_reason() -> str:
    """Why find_claude() found nothing, worded as a skip reason."""
    explicit = os.environ.get(BIN_ENV_VAR)
    if explicit:
        return f"Claude Code CLI not found: ${BIN_ENV_VAR}={explicit} is not an executable"
    return INSTALL_HINT


def claude_version(claude_bin: str | None = None) -> str | None:
    """``"2.1.330"`` for the given (or found) client, None if it does not run."""
    claude_bin = claude_bin or find_claude()
    if not claude_bin:
        return None
    try:
        out = subprocess.run([claude_bin, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return out.stdout.split()[0]


def isolated_env(
    home: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    extra_env: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """An environment for the client that only sees ``home`` and ``base_url``.

    ``extra_env`` is applied last; a value of None removes the variable.
    """
    home = Path(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIPPED_PREFIXES) and k not in _STRIPPED_NAMES}
    config_dir = home / ".claude"
    for sub in (config_dir, home / ".config", home / ".cache", home / ".local" / "share", home / ".local" / "state"):
        sub.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "CLAUDE_CONFIG_DIR": str(config_dir),
            # The native client keeps caches and state under XDG dirs too.
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "ANTHROPIC_API_KEY": DUMMY_API_KEY,
            # Offline: no telemetry, update checks, error reports or feature-flag
            # fetches, any of which would stall on an unreachable network.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if base_url is not None:
        env["ANTHROPIC_BASE_URL"] = base_url
    for key, value in (extra_env or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@dataclass
class ClaudeRun:
    """One finished ``claude -p`` run and everything the fake model saw."""

    args: list[str]
    returncode: int | None  # None when the run was killed on timeout
    stdout: str
    stderr: str
    server: FakeModel
    project_dir: Path
    home: Path  # gone after the run unless run_claude was given ``home=``
    duration: float
    timed_out: bool = False
    result: dict[str, Any] | None = field(default=None)  # parsed --output-format json

    @property
    def permission_denials(self) -> list[dict[str, Any]]:
        """``[{"tool_name", "tool_use_id", "tool_input"}, ...]`` from the result."""
        return list((self.result or {}).get("permission_denials") or [])

    @property
    def result_text(self) -> str | None:
        """The final assistant text (the result's ``result`` field)."""
        return (self.result or {}).get("result")

    @property
    def is_error(self) -> bool:
        return bool((self.result or {}).get("is_error")) or self.returncode != 0

    def tool_results(self) -> list[ToolResult]:
        return self.server.tool_results()

    def denied_tool_use_ids(self) -> set[str]:
        return {d.get("tool_use_id", "") for d in self.permission_denials}

    def describe(self) -> str:
        """A failure message with what is needed to debug a run."""
        lines = [
            f"claude exited {self.returncode}{' (timed out)' if self.timed_out else ''} after {self.duration:.1f}s",
            f"args: {self.args}",
            f"requests: {self.server.describe()}",
            f"turns consumed: {self.server.turns_consumed}/{len(self.server.turns)}",
        ]
        if self.server.errors:
            lines.append(f"script errors: {self.server.errors}")
        lines += [f"stdout: {self.stdout[-4000:]}", f"stderr: {self.stderr[-4000:]}"]
        return "\n".join(lines)

    def check(self) -> ClaudeRun:
        """Raise with :meth:`describe` unless the client finished and printed its result."""
        if self.returncode != 0 or self.result is None or self.server.errors:
            raise AssertionError(self.describe())
        return self


def _parse_result(stdout: str) -> dict[str, Any] | None:
    text = stdout.strip()
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        # Some releases print a stray line before the result: take the last
        # line that is a JSON object.
        for line in reversed(text.splitlines()):
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                continue
            break
        else:
            return None
    if isinstance(parsed, list):  # --output-format json with --verbose lists every message
        parsed = next((m for m in reversed(parsed) if isinstance(m, dict) and m.get("type") == "result"), None)
    return parsed if isinstance(parsed, dict) else None


def run_claude(
    project_dir: str | os.PathLike[str],
    prompt: str,
    turns: Iterable[Turn] = (),
    *,
    plugin_dir: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    allowed_tools: Sequence[str] | None = ("Bash",),
    timeout: float = 120,
    extra_env: Mapping[str, str | None] | None = None,
    extra_args: Sequence[str] = (),
    claude_bin: str | None = None,
    home: str | os.PathLike[str] | None = None,
    server: FakeModel | None = None,
) -> ClaudeRun:
    """Run ``claude -p PROMPT --output-format json`` in ``project_dir``.

    ``turns`` scripts the model (see fake_model); pass ``server`` instead to
    use a FakeModel you configured yourself. ``plugin_dir`` may be one folder
    or several. ``home`` keeps the client's config dir (transcripts, settings)
    for inspection; by default a temporary one is used and removed.
    ``extra_args`` go to the CLI as they are (e.g. ``["--max-turns", "3"]``).
    """
    claude_bin = claude_bin or find_claude()
    if not claude_bin:
        raise RuntimeError(INSTALL_HINT)
    project_dir = Path(project_dir)
    project_dir.mkdir(parents=True, exist_ok=True)

    args = [claude_bin, "-p", "--output-format", "json"]
    if allowed_tools:
        # One comma-joined value: the flag is variadic and would swallow a
        # following positional.
        args.append("--allowedTools=" + ",".join(allowed_tools))
    if plugin_dir is not None:
        dirs = [plugin_dir] if isinstance(plugin_dir, (str, os.PathLike)) else list(plugin_dir)
        for d in dirs:
            args += ["--plugin-dir", str(Path(d).resolve())]
    args += list(extra_args)

    owned_home = tempfile.TemporaryDirectory(prefix="claude-e2e-home-") if home is None else None
    home_path = Path(owned_home.name if owned_home else home)  # type: ignore[arg-type]
    home_path.mkdir(parents=True, exist_ok=True)
    fake = server if server is not None else FakeModel(turns)
    started_here = not fake.running
    if started_here:
        fake.start()
    timed_out = False
    start = time.monotonic()
    try:
        env = isolated_env(home_path, base_url=fake.base_url, extra_env=extra_env)
        # The prompt goes on stdin so that one starting with "-" is not read as a flag.
        proc = subprocess.Popen(
            args,
            cwd=project_dir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so a timeout also ends the hooks it spawned
        )
        try:
            stdout, stderr = proc.communicate(prompt, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            stdout, stderr = proc.communicate()
        returncode = None if timed_out else proc.returncode
    finally:
        duration = time.monotonic() - start
        if started_here:
            fake.stop()
        if owned_home is not None:
            owned_home.cleanup()
    return ClaudeRun(
        args=args,
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        server=fake,
        project_dir=project_dir,
        home=home_path,
        duration=duration,
        timed_out=timed_out,
        result=_parse_result(stdout),
    )


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


@dataclass
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    claude_bin: str | None = None,
    home: str | os.PathLike[str] | None = None,
    timeout: float = 60,
    extra_env: Mapping[str, str | None] | None = None,
) -> CliResult:
    """Run a non-conversational subcommand (``plugin validate``...) isolated like run_claude."""
    claude_bin = claude_bin or find_claude()
    if not claude_bin:
        raise RuntimeError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="claude-e2e-home-") as tmp_home:
        env = isolated_env(home or tmp_home, extra_env=extra_env)
        full = [claude_bin, *args]
        proc = subprocess.run(
            full, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    return CliResult(full, proc.returncode, proc.stdout, proc.stderr)


def validate_plugin(
    plugin_dir: str | os.PathLike[str], *, strict: bool = True, json_report: bool = False, **kwargs: Any
) -> CliResult:
    """``claude plugin validate PLUGIN [--strict] [--json]``; exit 0 means valid.

    ``--strict`` fails on warnings too (e.g. a plugin.json without ``author``).
    ``json_report`` asks for the machine-readable report (``.json``), whose
    ``provides`` lists the hooks and the ``plugin:skill`` names found.
    """
    args = ["plugin", "validate", str(Path(plugin_dir).resolve())]
    if strict:
        args.append("--strict")
    if json_report:
        args.append("--json")
    return run_cli(args, **kwargs)


def write_plugin(
    root: str | os.PathLike[str],
    name: str,
    *,
    hooks: Mapping[str, Any] | None = None,
    skills: Mapping[str, tuple[str, str]] | None = None,
    files: Mapping[str, str] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Lay out a minimal plugin folder at ``root`` and return it.

    ``hooks`` is the value of hooks/hooks.json's top-level ``"hooks"`` key;
    ``skills`` maps a skill name to ``(description, body)``; ``files`` maps
    relative paths to contents (scripts the hooks run; ``.py``/``.sh`` files
    are made executable). The manifest gets an ``author`` because
    ``plugin validate --strict`` warns without one.
    """
    root = Path(root)
    (root / ".claude-plugin").mkdir(parents=True, exist_ok=True)
    data = {"name": name, "version": "0.0.0", "description": f"{name} (test plugin)", "author": {"name": "e2e"}}
    data.update(manifest or {})
    (root / ".claude-plugin" / "plugin.json").write_text(json.dumps(data, indent=2) + "\n")
    if hooks is not None:
        (root / "hooks").mkdir(exist_ok=True)
        (root / "hooks" / "hooks.json").write_text(json.dumps({"hooks": dict(hooks)}, indent=2) + "\n")
    for skill_name, (description, body) in (skills or {}).items():
        write_skill(root / "skills", skill_name, description, body)
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        if path.suffix in (".py", ".sh"):
            path.chmod(0o755)
    return root


def write_skill(skills_dir: str | os.PathLike[str], name: str, description: str, body: str) -> Path:
    """``skills_dir/NAME/SKILL.md`` with name+description frontmatter.

    Works for a plugin's ``skills/`` and a project's ``.claude/skills/``.
    """
    path = Path(skills_dir) / name / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nname: {name}\ndescription: {json.dumps(description)}\n---\n\n{body.rstrip()}\n")
    return path


def python_command(script: str | os.PathLike[str]) -> str:
    """A hook command that runs ``script`` with this interpreter.

    Quoted for the shell the client runs hook commands in; ``script`` may use
    ``${CLAUDE_PLUGIN_ROOT}`` or ``$CLAUDE_PROJECT_DIR``.
    """
    return f'"{sys.executable}" "{script}"'


__all__ = [
    "INSTALL_HINT",
    "LOCAL_CLAUDE_BIN",
    "ClaudeRun",
    "CliResult",
    "find_claude",
    "claude_version",
    "isolated_env",
    "missing_reason",
    "python_command",
    "run_claude",
    "run_cli",
    "validate_plugin",
    "write_plugin",
    "write_skill",
]
