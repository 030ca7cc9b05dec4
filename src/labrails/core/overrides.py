"""Settings changed for one run, on the command line (``--set optim.lr=3e-4``) or in ``LABRAILS_OVERRIDES``.

Every override names a key that config.yaml's shared part has, and its value has that key's type (a
number for a number, text for text, true/false for a flag; a null default takes anything): a typo or a
wrong type is an error naming the key and the fix, never a silently ignored or mistyped setting.

```python
parse_set(["optim.lr=3e-4", "model.hidden=256"])        # {"optim.lr": 0.0003, "model.hidden": 256}
check_overrides(exp.config_path, {"optim.lr": "fast"})   # ConfigError: optim.lr must be a number ...
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labrails.core.errors import ConfigError
from labrails.core.naming import suggestion

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path
    from typing import Any


def parse_value(text: str) -> Any:
    """``3e-4`` -> 0.0003, ``256`` -> 256, ``true`` -> True, ``[1, 2]`` -> [1, 2], anything else -> text (YAML rules)."""
    import yaml

    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def parse_set(items: Iterable[str] | None) -> dict[str, Any]:
    """``["optim.lr=3e-4"]`` -> ``{"optim.lr": 0.0003}``; a later ``--set`` of the same key wins."""
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r} is not KEY=VALUE", fix="write e.g. --set optim.lr=3e-4 (dotted key, =, value)")
        value = parse_value(value)
        if isinstance(value, str) and _looks_like_float(value):
            value = float(value)  # YAML 1.1 reads 3e-4 as text; on a command line it is a number
        out[key.strip()] = value
    return out


def _looks_like_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "infinity", "+inf")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def check_overrides(config_path: Path, overrides: Mapping[str, Any], *, source: str = "--set",
                    data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The overrides, unchanged, once each key exists in config.yaml's shared part with
    a value of the same kind. ``source`` says where they came from, for the error."""
    from labrails.core.config import load_config, nested_to_dotted

    if not overrides:
        return {}
    data = load_config(config_path, data)
    base = {k: v for k, v in data.items() if k != "profiles"}
    dotted = nested_to_dotted(overrides)
    for key, value in dotted.items():
        cursor: Any = base
        parts = key.split(".")
        for depth, part in enumerate(parts):
            if not isinstance(cursor, dict) or part not in cursor:
                here = ".".join(parts[:depth])
                known = sorted(map(str, cursor)) if isinstance(cursor, dict) else []
                raise ConfigError(
                    f"{source}: unknown key '{key}'" + (f" (no '{part}' under '{here}')" if here else "")
                    + suggestion(part, known),
                    path=config_path,
                    fix=f"keys here: {', '.join(known) or '(none)'}; fix the spelling, or add '{key}' to config.yaml first",
                )
            cursor = cursor[part]
        default = cursor
        if default is None:  # a null default is a slot for anything
            continue
        if _kind(default) != _kind(value):
            raise ConfigError(
                f"{source}: '{key}' must be {_kind(default)} like its config.yaml value {default!r}, not {value!r}",
                path=config_path,
                fix=f"pass a value of the same kind, e.g. --set {key}={_example(default)}",
            )
    return dict(overrides)


def _example(default: Any) -> str:
    import json

    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (int, float, str)):
        return str(default)
    return json.dumps(default)
