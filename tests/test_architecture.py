"""The floor plan holds: parts import only what they may, nothing cycles, ARCHITECTURE.md names real folders.

The hook runs before every command an agent types, so everything it imports (``labrails.core`` and
``labrails.guard``) must load with the standard library alone; heavy packages wait until a command needs them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "labrails"
MAX_MODULE_LINES = 700

# What a fresh interpreter may have loaded beyond `python -c pass`, by top-level name.
_REPORT_LOADED = """
import json, sys
before = set(sys.modules)
{code}
loaded = sorted(set(sys.modules) - before)
sys.stdout.write("\\nLOADED=" + json.dumps(loaded))
"""


def _modules_loaded_by(code: str, cwd: Path | None = None, stdin: str | None = None) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", _REPORT_LOADED.format(code=code)],
        cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120,
    )
    marker = proc.stdout.rfind("LOADED=")
    assert marker >= 0, f"the probe did not finish:\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return json.loads(proc.stdout[marker + len("LOADED="):])


def _outside(loaded: list[str], allowed_parts: tuple[str, ...]) -> list[str]:
    """Modules that are neither standard library nor one of the allowed labrails parts."""
    bad = []
    for name in loaded:
        top = name.split(".")[0]
        if top == "labrails":
            if name == "labrails" or any(name == p or name.startswith(p + ".") for p in allowed_parts):
                continue
            bad.append(name)
        elif top not in sys.stdlib_module_names and not top.startswith("_"):
            bad.append(name)
    return bad


def _package_modules(part: str) -> list[str]:
    root = PACKAGE / part
    return sorted(
        "labrails." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for path in root.rglob("*.py")
    )


def test_every_core_module_imports_with_the_standard_library_alone():
    modules = _package_modules("core")
    assert modules, "src/labrails/core/ has no modules"
    loaded = _modules_loaded_by("\n".join(f"import {m}" for m in modules))
    assert _outside(loaded, ("labrails.core",)) == []


def test_every_guard_module_imports_only_core_guard_and_the_standard_library():
    loaded = _modules_loaded_by("\n".join(f"import {m}" for m in _package_modules("guard")))
    assert _outside(loaded, ("labrails.core", "labrails.guard")) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"tool_name": "Bash", "tool_input": {"command": "ls -la"}},
        {"tool_name": "Bash", "tool_input": {"command": "python train.py full"}},
        {"tool_name": "Bash", "tool_input": {"command": "python train.py de-risk && labrails review latest"}},
        {"tool_name": "Write", "tool_input": {"file_path": ".labrails/approvals.json", "content": "{}"}},
        {"tool_name": "Bash", "tool_input": {"command": "echo 'unbalanced"}},
    ],
    ids=["plain", "full-launch", "derisk-and-review", "state-write", "unparseable"],
)
def test_the_hook_path_loads_nothing_heavy_and_nothing_outside_core_and_guard(experiment, payload):
    payload = {**payload, "hook_event_name": "PreToolUse", "cwd": str(experiment.root)}
    code = (
        "from labrails.guard.hook import main\n"
        "try:\n    main(['PreToolUse'])\nexcept SystemExit:\n    pass"
    )
    # The first decision in an experiment reads its YAML (PyYAML) and caches it as JSON; every later one
    # reads the cache, so the decision an agent pays for on each command loads the standard library alone.
    first = _modules_loaded_by(code, cwd=experiment.root, stdin=json.dumps(payload))
    assert {m.split(".")[0] for m in _outside(first, ("labrails.core", "labrails.guard"))} <= {"yaml", "cython_runtime"}
    loaded = _modules_loaded_by(code, cwd=experiment.root, stdin=json.dumps(payload))
    assert _outside(loaded, ("labrails.core", "labrails.guard")) == []


# Standard-library modules that cost more to load than a whole decision: OpenSSL's hashes (labrails.core.digest
# hashes and signs without them), secrets, pathlib and typing (os.path and TYPE_CHECKING do their jobs here).
_SLOW_TO_LOAD = {"hashlib", "_hashlib", "hmac", "secrets", "random", "pathlib", "typing", "dataclasses", "inspect", "ast"}


def test_a_fully_checked_launch_loads_no_slow_standard_modules(experiment):
    """In a git repository (where an experiment lives) once its caches are warm, as on every later launch check."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    (experiment.root / ".gitignore").write_text("runs/\n.labrails/\n")
    # Files written this very second may change again within one clock tick without changing their stat, so
    # the code-version cache stores nothing computed from them; an experiment's files are older than that.
    an_hour_ago = time.time() - 3600
    for path in experiment.root.rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "experiment"]):
        subprocess.run([*git, *args], cwd=experiment.root, check=True, capture_output=True)
    payload = {"hook_event_name": "PreToolUse", "cwd": str(experiment.root), "tool_name": "Bash",
               "tool_input": {"command": "python tiny_run.py full", "run_in_background": True}}
    code = "from labrails.guard.hook import main\nmain(['PreToolUse'])"
    _modules_loaded_by(code, cwd=experiment.root, stdin=json.dumps(payload))
    loaded = _modules_loaded_by(code, cwd=experiment.root, stdin=json.dumps(payload))
    assert "labrails.core.policy" in loaded  # it did check the launch
    assert {m.split(".")[0] for m in loaded} & _SLOW_TO_LOAD == set()


def _top_level_imports(path: Path) -> set[str]:
    """labrails modules a module imports when it is itself imported (function bodies excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        nodes = [node]
        if isinstance(node, (ast.If, ast.Try)):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            nodes = list(ast.walk(node))
        for sub in nodes:
            if isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names if a.name.startswith("labrails"))
            elif isinstance(sub, ast.ImportFrom) and sub.module and sub.module.startswith("labrails"):
                for alias in sub.names:
                    candidate = f"{sub.module}.{alias.name}"
                    found.add(candidate if _module_file(candidate) else sub.module)
    return found


def _module_file(name: str) -> Path | None:
    rel = Path(*name.split(".")[1:])
    for path in (PACKAGE / rel.with_suffix(".py"), PACKAGE / rel / "__init__.py"):
        if path.is_file():
            return path
    return None


def test_no_import_cycles_between_labrails_modules():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = "labrails." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        graph[name.removesuffix(".__init__")] = {
            m for m in _top_level_imports(path) if m != "labrails" and _module_file(m)
        }
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            # A package imports its own submodules to re-export them; that is not a cycle of meaning.
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_module_is_longer_than_a_screenful_of_screens():
    long = {
        str(path.relative_to(REPO)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these by job (limit {MAX_MODULE_LINES} lines)"


def test_architecture_md_names_only_folders_that_exist():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:src/labrails/|tests/|scaffold/|templates/|skills/|hooks/|benchmarks/)[\w/.-]*)`", text))
    assert len(named) >= 10, "ARCHITECTURE.md should map each part to its folder"
    missing = sorted(p for p in named if not (REPO / p).exists())
    assert missing == []


def test_every_package_part_is_described_in_architecture_md():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    parts = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file())
    undocumented = [p for p in parts if f"src/labrails/{p}/" not in text]
    assert undocumented == []


def test_test_modules_have_unique_basenames():
    """tests/ has no packages, so pytest imports each test module by its basename: two alike collide, and the
    clash only shows where both import (a module skipped for a missing extra hides it)."""
    seen: dict[str, list[str]] = {}
    for path in (REPO / "tests").rglob("test_*.py"):
        seen.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
