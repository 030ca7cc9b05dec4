"""Scripts an experiment runs through ``labrails run``: the guard's view of their launches.

An experiment whose config.yaml has a top-level ``command:`` (``command: python main.py``) runs that
script through ``labrails run``. Then:

- ``labrails run full -- python main.py --synthetic`` is a run of ``main.py`` with profile ``full`` and
  the command's own arguments and environment, judged by the same run rules as any launch;
- a plain ``python main.py --epochs 1 --limit-train 0.1`` (or ``torchrun ... main.py``) is a run of the
  profile whose ``args`` it carries, and ``full`` when it matches none (the script's defaults are the full
  run), so ``--synthetic`` or ``SYNTHETIC=1`` in it are judged as in a full run.

Standard library only at import: the hook loads this for launches in an experiment.
"""

from __future__ import annotations

import os

from labrails.core.expview import ExperimentView, find_experiment_root

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.guard.runs import RunLaunch
    from labrails.guard.shell.launches import Launch

FULL = "full"


def wrapped_script(exp: ExperimentView) -> str | None:
    """The script config.yaml's ``command:`` runs (its path relative to the experiment), or None."""
    data = exp.config_data
    command = data.get("command") if isinstance(data, dict) else None
    tokens = command.split() if isinstance(command, str) else [str(t) for t in command] if isinstance(command, list) else []
    for token in tokens:
        if token.endswith((".py", ".sh")):
            return os.path.normpath(token)
    return None


def _carries(args: list[str], option: str, value) -> bool:
    if value is None or value is False:
        return True
    for i, arg in enumerate(args):
        if value is True and arg == option:
            return True
        if arg == option and i + 1 < len(args) and args[i + 1] == str(value):
            return True
        if arg == f"{option}={value}":
            return True
    return False


def profile_of_plain_launch(exp: ExperimentView, args: list[str]) -> str:
    """The profile whose own ``args`` the launch carries (the one with most of them), else ``full``."""
    data = exp.config_data if isinstance(exp.config_data, dict) else {}
    best, best_count = FULL, 0
    for profile in exp.profiles:
        body = (data.get("profiles") or {}).get(profile)
        own = body.get("args") if isinstance(body, dict) else None
        if not isinstance(own, dict):
            continue
        wanted = {k: v for k, v in own.items() if "{run_dir}" not in str(v)}
        if wanted and len(wanted) > best_count and all(_carries(args, str(k), v) for k, v in wanted.items()):
            best, best_count = profile, len(wanted)
    return best


def wrapped_run_launch(launch: Launch, cwd: str) -> RunLaunch | None:
    """A RunLaunch for ``labrails run NAME -- CMD`` or a plain launch of a wrapped script (else None)."""
    from labrails.guard.runs import RunLaunch, option_value, resolve_path

    if launch.kind == "labrails" and launch.args[:1] == ["run"]:
        rest = list(launch.args[1:])
        cmd = rest[rest.index("--") + 1:] if "--" in rest else []
        head = rest[:rest.index("--")] if "--" in rest else rest
        positional = [a for a in head if not a.startswith("-")]
        name = positional[0] if positional else None
        env = dict(launch.env)
        while cmd and "=" in cmd[0] and not cmd[0].startswith("-"):
            key, value = cmd.pop(0).split("=", 1)
            env[key] = value
        exp_root = find_experiment_root(resolve_path(cwd, launch.cwd, option_value(head, "--experiment") or option_value(head, "-e") or "."))
        if exp_root is None or name is None:
            return None
        exp = ExperimentView(exp_root)
        if not cmd:
            data = exp.config_data if isinstance(exp.config_data, dict) else {}
            cmd = str(data.get("command") or "").split()
        script = next((t for t in cmd if t.endswith((".py", ".sh"))), None)
        if script is None:
            return None
        profile = option_value(head, "--profile")
        if profile is None:
            from labrails.core.naming import profile_from_name

            profile = profile_from_name(name, exp.profiles)
        base = launch.cwd or "."
        run = RunLaunch(launch, resolve_path(cwd, base, script), exp, name, profile)
        run.args = cmd[cmd.index(script) + 1:]
        run.env = env
        return run
    if launch.kind != "script" or not launch.script:
        return None
    path = resolve_path(cwd, launch.cwd, launch.script)
    root = find_experiment_root(os.path.dirname(path))
    if root is None:
        return None
    exp = ExperimentView(root)
    target = wrapped_script(exp)
    if target is None or os.path.normpath(os.path.relpath(path, root)) != target:
        return None
    return RunLaunch(launch, path, exp, None, profile_of_plain_launch(exp, list(launch.args)))


def plain_launch_of_wrapped_script(run: RunLaunch, _request) -> str | None:
    """The rule: a wrapped script launched without `labrails run` records no run; say how to launch it."""
    if run.launch.kind == "labrails" or run.name is not None:
        return None
    if wrapped_script(run.exp) is None:
        return None
    script = os.path.relpath(run.script, run.exp.root)
    return (f"this experiment runs {script} through `labrails run` (config.yaml's `command:`), which records the "
            f"run and passes the profile's arguments. Launch it as `labrails run {run.profile}` (or "
            f"`labrails run {run.profile} -- COMMAND` with arguments the profile does not set).")
