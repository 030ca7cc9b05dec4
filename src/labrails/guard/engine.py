"""The guard's decisions: given what the agent is about to do, allow it or say why not and what to do.

Rules, in the order they are checked (the first that fires decides):

- ``protected-state``  writes into an experiment's .labrails/ (registry, approvals) by any means
- ``approved-spec``    writes to a spec.yaml that has approvals (only the human edits an approved spec)
- ``human-approval``   `labrails approve` run by the agent
- ``checkpoint``       a command of a phase whose earlier checkpoint the human has not approved
- ``synthetic-flag``   a non-de-risk run launched with a synthetic-data flag or environment variable
- ``synthetic-config`` a non-de-risk profile whose config asks for synthetic data
- ``synthetic-code``   the launched script (or a local module it imports) fabricates its dataset
- ``derisk-first``     a non-de-risk run with no passing de-risk run on the current code and config
- ``identical-run``    a run whose identity (config + code) already completed
- ``foreground-run``   a long run in the foreground under the Bash tool's default timeout
- ``parse-error``      a command that may launch a run but cannot be parsed (fail closed)

Every reason is one or two sentences the agent can act on.
"""

from __future__ import annotations

import json
import os
import re


DERISK = "de-risk"
SYNTHETIC_FLAGS = re.compile(
    r"^--?(synthetic|synthetic[-_]data|use[-_]synthetic|fake|fake[-_]data|dummy|dummy[-_]data|random[-_]data|mock[-_]data|toy[-_]data)(=(1|true|yes|on))?$",
    re.I,
)
SYNTHETIC_VALUES = re.compile(r"^(synthetic|fake|dummy|random|mock|toy|generated)([-_].*)?$", re.I)
DATA_OPTIONS = {"--data", "--dataset", "--data-source", "--source", "--data_source", "--data-mode"}
SYNTHETIC_ENV = re.compile(r"^(LABRAILS_)?(SYNTHETIC|USE_SYNTHETIC|SYNTHETIC_DATA|FAKE_DATA|DUMMY_DATA|MOCK_DATA|USE_FAKE_DATA)$", re.I)
TRUTHY = {"1", "true", "yes", "on", "y"}
FILE_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit"}
MAY_LAUNCH = re.compile(r"python|\.py\b|\buv\b|pixi|labrails|torchrun|accelerate|poetry|conda|pipenv|hatch|srun", re.I)
DEFAULT_TIMEOUT_MS = 120_000


class Decision:
    __slots__ = ("allow", "rule", "reason")

    def __init__(self, allow: bool, rule: str = "", reason: str = ""):
        self.allow, self.rule, self.reason = allow, rule, reason

    def __repr__(self) -> str:
        return f"Decision({'allow' if self.allow else 'deny'}, {self.rule!r}, {self.reason!r})"


ALLOW = Decision(True)


def deny(rule: str, reason: str) -> Decision:
    return Decision(False, rule, f"labrails [{rule}]: {reason}")


# --------------------------------------------------------------------------- experiment state, read cheaply
class ExperimentView:
    """What the guard needs to know about one experiment; every file is read at most once per decision."""

    def __init__(self, root: str):
        self.root = root
        self.state = os.path.join(root, ".labrails")
        self._config = self._spec = self._registry = None
        self._spec_loaded = self._config_loaded = False
        self._code_version = None

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    @property
    def config_data(self):
        if not self._config_loaded:
            self._config_loaded = True
            from pathlib import Path

            from labrails.guard.cache import load_yaml_cached

            path = self.path("config.yaml")
            self._config = load_yaml_cached(Path(path), Path(self.state)) if os.path.isfile(path) else None
        return self._config

    @property
    def profiles(self) -> list[str]:
        data = self.config_data
        return list((data or {}).get("profiles") or {}) if isinstance(data, dict) else []

    @property
    def spec(self):
        if not self._spec_loaded:
            self._spec_loaded = True
            path = self.path("spec.yaml")
            if os.path.isfile(path):
                from pathlib import Path

                from labrails.guard.cache import load_yaml_cached
                from labrails.core.spec import parse_spec, sha256_of

                raw = load_yaml_cached(Path(path), Path(self.state))
                self._spec = parse_spec(raw if isinstance(raw, dict) else {}, Path(path), sha256_of(Path(path)))
        return self._spec

    def approvals(self) -> dict:
        spec = self.spec
        if spec is None:
            return {}
        from labrails.core.approvals import valid_approvals

        return valid_approvals(self.state, spec.sha256)

    @property
    def registry_rows(self) -> dict:
        if self._registry is None:
            path = os.path.join(self.state, "registry.json")
            try:
                with open(path, encoding="utf-8") as fh:
                    self._registry = (json.load(fh) or {}).get("runs", {})
            except FileNotFoundError:
                self._registry = {}
        return self._registry

    def code_version(self, script: str) -> str:
        if self._code_version is None:
            from pathlib import Path

            from labrails.core.snapshot import code_version, git_state

            self._code_version = code_version(git_state(Path(self.root)), Path(script))
        return self._code_version

    def config_sha(self) -> str:
        import hashlib

        with open(self.path("config.yaml"), "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()


def find_experiment_root(start: str) -> str | None:
    here = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(here, ".labrails")) or (
            os.path.isfile(os.path.join(here, "spec.yaml")) and os.path.isfile(os.path.join(here, "config.yaml"))
        ):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _resolve(cwd: str, sub_cwd: str | None, path: str) -> str:
    base = cwd
    if sub_cwd:
        base = os.path.join(cwd, os.path.expanduser(sub_cwd))
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


# --------------------------------------------------------------------------- protected files
def protected_reason(target: str) -> Decision | None:
    parts = target.replace("\\", "/").split("/")
    if ".labrails" in parts:
        return deny("protected-state", f"{target} is labrails' own state (registry, approvals); it is never edited by hand or by the agent. "
                    "Use the labrails commands; approvals come only from the human's terminal.")
    if os.path.basename(target) in ("spec.yaml", "spec.yml"):
        root = os.path.dirname(target)
        if os.path.isdir(os.path.join(root, ".labrails")):
            view = ExperimentView(root)
            try:
                approved = view.approvals()
            except Exception:
                approved = {"?": True}  # unreadable approvals: treat the spec as locked
            if approved:
                return deny("approved-spec", f"{target} has been approved by the human ({', '.join(sorted(approved))}); the agent may not change it. "
                            "Describe the change you need and ask the human to edit and re-approve it.")
    return None


def check_file_tool(tool_input: dict, cwd: str) -> Decision:
    path = tool_input.get("file_path") or tool_input.get("notebook_path") or tool_input.get("path")
    if not isinstance(path, str) or not path:
        return ALLOW
    return protected_reason(_resolve(cwd, None, path)) or ALLOW


# --------------------------------------------------------------------------- launches of runs
class RunLaunch:
    __slots__ = ("launch", "script", "exp", "name", "profile", "args", "env")

    def __init__(self, launch: Launch, script: str, exp: ExperimentView, name: str | None, profile: str | None):
        self.launch, self.script, self.exp, self.name, self.profile = launch, script, exp, name, profile
        self.args = list(launch.args)
        self.env = dict(launch.env)


def _option_value(args: list[str], option: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


def as_run_launch(launch: Launch, cwd: str) -> RunLaunch | None:
    if launch.kind != "script" or not launch.script:
        return None
    script = _resolve(cwd, launch.cwd, launch.script)
    root = find_experiment_root(os.path.dirname(script))
    if root is None:
        return None
    exp = ExperimentView(root)
    positional = [a for a in launch.args if not a.startswith("-")]
    name = positional[0] if positional else None
    profile = _option_value(launch.args, "--profile")
    if profile is None and name is not None:
        from labrails.core.naming import profile_from_name

        profile = profile_from_name(name, exp.profiles)
    return RunLaunch(launch, script, exp, name, profile)


def launch_text(run: RunLaunch) -> str:
    return " ".join([os.path.relpath(run.script, run.exp.root), *run.args])


def check_checkpoint(run: RunLaunch) -> Decision | None:
    spec = run.exp.spec
    if spec is None or not spec.phases:
        return None
    phase = spec.phase_of(launch_text(run))
    if phase is None:
        return None
    approved = run.exp.approvals()
    pending = [p.name for p in spec.earlier_checkpoints(phase) if p.name not in approved]
    if pending:
        return deny("checkpoint", f"'{launch_text(run)}' belongs to phase '{phase.name}', but the checkpoint of phase '{pending[0]}' "
                    "is not approved yet. Stop here and show the human what they need to review (the diff of data and evaluation code, "
                    f"the data declaration, the review); they approve with `labrails approve {pending[0]}` in their own terminal.")
    return None


def check_synthetic(run: RunLaunch) -> Decision | None:
    spec = run.exp.spec
    allowed = spec.synthetic_allowed_in if spec is not None else (DERISK,)
    if run.profile in allowed:
        return None
    label = run.profile or "non-de-risk"
    fix = ("Full runs must use the real dataset declared in spec.yaml; if it cannot be loaded, stop and tell the human "
           "instead of substituting generated data.")
    for arg in run.args:
        if SYNTHETIC_FLAGS.match(arg):
            return deny("synthetic-flag", f"'{arg}' asks for synthetic data in a {label} run. {fix}")
    for option in DATA_OPTIONS:
        value = _option_value(run.args, option)
        if value and SYNTHETIC_VALUES.match(value):
            return deny("synthetic-flag", f"'{option} {value}' asks for synthetic data in a {label} run. {fix}")
    for key, value in run.env.items():
        if SYNTHETIC_ENV.match(key) and str(value).strip().lower() in TRUTHY:
            return deny("synthetic-flag", f"the environment sets {key}={value} for a {label} run. {fix}")
    data = run.exp.config_data
    if isinstance(data, dict) and run.profile:
        from labrails.core.config import deep_merge

        base = {k: v for k, v in data.items() if k != "profiles"}
        resolved = deep_merge(base, (data.get("profiles") or {}).get(run.profile) or {})
        hit = _synthetic_in_config(resolved)
        if hit:
            return deny("synthetic-config", f"config.yaml makes the '{run.profile}' profile use synthetic data ({hit}). {fix}")
    from labrails.guard.synthscan import scan_script

    findings = scan_script(run.script, root=run.exp.root)
    if findings:
        f = findings[0]
        where = os.path.relpath(f.path, run.exp.root) if os.path.isabs(f.path) else f.path
        if f.rule == "unparseable":
            return deny("synthetic-code", f"{where} cannot be parsed, so labrails cannot check it for generated data; fix the syntax error "
                        f"at line {f.line} first (a de-risk run will show it).")
        more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
        return deny("synthetic-code", f"{where}:{f.line} fabricates data ({f.rule}: `{f.snippet}`){more}. {f.message} "
                    f"Generated data is allowed only inside a de-risk branch; {fix}")
    return None


def _synthetic_in_config(values, prefix: str = "") -> str | None:
    if isinstance(values, dict):
        for key, value in values.items():
            where = f"{prefix}.{key}" if prefix else str(key)
            k = str(key).lower()
            if k in ("synthetic", "use_synthetic", "synthetic_data", "fake_data", "dummy_data") and value is True:
                return f"{where}: true"
            if k in ("dataset", "source", "data_source", "kind", "type") and isinstance(value, str) and SYNTHETIC_VALUES.match(value):
                return f"{where}: {value}"
            found = _synthetic_in_config(value, where)
            if found:
                return found
    return None


def derisk_blocker(exp: ExperimentView, script: str, profile: str | None) -> str | None:
    """Why a ``profile`` run of ``script`` may not start yet (None when a de-risk run vouches for it).

    A de-risk run vouches when it ran on the same code version and the same config.yaml, completed
    within its budget, and passed its review. Used by the guard and by `labrails sweep`.
    """
    if profile in (None, DERISK) or DERISK not in exp.profiles:
        return None
    version = exp.code_version(script)
    config_sha = exp.config_sha()
    candidates = [r for r in exp.registry_rows.values() if r.get("profile") == DERISK]
    same = [r for r in candidates if r.get("code_version") == version and r.get("config_file_sha256") == config_sha]
    done = [r for r in same if r.get("status") == "completed"]
    fix = f"Run `{os.path.basename(script)} de-risk` first (under a minute), read its review, then launch this run."
    if not done:
        if candidates and not same:
            return ("the code or config.yaml changed since the last de-risk run, so it no longer vouches for this "
                    f"{profile} run. {fix}")
        failed = [r for r in same if r.get("status") in ("failed", "crashed")]
        if failed:
            return f"the de-risk run {failed[-1]['run']} on this code and config {failed[-1]['status']}; fix it and re-run de-risk before a {profile} run."
        return f"no de-risk run of this experiment has completed on the current code and config. {fix}"
    latest = max(done, key=lambda r: r.get("started_ts") or 0)
    budget, took = latest.get("budget_seconds"), latest.get("duration_s")
    if budget and took and float(took) > float(budget):
        return (f"the de-risk run {latest['run']} took {float(took):.0f} s, over its {float(budget):.0f} s budget; "
                "shrink the de-risk profile until it fits, then re-run it.")
    review_path = exp.path("runs", latest["run"], "review.json")
    if not os.path.isfile(review_path):
        return (f"the de-risk run {latest['run']} has not been reviewed. Run `labrails review {latest['run']}`, "
                "fix any blockers, then launch this run.")
    try:
        with open(review_path, encoding="utf-8") as fh:
            review = json.load(fh)
    except (OSError, ValueError):
        review = {"passed": False, "headline": "review.json is unreadable"}
    if not review.get("passed"):
        return (f"the de-risk run {latest['run']} did not pass its review ({review.get('headline')}). "
                f"Read runs/{latest['run']}/review.md, fix the blockers and re-run de-risk.")
    return None


def derisk_blocker_for(experiment_root: str, script: str, profile: str | None) -> str | None:
    return derisk_blocker(ExperimentView(str(experiment_root)), str(script), profile)


def check_derisk_first(run: RunLaunch) -> Decision | None:
    reason = derisk_blocker(run.exp, run.script, run.profile)
    return deny("derisk-first", reason) if reason else None


def check_identical(run: RunLaunch) -> Decision | None:
    if run.profile is None or "--force" in run.args:
        return None
    data = run.exp.config_data
    if not isinstance(data, dict):
        return None
    from pathlib import Path

    from labrails.core.config import resolve, script_name

    overrides = None
    raw = run.env.get("LABRAILS_OVERRIDES")
    if raw:
        try:
            overrides = json.loads(raw)
        except ValueError:
            return None  # the run itself will refuse malformed overrides with a clear error
    try:
        resolved = resolve(Path(run.exp.path("config.yaml")), run.profile, overrides, data=data,
                           script=script_name(run.script, run.exp.root))
    except Exception:
        return None  # an invalid config fails loudly at run start; not the guard's job
    identity = f"{resolved.hash[:8]}_{run.exp.code_version(run.script)}"
    for row in run.exp.registry_rows.values():
        if row.get("identity") == identity and row.get("status") == "completed":
            earlier = run.exp.path("runs", row["run"])
            if os.path.isdir(earlier):
                return deny("identical-run", f"an identical run (same config, same code: {identity}) already completed; its results are in "
                            f"{earlier}. Read them, change the config or code for a new question, or pass --force to repeat it on purpose.")
    return None


def check_foreground(run: RunLaunch, tool_input: dict) -> Decision | None:
    if run.profile in (None, DERISK):
        return None
    if run.launch.background or tool_input.get("run_in_background"):
        return None
    timeout = tool_input.get("timeout")
    budget = None
    data = run.exp.config_data
    if isinstance(data, dict):
        budget = ((data.get("profiles") or {}).get(run.profile) or {}).get("budget_seconds")
    if isinstance(budget, (int, float)) and budget * 1000 <= (timeout or DEFAULT_TIMEOUT_MS):
        return None
    if timeout is not None and (budget is None or timeout >= float(budget) * 1000):
        return None
    need = f"{int(budget)} s" if isinstance(budget, (int, float)) else "longer than the default 2 minutes"
    return deny("foreground-run", f"this {run.profile} run may take {need}, but it would run in the foreground under the Bash tool's "
                "timeout and be killed part-way. Launch it with run_in_background (or `nohup ... &`) and follow "
                "runs/<run>/logs/train.log, or pass a timeout that covers its budget.")


def check_launch(run: RunLaunch, tool_input: dict) -> Decision | None:
    if run.profile is None:
        return None  # no profile, no run: a helper script (analysis, generate_data.py) or `--help`
    for rule in (check_checkpoint, check_synthetic, check_derisk_first, check_identical):
        decision = rule(run)
        if decision is not None:
            return decision
    return check_foreground(run, tool_input)


# --------------------------------------------------------------------------- the Bash tool
_STATE_MARKERS = (".labrails", "approvals.json", "registry.json")
_APPROVAL_API = ("labrails.core.approvals", "from labrails.core import approvals", "approvals.approve(")


def check_code_touching_state(launch, cwd: str) -> Decision | None:
    """Python the agent runs (inline, or a script inside an experiment) that reaches into labrails' state.

    Writes through a script file are invisible to the shell parser, so the code itself is read: any
    mention of the state files or of the approvals API is refused. Reading the registry is what
    `labrails runs` is for.
    """
    code = launch.inline_code
    if code is None and launch.kind == "script" and launch.script:
        path = _resolve(cwd, launch.cwd, launch.script)
        if find_experiment_root(os.path.dirname(path)) is None:
            return None
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                code = fh.read(1_000_000)
        except OSError:
            return None
    if not code:
        return None
    if any(marker in code for marker in _APPROVAL_API):
        return deny("human-approval", "this Python calls labrails' approval API; only the human approves spec checkpoints, with "
                    "`labrails approve PHASE` in their own terminal. Tell them what is ready for review.")
    if any(marker in code for marker in _STATE_MARKERS):
        return deny("protected-state", "this Python refers to labrails' state files (.labrails/, approvals.json, registry.json), which "
                    "the agent may not touch. Use `labrails runs` and `labrails status` to read them.")
    return None


def check_bash(tool_input: dict, cwd: str) -> Decision:
    command = tool_input.get("command")
    if not isinstance(command, str) or not command.strip():
        return ALLOW
    # Imported here so file-tool decisions never pay for the shell parser.
    from labrails.guard.shell.launches import find_launches, written_paths
    from labrails.guard.shell.parse import ShellParseError, split_commands

    try:
        simple = split_commands(command)
        launches = find_launches(command)
    except ShellParseError as exc:
        if MAY_LAUNCH.search(command) or ".labrails" in command or "spec.y" in command:
            return deny("parse-error", f"labrails could not parse this command ({exc}) and it may launch a run or touch protected files, "
                        "so it is blocked. Write it more simply (one command per line, balanced quotes).")
        return ALLOW
    for cmd in simple:
        for target in written_paths(cmd):
            if target == "<unparseable-python>":
                code = " ".join(cmd.argv) + (cmd.heredoc or "")
                if ".labrails" in code or "spec.y" in code:
                    return deny("protected-state", "inline Python that labrails cannot parse mentions .labrails/ or spec.yaml; "
                                "the agent may not write there.")
                continue
            decision = protected_reason(_resolve(cwd, cmd.cwd, target))
            if decision is not None:
                return decision
    for launch in launches:
        decision = check_code_touching_state(launch, cwd)
        if decision is not None:
            return decision
        if launch.kind == "labrails" and launch.args[:1] == ["approve"]:
            return deny("human-approval", "only the human approves spec checkpoints, in their own terminal. Tell them what is ready for review "
                        "and ask them to run `labrails approve " + (launch.args[1] if len(launch.args) > 1 else "PHASE") + "`.")
    for launch in launches:
        if launch.kind == "labrails" and launch.args[:1] == ["sweep"] and "--dry-run" not in launch.args \
                and "--help" not in launch.args and not (launch.background or tool_input.get("run_in_background")):
            return deny("foreground-run", "a sweep runs many full runs and would be killed by the Bash tool's timeout part-way. "
                        "Run `labrails sweep ... --dry-run` first, then launch it with run_in_background (or `nohup ... &`) and "
                        "follow its sweeps/<...>/sweep.json; a re-run resumes where it stopped.")
    for launch in launches:
        run = as_run_launch(launch, cwd)
        if run is None:
            continue
        decision = check_launch(run, tool_input)
        if decision is not None:
            return decision
    return ALLOW


def decide(payload: dict) -> Decision:
    """The PreToolUse decision for one hook payload (as Claude Code sends it)."""
    tool = payload.get("tool_name")
    tool_input = payload.get("tool_input") or {}
    if not isinstance(tool_input, dict):
        return ALLOW
    cwd = payload.get("cwd") or os.getcwd()
    if tool == "Bash":
        return check_bash(tool_input, cwd)
    if tool in FILE_TOOLS:
        return check_file_tool(tool_input, cwd)
    return ALLOW
