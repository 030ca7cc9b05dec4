"""How the guard splits a shell command line into the simple commands bash would run."""

from __future__ import annotations

import shlex

import pytest

from labrails.guard.shell.command import MAX_COMMAND_CHARS, ShellParseError, SimpleCommand
from labrails.guard.shell.parse import split_commands
from labrails.guard.shell.wrappers import unwrap


def argvs(command: str) -> list[list[str]]:
    return [c.argv for c in split_commands(command)]


def only(command: str) -> SimpleCommand:
    (cmd,) = split_commands(command)
    return cmd


def find(command: str, first_word: str) -> SimpleCommand:
    """The one command in `command` whose argv starts with `first_word`."""
    (cmd,) = [c for c in split_commands(command) if c.argv[:1] == [first_word]]
    return cmd


# --- operators -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, expected",
    [
        ("ls", [["ls"]]),
        ("ls -la /var/log", [["ls", "-la", "/var/log"]]),
        ("a && b", [["a"], ["b"]]),
        ("a || b", [["a"], ["b"]]),
        ("a; b;", [["a"], ["b"]]),
        ("a | b | c", [["a"], ["b"], ["c"]]),
        ("a |& b", [["a"], ["b"]]),
        ("a & b", [["a"], ["b"]]),
        ("a\nb\n\nc", [["a"], ["b"], ["c"]]),
        ("a&&b||c;d|e", [["a"], ["b"], ["c"], ["d"], ["e"]]),
        ("a &&\n  b", [["a"], ["b"]]),
        ("a |\n  b", [["a"], ["b"]]),
        ("! grep -q x f", [["grep", "-q", "x", "f"]]),
        ("", []),
        ("   \n\t ", []),
    ],
)
def test_splits_on_control_operators(command, expected):
    assert argvs(command) == expected


# --- words and quoting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, argv",
    [
        ("echo 'a b' \"c d\"", ["echo", "a b", "c d"]),
        ("echo a\\ b", ["echo", "a b"]),
        ("echo 'a;b' \"c&&d\" e\\|f", ["echo", "a;b", "c&&d", "e|f"]),
        ('echo "say \\"hi\\"" \'it\'"\'"\'s\'', ["echo", 'say "hi"', "it's"]),
        ('echo "a\\$b" "c\\d"', ["echo", "a$b", "c\\d"]),
        ("echo $'tab\\there' $'\\x41\\101'", ["echo", "tab\there", "AA"]),
        ('echo $"hello"', ["echo", "hello"]),
        ("echo ''", ["echo", ""]),
        ("echo a''b", ["echo", "ab"]),
        ("echo $HOME ${USER:-x} $1 $#", ["echo", "$HOME", "${USER:-x}", "$1", "$#"]),
        ('echo "$HOME/x"', ["echo", "$HOME/x"]),
        ("echo $((1 + (2 * 3)))", ["echo", "$((1 + (2 * 3)))"]),
        ("echo {a,b}.txt *.py ~/x", ["echo", "{a,b}.txt", "*.py", "~/x"]),
        ("echo a#b", ["echo", "a#b"]),
        ("ls @(a|b) !(c)", ["ls", "@(a|b)", "!(c)"]),
        ("echo x=(1 2)", ["echo", "x=(1 2)"]),
        ("find . -name '*.pyc' -exec rm {} \\;", ["find", ".", "-name", "*.pyc", "-exec", "rm", "{}", ";"]),
    ],
)
def test_words_have_quotes_removed_and_expansions_left_literal(command, argv):
    assert only(command).argv == argv


def test_line_continuations_are_joined():
    cmd = only("python train.py \\\n  --epochs 3 \\\n  full")
    assert cmd.argv == ["python", "train.py", "--epochs", "3", "full"]


def test_backslash_newline_inside_double_quotes_is_removed_but_kept_in_single_quotes():
    assert only('echo "a\\\nb" \'c\\\nd\'').argv == ["echo", "ab", "c\\\nd"]


@pytest.mark.parametrize(
    "command, expected",
    [
        ("ls # list files", [["ls"]]),
        ("# just a comment", []),
        ("# first\nls\n  # indented\npwd", [["ls"], ["pwd"]]),
        ("ls;# no space needed", [["ls"]]),
        ("echo '#not a comment' \"# nor this\"", [["echo", "#not a comment", "# nor this"]]),
        ("echo hi # it's fine to have a quote in a comment", [["echo", "hi"]]),
    ],
)
def test_comments_are_ignored(command, expected):
    assert argvs(command) == expected


# --- assignments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, env, argv",
    [
        ("FOO=1 SYNTHETIC=1 python train.py full", {"FOO": "1", "SYNTHETIC": "1"}, ["python", "train.py", "full"]),
        ("MSG='a b' CUDA_VISIBLE_DEVICES=0,1 python t.py", {"MSG": "a b", "CUDA_VISIBLE_DEVICES": "0,1"}, ["python", "t.py"]),
        ("X= cmd", {"X": ""}, ["cmd"]),
        ("python X=1", {}, ["python", "X=1"]),
        ("'X=1' cmd", {}, ["X=1", "cmd"]),
        ("X=1", {"X": "1"}, []),
        ("arr=(a b) cmd", {"arr": "(a b)"}, ["cmd"]),
    ],
)
def test_leading_assignments_become_env(command, env, argv):
    cmd = only(command)
    assert (cmd.env, cmd.argv) == (env, argv)


@pytest.mark.parametrize(
    "command, exported",
    [
        ("export SYNTHETIC=1; python t.py", {"SYNTHETIC": "1"}),
        ("export SYNTHETIC=1 && python t.py", {"SYNTHETIC": "1"}),
        ("S=1; export S; python t.py", {"S": "1"}),
        ("declare -x S=1\npython t.py", {"S": "1"}),
        ("export S=1; unset S; python t.py", {}),
        ("export S=1; export -n S; python t.py", {}),
        # May have run, so reported (a policy that blocks on a variable must see it):
        ("false && export S=1; python t.py", {"S": "1"}),
        ("true || export S=1; python t.py", {"S": "1"}),
        ("if x; then export S=1; fi; python t.py", {"S": "1"}),
        ("export S=1; false && unset S; python t.py", {"S": "1"}),
        # Ran in a subshell, so cannot be visible afterwards:
        ("(export S=1); python t.py", {}),
        ("export S=1 & python t.py", {}),
        ("export S=1 | cat; python t.py", {}),
    ],
)
def test_exports_that_may_have_run_are_visible_to_later_commands(command, exported):
    assert find(command, "python").exported == exported


# --- working directory -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, cwd",
    [
        ("python train.py", None),
        ("cd exp && python train.py", "exp"),
        ("cd a; cd b; python train.py", "a/b"),
        ("cd a && cd ../b && python train.py", "a/../b"),
        ("cd a; cd /abs; python train.py", "/abs"),
        ("cd ~/proj && python train.py", "~/proj"),
        ("cd -P -- exp && python train.py", "exp"),
        ("cd\npython train.py", "~"),
        ("cd a; cd b; cd -; python train.py", "a"),
        ("pushd exp && python train.py", "exp"),
        ("pushd exp; popd; python train.py", None),
        ("(cd sub && make); python train.py", None),
        ("{ cd sub; }; python train.py", "sub"),
        ("cd exp | cat; python train.py", None),
        ("cd exp & python train.py", None),
        ("cd exp && ls & python train.py", None),
        ("cd a\ncd b\npython train.py", "a/b"),
    ],
)
def test_cd_sets_the_directory_of_later_commands(command, cwd):
    assert find(command, "python").cwd == cwd


def test_a_command_inside_a_subshell_sees_the_cd_before_it():
    assert find("cd exp && (cd sub; python t.py)", "python").cwd == "exp/sub"


# --- redirections ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, redirects",
    [
        ("cmd > out.txt", [(">", "out.txt")]),
        ("cmd >> log", [(">>", "log")]),
        ("cmd 2> /dev/null", [("2>", "/dev/null")]),
        ("cmd 2>&1", [("2>&", "1")]),
        ("cmd > log 2>&1", [(">", "log"), ("2>&", "1")]),
        ("cmd &> f", [("&>", "f")]),
        ("cmd &>> f", [("&>>", "f")]),
        ("cmd >| f", [(">|", "f")]),
        ("cmd < in", [("<", "in")]),
        ("cmd <> f", [("<>", "f")]),
        ("cmd >& f", [(">&", "f")]),
        ("cmd >'my file'", [(">", "my file")]),
        ("cmd 3>x 1>y", [("3>", "x"), ("1>", "y")]),
        ("cmd <<< 'text'", [("<<<", "text")]),
        ("exec {fd}> f", [("{fd}>", "f")]),
        ("cmd > >(tee log)", [(">", ">(tee log)")]),
    ],
)
def test_redirections_are_recorded_with_their_operator(command, redirects):
    assert split_commands(command)[0].redirects == redirects


def test_redirections_may_come_anywhere_in_the_command():
    cmd = only(">out python 2>err train.py full")
    assert cmd.argv == ["python", "train.py", "full"]
    assert cmd.redirects == [(">", "out"), ("2>", "err")]


def test_a_redirection_alone_is_kept_because_it_truncates_the_file():
    assert only("> results.csv").redirects == [(">", "results.csv")]
    assert only(": > results.csv").argv == [":"]


def test_redirections_after_a_compound_command_apply_to_every_command_inside():
    cmds = split_commands("{ python a.py; python b.py; } > log 2>&1")
    assert [c.redirects for c in cmds] == [[(">", "log"), ("2>&", "1")]] * 2
    loop = split_commands("for s in 1 2; do python t.py $s; done >> runs.log")
    assert loop[0].redirects == [(">>", "runs.log")]


# --- background ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, background",
    [
        ("python t.py &", True),
        ("python t.py & echo started", True),
        ("python t.py", False),
        ("python t.py && echo ok", False),
        ("python t.py &> log", False),
        ("cd exp && python t.py > log 2>&1 &", True),
        ("python t.py | tee log &", True),
        ("(python t.py) &", True),
        ("for i in 1 2; do python t.py $i; done &", True),
        ("coproc python t.py", True),
    ],
)
def test_background_is_set_for_everything_an_ampersand_sends_away(command, background):
    assert find(command, "python").background is background


def test_only_the_list_before_the_ampersand_is_backgrounded():
    cmds = split_commands("python a.py & python b.py")
    assert [c.background for c in cmds] == [True, False]


# --- heredocs --------------------------------------------------------------------------------------


def test_heredoc_body_is_captured_for_the_command_it_feeds():
    cmds = split_commands("python - <<'EOF'\nimport torch\nprint(torch.__version__)\nEOF\necho done")
    assert [c.argv for c in cmds] == [["python", "-"], ["echo", "done"]]
    assert cmds[0].heredoc == "import torch\nprint(torch.__version__)\n"
    assert cmds[0].redirects == [("<<", "EOF")]
    assert cmds[1].heredoc is None


@pytest.mark.parametrize(
    "command, heredoc",
    [
        ("cat > f <<EOF\nline $HOME\nEOF", "line $HOME\n"),
        ('cat <<"END"\nx\nEND', "x\n"),
        ("cat <<-EOF\n\t\tindented\n\tEOF", "indented\n"),
        ("cat <<EOF\nno trailing newline\nEOF", "no trailing newline\n"),
        ("cat <<EOF\n\nEOF\n", "\n"),
        ("cat <<EOF\nEOF", ""),
        ("cat <<EOF\nEOFX\n EOF\nEOF", "EOFX\n EOF\n"),
        ("python <<< 'print(1)'", "print(1)"),
    ],
)
def test_heredoc_variants(command, heredoc):
    assert split_commands(command)[0].heredoc == heredoc


def test_heredoc_with_commands_after_it_on_the_same_line():
    cmds = split_commands("cat <<EOF > f && python t.py\nbody\nEOF\nls")
    assert [c.argv for c in cmds] == [["cat"], ["python", "t.py"], ["ls"]]
    assert cmds[0].heredoc == "body\n"
    assert cmds[0].redirects == [("<<", "EOF"), (">", "f")]


def test_two_heredocs_on_one_line_are_read_in_order():
    cmds = split_commands("cat <<A; cat <<B\na\nA\nb\nB")
    assert [c.heredoc for c in cmds] == ["a\n", "b\n"]


def test_substitutions_in_an_unquoted_heredoc_run_but_not_in_a_quoted_one():
    run = split_commands("cat <<EOF\nhello $(whoami)\nEOF")
    assert [(c.argv, c.nested_in) for c in run] == [(["cat"], None), (["whoami"], "$()")]
    literal = split_commands("cat <<'EOF'\nhello $(whoami)\nEOF")
    assert [c.argv for c in literal] == [["cat"]]


def test_a_heredoc_fed_to_a_shell_is_parsed_as_a_script():
    cmds = split_commands("bash <<'EOF'\ncd exp\npython train.py full\nEOF")
    assert [(c.argv, c.nested_in) for c in cmds] == [
        (["bash"], None),
        (["cd", "exp"], "bash <<"),
        (["python", "train.py", "full"], "bash <<"),
    ]
    assert cmds[2].cwd == "exp"


def test_a_here_string_fed_to_a_shell_is_parsed_as_a_script():
    assert argvs("sh <<< 'rm -rf out'") == [["sh"], ["rm", "-rf", "out"]]


def test_a_heredoc_piped_through_cat_counts_as_the_readers_input():
    cat, python = split_commands("cat <<'EOF' | python -\nprint(1)\nEOF")
    assert python.argv == ["python", "-"]
    assert python.heredoc == cat.heredoc == "print(1)\n"
    assert argvs("cat <<'EOF' | bash\nrm -rf out\nEOF") == [["cat"], ["bash"], ["rm", "-rf", "out"]]
    assert argvs("cat <<< 'rm -rf out' | sh") == [["cat"], ["sh"], ["rm", "-rf", "out"]]


# --- nesting ---------------------------------------------------------------------------------------


def nesting(command: str) -> list[tuple[list[str], str | None]]:
    return [(c.argv, c.nested_in) for c in split_commands(command)]


@pytest.mark.parametrize(
    "command, expected",
    [
        ("echo $(python train.py full)", [(["echo", "$(python train.py full)"], None), (["python", "train.py", "full"], "$()")]),
        ('echo "result: $(python t.py)"', [(["echo", "result: $(python t.py)"], None), (["python", "t.py"], "$()")]),
        ("echo `python t.py`", [(["echo", "`python t.py`"], None), (["python", "t.py"], "``")]),
        ('echo "`python t.py`"', [(["echo", "`python t.py`"], None), (["python", "t.py"], "``")]),
        ("x=$(ls | wc -l)", [([], None), (["ls"], "$()"), (["wc", "-l"], "$()")]),
        ("echo $(echo $(id))", [(["echo", "$(echo $(id))"], None), (["echo", "$(id)"], "$()"), (["id"], "$()")]),
        ("echo ${X:-$(id)}", [(["echo", "${X:-$(id)}"], None), (["id"], "$()")]),
        ("diff <(sort a) >(cat)", [(["diff", "<(sort a)", ">(cat)"], None), (["sort", "a"], "<()"), (["cat"], ">()")]),
        ("(cd x; ls)", [(["cd", "x"], "subshell"), (["ls"], "subshell")]),
        ("{ ls; pwd; }", [(["ls"], None), (["pwd"], None)]),
        ("echo $(case x in x) echo y;; esac)", [(["echo", "$(case x in x) echo y;; esac)"], None), (["echo", "y"], "$()")]),
    ],
)
def test_commands_inside_substitutions_and_subshells_are_extracted(command, expected):
    assert nesting(command) == expected


@pytest.mark.parametrize(
    "command, label",
    [
        ('bash -c "python train.py full"', "bash -c"),
        ("sh -c 'python train.py full'", "sh -c"),
        ("zsh -c 'python train.py full'", "zsh -c"),
        ("dash -c 'python train.py full'", "dash -c"),
        ("bash -lc 'python train.py full'", "bash -c"),
        ("bash -ec 'python train.py full'", "bash -c"),
        ("/bin/bash -o pipefail -c 'python train.py full'", "bash -c"),
        ("nohup bash -c 'python train.py full' &", "bash -c"),
        ("sudo -u ml sh -c 'python train.py full'", "sh -c"),
        ("eval 'python train.py full'", "eval"),
        ("eval python train.py full", "eval"),
        ("sbatch --wrap 'python train.py full'", "sbatch --wrap"),
        ("sbatch -p gpu --wrap='python train.py full'", "sbatch --wrap"),
        ("tmux new-session -d -s run 'python train.py full'", "tmux"),
        ("tmux send-keys -t run 'python train.py full' Enter", "tmux send-keys"),
        ("watch -n 5 python train.py full", "watch"),
    ],
)
def test_shell_code_passed_as_a_string_is_parsed_too(command, label):
    cmds = split_commands(command)
    assert (["python", "train.py", "full"], label) in [(c.argv, c.nested_in) for c in cmds]
    assert cmds[0].nested_in is None  # the outer command is kept as well


def test_bash_c_with_cd_wrappers_redirects_and_background():
    cmds = split_commands('bash -c "cd exp && nohup uv run train.py full > log 2>&1 &"')
    outer, cd, run = cmds
    assert outer.argv[:2] == ["bash", "-c"]
    assert cd.argv == ["cd", "exp"]
    assert run.argv == ["nohup", "uv", "run", "train.py", "full"]
    assert run.cwd == "exp"
    assert run.redirects == [(">", "log"), ("2>&", "1")]
    assert run.background and run.nested_in == "bash -c"


def test_inner_shell_inherits_directory_and_environment_of_the_outer_command():
    run = find("cd exp && SYNTHETIC=1 bash -c 'cd sub && python t.py'", "python")
    assert run.cwd == "exp/sub"
    assert run.exported == {"SYNTHETIC": "1"}


def test_a_cd_inside_bash_c_does_not_leak_out():
    assert find("bash -c 'cd elsewhere'; python t.py", "python").cwd is None


def test_bash_running_a_script_file_is_not_parsed_further():
    assert argvs("bash run.sh 'python x.py'") == [["bash", "run.sh", "python x.py"]]


def test_max_depth_limits_how_far_nested_shells_are_followed():
    assert len(split_commands("bash -c 'bash -c \"ls\"'", max_depth=2)) == 3
    with pytest.raises(ShellParseError, match="nested more than 1 levels"):
        split_commands("bash -c 'bash -c \"ls\"'", max_depth=1)
    with pytest.raises(ShellParseError, match="nested"):
        split_commands("echo " + "$(echo " * 6 + "x" + ")" * 6)


# --- compound commands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, expected",
    [
        ("if [ -f x ]; then python a.py; elif true; then b; else c; fi",
         [["[", "-f", "x", "]"], ["python", "a.py"], ["true"], ["b"], ["c"]]),
        ("if true\nthen\n  ls\nfi", [["true"], ["ls"]]),
        ("for f in *.yaml; do python t.py --config $f; done", [["python", "t.py", "--config", "$f"]]),
        ("for f in $(ls configs); do echo $f; done", [["ls", "configs"], ["echo", "$f"]]),
        ("for ((i=0; i<3; i++)); do echo $i; done", [["echo", "$i"]]),
        ("for x\ndo\n  echo $x\ndone", [["echo", "$x"]]),
        ("while read l; do echo $l; done < list.txt", [["read", "l"], ["echo", "$l"]]),
        ("until curl -s host; do sleep 1; done", [["curl", "-s", "host"], ["sleep", "1"]]),
        ("case $1 in\n  a|b) echo ab ;;\n  (*) echo other ;;\nesac", [["echo", "ab"], ["echo", "other"]]),
        ("case x in x) ;; esac", []),
        ("[[ -f a && $x > 3 ]] && python t.py", [["[[", "-f", "a", "&&", "$x", ">", "3", "]]"], ["python", "t.py"]]),
        ("(( n > 3 )) && echo big", [["echo", "big"]]),
        ("train() { python train.py \"$@\"; }; train full", [["python", "train.py", "$@"], ["train", "full"]]),
        ("function train { python train.py; }", [["python", "train.py"]]),
        ("time { python a.py; python b.py; }", [["python", "a.py"], ["python", "b.py"]]),
        ("time python a.py", [["time", "python", "a.py"]]),
        ("echo if then fi", [["echo", "if", "then", "fi"]]),
    ],
)
def test_compound_commands_are_looked_into(command, expected):
    assert argvs(command) == expected


def test_function_bodies_are_reported_where_they_are_defined():
    body = find("f() { rm -rf out; }", "rm")
    assert body.nested_in == "function"


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, message",
    [
        ("echo 'unclosed", "unbalanced single quote"),
        ('echo "unclosed', "unbalanced double quote"),
        ("echo $(ls", r"unterminated '\$\('"),
        ("echo `ls", "unbalanced backtick"),
        ("echo ${x", "unterminated"),
        ("(ls", "unterminated '\\('"),
        ("ls)", "unexpected '\\)'"),
        ("{ ls;", "without a closing"),
        ("cat <<EOF\nno end", "unterminated heredoc"),
        ("cat <<EOF", "unterminated heredoc"),
        ("if true; then ls", "'if' without 'fi'"),
        ("for x in a; do ls", "without 'done'"),
        ("case x in a) ls", "without 'esac'"),
        ("ls >", "without a target"),
        ("ls > | cat", "without a target"),
        ("fi", "unexpected 'fi'"),
        ("echo a (b)", "unexpected '\\('"),
        ("ls ;; pwd", "outside a case"),
        ("bash -c 'echo \"'", "unbalanced double quote"),
    ],
)
def test_malformed_commands_raise_with_a_message(command, message):
    with pytest.raises(ShellParseError, match=message):
        split_commands(command)


def test_shell_parse_error_is_a_value_error():
    assert issubclass(ShellParseError, ValueError)


def test_oversized_input_is_refused():
    with pytest.raises(ShellParseError, match="refusing"):
        split_commands("a" * (MAX_COMMAND_CHARS + 1))


def test_non_text_input_is_refused():
    with pytest.raises(ShellParseError):
        split_commands(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "command",
    [
        "(" * 50_000,
        "$(" * 30_000,
        "`" * 99_999,
        "{ " * 40_000,
        "a " * 49_000,
        "a" * 99_000,
        "\\\n" * 49_000,
        "echo " + "'x' " * 20_000,
        "$((" * 30_000,
        "((a) " * 20_000,
        "cat <<E\n" * 10_000,
        "x\n" * 49_000,
        "if " * 30_000,
        "${" * 40_000,
        "<(" * 40_000,
        '"$(' * 30_000,
        "a=(" * 30_000,
        "bash -c " * 10_000,
    ],
    ids=lambda c: repr(c[:12]),
)
def test_adversarial_input_is_parsed_or_refused(command):
    # How fast is measured by benchmarks/bench_hook.py; here only that it ends in a list or a refusal.
    try:
        assert isinstance(split_commands(command), list)
    except ShellParseError:
        pass


# --- unwrap ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, core, wrappers, env",
    [
        ("python t.py", "python t.py", [], {}),
        ("nohup python t.py", "python t.py", ["nohup"], {}),
        ("timeout 600 python -u t.py", "python -u t.py", ["timeout"], {}),
        ("timeout -s KILL -k 5 10m python t.py", "python t.py", ["timeout"], {}),
        ("timeout --preserve-status 1h python t.py", "python t.py", ["timeout"], {}),
        ("env SYNTHETIC=1 python t.py", "python t.py", ["env"], {"SYNTHETIC": "1"}),
        ("env -i -u HOME A=1 B=2 python t.py", "python t.py", ["env"], {"A": "1", "B": "2"}),
        ("/usr/bin/env python3 t.py", "python3 t.py", ["env"], {}),
        ("env -S 'python3 -u' t.py", "python3 -u t.py", ["env"], {}),
        ("nice -n 10 python t.py", "python t.py", ["nice"], {}),
        ("nice -5 python t.py", "python t.py", ["nice"], {}),
        ("ionice -c 3 python t.py", "python t.py", ["ionice"], {}),
        ("stdbuf -oL -eL python t.py", "python t.py", ["stdbuf"], {}),
        ("time python t.py", "python t.py", ["time"], {}),
        ("/usr/bin/time -v -o stats python t.py", "python t.py", ["time"], {}),
        ("command python t.py", "python t.py", ["command"], {}),
        ("exec python t.py", "python t.py", ["exec"], {}),
        ("setsid -f python t.py", "python t.py", ["setsid"], {}),
        ("sudo -E -u ml python t.py", "python t.py", ["sudo"], {}),
        ("sudo HF_HOME=/x python t.py", "python t.py", ["sudo"], {"HF_HOME": "/x"}),
        ("caffeinate -i -t 3600 python t.py", "python t.py", ["caffeinate"], {}),
        ("taskset -c 0-3 python t.py", "python t.py", ["taskset"], {}),
        ("uv run t.py", "t.py", ["uv run"], {}),
        ("uv run python t.py", "python t.py", ["uv run"], {}),
        ("uv run --with rich --python 3.12 --no-project -- python t.py", "python t.py", ["uv run"], {}),
        ("uv run --with=rich --script t.py full", "t.py full", ["uv run"], {}),
        ("uv run -m pkg.mod", "python -m pkg.mod", ["uv run"], {}),
        ("uv run - ", "python -", ["uv run"], {}),
        ("uv --directory exp run t.py", "t.py", ["uv run"], {}),
        ("uvx --from labrails labrails quickstart", "labrails quickstart", ["uvx"], {}),
        ("uv tool run ruff@latest check", "ruff check", ["uv tool run"], {}),
        ("pixi run -e cuda -- python t.py", "python t.py", ["pixi run"], {}),
        ("poetry run python t.py", "python t.py", ["poetry run"], {}),
        ("poetry -C exp run python t.py", "python t.py", ["poetry run"], {}),
        ("pipenv run python t.py", "python t.py", ["pipenv run"], {}),
        ("pdm run python t.py", "python t.py", ["pdm run"], {}),
        ("conda run -n ml --no-capture-output python t.py", "python t.py", ["conda run"], {}),
        ("micromamba run -p /envs/ml python t.py", "python t.py", ["micromamba run"], {}),
        ("hatch run python t.py", "python t.py", ["hatch run"], {}),
        ("hatch run dev:python t.py", "python t.py", ["hatch run"], {}),
        ("rye run python t.py", "python t.py", ["rye run"], {}),
        ("accelerate launch t.py --lr 1", "t.py --lr 1", ["accelerate launch"], {}),
        ("accelerate launch --multi_gpu --num_processes 2 --mixed_precision bf16 t.py", "t.py", ["accelerate launch"], {}),
        ("accelerate launch -m pkg.train", "python -m pkg.train", ["accelerate launch"], {}),
        ("torchrun --nproc_per_node 2 t.py", "t.py", ["torchrun"], {}),
        ("torchrun --standalone --nnodes=1 --nproc-per-node=4 t.py x", "t.py x", ["torchrun"], {}),
        ("deepspeed --num_gpus 2 t.py", "t.py", ["deepspeed"], {}),
        ("mpirun -np 4 -x NCCL_DEBUG=INFO python t.py", "python t.py", ["mpirun"], {"NCCL_DEBUG": "INFO"}),
        ("srun -N1 -n 2 --gres=gpu:1 --pty python t.py", "python t.py", ["srun"], {}),
        ("srun --partition gpu python t.py", "python t.py", ["srun"], {}),
        ("screen -dmS run python t.py", "python t.py", ["screen -dm"], {}),
        ("nohup timeout 1h env A=1 uv run t.py", "t.py", ["nohup", "timeout", "env", "uv run"], {"A": "1"}),
        # Not wrappers around a command:
        ("command -v python", "command -v python", [], {}),
        ("sudo -l", "sudo -l", [], {}),
        ("env", "env", [], {}),
        ("nohup", "nohup", [], {}),
        ("uv pip install x", "uv pip install x", [], {}),
        ("accelerate config", "accelerate config", [], {}),
        ("screen -r run", "screen -r run", [], {}),
        ("xargs python", "xargs python", [], {}),
    ],
)
def test_unwrap_strips_launcher_wrappers(argv, core, wrappers, env):
    assert unwrap(shlex.split(argv)) == (core.split(), wrappers, env)


def test_unwrap_keeps_quoted_arguments_intact():
    assert unwrap(["nohup", "python", "-c", "print('a b')"])[0] == ["python", "-c", "print('a b')"]


def test_unwrap_of_an_empty_argv_is_empty():
    assert unwrap([]) == ([], [], {})
