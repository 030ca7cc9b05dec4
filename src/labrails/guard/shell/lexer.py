"""Reading shell text a token at a time: blanks, operators, reserved words, and words with their quotes.

A word's value is what bash would pass after quote removal; ``$...`` expansions stay literal, but the
commands inside ``$(...)``, backticks and ``<(...)`` are collected. :class:`Lexer` is the base of the
parser, which supplies ``_subshell``, ``_child`` and ``_read_heredocs``: substitutions and heredoc
bodies hold commands of their own.
"""

from __future__ import annotations

import re

from labrails.guard.lazyre import lazy
from labrails.guard.shell.command import ASSIGNMENT, ShellParseError, SimpleCommand

# Subshells, groups and substitutions nest by recursion; this keeps the parser well inside Python's
# recursion limit whatever the input looks like.
MAX_NESTING = 60
# Real arithmetic is short; bounding how far we look for `))` keeps `((((...` from costing O(n) per level.
_MAX_ARITHMETIC = 4096

_WORD_STOP = frozenset(" \t\n|&;<>()")
# Runs of characters that need no special handling inside a word; matching them in bulk keeps long
# inputs linear instead of one Python iteration per character.
_PLAIN_RUN = lazy(r"[^ \t\n|&;<>()\\'\"$`]+")
_DQ_PLAIN_RUN = lazy(r'[^"\\$`]+')
_HEREDOC_PLAIN_RUN = lazy(r"[^\\$`]+")
_REDIRECT = lazy(r"(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[0-9]*)(?:<<<|<<-|<<|<>|<&|>&|>>|>\||<|>)|&>>|&>")
_RESERVED_WORD = lazy(r"(\[\[|[{}!]|[a-z]+)(?=[ \t\n;&|()<>]|\Z)")
# What makes `$` start an expansion: a name, a digit, a special parameter, `{` or `(`.
_EXPANSION_START = lazy(r"[A-Za-z_0-9@*#?$!{(-]")
_GLOB = lazy(r"[*?]|\[[^\]]+\]|\{[^{}]*(?:,|\.\.)[^{}]*\}")
_RESERVED = frozenset(
    "if then elif else fi for select while until do done case esac in function time coproc { } ! [[".split()
)


class Word:
    """One shell word. ``expanded``: bash would substitute part of it (``$VAR``, ``$(...)``, backticks,
    ``<(...)``), so its value here is not what the program receives. ``glob``: it holds unquoted pattern
    characters (``*``, ``?``, ``[``, ``{a,b}``, extglobs), so bash may turn it into other words."""

    __slots__ = ("value", "raw", "quoted", "nested", "expanded", "glob")

    def __init__(self, value: str, raw: str, quoted: bool, nested: list[SimpleCommand], expanded: bool = False,
                 glob: bool = False):
        self.value = value
        self.raw = raw
        self.quoted = quoted
        self.nested = nested
        self.expanded = expanded
        self.glob = glob


class Heredoc:
    __slots__ = ("delim", "strip_tabs", "quoted", "target", "piped_to")

    def __init__(self, delim: str, strip_tabs: bool, quoted: bool):
        self.delim = delim
        self.strip_tabs = strip_tabs
        self.quoted = quoted
        self.target: SimpleCommand | None = None
        # `cat <<EOF | python -`: the reader on the other side of the pipe gets the body too.
        self.piped_to: list[SimpleCommand] = []


_ANSI_C = lazy(
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


class Lexer:
    """Position in one piece of shell text (``s``, ``n``, ``i``) and the reads that move it forward.

    The parser subclass supplies ``_subshell`` (up to the matching ``)``), ``_child`` (a parser for
    nested text) and ``_read_heredocs`` (bodies pending at a newline).

    ``depth`` counts the layers of "code inside code" (``bash -c``, ``$()``, backticks...) that
    ``max_depth`` limits; ``nest`` counts every syntactic nesting so recursion stays bounded.
    """

    s: str
    n: int
    i: int
    max_depth: int
    depth: int
    nest: int
    pending: list[Heredoc]
    dq_expanded: bool = False

    def _here(self) -> str:
        if self.i >= self.n:
            return "end of command"
        snippet = self.s[self.i : self.i + 20].split("\n", 1)[0] or "newline"
        return repr(snippet)

    def _enter(self, counts_depth: bool) -> None:
        self.nest += 1
        if self.nest > MAX_NESTING:
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

    # ---- blanks, operators, reserved words --------------------------------------------------------

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

    # ---- words ------------------------------------------------------------------------------------

    def _read_word(self) -> Word | None:
        s, n = self.s, self.n
        start = i = self.i
        parts: list[str] = []
        quoted = expanded = False
        unquoted: list[str] = []  # the text bash would glob
        nested: list[SimpleCommand] = []
        while i < n:
            c = s[i]
            if c in _WORD_STOP:
                if c == "(" and i > start and self._paren_belongs_to_word(start, i):
                    end = self._balanced_paren_end(i)
                    if s[i - 1] in "@!+*?":
                        unquoted.append("*")  # an extended glob
                    parts.append(s[i:end])
                    i = end
                    continue
                if c in "<>" and i + 1 < n and s[i + 1] == "(":
                    self.i = i + 2
                    nested += self._subshell(c + "()", counts_depth=True)
                    parts.append(s[i : self.i])
                    expanded = True
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
                expanded = expanded or self.dq_expanded
                i = self.i
            elif c == "$":
                expanded = expanded or _EXPANSION_START.match(s, i + 1) is not None
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
                expanded = True
                i = self.i
            else:
                m = _PLAIN_RUN.match(s, i)
                parts.append(m.group(0))
                unquoted.append(m.group(0))
                i = m.end()
        self.i = i
        if i == start:
            return None
        glob = bool(unquoted) and _GLOB.search("".join(unquoted)) is not None
        return Word("".join(parts), s[start:i], quoted, nested, expanded, glob)

    def _paren_belongs_to_word(self, start: int, i: int) -> bool:
        # `name=(a b)` is an array assignment and `@(x|y)` an extended glob; neither opens a subshell.
        prev = self.s[i - 1]
        if prev in "@!+*?":
            return True
        return ASSIGNMENT.fullmatch(self.s, start, i) is not None

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
        expanded = False
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
                expanded = expanded or _EXPANSION_START.match(s, i + 1) is not None
                self.i = i
                value, inner, _ = self._read_dollar(in_dq=True)
                parts.append(value)
                nested += inner
                i = self.i
            elif c == "`":
                expanded = True
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
        self.dq_expanded = expanded  # read by _read_word right after this returns
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
        sub = self._child(
            body,
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
