"""Planning a sweep: expansion, identities, the dry-run plan, and every bad input refused before anything runs."""

from __future__ import annotations

import json
import shutil

import pytest
from sweep_helpers import sweep_cli
from testing.runs import runs_named

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json
from labrails.core.resources import resource
from labrails.sweep import load_suite, plan_sweep, run_sweep


def test_a_suite_expands_to_configurations_times_seeds_in_run_order(experiment, write_suite):
    suite = write_suite("""
        name: tiny
        script: tiny_run.py
        profile: full
        configurations:
          - name: small-lr
            overrides: {optim: {lr: 0.001}, data.split_file: "split-{seed}.json"}
          - name: large-lr
            overrides: {optim.lr: 0.01}
    """)
    plan = plan_sweep(suite, seeds=[42, 43, 44])

    assert [job.run_name for job in plan.jobs] == [
        "full-small-lr-seed42", "full-small-lr-seed43", "full-small-lr-seed44",
        "full-large-lr-seed42", "full-large-lr-seed43", "full-large-lr-seed44",
    ]
    first = plan.jobs[0]
    assert first.overrides == {"optim.lr": 0.001, "data.split_file": "split-42.json", "seed": 42}  # nested = dotted
    assert len({job.identity for job in plan.jobs}) == 6
    assert all(job.identity.endswith("_" + plan.code_version) for job in plan.jobs)
    assert [name for name, _ in plan.configurations()] == ["small-lr", "large-lr"]


def test_seeds_come_from_the_suite_unless_given(experiment, write_suite):
    suite = write_suite()
    assert plan_sweep(suite).seeds == (1, 2)
    assert plan_sweep(suite, seeds=["7,8", 9]).seeds == (7, 8, 9)


def test_the_planned_identity_is_the_one_the_run_records(experiment, write_suite, run_in):
    plan = plan_sweep(write_suite())
    job = plan.jobs[0]
    run_in(experiment, "tiny_run.py", job.run_name, env={"LABRAILS_OVERRIDES": json.dumps(job.overrides)})

    info = read_json(runs_named(experiment, job.run_name)[0] / "run.json")
    assert info["identity"] == job.identity and info["profile"] == "full"
    again = plan_sweep(write_suite())
    assert [j.action for j in again.jobs] == ["skip", "run", "run", "run"]
    assert again.jobs[0].existing == runs_named(experiment, job.run_name)[0].name


def test_dry_run_prints_the_plan_with_what_is_skipped_and_runs_nothing(derisked, write_suite, run_in):
    suite = write_suite()
    done = plan_sweep(suite, seeds=[1, 2, 3]).jobs[0]
    run_in(derisked, "tiny_run.py", done.run_name, env={"LABRAILS_OVERRIDES": json.dumps(done.overrides)})
    before = derisked.run_dirs()

    proc = sweep_cli(derisked, suite, "--seeds", 1, 2, 3, "--dry-run")

    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "2 configuration(s) x 3 seed(s) = 6 jobs on profile 'full'" in out
    assert "5 to run, 1 already completed (skipped)" in out
    assert "skip  full-small-lr-seed1" in out and f"already completed: runs/{before[-1].name}" in out
    assert "run   full-large-lr-seed3" in out and "configuration large-lr: optim.lr=0.01" in out
    assert derisked.run_dirs() == before and not (derisked.root / "sweeps").exists()


@pytest.mark.parametrize("argv", [
    ["suites/tiny.yaml", "--seeds", "5", "6"],             # what click sees for: SUITE --seeds 5 6
    ["--seeds", "5", "6", "suites/tiny.yaml"],
    ["suites/tiny.yaml", "--seeds", "5,6"],
    ["suites/tiny.yaml", "--seeds", "5", "--seeds", "6"],
])
def test_seeds_may_come_before_or_after_the_suite_on_the_command_line(argv):
    from labrails.cli.sweep_cmds import split_arguments

    seeds = [argv[i + 1] for i, a in enumerate(argv) if a == "--seeds"]
    positional = [a for i, a in enumerate(argv) if a != "--seeds" and (i == 0 or argv[i - 1] != "--seeds")]
    suite, all_seeds = split_arguments(positional, seeds)
    assert str(suite) == "suites/tiny.yaml" and plan_seeds(all_seeds) == (5, 6)


def plan_seeds(values):
    from labrails.sweep.suite import parse_seeds

    return parse_seeds(values, path=None, where="--seeds")


def test_a_strategy_without_dynamics_reads_the_earlier_configuration_that_logs_them(experiment, write_suite):
    suite = write_suite("""
        script: tiny_run.py
        seeds: [42]
        configurations:
          - {name: baseline, overrides: {cartography.log_dynamics: true}}
          - {name: filter, overrides: {cartography.strategy: filter}}
    """)
    baseline, filtered = plan_sweep(suite).jobs

    assert filtered.overrides["cartography.dynamics"] == "runs/*-full-baseline-seed42"
    assert filtered.depends_on == (baseline.run_name,)
    assert "from the earlier configuration that logs dynamics" in filtered.notes[0]


def test_the_shipped_cartography_suite_plans_cleanly(tmp_path):
    import labrails

    exp = labrails.new_experiment(tmp_path / "digits-carto", template="cartography")
    # `labrails new` already copied the shipped suites into the experiment.
    plan = plan_sweep(exp.root / "suites" / "cartography.yaml")

    assert [name for name, _ in plan.configurations()] == ["baseline", "filter", "smoothing", "weighting", "clusters",
                                                           "clusters-smoothing"]
    assert len(plan.jobs) == 18 and plan.seeds == (42, 43, 44)
    weighting44 = [j for j in plan.jobs if j.run_name == "full-weighting-seed44"][0]
    assert weighting44.overrides["cartography.dynamics"] == "runs/*-full-baseline-seed44"
    assert weighting44.depends_on == ("full-baseline-seed44",)
    assert "no de-risk run" in plan.blocker  # a fresh experiment: the sweep would refuse to start


BAD_SUITES = {
    "unknown override key": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: ok, overrides: {optim.lr: 0.01}}
          - {name: typo, overrides: {optim.lrr: 0.01}}
    """, "configuration 'typo' (seed 1) does not fit config.yaml: unknown key 'override.optim.lrr'"),
    "missing script": ("""
        script: trian.py
        seeds: [1]
        configurations: [{name: a}]
    """, "script 'trian.py' does not exist"),
    "unknown profile": ("""
        script: tiny_run.py
        profile: huge
        seeds: [1]
        configurations: [{name: a}]
    """, "profile 'huge' is not in config.yaml"),
    "strategy without dynamics": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: filter, overrides: {cartography.strategy: filter}}
    """, "configuration 'filter' uses a cartography strategy but has no training dynamics"),
    "dynamics from a later configuration": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: filter, overrides: {cartography.strategy: filter, cartography.dynamics: "runs/*-full-baseline-seed{seed}"}}
          - {name: baseline, overrides: {cartography.log_dynamics: true}}
    """, "names runs of 'baseline', which does not run before it"),
    "dynamics from nothing": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: baseline, overrides: {cartography.log_dynamics: true}}
          - {name: filter, overrides: {cartography.strategy: filter, cartography.dynamics: "runs/*-full-basline-seed{seed}"}}
    """, "matches no run in runs/ and no earlier configuration"),
    "dynamics from a configuration that does not log them": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: baseline}
          - {name: filter, overrides: {cartography.strategy: filter, cartography.dynamics: "runs/*-full-baseline-seed{seed}"}}
    """, "reads training dynamics from 'baseline' (runs/*-full-baseline-seed1), but 'baseline' does not log them"),
    "unknown strategy": ("""
        script: tiny_run.py
        seeds: [1]
        configurations: [{name: a, overrides: {cartography.strategy: prune}}]
    """, "cartography.strategy 'prune' is not a strategy"),
    "unknown placeholder": ("""
        script: tiny_run.py
        seeds: [1]
        configurations: [{name: a, overrides: {data.split_file: "split-{sed}.json"}}]
    """, "unknown placeholder {sed} in data.split_file"),
    "a configuration setting the seed": ("""
        script: tiny_run.py
        seeds: [1]
        configurations: [{name: a, overrides: {seed: 3}}]
    """, "sets 'seed' itself"),
    "two configurations with one name": ("""
        script: tiny_run.py
        seeds: [1]
        configurations: [{name: a}, {name: a, overrides: {optim.lr: 0.1}}]
    """, "configuration name 'a' is used twice"),
    "a misspelt top-level key": ("""
        script: tiny_run.py
        seeds: [1]
        configuration: [{name: a}]
    """, "unknown key 'configuration'"),
    "no seeds anywhere": ("""
        script: tiny_run.py
        configurations: [{name: a}]
    """, "no seeds"),
    "a seed that is not a number": ("""
        script: tiny_run.py
        seeds: [1, two]
        configurations: [{name: a}]
    """, "'two' is not an integer seed"),
}


@pytest.mark.parametrize("case", sorted(BAD_SUITES))
def test_bad_input_is_refused_before_anything_runs(experiment, write_suite, case):
    text, expected = BAD_SUITES[case]
    suite = write_suite(text)

    with pytest.raises(LabrailsError) as err:
        run_sweep(suite, echo=lambda line: None)

    assert expected in str(err.value)  # (had the input passed, the de-risk gate would have refused instead)
    assert err.value.path is not None and err.value.fix  # names the file, says what to do
    assert experiment.run_dirs() == [] and not (experiment.root / "sweeps").exists()


def test_a_missing_suite_file_or_config_yaml_is_named(experiment, write_suite):
    with pytest.raises(LabrailsError, match="suite file not found"):
        load_suite(experiment.root / "suites" / "nope.yaml")
    suite = write_suite()
    experiment.config_path.unlink()
    with pytest.raises(LabrailsError, match="config.yaml not found"):
        plan_sweep(suite)
