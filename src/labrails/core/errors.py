"""One error type for everything a user can fix.

Every message names what is wrong (file, field) and ends with what to do next, so the CLI can print it
as is and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

# typing.TYPE_CHECKING without importing typing; pathlib loads only when an error names a file, since
# every hook call imports this module and most never raise.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


class LabrailsError(Exception):
    """A problem the user can fix; ``fix`` says how."""

    exit_code = 2

    def __init__(self, message: str, *, fix: str | None = None, path: Path | str | None = None):
        self.message = message
        self.fix = fix
        if path is not None:
            from pathlib import Path

            path = Path(path)
        self.path = path
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.path}: " if self.path is not None else ""
        text = f"{where}{self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class ConfigError(LabrailsError):
    """A config.yaml, spec.yaml or suite file that cannot be used as written."""


class RunAlreadyCompleted(LabrailsError):
    """An identical run (same config, same code) already completed; its directory is ``earlier``."""

    exit_code = 0

    def __init__(self, identity: str, earlier: Path):
        from pathlib import Path

        self.identity = identity
        self.earlier = Path(earlier)
        super().__init__(
            f"run {identity} already completed: results are in {earlier}",
            fix="read that run's README.txt and metrics.json, or pass --force to run it again",
        )


class MissingDependency(LabrailsError):
    def __init__(self, module: str, extra: str):
        super().__init__(
            f"this needs the Python package '{module}', which is not installed",
            fix=f"pip install 'labrails[{extra}]'  (or: pip install {module})",
        )
