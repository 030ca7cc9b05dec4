"""REPORT.md from a real sweep, and the checker that catches a number no file supports."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from labrails.core.errors import LabrailsError
from labrails.core.journal import add_entry, ignore_run
from labrails.analysis.report import check, report


@pytest.fixture(scope="module")
def reported(swept, launch_run, named):
    """The shared sweep plus what a real experiment accumulates: journal entries, a failure, an ignored run."""
    launch = launch_run
    add_entry(swept, "val loss flat after epoch 2 in full-wide", tag="WEIRD", run="full-wide-seed2",
              now=datetime(2026, 3, 1, 10, 15, 0))
    add_entry(swept, "flat loss was lr 3e-4 too low; fixed by the wide config", tag="RESOLVED", now=datetime(2026, 3, 1, 11, 0, 0))
    add_entry(swept, "maybe dropout matters", tag="HUNCH")
    launch(swept, "full-deep-seed1", {}, overrides={"seed": 1}, check=False, FAIL="CUDA error 700 at step 2")
    launch(swept, "full-base-seed4", {"test_accuracy": 0.12}, overrides={"seed": 4})
    ignore_run(swept, named(swept, "full-base-seed4").name, "label file truncated to 12 rows")
    path = report(swept)
    return swept, path, path.read_text()


def section(text, title):
    m = re.search(rf"^## \d+\. {title}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"no section {title}"
    return m.group(1)


def test_report_has_every_section_in_order(reported):
    _, path, text = reported
    assert path.name == "REPORT.md"
    titles = re.findall(r"^## \d+\. (.+)$", text, re.M)
    assert titles == ["Abstract", "Introduction", "Methods", "Results", "Discussion", "Conclusion", "Excluded runs"]


def test_abstract_and_introduction_come_from_the_analysis_and_the_spec(reported):
    _, _, text = reported
    abstract = section(text, "Abstract")
    assert "9 completed runs" in abstract and "3 configuration(s)" in abstract and "3 run(s) were left out" in abstract
    assert ("The best configuration by mean, full-wide, reached a mean test_accuracy of "
            "[0.9500](config:full-wide#test_accuracy.mean) ± [0.0400](config:full-wide#test_accuracy.std) over 3 seed(s) "
            "(whether") in abstract
    # three seeds spread 0.90-0.97 cannot show a mean above 0.9: the interval crosses it
    assert ("Success criterion `test_accuracy >= 0.9`: inconclusive for full-base; inconclusive for full-wide; "
            "not supported for full-broken.") in abstract
    intro = section(text, "Introduction")
    assert "> a wider MLP is more accurate" in intro and "> test_accuracy >= 0.9" in intro
    assert "test_accuracy (higher is better; from `spec.yaml`)" in intro


def test_methods_name_the_data_the_configurations_and_the_seeds(reported):
    _, _, text = reported
    methods = section(text, "Methods")
    assert "| sklearn.datasets.load_wine | train 120, test 58 | `sha256:" in methods
    assert "| full-wide | full | model.hidden=256 | 1, 2, 3 | 3 |" in methods
    assert "| model.hidden | 128 | 256 | 128 |" in methods  # the setting that differs, per configuration
    assert "| optim.lr | 0.003 | 0.003 | 10.0 |" in methods
    assert "mean ± sample standard deviation (ddof=1)" in methods


def test_results_tables_figures_and_sources(reported):
    _, _, text = reported
    results = section(text, "Results")
    assert ("| full-base | 3 | [0.9300](config:full-base#test_accuracy.mean) ± [0.0361](config:full-base#test_accuracy.std) "
            "| 0.9000 | 0.9700 | 0.4000 |") in results
    assert "![test_accuracy by configuration](analysis/plots/test_accuracy.webp)" in results
    assert "n/a" not in results.split("### 4.2")[0]
    assert "2.3000 ± 0.2828 (n=2), 1 NaN" in results  # the NaN seed is reported, not dropped
    assert "With n=3 seeds the smallest possible permutation p is 0.25" in results
    assert "full-broken: mean test_accuracy 0.3500 is at or below the majority-class baseline 0.4" in results
    assert results.count("Source: `analysis/summary.csv`") == 2
    for figure in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        assert (reported[0].root / figure).is_file(), figure


def test_discussion_quotes_the_journal_and_the_failures(reported):
    _, _, text = reported
    discussion = section(text, "Discussion")
    assert "> 2026-03-01 10:15:00 [WEIRD] (full-wide-seed2) val loss flat after epoch 2 in full-wide" in discussion
    assert "> 2026-03-01 11:00:00 [RESOLVED] flat loss was lr 3e-4 too low" in discussion
    assert "HUNCH" not in discussion
    assert "> RuntimeError: CUDA error 700 at step 2" in discussion


def test_conclusion_is_mechanical_and_excluded_runs_keep_their_reasons(reported):
    _, _, text = reported
    conclusion = section(text, "Conclusion")
    assert ("- `test_accuracy >= 0.9`: inconclusive for full-base (mean [0.9300](criterion:1/full-base#mean) over 3 seed(s), "
            "interval [[0.8692](criterion:1/full-base#low), [0.9908](criterion:1/full-base#high)]; 3 of 3 runs meet it on "
            "their own); inconclusive for full-wide") in conclusion
    assert "not supported for full-broken (mean [0.3500](criterion:1/full-broken#mean) over 3 seed(s)" in conclusion
    excluded = section(text, "Excluded runs")
    assert "full-base-seed4` (ignored):" in excluded and "> label file truncated to 12 rows" in excluded
    assert "full-deep-seed1` (failed):" in excluded


def test_the_generated_report_passes_the_check(reported):
    exp, _, _ = reported
    result = check(exp)
    assert result.ok, result.render()
    assert result.numbers > 80


def test_a_changed_number_and_an_invented_sentence_are_caught(reported, tmp_path):
    exp, path, text = reported
    assert "reached a mean test_accuracy of [0.9500](config:full-wide" in text
    doctored = text.replace("reached a mean test_accuracy of [0.9500]", "reached a mean test_accuracy of [0.9990]", 1)
    doctored = doctored.replace("## 6. Conclusion\n", "## 6. Conclusion\n\nCalibration error fell to 0.0421 after tuning.\n", 1)
    try:
        path.write_text(doctored)
        result = check(exp)
    finally:
        path.write_text(text)
    lines = doctored.splitlines()
    caught = {(u.number, lines[u.line - 1]) for u in result.untraced}
    assert not result.ok and len(result.untraced) == 2, result.render()
    assert any(number == "0.9990" and "0.9990" in line for number, line in caught)
    assert any(number == "0.0421" and line.startswith("Calibration error") for number, line in caught)
    rendered = result.render()
    assert "2 claim(s) of" in rendered and "line " in rendered and "0.0421" in rendered
    assert "config:full-wide#test_accuracy.mean holds 0.95" in rendered
    assert check(exp).ok  # the untouched report still passes


def test_a_doctored_quote_is_checked_like_prose(reported):
    exp, path, text = reported
    tampered = text.replace("> label file truncated to 12 rows", "> label file truncated to 9137 rows")
    try:
        path.write_text(tampered)
        result = check(exp)
    finally:
        path.write_text(text)
    assert [u.number for u in result.untraced] == ["9137"]


def test_percentages_and_rounding(reported):
    exp, path, text = reported
    added = text + "\nThe wide configuration averaged 95% (95.0 percent) and the base 93.0%, i.e. 0.93 and 0.930.\n"
    try:
        path.write_text(added)
        assert check(exp).ok
        path.write_text(text + "\nThe base configuration averaged 93.6%.\n")
        assert [u.number for u in check(exp).untraced] == ["93.6%"]
    finally:
        path.write_text(text)


def test_checking_without_a_report_says_how_to_write_one(experiment):
    with pytest.raises(LabrailsError, match="no report to check") as err:
        check(experiment)
    assert "labrails report" in err.value.fix
