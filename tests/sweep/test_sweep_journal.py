"""A sweep leaves one JOURNAL.md line per run it started (tagged SWEEP), wherever the job ran; what a run showed
is still asked of whoever reads it."""

from __future__ import annotations

from labrails.core.journal import entries
from labrails.guard.context import missing_journal_entry
from labrails.sweep import run_sweep


def test_every_run_a_sweep_started_has_its_journal_line_and_skips_add_none(derisked, write_suite):
    suite = write_suite()
    result = run_sweep(suite, seeds=[1], echo=lambda line: None)
    lines = [e for e in entries(derisked) if e.tag == "SWEEP"]
    assert len(lines) == 2 and all("completed" in e.text and result.record.name in e.text for e in lines)
    assert {e.run for e in lines} == {o["run"] for o in result.outcomes.values()}
    for entry in lines:
        assert (derisked.runs_dir / entry.run / "run.json").is_file()

    run_sweep(suite, seeds=[1], echo=lambda line: None)  # everything is skipped: nothing new to record
    assert len([e for e in entries(derisked) if e.tag == "SWEEP"]) == 2


def test_the_sweeps_own_lines_do_not_answer_the_journal_nudge(derisked, write_suite):
    run_sweep(write_suite(), seeds=[1], echo=lambda line: None)
    reason = missing_journal_entry(str(derisked.root))
    assert "finished after the last JOURNAL.md entry" in reason and "labrails journal add" in reason
