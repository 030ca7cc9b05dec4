from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt
from labrails.core.errors import LabrailsError


def split_arguments(arguments: list[str], seeds: list[str], *, resume: bool = False) -> tuple[Path | None, list[str]]:
    """``labrails sweep SUITE --seeds 42 43 44``: click gives --seeds one value and leaves 43 44 as
    arguments; put them back with the seeds (in any order relative to SUITE)."""
    suites = [a for a in arguments if not _is_seed(a)]
    extra = [a for a in arguments if a not in suites]
    if resume and not suites:
        return None, [*seeds, *extra]
    if len(suites) != 1:
        raise LabrailsError(f"expected one suite file, got {len(suites)}: {' '.join(suites) or '(none)'}",
                            fix="labrails sweep suites/cartography.yaml --seeds 42 43 44 (or --configs runs/<run>/config.yaml ...)")
    if extra and not seeds:
        raise LabrailsError(f"unexpected argument(s) {' '.join(extra)}", fix="seeds go after --seeds: --seeds 42 43 44")
    return Path(suites[0]), [*seeds, *extra]


def split_config_arguments(arguments: list[str], seeds: list[str], configs: list[str]) -> tuple[list[Path], list[str]]:
    """``labrails sweep --configs runs/*/config.yaml --seeds 45 46``: the shell expands the glob, click gives
    --configs the first file and leaves the rest (and the extra seeds) as arguments; sort them back."""
    files = [a for a in arguments if not _is_seed(a)]
    extra = [a for a in arguments if a not in files]
    if extra and not seeds:
        raise LabrailsError(f"unexpected argument(s) {' '.join(extra)}", fix="seeds go after --seeds: --seeds 42 43 44")
    return [Path(c) for c in [*configs, *files]], [*seeds, *extra]


def _is_seed(argument: str) -> bool:
    return argument.lstrip("-").replace(",", "").isdigit()


def register(app: typer.Typer) -> None:
    @app.command(context_settings={"allow_interspersed_args": True})
    def sweep(
        arguments: Optional[List[str]] = typer.Argument(None, metavar="SUITE", help="The suite file (YAML), e.g. suites/cartography.yaml."),
        configs: Optional[List[str]] = typer.Option(None, "--configs", help="Instead of a suite: re-run these saved configurations exactly (runs/<run>/config.yaml ...), with --seeds when given."),
        seeds: Optional[List[str]] = typer.Option(None, "--seeds", help="Seeds for every configuration (overrides the suite's seeds): --seeds 42 43 44."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan (what runs, what is skipped and why) and run nothing."),
        stop_on_error: bool = typer.Option(False, "--stop-on-error", help="Stop launching jobs after the first failure (running ones finish)."),
        max_parallel: Optional[int] = typer.Option(None, "--max-parallel", help="Jobs of one configuration (its seeds) running at once (default 1)."),
        launcher: Optional[str] = typer.Option(None, "--launcher", help="local (child processes here, the default) or submitit."),
        cluster: Optional[str] = typer.Option(None, "--cluster", help="With --launcher submitit: local or slurm (settings from the suite's slurm: section)."),
        resume: bool = typer.Option(False, "--resume", help="Resume the newest sweep (of SUITE if given) with its seeds and options: settles its SLURM jobs, skips what completed, runs the rest."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Run a suite of configurations x seeds, one configuration to completion before the next.

        Skips runs whose identity already completed, records failures and goes on, and resumes where it
        stopped when run again. `--configs runs/<run>/config.yaml ...` re-runs saved configurations instead. The sweep record and each job's console log are in sweeps/<timestamp>-<suite>/.
        """
        from labrails.sweep import run_sweep

        if configs:
            suite, (saved, all_seeds) = None, split_config_arguments(list(arguments or []), list(seeds or []), list(configs))
        else:
            (suite, all_seeds), saved = split_arguments(list(arguments or []), list(seeds or []), resume=resume), []
        result = run_sweep(suite, seeds=all_seeds or None, experiment=experiment, dry_run=dry_run,
                           stop_on_error=stop_on_error, max_parallel=max_parallel, launcher=launcher, cluster=cluster,
                           configs=saved or None, resume=resume, echo=typer.echo)
        raise typer.Exit(result.exit_code)
