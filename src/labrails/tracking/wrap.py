"""``labrails run NAME -- CMD ...``: any command as a run, with no change to the script it launches.

```bash
labrails run de-risk -- python main.py            # config.yaml: de-risk: {args: {--epochs: 1}}
labrails run full -- torchrun --nproc_per_node 2 main.py
labrails run full                                 # the command is config.yaml's `command:`
```

The run starts through :func:`labrails.start_run` (same profiles, dedup and start policy as every run);
its identity covers the resolved config, the command's arguments (order-free) and the code of the
script and the local modules it imports. The profile's ``args`` are appended to the command, and the
argv the child really received is read back and checked to hold them, so a script's defaults cannot
silently win. The child's stdout and stderr go to the terminal as they come and, line by line with
timestamps, into logs/train.log; SIGINT, SIGTERM and SIGHUP are forwarded to it; its exit status
decides completed or failed. Inside, ``LABRAILS_RUN_DIR`` and friends (:data:`CHILD_ENV`) let the
script log through :func:`labrails.current_run`, or write a metrics file (JSONL or CSV) and a final
metrics JSON that labrails picks up when it exits.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from labrails.core.experiment import Experiment
    from labrails.tracking.run import Run

# What the child finds in its environment (see tracking/attached.py).
CHILD_ENV = ("LABRAILS_RUN_DIR", "LABRAILS_RUN_NAME", "LABRAILS_PROFILE", "LABRAILS_EXPERIMENT", "LABRAILS_CONFIG",
             "LABRAILS_METRICS_FILE", "LABRAILS_FINAL_METRICS")
SCRIPT_METRICS = "logs/script_metrics.jsonl"   # default LABRAILS_METRICS_FILE, relative to the run
SCRIPT_FINAL = "script_metrics.json"           # default LABRAILS_FINAL_METRICS, relative to the run
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
STEP_KEYS = ("step", "global_step", "iteration", "iter", "epoch")


class CommandFailed(Exception):
    """The wrapped command exited with a non-zero status (or was killed by a signal)."""


# --------------------------------------------------------------------------- the command line
def split_command(command: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """``FOO=1 python main.py`` -> ({"FOO": "1"}, ["python", "main.py"]), as a shell would run it."""
    env: dict[str, str] = {}
    items = list(command)
    while items and _ASSIGNMENT.match(items[0]):
        key, value = items.pop(0).split("=", 1)
        env[key] = value
    return env, items


def command_from_config(values: Mapping[str, Any], config_path: Path) -> list[str]:
    """config.yaml's ``command:`` (text or a list), for ``labrails run NAME`` without ``-- CMD``."""
    command = values.get("command")
    if isinstance(command, str) and command.strip():
        return shlex.split(command)
    if isinstance(command, list) and command:
        return [str(c) for c in command]
    raise LabrailsError("no command to run", path=config_path,
                        fix="pass it after `--` (labrails run de-risk -- python main.py), or set `command: python main.py` in config.yaml")


def profile_argv(args: Mapping[str, Any] | None) -> list[str]:
    """A profile's ``args`` as command-line tokens: ``{--epochs: 1, --cuda: true, --x: null}`` -> ``--epochs 1 --cuda``."""
    out: list[str] = []
    for option, value in (args or {}).items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(str(option))
        elif isinstance(value, list):
            out.extend([str(option), *(_text(v) for v in value)])
        else:
            out.extend([str(option), _text(value)])
    return out


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def script_of(command: Sequence[str], cwd: Path) -> Path | None:
    """The file whose code the command runs: ``main.py`` in ``python main.py`` / ``torchrun ... main.py`` /
    ``accelerate launch main.py``, the module of ``python -m pkg``, or the program itself (``./train.sh``)."""
    for i, token in enumerate(command):
        if token == "-m" and i + 1 < len(command):
            module = command[i + 1].split(".")
            base = cwd.joinpath(*module)
            for candidate in (base / "__main__.py", base.with_suffix(".py")):
                if candidate.is_file():
                    return candidate.resolve()
            return None
        if token.endswith((".py", ".sh")) and (cwd / token).is_file():
            return (cwd / token).resolve()
    if command and (cwd / command[0]).is_file() and os.sep in command[0]:
        return (cwd / command[0]).resolve()
    return None


def identity_args(env: Mapping[str, str], command: Sequence[str], script: Path | None, root: Path) -> list[str]:
    """What of the command line makes a different run: its arguments (the interpreter's path does not)
    and the environment it sets; the script is named relative to the experiment."""
    tokens = list(command)
    if tokens and _PYTHON.match(os.path.basename(tokens[0])):
        tokens = tokens[1:]
    if script is not None:
        tokens = [os.path.relpath(script, root) if _same_file(t, script) else t for t in tokens]
    return [*(f"{k}={v}" for k, v in sorted(env.items())), *tokens]


def _same_file(token: str, script: Path) -> bool:
    try:
        return Path(token).resolve() == script
    except OSError:
        return False


def check_profile_args(user: Sequence[str], profile_args: Mapping[str, Any] | None, profile: str, config_path: Path) -> None:
    """The command may not set an option the profile sets: argparse would take the last one, so one of
    the two would silently lose."""
    for option in profile_args or {}:
        name = str(option)
        for token in user:
            if token == name or token.startswith(name + "="):
                raise LabrailsError(
                    f"the command sets {name} and profile '{profile}' sets it too (args in config.yaml)",
                    path=config_path,
                    fix=f"remove {name} from the command (the profile decides it), or from the profile's args",
                )


def verify_argv(seen: Sequence[str], expected: Sequence[str]) -> str | None:
    """Why ``seen`` (the child's real argv) does not end with the profile's arguments ``expected``, or None."""
    if not expected:
        return None
    tail = list(seen[-len(expected):]) if len(seen) >= len(expected) else list(seen)
    if tail != list(expected):
        return f"the command received {shlex.join(seen)}, which does not end with the profile's arguments {shlex.join(expected)}"
    return None


def _child_argv(pid: int) -> list[str] | None:
    """The argv the kernel gave process ``pid`` (Linux /proc), read right after it started."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0")[:-1]] or None


def _fill(token: str, run_dir: Path) -> str:
    return token.replace("{run_dir}", str(run_dir))


# --------------------------------------------------------------------------- metrics the script wrote
def read_metric_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL or CSV metrics file (one dict per line / row; numbers parsed)."""
    import json

    rows: list[dict[str, Any]] = []
    if path.suffix.lower() == ".csv":
        import csv

        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows.append({k: _number(v) for k, v in row.items() if k is not None})
        return rows
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a partial last line of a killed script
            if isinstance(record, dict):
                rows.append(record)
    return rows


def _number(text: Any) -> Any:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    return int(value) if value.is_integer() and "." not in str(text) and "e" not in str(text).lower() else value


def ingest_metrics(run: Run, path: Path) -> int:
    """Log every numeric value of a script's metrics file through the run; returns how many records.

    Rows may be long (``{"name": "loss", "value": 0.3, "step": 5}``) or wide (``{"epoch": 1, "loss": 0.3}``);
    the step is the first of :data:`STEP_KEYS` present (else the row number, from 1)."""
    count = 0
    for number, row in enumerate(read_metric_rows(path), 1):
        split = row.get("split") if isinstance(row.get("split"), str) else None
        epoch = row.get("epoch") if isinstance(row.get("epoch"), int) else None
        if "name" in row and "value" in row:
            values = {str(row["name"]): row["value"]}
            step = row.get("step", number)
        else:
            key = next((k for k in STEP_KEYS if isinstance(row.get(k), (int, float))), None)
            step = int(row[key]) if key else number
            values = {k: v for k, v in row.items()
                      if k not in STEP_KEYS and k != "split" and isinstance(v, (int, float)) and not isinstance(v, bool)}
        for name, value in values.items():
            run.log_metric(name, value, step=step, epoch=epoch, split=split)
            count += 1
    return count


# --------------------------------------------------------------------------- streaming
class _Stream(threading.Thread):
    """Copies one of the child's pipes to the terminal as it comes and to the log line by line."""

    def __init__(self, fd: int, terminal, log, label: str):
        super().__init__(name=f"labrails-{label}", daemon=True)
        self.fd, self.terminal, self.log, self.label = fd, terminal, log, label
        self.tail: list[str] = []

    def run(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            if self.terminal is not None:
                try:
                    self.terminal.write(chunk)
                    self.terminal.flush()
                except (OSError, ValueError):
                    self.terminal = None
            pending += chunk
            # \r ends a progress-bar update (tqdm): each one is a line in the log too.
            *lines, pending = re.split(rb"\r\n|\n|\r", pending)
            for line in lines:
                self._emit(line)
        if pending:
            self._emit(pending)
        os.close(self.fd)

    def _emit(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            return
        self.log(self.label, line)
        self.tail = (self.tail + [line])[-20:]


# --------------------------------------------------------------------------- the run
def run_command(name: str, command: Sequence[str] | None = None, *, profile: str | None = None,
                experiment: Path | str | None = None, force: bool = False, metrics_file: str | None = None,
                final_metrics: str | None = None, cwd: Path | str | None = None, echo: bool = True) -> int:
    """Run ``command`` as the run ``name``; returns the exit code ``labrails run`` exits with.

    An identical completed run is not repeated (its location is printed, exit 0) unless ``force``.
    """
    from labrails.core import config as config_mod
    from labrails.core.errors import RunAlreadyCompleted
    from labrails.core.experiment import find_experiment
    from labrails.core.naming import sanitize
    from labrails.tracking.run import resolve_profile, start_run

    cwd = Path(cwd or os.getcwd()).resolve()
    exp = find_experiment(experiment or cwd)
    descriptive, _ = sanitize(name)
    chosen = resolve_profile(descriptive, profile, config_mod.profiles_of(exp.config_path), exp.config_path)
    values = config_mod.resolve(exp.config_path, chosen).values
    env_set, user = split_command(list(command) if command else command_from_config(values, exp.config_path))
    if not user:
        raise LabrailsError("the command after `--` is empty", fix="e.g. labrails run de-risk -- python main.py")
    check_profile_args(user, values.get("args"), chosen, exp.config_path)
    script = script_of(user, cwd)
    expected = profile_argv(values.get("args"))
    argv = [*user, *expected]

    quiet = os.environ.get("LABRAILS_QUIET")
    os.environ["LABRAILS_QUIET"] = "1"  # the run's own terminal sink would print the child's lines twice
    try:
        run = start_run(name, experiment=exp.root, profile=chosen, force=force, script=script,
                        command=[*(f"{k}={v}" for k, v in env_set.items()), *argv],
                        args=identity_args(env_set, user, script, exp.root))
    except RunAlreadyCompleted as done:
        print(done.render())
        return 0
    finally:
        if quiet is None:
            os.environ.pop("LABRAILS_QUIET", None)
        else:
            os.environ["LABRAILS_QUIET"] = quiet
    return _supervise(run, exp, argv, expected, env_set, cwd, metrics_file, final_metrics, echo=echo and not quiet)


def _supervise(run: Run, exp: Experiment, argv: list[str], expected: list[str], env_set: dict[str, str], cwd: Path,
               metrics_file: str | None, final_metrics: str | None, *, echo: bool) -> int:
    import subprocess

    from loguru import logger

    argv = [_fill(a, run.dir) for a in argv]
    expected = [_fill(a, run.dir) for a in expected]
    child_env = {
        "LABRAILS_RUN_DIR": str(run.dir), "LABRAILS_RUN_NAME": run.name, "LABRAILS_PROFILE": run.profile,
        "LABRAILS_EXPERIMENT": str(exp.root), "LABRAILS_CONFIG": str(run.dir / "config.yaml"),
        "LABRAILS_METRICS_FILE": str(run.dir / SCRIPT_METRICS), "LABRAILS_FINAL_METRICS": str(run.dir / SCRIPT_FINAL),
    }
    env = {**os.environ, **env_set, **child_env}
    env.setdefault("PYTHONUNBUFFERED", "1")  # lines reach the log as they are printed, not at exit
    run.info["wrapped"] = {"argv": argv, "cwd": str(cwd), "env": env_set, "labrails_env": child_env}
    sink = None
    if echo:
        sink = logger.add(sys.stderr, format="<green>{time:HH:mm:ss}</green> | {level: <7} | {message}", level="INFO",
                          filter=lambda record: "child" not in record["extra"])
    for label, number in (("STDOUT", 21), ("STDERR", 22)):
        try:
            logger.level(label, no=number)
        except (TypeError, ValueError):
            pass  # defined by an earlier run in this process
    child_log = logger.bind(child=True)
    if echo:
        print(f"labrails: run {run.name} | profile {run.profile} | identity {run.identity} | dir {run.dir}", file=sys.stderr)
    run.log.info("command: " + shlex.join([*(f"{k}={v}" for k, v in env_set.items()), *argv]))
    try:
        record_declared_data(run, exp)
    except LabrailsError as exc:
        run.fail(exc)
        _remove(sink)
        raise

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
                                start_new_session=True)  # our signal handlers decide what reaches it
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        run.fail(LabrailsError(f"could not start {argv[0]!r}: {exc.strerror or exc}",
                               fix="check the command after `--` (is the program installed and on PATH?)"))
        _remove(sink)
        return 127
    os.close(out_w)
    os.close(err_w)
    streams = [_Stream(out_r, _terminal(sys.stdout) if echo else None, lambda lvl, line: child_log.log(lvl, line), "STDOUT"),
               _Stream(err_r, _terminal(sys.stderr) if echo else None, lambda lvl, line: child_log.log(lvl, line), "STDERR")]
    for stream in streams:
        stream.start()
    seen = _child_argv(proc.pid)
    run.info["wrapped"]["argv_seen"] = seen
    problem = verify_argv(seen, expected) if seen is not None else None

    forwarded: list[str] = []

    def forward(signum, _frame):
        forwarded.append(signal.Signals(signum).name)
        try:
            os.killpg(proc.pid, signum)
        except OSError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED} if threading.current_thread() is threading.main_thread() else {}
    try:
        if problem:
            os.killpg(proc.pid, signal.SIGTERM)
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for stream in streams:
        stream.join()

    run.info["wrapped"].update(exit_status=code, signals_forwarded=forwarded)
    picked = _pick_up_metrics(run, metrics_file, final_metrics)
    try:
        if problem:
            raise CommandFailed(problem + ": the profile's settings did not reach the script")
        if code != 0:
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
            tail = "\n".join(streams[1].tail[-10:] or streams[0].tail[-10:])
            raise CommandFailed(f"{shlex.join(argv)} {how}" + (f"; last output:\n{tail}" if tail else ""))
        run.finish(picked)
    except CommandFailed as exc:
        run.fail(exc)
    finally:
        _remove(sink)
    _review(run, echo=echo)
    if problem:
        return 2
    return code if code >= 0 else 128 - code


def record_declared_data(run: Run, exp: Experiment) -> None:
    """A wrapped script records nothing itself, so what config.yaml's ``data:`` declares is fingerprinted here,
    before the command starts: ``source`` a loader that ships with a package (``sklearn.datasets.load_digits``),
    ``files`` the files the command reads. data.json says labrails recorded it from the declaration, not from
    what the command loaded. Without a declaration nothing is recorded, and the review says so."""
    import importlib

    declared = run.config.get("data") if isinstance(run.config.get("data"), dict) else {}
    source, files = declared.get("source"), declared.get("files") or []
    if not source and not files:
        return
    where = "data.source"
    objects: tuple = ()
    rows = counts = None
    if isinstance(source, str) and "." in source and not files:
        module, _, attr = source.rpartition(".")
        try:
            loader = getattr(importlib.import_module(module), attr)
            loaded = loader(return_X_y=True)
        except (ImportError, AttributeError, TypeError) as exc:
            raise LabrailsError(f"{where} names {source!r}, which labrails cannot load ({exc})", path=exp.config_path,
                                fix="name a loader that ships with an installed package (sklearn.datasets.load_digits), "
                                    "or list the files the command reads under data.files") from None
        objects = tuple(loaded)
        target = objects[-1]
        rows = {"all": int(len(target))}
        counts = {str(k): int(v) for k, v in zip(*_unique_counts(target))}
    paths = [Path(_fill(str(f), run.dir)) if Path(str(f)).is_absolute() else exp.root / str(f) for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise LabrailsError(f"data.files lists {', '.join(missing)}, which does not exist", path=exp.config_path,
                            fix="list the data files the command reads, relative to the experiment")
    run.record_data(source=str(source or ", ".join(str(f) for f in files)), fingerprint_of=objects or None, files=paths,
                    rows=rows, class_counts=counts,
                    notes="declared in config.yaml (data:) and fingerprinted by `labrails run` before the command "
                          "started; the command's own loading is not observed")


def _unique_counts(values: Any) -> tuple[list, list]:
    import numpy as np

    labels, counts = np.unique(np.asarray(values), return_counts=True)
    return labels.tolist(), counts.tolist()


def _review(run: Run, *, echo: bool) -> None:
    """The post-run review, as the scaffolds end: a de-risk run vouches for full runs only once it passed."""
    from labrails.review import review_run

    try:
        review = review_run(run.dir)
    except Exception as exc:  # noqa: BLE001  (the run's outcome is recorded; `labrails review RUN` can redo this)
        print(f"labrails: could not review {run.name}: {exc}", file=sys.stderr)
        return
    if echo:
        print(f"labrails: review: {review['headline']}  (details: {run.dir / 'review.md'})", file=sys.stderr)


def _pick_up_metrics(run: Run, metrics_file: str | None, final_metrics: str | None) -> dict[str, Any]:
    """Metrics a script wrote itself: a JSONL/CSV file of rows, and a JSON of final values."""
    import json

    cfg = run.config
    series = [run.dir / SCRIPT_METRICS]
    named = metrics_file or cfg.get("metrics_file")
    if named:
        series.append(Path(_fill(str(named), run.dir)))
    for path in series:
        if path.is_file():
            n = ingest_metrics(run, path)
            run.log.info(f"picked up {n} metric values from {path}")
    final: dict[str, Any] = {}
    for path in (run.dir / SCRIPT_FINAL, *((Path(_fill(str(f), run.dir)),) if (f := final_metrics or cfg.get("final_metrics")) else ())):
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                run.log.warning(f"final metrics {path} unreadable: {exc}")
                continue
            if isinstance(data, dict):
                final.update({k: v for k, v in data.items() if isinstance(v, (int, float, str, bool)) or v is None})
    return final


def _terminal(stream):
    return getattr(stream, "buffer", None)


def _remove(sink: int | None) -> None:
    if sink is None:
        return
    from loguru import logger

    try:
        logger.remove(sink)
    except ValueError:
        pass

