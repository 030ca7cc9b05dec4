"""Paths that inline Python (``python -c``, a heredoc fed to ``python -``) writes to.

Best-effort and literal-only: string constants, ``Path(...)`` objects and simple name bindings of them,
handed to open(..., "w"), pathlib writes, shutil, os and the usual savers; shell strings given to
os.system or subprocess are read as commands too. Loaded only when a command carries inline Python.
"""

from __future__ import annotations

import ast
import warnings

from labrails.guard.shell.command import ShellParseError, SimpleCommand
from labrails.guard.shell.parse import split_commands
from labrails.guard.shell.writes import UNPARSEABLE_PYTHON, command_writes

__all__ = ["python_writes"]

_PATH_CONSTRUCTORS = frozenset({"Path", "PurePath", "PosixPath", "WindowsPath", "pathlib.Path", "pathlib.PurePath"})
_JOINERS = frozenset({"os.path.join", "path.join", "posixpath.join"})
_MODE_OPENERS = {
    # callable: (index of the path argument, index of the mode argument)
    "open": (0, 1), "io.open": (0, 1), "builtins.open": (0, 1), "codecs.open": (0, 1),
    "gzip.open": (0, 1), "bz2.open": (0, 1), "lzma.open": (0, 1), "tarfile.open": (0, 1),
    "zipfile.ZipFile": (0, 1), "ZipFile": (0, 1), "h5py.File": (0, 1),
}
_FIRST_ARG_WRITERS = frozenset(
    """os.remove os.unlink os.rmdir os.removedirs os.mkdir os.makedirs os.truncate os.chmod os.chown
    os.utime os.mkfifo shutil.rmtree rmtree np.save np.savez np.savez_compressed np.savetxt numpy.save
    numpy.savez numpy.savez_compressed numpy.savetxt""".split()
)
_BOTH_ARGS_WRITERS = frozenset({"os.rename", "os.replace", "os.renames", "shutil.move"})
_SECOND_ARG_WRITERS = frozenset(
    """shutil.copy shutil.copy2 shutil.copyfile shutil.copytree shutil.copymode shutil.copystat
    copyfile copytree copy2 os.symlink os.link torch.save""".split()
)
_PATH_METHODS = frozenset(
    "write_text write_bytes touch mkdir unlink rmdir chmod lchmod symlink_to hardlink_to".split()
)
_PATH_MOVES = frozenset({"rename", "replace"})
_FIRST_ARG_METHODS = frozenset(
    """to_csv to_parquet to_json to_pickle to_feather to_excel to_hdf to_html to_latex to_markdown
    to_stata to_orc to_xml savefig save_pretrained""".split()
)
_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"})


def python_writes(code: str, depth: int = 0) -> list[str]:
    """Paths the Python source ``code`` writes to (``[UNPARSEABLE_PYTHON]`` when it does not parse)."""
    try:
        # Odd literals make the compiler print SyntaxWarnings, which would end up in the hook's stderr.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return [UNPARSEABLE_PYTHON]
    try:
        return _PythonWrites(depth).collect(tree)
    except RecursionError:
        return [UNPARSEABLE_PYTHON]


class _PythonWrites:
    """Best-effort: follows string literals, Path(...) objects and simple name bindings of them."""

    def __init__(self, depth: int):
        self.depth = depth
        self.names: dict[str, tuple[str, bool]] = {}  # name -> (path, is a Path object)

    def collect(self, tree) -> list[str]:
        nodes = sorted(
            (n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.Call))),
            key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)),
        )
        found: list[str] = []
        for node in nodes:
            if isinstance(node, ast.Assign):
                value = self.path(node.value)
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        if value is None:
                            self.names.pop(target.id, None)
                        else:
                            self.names[target.id] = value
            elif isinstance(node, ast.Call):
                found += self.call(node)
        return list(dict.fromkeys(found))

    def dotted(self, node) -> str | None:
        return dotted(node)

    def path(self, node, depth: int = 0) -> tuple[str, bool] | None:
        """The path an expression denotes, if it is built from literals only."""
        if depth > 12:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, False
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self.path(node.left, depth + 1), self.path(node.right, depth + 1)
            if left and right and (left[1] or right[1]):
                return _join(left[0], right[0]), True
            return None
        if isinstance(node, ast.Call):
            name = self.dotted(node.func)
            if name in _PATH_CONSTRUCTORS or name in _JOINERS:
                parts = [self.path(a, depth + 1) for a in node.args]
                if not parts or any(p is None for p in parts):
                    return None
                joined = parts[0][0]
                for part in parts[1:]:
                    joined = _join(joined, part[0])
                return joined, name in _PATH_CONSTRUCTORS
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute", "expanduser"):
                return self.path(node.func.value, depth + 1)
        return None

    def arg(self, node, index: int, *keywords: str):
        if index < len(node.args):
            return node.args[index]
        for kw in node.keywords:
            if kw.arg in keywords:
                return kw.value
        return None

    def literal(self, node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    def paths_of(self, *nodes) -> list[str]:
        out = []
        for node in nodes:
            if node is not None:
                value = self.path(node)
                if value is not None:
                    out.append(value[0])
        return out

    def call(self, node) -> list[str]:
        name = self.dotted(node.func)
        if name in _MODE_OPENERS:
            path_i, mode_i = _MODE_OPENERS[name]
            mode = self.literal(self.arg(node, mode_i, "mode"))
            if mode is not None and any(c in mode for c in "wax+") and not (name == "h5py.File" and mode == "r"):
                return self.paths_of(self.arg(node, path_i, "file", "name", "filename"))
            return []
        if name == "os.open":
            flags = self.arg(node, 1, "flags")
            used = {n.attr if isinstance(n, ast.Attribute) else n.id
                    for n in ast.walk(flags) if isinstance(n, (ast.Attribute, ast.Name))} if flags else set()
            return self.paths_of(self.arg(node, 0, "path")) if used & _WRITE_FLAGS else []
        if name in _FIRST_ARG_WRITERS:
            return self.paths_of(self.arg(node, 0, "path", "file", "fname"))
        if name in _BOTH_ARGS_WRITERS:
            return self.paths_of(self.arg(node, 0, "src"), self.arg(node, 1, "dst"))
        if name in _SECOND_ARG_WRITERS:
            return self.paths_of(self.arg(node, 1, "dst", "f"))
        if name in ("os.system", "subprocess.run", "subprocess.call", "subprocess.check_call",
                    "subprocess.check_output", "subprocess.Popen", "os.popen"):
            return self.shell_writes(self.arg(node, 0, "args", "command", "cmd"))
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = self.path(node.func.value)
            if receiver is not None and receiver[1]:
                if method in _PATH_METHODS:
                    return [receiver[0]]
                if method in _PATH_MOVES:
                    return [receiver[0], *self.paths_of(self.arg(node, 0, "target"))]
                if method == "open":
                    mode = self.literal(self.arg(node, 0, "mode"))
                    return [receiver[0]] if mode and any(c in mode for c in "wax+") else []
            if method in _FIRST_ARG_METHODS:
                return self.paths_of(self.arg(node, 0, "path_or_buf", "path", "fname", "save_directory"))
        return []

    def shell_writes(self, node) -> list[str]:
        if node is None or self.depth >= 3:
            return []
        try:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                cmds = split_commands(node.value)
            elif isinstance(node, (ast.List, ast.Tuple)):
                words = [self.literal(e) for e in node.elts]
                if not words or any(w is None for w in words):
                    return []
                cmds = [SimpleCommand(words)]
            else:
                return []
        except ShellParseError:
            return []
        out: list[str] = []
        for cmd in cmds:
            out += command_writes(cmd, self.depth + 1)
        return out


def _join(left: str, right: str) -> str:
    if right.startswith("/"):
        return right
    return f"{left.rstrip('/')}/{right}" if left else right


def dotted(node) -> str | None:
    """``os.path.join`` for the call target ``os.path.join``; None for anything but names and attributes."""
    import ast

    parts = []
    for _ in range(16):  # attribute chains deeper than this are not code anyone writes by hand
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return None
    return None
