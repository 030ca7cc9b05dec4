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
    if launch.kind != "script" or not launch.script or any(c in launch.script for c in "$`*?["):
        return None  # a script word bash would still rewrite is the unresolved-launch rule's to judge
    # A symlink (or a hard-to-spot path) to an experiment's script is that script.
    script = os.path.realpath(resolve_path(cwd, launch.cwd, launch.script))
    root = find_experiment_root(os.path.dirname(script))
    if root is None:
        # A copy of a run script kept outside the experiment, started from inside it, still starts its runs.
        root = find_experiment_root(resolve_path(cwd, launch.cwd, "."))
        if root is None or not _starts_runs(script):
            return None
    exp = ExperimentView(root)
    positional = [a for a in launch.args if not a.startswith("-")]
    name = positional[0] if positional else None
    profile = option_value(launch.args, "--profile")
    if profile is None and name is not None:
        # naming brings datetime, which costs more than the rest of this module; only runs need it.
        from labrails.core.naming import NameProblem, profile_from_name, sanitize

        try:
            plain = sanitize(name)[0] == name
        except NameProblem:
            plain = False
        # A name the library would refuse until tidied ('full ', full@seed2) is the unresolved-launch rule's:
        # it says which name to type, where the run rules would argue about a run that cannot start as typed.
        profile = profile_from_name(name, exp.profiles) if plain else None
    return RunLaunch(launch, script, exp, name, profile)


def _starts_runs(script: str) -> bool:
    try:
        with open(script, encoding="utf-8", errors="replace") as fh:
            code = fh.read(1_000_000)
    except (OSError, ValueError):
        return False
    return "start_run" in code


def launch_text(run: RunLaunch) -> str:
    """The run as spec.yaml's phase patterns see it: ``script args``, relative to the experiment."""
    return " ".join([os.path.relpath(run.script, run.exp.root), *run.args])
