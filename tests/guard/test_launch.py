"""Which commands launch an experiment, and which files a command writes."""

from __future__ import annotations

import pytest

from labrails.guard.shell.command import ShellParseError, SimpleCommand
from labrails.guard.shell.launches import Launch, find_launches
from labrails.guard.shell.parse import split_commands
from labrails.guard.shell.writes import UNPARSEABLE_PYTHON, written_paths


def launch_of(command: str) -> Launch:
    (launch,) = find_launches(command)
    return launch


def summary(launch: Launch) -> dict:
    """The fields a policy usually looks at, leaving out empty ones to keep the tables short."""
    fields = {
        "kind": launch.kind,
        "script": launch.script,
        "module": launch.module,
        "args": launch.args,
        "env": launch.env,
        "cwd": launch.cwd,
        "launcher": launch.launcher,
        "background": launch.background,
        "inline_code": launch.inline_code,
    }
    return {k: v for k, v in fields.items() if v not in (None, [], {}, False)}


@pytest.mark.parametrize(
    "command, expected",
    [
        ("python train.py full", dict(kind="script", script="train.py", args=["full"], launcher=["python"])),
        ("python3 exp/train.py", dict(kind="script", script="exp/train.py", launcher=["python3"])),
        ("python3.11 ./train.py", dict(kind="script", script="./train.py", launcher=["python3.11"])),
        (".venv/bin/python train.py full", dict(kind="script", script="train.py", args=["full"], launcher=[".venv/bin/python"])),
        ("py -3.11 train.py", dict(kind="script", script="train.py", launcher=["py"])),
        ("/usr/bin/env python3 train.py", dict(kind="script", script="train.py", launcher=["env", "python3"])),
        ("python -u -O -X dev -W ignore train.py full --lr 3e-4",
         dict(kind="script", script="train.py", args=["full", "--lr", "3e-4"], launcher=["python"])),
        ("python -Wignore -Xfrozen_modules=off train.py", dict(kind="script", script="train.py", launcher=["python"])),
        ("timeout 600 python -u train.py full",
         dict(kind="script", script="train.py", args=["full"], launcher=["timeout", "python"])),
        ("FOO=1 SYNTHETIC=1 python train.py full",
         dict(kind="script", script="train.py", args=["full"], env={"FOO": "1", "SYNTHETIC": "1"}, launcher=["python"])),
        ("env SYNTHETIC=1 python train.py full",
         dict(kind="script", script="train.py", args=["full"], env={"SYNTHETIC": "1"}, launcher=["env", "python"])),
        ("A=1 env B=2 python train.py",
         dict(kind="script", script="train.py", env={"A": "1", "B": "2"}, launcher=["env", "python"])),
        ("export SYNTHETIC=1; python train.py full",
         dict(kind="script", script="train.py", args=["full"], env={"SYNTHETIC": "1"}, launcher=["python"])),
        ("cd exp && python train.py full", dict(kind="script", script="train.py", args=["full"], cwd="exp", launcher=["python"])),
        ("python train.py full &", dict(kind="script", script="train.py", args=["full"], launcher=["python"], background=True)),
        ("nohup python train.py full > log 2>&1",
         dict(kind="script", script="train.py", args=["full"], launcher=["nohup", "python"], background=True)),
        ("setsid python train.py", dict(kind="script", script="train.py", launcher=["setsid", "python"], background=True)),
        ("python train.py full | tee out.log", dict(kind="script", script="train.py", args=["full"], launcher=["python"])),
        ("python train.py \\\n  --epochs 3 \\\n  full",
         dict(kind="script", script="train.py", args=["--epochs", "3", "full"], launcher=["python"])),
        ("python train.py full  # the long one", dict(kind="script", script="train.py", args=["full"], launcher=["python"])),
        ("./train.py full", dict(kind="script", script="./train.py", args=["full"])),
        ("exp/train.py", dict(kind="script", script="exp/train.py")),
        ("uv run train.py full", dict(kind="script", script="train.py", args=["full"], launcher=["uv run"])),
        ("uv run python train.py full", dict(kind="script", script="train.py", args=["full"], launcher=["uv run", "python"])),
        ("uv run --with rich --python 3.12 train.py", dict(kind="script", script="train.py", launcher=["uv run"])),
        ("pixi run python train.py", dict(kind="script", script="train.py", launcher=["pixi run", "python"])),
        ("conda run -n ml python train.py", dict(kind="script", script="train.py", launcher=["conda run", "python"])),
        ("accelerate launch --num_processes 2 train.py full",
         dict(kind="script", script="train.py", args=["full"], launcher=["accelerate launch"])),
        ("torchrun --nproc_per_node 2 train.py full",
         dict(kind="script", script="train.py", args=["full"], launcher=["torchrun"])),
        ("torchrun --standalone train", dict(kind="script", script="train", launcher=["torchrun"])),
        ("python -m torch.distributed.run --nproc_per_node=2 train.py full",
         dict(kind="script", script="train.py", args=["full"], launcher=["python", "-m torch.distributed.run"])),
        ("srun --gres=gpu:1 python train.py", dict(kind="script", script="train.py", launcher=["srun", "python"])),
        ("python -m exp.train full", dict(kind="module", module="exp.train", args=["full"], launcher=["python"])),
        ("python -mexp.train", dict(kind="module", module="exp.train", launcher=["python"])),
        ("python -m pytest tests/", dict(kind="module", module="pytest", args=["tests/"], launcher=["python"])),
        ("uv run -m exp.train", dict(kind="module", module="exp.train", launcher=["uv run", "python"])),
        ("python -c 'import torch; print(torch.cuda.is_available())'",
         dict(kind="inline", launcher=["python"], inline_code="import torch; print(torch.cuda.is_available())")),
        ("python - <<'EOF'\nprint('hi')\nEOF", dict(kind="inline", launcher=["python"], inline_code="print('hi')\n")),
        ("python <<EOF\nprint(1)\nEOF", dict(kind="inline", launcher=["python"], inline_code="print(1)\n")),
        ("python3 - --flag <<< 'print(2)'", dict(kind="inline", args=["--flag"], launcher=["python3"], inline_code="print(2)")),
        ("cat code.py | python", dict(kind="inline", launcher=["python"])),
        ("cat <<'EOF' | python3 -\nprint(3)\nEOF", dict(kind="inline", launcher=["python3"], inline_code="print(3)\n")),
        ("labrails quickstart DIR", dict(kind="labrails", args=["quickstart", "DIR"])),
        ("uv run labrails status", dict(kind="labrails", args=["status"], launcher=["uv run"])),
        ("python -m labrails quickstart DIR",
         dict(kind="labrails", args=["quickstart", "DIR"], launcher=["python", "-m labrails"])),
        ("uvx --from labrails labrails approve data", dict(kind="labrails", args=["approve", "data"], launcher=["uvx"])),
    ],
)
def test_launches_are_recognised(command, expected):
    assert summary(launch_of(command)) == expected


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "git status",
        "grep -r python .",
        'echo "python train.py full"',
        "echo python train.py full",
        "cat train.py",
        "pip install x",
        "pip3 install -e .",
        "pytest tests/",
        "vim train.py",
        "head -n 5 exp/train.py",
        "python --version",
        "python -V",
        "python3 -h",
        "which python",
        "command -v python",
        "ruff check train.py",
        "git add train.py",
        "bash run.sh",
        "# python train.py full",
        "cat <<'EOF' > notes.md\npython train.py full\nEOF",
        "printf '%s\\n' 'python train.py full' > cmd.txt",
    ],
)
def test_ordinary_commands_are_not_launches(command):
    assert find_launches(command) == []


@pytest.mark.parametrize(
    "command, cwd, background",
    [
        ('bash -c "cd exp && nohup uv run train.py full > log 2>&1 &"', "exp", True),
        ("cd exp && nohup uv run train.py full > log 2>&1 &", "exp", True),
        ("sh -c 'python train.py full'", None, False),
        ("tmux new-session -d -s run 'cd exp && python train.py full'", "exp", True),
        ("screen -dmS run python train.py full", None, True),
        ("sbatch --wrap 'python train.py full'", None, True),
        ("(cd exp && python train.py full)", "exp", False),
        ("cd exp; for s in 1 2; do python train.py full --seed $s; done", "exp", False),
    ],
)
def test_launches_hidden_in_shells_sessions_and_loops(command, cwd, background):
    launch = launch_of(command)
    assert (launch.script, launch.args[:1], launch.cwd, launch.background) == ("train.py", ["full"], cwd, background)


def test_a_launch_inside_command_substitution_is_found():
    launch = launch_of("echo $(python train.py full)")
    assert launch.script == "train.py"
    assert launch.command.nested_in == "$()"


def test_every_launch_in_a_chain_is_reported():
    launches = find_launches("python prepare.py && python train.py full; python -m eval.report")
    assert [(l.kind, l.script or l.module) for l in launches] == [
        ("script", "prepare.py"),
        ("script", "train.py"),
        ("module", "eval.report"),
    ]


def test_launch_carries_the_simple_command_it_came_from():
    launch = launch_of("cd exp && python train.py full > out.log")
    assert launch.command.argv == ["python", "train.py", "full"]
    assert launch.command.redirects == [(">", "out.log")]


def test_find_launches_raises_parse_errors():
    with pytest.raises(ShellParseError):
        find_launches("python train.py 'full")


# --- written paths ---------------------------------------------------------------------------------


def writes(command: str) -> list[str]:
    return [path for cmd in split_commands(command) for path in written_paths(cmd)]


@pytest.mark.parametrize(
    "command, paths",
    [
        # redirections
        ("python train.py > out.txt", ["out.txt"]),
        ("python train.py >> log 2> err.log", ["log", "err.log"]),
        ("python train.py &> all.log", ["all.log"]),
        ("python train.py >| forced 1> one", ["forced", "one"]),
        ("python train.py > log 2>&1", ["log"]),
        ("python train.py >& both.log", ["both.log"]),
        ("python train.py 2>/dev/null >/dev/stderr", []),
        ("python train.py < input.txt", []),
        ("python train.py > >(tee out.log) 2> >(tee err.log >&2)", ["out.log", "err.log"]),
        ("> results.csv", ["results.csv"]),
        ("cat > notes.md <<EOF\nhi\nEOF", ["notes.md"]),
        ("{ python a.py; python b.py; } > both.log", ["both.log", "both.log"]),
        # tee
        ("python train.py | tee out.log", ["out.log"]),
        ("echo x | tee -a a.log b.log", ["a.log", "b.log"]),
        ("echo x | sudo tee /etc/conf > /dev/null", ["/etc/conf"]),
        # in-place editors
        ("sed -i 's/a/b/' cfg.yaml", ["cfg.yaml"]),
        ("sed -i.bak -e 's/a/b/' a.txt b.txt", ["a.txt", "b.txt"]),
        ("sed --in-place=.orig s/a/b/ f", ["f"]),
        ("sed -Ei 's/a/b/' f", ["f"]),
        ("sed -i '' 's/a/b/' f", ["f"]),
        ("sed 's/a/b/' f > g", ["g"]),
        ("perl -pi -e 's/a/b/' f.txt", ["f.txt"]),
        ("perl -i.bak -pe 's/a/b/' f.txt", ["f.txt"]),
        ("perl -ne 'print' f.txt", []),
        # copying, moving, linking
        ("cp a.txt b.txt", ["b.txt"]),
        ("cp -r src/ dst/", ["dst/"]),
        ("cp -t dest a b", ["dest"]),
        ("cp --target-directory=dest a b", ["dest"]),
        ("mv old.csv new.csv", ["old.csv", "new.csv"]),
        ("install -m 644 cfg /etc/cfg", ["/etc/cfg"]),
        ("install -d out logs", ["out", "logs"]),
        ("ln -sf ../data data", ["data"]),
        ("rsync -av --exclude '*.pt' runs/ backup/", ["backup/"]),
        ("scp host:/x.txt local.txt", ["local.txt"]),
        ("scp local.txt host:/x.txt", []),
        # creating and deleting
        ("touch a b", ["a", "b"]),
        ("touch -d yesterday stamp", ["stamp"]),
        ("rm -rf runs/ .cache", ["runs/", ".cache"]),
        ("rm -- -weird-name", ["-weird-name"]),
        ("unlink f", ["f"]),
        ("truncate -s 0 log", ["log"]),
        ("shred -n 3 -u secret", ["secret"]),
        ("mkdir -p a/b c", ["a/b", "c"]),
        ("mkdir -m 700 private", ["private"]),
        ("rmdir empty", ["empty"]),
        ("dd if=/dev/zero of=disk.img bs=1M count=1", ["disk.img"]),
        ("find runs -name '*.tmp' -delete", ["runs"]),
        ("find . -name '*.pyc' -exec rm {} +", ["."]),
        ("find . -name '*.py'", []),
        # permissions
        ("chmod 600 key", ["key"]),
        ("chmod -R u+w a b", ["a", "b"]),
        ("chmod -x script.sh", ["script.sh"]),
        ("chmod --reference=a b", ["b"]),
        ("chown user:group f", ["f"]),
        ("chgrp -R staff dir", ["dir"]),
        # git
        ("git checkout -- train.py", ["train.py"]),
        ("git checkout HEAD~1 -- a.py b.py", ["a.py", "b.py"]),
        ("git checkout main train.py", ["train.py"]),
        ("git checkout .", ["."]),
        ("git checkout main", []),
        ("git checkout -b feature", []),
        ("git restore train.py", ["train.py"]),
        ("git restore --staged train.py", []),
        ("git restore -s HEAD~2 --worktree cfg.yaml", ["cfg.yaml"]),
        ("git -C exp checkout -- spec.yaml", ["spec.yaml"]),
        ("git rm old.py", ["old.py"]),
        ("git rm --cached big.bin", []),
        ("git mv a.py b.py", ["a.py", "b.py"]),
        ("git reset --hard HEAD", ["."]),
        ("git reset HEAD~1", []),
        ("git clean -fd", ["."]),
        ("git clean -n", []),
        ("git stash", ["."]),
        ("git stash list", []),
        ("git status", []),
        # downloads
        ("curl -sSL -o data.zip https://example.com/d.zip", ["data.zip"]),
        ("curl https://example.com --output=page.html", ["page.html"]),
        ("wget -O model.bin https://example.com/m", ["model.bin"]),
        ("wget -P downloads https://example.com/m", ["downloads"]),
        # wrappers do not hide writes
        ("nohup python train.py > nohup.log &", ["nohup.log"]),
        ("timeout 5 cp a b", ["b"]),
        ("bash -c 'rm -rf out'", ["out"]),
        # nothing written
        ("ls -la", []),
        ("cat a b", []),
        ("python train.py full", []),
        ("grep -r x . 2>&1", []),
    ],
)
def test_written_paths(command, paths):
    assert writes(command) == paths


@pytest.mark.parametrize(
    "code, paths",
    [
        ("open('out.txt', 'w').write('x')", ["out.txt"]),
        ("open('log', mode='a')", ["log"]),
        ("open('new', 'x')", ["new"]),
        ("open('data.bin', 'r+b')", ["data.bin"]),
        ("open('in.txt').read()", []),
        ("open('in.txt', 'r')", []),
        ("with open('a.json', 'w') as f: json.dump({}, f)", ["a.json"]),
        ("import io; io.open('u.txt', 'w')", ["u.txt"]),
        ("from pathlib import Path; Path('x.txt').write_text('hi')", ["x.txt"]),
        ("import pathlib; pathlib.Path('b.bin').write_bytes(b'')", ["b.bin"]),
        ("Path('runs') / 'r1' / 'metrics.json'", []),
        ("(Path('runs') / 'r1' / 'metrics.json').write_text('{}')", ["runs/r1/metrics.json"]),
        ("p = Path('out/m.csv'); p.parent.mkdir(); p.write_text('')", ["out/m.csv"]),
        ("Path('spec.yaml').unlink()", ["spec.yaml"]),
        ("Path('a').rename('b')", ["a", "b"]),
        ("Path('f').open('w')", ["f"]),
        ("'abc'.replace('a', 'b')", []),
        ("import shutil; shutil.copy('a', 'b'); shutil.copytree('src', 'dst')", ["b", "dst"]),
        ("import shutil; shutil.move('a', 'b'); shutil.rmtree('tmp')", ["a", "b", "tmp"]),
        ("import os; os.remove('x'); os.unlink('y'); os.rename('p', 'q')", ["x", "y", "p", "q"]),
        ("import os; os.replace('a.tmp', 'a'); os.makedirs('d/e')", ["a.tmp", "a", "d/e"]),
        ("import os; os.open('f', os.O_WRONLY | os.O_CREAT)", ["f"]),
        ("import os; os.open('f', os.O_RDONLY)", []),
        ("import os; os.system('rm -rf cache')", ["cache"]),
        ("import subprocess; subprocess.run(['cp', 'a', 'b'])", ["b"]),
        ("import os; open(os.path.join('out', 'r.txt'), 'w')", ["out/r.txt"]),
        ("name = 'res.csv'; open(name, 'w')", ["res.csv"]),
        ("df.to_csv('results.csv', index=False)", ["results.csv"]),
        ("plt.savefig('fig.png')", ["fig.png"]),
        ("np.save('arr.npy', a)", ["arr.npy"]),
        ("torch.save(model.state_dict(), 'model.pt')", ["model.pt"]),
        ("open(f'run_{i}.txt', 'w')", []),
        ("print('hello')", []),
        ("def f(:", [UNPARSEABLE_PYTHON]),
        ("print('unclosed", [UNPARSEABLE_PYTHON]),
    ],
)
def test_written_paths_of_inline_python(code, paths):
    assert written_paths(SimpleCommand(["python", "-c", code])) == paths


def test_written_paths_of_python_fed_by_heredoc():
    command = "python - <<'EOF'\nimport json\nwith open('metrics.json', 'w') as f:\n    json.dump({}, f)\nEOF"
    assert writes(command) == ["metrics.json"]


def test_heredoc_fed_to_a_python_script_is_data_not_code():
    assert writes("python train.py <<EOF\nopen('x', 'w')\nEOF") == []


def test_written_paths_are_returned_as_written_with_the_directory_on_the_command():
    (cmd,) = [c for c in split_commands("cd exp && rm -f .labrails/state.json") if c.argv[0] == "rm"]
    assert (written_paths(cmd), cmd.cwd) == ([".labrails/state.json"], "exp")


def test_written_paths_tolerates_an_empty_command():
    assert written_paths(SimpleCommand([])) == []
