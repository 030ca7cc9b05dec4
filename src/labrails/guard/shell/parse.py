"""Split a shell command line into the simple commands it would run.

The guard sees every Bash command an agent is about to run and has to decide whether to let it through.
Agents rarely write ``python train.py`` plainly: they chain ``cd exp && ...``, wrap in ``nohup`` or
``uv run``, hide the launch inside ``bash -c "..."`` or ``$(...)``, and feed code through heredocs.  This
module turns such a line into a flat list of :class:`SimpleCommand` so a policy only ever has to look at
one argv at a time.

It is a recogniser of what bash would run, not a bash interpreter: nothing is expanded or executed, and
when the text is something bash itself would reject (or something we cannot see through confidently)
we raise :class:`ShellParseError` rather than guess, so the caller can fail closed.

The grammar lives here; reading words is :mod:`.lexer`, the cd/export bookkeeping :mod:`.state`, shell
code handed over as a string :mod:`.nested`, and launcher wrappers :mod:`.wrappers`. Only the standard
library is used, and only ``re`` at import time: this runs on every agent command and has to start in
a few milliseconds.
"""

from __future__ import annotations

import re

from labrails.guard.budget import check as check_budget
from labrails.guard.lazyre import lazy
from labrails.guard.shell.command import ASSIGNMENT, MAX_COMMAND_CHARS, SHELLS, ShellParseError, SimpleCommand, basename
from labrails.guard.shell.lexer import MAX_NESTING, Heredoc, Lexer
from labrails.guard.shell.nested import shell_invocation, shell_strings
from labrails.guard.shell.state import ShellState
from labrails.guard.shell.wrappers import unwrap

__all__ = ["split_commands"]

_BLANKS = " \t"
# Words that only make sense as the continuation of a compound command; seeing one where a command
# should start means the text is not valid bash.
_MISPLACED = frozenset("then elif else fi do done esac }".split())
_COMPOUND_START = frozenset("{ if for select while until case [[ !".split())
_TIME_PREFIX = lazy(r"time[ \t]+(?:-p[ \t]+)?")
_COPROC_NAME = lazy(r"[A-Za-z_][A-Za-z0-9_]*[ \t]+(?=[{(])")


class _Parser(Lexer, ShellState):
    """Recursive descent over one piece of shell text: lists, pipelines, compound and simple commands."""

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
        if nest > MAX_NESTING:
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
        self.pending: list[Heredoc] = []
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

    def _child(self, text: str, **state) -> _Parser:
        """A parser for code nested in this text (backticks, heredoc bodies, ``bash -c`` strings)."""
        return _Parser(text, max_depth=self.max_depth, **state)

    # ---- lists, and-or lists, pipelines ------------------------------------------------------------

    def _parse_list(
        self, stop_words: frozenset[str], *, stop_paren: bool = False, stop_case: bool = False
    ) -> tuple[list[SimpleCommand], str | None]:
        out: list[SimpleCommand] = []
        while True:
            check_budget()
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
        heredocs: list[Heredoc] = []
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
        check_budget()
        words: list[str] = []
        env: dict[str, str] = {}
        redirects: list[tuple[str, str]] = []
        heredocs: list[Heredoc] = []
        herestring: str | None = None
        nested: list[SimpleCommand] = []
        expanded: list[int] = []
        globbed: list[int] = []
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
                am = ASSIGNMENT.match(word.raw)
                if am:
                    env[am.group(1)] = word.value[am.end() :]
                    continue
                assigning = False
            if word.expanded:
                expanded.append(len(words))
            if word.glob:
                globbed.append(len(words))
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
        cmd.expanded, cmd.globbed = frozenset(expanded), frozenset(globbed)
        for heredoc in heredocs:
            heredoc.target = cmd
            self.pending.append(heredoc)
        inner = self._inner_commands(cmd)
        if herestring is not None:
            inner += self._shell_stdin(cmd, herestring)
        self._track_state(cmd)
        return [cmd, *nested, *inner]

    def _read_redirect(self, m: re.Match[str]) -> tuple[str, str, Heredoc | None, list[SimpleCommand]]:
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
            return op, word.value, Heredoc(word.value, op.endswith("-"), word.quoted), []
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
                sub = self._child(
                    body,
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

    # ---- shell code handed over as a string or on stdin --------------------------------------------

    def _sub_parse(self, text: str, label: str, outer: SimpleCommand) -> list[SimpleCommand]:
        env = {**outer.exported, **outer.env}
        env.update(unwrap(outer.argv)[2])
        sub = self._child(
            text,
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
        for label, text in shell_strings(core):
            out += self._sub_parse(text, label, cmd)
        return out

    def _shell_stdin(self, cmd: SimpleCommand, text: str) -> list[SimpleCommand]:
        """A heredoc or here-string fed to a bare ``bash``/``sh`` is a script; parse it too."""
        core = unwrap(cmd.argv)[0]
        if not core or basename(core[0]) not in SHELLS:
            return []
        mode, _ = shell_invocation(core)
        if mode != "stdin":
            return []
        return self._sub_parse(text, f"{basename(core[0])} <<", cmd)


def split_commands(command: str, *, max_depth: int = 5, cwd: str | None = None, nested_in: str | None = None,
                   exported: dict[str, str] | None = None) -> list[SimpleCommand]:
    """Every simple command that ``command`` would run, outer ones before the commands nested in them.

    Pipelines, ``&&``/``||``/``;``/``&`` lists, newlines, subshells, ``{ }`` groups, if/for/while/case
    bodies, function bodies, ``$(...)``, backticks, process substitutions and the string given to
    ``bash -c``/``eval``/``sbatch --wrap``/``tmux`` are all flattened into one list; ``nested_in`` says
    where a command came from.  Commands with an empty ``argv`` are kept when they carry assignments
    or redirections (``> out.txt`` alone truncates a file). ``cwd``, ``nested_in`` and ``exported`` start
    the parse where a script file read by the guard runs (``bash run.sh``, a Makefile recipe).
    """
    if not isinstance(command, str):
        raise ShellParseError(f"expected the command as text, got {type(command).__name__}")
    if len(command) > MAX_COMMAND_CHARS:
        raise ShellParseError(f"command is {len(command)} characters long; refusing to parse more than {MAX_COMMAND_CHARS}")
    try:
        return _Parser(command, max_depth=max_depth, cwd=cwd, nested_in=nested_in, exported=exported).run()
    except RecursionError:
        raise ShellParseError("command is nested too deeply to parse") from None
