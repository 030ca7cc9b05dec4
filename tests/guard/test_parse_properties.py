"""Properties the guard relies on: whatever the agent types, parsing either succeeds or raises
ShellParseError (never anything else, never hangs), and quoting round-trips."""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labrails.guard.shell.command import ShellParseError, SimpleCommand
from labrails.guard.shell.launches import find_launches
from labrails.guard.shell.parse import split_commands
from labrails.guard.shell.wrappers import unwrap
from labrails.guard.shell.writes import written_paths

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made mostly of the characters that drive the parser, so examples hit quoting, nesting and
# heredocs far more often than uniformly random text would.
TOKENS = list("ab =-.\\'\"$`(){}[]<>|&;#!*?~\n\t") + [
    "EOF", "<<", "<<-", "$(", "${", "$((", "bash -c ", "python ", "cd ", "if ", "then ", "fi", "case ",
    " in ", "esac", ";;", "do ", "done", "for ", "x.py", "-c ", "nohup ", "uv run ", "tee ", "sed -i ",
    "rm ", "cp ", "export A=1", "[[ ", " ]]", "((", "))", "f() ", "2>&1", "&>",
]
SHELLISH = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)

ANY_TEXT = st.text(max_size=200)

PLAIN_WORDS = st.lists(st.text(min_size=0, max_size=12), min_size=0, max_size=6)


def parse_or_refuse(command: str):
    try:
        return split_commands(command)
    except ShellParseError as exc:
        assert str(exc), "a parse error should say what is wrong"
        return None


@SETTINGS
@given(st.one_of(ANY_TEXT, SHELLISH))
def test_split_commands_returns_commands_or_raises_shell_parse_error(command):
    cmds = parse_or_refuse(command)
    if cmds is not None:
        for cmd in cmds:
            assert isinstance(cmd, SimpleCommand)
            assert all(isinstance(word, str) for word in cmd.argv)
            assert all(isinstance(op, str) and isinstance(target, str) for op, target in cmd.redirects)


@SETTINGS
@given(st.one_of(ANY_TEXT, SHELLISH))
def test_find_launches_and_written_paths_only_raise_shell_parse_error(command):
    try:
        launches = find_launches(command)
    except ShellParseError:
        return
    for launch in launches:
        assert launch.kind in ("script", "module", "inline", "labrails")
    for cmd in split_commands(command):
        assert all(isinstance(p, str) for p in written_paths(cmd))


@SETTINGS
@given(st.lists(st.text(max_size=20), max_size=8), st.text(max_size=200))
def test_written_paths_and_unwrap_never_raise_on_any_argv(argv, code):
    written_paths(SimpleCommand(argv))
    written_paths(SimpleCommand(["python", "-c", code]))
    written_paths(SimpleCommand(["python", "-"], heredoc=code))
    core, wrappers, env = unwrap(argv)
    assert isinstance(core, list) and isinstance(wrappers, list) and isinstance(env, dict)


@SETTINGS
@given(PLAIN_WORDS)
def test_shell_quoted_words_come_back_unchanged(words):
    (cmd,) = split_commands(shlex.join(["echo", *words]))
    assert cmd.argv == ["echo", *words]


@SETTINGS
@given(PLAIN_WORDS)
def test_words_quoted_for_bash_c_come_back_unchanged_as_the_inner_command(words):
    inner = shlex.join(["printf", *words])
    cmds = split_commands("bash -c " + shlex.quote(inner))
    assert cmds[0].argv == ["bash", "-c", inner]
    assert cmds[1].argv == ["printf", *words]
    assert cmds[1].nested_in == "bash -c"


@SETTINGS
@given(
    st.lists(PLAIN_WORDS.filter(bool), min_size=1, max_size=5),
    st.lists(st.sampled_from(["&&", "||", ";", "|", "\n", "&"]), min_size=4, max_size=4),
)
def test_joined_commands_split_back_into_the_same_commands(commands, operators):
    line = shlex.join(["echo", *commands[0]])
    for op, words in zip(operators, commands[1:]):
        line += f" {op} " + shlex.join(["echo", *words])
    assert [c.argv for c in split_commands(line)] == [["echo", *w] for w in commands]
