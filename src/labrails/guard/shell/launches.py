"""Recognise experiment launches and file writes in a shell command.

Built on :mod:`labrails.guard.shell.parse`: a command line is split into simple commands, launcher
wrappers are peeled off, and what remains is matched against the ways people start Python
(``python train.py``, ``uv run train.py``, ``torchrun ... train.py``, ``python -c``, heredocs...).
:func:`written_paths` answers the other question a guard asks: which files would this command change?

Standard library only, like shellparse: this runs on every agent command.
"""

from __future__ import annotations

import re

from labrails.guard.shell.parse import ShellParseError, SimpleCommand, split_commands, unwrap

__all__ = [
    "UNPARSEABLE_PYTHON",
    "Launch",
    "find_launches",
    "written_paths",
]

# Returned by written_paths when inline Python cannot be parsed, so a policy can refuse rather than
# assume the code writes nothing.
UNPARSEABLE_PYTHON = "<unparseable-python>"


class Launch:
    """One program start that a policy may want to allow or block (a plain class: see SimpleCommand)."""

    __slots__ = ("kind", "script", "module", "args", "env", "cwd", "launcher", "background", "inline_code", "command")

    def __init__(self, kind: str, script: str | None, module: str | None, args: list[str], env: dict[str, str],
                 cwd: str | None, launcher: list[str], background: bool, inline_code: str | None, command: SimpleCommand):
        self.kind = kind  # "script" | "module" | "inline" | "labrails"
        self.script, self.module, self.args, self.env, self.cwd = script, module, args, env, cwd
        self.launcher, self.background, self.inline_code, self.command = launcher, background, inline_code, command

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Launch) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self) -> str:
        return "Launch(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


_INTERPRETER = re.compile(r"(?:python|pypy|ipython)(?:[0-9]+(?:\.[0-9]+)*)?(?:[dmt]|-dbg|-debug)?(?:\.exe)?\Z")
# Launchers that keep running after the agent's shell returns.
_DETACHING = frozenset({"nohup", "setsid", "screen -dm"})
_DETACHED_CONTEXTS = frozenset({"tmux", "tmux send-keys", "sbatch --wrap"})
# Launchers whose first operand is a Python file even without a .py suffix.
_DISTRIBUTED = frozenset({"torchrun", "accelerate launch", "deepspeed"})
_STDIN_PATHS = frozenset({"-", "/dev/stdin"})


def _basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


def _is_interpreter(word: str) -> bool:
    base = _basename(word)
    return base == "py" or bool(_INTERPRETER.match(base))


def _python_invocation(core: list[str]) -> tuple[str, str | None, list[str]]:
    """Classify an interpreter argv as ("script"|"module"|"inline"|"stdin"|"info", value, rest)."""
    windows_launcher = _basename(core[0]) == "py"
    i = 1
    while i < len(core):
        a = core[i]
        if a in _STDIN_PATHS:
            return "stdin", None, core[i + 1 :]
        if a == "--":
            i += 1
            break
        if a.startswith("--"):
            if a.startswith(("--help", "--version")):
                return "info", None, []
            i += 2 if a == "--check-hash-based-pycs" else 1
            continue
        if not a.startswith("-"):
            break
        if windows_launcher and re.match(r"-(?:[0-9][0-9.]*(?:-(?:32|64))?|V:.*)\Z", a):
            i += 1
            continue
        width = 1
        for k, ch in enumerate(a[1:], start=1):
            attached = a[k + 1 :]
            if ch in "cm":
                if attached:
                    value, rest = attached, core[i + 1 :]
                elif i + 1 < len(core):
                    value, rest = core[i + 1], core[i + 2 :]
                else:
                    return "info", None, []
                return ("inline" if ch == "c" else "module"), value, rest
            if ch in "WX":
                width = 1 if attached else 2
                break
            if ch in "hV?":
                return "info", None, []
        i += width
    if i >= len(core):
        return "stdin", None, []
    if core[i] in _STDIN_PATHS:
        return "stdin", None, core[i + 1 :]
    return "script", core[i], core[i + 1 :]


def _launch_from(cmd: SimpleCommand) -> Launch | None:
    core, wrappers, wrapper_env = unwrap(cmd.argv)
    if not core:
        return None
    env = {**cmd.exported, **cmd.env, **wrapper_env}
    background = (
        cmd.background
        or any(w in _DETACHING for w in wrappers)
        or cmd.nested_in in _DETACHED_CONTEXTS
    )

    def make(kind, script=None, module=None, args=(), launcher=(), inline_code=None) -> Launch:
        return Launch(kind, script, module, list(args), env, cmd.cwd, [*wrappers, *launcher], background, inline_code, cmd)

    exe = core[0]
    base = _basename(exe)
    if base == "labrails":
        return make("labrails", args=core[1:])
    if _is_interpreter(exe):
        how, value, rest = _python_invocation(core)
        if how == "info":
            return None
        if how == "stdin":
            return make("inline", args=rest, launcher=[exe], inline_code=cmd.heredoc)
        if how == "inline":
            return make("inline", args=rest, launcher=[exe], inline_code=value)
        if how == "module":
            if value in ("labrails", "labrails.__main__"):
                return make("labrails", args=rest, launcher=[exe, f"-m {value}"])
            if value in ("torch.distributed.run", "torch.distributed.launch"):
                inner, inner_wrappers, _ = unwrap(["torchrun", *rest])
                if inner and inner_wrappers == ["torchrun"] and not _is_interpreter(inner[0]):
                    return make("script", script=inner[0], args=inner[1:], launcher=[exe, f"-m {value}"])
            return make("module", module=value, args=rest, launcher=[exe])
        return make("script", script=value, args=rest, launcher=[exe])
    if exe.endswith(".py") or (wrappers and wrappers[-1] in _DISTRIBUTED):
        return make("script", script=exe, args=core[1:])
    return None


def find_launches(command: str) -> list[Launch]:
    """Every Python program (or ``labrails`` subcommand) that ``command`` would start.

    Raises :class:`ShellParseError` when the command cannot be split with confidence.
    """
    launches = []
    for cmd in split_commands(command):
        launch = _launch_from(cmd)
        if launch is not None:
            launches.append(launch)
    return launches


# --------------------------------------------------------------------------------------------------
# Written paths

_NOT_FILES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})


def _redirect_target(op: str, target: str) -> str | None:
    base = op.lstrip("0123456789")
    if base.startswith("{"):
        base = base[base.index("}") + 1 :]
    if base in (">", ">>", ">|", "&>", "&>>", "<>"):
        pass
    elif base == ">&":
        # `>&2` duplicates a descriptor; `>& file` is bash shorthand for `&> file`.
        if target.isdigit() or target == "-" or target.rstrip("-").isdigit():
            return None
    else:
        return None
    # `> >(tee log)` writes into a process substitution; the commands inside are reported separately.
    if target in _NOT_FILES or target.startswith(("/dev/fd/", ">(", "<(")):
        return None
    return target


def _operands(
    args: list[str], short_values: str = "", long_values: tuple[str, ...] = ()
) -> tuple[list[str], list[tuple[str, str | None]]]:
    """Split GNU-style arguments into operands and (option, value) pairs; options may come anywhere."""
    operands: list[str] = []
    options: list[tuple[str, str | None]] = []
    i = 0
    only_operands = False
    while i < len(args):
        a = args[i]
        if only_operands or a == "-" or not a.startswith("-"):
            operands.append(a)
            i += 1
            continue
        if a == "--":
            only_operands = True
            i += 1
            continue
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if eq:
                options.append((name, value))
            elif name in long_values:
                options.append((name, args[i + 1] if i + 1 < len(args) else None))
                i += 1
            else:
                options.append((name, None))
            i += 1
            continue
        for k, ch in enumerate(a[1:], start=1):
            if ch in short_values:
                attached = a[k + 1 :]
                if attached:
                    options.append(("-" + ch, attached))
                else:
                    options.append(("-" + ch, args[i + 1] if i + 1 < len(args) else None))
                    i += 1
                break
            options.append(("-" + ch, None))
        i += 1
    return operands, options


def _values(options: list[tuple[str, str | None]], *names: str) -> list[str]:
    return [v for k, v in options if k in names and v is not None]


def _has(options: list[tuple[str, str | None]], *names: str) -> bool:
    return any(k in names for k, _ in options)


def _copy_like(tool: str, args: list[str]) -> list[str]:
    shorts = {"install": "tSmog", "rsync": "eBfMT", "scp": "cFiJlmoPS"}.get(tool, "tS")
    longs = ("--target-directory", "--suffix", "--mode", "--owner", "--group", "--rsh", "--exclude",
             "--include", "--filter", "--files-from", "--exclude-from", "--include-from", "--chmod",
             "--log-file", "--partial-dir", "--temp-dir", "--compare-dest", "--link-dest", "--copy-dest",
             "--backup-dir", "--max-size", "--min-size", "--bwlimit", "--timeout", "--port",
             "--password-file", "--out-format", "--chown", "--block-size", "--max-delete")
    operands, options = _operands(args, shorts, longs)
    if tool == "install" and _has(options, "-d", "--directory"):
        return operands
    target_dirs = _values(options, "-t", "--target-directory") if tool != "rsync" else []
    if target_dirs:
        dest, sources = target_dirs, operands
    elif tool == "ln" and len(operands) == 1:
        dest, sources = [_basename(operands[0])], operands
    elif len(operands) >= 2:
        dest, sources = [operands[-1]], operands[:-1]
    else:
        return []
    if tool == "scp":
        dest = [d for d in dest if not re.match(r"[^/]*:", d)]
    # Moving a file away changes it as much as overwriting the destination does.
    if tool == "mv" or (tool == "rsync" and _has(options, "--remove-source-files")):
        return sources + dest
    return dest


def _sed_writes(args: list[str]) -> list[str]:
    in_place = False
    has_script = False
    operands: list[str] = []
    i = 0
    only_operands = False
    while i < len(args):
        a = args[i]
        i += 1
        if only_operands or a == "-" or not a.startswith("-"):
            operands.append(a)
            continue
        if a == "--":
            only_operands = True
        elif a.startswith("--in-place"):
            in_place = True
        elif a in ("--expression", "--file"):
            has_script = True
            i += 1
        elif a.startswith(("--expression=", "--file=")):
            has_script = True
        elif a in ("--line-length",):
            i += 1
        elif not a.startswith("--"):
            for k, ch in enumerate(a[1:], start=1):
                if ch == "i":
                    in_place = True
                    # BSD sed takes the backup suffix as its own (often empty) argument.
                    if k + 1 == len(a) and i < len(args) and args[i] == "":
                        i += 1
                    break
                if ch in "efl":
                    if ch in "ef":
                        has_script = True
                    if k + 1 == len(a):
                        i += 1
                    break
    if not in_place:
        return []
    return operands if has_script else operands[1:]


def _perl_writes(args: list[str]) -> list[str]:
    in_place = False
    has_code = False
    operands: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            operands += args[i:]
            break
        if not a.startswith("-") or a == "-":
            operands.append(a)
            continue
        for k, ch in enumerate(a[1:], start=1):
            if ch == "i":
                in_place = True
                break  # the rest of the cluster is the backup extension
            if ch in "eE":
                has_code = True
                if k + 1 == len(a):
                    i += 1
                break
            if ch in "0CdDFIlmMx":
                if ch in "IMm" and k + 1 == len(a):
                    i += 1
                break
    if not in_place:
        return []
    return operands if has_code else operands[1:]


def _chmod_writes(tool: str, args: list[str]) -> list[str]:
    operands: list[str] = []
    # With --reference, or a chmod mode spelled like an option (`chmod -x f`), every operand is a
    # target; otherwise the first operand is the mode or owner.
    all_targets = False
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            operands += args[i:]
            break
        if a.startswith(("--reference", "--from")):
            all_targets = all_targets or a.startswith("--reference")
            i += 0 if "=" in a else 1
        elif a.startswith("--") or (len(a) > 1 and a.startswith("-") and set(a[1:]) <= set("RvcfhHLP")):
            continue
        elif tool == "chmod" and len(a) > 1 and a.startswith("-") and not all_targets:
            all_targets = True
        else:
            operands.append(a)
    return operands if all_targets else operands[1:]


_GIT_WORKTREE_PATH = re.compile(r"\.\.?\Z|\.{0,2}/|.*\.[A-Za-z0-9]{1,8}\Z")


def _git_writes(args: list[str]) -> list[str]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env") else 1
    if i >= len(args):
        return []
    sub, rest = args[i], args[i + 1 :]
    after_dashes = rest[rest.index("--") + 1 :] if "--" in rest else None
    if sub == "checkout":
        operands, options = _operands(rest, "bB", ("--orphan", "--conflict"))
        if _has(options, "-b", "-B", "--orphan"):
            return []
        if after_dashes is not None:
            return after_dashes
        if len(operands) >= 2:
            return operands[1:]
        return [p for p in operands if _GIT_WORKTREE_PATH.match(p)]
    if sub == "restore":
        operands, options = _operands(rest, "s", ("--source", "--pathspec-from-file"))
        if _has(options, "-S", "--staged") and not _has(options, "-W", "--worktree"):
            return []
        return operands
    if sub == "rm":
        operands, options = _operands(rest, "", ("--pathspec-from-file",))
        return [] if _has(options, "--cached") else operands
    if sub == "mv":
        return _operands(rest)[0]
    if sub == "reset":
        _, options = _operands(rest)
        return ["."] if _has(options, "--hard", "--merge", "--keep") else []
    if sub == "clean":
        operands, options = _operands(rest, "e", ("--exclude",))
        if _has(options, "-n", "--dry-run") or not _has(options, "-f", "--force"):
            return []
        return operands or ["."]
    if sub == "stash":
        if rest and rest[0] in ("list", "show", "drop", "clear", "branch", "create", "store"):
            return []
        return after_dashes or ["."]
    return []


def _download_writes(tool: str, args: list[str]) -> list[str]:
    if tool == "curl":
        _, options = _operands(
            args,
            "abcdDeEFHKmoPQrTuUwxXyYzC",
            ("--output", "--cookie-jar", "--dump-header", "--trace", "--trace-ascii", "--stderr",
             "--output-dir", "--data", "--header", "--request", "--user", "--user-agent", "--config",
             "--form", "--upload-file", "--proxy", "--max-time", "--write-out", "--range", "--url"),
        )
        return _values(options, "-o", "--output", "-c", "--cookie-jar", "-D", "--dump-header", "--trace",
                       "--trace-ascii", "--stderr", "--output-dir")
    _, options = _operands(
        args, "OoaPeUTtwQiBlDARIX",
        ("--output-document", "--output-file", "--append-output", "--directory-prefix", "--user-agent",
         "--tries", "--timeout", "--wait", "--quota", "--input-file", "--base", "--level"),
    )
    return _values(options, "-O", "--output-document", "-o", "--output-file", "-a", "--append-output",
                   "-P", "--directory-prefix")


def _argv_writes(core: list[str], cmd: SimpleCommand, depth: int) -> list[str]:
    tool = _basename(core[0])
    args = core[1:]
    if tool == "tee":
        return _operands(args)[0]
    if tool in ("sed", "gsed"):
        return _sed_writes(args)
    if tool == "perl":
        return _perl_writes(args)
    if tool in ("cp", "mv", "install", "ln", "rsync", "scp"):
        return _copy_like(tool, args)
    if tool == "touch":
        return _operands(args, "drt", ("--date", "--reference", "--time"))[0]
    if tool in ("rm", "rmdir", "unlink"):
        return _operands(args)[0]
    if tool == "truncate":
        return _operands(args, "sr", ("--size", "--reference"))[0]
    if tool == "shred":
        return _operands(args, "ns", ("--iterations", "--size", "--random-source"))[0]
    if tool == "mkdir":
        return _operands(args, "m", ("--mode",))[0]
    if tool in ("chmod", "chown", "chgrp"):
        return _chmod_writes(tool, args)
    if tool == "dd":
        return [a[3:] for a in args if a.startswith("of=")]
    if tool == "git":
        return _git_writes(args)
    if tool in ("curl", "wget"):
        return _download_writes(tool, args)
    if tool == "find":
        operands = []
        for a in args:
            if a.startswith(("-", "(", "!")):
                break
            operands.append(a)
        deleters = ("rm", "mv", "shred", "truncate")
        dangerous = "-delete" in args or any(
            a in ("-exec", "-execdir", "-ok", "-okdir") and i + 1 < len(args) and _basename(args[i + 1]) in deleters
            for i, a in enumerate(args)
        )
        return (operands or ["."]) if dangerous else []
    if _is_interpreter(core[0]):
        how, value, _ = _python_invocation(core)
        code = value if how == "inline" else cmd.heredoc if how == "stdin" else None
        if code is not None:
            return _python_writes(code, depth)
    return []


def written_paths(cmd: SimpleCommand) -> list[str]:
    """Paths ``cmd`` would create, change or delete, as written (resolve them against ``cmd.cwd``).

    Covers output redirections, the usual file tools (tee, sed -i, cp/mv/rm, touch, mkdir, chmod, dd,
    git checkout/restore, curl -o...) and, for ``python -c`` or Python fed on stdin, string literals
    handed to open(..., "w"), pathlib writes, shutil and os file functions.  Returns
    ``UNPARSEABLE_PYTHON`` when such inline code does not parse.
    """
    return _written_paths(cmd, 0)


def _written_paths(cmd: SimpleCommand, depth: int) -> list[str]:
    found: list[str] = []
    for op, target in cmd.redirects:
        path = _redirect_target(op, target)
        if path is not None:
            found.append(path)
    core = unwrap(list(cmd.argv))[0]
    if core:
        found += _argv_writes(core, cmd, depth)
    return list(dict.fromkeys(p for p in found if p != ""))


# --------------------------------------------------------------------------------------------------
# Inline Python

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


def _python_writes(code: str, depth: int) -> list[str]:
    import ast
    import warnings

    try:
        # Odd literals make the compiler print SyntaxWarnings, which would end up in the hook's stderr.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return [UNPARSEABLE_PYTHON]
    try:
        return _PythonWrites(ast, depth).collect(tree)
    except RecursionError:
        return [UNPARSEABLE_PYTHON]


class _PythonWrites:
    """Best-effort: follows string literals, Path(...) objects and simple name bindings of them."""

    def __init__(self, ast, depth: int):
        self.ast = ast
        self.depth = depth
        self.names: dict[str, tuple[str, bool]] = {}  # name -> (path, is a Path object)

    def collect(self, tree) -> list[str]:
        ast = self.ast
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
        ast = self.ast
        parts = []
        for _ in range(16):
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Name):
                parts.append(node.id)
                return ".".join(reversed(parts))
            else:
                return None
        return None

    def path(self, node, depth: int = 0) -> tuple[str, bool] | None:
        """The path an expression denotes, if it is built from literals only."""
        ast = self.ast
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
        ast = self.ast
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
        ast = self.ast
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
        ast = self.ast
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
            out += _written_paths(cmd, self.depth + 1)
        return out


def _join(left: str, right: str) -> str:
    if right.startswith("/"):
        return right
    return f"{left.rstrip('/')}/{right}" if left else right
