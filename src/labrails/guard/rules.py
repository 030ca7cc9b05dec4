"""The guard's rules, in the order they are checked: the table :data:`RULES` at the end of this module.

Each rule is a check that returns why the agent may not go ahead (one or two sentences it can act on),
or None. A check looks at one thing of its scope at a time:

- ``command``: the tool call as a whole (a Bash command that could not be parsed)
- ``path``:    one path a Bash command or a file tool (Edit, Write...) would write (a real path)
- ``simple``:  one simple command of a Bash command (with what its scripts, recipes and aliases run)
- ``launch``:  one program a Bash command starts (see :mod:`labrails.guard.shell.launches`)
- ``sweep``:   one ``labrails sweep`` a Bash command starts
- ``run``:     one launch of an experiment's script with a profile (see :mod:`labrails.guard.runs`)
- ``opaque``:  something the command would run that the guard cannot read (see :mod:`labrails.guard.follow`)

The engine walks the table in order; consecutive rules of one scope are tried together on each thing
of that scope, and the first refusal decides. What only runs need (the config resolver, the
synthetic-data scanner) is imported inside the check that uses it: most commands never get that far.

To add a rule: write its check here (``(thing, request) -> reason | None``), add a row to ``RULES``
where it should be tried, and add a case to the guard's corpus. A rule about whether a run may start
at all (whoever starts it) belongs in :mod:`labrails.core.policy`, with a check here that calls it.
"""

from __future__ import annotations

import json
import os
import re

from labrails.core.expview import ExperimentView, find_experiment_root
from labrails.core.identity import run_identity
from labrails.core.policy import DERISK, checkpoint_blocker, derisk_blocker, synthetic_in_config
from labrails.guard.lazyre import lazy
from labrails.guard.pathrules import (
    code_reads_key,
    key_mentioned,
    unknown_writer_spec,
    unknown_writer_state,
    writes_approved_spec,
    writes_key,
    writes_state,
)
from labrails.guard import wrapped as _wrapped
from labrails.guard.runs import launch_text, option_value, resolve_path
from labrails.guard.vocabulary import MAY_LAUNCH_PATTERN, RUN_RECORD_WORDS, SPEC_MARKER, STATE_DIR, STATE_MARKERS

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from labrails.guard.engine import Request
    from labrails.guard.follow import Opaque
    from labrails.guard.runs import RunLaunch
    from labrails.guard.shell.launches import Launch

SYNTHETIC_FLAGS = lazy(
    r"^--?(synthetic|synthetic[-_]data|use[-_]synthetic|fake|fake[-_]data|dummy|dummy[-_]data|random[-_]data|mock[-_]data|toy[-_]data)(=(1|true|yes|on))?$",
    re.I,
)
SYNTHETIC_VALUES = lazy(r"^(synthetic|fake|dummy|random|mock|toy|generated)([-_].*)?$", re.I)
DATA_OPTIONS = {"--data", "--dataset", "--data-source", "--source", "--data_source", "--data-mode"}
SYNTHETIC_ENV = lazy(r"^(LABRAILS_)?(SYNTHETIC|USE_SYNTHETIC|SYNTHETIC_DATA|FAKE_DATA|DUMMY_DATA|MOCK_DATA|USE_FAKE_DATA)$", re.I)
TRUTHY = {"1", "true", "yes", "on", "y"}
MAY_LAUNCH = lazy(MAY_LAUNCH_PATTERN, re.I)
# Python that writes files: a mode that writes, or a call that saves, moves or replaces.
_WRITES_FILES = lazy(r"""['"][rb+]*[wax][bt+]*['"]|\.write|dump\(|replace\(|rename\(|shutil\.|copy|move\(|to_json|save""")
DEFAULT_TIMEOUT_MS = 120_000
_APPROVAL_API = ("labrails.core.approvals", "from labrails.core import approvals", "approvals.approve(", "labrails.core.signing",
                 "from labrails.core import signing")
_CLI_ENTRY = ("labrails.__main__", "labrails.cli", "run_module('labrails'", 'run_module("labrails"')
_REAL_DATA_FIX = ("Full runs must use the real dataset declared in spec.yaml; if it cannot be loaded, stop and tell the human "
                  "instead of substituting generated data.")


# --------------------------------------------------------------------------- command
def unparseable_command(request: Request, _: Request) -> str | None:
    command = request.command
    if request.parse_error is None:
        return None
    if MAY_LAUNCH.search(command) or STATE_DIR in command or SPEC_MARKER in command:
        return (f"labrails could not parse this command ({request.parse_error}) and it may launch a run or touch protected files, "
                "so it is blocked. Write it more simply (one command per line, balanced quotes).")
    return None


# --------------------------------------------------------------------------- launches
def code_of(launch: Launch, request: Request) -> str | None:
    """The Python a launch runs (inline, or the script file wherever it is), read once per request.

    Writes through a script file are invisible to the shell parser, so the code itself is read.
    """
    key = ("code", id(launch))
    if key not in request.memo:
        request.memo[key] = _read_code(launch, request.cwd)
    return request.memo[key]


def _read_code(launch: Launch, cwd: str) -> str | None:
    code = launch.inline_code
    if code is None and launch.kind == "script" and launch.script:
        try:
            with open(os.path.realpath(resolve_path(cwd, launch.cwd, launch.script)), encoding="utf-8", errors="replace") as fh:
                code = fh.read(1_000_000)
        except (OSError, ValueError):
            return None
    return code


def _in_or_at_experiment(launch: Launch, request: Request) -> bool:
    if find_experiment_root(resolve_path(request.cwd, launch.cwd, ".")) is not None:
        return True
    if launch.kind == "script" and launch.script:
        return find_experiment_root(os.path.dirname(os.path.realpath(resolve_path(request.cwd, launch.cwd, launch.script)))) is not None
    return False


def calls_approval_api(launch: Launch, request: Request) -> str | None:
    code = code_of(launch, request)
    if not code:
        return None
    # A copy of labrails' own command line under another name, told to approve.
    cli = any(marker in code for marker in _CLI_ENTRY) and any(a in ("approve", "pin") for a in launch.args[:3])
    if cli or any(marker in code for marker in _APPROVAL_API):
        return ("this Python calls labrails' approval API; only the human approves spec checkpoints, with "
                "`labrails approve PHASE` in their own terminal. Tell them what is ready for review.")
    return None


def code_names_state(launch: Launch, request: Request) -> str | None:
    # Reading the registry is what `labrails runs` is for. A script outside any experiment, run from
    # outside one, is none of labrails' business.
    code = code_of(launch, request)
    if not code or not _in_or_at_experiment(launch, request):
        return None
    if any(marker in code for marker in RUN_RECORD_WORDS) and _WRITES_FILES.search(code):
        return ("this Python names a run's record or verdict (run.json, review.json) and writes files; the library "
                "writes those as a run ends. Read them with cat or jq; a run that failed is re-run, not relabelled.")
    if any(marker in code for marker in STATE_MARKERS):
        return ("this Python refers to labrails' state files (.labrails/, approvals.json, registry.json), which "
                "the agent may not touch. Use `labrails runs` and `labrails status` to read them.")
    return None


def runs_labrails_approve(launch: Launch, _: Request) -> str | None:
    if launch.kind == "labrails" and launch.args[:1] == ["approve"]:
        return ("only the human approves spec checkpoints, in their own terminal. Tell them what is ready for review "
                "and ask them to run `labrails approve " + (launch.args[1] if len(launch.args) > 1 else "PHASE") + "`.")
    return None


def sweep_in_foreground(launch: Launch, request: Request) -> str | None:
    if "--dry-run" in launch.args or "--help" in launch.args or launch.background or request.tool_input.get("run_in_background"):
        return None
    if _derisk_sweep_fits(launch, request):
        return None
    return ("a sweep runs many full runs and would be killed by the Bash tool's timeout part-way. "
            "Run `labrails sweep ... --dry-run` first, then launch it with run_in_background (or `nohup ... &`) and "
            "follow its sweeps/<...>/sweep.json; a re-run resumes where it stopped.")


def _derisk_sweep_fits(launch: Launch, request: Request) -> bool:
    """A sweep is judged by the runs it will start: de-risk jobs whose budgets together fit the Bash timeout may
    run in the foreground. Anything unreadable counts as not fitting (the rule then blocks, failing closed)."""
    try:
        from labrails.core.yamlfile import load_yaml

        suite_arg = next(a for a in launch.args[1:] if a.endswith((".yaml", ".yml")))
        suite = load_yaml(resolve_path(request.cwd, launch.cwd, suite_arg), what="the suite")
        root = find_experiment_root(os.path.dirname(resolve_path(request.cwd, launch.cwd, suite_arg)))
        budget = (ExperimentView(root).config_data["profiles"][DERISK] or {})["budget_seconds"]
        after = launch.args[launch.args.index("--seeds") + 1:] if "--seeds" in launch.args else []
        given = [a for a in after[:next((i for i, a in enumerate(after) if not a.isdigit()), len(after))]]
        jobs = len(suite["configurations"]) * len(given or suite.get("seeds") or [0])
        timeout = request.tool_input.get("timeout") or DEFAULT_TIMEOUT_MS
        return suite.get("profile") == DERISK and "--configs" not in launch.args and jobs * float(budget) * 1000 <= timeout
    except Exception:  # noqa: BLE001  (not a de-risk sweep we can size: the general rule decides)
        return False


# --------------------------------------------------------------------------- runs
def checkpoint_pending(run: RunLaunch, _: Request) -> str | None:
    spec = run.exp.spec
    if spec is None or not spec.phases:
        return None
    if run.profile is None and spec.phase_of(launch_text(run)) is None:
        return None  # a helper script (no profile) that no phase names is not a run
    return checkpoint_blocker(spec, run.exp.approvals(), launch_text(run), run.profile)


def _synthetic_allowed(run: RunLaunch) -> bool:
    spec = run.exp.spec
    allowed = spec.synthetic_allowed_in if spec is not None else (DERISK,)
    return run.profile in allowed


def synthetic_flag(run: RunLaunch, _: Request) -> str | None:
    if _synthetic_allowed(run):
        return None
    label = run.profile or "non-de-risk"
    for arg in run.args:
        if arg.startswith("-") and SYNTHETIC_FLAGS.match(arg):  # (the pattern needs the dash; most args lack one)
            return f"'{arg}' asks for synthetic data in a {label} run. {_REAL_DATA_FIX}"
    for option in DATA_OPTIONS:
        value = option_value(run.args, option)
        if value and SYNTHETIC_VALUES.match(value):
            return f"'{option} {value}' asks for synthetic data in a {label} run. {_REAL_DATA_FIX}"
    for key, value in run.env.items():
        if SYNTHETIC_ENV.match(key) and str(value).strip().lower() in TRUTHY:
            return f"the environment sets {key}={value} for a {label} run. {_REAL_DATA_FIX}"
    return None


def synthetic_config(run: RunLaunch, _: Request) -> str | None:
    if _synthetic_allowed(run):
        return None
    data = run.exp.config_data
    if isinstance(data, dict) and run.profile:
        from labrails.core.config import deep_merge

        base = {k: v for k, v in data.items() if k != "profiles"}
        resolved = deep_merge(base, (data.get("profiles") or {}).get(run.profile) or {})
        hit = synthetic_in_config(resolved)
        if hit:
            return f"config.yaml makes the '{run.profile}' profile use synthetic data ({hit}). {_REAL_DATA_FIX}"
    return None


def synthetic_code(run: RunLaunch, _: Request) -> str | None:
    if _synthetic_allowed(run):
        return None
    # The scanner parses the script and the local modules it imports: only for runs that need it, and
    # only when a Python file of the experiment changed since the last scan.
    from labrails.guard.scancache import scan_launch

    findings = scan_launch(run.script, run.exp.root)
    if not findings:
        return None
    f = findings[0]
    where = os.path.relpath(f.path, run.exp.root) if os.path.isabs(f.path) else f.path
    if f.rule == "unparseable":
        return (f"{where} cannot be parsed, so labrails cannot check it for generated data; fix the syntax error "
                f"at line {f.line} first (a de-risk run will show it).")
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    return (f"{where}:{f.line} fabricates data ({f.rule}: `{f.snippet}`){more}. {f.message} "
            f"Generated data is allowed only inside a de-risk branch; {_REAL_DATA_FIX}")


def derisk_first(run: RunLaunch, _: Request) -> str | None:
    return derisk_blocker(run.exp, run.script, run.profile)


def identical_run(run: RunLaunch, _: Request) -> str | None:
    if run.profile is None or "--force" in run.args:
        return None
    data = run.exp.config_data
    if not isinstance(data, dict):
        return None
    from labrails.core.config import resolve, script_name

    overrides = None
    raw = run.env.get("LABRAILS_OVERRIDES")
    if raw:
        try:
            overrides = json.loads(raw)
        except ValueError:
            return None  # the run itself will refuse malformed overrides with a clear error
    try:
        resolved = resolve(run.exp.path("config.yaml"), run.profile, overrides, data=data,
                           script=script_name(run.script, run.exp.root))
    except Exception:
        return None  # an invalid config fails loudly at run start; not the guard's job
    identity = run_identity(resolved.hash, run.exp.code_version(run.script))
    for row in run.exp.registry_find(identity=identity, status="completed"):
        earlier = run.exp.path("runs", row["run"])
        if os.path.isdir(earlier):
            return (f"an identical run (same config, same code: {identity}) already completed; its results are in "
                    f"{earlier}. Read them, change the config or code for a new question, or pass --force to repeat it on purpose.")
    return None


def run_in_foreground(run: RunLaunch, request: Request) -> str | None:
    tool_input = request.tool_input
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
    return (f"this {run.profile} run may take {need}, but it would run in the foreground under the Bash tool's "
            "timeout and be killed part-way. Launch it with run_in_background (or `nohup ... &`) and follow "
            "runs/<run>/logs/train.log, or pass a timeout that covers its budget.")


# --------------------------------------------------------------------------- what cannot be seen
def unresolved_launch(opaque: Opaque, request: Request) -> str | None:
    root = _experiment_of(opaque, request)
    if root is None:
        return None  # outside any experiment, the guard stays out of the way
    script = next((os.path.relpath(p, root) for p in opaque.paths if p.endswith(".py") and p.startswith(root + os.sep)), "train.py")
    return (f"{opaque.what}, so labrails cannot check what it would start in the experiment {os.path.basename(root)}. "
            f"Type the launch plainly, with literal words: `python {script} de-risk`, then `python {script} <profile>` "
            "(or `uv run ...`), one launch per command.")


def _experiment_of(opaque: Opaque, request: Request) -> str | None:
    from labrails.guard.follow import where

    for path in opaque.paths:
        root = find_experiment_root(path if os.path.isdir(path) else os.path.dirname(path))
        if root is not None:
            return root
    here = where(request.cwd, opaque.command)
    if "$" in here or "`" in here:
        here = request.cwd
    root = find_experiment_root(here)
    if root is not None:
        return root
    return _experiment_below(here)


def _experiment_below(folder: str, depth: int = 2) -> str | None:
    """An experiment at most ``depth`` folders below ``folder`` (a project holding experiments)."""
    frontier = [folder]
    for _ in range(depth):
        nxt = []
        for here in frontier[:50]:
            try:
                with os.scandir(here) as entries:
                    children = [e.path for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")][:200]
            except OSError:
                continue
            for child in children:
                if os.path.isdir(os.path.join(child, STATE_DIR)):
                    return child
            nxt += children
        frontier = nxt
    return None


# --------------------------------------------------------------------------- the table
class Rule:
    __slots__ = ("name", "scope", "description", "check")

    def __init__(self, name: str, scope: str, description: str, check: Callable[..., str | None]):
        self.name, self.scope, self.description, self.check = name, scope, description, check

    def __repr__(self) -> str:
        return f"Rule({self.name!r}, {self.scope!r})"


RULES = (
    Rule("parse-error", "command", "a command that may launch a run or touch protected files but cannot be parsed (fail closed)",
         unparseable_command),
    Rule("protected-state", "path", "writes into an experiment's .labrails/ (registry, approvals) by any means, through "
         "symlinks and globs", writes_state),
    Rule("signing-key", "path", "writes into the signing key's folder", writes_key),
    Rule("approved-spec", "path", "writes to a spec.yaml that has approvals (only the human edits an approved spec)",
         writes_approved_spec),
    Rule("signing-key", "launch", "Python that reads the signing key", code_reads_key),
    Rule("human-approval", "launch", "Python that calls labrails' approval API", calls_approval_api),
    Rule("protected-state", "launch", "Python (inline, or a script run in an experiment) that names labrails' state files",
         code_names_state),
    Rule("human-approval", "launch", "`labrails approve` run by the agent", runs_labrails_approve),
    Rule("signing-key", "simple", "any command handed the signing key's folder (reads included)", key_mentioned),
    Rule("protected-state", "simple", "a program that may write what it is given (awk, perl, an editor, a script...) "
         "handed a path in .labrails/", unknown_writer_state),
    Rule("approved-spec", "simple", "a program that may write what it is given handed an approved spec.yaml",
         unknown_writer_spec),
    Rule("foreground-run", "sweep", "`labrails sweep` in the foreground, where the Bash tool's timeout would kill it",
         sweep_in_foreground),
    Rule("checkpoint", "run", "a command of a phase whose earlier checkpoint the human has not approved", checkpoint_pending),
    Rule("synthetic-flag", "run", "a non-de-risk run launched with a synthetic-data flag or environment variable", synthetic_flag),
    Rule("synthetic-config", "run", "a non-de-risk profile whose config asks for synthetic data", synthetic_config),
    Rule("synthetic-code", "run", "the launched script (or a local module it imports) fabricates its dataset", synthetic_code),
    Rule("derisk-first", "run", "a non-de-risk run with no passing de-risk run on the current code and config", derisk_first),
    Rule("identical-run", "run", "a run whose identity (config + code) already completed", identical_run),
    Rule("foreground-run", "run", "a long run in the foreground under the Bash tool's default timeout", run_in_foreground),
    Rule("wrapped-script", "run", "a plain launch of a script the experiment runs through `labrails run`",
         _wrapped.plain_launch_of_wrapped_script),
    Rule("unresolved-launch", "opaque", "inside an experiment, something that may start Python or labrails but that the "
         "guard cannot read: a variable, substitution or glob in the launch, python -m/-c/stdin running an experiment "
         "script, xargs/find -exec/parallel, an unreadable script, Makefile target or git alias", unresolved_launch),
)
