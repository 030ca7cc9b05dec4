"""Which launches are runs of an experiment, and of which profile: the guard's view of a launch.

A launch becomes a :class:`RunLaunch` when its script lives in an experiment; its profile is the
``--profile`` option or the one the run name implies (``full-lr3`` -> ``full``), as `labrails.start_run`
would pick it. A run with no profile is a helper script (analysis, data generation) or ``--help``.
"""

from __future__ import annotations

import os

from labrails.core.expview import ExperimentView, find_experiment_root

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.guard.shell.launches import Launch


class RunLaunch:
    __slots__ = ("launch", "script", "exp", "name", "profile", "args", "env")

    def __init__(self, launch: Launch, script: str, exp: ExperimentView, name: str | None, profile: str | None):
        self.launch, self.script, self.exp, self.name, self.profile = launch, script, exp, name, profile
        self.args = list(launch.args)
        self.env = dict(launch.env)


def resolve_path(cwd: str, sub_cwd: str | None, path: str) -> str:
    """``path`` as the command would see it: relative to the directory a ``cd`` in it moved to."""
    base = cwd
    if sub_cwd:
        base = os.path.join(cwd, os.path.expanduser(sub_cwd))
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def option_value(args: list[str], option: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


def as_run_launch(launch: Launch, cwd: str) -> RunLaunch | None:
    if launch.kind == "labrails" and launch.args[:1] == ["run"] or launch.kind == "script" and launch.script:
        from labrails.guard.wrapped import wrapped_run_launch  # `labrails run`, and scripts it wraps

        wrapped = wrapped_run_launch(launch, cwd)
        if wrapped is not None:
            return wrapped
    if launch.kind != "script" or not launch.script:
        return None
    script = resolve_path(cwd, launch.cwd, launch.script)
    root = find_experiment_root(os.path.dirname(script))
    if root is None:
        return None
    exp = ExperimentView(root)
    positional = [a for a in launch.args if not a.startswith("-")]
    name = positional[0] if positional else None
    profile = option_value(launch.args, "--profile")
    if profile is None and name is not None:
        # naming brings datetime, which costs more than the rest of this module; only runs need it.
        from labrails.core.naming import profile_from_name

        profile = profile_from_name(name, exp.profiles)
    return RunLaunch(launch, script, exp, name, profile)


def launch_text(run: RunLaunch) -> str:
    """The run as spec.yaml's phase patterns see it: ``script args``, relative to the experiment."""
    return " ".join([os.path.relpath(run.script, run.exp.root), *run.args])
