"""Re-running saved configurations (`labrails sweep --configs runs/<run>/config.yaml ...`), and the
prerequisites a configuration reads from earlier runs: cluster assignments, training dynamics, stale or missing."""

from __future__ import annotations

import json

import pytest
from testing.runs import runs_named

from labrails.core.errors import LabrailsError
from labrails.core.yamlfile import load_yaml
from labrails.sweep import plan_sweep, run_sweep
from labrails.sweep.suite import suite_from_configs

from sweep_helpers import sweep_cli

QUIET = {"echo": lambda line: None}

WITH_CLUSTERS = """
    script: tiny_run.py
    seeds: [1]
    configurations:
      - {name: baseline, overrides: {clusters.embed: true}}
      - {name: clusters, overrides: {clusters.exclude_clusters: [-1]}}
"""


def _saved(exp, pattern):
    return sorted(d / "config.yaml" for d in exp.run_dirs() if pattern in d.name)


# --------------------------------------------------------------------------------------------- --configs


def test_saved_configurations_re_run_exactly_and_completed_ones_are_skipped(derisked, write_suite):
    assert run_sweep(write_suite(), **QUIET).exit_code == 0    # tiny: small-lr and large-lr x seeds 1, 2
    saved = _saved(derisked, "full-large-lr")

    again = run_sweep(configs=saved, **QUIET)   # the same resolved configurations: the same identities

    assert set(again.statuses().values()) == {"skipped"}
    assert [c.name for c in again.plan.suite.configurations] == ["large-lr"] and again.plan.seeds == (1, 2)
    assert json.loads((again.record / "sweep.json").read_text())["configs"] == [str(p) for p in saved]


def test_saved_configurations_run_again_with_new_seeds(derisked, write_suite):
    run_sweep(write_suite(), **QUIET)
    saved = _saved(derisked, "full-large-lr-seed1")

    result = run_sweep(configs=saved, seeds=[7], **QUIET)

    assert result.statuses() == {"full-large-lr-seed7": "completed"}
    (new,) = runs_named(derisked, "full-large-lr-seed7")
    before, after = load_yaml(saved[0], what="config"), load_yaml(new / "config.yaml", what="config")
    assert after == {**before, "seed": 7}   # exactly that configuration, only the seed changed


def test_the_cli_takes_a_shell_expanded_list_of_configs_and_seeds(derisked, write_suite):
    run_sweep(write_suite(), **QUIET)
    saved = [str(p.relative_to(derisked.root)) for p in _saved(derisked, "full-")]

    shown = sweep_cli(derisked, "--configs", *saved, "--seeds", "5", "6", "--dry-run")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "2 configuration(s) x 2 seed(s) = 4 jobs" in shown.stdout
    assert "run   full-small-lr-seed5" in shown.stdout and "optim.lr=0.01" in shown.stdout


def test_a_run_reference_follows_the_new_seed(experiment):
    filtered = _fake_saved(experiment, "full-filter-seed1", {"cartography.strategy": "filter",
                                                            "cartography.dynamics": "runs/*-full-baseline-seed1"}, seed=1)
    suite, _ = suite_from_configs([filtered])
    (conf,) = suite.configurations
    assert conf.overrides["cartography.dynamics"] == "runs/*-full-baseline-seed{seed}" and suite.seeds == (1,)


def _fake_saved(exp, name, overrides, *, seed):
    """A run of tiny_run.py made with ``overrides`` (through the library, as a sweep job makes it)."""
    import os

    from testing.runs import record_run

    os.environ["LABRAILS_OVERRIDES"] = json.dumps({**overrides, "seed": seed})
    try:
        return record_run(exp, name, script="tiny_run.py") / "config.yaml"
    finally:
        del os.environ["LABRAILS_OVERRIDES"]


BAD_CONFIGS = {
    "not a run's config": (lambda exp: [exp.root / "config.yaml"], "not a run's saved configuration"),
    "two profiles": (lambda exp: [_fake_saved(exp, "full-a-seed1", {}, seed=1), _fake_saved(exp, "de-risk-b-seed1", {}, seed=1)],
                     "a sweep runs one"),
    "different seeds": (lambda exp: [_fake_saved(exp, "full-a-seed1", {}, seed=1), _fake_saved(exp, "full-b-seed2", {"optim.lr": 0.1}, seed=2)],
                        "were run with different seeds"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_saved_configurations_are_refused_naming_the_file(experiment, case):
    make, expected = BAD_CONFIGS[case]
    with pytest.raises(LabrailsError) as err:
        run_sweep(configs=make(experiment), **QUIET)
    assert expected in err.value.message and err.value.path is not None and err.value.fix


def test_a_configuration_config_yaml_can_no_longer_express_is_refused(experiment):
    saved = _fake_saved(experiment, "full-a-seed1", {"optim.lr": 0.1}, seed=1)
    text = experiment.config_path.read_text()
    experiment.config_path.write_text(text.replace("seed: 42\n", "seed: 42\nnew_knob: 3\n", 1))
    with pytest.raises(LabrailsError, match="config.yaml gained 'new_knob'") as err:
        suite_from_configs([saved])
    assert err.value.path == saved


# --------------------------------------------------------------------------------------------- prerequisites


def test_cluster_filtering_reads_the_earlier_configuration_that_makes_assignments(experiment, write_suite):
    baseline, clusters = plan_sweep(write_suite(WITH_CLUSTERS)).jobs

    assert clusters.overrides["clusters.assignments"] == "runs/*-full-baseline-seed1"
    assert clusters.depends_on == (baseline.run_name,)
    assert clusters.prerequisites == (("runs/*-full-baseline-seed1", "clusters/assignments.csv"),)
    assert any("makes cluster assignments" in n for n in clusters.notes)
    assert any("needs cluster assignments (clusters/assignments.csv) from configuration 'baseline'" in n for n in clusters.notes)


def test_the_shipped_suite_shows_its_prerequisite_steps(tmp_path):
    import labrails

    exp = labrails.new_experiment(tmp_path / "digits", template="cartography")
    result = run_sweep(exp.root / "suites" / "cartography.yaml", dry_run=True, **QUIET)
    names = [name for name, _ in result.plan.configurations()]
    assert names == ["baseline", "filter", "smoothing", "weighting", "clusters", "clusters-smoothing"]
    combined = [j for j in result.plan.jobs if j.config == "clusters-smoothing"][0]
    assert [f for _, f in combined.prerequisites] == ["logs/dynamics.jsonl", "clusters/assignments.csv"]


BAD_PREREQUISITES = {
    "cluster filtering without assignments": ("""
        script: tiny_run.py
        seeds: [1]
        configurations: [{name: clusters, overrides: {clusters.exclude_clusters: [-1]}}]
    """, "configuration 'clusters' filters by clusters but has no cluster assignments"),
    "assignments from a configuration that does not make them": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: baseline}
          - {name: clusters, overrides: {clusters.exclude_clusters: [-1], clusters.assignments: "runs/*-full-baseline-seed{seed}"}}
    """, "reads cluster assignments from 'baseline' (runs/*-full-baseline-seed1), but 'baseline' does not make them"),
    "a probability outside [0, 1]": ("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: baseline, overrides: {clusters.embed: true}}
          - {name: clusters, overrides: {clusters.min_cluster_probability: 1.5}}
    """, "configuration 'clusters': clusters.min_cluster_probability must be a probability in [0, 1], got 1.5"),
    "an unknown combined strategy": ("""
        script: tiny_run.py
        seeds: [1]
        configurations: [{name: a, overrides: {cartography.strategy: smoothing+filter}}]
    """, "cartography.strategy 'smoothing+filter' is not a strategy"),
}


@pytest.mark.parametrize("case", sorted(BAD_PREREQUISITES))
def test_a_missing_prerequisite_stops_the_sweep_before_anything_runs(experiment, write_suite, case):
    text, expected = BAD_PREREQUISITES[case]
    with pytest.raises(LabrailsError) as err:
        run_sweep(write_suite(text), **QUIET)
    assert expected in err.value.message and err.value.path is not None and err.value.fix
    assert experiment.run_dirs() == [] and not (experiment.root / "sweeps").exists()


def _run_with_clusters(exp, name):
    """An existing run of tiny_run.py whose clusters/ holds HDBSCAN's clusters of digits pixels."""
    from sklearn.datasets import load_digits

    from labrails.recipes.clusters import make_clusters
    from testing.runs import record_run

    run = record_run(exp, name, script="tiny_run.py")
    d = load_digits()
    make_clusters(run, list(range(600)), d.data[:600] / 16.0, d.target[:600].tolist(), embedding="pixels")
    return run


EXISTING = """
    script: tiny_run.py
    seeds: [1]
    configurations:
      - {name: clusters, overrides: {clusters.exclude_clusters: [EXCLUDE], clusters.assignments: "runs/*-full-old-baseline"}}
"""


def test_assignments_of_an_existing_current_run_are_read_and_checked(experiment, write_suite):
    run = _run_with_clusters(experiment, "full-old-baseline")
    (job,) = plan_sweep(write_suite(EXISTING.replace("EXCLUDE", "-1"))).jobs
    assert f"from runs/{run.name} (completed, current)" in job.notes[0]

    with pytest.raises(LabrailsError, match=r"configuration 'clusters': clusters.exclude_clusters names cluster\(s\) 99"):
        plan_sweep(write_suite(EXISTING.replace("EXCLUDE", "99")))


def test_assignments_made_by_other_code_are_stale_and_the_sweep_says_what_remakes_them(experiment, write_suite):
    run = _run_with_clusters(experiment, "full-old-baseline")
    script = experiment.root / "tiny_run.py"
    script.write_text(script.read_text() + "\n# edited after the baseline ran\n")

    with pytest.raises(LabrailsError) as err:
        plan_sweep(write_suite(EXISTING.replace("EXCLUDE", "-1")))
    assert f"reads cluster assignments from runs/{run.name}, which are stale: made by code" in err.value.message
    assert "clusters.embed: true" in err.value.fix and experiment.run_dirs() == [run]


def test_a_run_whose_assignments_were_removed_is_refused(experiment, write_suite):
    run = _run_with_clusters(experiment, "full-old-baseline")
    (run / "clusters" / "assignments.csv").unlink()
    with pytest.raises(LabrailsError, match="which has no clusters/assignments.csv"):
        plan_sweep(write_suite(EXISTING.replace("EXCLUDE", "-1")))


def test_at_launch_a_job_is_blocked_when_its_producer_left_no_assignments(derisked, write_suite):
    # tiny_run.py ignores clusters.embed, so the baseline completes without clusters/: the filter must not run
    result = run_sweep(write_suite(WITH_CLUSTERS), **QUIET)
    assert result.statuses() == {"full-baseline-seed1": "completed", "full-clusters-seed1": "blocked"}
    assert "has no clusters/assignments.csv" in result.outcomes["full-clusters-seed1"]["error"]
    assert runs_named(derisked, "full-clusters-seed1") == []   # never started
