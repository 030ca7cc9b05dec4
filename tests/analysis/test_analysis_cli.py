"""analyze, report, report check and plot --compare as a researcher types them."""

from __future__ import annotations

from typer.testing import CliRunner

from labrails.cli.app import app
from labrails.core.errors import LabrailsError

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_analyze_prints_the_table_and_writes_the_files(swept, monkeypatch):
    monkeypatch.chdir(swept.root / "runs")  # anywhere inside the experiment
    result = cli("analyze")
    assert result.exit_code == 0, result.output
    assert "wine-mlp: 9 completed run(s) in 3 configuration(s); left out 1 (1 ignored)" in result.output
    assert "  test_accuracy: 0.9300 ± 0.0361 (n=3)" in result.output
    assert "significance (paired by seed):" in result.output and "hints:" in result.output
    for name in ("results.csv", "summary.csv", "all_results.json", "plots/test_accuracy.webp"):
        assert (swept.root / "analysis" / name).is_file(), name


def test_analyze_options_and_the_experiment_option(swept, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("analyze", "-e", swept.root, "--metric", "test_loss", "--profile", "full", "--baseline", "full-wide")
    assert result.exit_code == 0, result.output
    assert "metric: test_loss (lower is better)" in result.output
    assert "full-base vs full-wide on test_loss" in result.output
    refused = cli("analyze", "--experiment", swept.root, "--baseline", "nope")
    assert isinstance(refused.exception, LabrailsError) and "full-base, full-wide, full-broken" in refused.exception.fix


def test_report_then_check_then_a_doctored_report_fails_with_exit_1(swept):
    written = cli("report", "-e", swept.root)
    assert written.exit_code == 0, written.output
    assert "wrote" in written.output and (swept.root / "REPORT.md").is_file()
    passed = cli("report", "check", "-e", swept.root)
    assert passed.exit_code == 0 and "numbers trace back to logged values" in passed.output

    report = swept.root / "REPORT.md"
    original = report.read_text()
    try:
        report.write_text(original + "\nThe wide configuration is 7.25 points better.\n")
        failed = cli("report", "-e", swept.root, "check")  # -e before the subcommand names it too
        assert failed.exit_code == 1
        assert "7.25" in failed.output and f"line {len(original.splitlines()) + 2}" in failed.output
    finally:
        report.write_text(original)


def test_report_on_an_experiment_without_runs_explains_what_to_run(experiment):
    result = cli("report", "-e", experiment.root)
    assert isinstance(result.exception, LabrailsError)
    assert "no runs yet" in str(result.exception) and "uv run train.py full" in result.exception.fix


def test_plot_compare_draws_bars_across_runs(swept, monkeypatch):
    monkeypatch.chdir(swept.root)
    result = cli("plot", "--compare", "--metric", "test_loss")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("analysis/plots/test_loss.webp")
    assert "not in the metrics.json" in str(cli("plot", "--compare", "--metric", "val_f1").exception)


def test_an_experiment_given_positionally_is_refused_with_the_e_spelling(swept):
    report = swept.root / "REPORT.md"
    before = report.stat().st_mtime_ns if report.exists() else None
    for argv in (["analyze", swept.root], ["report", swept.root], ["report", "check", swept.root]):
        refused = cli(*argv)
        assert isinstance(refused.exception, LabrailsError), argv
        assert refused.exception.exit_code == 2
        assert refused.exception.fix == f"labrails {' '.join(map(str, argv[:-1]))} -e {swept.root}"
    assert (report.stat().st_mtime_ns if report.exists() else None) == before  # a refused command writes nothing
