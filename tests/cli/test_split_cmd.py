"""`labrails split make` / `labrails split check` on the wine table saved as CSV and parquet."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from labrails.cli.split_cmd import register

datasets = pytest.importorskip("sklearn.datasets")

runner = CliRunner()


@pytest.fixture()
def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture()
def wine_csv(tmp_path):
    wine = datasets.load_wine(as_frame=True).frame.reset_index(names="wine_id")
    # Bottles from one vineyard plot are alike; plots approximated by proline bands.
    wine["plot"] = pd.qcut(wine["proline"], 12, labels=False)
    path = tmp_path / "wine.csv"
    wine.to_csv(path, index=False)
    return path


def test_make_then_check_a_stratified_split(cli, wine_csv, tmp_path):
    out = tmp_path / "split.json"
    made = runner.invoke(cli, ["split", "make", str(wine_csv), "--id-col", "wine_id", "--strategy", "stratified",
                               "--label-col", "target", "--val-size", "0.1", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "train 124, val 18, test 36" in made.output
    assert json.loads(out.read_text())["strategy"] == "stratified"

    checked = runner.invoke(cli, ["split", "check", str(wine_csv), "--split", str(out), "--id-col", "wine_id"])
    assert checked.exit_code == 0, checked.output
    assert "split check: OK" in checked.output


def test_check_exits_1_when_plots_straddle_a_random_split(cli, wine_csv, tmp_path):
    out = tmp_path / "split.json"
    runner.invoke(cli, ["split", "make", str(wine_csv), "--id-col", "wine_id", "--strategy", "random", "--out", str(out)])

    checked = runner.invoke(
        cli, ["split", "check", str(wine_csv), "--split", str(out), "--id-col", "wine_id", "--group-col", "plot"]
    )
    assert checked.exit_code == 1
    assert "unit_in_two_splits" in checked.output


def test_grouped_split_from_parquet_passes_its_own_check(cli, wine_csv, tmp_path):
    data = tmp_path / "wine.parquet"
    pd.read_csv(wine_csv).to_parquet(data)
    out = tmp_path / "split.json"
    made = runner.invoke(cli, ["split", "make", str(data), "--id-col", "wine_id", "--strategy", "grouped",
                               "--group-col", "plot", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "by 'plot'" in made.output

    checked = runner.invoke(cli, ["split", "check", str(data), "--split", str(out), "--id-col", "wine_id", "--json"])
    assert checked.exit_code == 0
    assert json.loads(checked.output)["ok"] is True


def test_make_refuses_to_replace_a_different_split(cli, wine_csv, tmp_path):
    out = tmp_path / "split.json"
    base = ["split", "make", str(wine_csv), "--id-col", "wine_id", "--strategy", "random", "--out", str(out)]
    assert runner.invoke(cli, base).exit_code == 0
    assert runner.invoke(cli, base).exit_code == 0  # the same split again

    other = runner.invoke(cli, base + ["--seed", "7"])
    assert other.exit_code == 2
    assert "different split" in other.output and "--overwrite" in other.output
    assert runner.invoke(cli, base + ["--seed", "7", "--overwrite"]).exit_code == 0


def test_errors_name_the_problem_and_the_fix(cli, wine_csv, tmp_path):
    missing_col = runner.invoke(cli, ["split", "make", str(wine_csv), "--id-col", "bottle", "--strategy", "random",
                                      "--out", str(tmp_path / "s.json")])
    assert missing_col.exit_code == 2
    assert "'bottle' is not a column" in missing_col.output and "wine_id" in missing_col.output

    excel = tmp_path / "wine.xlsx"
    excel.write_bytes(b"")
    unsupported = runner.invoke(cli, ["split", "make", str(excel), "--id-col", "wine_id", "--strategy", "random",
                                      "--out", str(tmp_path / "s.json")])
    assert unsupported.exit_code == 2
    assert ".xlsx" in unsupported.output and ".parquet" in unsupported.output

    no_label = runner.invoke(cli, ["split", "make", str(wine_csv), "--id-col", "wine_id", "--strategy", "stratified",
                                   "--out", str(tmp_path / "s.json")])
    assert no_label.exit_code == 2
    assert "--label-col" in no_label.output
