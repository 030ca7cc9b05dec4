"""The rules the skills state, compared with what labrails does, so a skill cannot drift from the code.

Each test reads a rule out of the skill text (the files it names, the prefixes it lists, the configuration
names it passes) and checks it against the behaviour: the code-version exclusions, the profile a run name
maps to, the phases a launch belongs to, and the analysis commands run on a real sweep.
"""

from __future__ import annotations

import re
import shlex

import pytest
from skillpack import SKILLS_DIR, commands_in, markdown_code
from testing.commands import run_script
from testing.experiments import tiny_experiment
from testing.scripted_runs import launch
from typer.testing import CliRunner

import labrails
from labrails.cli.app import app
from labrails.core.naming import profile_from_name
from labrails.core.snapshot import _NOT_CODE
from labrails.core.spec import load_spec

SETUP = SKILLS_DIR / "ml-experimentation" / "references" / "experiment-setup.md"
SKILL_FILES = sorted(SKILLS_DIR.rglob("*.md"))


def _text(path) -> str:
    return " ".join(path.read_text(encoding="utf-8").split())


# --------------------------------------------------------------------------- what changes identity
def test_the_files_the_skills_say_are_not_code_are_the_ones_the_code_version_leaves_out():
    paragraph = next(p for p in SETUP.read_text(encoding="utf-8").split("\n\n") if "Not part of the code version" in p)
    stated = {name.rstrip("/") for name in re.findall(r"`([^`]+)`", paragraph.split("Not part of the code version", 1)[1])}
    excluded = {re.sub(r"^:\(exclude,glob\)\*\*/", "", p).removesuffix("/**") for p in _NOT_CODE}
    assert stated == excluded, f"skill says {sorted(stated)}, the code version leaves out {sorted(excluded)}"


def test_no_skill_says_a_spec_edit_changes_identity_and_the_identity_agrees(tmp_path):
    for path in SKILL_FILES:
        text = _text(path)
        assert not re.search(r"spec\.yaml edit counts as a code change", text), path
        assert not re.search(r"spec\.yaml[^.]*run de-risk again", text), path
    exp = tiny_experiment(tmp_path / "lab")
    run_script(exp, "tiny_run.py", "de-risk")
    exp.spec_path.write_text(exp.spec_path.read_text().replace('hypothesis: "', 'hypothesis: "edited: ', 1))
    again = run_script(exp, "tiny_run.py", "de-risk", check=False)
    assert again.returncode == 0 and len(exp.run_dirs()) == 1, again.stdout + again.stderr  # the same identity: refused


# --------------------------------------------------------------------------- names, profiles, phases
def _derisk_prefixes() -> list[str]:
    m = re.search(r"Names starting with ((?:`\w+`(?:,| or| and)? ?)+) also map to `de-risk`", _text(SETUP))
    assert m, "experiment-setup.md no longer says which other names map to de-risk"
    return re.findall(r"`(\w+)`", m[1])


def test_the_names_the_skill_maps_to_de_risk_are_the_ones_the_code_maps():
    prefixes = _derisk_prefixes()
    for prefix in prefixes:
        assert profile_from_name(f"{prefix}-first-try", ["de-risk", "full"]) == "de-risk", prefix
    for word in ("tweak", "sanity", "quick", "test", "try"):  # any other alias must be stated in the skill
        assert profile_from_name(f"{word}-1", ["de-risk", "full"]) is None, word


def _phase_examples():
    """Every de-risk phase in a YAML example of a skill, and the spec.yaml that `labrails new` writes."""
    import yaml

    for path in SKILL_FILES:
        for chunk in markdown_code(path):
            if chunk.kind != "block" or "phases" not in chunk.text:
                continue
            try:
                doc = yaml.safe_load(chunk.text)
            except yaml.YAMLError:
                continue
            for phase in (doc or {}).get("phases") or [] if isinstance(doc, dict) else []:
                if isinstance(phase, dict) and phase.get("name") == "de-risk":
                    yield chunk.source, phase


def test_every_de_risk_phase_pattern_matches_every_name_the_de_risk_profile_takes(tmp_path):
    from labrails.core.spec import Phase

    names = ["de-risk", "de-risk-lr", *(f"{p}-lr" for p in _derisk_prefixes())]
    examples = list(_phase_examples())
    assert examples, "no de-risk phase found in the skills' examples"
    for source, phase in examples:
        p = Phase("de-risk", tuple(phase.get("commands") or ()), bool(phase.get("checkpoint")))
        assert all(p.matches(f"train.py {n}") for n in names), f"{source}: {phase['commands']} misses one of {names}"
    spec = load_spec(labrails.new_experiment(tmp_path / "new", hypothesis="h", success=["x"]).spec_path)
    assert all(spec.phase_of(f"train.py {n}").name == "de-risk" for n in names)


# --------------------------------------------------------------------------- analysis commands, run for real
ANALYSIS = ("analyze", "report", "plot")


def _analysis_commands():
    for path in SKILL_FILES:
        for chunk in markdown_code(path):
            for command in commands_in(chunk):
                # run-level plots need a run's curves (the scaffold tests draw them); comparisons run here
                if command.argv[1] in ANALYSIS and "<" not in command.line and (command.argv[1] != "plot" or "--compare" in command.argv):
                    yield command


COMMANDS = list(_analysis_commands())


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Configurations named as a sweep names them (full-baseline, full-wide), with every metric the skills cite."""
    exp = labrails.new_experiment(tmp_path_factory.mktemp("skills") / "lab", hypothesis="a wider MLP is more accurate",
                                  success=["test_accuracy >= 0.9"], data_source="sklearn.datasets.load_wine")
    for config, overrides, accs in (("baseline", {}, (0.90, 0.92)), ("wide", {"model.hidden": 256}, (0.93, 0.95))):
        for seed, acc in zip((1, 2), accs):
            launch(exp, f"full-{config}-seed{seed}", {"test_accuracy": acc, "test_macro_f1": acc - 0.01, "test_loss": 1 - acc},
                   overrides={**overrides, "seed": seed})
    return exp


def test_the_skills_name_configurations_as_analyze_does(sweep):
    baselines = [c for c in COMMANDS if "--baseline" in c.argv]
    assert baselines, "no skill shows --baseline"
    from labrails.analysis.analyze import analyze

    names = list(analyze(sweep, plots=False).configurations)
    assert names == ["full-baseline", "full-wide"]
    for command in baselines:
        value = command.argv[command.argv.index("--baseline") + 1]
        assert value.startswith("full-"), f"{command.source}: `{command.line}`: configurations are named full-<config>"
        assert value in names, f"{command.source}: `{command.line}`: analyze names {names}"


@pytest.mark.parametrize("command", COMMANDS, ids=[f"{c.source}:{' '.join(c.argv[1:])}" for c in COMMANDS])
def test_every_analysis_example_in_the_skills_runs(sweep, command, monkeypatch):
    monkeypatch.chdir(sweep.root)
    result = CliRunner().invoke(app, command.argv[1:], env={"COLUMNS": "250"})
    assert result.exit_code == 0, f"{command.source}: `{shlex.join(command.argv)}` exited {result.exit_code}:\n{result.output}"
