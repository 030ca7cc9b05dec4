"""The opening of a launch script: start the run, or say why not and exit with the right code.

A duplicate of a completed run exits 0 (nothing to do); any other refusal (a bad config, an unknown
profile, a bad name) prints the error and its fix and exits 2, without a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labrails.core.errors import LabrailsError, RunAlreadyCompleted
from labrails.tracking.run import start_run

if TYPE_CHECKING:
    from pathlib import Path

    from labrails.tracking.run import Run


def start_run_or_exit(name: str, *, profile: str | None = None, force: bool = False,
                      script: Path | str | None = None, experiment: Path | str | None = None,
                      overrides: list[str] | None = None) -> Run:
    """``start_run`` for a script's entry point: the Run, or a printed reason and ``SystemExit``.
    ``overrides``: ``--set KEY=VALUE`` items, typed against config.yaml (:mod:`labrails.core.overrides`)."""
    try:
        from labrails.core.overrides import parse_set

        return start_run(name, experiment=experiment, profile=profile, force=force, script=script,
                         overrides=parse_set(overrides))
    except RunAlreadyCompleted as done:
        print(done.render())
        raise SystemExit(0) from None
    except LabrailsError as err:
        print(f"error: {err.render()}")
        raise SystemExit(2) from None
