"""Load YAML files with errors that name the file, the line and the fix.

PyYAML is imported on first use: core/ loads with the standard library alone, because the hook imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labrails.core.errors import ConfigError


def load_yaml(path: Path, *, what: str, must_be_mapping: bool = True) -> Any:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} not found", path=path, fix=f"create it, or run from the experiment directory")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"is not valid YAML{where}: {problem}", path=path, fix="fix the syntax there (indentation, a missing ':' or quote)"
        ) from None
    if data is None:
        data = {}
    if must_be_mapping and not isinstance(data, dict):
        raise ConfigError(
            f"must be a mapping of keys to values, found {type(data).__name__}", path=path, fix="see the file written by `labrails new`"
        )
    return data


def dump_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
