"""What inline Python (``python -c``, a heredoc, stdin) runs besides itself: local modules, files, processes.

``python -c 'import train; train.main("full")'`` starts a run without ever naming a launch the shell
parser could see. This reads the code's syntax tree for the ways Python runs other code: importing a
local module, runpy/exec/importlib, starting a process, calling labrails' ``start_run``. A process
started with a literal command line is handed back as shell text to judge like any other command; what
cannot be read (a computed module name, ``exec`` of a variable) is reported as opaque.
"""

from __future__ import annotations

import ast
import warnings

from labrails.guard.shell.inline_python import dotted

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_PROCESS_CALLS = frozenset("""os.system os.popen subprocess.run subprocess.call subprocess.check_call
    subprocess.check_output subprocess.Popen subprocess.getoutput subprocess.getstatusoutput pty.spawn
    asyncio.create_subprocess_exec asyncio.create_subprocess_shell""".split())
_PROCESS_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn")
_CODE_RUNNERS = frozenset("""exec eval execfile compile __import__ runpy.run_path runpy.run_module
    importlib.import_module import_module importlib.util.spec_from_file_location spec_from_file_location
    importlib.machinery.SourceFileLoader SourceFileLoader""".split())
_RUN_STARTERS = ("start_run", "start_run_or_exit")


class InlineRuns:
    __slots__ = ("opaque", "paths", "shell")

    def __init__(self):
        self.opaque: str | None = None
        self.paths: list[str] = []
        self.shell: list[str] = []


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def inline_runs(code: str, local_module: Callable[[str], str | None], depth: int = 0) -> InlineRuns:
    """What ``code`` runs: ``local_module(name)`` answers whether ``import name`` would load a local file."""
    found = InlineRuns()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
        nodes = list(ast.walk(tree))
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        found.opaque = "the inline Python cannot be parsed, so what it runs cannot be read"
        return found

    def opaque(why: str, path: str | None = None) -> InlineRuns:
        found.opaque = why
        if path:
            found.paths.append(path)
        return found

    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = local_module(alias.name)
                if local:
                    return opaque(f"the inline Python imports {alias.name} ({local}), a script of the experiment", local)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            local = local_module(node.module)
            if local:
                return opaque(f"the inline Python imports from {node.module} ({local}), a script of the experiment", local)
        elif isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            last = name.rsplit(".", 1)[-1]
            if last in _RUN_STARTERS:
                return opaque(f"the inline Python calls labrails' {last}")
            if name in _CODE_RUNNERS:
                arg = _literal(node.args[0]) if node.args else None
                if arg is None:
                    return opaque(f"the inline Python runs code through {name}() that labrails cannot read")
                if name in ("exec", "eval", "compile") and depth < 2:
                    inner = inline_runs(arg, local_module, depth + 1)
                    if inner.opaque:
                        return inner
                    found.shell += inner.shell
                    continue
                target = local_module(arg) or (arg if arg.endswith(".py") else None)
                if target:
                    return opaque(f"the inline Python runs {arg} through {name}()", target)
            elif name in _PROCESS_CALLS or name.startswith(_PROCESS_PREFIXES):
                arg = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg in ("args", "cmd", "command")), None)
                if name.startswith(("os.exec", "os.spawn", "os.posix_spawn")) and len(node.args) >= 2:
                    arg = node.args[-1] if isinstance(node.args[-1], (ast.List, ast.Tuple)) else ast.List(elts=list(node.args[1:]))
                text = _literal(arg) if arg is not None else None
                if text is None and isinstance(arg, (ast.List, ast.Tuple)):
                    words = [_literal(e) for e in arg.elts]
                    text = " ".join(_quote(w) for w in words) if words and all(w is not None for w in words) else None
                if text is None:
                    return opaque(f"the inline Python starts a process through {name}() with a command labrails cannot read")
                found.shell.append(text)
    return found
