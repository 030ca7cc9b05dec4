"""``labrails split make`` and ``labrails split check``: create a split file once, check it for leakage."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from labrails.core.errors import LabrailsError


class Strategy(str, Enum):
    random = "random"
    stratified = "stratified"
    grouped = "grouped"
    temporal = "temporal"


def read_table(path: Path):
    """A CSV or parquet file as a DataFrame."""
    import pandas as pd

    if not path.is_file():
        raise LabrailsError("data file not found", fix="check the path (CSV or parquet)", path=path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".csv", ".tsv") or path.name.lower().endswith((".csv.gz", ".tsv.gz")):
            return pd.read_csv(path, sep="\t" if ".tsv" in path.name.lower() else ",")
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise LabrailsError(f"could not read the data ({exc})", fix="check the file is valid CSV or parquet", path=path) from None
    raise LabrailsError(
        f"unsupported data file type {suffix or '(no extension)'!r}",
        fix="save the data as .csv or .parquet (df.to_parquet('data.parquet'))",
        path=path,
    )


def _fail(err: LabrailsError) -> typer.Exit:
    typer.secho(f"error: {err.render()}", err=True, fg="red")
    return typer.Exit(err.exit_code)


def register(app: typer.Typer) -> None:
    split_app = typer.Typer(
        help="Make a train/val/test split file once, and check a split for leakage before trusting results.",
        no_args_is_help=True,
    )

    @split_app.command("make")
    def make(
        data: Path = typer.Argument(..., help="Data file (.csv or .parquet)."),
        id_col: str = typer.Option(..., "--id-col", help="Column that identifies each row."),
        strategy: Strategy = typer.Option(..., "--strategy", help="How rows are assigned to splits."),
        out: Path = typer.Option(..., "--out", help="Where to write the split JSON."),
        label_col: Optional[str] = typer.Option(None, "--label-col", help="Class column (stratified)."),
        group_col: Optional[str] = typer.Option(
            None, "--group-col", help="Unit column (grouped): patient, user, site... kept on one side."
        ),
        time_col: Optional[str] = typer.Option(None, "--time-col", help="Time column (temporal): latest rows are test."),
        test_size: float = typer.Option(0.2, "--test-size", help="Fraction of rows for test."),
        val_size: float = typer.Option(0.0, "--val-size", help="Fraction of rows for validation."),
        seed: int = typer.Option(42, "--seed", help="Random seed (random, stratified, grouped)."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace a different split already at --out."),
    ):
        """Assign every row to train/val/test and save the split (refuses to replace a different one)."""
        from labrails.data.split import make_split, save_split

        try:
            df = read_table(data)
            split = make_split(
                df,
                id_col=id_col,
                strategy=strategy.value,
                label_col=label_col,
                group_col=group_col,
                time_col=time_col,
                test_size=test_size,
                val_size=val_size,
                seed=seed,
            )
            save_split(split, out, overwrite=overwrite)
        except LabrailsError as err:
            raise _fail(err) from None
        counts = split["counts"]
        typer.echo(
            f"wrote {out}: {strategy.value} split of {len(df)} rows by {split['unit']!r} "
            f"(train {counts['train']}, val {counts['val']}, test {counts['test']}; seed {seed})"
        )

    @split_app.command("check")
    def check(
        data: Path = typer.Argument(..., help="Data file (.csv or .parquet)."),
        split: Path = typer.Option(..., "--split", help="Split JSON written by `labrails split make`."),
        id_col: str = typer.Option(..., "--id-col", help="Column that identifies each row."),
        group_col: Optional[str] = typer.Option(
            None, "--group-col", help="Unit column to check (default: the split's unit if it was grouped)."
        ),
        label_col: Optional[str] = typer.Option(
            None, "--label-col", help="Label column left out of the duplicate-row check (default: the split's)."
        ),
        ignore_col: Optional[list[str]] = typer.Option(
            None, "--ignore-col", help="Other non-feature column left out of the duplicate-row check (repeatable)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    ):
        """Look for leakage: ids or units in two splits, identical rows across splits. Exit 1 on errors."""
        from labrails.data.split import check_split

        try:
            report = check_split(
                read_table(data),
                split,
                id_col=id_col,
                group_col=group_col,
                label_col=label_col,
                ignore_cols=tuple(ignore_col or ()),
            )
        except LabrailsError as err:
            raise _fail(err) from None
        typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.to_text())
        raise typer.Exit(0 if report.ok else 1)

    app.add_typer(split_app, name="split")
