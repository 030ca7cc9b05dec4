"""Running a sweep with the tiny script: every job reviewed and recorded, skips, failures, ordering, the de-risk gate."""

from __future__ import annotations

import pytest
from testing.runs import runs_named

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json
from labrails.sweep import run_sweep

DIVERGING_FIRST = """
    name: tiny
    script: tiny_run.py
    seeds: [1, 2]
    configurations:
      - {name: diverge, overrides: {optim.lr: 5.0}}
      - {name: steady, overrides: {optim.lr: 0.01}}
"""


def quiet(line: str) -> None:
    pass


def test_a_sweep_runs_every_job_to_a_reviewed_run_and_records_it(derisked, write_suite):
    lines: list[str] = []
    result = run_sweep(write_suite(), echo=lines.append)

    assert result.exit_code == 0
    assert result.statuses() == {"full-small-lr-seed1": "completed", "full-small-lr-seed2": "completed",
                                 "full-large-lr-seed1": "completed", "full-large-lr-seed2": "completed"}
    for job in result.plan.jobs:
        (run,) = runs_named(derisked, job.run_name)
        info = read_json(run / "run.json")
        assert info["identity"] == job.identity and info["overrides"] == job.overrides
        assert read_json(run / "review.json")["passed"]       # train -> eval -> review, for every job
        assert read_json(run / "metrics.json")["test_accuracy"] == 0.93
    record = read_json(result.record / "sweep.json")
    assert record["status"] == "completed" and [j["outcome"]["status"] for j in record["jobs"]] == ["completed"] * 4
    assert (result.record / "jobs" / "full-small-lr-seed1.log").is_file()
    assert any("completed   full-large-lr-seed2" in line and "test_accuracy 0.9300" in line for line in lines)


def test_running_it_again_skips_every_completed_identity_and_says_so(derisked, write_suite):
    suite = write_suite()
    run_sweep(suite, seeds=[1], echo=quiet)
    before = derisked.run_dirs()
    lines: list[str] = []

    result = run_sweep(suite, seeds=[1, 2], echo=lines.append)

    assert result.exit_code == 0
    assert result.statuses() == {"full-small-lr-seed1": "skipped", "full-small-lr-seed2": "completed",
                                 "full-large-lr-seed1": "skipped", "full-large-lr-seed2": "completed"}
    assert len(derisked.run_dirs()) == len(before) + 2
    plan = "\n".join(lines).splitlines()
    assert any(line.strip().startswith("skip  full-small-lr-seed1") and "already completed" in line for line in plan)


def test_a_failed_job_is_recorded_and_the_others_still_run(derisked, write_suite):
    result = run_sweep(write_suite(DIVERGING_FIRST), max_parallel=2, echo=quiet)

    assert result.exit_code == 1
    assert result.statuses() == {"full-diverge-seed1": "failed", "full-diverge-seed2": "failed",
                                 "full-steady-seed1": "completed", "full-steady-seed2": "completed"}
    failed = runs_named(derisked, "full-diverge-seed1")[0]
    assert "loss is nan" in read_json(failed / "run.json")["error"]["message"]
    outcome = result.outcomes["full-diverge-seed1"]
    assert outcome["run"] == failed.name and "FloatingPointError" in outcome["error"]
    record = read_json(result.record / "sweep.json")
    assert record["status"] == "failed" and record["jobs"][0]["outcome"]["status"] == "failed"


def test_stop_on_error_launches_nothing_after_the_first_failure(derisked, write_suite):
    result = run_sweep(write_suite(DIVERGING_FIRST), stop_on_error=True, echo=quiet)

    assert result.exit_code == 1 and result.stopped
    assert result.statuses() == {"full-diverge-seed1": "failed", "full-diverge-seed2": "not started",
                                 "full-steady-seed1": "not started", "full-steady-seed2": "not started"}
    assert not runs_named(derisked, "full-steady-seed1")


def test_a_configuration_completes_before_the_next_starts_while_its_seeds_run_in_parallel(derisked, write_suite, monkeypatch):
    monkeypatch.setenv("TINY_SLEEP", "0.1")  # each job takes about half a second
    result = run_sweep(write_suite(), seeds=[1, 2, 3], max_parallel=3, echo=quiet)
    assert result.exit_code == 0

    def span(config):
        infos = [read_json(runs_named(derisked, f"full-{config}-seed{s}")[0] / "run.json") for s in (1, 2, 3)]
        return [(i["started_ts"], i["started_ts"] + i["duration_s"]) for i in infos]

    small, large = span("small-lr"), span("large-lr")
    assert max(end for _, end in small) <= min(start for start, _ in large)   # config-major
    assert max(start for start, _ in small) < min(end for _, end in small)    # its seeds overlapped


def test_a_job_whose_baseline_failed_is_blocked_not_run(derisked, write_suite):
    suite = write_suite("""
        script: tiny_run.py
        seeds: [1]
        configurations:
          - {name: baseline, overrides: {cartography.log_dynamics: true, optim.lr: 5.0}}
          - {name: filter, overrides: {cartography.strategy: filter}}
    """)
    result = run_sweep(suite, echo=quiet)

    assert result.statuses() == {"full-baseline-seed1": "failed", "full-filter-seed1": "blocked"}
    assert "full-baseline-seed1, which failed" in result.outcomes["full-filter-seed1"]["error"]
    assert not runs_named(derisked, "full-filter-seed1")


def test_a_full_sweep_waits_for_a_de_risk_run_that_passed_its_review(experiment, write_suite, run_in):
    from labrails.review import review_run

    suite = write_suite()
    with pytest.raises(LabrailsError, match="no de-risk run of this experiment has completed"):
        run_sweep(suite, echo=quiet)
    run_in(experiment, "tiny_run.py", "de-risk")
    with pytest.raises(LabrailsError, match="has not been reviewed"):
        run_sweep(suite, echo=quiet)
    assert [d.name.endswith("de-risk") for d in experiment.run_dirs()] == [True]  # nothing else ran

    review_run(experiment.run_dirs()[-1])
    assert run_sweep(suite, seeds=[1], echo=quiet).exit_code == 0


def test_a_de_risk_sweep_needs_no_gate(experiment, write_suite):
    suite = write_suite("""
        script: tiny_run.py
        profile: de-risk
        seeds: [1, 2]
        configurations: [{name: lr, overrides: {optim.lr: 0.01}}]
    """)
    result = run_sweep(suite, echo=quiet)
    assert result.statuses() == {"de-risk-lr-seed1": "completed", "de-risk-lr-seed2": "completed"}
