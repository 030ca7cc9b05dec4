"""Split a shell command line into the simple commands it would run.

The guard sees every Bash command an agent is about to run and has to decide whether to let it through.
Agents rarely write ``python train.py`` plainly: they chain ``cd exp && ...``, wrap in ``nohup`` or
``uv run``, hide the launch inside ``bash -c "..."`` or ``$(...)``, and feed code through heredocs.  This
module turns such a line into a flat list of :class:`SimpleCommand` so a policy only ever has to look at
one argv at a time.

It is a recogniser of what bash would run, not a bash interpreter: nothing is expanded or executed, and
when the text is something bash itself would reject (or something we cannot see through confidently)
we raise :class:`ShellParseError` rather than guess, so the caller can fail closed.

Only the standard library is used, and only ``re`` at import time: this runs on every
agent command and has to start in a few milliseconds.
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_COMMAND_CHARS",
    "ShellParseError",
    "SimpleCommand",
    "split_commands",
    "unwrap",
]

# Hook payloads are a single command line; anything far larger is either generated or hostile, and
# parsing it is not worth the time budget of a hook.
MAX_COMMAND_CHARS = 100_000

# Subshells, groups and substitutions nest by recursion; this keeps the parser well inside Python's
# recursion limit whatever the input looks like.
_MAX_NESTING = 60
# Real arithmetic is short; bounding how far we look for `))` keeps `((((...` from costing O(n) per level.
_MAX_ARITHMETIC = 4096


class ShellParseError(ValueError):
    """The command cannot be split with confidence; treat it as opaque."""


class SimpleCommand:
    """One command that bash would start, with everything the guard needs to judge it in isolation.

    A plain class rather than a dataclass: importing ``dataclasses`` (and the ``inspect`` it pulls in)
    would cost more than a whole guard decision on every agent command.

    ``exported`` holds the variables an earlier ``export NAME=value`` in the same shell may have set for
    this command, including exports behind ``&&``/``||`` or inside if/loops (a policy that blocks on a
    variable should see it even if it was only possibly set). Exports in subshells, pipelines and
    background lists are left out: they cannot reach this command.
    """

    __slots__ = ("argv", "env", "cwd", "redirects", "background", "heredoc", "nested_in", "exported")

    def __init__(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None,
                 redirects: list[tuple[str, str]] | None = None, background: bool = False, heredoc: str | None = None,
                 nested_in: str | None = None, exported: dict[str, str] | None = None):
        self.argv = argv
        self.env = {} if env is None else env
        self.cwd = cwd
        self.redirects = [] if redirects is None else redirects
        self.background = background
        self.heredoc = heredoc
        self.nested_in = nested_in
        self.exported = {} if exported is None else exported

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SimpleCommand) and self._fields() == other._fields()

    def __repr__(self) -> str:
        return "SimpleCommand(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


# --------------------------------------------------------------------------------------------------
# Lexical building blocks

_BLANKS = " \t"
_WORD_STOP = frozenset(" \t\n|&;<>()")
# Runs of characters that need no special handling inside a word; matching them in bulk keeps long
# inputs linear instead of one Python iteration per character.
_PLAIN_RUN = re.compile(r"[^ \t\n|&;<>()\\'\"$`]+")
_DQ_PLAIN_RUN = re.compile(r'[^"\\$`]+')
_HEREDOC_PLAIN_RUN = re.compile(r"[^\\$`]+")
_REDIRECT = re.compile(r"(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[0-9]*)(?:<<<|<<-|<<|<>|<&|>&|>>|>\||<|>)|&>>|&>")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\+?=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED_WORD = re.compile(r"(\[\[|[{}!]|[a-z]+)(?=[ \t\n;&|()<>]|\Z)")
_RESERVED = frozenset(
    "if then elif else fi for select while until do done case esac in function time coproc { } ! [[".split()
)
# Words that only make sense as the continuation of a compound command; seeing one where a command
# should start means the text is not valid bash.
_MISPLACED = frozenset("then elif else fi do done esac }".split())
_COMPOUND_START = frozenset("{ if for select while until case [[ !".split())
_TIME_PREFIX = re.compile(r"time[ \t]+(?:-p[ \t]+)?")
_COPROC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[ \t]+(?=[{(])")
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh"})


class _Word:
    __slots__ = ("value", "raw", "quoted", "nested")

    def __init__(self, value: str, raw: str, quoted: bool, nested: list[SimpleCommand]):
        self.value = value
        self.raw = raw
        self.quoted = quoted
        self.nested = nested


class _Heredoc:
    __slots__ = ("delim", "strip_tabs", "quoted", "target", "piped_to")

    def __init__(self, delim: str, strip_tabs: bool, quoted: bool):
        self.delim = delim
        self.strip_tabs = strip_tabs
        self.quoted = quoted
        self.target: SimpleCommand | None = None
        # `cat <<EOF | python -`: the reader on the other side of the pipe gets the body too.
        self.piped_to: list[SimpleCommand] = []


_ANSI_C = re.compile(
    r"\\(?:([abeEfnrtv\\'\"?])|([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|c(.))",
    re.S,
)
_ANSI_SIMPLE = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
                "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _ansi_c_decode(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        simple, octal, hex2, u4, u8, ctrl = m.groups()
        if simple is not None:
            return _ANSI_SIMPLE[simple]
        if ctrl is not None:
            return chr(ord(ctrl) & 0x1F)
        code = int(octal, 8) if octal else int(hex2 or u4 or u8, 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _ANSI_C.sub(one, text)


def _join_dir(current: str | None, target: str) -> str:
    if current is None or target.startswith(("/", "~")):
        return target
    if current.endswith("/"):
        return current + target
    return f"{current}/{target}"


def _basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


# --------------------------------------------------------------------------------------------------
# The parser


class _Parser:
    """Recursive descent over one piece of shell text.

    ``depth`` counts the layers of "code inside code" (``bash -c``, ``$()``, backticks...) that
    ``max_depth`` limits; ``nest`` counts every syntactic nesting so recursion stays bounded.
    """

    def __init__(
        self,
        text: str,
        *,
        max_depth: int,
        depth: int = 0,
        nest: int = 0,
        nested_in: str | None = None,
        cwd: str | None = None,
        exported: dict[str, str] | None = None,
    ):
        if depth > max_depth:
            raise ShellParseError(f"commands nested more than {max_depth} levels deep; not looking further")
        if nest > _MAX_NESTING:
            raise ShellParseError("command is nested too deeply to parse")
        self.s = text
        self.n = len(text)
        self.i = 0
        self.max_depth = max_depth
        self.depth = depth
        self.nest = nest
        self.nested_in = nested_in
        # Shell state that later commands inherit; saved and restored around anything bash runs in a
        # subshell (parentheses, pipelines, `&`) so a `cd` there does not leak.
        self.cwd = cwd
        self.oldcwd: str | None = cwd
        self.dirstack: tuple[str | None, ...] = ()
        self.exported: dict[str, str] = dict(exported or {})
        self.shellvars: dict[str, str] = {}
        # True where a command may not run (after && / ||, inside if/loops/functions): an `unset`
        # there may not have happened, so it does not remove anything.
        self.conditional = False
        self.pending: list[_Heredoc] = []
        # Commands found while reading heredoc bodies, which bash reads only after the line ends.
        self.late: list[SimpleCommand] = []

    # ---- entry point ------------------------------------------------------------------------------

    def run(self) -> list[SimpleCommand]:
        cmds, term = self._parse_list(frozenset())
        if term is not None or self.i < self.n:
            raise ShellParseError(f"unexpected {self._here()}")
        if self.pending:
            raise ShellParseError(f"unterminated heredoc: no line reading {self.pending[0].delim!r}")
        return cmds + self.late

    # ---- small helpers ----------------------------------------------------------------------------

    def _here(self) -> str:
        if self.i >= self.n:
            return "end of command"
        snippet = self.s[self.i : self.i + 20].split("\n", 1)[0] or "newline"
        return repr(snippet)

    def _enter(self, counts_depth: bool) -> None:
        self.nest += 1
        if self.nest > _MAX_NESTING:
            raise ShellParseError("command is nested too deeply to parse")
        if counts_depth:
            self.depth += 1
            if self.depth > self.max_depth:
                raise ShellParseError(
                    f"commands nested more than {self.max_depth} levels deep; not looking further"
                )

    def _leave(self, counts_depth: bool) -> None:
        self.nest -= 1
        if counts_depth:
            self.depth -= 1

    def _save(self) -> tuple:
        return (self.cwd, self.oldcwd, self.dirstack, dict(self.exported), dict(self.shellvars))

    def _restore(self, saved: tuple) -> None:
        self.cwd, self.oldcwd, self.dirstack, exported, shellvars = saved
        self.exported = dict(exported)
        self.shellvars = dict(shellvars)

    def _skip_blanks(self) -> None:
        s, n, i = self.s, self.n, self.i
        while i < n:
            c = s[i]
            if c == " " or c == "\t":
                i += 1
            elif c == "\\" and i + 1 < n and s[i + 1] == "\n":
                i += 2
            elif c == "#":
                j = s.find("\n", i)
                i = n if j < 0 else j
            else:
                break
        self.i = i

    def _newline(self) -> None:
        self.i += 1
        if self.pending:
            self._read_heredocs()

    def _skip_newlines(self) -> None:
        while True:
            self._skip_blanks()
            if self.i < self.n and self.s[self.i] == "\n":
                self._newline()
            else:
                return

    def _peek_op(self) -> str | None:
        s, i = self.s, self.i
        if i >= self.n:
            return None
        c = s[i]
        nxt = s[i + 1 : i + 2]
        if c == "\n" or c == "(" or c == ")":
            return c
        if c == ";":
            if s.startswith(";;&", i):
                return ";;&"
            return ";;" if nxt == ";" else ";&" if nxt == "&" else ";"
        if c == "&":
            return "&&" if nxt == "&" else None if nxt == ">" else "&"
        if c == "|":
            return "||" if nxt == "|" else "|&" if nxt == "&" else "|"
        return None

    def _reserved(self) -> str | None:
        m = _RESERVED_WORD.match(self.s, self.i)
        if not m or m.group(1) not in _RESERVED:
            return None
        word = m.group(1)
        if word in ("{", "!", "[[") and not (m.end() < self.n and self.s[m.end()] in " \t\n"):
            return None
        return word

    def _match_redirect(self) -> re.Match[str] | None:
        m = _REDIRECT.match(self.s, self.i)
        if m is None:
            return None
        # `<(cmd)` and `>(cmd)` are process substitutions, i.e. words.
        if m.group(0) in ("<", ">") and self.s.startswith("(", m.end()):
            return None
        return m

    # ---- lists, and-or lists, pipelines ------------------------------------------------------------

    def _parse_list(
        self, stop_words: frozenset[str], *, stop_paren: bool = False, stop_case: bool = False
    ) -> tuple[list[SimpleCommand], str | None]:
        out: list[SimpleCommand] = []
        while True:
            self._skip_newlines()
            if self.i >= self.n:
                return out, None
            op = self._peek_op()
            if op == ")":
                if stop_paren:
                    return out, ")"
                raise ShellParseError("unexpected ')' without a matching '('")
            if op in (";;", ";&", ";;&"):
                if stop_case:
                    return out, op
                raise ShellParseError(f"unexpected {op!r} outside a case statement")
            word = self._reserved()
            if word is not None and word in stop_words:
                self.i += len(word)
                return out, word
            start = self.i
            cmds, saved = self._parse_and_or()
            out.extend(cmds)
            self._skip_blanks()
            op = self._peek_op()
            if op == "&":
                # An and-or list ending in `&` runs in a background subshell: its cd/export stay there.
                self.i += 1
                for cmd in cmds:
                    cmd.background = True
                self._restore(saved)
            elif op == ";":
                self.i += 1
            elif op in ("\n", ")", ";;", ";&", ";;&") or self.i >= self.n:
                pass
            else:
                raise ShellParseError(f"unexpected {self._here()}")
            if self.i == start:
                raise ShellParseError(f"unexpected {self._here()}")

    def _parse_and_or(self) -> tuple[list[SimpleCommand], tuple]:
        saved = self._save()
        was_conditional = self.conditional
        cmds = self._parse_pipeline()
        while True:
            self._skip_blanks()
            op = self._peek_op()
            if op not in ("&&", "||"):
                break
            self.i += 2
            self._skip_newlines()
            # Later links may not run; their cd and exports still count (the usual case is that
            # they ran), but an unset there is not trusted.
            self.conditional = True
            cmds += self._parse_pipeline()
        self.conditional = was_conditional
        return cmds, saved

    def _parse_pipeline(self) -> list[SimpleCommand]:
        saved = self._save()
        element = self._parse_command()
        cmds = list(element)
        parts = 1
        while True:
            self._skip_blanks()
            op = self._peek_op()
            if op not in ("|", "|&"):
                break
            self.i += len(op)
            self._skip_newlines()
            # Every element of a pipeline runs in its own subshell.
            self._restore(saved)
            previous, element = element, self._parse_command()
            cmds += element + self._pipe_heredoc(previous, element)
            parts += 1
        if parts > 1:
            self._restore(saved)
        return cmds

    # ---- commands ---------------------------------------------------------------------------------

    def _parse_command(self) -> list[SimpleCommand]:
        self._skip_blanks()
        word = self._reserved()
        if word == "!":
            self.i += 1
            return self._parse_command()
        if word == "{":
            self.i += 1
            self._enter(False)
            cmds, term = self._parse_list(frozenset({"}"}))
            if term != "}":
                raise ShellParseError("'{' without a closing '}'")
            self._leave(False)
            return self._compound_tail(cmds)
        if word == "if":
            return self._parse_if()
        if word in ("while", "until"):
            return self._parse_while(word)
        if word in ("for", "select"):
            return self._parse_for(word)
        if word == "case":
            return self._parse_case()
        if word == "[[":
            return self._parse_test()
        if word == "function":
            return self._parse_function_keyword()
        if word == "time" and self._time_before_compound():
            return self._parse_command()
        if word == "coproc":
            self.i += len(word)
            self._skip_blanks()
            m = _COPROC_NAME.match(self.s, self.i)
            if m:
                self.i = m.end()
            cmds = self._parse_command()
            for cmd in cmds:
                cmd.background = True
            return cmds
        if word in _MISPLACED:
            raise ShellParseError(f"unexpected {word!r}")
        if self._peek_op() == "(":
            if self.s.startswith("((", self.i):
                end = self._arith_end(self.i + 2)
                if end is not None:
                    self.i = end
                    return self._compound_tail([])
            self.i += 1
            return self._compound_tail(self._subshell("subshell", counts_depth=False))
        return self._parse_simple()

    def _time_before_compound(self) -> bool:
        m = _TIME_PREFIX.match(self.s, self.i)
        if not m:
            return False
        saved = self.i
        self.i = m.end()
        nxt = self._reserved()
        if nxt in _COMPOUND_START or self._peek_op() == "(":
            return True
        self.i = saved
        return False

    def _subshell(self, label: str, *, counts_depth: bool) -> list[SimpleCommand]:
        """Parse up to the matching ``)``; whatever happens inside does not change our shell state."""
        self._enter(counts_depth)
        saved, saved_label = self._save(), self.nested_in
        self.nested_in = label
        cmds, term = self._parse_list(frozenset(), stop_paren=True)
        if term != ")":
            opener = "(" if label == "subshell" else label[:-1]
            raise ShellParseError(f"unterminated {opener!r}: missing ')'")
        self.i += 1
        self._restore(saved)
        self.nested_in = saved_label
        self._leave(counts_depth)
        return cmds

    def _pipe_heredoc(self, previous: list[SimpleCommand], element: list[SimpleCommand]) -> list[SimpleCommand]:
        """Treat ``cat <<EOF | reader`` like ``reader <<EOF``, so the body is seen as the reader's input."""
        if not previous or not element:
            return []
        source, reader = previous[0], element[0]
        if source.argv not in (["cat"], ["cat", "-"]) or reader.nested_in != source.nested_in:
            return []
        if reader.heredoc is not None or any(doc.target is reader for doc in self.pending):
            return []
        if source.heredoc is not None:  # a here-string, known already
            reader.heredoc = source.heredoc
            return self._shell_stdin(reader, source.heredoc)
        for doc in self.pending:
            if doc.target is source:
                doc.piped_to.append(reader)
        return []

    def _compound_tail(self, cmds: list[SimpleCommand]) -> list[SimpleCommand]:
        """Redirections after a compound command apply to every command inside it."""
        redirects: list[tuple[str, str]] = []
        heredocs: list[_Heredoc] = []
        extra: list[SimpleCommand] = []
        while True:
            self._skip_blanks()
            m = self._match_redirect()
            if m is None:
                break
            op, target, heredoc, nested = self._read_redirect(m)
            redirects.append((op, target))
            extra += nested
            if heredoc is not None:
                heredocs.append(heredoc)
        for cmd in cmds:
            cmd.redirects.extend(redirects)
        for heredoc in heredocs:
            heredoc.target = cmds[0] if cmds else None
            self.pending.append(heredoc)
        return cmds + extra

    def _conditional_body(self, parse):
        self._enter(False)
        was = self.conditional
        self.conditional = True
        try:
            return parse()
        finally:
            self.conditional = was
            self._leave(False)

    def _expect(self, stop_words: frozenset[str], what: str) -> tuple[list[SimpleCommand], str]:
        cmds, term = self._parse_list(stop_words)
        if term is None or term not in stop_words:
            raise ShellParseError(what)
        return cmds, term

    def _parse_if(self) -> list[SimpleCommand]:
        self.i += 2

        def body() -> list[SimpleCommand]:
            out: list[SimpleCommand] = []
            while True:
                cmds, _ = self._expect(frozenset({"then"}), "'if' without 'then'")
                out += cmds
                cmds, term = self._expect(frozenset({"elif", "else", "fi"}), "'if' without 'fi'")
                out += cmds
                if term == "elif":
                    continue
                if term == "else":
                    cmds, _ = self._expect(frozenset({"fi"}), "'if' without 'fi'")
                    out += cmds
                return out

        return self._compound_tail(self._conditional_body(body))

    def _parse_while(self, keyword: str) -> list[SimpleCommand]:
        self.i += len(keyword)

        def body() -> list[SimpleCommand]:
            cond, _ = self._expect(frozenset({"do"}), f"'{keyword}' without 'do'")
            loop, _ = self._expect(frozenset({"done"}), f"'{keyword}' without 'done'")
            return cond + loop

        return self._compound_tail(self._conditional_body(body))

    def _parse_for(self, keyword: str) -> list[SimpleCommand]:
        self.i += len(keyword)

        def body() -> list[SimpleCommand]:
            out: list[SimpleCommand] = []
            self._skip_blanks()
            if self.s.startswith("((", self.i):
                end = self._arith_end(self.i + 2)
                if end is None:
                    raise ShellParseError(f"unterminated '((' in '{keyword}'")
                self.i = end
            else:
                if self._read_word() is None:
                    raise ShellParseError(f"'{keyword}' without a variable name")
                self._skip_newlines()
                if self._reserved() == "in":
                    self.i += 2
                    while True:
                        self._skip_blanks()
                        if self.i >= self.n or self._peek_op() is not None:
                            break
                        word = self._read_word()
                        if word is None:
                            raise ShellParseError(f"unexpected {self._here()}")
                        out += word.nested
            self._skip_blanks()
            if self._peek_op() == ";":
                self.i += 1
            self._skip_newlines()
            word = self._reserved()
            if word == "do":
                self.i += 2
                cmds, _ = self._expect(frozenset({"done"}), f"'{keyword}' without 'done'")
            elif word == "{":
                self.i += 1
                cmds, _ = self._expect(frozenset({"}"}), "'{' without a closing '}'")
            else:
                raise ShellParseError(f"'{keyword}' without 'do'")
            return out + cmds

        return self._compound_tail(self._conditional_body(body))

    def _parse_case(self) -> list[SimpleCommand]:
        self.i += 4

        def body() -> list[SimpleCommand]:
            out: list[SimpleCommand] = []
            self._skip_blanks()
            subject = self._read_word()
            if subject is None:
                raise ShellParseError("'case' without a word to match")
            out += subject.nested
            self._skip_newlines()
            if self._reserved() != "in":
                raise ShellParseError("'case' without 'in'")
            self.i += 2
            while True:
                self._skip_newlines()
                if self.i >= self.n:
                    raise ShellParseError("'case' without 'esac'")
                if self._reserved() == "esac":
                    self.i += 4
                    return out
                if self._peek_op() == "(":
                    self.i += 1
                while True:
                    self._skip_blanks()
                    op = self._peek_op()
                    if op == ")":
                        self.i += 1
                        break
                    if op == "|":
                        self.i += 1
                        continue
                    pattern = self._read_word() if op is None else None
                    if pattern is None:
                        raise ShellParseError(f"bad case pattern at {self._here()}")
                    out += pattern.nested
                cmds, term = self._parse_list(frozenset({"esac"}), stop_case=True)
                out += cmds
                if term == "esac":
                    return out
                if term is None:
                    raise ShellParseError("'case' without 'esac'")
                self.i += len(term)

        return self._compound_tail(self._conditional_body(body))

    def _parse_test(self) -> list[SimpleCommand]:
        """``[[ ... ]]``: inside it ``<``, ``>``, ``&&`` and parentheses are operators, not syntax."""
        self.i += 2
        words = ["[["]
        nested: list[SimpleCommand] = []
        s = self.s
        while True:
            self._skip_newlines()
            if self.i >= self.n:
                raise ShellParseError("unterminated '[['")
            i = self.i
            if s.startswith("]]", i) and (i + 2 >= self.n or s[i + 2] in " \t\n;&|)<>"):
                self.i += 2
                words.append("]]")
                break
            if s[i] in "<>()|&;":
                j = i
                while j < self.n and s[j] in "<>()|&;":
                    j += 1
                words.append(s[i:j])
                self.i = j
                continue
            word = self._read_word()
            if word is None:
                raise ShellParseError(f"unexpected {self._here()} in '[['")
            words.append(word.value)
            nested += word.nested
        cmd = SimpleCommand(words, cwd=self.cwd, nested_in=self.nested_in, exported=dict(self.exported))
        return self._compound_tail([cmd, *nested])

    def _parse_function_keyword(self) -> list[SimpleCommand]:
        self.i += len("function")
        self._skip_blanks()
        if self._read_word() is None:
            raise ShellParseError("'function' without a name")
        self._skip_blanks()
        if self._peek_op() == "(":
            if not self._at_empty_parens():
                raise ShellParseError("bad function definition")
            self.i = self.s.index(")", self.i) + 1
        return self._function_body()

    def _at_empty_parens(self) -> bool:
        j = self.i + 1
        while j < self.n and self.s[j] in _BLANKS:
            j += 1
        return j < self.n and self.s[j] == ")"

    def _function_body(self) -> list[SimpleCommand]:
        # The body only runs when the function is called, maybe later in this same line; reporting
        # it now errs on the side of seeing too much.
        self._skip_newlines()
        saved, saved_label = self._save(), self.nested_in
        self.nested_in = "function"

        def body() -> list[SimpleCommand]:
            return self._parse_command()

        cmds = self._conditional_body(body)
        self._restore(saved)
        self.nested_in = saved_label
        return cmds

    # ---- simple commands ----------------------------------------------------------------------------

    def _parse_simple(self) -> list[SimpleCommand]:
        words: list[str] = []
        env: dict[str, str] = {}
        redirects: list[tuple[str, str]] = []
        heredocs: list[_Heredoc] = []
        herestring: str | None = None
        nested: list[SimpleCommand] = []
        assigning = True
        while True:
            self._skip_blanks()
            if self.i >= self.n:
                break
            m = self._match_redirect()
            if m is not None:
                op, target, heredoc, inner = self._read_redirect(m)
                redirects.append((op, target))
                nested += inner
                if heredoc is not None:
                    heredocs.append(heredoc)
                elif op.endswith("<<<"):
                    herestring = target
                continue
            op = self._peek_op()
            if op is not None:
                if op == "(" and len(words) == 1 and not env and not redirects and self._at_empty_parens():
                    self.i = self.s.index(")", self.i) + 1
                    return nested + self._function_body()
                if op == "(":
                    raise ShellParseError(f"unexpected '(' after {' '.join(words) or 'assignment'!r}")
                break
            word = self._read_word()
            if word is None:
                raise ShellParseError(f"unexpected {self._here()}")
            nested += word.nested
            if assigning:
                am = _ASSIGNMENT.match(word.raw)
                if am:
                    env[am.group(1)] = word.value[am.end() :]
                    continue
                assigning = False
            words.append(word.value)
        if not words and not env and not redirects:
            return nested
        cmd = SimpleCommand(
            words,
            env,
            self.cwd,
            redirects,
            False,
            herestring,
            self.nested_in,
            exported=dict(self.exported),
        )
        for heredoc in heredocs:
            heredoc.target = cmd
            self.pending.append(heredoc)
        inner = self._inner_commands(cmd)
        if herestring is not None:
            inner += self._shell_stdin(cmd, herestring)
        self._track_state(cmd)
        return [cmd, *nested, *inner]

    def _read_redirect(self, m: re.Match[str]) -> tuple[str, str, _Heredoc | None, list[SimpleCommand]]:
        op = m.group(0)
        self.i = m.end()
        self._skip_blanks()
        at = self.s[self.i : self.i + 2]
        if self.i >= self.n or (at[0] in "\n|&;()<>" and at not in ("<(", ">(")):
            raise ShellParseError(f"redirection {op!r} without a target")
        word = self._read_word()
        if word is None:
            raise ShellParseError(f"redirection {op!r} without a target")
        if op.endswith("<<-") or (op.endswith("<<") and not op.endswith("<<<")):
            return op, word.value, _Heredoc(word.value, op.endswith("-"), word.quoted), []
        return op, word.value, None, word.nested

    def _read_heredocs(self) -> None:
        pending, self.pending = self.pending, []
        s, n = self.s, self.n
        for doc in pending:
            lines: list[str] = []
            i = self.i
            while True:
                if i >= n:
                    raise ShellParseError(f"unterminated heredoc: no line reading {doc.delim!r}")
                j = s.find("\n", i)
                line = s[i:] if j < 0 else s[i:j]
                if doc.strip_tabs:
                    line = line.lstrip("\t")
                i = n if j < 0 else j + 1
                if line == doc.delim:
                    break
                if j < 0:
                    raise ShellParseError(f"unterminated heredoc: no line reading {doc.delim!r}")
                lines.append(line + "\n")
            self.i = i
            body = "".join(lines)
            target = doc.target
            if target is None:
                continue
            target.heredoc = body
            found: list[SimpleCommand] = []
            for reader in doc.piped_to:
                reader.heredoc = body
                found += self._shell_stdin(reader, body)
            if not doc.quoted:
                # An unquoted delimiter means bash expands $(...) and backticks in the body.
                sub = _Parser(
                    body,
                    max_depth=self.max_depth,
                    depth=self.depth,
                    nest=self.nest + 1,
                    nested_in=target.nested_in,
                    cwd=target.cwd,
                    exported=target.exported,
                )
                found = sub._expand_heredoc_body()
            found += self._shell_stdin(target, body)
            for cmd in found:
                cmd.background = cmd.background or target.background
            self.late += found

    def _expand_heredoc_body(self) -> list[SimpleCommand]:
        _, found = self._read_double_quoted(None)
        if self.pending:
            raise ShellParseError(f"unterminated heredoc: no line reading {self.pending[0].delim!r}")
        return found + self.late

    # ---- words ------------------------------------------------------------------------------------

    def _read_word(self) -> _Word | None:
        s, n = self.s, self.n
        start = i = self.i
        parts: list[str] = []
        quoted = False
        nested: list[SimpleCommand] = []
        while i < n:
            c = s[i]
            if c in _WORD_STOP:
                if c == "(" and i > start and self._paren_belongs_to_word(start, i):
                    end = self._balanced_paren_end(i)
                    parts.append(s[i:end])
                    i = end
                    continue
                if c in "<>" and i + 1 < n and s[i + 1] == "(":
                    self.i = i + 2
                    nested += self._subshell(c + "()", counts_depth=True)
                    parts.append(s[i : self.i])
                    i = self.i
                    continue
                break
            if c == "\\":
                if i + 1 >= n:
                    parts.append("\\")
                    i += 1
                elif s[i + 1] == "\n":
                    i += 2
                else:
                    parts.append(s[i + 1])
                    quoted = True
                    i += 2
            elif c == "'":
                j = s.find("'", i + 1)
                if j < 0:
                    raise ShellParseError("unbalanced single quote")
                parts.append(s[i + 1 : j])
                quoted = True
                i = j + 1
            elif c == '"':
                self.i = i + 1
                value, inner = self._read_double_quoted('"')
                parts.append(value)
                nested += inner
                quoted = True
                i = self.i
            elif c == "$":
                self.i = i
                value, inner, was_quoted = self._read_dollar(in_dq=False)
                parts.append(value)
                nested += inner
                quoted = quoted or was_quoted
                i = self.i
            elif c == "`":
                self.i = i
                value, inner = self._read_backticks(in_dq=False)
                parts.append(value)
                nested += inner
                i = self.i
            else:
                m = _PLAIN_RUN.match(s, i)
                parts.append(m.group(0))
                i = m.end()
        self.i = i
        if i == start:
            return None
        return _Word("".join(parts), s[start:i], quoted, nested)

    def _paren_belongs_to_word(self, start: int, i: int) -> bool:
        # `name=(a b)` is an array assignment and `@(x|y)` an extended glob; neither opens a subshell.
        prev = self.s[i - 1]
        if prev in "@!+*?":
            return True
        return _ASSIGNMENT.fullmatch(self.s, start, i) is not None

    def _balanced_paren_end(self, i: int) -> int:
        s, n = self.s, self.n
        depth = 0
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                j = s.find("'", i + 1)
                if j < 0:
                    raise ShellParseError("unbalanced single quote")
                i = j + 1
                continue
            if c == '"':
                self.i = i + 1
                self._read_double_quoted('"')
                i = self.i
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise ShellParseError("unbalanced '(': missing ')'")

    def _read_double_quoted(self, stop: str | None) -> tuple[str, list[SimpleCommand]]:
        """Read a double-quoted string after its opening quote, or (stop=None) a heredoc body."""
        s, n = self.s, self.n
        i = self.i
        parts: list[str] = []
        nested: list[SimpleCommand] = []
        escapable = '$`"\\' if stop else "$`\\"
        plain = _DQ_PLAIN_RUN if stop else _HEREDOC_PLAIN_RUN
        while True:
            if i >= n:
                if stop is None:
                    break
                raise ShellParseError("unbalanced double quote")
            c = s[i]
            if c == stop:
                i += 1
                break
            if c == "\\":
                nxt = s[i + 1 : i + 2]
                if nxt == "\n":
                    i += 2
                elif nxt and nxt in escapable:
                    parts.append(nxt)
                    i += 2
                else:
                    parts.append("\\")
                    i += 1
            elif c == "$":
                self.i = i
                value, inner, _ = self._read_dollar(in_dq=True)
                parts.append(value)
                nested += inner
                i = self.i
            elif c == "`":
                self.i = i
                value, inner = self._read_backticks(in_dq=stop is not None)
                parts.append(value)
                nested += inner
                i = self.i
            else:
                m = plain.match(s, i)
                parts.append(m.group(0))
                i = m.end()
        self.i = i
        return "".join(parts), nested

    def _read_dollar(self, *, in_dq: bool) -> tuple[str, list[SimpleCommand], bool]:
        """Read one ``$`` construct; expansions stay literal, but commands inside are collected."""
        s, i = self.s, self.i
        nxt = s[i + 1 : i + 2]
        if s.startswith("$((", i):
            end = self._arith_end(i + 3)
            if end is not None:
                self.i = end
                return s[i:end], [], False
        if nxt == "(":
            self.i = i + 2
            nested = self._subshell("$()", counts_depth=True)
            return s[i : self.i], nested, False
        if nxt == "{":
            self.i = i + 2
            nested = self._read_parameter(in_dq)
            return s[i : self.i], nested, False
        if nxt == "'" and not in_dq:
            j = i + 2
            while True:
                if j >= self.n:
                    raise ShellParseError("unbalanced single quote in $'...'")
                if s[j] == "\\":
                    j += 2
                elif s[j] == "'":
                    break
                else:
                    j += 1
            self.i = j + 1
            return _ansi_c_decode(s[i + 2 : j]), [], True
        if nxt == '"' and not in_dq:
            self.i = i + 2
            value, nested = self._read_double_quoted('"')
            return value, nested, True
        self.i = i + 1
        return "$", [], False

    def _read_parameter(self, in_dq: bool) -> list[SimpleCommand]:
        """Skip a ``${...}`` body, which may itself hold quotes and command substitutions."""
        s, n = self.s, self.n
        nested: list[SimpleCommand] = []
        self._enter(False)
        while True:
            i = self.i
            if i >= n:
                raise ShellParseError("unterminated '${'")
            c = s[i]
            if c == "}":
                self.i = i + 1
                break
            if c == "\\":
                self.i = i + 2
            elif c == "'" and not in_dq:
                j = s.find("'", i + 1)
                if j < 0:
                    raise ShellParseError("unbalanced single quote")
                self.i = j + 1
            elif c == '"':
                self.i = i + 1
                nested += self._read_double_quoted('"')[1]
            elif c == "$":
                nested += self._read_dollar(in_dq=in_dq)[1]
            elif c == "`":
                nested += self._read_backticks(in_dq=in_dq)[1]
            else:
                self.i = i + 1
        self._leave(False)
        return nested

    def _read_backticks(self, *, in_dq: bool) -> tuple[str, list[SimpleCommand]]:
        s, n = self.s, self.n
        start = self.i
        j = start + 1
        while True:
            if j >= n:
                raise ShellParseError("unbalanced backtick")
            if s[j] == "\\":
                j += 2
            elif s[j] == "`":
                break
            else:
                j += 1
        self.i = j + 1
        escapes = '\\\\`$"' if in_dq else "\\\\`$"
        body = re.sub(f"\\\\([{escapes}])", r"\1", s[start + 1 : j])
        sub = _Parser(
            body,
            max_depth=self.max_depth,
            depth=self.depth + 1,
            nest=self.nest + 1,
            nested_in="``",
            cwd=self.cwd,
            exported=self.exported,
        )
        return s[start : j + 1], sub.run()

    def _arith_end(self, j: int) -> int | None:
        """End of ``((...))`` whose body starts at j, or None if the parentheses are not arithmetic."""
        s = self.s
        n = min(self.n, j + _MAX_ARITHMETIC)
        depth = 0
        while j < n:
            c = s[j]
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    return j + 2 if s.startswith(")", j + 1) else None
                depth -= 1
            j += 1
        return None

    # ---- what a finished simple command does to the shell -------------------------------------------

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

    def _sub_parse(self, text: str, label: str, outer: SimpleCommand) -> list[SimpleCommand]:
        env = {**outer.exported, **outer.env}
        env.update(unwrap(outer.argv)[2])
        sub = _Parser(
            text,
            max_depth=self.max_depth,
            depth=self.depth + 1,
            nest=self.nest + 1,
            nested_in=label,
            cwd=outer.cwd,
            exported=env,
        )
        return sub.run()

    def _inner_commands(self, cmd: SimpleCommand) -> list[SimpleCommand]:
        """Commands that ``cmd`` hands to a shell as a string: ``bash -c``, ``eval``, ``sbatch --wrap``..."""
        core = unwrap(cmd.argv)[0]
        if not core:
            return []
        out: list[SimpleCommand] = []
        for label, text in _shell_strings(core):
            out += self._sub_parse(text, label, cmd)
        return out

    def _shell_stdin(self, cmd: SimpleCommand, text: str) -> list[SimpleCommand]:
        """A heredoc or here-string fed to a bare ``bash``/``sh`` is a script; parse it too."""
        core = unwrap(cmd.argv)[0]
        if not core or _basename(core[0]) not in _SHELLS:
            return []
        mode, _ = _shell_invocation(core)
        if mode != "stdin":
            return []
        return self._sub_parse(text, f"{_basename(core[0])} <<", cmd)


# --------------------------------------------------------------------------------------------------
# Programs that run a string as shell code


def _shell_invocation(core: list[str]) -> tuple[str, str | None]:
    """How a shell is invoked: ("c", code), ("stdin", None) or ("file", None)."""
    args = core[1:]
    i = 0
    has_c = False
    reads_stdin = False
    while i < len(args):
        a = args[i]
        if a in ("-", "--"):
            i += 1
            break
        if a in ("--rcfile", "--init-file"):
            i += 2
            continue
        if a.startswith("--"):
            i += 1
            continue
        if a[:1] in ("-", "+") and len(a) > 1:
            letters = a[1:]
            has_c = has_c or "c" in letters
            reads_stdin = reads_stdin or "s" in letters
            # -o/-O take the option name as the next word.
            i += 2 if letters[-1] in "oO" else 1
            continue
        break
    rest = args[i:]
    if has_c:
        return ("c", rest[0]) if rest else ("file", None)
    if reads_stdin or not rest:
        return "stdin", None
    return "file", None


_TMUX_VALUE_OPTS = {
    "new-session": "cefFnstxy",
    "new": "cefFnstxy",
    "new-window": "cefFnt",
    "neww": "cefFnt",
    "split-window": "cefFlpt",
    "splitw": "cefFlpt",
    "respawn-pane": "cet",
    "respawnp": "cet",
    "respawn-window": "cet",
    "respawnw": "cet",
    "run-shell": "dt",
    "run": "dt",
    "send-keys": "tN",
    "send": "tN",
}
_TMUX_KEYS = frozenset({"Enter", "C-m", "KPEnter", "C-j"})


def _shell_strings(core: list[str]) -> list[tuple[str, str]]:
    base = _basename(core[0])
    args = core[1:]
    if base in _SHELLS:
        mode, code = _shell_invocation(core)
        return [(f"{base} -c", code)] if mode == "c" and code is not None else []
    if base == "eval":
        return [("eval", " ".join(args))] if args else []
    if base == "sbatch":
        for i, a in enumerate(args):
            if a.startswith("--wrap="):
                return [("sbatch --wrap", a[len("--wrap=") :])]
            if a == "--wrap" and i + 1 < len(args):
                return [("sbatch --wrap", args[i + 1])]
        return []
    if base == "watch":
        i = 0
        use_exec = False
        while i < len(args) and args[i].startswith("-") and args[i] != "-":
            a = args[i]
            if a == "--":
                i += 1
                break
            if a in ("-x", "--exec"):
                use_exec = True
            i += 2 if a in ("-n", "--interval", "-q", "--equexit") else 1
        rest = args[i:]
        if not rest:
            return []
        if use_exec:
            import shlex

            return [("watch", shlex.join(rest))]
        return [("watch", " ".join(rest))]
    if base == "tmux":
        return _tmux_strings(args)
    return []


def _tmux_strings(args: list[str]) -> list[tuple[str, str]]:
    i = 0
    # Global options; -c runs a shell command directly, like `sh -c`.
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a == "-c" and i + 1 < len(args):
            return [("tmux", args[i + 1])]
        i += 2 if a in ("-L", "-S", "-f", "-T") else 1
    out: list[tuple[str, str]] = []
    # tmux chains commands with a lone ";" argument.
    chunks: list[list[str]] = [[]]
    for a in args[i:]:
        if a in (";", "\\;"):
            chunks.append([])
        else:
            chunks[-1].append(a)
    for chunk in chunks:
        if not chunk or chunk[0] not in _TMUX_VALUE_OPTS:
            continue
        sub, rest = chunk[0], chunk[1:]
        values = _TMUX_VALUE_OPTS[sub]
        j = 0
        literal = False
        tmux_command = False
        while j < len(rest) and rest[j].startswith("-") and len(rest[j]) > 1:
            a = rest[j]
            if a == "--":
                j += 1
                break
            literal = literal or (sub in ("send-keys", "send") and "l" in a)
            tmux_command = tmux_command or (sub in ("run-shell", "run") and "C" in a)
            j += _short_width(a, values)
        words = rest[j:]
        if tmux_command or not words:
            continue
        if sub in ("send-keys", "send"):
            if not literal:
                words = [w for w in words if w not in _TMUX_KEYS]
            if not words:
                continue
            out.append(("tmux send-keys", " ".join(words)))
        else:
            out.append(("tmux", " ".join(words)))
    return out


# --------------------------------------------------------------------------------------------------
# Launcher wrappers


def _short_width(option: str, short_values: str) -> int:
    """Words taken by a short-option cluster: 2 when its value-taking letter ends the word."""
    for k, ch in enumerate(option[1:], start=1):
        if ch in short_values:
            return 1 if k + 1 < len(option) else 2
    return 1


def _skip_options(args: list[str], i: int, short_values: str = "", long_values: frozenset[str] = frozenset()) -> int:
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
            i += _short_width(a, short_values)
    return len(args)


_PYTHONISH = re.compile(r"(?:python|pypy|ipython)[0-9.]*[a-z]?(?:\.exe)?\Z|py\Z")


def _looks_like_program(word: str) -> bool:
    base = _basename(word)
    return base.endswith(".py") or bool(_PYTHONISH.match(base)) or base in _SHELLS


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


def _unwrap_env(args: list[str]) -> _Step | None:
    import shlex

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
        m = _ASSIGNMENT.match(args[i])
        if not m or args[i][m.end() - 2 : m.end()] == "+=":
            break
        env[m.group(1)] = args[i][m.end() :]
        i += 1
    rest = args[i:]
    if not rest:
        return None
    return "env", rest, env


def _unwrap_once(core: list[str]) -> _Step | None:
    base = _basename(core[0])
    args = core[1:]
    if base in _SIMPLE_WRAPPERS:
        shorts, longs, operands = _SIMPLE_WRAPPERS[base]
        if base == "taskset" and any(a.startswith("-") and "p" in a.lstrip("-") for a in args[:2]):
            return None
        i = _skip_options(args, 0, shorts, longs) + operands
        rest = args[i:]
        return (base, rest, {}) if rest else None
    if base == "env":
        return _unwrap_env(args)
    if base == "command":
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] != "--":
            if "v" in args[i] or "V" in args[i]:
                return None  # `command -v x` looks x up instead of running it
            i += 1
        if i < len(args) and args[i] == "--":
            i += 1
        rest = args[i:]
        return ("command", rest, {}) if rest else None
    if base == "sudo":
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
                i += _short_width(a, "ugCDhprtTUR")
        env: dict[str, str] = {}
        while i < len(args):
            m = _ASSIGNMENT.match(args[i])
            if not m:
                break
            env[m.group(1)] = args[i][m.end() :]
            i += 1
        rest = args[i:]
        return ("sudo", rest, env) if rest else None
    if base == "uv":
        i = _skip_options(args, 0, _UV_SHORT_VALUES, _UV_LONG_VALUES)
        if i < len(args) and args[i] == "run":
            return _unwrap_uv_run("uv run", args[i + 1 :])
        if i + 1 < len(args) and args[i] == "tool" and args[i + 1] == "run":
            return _unwrap_uvx("uv tool run", args[i + 2 :])
        return None
    if base == "uvx":
        return _unwrap_uvx("uvx", args)
    if base in _RUN_SUBCOMMAND:
        shorts, longs = _RUN_SUBCOMMAND[base]
        i = _skip_options(args, 0, shorts, longs)
        if i >= len(args) or args[i] != "run":
            return None
        i = _skip_options(args, i + 1, shorts, longs)
        rest = args[i:]
        if base == "hatch" and rest:
            # `hatch run env:cmd` names the environment inline.
            m = re.match(r"[A-Za-z0-9_.+-]+:(?!//)(.+)", rest[0])
            if m:
                rest = [m.group(1), *rest[1:]]
        return (f"{base} run", rest, {}) if rest else None
    if base == "accelerate":
        if args[:1] != ["launch"]:
            return None
        return _unwrap_distributed("accelerate launch", args[1:], _ACCELERATE_FLAGS)
    if base == "torchrun":
        return _unwrap_distributed("torchrun", args, _TORCHRUN_FLAGS)
    if base == "deepspeed":
        return _unwrap_distributed("deepspeed", args, _DEEPSPEED_FLAGS)
    if base in ("mpirun", "mpiexec"):
        env = {}
        for k, a in enumerate(args[:-1]):
            if a == "-x":
                m = _ASSIGNMENT.match(args[k + 1])
                if m:
                    env[m.group(1)] = args[k + 1][m.end() :]
        i = _skip_guessing(args, 0, _MPIRUN_FLAGS)
        rest = args[i:]
        return (base, rest, env) if rest else None
    if base == "srun":
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
                i += _short_width(a, _SRUN_SHORT_VALUES)
        rest = args[i:]
        return ("srun", rest, {}) if rest else None
    if base == "screen":
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
            i += _short_width(a, "ScehpstT")
        rest = args[i:]
        detached = "m" in seen and ("d" in seen or "D" in seen)
        return ("screen -dm" if detached else "screen", rest, {}) if rest else None
    return None


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
        i += _short_width(a, _UV_SHORT_VALUES)
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
    i = _skip_options(args, 0, _UV_SHORT_VALUES, _UV_LONG_VALUES)
    rest = args[i:]
    if not rest:
        return None
    tool = rest[0].split("@", 1)[0] if not rest[0].startswith("@") else rest[0]
    return name, [tool, *rest[1:]], {}


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
        step = _unwrap_once(core)
        if step is None:
            break
        name, core, extra = step
        wrappers.append(name)
        env.update(extra)
    return core, wrappers, env


def split_commands(command: str, *, max_depth: int = 5) -> list[SimpleCommand]:
    """Every simple command that ``command`` would run, outer ones before the commands nested in them.

    Pipelines, ``&&``/``||``/``;``/``&`` lists, newlines, subshells, ``{ }`` groups, if/for/while/case
    bodies, function bodies, ``$(...)``, backticks, process substitutions and the string given to
    ``bash -c``/``eval``/``sbatch --wrap``/``tmux`` are all flattened into one list; ``nested_in`` says
    where a command came from.  Commands with an empty ``argv`` are kept when they carry assignments
    or redirections (``> out.txt`` alone truncates a file).
    """
    if not isinstance(command, str):
        raise ShellParseError(f"expected the command as text, got {type(command).__name__}")
    if len(command) > MAX_COMMAND_CHARS:
        raise ShellParseError(f"command is {len(command)} characters long; refusing to parse more than {MAX_COMMAND_CHARS}")
    try:
        return _Parser(command, max_depth=max_depth).run()
    except RecursionError:
        raise ShellParseError("command is nested too deeply to parse") from None
