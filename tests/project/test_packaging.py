"""labrails installs like a package: the wheel and sdist carry everything, and an experiment made by a
wheel install runs with `uv run` against that same wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from labrails.project.install_source import uv_source
from testing.paths import REPO

UV = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
needs_uv = pytest.mark.skipif(not Path(UV).exists(), reason="uv is not installed (pip install 'labrails[dev]')")
PIPX = shutil.which("pipx") or str(Path(sys.executable).parent / "pipx")
needs_pipx = pytest.mark.skipif(not Path(PIPX).exists(), reason="pipx is not installed (pip install 'labrails[dev]')")


def test_the_uv_source_matches_how_labrails_was_installed():
    wheel = {"url": "file:///opt/dist/labrails-0.1.0-py3-none-any.whl", "archive_info": {"hashes": {}}}
    assert uv_source(wheel) == 'labrails = { path = "/opt/dist/labrails-0.1.0-py3-none-any.whl" }'
    editable = {"url": "file:///home/me/labrails", "dir_info": {"editable": True}}
    assert uv_source(editable) == 'labrails = { path = "/home/me/labrails", editable = true }'
    git = {"url": "https://example.org/labrails.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}
    assert uv_source(git) == 'labrails = { git = "https://example.org/labrails.git", rev = "abc123" }'
    assert uv_source(None) is None  # from a package index: `labrails>=VERSION` resolves there


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    if not Path(UV).exists():
        pytest.skip("uv is not installed")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([UV, "build", "--out-dir", str(out), str(REPO)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return sorted(out.glob("*.whl"))[0], sorted(out.glob("*.tar.gz"))[0]


@pytest.mark.slow
def test_wheel_and_sdist_carry_templates_scaffolds_skills_hooks_and_plugin(dist):
    wheel, sdist = dist
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("labrails/py.typed", "labrails/_data/scaffold/train.py", "labrails/_data/scaffold/config.yaml",
                   "labrails/_data/templates/run_README.txt.j2", "labrails/_data/.claude-plugin/plugin.json",
                   "labrails/tracking/wrap.py", "labrails/export/mlflow.py"):
        assert needed in names, needed
    assert any(n.startswith("labrails/_data/skills/") and n.endswith("SKILL.md") for n in names)
    assert any(n.startswith("labrails/_data/hooks/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert "Classifier: License :: OSI Approved :: MIT License" in metadata and "Requires-Dist: uv" in metadata
    assert "Provides-Extra: mlflow" in metadata
    members = {m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m}
    for needed in ("LICENSE", "CHANGELOG.md", "scaffold/train.py", "templates/run_README.txt.j2",
                   ".claude-plugin/plugin.json", "src/labrails/py.typed"):
        assert needed in members, needed


@pytest.mark.slow
@needs_pipx
def test_pipx_install_from_the_wheel_gives_a_working_labrails(dist, tmp_path):
    wheel, _ = dist
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin"),
           "PIPX_MAN_DIR": str(tmp_path / "man")}
    env.pop("PYTHONPATH", None)  # the installed wheel's labrails, not this checkout
    proc = subprocess.run([PIPX, "install", str(wheel)], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    labrails = tmp_path / "bin" / "labrails"
    out = subprocess.run([str(labrails), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "0.1.0" in out.stdout, out.stderr
    made = subprocess.run([str(labrails), "new", "digits-pipx"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "digits-pipx" / "train.py").is_file() and (tmp_path / "digits-pipx" / "spec.yaml").is_file()


def _cpu_torch_wheels() -> str | None:
    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        if any(Path(folder).glob("torch-*+cpu-*.whl")):
            return folder
    return None


@pytest.mark.slow
@needs_uv
def test_uv_tool_install_from_the_wheel_gives_a_working_labrails(dist, tmp_path):
    wheel, _ = dist
    env = {**os.environ, "UV_TOOL_DIR": str(tmp_path / "tools"), "UV_TOOL_BIN_DIR": str(tmp_path / "bin")}
    proc = subprocess.run([UV, "tool", "install", str(wheel)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = subprocess.run([str(tmp_path / "bin" / "labrails"), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "0.1.0" in out.stdout


@pytest.mark.slow
@needs_uv
@pytest.mark.skipif(_cpu_torch_wheels() is None, reason="no local CPU torch wheel (PIP_FIND_LINKS); uv would download the multi-GB CUDA build")
def test_an_experiment_made_by_a_wheel_install_runs_with_uv_run(dist, tmp_path):
    wheel, _ = dist
    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "-q", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    proc = subprocess.run([UV, "pip", "install", "-q", "--python", str(python), str(wheel)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the wheel's labrails, not this checkout
    made = subprocess.run([str(venv / "bin" / "labrails"), "new", "digits-wheel"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    script = (tmp_path / "digits-wheel" / "train.py").read_text()
    assert f'# labrails = {{ path = "{wheel}" }}' in script
    folder = _cpu_torch_wheels()
    torch_wheel = sorted(Path(folder).glob("torch-*+cpu-*.whl"))[-1].name
    (tmp_path / "constraints.txt").write_text(f"torch=={torch_wheel.split('-')[1]}\n")
    env.update(LABRAILS_QUIET="1", UV_FIND_LINKS=folder, UV_CONSTRAINT=str(tmp_path / "constraints.txt"))
    run = subprocess.run([UV, "run", "train.py", "de-risk"], cwd=tmp_path / "digits-wheel", env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    runs = sorted((tmp_path / "digits-wheel" / "runs").iterdir())
    assert len(runs) == 1 and '"status": "completed"' in (runs[0] / "run.json").read_text()
