"""The shell state a command line carries from one command to the next: directory and variables.

``cd``/``pushd``/``popd`` move the working directory, ``export``/``declare``/``unset`` change what later
commands inherit; anything bash runs in a subshell saves and restores it, so a ``cd`` there does not leak.
"""

from __future__ import annotations

from labrails.guard.lazyre import lazy
from labrails.guard.shell.command import SimpleCommand

_NAME = lazy(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _join_dir(current: str | None, target: str) -> str:
    if current is None or target.startswith(("/", "~")):
        return target
    if current.endswith("/"):
        return current + target
    return f"{current}/{target}"


class ShellState:
    """Mixin of the parser: ``cwd``, ``oldcwd``, ``dirstack``, ``exported`` and ``shellvars``, plus
    ``conditional`` (True where a command may not run, so an ``unset`` there is not trusted)."""

    cwd: str | None
    oldcwd: str | None
    dirstack: tuple[str | None, ...]
    exported: dict[str, str]
    shellvars: dict[str, str]
    conditional: bool

    def _save(self) -> tuple:
        return (self.cwd, self.oldcwd, self.dirstack, dict(self.exported), dict(self.shellvars))

    def _restore(self, saved: tuple) -> None:
        self.cwd, self.oldcwd, self.dirstack, exported, shellvars = saved
        self.exported = dict(exported)
        self.shellvars = dict(shellvars)

    def _track_state(self, cmd: SimpleCommand) -> None:
        argv = cmd.argv
        if argv and argv[0] in ("builtin", "command") and len(argv) > 1:
            argv = argv[1:]
        if not argv:
            for name, value in cmd.env.items():
                self.shellvars[name] = value
                if name in self.exported:
                    self.exported[name] = value
            return
        name, args = argv[0], argv[1:]
        if name == "cd":
            i = 0
            while i < len(args) and args[i].startswith("-") and args[i] != "-":
                i += 1
                if args[i - 1] == "--":
                    break
            target = args[i] if i < len(args) else "~"
            new = self.oldcwd if target == "-" else _join_dir(self.cwd, target)
            self.oldcwd, self.cwd = self.cwd, new
        elif name == "pushd":
            dirs = [a for a in args if not a.startswith(("-", "+")) or a == "-"]
            if dirs:
                self.dirstack = (*self.dirstack, self.cwd)
                self.oldcwd, self.cwd = self.cwd, _join_dir(self.cwd, dirs[0])
        elif name == "popd":
            if self.dirstack:
                self.oldcwd, self.cwd = self.cwd, self.dirstack[-1]
                self.dirstack = self.dirstack[:-1]
        elif name in ("export", "declare", "typeset", "local", "readonly", "unset"):
            self._track_variables(name, args)

    def _track_variables(self, name: str, args: list[str]) -> None:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        if name == "unset":
            if self.conditional:
                return
            for arg in args:
                if not arg.startswith("-"):
                    self.exported.pop(arg, None)
                    self.shellvars.pop(arg, None)
            return
        if name == "export" and "n" in flags:
            if not self.conditional:
                for arg in args:
                    self.exported.pop(arg, None)
            return
        exporting = name == "export" or "x" in flags
        for arg in args:
            if arg.startswith(("-", "+")):
                continue
            var, eq, value = arg.partition("=")
            var = var.rstrip("+")
            if not _NAME.match(var):
                continue
            if eq:
                self.shellvars[var] = value
                if exporting or var in self.exported:
                    self.exported[var] = value
            elif exporting and var in self.shellvars:
                self.exported[var] = self.shellvars[var]
