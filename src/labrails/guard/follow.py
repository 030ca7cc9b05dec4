"""What a command runs beyond its own words: scripts it runs, Makefile recipes, git aliases, xargs and the like.

The shell parser sees the text of one command line. Bash can run much more than that text says: a
local script (``bash run.sh``, ``source env.sh``, ``./run``), a Makefile recipe (``make full``), a git
alias that is a shell command (``git full``), the command ``xargs``/``find -exec``/``parallel`` hand
their arguments to, a word only known once a variable is expanded (``$P train.py full``), Python that
imports an experiment's script (``python -m train``, ``python -c 'import train'``, ``python - < train.py``).

:func:`follow` reads what it can (local files, one level deep) and returns the commands they run, so the
rules judge them like any other; what it cannot read or resolve comes back as an :class:`Opaque` thing.
Whether an opaque thing is blocked is a rule's call (:func:`labrails.guard.rules.unresolved_launch`):
inside an experiment, yes, with what to type instead; elsewhere the guard stays out of the way.
"""

from __future__ import annotations

import os

from labrails.guard.budget import check as check_budget
from labrails.guard.shell.command import SHELLS, ShellParseError, SimpleCommand, basename
from labrails.guard.shell.launches import is_interpreter, python_invocation
from labrails.guard.shell.nested import shell_invocation
from labrails.guard.shell.parse import split_commands
from labrails.guard.shell.wrappers import unwrap
from labrails.guard.vocabulary import LABRAILS

# The most a followed file may hold, and how many files one decision follows.
MAX_FILE_BYTES = 256_000
MAX_FOLLOWED = 24
# Programs that run the command given in their arguments.
_RUNNERS = frozenset({"xargs", "parallel", "find"})
# Modules that run a Python file or module named in their arguments.
_RUNNER_MODULES = frozenset("""pdb ipdb pudb cProfile profile trace runpy coverage memray scalene kernprof
    line_profiler viztracer pyinstrument py_spy debugpy timeit IPython torch.utils.bottleneck""".split())
# Programs that read, edit or inspect files without running them: an experiment script among their
# arguments is not a launch.
KNOWN_TOOLS = frozenset("""cat less more head tail grep egrep fgrep rg ag ack wc ls stat file diff cmp colordiff
    jq yq sha256sum sha1sum md5sum shasum b2sum cksum tree du df realpath readlink basename dirname echo printf
    column sort uniq cut tr nl od xxd hexdump strings bat fold fmt paste join comm test [ [[ true false which type
    vim vi nvim nano emacs code subl black ruff mypy pylint flake8 isort pyright pyflakes autopep8 yapf pre-commit
    cp mv rm rmdir ln mkdir touch chmod chown chgrp tar zip unzip gzip gunzip rsync scp install tee dd truncate
    shred unlink git hg svn labrails pip pip3 uv pytest tox nox nvidia-smi kill pkill pgrep ps top htop sleep
    wait cd pushd popd export unset set declare local readonly alias unalias history clear date env printenv
    whoami id hostname uname curl wget ssh open xdg-open awk gawk mawk sed gsed perl ruby node""".split())
_SHEBANG_PYTHON = ("python", "pypy")
# Job schedulers that run a local script later, the way bash would run it now.
_SCHEDULERS = frozenset({"sbatch", "qsub", "bsub", "at", "batch"})
# Interpreters of other languages: their code can start a process too (`perl -e 'system(...)'`).
_OTHER_LANGUAGES = frozenset({"perl", "ruby", "node", "nodejs", "deno", "bun", "awk", "gawk", "mawk", "nawk", "php",
                              "Rscript", "R", "julia", "lua", "tclsh", "osascript", "pwsh", "expect"})
_UNSAFE_NAME = frozenset(" \t\n/\\@:;,!?*'\"")


class Opaque:
    """Something a command would run that the guard cannot see: ``what`` says which word or program and why."""

    __slots__ = ("command", "what", "paths")

    def __init__(self, command: SimpleCommand, what: str, paths: tuple[str, ...] = ()):
        self.command, self.what, self.paths = command, what, paths

    def __repr__(self) -> str:
        return f"Opaque({self.what!r})"


def _dynamic(word: str) -> bool:
    return any(c in word for c in "$`*?[")


def core_of(cmd: SimpleCommand) -> tuple[list[str], list[bool], dict[str, str]]:
    """The argv a command runs after its launcher wrappers, whether each word is literal, and the wrappers' env."""
    core, _, env = unwrap(cmd.argv)
    offset = len(cmd.argv) - len(core)
    if offset >= 0 and cmd.argv[offset:] == core:
        literal = [cmd.literal(offset + i) for i in range(len(core))]
    else:  # uv/torchrun spelled out `python -m`: judge the words by their text
        literal = [not _dynamic(w) for w in core]
    return core, literal, env


def where(cwd: str, cmd: SimpleCommand, path: str = ".") -> str:
    base = cwd if not cmd.cwd else os.path.join(cwd, os.path.expanduser(cmd.cwd))
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def read_head(path: str, limit: int = MAX_FILE_BYTES) -> str | None:
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError:
        return None
    if len(data) > limit or b"\0" in data[:4096]:
        return None  # too large to read in a hook, or a binary: not a script the guard can judge
    return data.decode("utf-8", errors="replace")


def _shebang(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first[2:].strip() if first.startswith("#!") else ""


class _Follower:
    def __init__(self, cwd: str, commands: list[SimpleCommand]):
        self.cwd = cwd
        self.all = commands
        self.extra: list[SimpleCommand] = []
        self.opaque: list[Opaque] = []
        self.followed = 0

    # ---- entry -------------------------------------------------------------------------------------

    def run(self) -> None:
        queue = [(cmd, 0) for cmd in self.all]
        while queue:
            check_budget()
            cmd, level = queue.pop(0)
            for new in self.examine(cmd, level):
                self.extra.append(new)
                queue.append((new, level + 1))

    def opaque_if(self, cmd: SimpleCommand, what: str, *paths: str) -> list[SimpleCommand]:
        self.opaque.append(Opaque(cmd, what, tuple(p for p in paths if p)))
        return []

    def examine(self, cmd: SimpleCommand, level: int) -> list[SimpleCommand]:
        core, literal, env = core_of(cmd)
        if not core:
            return []
        if cmd.cwd and _dynamic(cmd.cwd) and self.may_launch(core):
            return self.opaque_if(cmd, f"it runs `{core[0]}` in a folder given by `{cmd.cwd}`, which bash expands")
        if not literal[0]:
            return self.opaque_if(cmd, f"the program to run is `{core[0]}`, which bash expands", *core[1:4])
        exe = core[0]
        base = basename(exe)
        if is_interpreter(exe):
            return self.python(cmd, core, literal, level)
        if base == LABRAILS:
            return self.labrails(cmd, core, literal)
        if base in SHELLS:
            return self.shell(cmd, core, literal, level)
        if base in ("source", "."):
            if len(core) < 2:
                return []
            return self.script(cmd, core[1], literal[1], core[2:], level, sourced=True)
        if base in ("make", "gmake"):
            if any(a in ("-v", "--version", "-h", "--help", "-n", "--dry-run", "--just-print", "-q", "--question")
                   for a in core[1:]):
                return []  # prints, or only says what it would run
            return self.make(cmd, core, literal, level)
        if base in _SCHEDULERS:
            script = next((i for i, a in enumerate(core[1:], start=1) if not a.startswith("-") and os.path.isfile(where(self.cwd, cmd, a))), None)
            if script is not None:
                return self.script(cmd, core[script], literal[script], core[script + 1 :], level)
            src = next((target for op, target in cmd.redirects if op.lstrip("0123456789") in ("<", "<>")), None)
            if src is not None:  # `at now < run.sh`
                return self.script(cmd, src, not _dynamic(src), [], level)
        if base in _OTHER_LANGUAGES:
            import re

            from labrails.guard.vocabulary import MAY_LAUNCH_PATTERN

            hit = next((a for a in core[1:] if re.search(MAY_LAUNCH_PATTERN, a, re.I)), None)
            if hit is not None:
                return self.opaque_if(cmd, f"`{base}` is given code that mentions `{re.search(MAY_LAUNCH_PATTERN, hit, re.I).group(0)}`, "
                                      "and labrails reads only shell and Python")
        if base == "git":
            return self.git(cmd, core, level)
        if base in _RUNNERS:
            return self.runner(cmd, base, core, literal)
        if "/" in exe:
            return self.path_program(cmd, core, literal, level)
        if base not in KNOWN_TOOLS:
            return self.unknown_program(cmd, core, literal)
        return []

    # ---- what may start Python or labrails -----------------------------------------------------------

    def may_launch(self, argv: list[str]) -> bool:
        """Whether an argv may start Python or labrails (through its launcher wrappers)."""
        core = unwrap(argv)[0] or argv
        if not core:
            return False
        base = basename(core[0])
        return (_dynamic(core[0]) or is_interpreter(core[0]) or base in (LABRAILS, "source", ".", "make", "gmake")
                or base in SHELLS or base in _RUNNERS or base in _SCHEDULERS or "/" in core[0] or base.endswith(".py"))

    # ---- python ------------------------------------------------------------------------------------

    def python(self, cmd, core, literal, level) -> list[SimpleCommand]:
        how, value, rest = python_invocation(core)
        if how == "info":
            return []
        value_literal = all(literal[1 : len(core) - len(rest)]) if how != "stdin" else True
        if how == "script":
            if not value_literal:
                return self.opaque_if(cmd, f"the script to run is `{value}`, which bash expands")
            path = os.path.realpath(where(self.cwd, cmd, value))
            if not os.path.exists(path) and self.in_experiment(cmd):
                return self.opaque_if(cmd, f"{value} does not exist yet (it would be made earlier in this same command)", path)
            if not all(literal[len(core) - len(rest) :]):
                word = next(core[i] for i in range(len(core) - len(rest), len(core)) if not literal[i])
                return self.opaque_if(cmd, f"`{word}` among the arguments of {value} is expanded by bash, so its profile and "
                                      "flags cannot be read", path if path.endswith(".py") else "")
            name = next((a for a in rest if not a.startswith("-")), None)
            if name is not None and _needs_tidying(name) and _tidied_profile(name, path):
                return self.opaque_if(cmd, f"the run name {name!r} is not plain (labrails would tidy it to "
                                      f"{_tidied(name)!r}, a {_tidied_profile(name, path)} run)", path)
            return []
        if how == "module":
            if not value_literal:
                return self.opaque_if(cmd, f"the module to run is `{value}`, which bash expands")
            local = self.local_module(cmd, value)
            if local:
                return self.opaque_if(cmd, f"`python -m {value}` runs {local}", local)
            if value.split(".")[0] in _RUNNER_MODULES or value in _RUNNER_MODULES:
                for arg in rest:
                    if arg.endswith(".py") or self.local_module(cmd, arg):
                        return self.opaque_if(cmd, f"`python -m {value}` runs {arg}", where(self.cwd, cmd, arg))
            return []
        code, source = None, None
        if how == "inline":
            if not value_literal and ("$(" in value or "`" in value):
                return self.opaque_if(cmd, "the code given to `python -c` holds a command substitution")
            # Plain `$var` references (a file name from a loop) are read as written: the code itself is judged.
            code = value
        else:  # stdin
            code = cmd.heredoc
            if code is None:
                src = next((target for op, target in cmd.redirects if op.lstrip("0123456789") in ("<", "<>")), None)
                if src is None:
                    return self.opaque_if(cmd, f"`{' '.join(core[:2])}` reads its code from a pipe")
                if _dynamic(src):
                    return self.opaque_if(cmd, f"`{core[0]}` reads its code from `{src}`, which bash expands")
                source = os.path.realpath(where(self.cwd, cmd, src))
                code = read_head(source)
                if code is None:
                    return self.opaque_if(cmd, f"`{core[0]}` reads its code from {src}, which cannot be read", source)
                if source.endswith(".py"):
                    return self.opaque_if(cmd, f"`{core[0]}` runs {src} from its standard input", source)
        return self.inline_code(cmd, code, level)

    def local_module(self, cmd, module: str) -> str | None:
        """The file ``python -m module`` would run from the command's folder, if it is a local one."""
        if not module or not all(part.isidentifier() for part in module.split(".")):
            return None
        rel = module.replace(".", "/")
        for candidate in (rel + ".py", rel + "/__main__.py"):
            path = where(self.cwd, cmd, candidate)
            if os.path.isfile(path):
                return os.path.realpath(path)
        return None

    def inline_code(self, cmd, code: str, level: int) -> list[SimpleCommand]:
        from labrails.guard.inline_runs import inline_runs

        found = inline_runs(code, lambda module: self.local_module(cmd, module))
        if found.opaque:
            return self.opaque_if(cmd, found.opaque, *found.paths)
        out = []
        for text in found.shell:
            out += self.parse(cmd, text, f"{basename(cmd.argv[0]) if cmd.argv else 'python'} subprocess", level)
        return out

    # ---- labrails ----------------------------------------------------------------------------------

    def labrails(self, cmd, core, literal) -> list[SimpleCommand]:
        if len(core) > 1 and not literal[1]:
            return self.opaque_if(cmd, f"the labrails command is `{core[1]}`, which bash expands")
        if core[1:2] and core[1] in ("approve", "sweep", "data", "run") and not all(literal):
            word = next(w for w, lit in zip(core, literal, strict=True) if not lit)
            return self.opaque_if(cmd, f"`labrails {core[1]}` is given `{word}`, which bash expands")
        return []

    # ---- shell scripts -----------------------------------------------------------------------------

    def shell(self, cmd, core, literal, level) -> list[SimpleCommand]:
        mode, _ = shell_invocation(core)
        if mode == "c":
            return []  # the parser already read the string
        if mode == "stdin":
            if cmd.heredoc is not None:
                return []  # the parser already read the heredoc
            src = next((target for op, target in cmd.redirects if op.lstrip("0123456789") in ("<", "<>")), None)
            if src is None:
                return self.opaque_if(cmd, f"`{core[0]}` reads commands from a pipe")
            return self.script(cmd, src, not _dynamic(src), [], level)
        # The first operand after the options is the script.
        i = 1
        while i < len(core) and core[i].startswith(("-", "+")) and core[i] not in ("-", "--"):
            i += 2 if core[i] in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file") else 1
        if i < len(core) and core[i] in ("-", "--"):
            i += 1
        if i >= len(core):
            return []
        return self.script(cmd, core[i], literal[i], core[i + 1 :], level)

    def script(self, cmd, word: str, literal: bool, args: list[str], level: int, *, sourced: bool = False) -> list[SimpleCommand]:
        if not literal:
            return self.opaque_if(cmd, f"the script to run is `{word}`, which bash expands")
        path = where(self.cwd, cmd, word)
        if sourced and "/" not in word and not os.path.isfile(path):
            return []  # `source venv/bin/activate`-style lookups on PATH are not scripts of the project
        return self.follow_file(cmd, path, word, level, label=f"{basename(word)}")

    def follow_file(self, cmd, path: str, word: str, level: int, *, label: str) -> list[SimpleCommand]:
        real = os.path.realpath(path)
        if level >= 1 or self.followed >= MAX_FOLLOWED:
            return self.opaque_if(cmd, f"{word} is run from inside another script (labrails follows one level)", real)
        text = read_head(real)
        if text is None:
            return self.opaque_if(cmd, f"the script {word} cannot be read", real)
        self.followed += 1
        return self.parse(cmd, text, label, level, paths=(real,))

    def parse(self, cmd, text: str, label: str, level: int, *, cwd: str | None = None, paths=()) -> list[SimpleCommand]:
        try:
            found = split_commands(text, cwd=cmd.cwd if cwd is None else cwd, nested_in=label,
                                   exported={**cmd.exported, **cmd.env})
        except ShellParseError as exc:
            return self.opaque_if(cmd, f"{label} cannot be parsed ({exc})", *paths)
        for new in found:
            new.background = new.background or cmd.background
        return found

    def path_program(self, cmd, core, literal, level) -> list[SimpleCommand]:
        """A program given by its path (``./run``, ``scripts/train``): a script is judged by what it is."""
        path = where(self.cwd, cmd, core[0])
        real = os.path.realpath(path)
        if not os.path.exists(real):
            if self.in_experiment(cmd):
                return self.opaque_if(cmd, f"{core[0]} does not exist yet (it would be made earlier in this same command)", real)
            return []
        text = read_head(real)
        if text is None:
            return []  # a compiled program
        return self.by_shebang(cmd, core, literal, real, text, level)

    def by_shebang(self, cmd, core, literal, real: str, text: str, level: int) -> list[SimpleCommand]:
        interpreter = _shebang(text)
        words = interpreter.split()
        program = basename(words[-1] if words and basename(words[0]) == "env" else (words[0] if words else ""))
        if real.endswith(".py") or program.startswith(_SHEBANG_PYTHON):
            # Judged as `python <the real file> args`, so a symlink or a copy with another name is still the script.
            synthetic = SimpleCommand(["python", real, *core[1:]], dict(cmd.env), cmd.cwd, list(cmd.redirects),
                                      cmd.background, cmd.heredoc, cmd.nested_in, dict(cmd.exported))
            synthetic.expanded = frozenset(i + 1 for i, lit in enumerate(literal) if not lit and i > 0)
            if _labrails_entry(text):
                synthetic.argv = [LABRAILS, *core[1:]]
                synthetic.expanded = frozenset(i for i, lit in enumerate(literal) if not lit and i > 0)
            return [synthetic]
        if not interpreter or program in SHELLS:
            return self.follow_file(cmd, real, core[0], level, label=basename(core[0]))
        return []

    def unknown_program(self, cmd, core, literal) -> list[SimpleCommand]:
        """A program labrails does not know: a copy of labrails on PATH, or a runner handed an experiment script."""
        program = _on_path(core[0], self.search_path(cmd))
        if program is not None:
            text = read_head(program, 64_000)
            if text is not None and _labrails_entry(text):
                synthetic = SimpleCommand([LABRAILS, *core[1:]], dict(cmd.env), cmd.cwd, list(cmd.redirects),
                                          cmd.background, None, cmd.nested_in, dict(cmd.exported))
                synthetic.expanded = frozenset(i for i, lit in enumerate(literal) if not lit and i > 0)
                return [synthetic]
        out: list[SimpleCommand] = []
        for i, arg in enumerate(core[1:], start=1):
            # `script -c "python train.py full"`, `ssh host 'cmd'`, `su -c '...'`: a shell string among the arguments.
            if literal[i] and (" " in arg or "\n" in arg) and self.may_launch(arg.split()):
                out += self.parse(cmd, arg, f"{basename(core[0])} argument", 0)
        if out:
            return out
        for i, arg in enumerate(core[1:], start=1):
            if arg.endswith(".py") and literal[i]:
                path = os.path.realpath(where(self.cwd, cmd, arg))
                if os.path.isfile(path) and self.in_experiment(cmd, path):
                    # `coverage run train.py full`, `memray run train.py full`: judged as the launch it is.
                    synthetic = SimpleCommand(["python", *core[i:]], dict(cmd.env), cmd.cwd, list(cmd.redirects),
                                              cmd.background, None, cmd.nested_in, dict(cmd.exported))
                    synthetic.expanded = frozenset(k - i + 1 for k in range(i, len(core)) if not literal[k])
                    return [synthetic]
        return []

    # ---- make, git, xargs/find/parallel ------------------------------------------------------------

    def make(self, cmd, core, literal, level) -> list[SimpleCommand]:
        from labrails.guard.makefile import make_invocation, recipes

        if not all(literal):
            return self.opaque_if(cmd, "`make` is given words that bash expands")
        folder, makefile, targets = make_invocation(core[1:])
        base_cwd = os.path.join(cmd.cwd, folder) if cmd.cwd and folder else (folder or cmd.cwd)
        path = where(self.cwd, cmd, os.path.join(folder or ".", makefile or "Makefile"))
        if makefile is None and not os.path.isfile(path):
            for name in ("GNUmakefile", "makefile"):
                alt = where(self.cwd, cmd, os.path.join(folder or ".", name))
                if os.path.isfile(alt):
                    path = alt
                    break
        if level >= 1 or self.followed >= MAX_FOLLOWED:
            return self.opaque_if(cmd, "`make` is run from inside another script (labrails follows one level)", path)
        text = read_head(path)
        if text is None:
            return self.opaque_if(cmd, f"the Makefile {os.path.relpath(path, self.cwd)} cannot be read", path)
        self.followed += 1
        lines, problem = recipes(text, targets)
        if problem:
            return self.opaque_if(cmd, f"`{' '.join(core)}`: {problem}", path)
        out: list[SimpleCommand] = []
        for target, line in lines:
            out += self.parse(cmd, line, f"make {target}", level, cwd=base_cwd, paths=(path,))
        return out

    def git(self, cmd, core, level) -> list[SimpleCommand]:
        from labrails.guard.gitalias import alias_of, git_subcommand

        sub, i, inline = git_subcommand(core)
        if sub is None:
            return []
        from labrails.guard.vocabulary import GIT_COMMANDS

        defined = inline.get(sub) or self.alias_defined_here(sub)
        if sub in GIT_COMMANDS and defined is None:
            return []
        value = defined if defined is not None else alias_of(where(self.cwd, cmd), sub)
        if value is None:
            return []  # git itself will say it is not a command
        args = core[i + 1 :]
        if value.startswith("!"):
            if level >= 1:
                return self.opaque_if(cmd, f"the git alias `{sub}` runs a shell command from inside another script")
            text = value[1:] + (" " + " ".join(_quote(a) for a in args) if args else "")
            return self.parse(cmd, text, f"git {sub}", level)
        import shlex

        try:
            words = shlex.split(value)
        except ValueError:
            return self.opaque_if(cmd, f"the git alias `{sub}` cannot be read")
        return [SimpleCommand(["git", *words, *args], dict(cmd.env), cmd.cwd, list(cmd.redirects), cmd.background,
                              None, f"git {sub}", dict(cmd.exported))]

    def alias_defined_here(self, name: str) -> str | None:
        """``git config alias.NAME VALUE`` earlier in the same command line."""
        for other in self.all:
            argv = other.argv
            if argv[:2] == ["git", "config"]:
                words = [a for a in argv[2:] if not a.startswith("-")]
                if len(words) >= 2 and words[0].lower() == f"alias.{name}".lower():
                    return " ".join(words[1:])
        return None

    def runner(self, cmd, base, core, literal) -> list[SimpleCommand]:
        from labrails.guard.runners import inner_commands

        for inner, how in inner_commands(base, core):
            if self.may_launch(inner):
                return self.opaque_if(cmd, f"`{base}` runs `{' '.join(inner[:3])}` with arguments {how}")
        return []

    # ---- where ------------------------------------------------------------------------------------

    def search_path(self, cmd) -> str:
        """The PATH the command runs with: its own `PATH=...` (the usual variables filled in), else the hook's."""
        value = cmd.env.get("PATH") or cmd.exported.get("PATH")
        if value is None:
            return os.environ.get("PATH", "")
        here = where(self.cwd, cmd)
        for name, known in (("PATH", os.environ.get("PATH", "")), ("PWD", here), ("HOME", os.path.expanduser("~"))):
            value = value.replace("${" + name + "}", known).replace("$" + name, known)
        return os.pathsep.join(os.path.join(here, os.path.expanduser(p)) for p in value.split(os.pathsep))

    def in_experiment(self, cmd, *paths: str) -> bool:
        from labrails.core.expview import find_experiment_root

        return any(find_experiment_root(os.path.dirname(p) if p.endswith(".py") else p) for p in (*paths, where(self.cwd, cmd)))


def _needs_tidying(name: str) -> bool:
    return ".." in name or any(c in _UNSAFE_NAME or ord(c) > 126 or ord(c) < 32 for c in name)


def _tidied(name: str) -> str:
    from labrails.core.naming import NameProblem, sanitize

    try:
        return sanitize(name)[0]
    except NameProblem:
        return ""


def _tidied_profile(name: str, script: str) -> str | None:
    """The profile the tidied run name picks, when ``script`` is in an experiment (a path or a sentence picks none)."""
    from labrails.core.expview import ExperimentView, find_experiment_root
    from labrails.core.naming import profile_from_name

    root = find_experiment_root(os.path.dirname(script))
    tidied = _tidied(name)
    return profile_from_name(tidied, ExperimentView(root).profiles) if root and tidied else None


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _labrails_entry(text: str) -> bool:
    """Whether a script is labrails' command line under another name (a copied or renamed console script)."""
    return any(marker in text for marker in ("labrails.__main__", "labrails.cli", "from labrails import main",
                                             "run_module('labrails'", 'run_module("labrails"'))


def _on_path(name: str, search: str) -> str | None:
    if not name or "/" in name:
        return None
    for folder in search.split(os.pathsep)[:64]:
        path = os.path.join(folder or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def follow(commands: list[SimpleCommand], cwd: str) -> tuple[list[SimpleCommand], list[Opaque]]:
    """The commands that ``commands`` run through files, aliases and runners, and what cannot be seen."""
    follower = _Follower(cwd, commands)
    follower.run()
    return follower.extra, follower.opaque
