"""config.yaml: shared values plus one profile per kind of run.

```yaml
seed: 42
optim: {lr: 0.003}
profiles:
  de-risk: {budget_seconds: 60, optim: {lr: 0.01}}
  full: {}
```

A profile (and a sweep override) may only change keys the shared part already has: a typo is an error
that names the file, the key and the keys that exist, never a silently ignored setting (nanoGPT's
configurator does the same). ``budget_seconds`` is the one key reserved for profiles.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.errors import ConfigError
from labrails.core.schema import ANY, MAP, NULL, Key, Map, validate

if TYPE_CHECKING:
    from typing import Any

# Allowed in a profile without a shared default. ``args``: command-line arguments a wrapped script gets
# (`labrails run de-risk -- python main.py`), e.g. `de-risk: {args: {--epochs: 1}}`; see tracking/wrap.py.
PROFILE_KEYS = {"budget_seconds", "args"}
ARGS = Map(Key("args", MAP, values=(str, int, float, bool, list, type(None)),
               message="'args' must map command-line options to values, e.g. `args: {--epochs: 1, --dry-run: true}`",
               fix="one option per key; true passes a bare flag, false or null leaves it out"), extra=True)
REQUIRED_PROFILES = ("de-risk", "full")

# The shared values are the experiment's own (any keys); only `profiles` has a fixed shape. Whether a
# profile's keys exist in the shared part is checked by _check_keys, since that depends on the file itself.
PROFILE = Key(None, (MAP, NULL), message="profile '{key}' must be a mapping of overrides",
              fix="write `{key}: {}` for no overrides")
PROFILES = Map(*(Key(name, ANY, required=True) for name in REQUIRED_PROFILES), extra=True,
               missing="is missing the profile(s) {missing}",
               fix="every experiment needs a `de-risk` profile (fast, representative) and a `full` profile")
CONFIG_SCHEMA = Map(
    Key("profiles", MAP, required=True, nonempty=True, schema=PROFILES, values=PROFILE,
        message="has no 'profiles' mapping",
        fix="add `profiles:` with at least `de-risk:` (under a minute) and `full:` (the real run)"),
    extra=True,
)


class ResolvedConfig:
    """The config a run sees: ``values`` (profile applied, includes "profile"), its budget and source."""

    __slots__ = ("profile", "values", "budget_seconds", "source")

    def __init__(self, profile: str, values: dict[str, Any], budget_seconds: float | None, source: Path):
        self.profile, self.values, self.budget_seconds, self.source = profile, values, budget_seconds, source

    @property
    def hash(self) -> str:
        return config_hash(self.values)


def config_hash(values: Mapping[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_config(path: Path, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read and validate config.yaml; pass ``data`` when it was already parsed (the guard's cache)."""
    if data is None:
        from labrails.core.yamlfile import load_yaml

        data = load_yaml(path, what="config.yaml")
    validate(data, CONFIG_SCHEMA, path=path)
    profiles = data["profiles"]
    for name, body in profiles.items():
        if body is None:  # `full:` with nothing under it: a profile without overrides
            profiles[name] = {}
    base = {k: v for k, v in data.items() if k != "profiles"}
    for name, body in profiles.items():
        _check_keys(body, base, path=path, where=f"profiles.{name}", allow=PROFILE_KEYS)
    for body in (base, *profiles.values()):
        if "args" in body:
            validate(body, ARGS, path=path)
    return data


def _check_keys(override: Mapping[str, Any], base: Mapping[str, Any], *, path: Path, where: str,
                allow: set[str] | frozenset[str] = frozenset()) -> None:
    for key, value in override.items():
        if key in allow and where.count(".") <= 1:
            continue
        if key not in base:
            known = ", ".join(sorted(str(k) for k in base)) or "(none)"
            raise ConfigError(
                f"unknown key '{where}.{key}'",
                path=path,
                fix=f"known keys at this level: {known}. Add '{key}' to the shared part first, or fix the spelling",
            )
        if isinstance(value, dict) and isinstance(base[key], dict):
            _check_keys(value, base[key], path=path, where=f"{where}.{key}")


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def nested_to_dotted(overrides: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 0.1}}`` and ``{"optim.lr": 0.1}`` both become ``{"optim.lr": 0.1}``.

    One spelling everywhere makes plans comparable and lets a placeholder be found in any value; an empty
    mapping stays a value (it sets the key to ``{}``).
    """
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(nested_to_dotted(value, dotted))
        else:
            flat[dotted] = value
    return flat


def dotted_to_nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"optim.lr": 0.1}`` -> ``{"optim": {"lr": 0.1}}`` (nested mappings pass through)."""
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        parts = str(key).split(".")
        cursor = nested
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = value
    return nested


def resolve(path: Path, profile: str, overrides: Mapping[str, Any] | None = None, *,
            data: dict[str, Any] | None = None, script: str | None = None) -> ResolvedConfig:
    """The config a ``profile`` run sees. ``script`` (its path relative to the experiment) is recorded in
    the values, so two scripts run with the same config never share an identity."""
    data = load_config(path, data)
    profiles = data["profiles"]
    if profile not in profiles:
        raise ConfigError(
            f"unknown profile '{profile}'",
            path=path,
            fix=f"use one of: {', '.join(profiles)} (or add a profile under `profiles:`)",
        )
    base = {k: v for k, v in data.items() if k != "profiles"}
    body = dict(profiles[profile])
    budget = body.pop("budget_seconds", None)
    values = deep_merge(base, body)
    if overrides:
        nested = dotted_to_nested(overrides)
        _check_keys(nested, base, path=path, where="override")
        values = deep_merge(values, nested)
    values["profile"] = profile
    if script is not None:
        values["script"] = script
    if budget is not None:
        try:
            budget = float(budget)
        except (TypeError, ValueError):
            raise ConfigError(f"profiles.{profile}.budget_seconds must be a number of seconds", path=path) from None
    return ResolvedConfig(profile=profile, values=values, budget_seconds=budget, source=Path(path))


def script_name(script: Path | str | None, experiment_root: Path | str) -> str | None:
    """How a script is named in the config: relative to the experiment when inside it."""
    if script is None:
        return None
    script, root = os.path.abspath(script), os.path.abspath(experiment_root)
    return os.path.relpath(script, root) if script.startswith(root + os.sep) else os.path.basename(script)


def profiles_of(path: Path) -> list[str]:
    return list(load_config(path)["profiles"])
