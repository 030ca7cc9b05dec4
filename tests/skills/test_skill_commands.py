"""Every command and API name the skill pack teaches exists in this version of labrails.

Each `labrails ...` line in a code span or code block of a skill (SKILL.md and references/) or an eval is
run with `--help` through the real Typer app: the subcommand must exist, the whole line must parse, and every
option it uses must appear in that command's help. The scaffold's train.py options and the Python names
(`labrails.X`, `run.X`) are checked the same way. test_skill_examples.py then runs every example for real.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import lru_cache
from pathlib import Path

import pytest
import typer.main
from skillpack import EVALS_DIR, REPO, SKILLS_DIR
from skillpack import CodeChunk, Command, commands_in, json_code, load_skills, markdown_code, script_launches
from typer.testing import CliRunner

from labrails.cli.app import app

WIDE = {"COLUMNS": "250", "TERMINAL_WIDTH": "250", "NO_COLOR": "1"}
INTERNAL = {"hook"}  # called by hooks/hooks.json, never by people or agents


def _all_chunks() -> list[CodeChunk]:
    chunks: list[CodeChunk] = []
    for skill in load_skills(SKILLS_DIR):
        for path in skill.files:
            chunks += markdown_code(path)
    for path in sorted(EVALS_DIR.rglob("*.json")) if EVALS_DIR.is_dir() else []:
        chunks += json_code(path)
    for path in sorted(EVALS_DIR.rglob("*.md")) if EVALS_DIR.is_dir() else []:
        chunks += markdown_code(path)
    return chunks


CHUNKS = _all_chunks()


def _all_commands() -> list[Command]:
    out: list[Command] = []
    for chunk in CHUNKS:
        out += commands_in(chunk)
    return out


COMMANDS = _all_commands()


@lru_cache(maxsize=None)
def _cli():
    return typer.main.get_command(app)


def _resolve(argv: list[str]):
    """The click command an argv names, the subcommand path, and the remaining words."""
    cmd, path = _cli(), []
    rest = list(argv[1:])
    while rest and hasattr(cmd, "commands") and rest[0] in cmd.commands:
        path.append(rest[0])
        cmd = cmd.commands[rest.pop(0)]
    return cmd, path, rest


@lru_cache(maxsize=None)
def _help(path: tuple[str, ...]) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*path, "--help"], env=WIDE)
    return result.exit_code, result.output


def _options_of(cmd) -> set[str]:
    names: set[str] = set()
    for param in cmd.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


def test_the_pack_teaches_commands():
    # Guards the extractor itself: a pack that teaches labrails must yield plenty of command lines.
    assert len(COMMANDS) > 50, [c.line for c in COMMANDS]
    taught = {tuple(_resolve(c.argv)[1]) for c in COMMANDS}
    for needed in [("new",), ("review",), ("runs",), ("status",), ("journal", "add"), ("ignore",), ("plot",)]:
        assert needed in taught, f"no skill teaches `labrails {' '.join(needed)}`"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c.argv)[:80])
def test_labrails_command_exists(command: Command):
    cmd, path, rest = _resolve(command.argv)
    where = f"{command.source}: {command.line}"
    assert path, f"`labrails {command.argv[1]}` is not a labrails command ({where})"
    assert path[0] not in INTERNAL, f"skills must not teach the internal `labrails {path[0]}` ({where})"
    runs_alone = getattr(cmd, "invoke_without_command", False)  # `labrails report` writes; `report check` checks
    assert not hasattr(cmd, "commands") or runs_alone, f"`labrails {' '.join(path)}` is a group, not a command ({where})"

    code, text = _help(tuple(path))
    assert code == 0, f"`labrails {' '.join(path)} --help` exited {code} ({where}):\n{text}"

    # The whole line parses too (unknown options fail before --help is honoured).
    whole = CliRunner().invoke(app, [*command.argv[1:], "--help"], env=WIDE)
    assert whole.exit_code == 0, f"`{' '.join(command.argv)} --help` exited {whole.exit_code} ({where}):\n{whole.output}"

    known = _options_of(cmd)
    for word in rest:
        if not word.startswith("-") or word in ("-", "--") or re.match(r"^-\d", word):
            continue
        option = word.split("=", 1)[0]
        assert option in known, f"{option} is not an option of `labrails {' '.join(path)}` ({where}); it has {sorted(known)}"
        assert option in text, f"{option} does not appear in `labrails {' '.join(path)} --help` ({where})"


def _scaffold_options() -> set[str]:
    tree = ast.parse((REPO / "scaffold" / "train.py").read_text(encoding="utf-8"))
    main = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "main")
    options = set()
    for arg, default in zip(main.args.args[-len(main.args.defaults):], main.args.defaults):
        if isinstance(default, ast.Call) and getattr(default.func, "attr", "") == "Option":
            options.add("--" + arg.arg.replace("_", "-"))
    return options


def test_train_py_launches_use_scaffold_options():
    options = _scaffold_options()
    assert {"--profile", "--force"} <= options
    launches = [(chunk.source, argv) for chunk in CHUNKS for argv in script_launches(chunk, "train.py")]
    assert len(launches) > 10
    for source, argv in launches:
        for word in argv:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in options, f"{source}: train.py has no option {word} (it has {sorted(options)})"


# --------------------------------------------------------------------------- the Python API the skills name
_LABRAILS_NAME = re.compile(r"(?<![\w.])labrails((?:\.[A-Za-z_]\w*)+)")
_FROM_IMPORT = re.compile(r"^\s*from\s+(labrails(?:\.\w+)*)\s+import\s+([\w, ]+)", re.M)
_RUN_ATTR = re.compile(r"(?<![\w.])run\.([A-Za-z_]\w*)")
_NOT_ATTRS = {"json", "yaml", "md", "txt", "py", "jsonl"}


def _resolve_dotted(dotted: str):
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


def _python_chunks() -> list[CodeChunk]:
    return [c for c in CHUNKS if c.lang == "python" or (c.kind == "span" and ("(" in c.text or c.text.startswith(("labrails.", "run."))))]


def test_labrails_python_names_exist():
    names: dict[str, str] = {}
    for chunk in _python_chunks():
        for m in _LABRAILS_NAME.finditer(chunk.text):
            names.setdefault("labrails" + m.group(1), chunk.source)
        for m in _FROM_IMPORT.finditer(chunk.text):
            for name in m.group(2).split(","):
                names.setdefault(f"{m.group(1)}.{name.strip()}", chunk.source)
    assert "labrails.write_predictions" in names and "labrails.start_run" in names
    for dotted, source in sorted(names.items()):
        try:
            _resolve_dotted(dotted)
        except (ImportError, AttributeError) as exc:
            pytest.fail(f"{source}: `{dotted}` does not exist in labrails ({exc})")


def test_run_attributes_exist(experiment):
    import labrails

    used: dict[str, str] = {}
    for chunk in _python_chunks():
        for m in _RUN_ATTR.finditer(chunk.text):
            if m.group(1) not in _NOT_ATTRS:
                used.setdefault(m.group(1), chunk.source)
    assert {"record_data", "log_metrics", "finish"} <= set(used)
    with labrails.start_run("de-risk-api-check", experiment=experiment.root, script=experiment.root / "tiny_run.py") as run:
        missing = {name: source for name, source in used.items() if not hasattr(run, name)}
        run.finish({"ok": 1.0})
    assert not missing, f"skills use Run attributes that do not exist: {missing}"


def test_no_unparseable_command_lines():
    # commands_in raises on a labrails line the shell cannot parse; collecting them all proves none did.
    assert all(isinstance(c, Command) for c in COMMANDS)


def test_every_skill_file_was_scanned():
    scanned = {c.source.split(":")[0] for c in CHUNKS}
    for skill in load_skills(SKILLS_DIR):
        for path in skill.files:
            assert str(path) in scanned, f"{path} has no code at all; the command check saw nothing in it"


if __name__ == "__main__":  # a quick listing: python tests/skills/test_skill_commands.py
    for c in COMMANDS:
        print(" ".join(c.argv), "  <-", Path(c.source).relative_to(REPO) if c.source.startswith(str(REPO)) else c.source)
