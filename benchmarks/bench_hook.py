"""How much time the PreToolUse guard adds to every agent command.

Runs the hook exactly as Claude Code does (a new process per tool call, JSON on stdin) on realistic
payloads, in an experiment inside a git repository (as real ones are), and reports each median as a
ratio to a bare `python -c pass` on the same interpreter, sampled alongside it. Two cases carry the
targets (DESIGN.md) and are reported on their own: a plain command (`ls -la`, target <= 1.5x) and a
fully checked full launch after a passing de-risk run (target <= 3x); the same full launch in an
experiment outside git is reported next to it, and the other payloads are shown for context. Then times
the shell parser on hostile command lines: each must be refused or parsed in under 2 s.

    python benchmarks/bench_hook.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def once(cmd: list[str], stdin: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
    return time.perf_counter() - start


def interleaved(cmds: list[list[str]], stdin: str, repeat: int) -> list[float]:
    """Median wall time of each command, sampled in turn so machine noise hits them all alike."""
    samples: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            samples[i].append(once(cmd, stdin if i else ""))
    return [statistics.median(s) for s in samples]


def make_experiment(root: Path, *, in_git: bool = True) -> Path:
    import labrails

    exp = labrails.new_experiment(root / "exp", hypothesis="h", success=["s"])
    tiny = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tiny_run.py"
    shutil.copy(tiny, exp.root / "tiny_run.py")
    env = {**os.environ, "LABRAILS_QUIET": "1"}
    # A real experiment lives in a git repository: the code version then comes from git, which is the
    # expensive part of a full launch's check. Outside git it comes from scanning the script's imports.
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    (root / ".gitignore").write_text("runs/\n.labrails/\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "experiment"]) if in_git else ():
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    subprocess.run([sys.executable, "tiny_run.py", "de-risk"], cwd=exp.root, env=env, check=True, capture_output=True)
    from labrails.review import review_run

    review_run(exp.run_dirs()[-1])  # so a full launch goes through every check, as after a real de-risk
    # The code-version cache keeps nothing computed from files written within the last seconds (they may
    # change again unnoticed); an agent's launches come later than that.
    time.sleep(2.5)
    return exp.root


def payloads(exp: Path) -> dict[str, dict]:
    def bash(command: str, **extra):
        return {"session_id": "bench", "hook_event_name": "PreToolUse", "cwd": str(exp), "tool_name": "Bash",
                "tool_input": {"command": command, "description": "", **extra}, "permission_mode": "default"}

    return {
        "ls": bash("ls -la"),
        "git status && diff": bash("git status && git diff --stat"),
        "grep in sources": bash("grep -rn 'learning_rate' src/ | head -20"),
        "Write a file": {"hook_event_name": "PreToolUse", "cwd": str(exp), "tool_name": "Write",
                         "tool_input": {"file_path": str(exp / "notes.md"), "content": "x"}},
        "labrails journal add": bash('labrails journal add "val loss flat" --tag WEIRD'),
        "de-risk launch": bash("python tiny_run.py de-risk"),
        "full launch (checked)": bash("python tiny_run.py full", run_in_background=True),
    }


# Command lines built to make a naive parser recurse or backtrack; the parser must refuse or finish fast.
ADVERSARIAL = {
    "( x50k": "(" * 50_000,
    "$( x30k": "$(" * 30_000,
    "backticks x100k": "`" * 99_999,
    "{ x40k": "{ " * 40_000,
    "words x49k": "a " * 49_000,
    "one 99k word": "a" * 99_000,
    "line continuations": "\\\n" * 49_000,
    "quoted words x20k": "echo " + "'x' " * 20_000,
    "$(( x30k": "$((" * 30_000,
    "((a) x20k": "((a) " * 20_000,
    "heredocs x10k": "cat <<E\n" * 10_000,
    "lines x49k": "x\n" * 49_000,
    "if x30k": "if " * 30_000,
    "${ x40k": "${" * 40_000,
    "<( x40k": "<(" * 40_000,
    '"$( x30k': '"$(' * 30_000,
    "a=( x30k": "a=(" * 30_000,
    "bash -c x10k": "bash -c " * 10_000,
}


def parser_worst_cases() -> None:
    from labrails.guard.shell.command import ShellParseError
    from labrails.guard.shell.parse import split_commands

    print(f"\n{'hostile command line':<26} {'parse':>10}  outcome")
    worst = 0.0
    for name, command in ADVERSARIAL.items():
        start = time.perf_counter()
        try:
            outcome = f"{len(split_commands(command))} commands"
        except ShellParseError as exc:
            outcome = f"refused ({str(exc)[:50]})"
        took = time.perf_counter() - start
        worst = max(worst, took)
        print(f"{name:<26} {took * 1000:7.1f} ms  {outcome}")
    print(f"worst: {worst * 1000:.1f} ms (target < 2000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["LABRAILS_QUIET"] = "1"
    # A normal `pip install` compiles labrails to bytecode; do the same so each hook process loads .pyc
    # files (an editable checkout run with PYTHONDONTWRITEBYTECODE=1 would recompile on every call).
    import compileall

    import labrails

    compileall.compile_dir(str(Path(labrails.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as outside_git:
        exp = make_experiment(Path(tmp))
        from labrails.project.init import hook_command

        # What the plugin shim and `labrails init` run; the console script is shown for comparison.
        entry = [sys.executable, "-c", hook_command("x").split(" -c ", 1)[1].rsplit(" ", 1)[0].strip("'"), "pretooluse"]
        script = shutil.which("labrails", path=str(Path(sys.executable).parent))
        bare = [sys.executable, "-c", "pass"]
        print(f"medians of {args.repeat} runs each; every ratio is against `python -c pass` sampled alongside it\n")
        print(f"{'payload':<26} {'python -c pass':>14} {'hook entry (plugin/init)':>26} {'`labrails hook` script':>24}")
        ratios = {}
        for name, payload in payloads(exp).items():
            cmds = [bare, entry] + ([[script, "hook", "pretooluse"]] if script else [])
            base, t_entry, *rest = interleaved(cmds, json.dumps(payload), args.repeat)
            t_script = rest[0] if rest else float("nan")
            ratios[name] = t_entry / base
            print(f"{name:<26} {base * 1000:11.1f} ms {t_entry * 1000:12.1f} ms {t_entry / base:6.2f}x "
                  f"{t_script * 1000:12.1f} ms {t_script / base:6.2f}x")
        # The same full launch in an experiment outside any git repository: its code version comes from
        # scanning the script's imports, cached on the files' stat.
        nogit = make_experiment(Path(outside_git), in_git=False)
        full = payloads(nogit)["full launch (checked)"]
        cmds = [bare, entry] + ([[script, "hook", "pretooluse"]] if script else [])
        base, t_entry, *rest = interleaved(cmds, json.dumps(full), args.repeat)
        t_script = rest[0] if rest else float("nan")
        ratios["full launch outside git"] = t_entry / base
        print(f"{'full launch, no git':<26} {base * 1000:11.1f} ms {t_entry * 1000:12.1f} ms {t_entry / base:6.2f}x "
              f"{t_script * 1000:12.1f} ms {t_script / base:6.2f}x")
        print(f"\nplain command (ls -la):        {ratios['ls']:.2f}x `python -c pass` (target <= 1.5x)")
        print(f"fully checked full launch:     {ratios['full launch (checked)']:.2f}x `python -c pass` (target <= 3x)")
        print(f"the same, outside git:         {ratios['full launch outside git']:.2f}x `python -c pass`")
    parser_worst_cases()


if __name__ == "__main__":
    main()
