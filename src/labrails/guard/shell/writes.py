"""What a shell command writes: the paths it would create, change or delete.

Output redirections, the usual file tools (tee, sed -i, cp/mv/rm, touch, git checkout...) and, for
``python -c`` or Python fed on stdin, the literal paths its code writes to. Standard library only
(``ast`` loads only for inline Python): this runs on every agent command.
"""

from __future__ import annotations

import re

from labrails.guard.lazyre import lazy
from labrails.guard.shell.command import SimpleCommand, basename
from labrails.guard.shell.launches import is_interpreter, python_invocation
from labrails.guard.shell.wrappers import unwrap

__all__ = ["UNPARSEABLE_PYTHON", "command_writes", "written_paths"]

# Returned by written_paths when inline Python cannot be parsed, so a policy can refuse rather than
# assume the code writes nothing.
UNPARSEABLE_PYTHON = "<unparseable-python>"

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
        dest, sources = [basename(operands[0])], operands
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


_GIT_WORKTREE_PATH = lazy(r"\.\.?\Z|\.{0,2}/|.*\.[A-Za-z0-9]{1,8}\Z")


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
    tool = basename(core[0])
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
            a in ("-exec", "-execdir", "-ok", "-okdir") and i + 1 < len(args) and basename(args[i + 1]) in deleters
            for i, a in enumerate(args)
        )
        return (operands or ["."]) if dangerous else []
    if is_interpreter(core[0]):
        how, value, _ = python_invocation(core)
        code = value if how == "inline" else cmd.heredoc if how == "stdin" else None
        if code is not None:
            # ast and the inline-Python reader load only for commands that carry Python code.
            from labrails.guard.shell.inline_python import python_writes

            return python_writes(code, depth)
    return []


def written_paths(cmd: SimpleCommand) -> list[str]:
    """Paths ``cmd`` would create, change or delete, as written (resolve them against ``cmd.cwd``).

    Covers output redirections, the usual file tools (tee, sed -i, cp/mv/rm, touch, mkdir, chmod, dd,
    git checkout/restore, curl -o...) and, for ``python -c`` or Python fed on stdin, string literals
    handed to open(..., "w"), pathlib writes, shutil and os file functions.  Returns
    ``UNPARSEABLE_PYTHON`` when such inline code does not parse.
    """
    return command_writes(cmd, 0)


def command_writes(cmd: SimpleCommand, depth: int) -> list[str]:
    """:func:`written_paths` for a command found ``depth`` levels deep inside inline Python."""
    found: list[str] = []
    for op, target in cmd.redirects:
        path = _redirect_target(op, target)
        if path is not None:
            found.append(path)
    core = unwrap(list(cmd.argv))[0]
    if core:
        found += _argv_writes(core, cmd, depth)
    return list(dict.fromkeys(p for p in found if p != ""))
