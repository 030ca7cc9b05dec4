"""Peel launcher wrappers off an argv: ``nohup``, ``timeout 600``, ``env X=1``, ``uv run``, ``torchrun``...

Each wrapper has one small function that knows its options and returns the argv it would run; the
table :data:`WRAPPERS` maps a program name to that function. To see through a new wrapper, write its
function and add it to the table (and, if it starts Python itself, its name to
:mod:`labrails.guard.vocabulary`). Standard library only.
"""

from __future__ import annotations

import re

from labrails.guard.lazyre import lazy
from labrails.guard.shell.command import ASSIGNMENT, SHELLS, basename

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["WRAPPERS", "short_width", "skip_options", "unwrap"]


def short_width(option: str, short_values: str) -> int:
    """Words taken by a short-option cluster: 2 when its value-taking letter ends the word."""
    for k, ch in enumerate(option[1:], start=1):
        if ch in short_values:
            return 1 if k + 1 < len(option) else 2
    return 1


def skip_options(args: list[str], i: int, short_values: str = "", long_values: frozenset[str] = frozenset()) -> int:
    """Index of the first operand, GNU style: options first, ``--`` ends them."""
    while i < len(args):
        a = args[i]
        if a == "--":
            return i + 1
        if not a.startswith("-") or a == "-":
            return i
        if a.startswith("--"):
            i += 2 if "=" not in a and a in long_values else 1
        else:
            i += short_width(a, short_values)
    return len(args)


_PYTHONISH = lazy(r"(?:python|pypy|ipython)[0-9.]*[a-z]?(?:\.exe)?\Z|py\Z")


def _looks_like_program(word: str) -> bool:
    base = basename(word)
    return base.endswith(".py") or bool(_PYTHONISH.match(base)) or base in SHELLS


def _option_width(args: list[str], i: int, flags: frozenset[str]) -> int:
    """Words taken by option args[i] of a launcher with too many options to list: unless it is a
    known flag, an option takes the next word as its value, except when that word is clearly the
    program to launch."""
    a = args[i]
    if "=" in a or a in flags:
        return 1
    nxt = args[i + 1] if i + 1 < len(args) else None
    if nxt is None or nxt.startswith("-") or _looks_like_program(nxt):
        return 1
    return 2


def _skip_guessing(args: list[str], i: int, flags: frozenset[str]) -> int:
    while i < len(args):
        a = args[i]
        if a == "--":
            return i + 1
        if not a.startswith("-") or a == "-":
            return i
        i += _option_width(args, i, flags)
    return len(args)


# One peeled wrapper: (name as a user would say it, the argv it runs, environment it adds).
_Step = tuple[str, list[str], dict[str, str]]

_UV_LONG_VALUES = frozenset(
    """--with --with-editable --with-requirements --python --env-file --extra --no-extra --group
    --no-group --only-group --package --index --default-index --index-url --extra-index-url
    --find-links --index-strategy --keyring-provider --resolution --prerelease --fork-strategy
    --exclude-newer --exclude-newer-package --config-setting --config-settings-package --link-mode
    --reinstall-package --refresh-package --upgrade-package --no-build-package --no-binary-package
    --no-build-isolation-package --python-platform --cache-dir --color --directory --project
    --config-file --allow-insecure-host --from""".split()
)
_UV_SHORT_VALUES = "piCPfw"

_SIMPLE_WRAPPERS: dict[str, tuple[str, frozenset[str], int]] = {
    # name: (short options taking a value, long options taking a value, operands before the command)
    "nohup": ("", frozenset(), 0),
    "timeout": ("sk", frozenset({"--signal", "--kill-after"}), 1),
    "nice": ("n", frozenset({"--adjustment"}), 0),
    "ionice": ("cnpPu", frozenset({"--class", "--classdata", "--pid", "--pgid", "--uid"}), 0),
    "stdbuf": ("ioe", frozenset({"--input", "--output", "--error"}), 0),
    "time": ("fo", frozenset({"--format", "--output"}), 0),
    "exec": ("a", frozenset(), 0),
    "setsid": ("", frozenset(), 0),
    "caffeinate": ("tw", frozenset(), 0),
    "doas": ("uC", frozenset(), 0),
    "chrt": ("TPD", frozenset({"--sched-runtime", "--sched-period", "--sched-deadline"}), 1),
    "taskset": ("", frozenset(), 1),
    "unbuffer": ("", frozenset(), 0),
}
_SUDO_LONG_VALUES = frozenset(
    "--user --group --close-from --chdir --host --prompt --role --type --command-timeout --other-user --chroot".split()
)
_RUN_SUBCOMMAND = {
    # tool: (short options taking a value, long options taking a value), for `tool [opts] run [opts] cmd`
    "pixi": ("e", frozenset({"--environment", "--manifest-path", "--color", "--concurrent-solves",
                             "--concurrent-downloads", "--pypi-keyring-provider", "--auth-file"})),
    "poetry": ("CP", frozenset({"--directory", "--project"})),
    "pipenv": ("", frozenset({"--python"})),
    "pdm": ("pL", frozenset({"--project", "--venv", "--lockfile"})),
    "rye": ("", frozenset({"--pyproject"})),
    "hatch": ("ep", frozenset({"--env", "--project", "--data-dir", "--cache-dir", "--config", "--color"})),
    "conda": ("npa", frozenset({"--name", "--prefix", "--cwd", "--attach", "--label", "--env"})),
    "mamba": ("npa", frozenset({"--name", "--prefix", "--cwd", "--attach", "--label", "--env"})),
    "micromamba": ("npa", frozenset({"--name", "--prefix", "--cwd", "--attach", "--label", "--env"})),
}
_ACCELERATE_FLAGS = frozenset(
    """--cpu --multi_gpu --tpu --use_deepspeed --use_fsdp --use_megatron_lm --use_xpu --debug -q
    --quiet --no_python --same_network --tpu_use_cluster --tpu_use_sudo --downcast_bf16
    --dynamo_use_fullgraph --dynamo_use_dynamic --enable_cpu_affinity -h --help""".split()
)
_TORCHRUN_FLAGS = frozenset("--standalone --no-python --no_python --run-path --run_path -h --help".split())
_DEEPSPEED_FLAGS = frozenset(
    """--no_python --no_local_rank --force_multi --bind_cores_to_rank --elastic_training
    --no_ssh_check --save_pid --no_ssh -h --help""".split()
)
_MPIRUN_FLAGS = frozenset(
    """--oversubscribe -oversubscribe --allow-run-as-root --tag-output -tag-output --timestamp-output
    --report-bindings --display-map --display-allocation -v --verbose -q --quiet --noprefix --nolocal
    -nolocal --use-hwthread-cpus -d --debug --bind-to-core""".split()
)
_SRUN_FLAGS = frozenset(
    """--pty --exclusive --label --unbuffered --overcommit --quiet --verbose --exact --overlap --no-kill
    --kill-on-bad-exit --oversubscribe --hold --multi-prog --spread-job --test-only --usage --help
    --contiguous --disable-status --preserve-env --reboot --x11 --whole --use-min-nodes""".split()
)
_SRUN_SHORT_VALUES = "ABcCdDeGiJLmMnNopqrStTwWx"


def _unwrap_distributed(name: str, args: list[str], flags: frozenset[str]) -> _Step | None:
    # These launchers run a Python file (or, with -m/--module, a module) in every worker.
    module = no_python = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        if a in ("-m", "--module"):
            module = True
            i += 1
            continue
        no_python = no_python or a in ("--no-python", "--no_python")
        i += _option_width(args, i, flags)
    rest = args[i:]
    if not rest:
        return None
    if module and not no_python:
        return name, ["python", "-m", *rest], {}
    return name, rest, {}


def _env(base: str, args: list[str]) -> _Step | None:
    import shlex  # only for the rare `env -S`; kept off the hook's import path

    env: dict[str, str] = {}
    args = list(args)
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            if a == "-":
                i += 1
                continue
            break
        if a in ("-S", "--split-string") or a.startswith(("-S", "--split-string=")):
            if a in ("-S", "--split-string"):
                text = args[i + 1] if i + 1 < len(args) else ""
                width = 2
            else:
                text = a.split("=", 1)[1] if a.startswith("--") else a[2:]
                width = 1
            try:
                words = shlex.split(text)
            except ValueError:
                words = text.split()
            args[i : i + width] = words
            continue
        if a in ("-u", "--unset", "-C", "--chdir"):
            i += 2
            continue
        i += 1
    while i < len(args):
        m = ASSIGNMENT.match(args[i])
        if not m or args[i][m.end() - 2 : m.end()] == "+=":
            break
        env[m.group(1)] = args[i][m.end() :]
        i += 1
    rest = args[i:]
    if not rest:
        return None
    return "env", rest, env


def _simple(base: str, args: list[str]) -> _Step | None:
    shorts, longs, operands = _SIMPLE_WRAPPERS[base]
    if base == "taskset" and any(a.startswith("-") and "p" in a.lstrip("-") for a in args[:2]):
        return None
    i = skip_options(args, 0, shorts, longs) + operands
    rest = args[i:]
    return (base, rest, {}) if rest else None


def _command(base: str, args: list[str]) -> _Step | None:
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        if "v" in args[i] or "V" in args[i]:
            return None  # `command -v x` looks x up instead of running it
        i += 1
    if i < len(args) and args[i] == "--":
        i += 1
    rest = args[i:]
    return ("command", rest, {}) if rest else None


def _sudo(base: str, args: list[str]) -> _Step | None:
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        a = args[i]
        if a == "--":
            i += 1
            break
        if a in ("-l", "--list", "-e", "--edit", "-v", "--validate", "-V", "--version", "-K"):
            return None  # lists, edits or validates instead of running a command
        if a.startswith("--"):
            i += 2 if "=" not in a and a in _SUDO_LONG_VALUES else 1
        else:
            i += short_width(a, "ugCDhprtTUR")
    env: dict[str, str] = {}
    while i < len(args):
        m = ASSIGNMENT.match(args[i])
        if not m:
            break
        env[m.group(1)] = args[i][m.end() :]
        i += 1
    rest = args[i:]
    return ("sudo", rest, env) if rest else None


def _uv(base: str, args: list[str]) -> _Step | None:
    i = skip_options(args, 0, _UV_SHORT_VALUES, _UV_LONG_VALUES)
    if i < len(args) and args[i] == "run":
        return _unwrap_uv_run("uv run", args[i + 1 :])
    if i + 1 < len(args) and args[i] == "tool" and args[i + 1] == "run":
        return _unwrap_uvx("uv tool run", args[i + 2 :])
    return None


def _uvx(base: str, args: list[str]) -> _Step | None:
    return _unwrap_uvx("uvx", args)


def _run_subcommand(base: str, args: list[str]) -> _Step | None:
    shorts, longs = _RUN_SUBCOMMAND[base]
    i = skip_options(args, 0, shorts, longs)
    if i >= len(args) or args[i] != "run":
        return None
    i = skip_options(args, i + 1, shorts, longs)
    rest = args[i:]
    if base == "hatch" and rest:
        # `hatch run env:cmd` names the environment inline.
        m = re.match(r"[A-Za-z0-9_.+-]+:(?!//)(.+)", rest[0])
        if m:
            rest = [m.group(1), *rest[1:]]
    return (f"{base} run", rest, {}) if rest else None


def _accelerate(base: str, args: list[str]) -> _Step | None:
    if args[:1] != ["launch"]:
        return None
    return _unwrap_distributed("accelerate launch", args[1:], _ACCELERATE_FLAGS)


def _torchrun(base: str, args: list[str]) -> _Step | None:
    return _unwrap_distributed("torchrun", args, _TORCHRUN_FLAGS)


def _deepspeed(base: str, args: list[str]) -> _Step | None:
    return _unwrap_distributed("deepspeed", args, _DEEPSPEED_FLAGS)


def _mpirun(base: str, args: list[str]) -> _Step | None:
    env = {}
    for k, a in enumerate(args[:-1]):
        if a == "-x":
            m = ASSIGNMENT.match(args[k + 1])
            if m:
                env[m.group(1)] = args[k + 1][m.end() :]
    i = _skip_guessing(args, 0, _MPIRUN_FLAGS)
    rest = args[i:]
    return (base, rest, env) if rest else None


def _srun(base: str, args: list[str]) -> _Step | None:
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        if a.startswith("--"):
            i += 1 if "=" in a or a in _SRUN_FLAGS else _option_width(args, i, _SRUN_FLAGS)
        else:
            i += short_width(a, _SRUN_SHORT_VALUES)
    rest = args[i:]
    return ("srun", rest, {}) if rest else None


def _screen(base: str, args: list[str]) -> _Step | None:
    seen = ""
    i = 0
    while i < len(args) and args[i].startswith("-") and len(args[i]) > 1:
        a = args[i]
        if a == "--":
            i += 1
            break
        if a[1:].startswith(("X", "r", "R", "x", "ls", "list", "wipe")):
            return None  # talks to an existing session instead of starting a command
        seen += a[1:]
        i += short_width(a, "ScehpstT")
    rest = args[i:]
    detached = "m" in seen and ("d" in seen or "D" in seen)
    return ("screen -dm" if detached else "screen", rest, {}) if rest else None


def _unwrap_uv_run(name: str, args: list[str]) -> _Step | None:
    i = 0
    module = False
    script = False
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        if a in ("-m", "--module"):
            module = True
        elif a in ("-s", "--script"):
            script = True
        if a.startswith("--"):
            i += 2 if "=" not in a and a in _UV_LONG_VALUES else 1
            continue
        i += short_width(a, _UV_SHORT_VALUES)
    rest = args[i:]
    if not rest:
        return None
    # uv runs these with Python itself; spell that out so callers see an ordinary interpreter call.
    if module:
        return name, ["python", "-m", *rest], {}
    if rest[0] == "-" or (script and not rest[0].endswith(".py")):
        return name, ["python", *rest], {}
    return name, rest, {}


def _unwrap_uvx(name: str, args: list[str]) -> _Step | None:
    i = skip_options(args, 0, _UV_SHORT_VALUES, _UV_LONG_VALUES)
    rest = args[i:]
    if not rest:
        return None
    tool = rest[0].split("@", 1)[0] if not rest[0].startswith("@") else rest[0]
    return name, [tool, *rest[1:]], {}


# Program name -> the function that peels it: (name, args after it) -> (wrapper, argv it runs, env) or
# None when this invocation does not run a command (`sudo -l`, `uv pip`, `screen -r`...).
WRAPPERS: dict[str, Callable[[str, list[str]], _Step | None]] = {
    **dict.fromkeys(_SIMPLE_WRAPPERS, _simple),
    "env": _env,
    "command": _command,
    "sudo": _sudo,
    "uv": _uv,
    "uvx": _uvx,
    **dict.fromkeys(_RUN_SUBCOMMAND, _run_subcommand),
    "accelerate": _accelerate,
    "torchrun": _torchrun,
    "deepspeed": _deepspeed,
    "mpirun": _mpirun,
    "mpiexec": _mpirun,
    "srun": _srun,
    "screen": _screen,
}


def unwrap(argv: list[str]) -> tuple[list[str], list[str], dict[str, str]]:
    """Strip launcher wrappers (``nohup``, ``timeout 600``, ``env X=1``, ``uv run``, ``torchrun``...).

    Returns ``(core_argv, wrappers_seen, env_from_wrappers)``; wrappers are named as a user would say
    them ("nohup", "uv run", "accelerate launch").  When uv, torchrun or accelerate would start Python
    with ``-m`` (or read stdin), the core argv spells out ``python`` so callers see a plain
    interpreter call.  Never raises: anything unrecognised is left in the core argv.
    """
    core = list(argv)
    wrappers: list[str] = []
    env: dict[str, str] = {}
    for _ in range(32):
        if not core:
            break
        name = basename(core[0])
        peel = WRAPPERS.get(name)
        step = peel(name, core[1:]) if peel is not None else None
        if step is None:
            break
        name, core, extra = step
        wrappers.append(name)
        env.update(extra)
    return core, wrappers, env
