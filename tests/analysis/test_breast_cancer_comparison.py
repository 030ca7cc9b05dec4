"""The comparison from a question to a checked report: does a small MLP beat logistic regression on breast_cancer?

Real training (testing/breast_cancer.py): the verdict comes from the runs, and `report check` reads the report
by meaning: a number must be what its cited source holds, a claim must be about the data and model the runs
recorded, and a number with a digit group is one number.
"""

from __future__ import annotations

import re

import pytest
from testing.breast_cancer import CLAIM, comparison_experiment

from labrails.analysis.analyze import analyze
from labrails.analysis.report import check, report
from labrails.analysis.report_check import numbers_in


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    exp = comparison_experiment(tmp_path_factory.mktemp("bc") / "mlp-vs-logreg")
    path = report(exp)
    return exp, path, path.read_text()


def _abstract(text: str) -> str:
    return text.split("## 1. Abstract", 1)[1].split("## 2.", 1)[0]


def test_the_abstract_starts_from_the_verdict_with_the_paired_test(compared):
    exp, _, text = compared
    abstract = _abstract(text).strip()
    assert abstract.startswith(f"Hypothesis `{CLAIM}`: **not supported**.")
    assert "paired t-test p=" in abstract and "over [5](hypothesis:1#n) paired seeds" in abstract
    judged = analyze(exp, plots=False).hypotheses[0]
    assert judged["verdict"] == "not supported" and judged["n"] == 5 and judged["mean_a"] < judged["mean_b"]


def test_the_generated_report_passes_its_check(compared):
    exp, _, _ = compared
    result = check(exp)
    assert result.ok, result.render()
    assert (exp.state / "report_check.json").is_file()


def test_de_risk_runs_are_not_configurations_unless_asked(compared):
    exp, _, text = compared
    a = analyze(exp, plots=False)
    assert list(a.configurations) == ["full-logreg", "full-mlp"]
    assert "de-risk-mlp` (other_profile): a de-risk run: evidence that the pipeline works" in text
    assert list(analyze(exp, profile="de-risk", plots=False).configurations) == ["de-risk-mlp"]
    analyze(exp, plots=False)  # leave all_results.json as the report read it


def _doctored(exp, path, text: str, new: str):
    doctored = path.with_name("DOCTORED.md")
    doctored.write_text(text + "\n" + new + "\n")
    from labrails.analysis.report_check import check_report

    return check_report(exp, doctored)


def test_a_claim_about_another_dataset_built_on_a_real_number_fails(compared):
    exp, path, text = compared
    mlp = re.search(r"full-mlp reached \[(\d\.\d+)\]", text)[1]
    result = _doctored(exp, path, text, f"On MNIST, full-mlp reached {mlp} test accuracy.")
    assert not result.ok
    assert any(u.number == "mnist" and "claims dataset 'mnist'" in u.why and "load_breast_cancer" in u.why
               for u in result.untraced), result.render()
    cited = _doctored(exp, path, text, f"On CIFAR-10 the MLP reached [{mlp}](config:full-mlp#test_accuracy.mean).")
    assert [u.number for u in cited.untraced] == ["cifar 10"], cited.render()


def test_a_number_moved_to_another_configuration_fails(compared):
    exp, path, text = compared
    logreg = re.search(r"\[(\d\.\d+)\]\(config:full-logreg#test_accuracy.mean\)", text)[1]
    cited = _doctored(exp, path, text, f"full-mlp reached [{logreg}](config:full-mlp#test_accuracy.mean).")
    assert [u.number for u in cited.untraced] == [logreg]
    assert "config:full-mlp#test_accuracy.mean holds" in cited.untraced[0].why
    bare = _doctored(exp, path, text, f"full-mlp reached a mean test accuracy of {logreg}.")
    assert [u.number for u in bare.untraced] == [logreg]
    assert "a value of full-logreg, written on a line about full-mlp" in bare.untraced[0].why


def test_a_number_with_a_digit_group_is_one_number(compared):
    exp, path, text = compared
    assert [n for n, _, _ in numbers_in("the adult data has 32,561 rows and 1,797 digits", [])] == ["32,561", "1,797"]
    result = _doctored(exp, path, text, "The test split holds 32,561 rows.")
    assert [u.number for u in result.untraced] == ["32,561"]
    assert _doctored(exp, path, text, "The test split holds 171 rows.").ok


def test_the_stop_hook_asks_for_the_check_after_report_md_changes(compared):
    import json
    import subprocess
    import sys
    from datetime import datetime, timedelta

    from labrails.core.journal import add_entry

    exp, path, text = compared
    add_entry(exp, "compared the MLP with logistic regression", tag="NOTE", now=datetime.now() + timedelta(seconds=2))

    def stop() -> str:
        payload = {"hook_event_name": "Stop", "cwd": str(exp.root), "stop_hook_active": False}
        proc = subprocess.run([sys.executable, "-m", "labrails", "hook", "stop"], input=json.dumps(payload),
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0
        return proc.stdout

    assert check(exp).ok and stop() == ""
    path.write_text(text + "\nThe MLP is clearly better.\n")
    asked = json.loads(stop())
    assert asked["decision"] == "block" and "labrails report check" in asked["reason"]
    path.write_text(text)
    assert stop() == ""  # the text the check passed on
