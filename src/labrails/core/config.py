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
from pathlib import Path

from labrails.core.errors import ConfigError

PROFILE_KEYS = {"budget_seconds"}  # allowed in a profile without a shared default
REQUIRED_PROFILES = ("de-risk", "full")


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
    profiles = data.get("profiles")
    if not isinstance(profiles, dict) or not profiles:
        raise ConfigError(
            "has no 'profiles' mapping",
            path=path,
            fix="add `profiles:` with at least `de-risk:` (under a minute) and `full:` (the real run)",
        )
    for name, body in profiles.items():
        if body is None:
            profiles[name] = {}
        elif not isinstance(body, dict):
            raise ConfigError(f"profile '{name}' must be a mapping of overrides", path=path, fix="write `{name}: {{}}` for no overrides")
    missing = [p for p in REQUIRED_PROFILES if p not in profiles]
    if missing:
        raise ConfigError(
            f"is missing the profile(s) {', '.join(missing)}",
            path=path,
            fix="every experiment needs a `de-risk` profile (fast, representative) and a `full` profile",
        )
    base = {k: v for k, v in data.items() if k != "profiles"}
    for name, body in profiles.items():
        _check_keys(body, base, path=path, where=f"profiles.{name}", allow=PROFILE_KEYS)
    return data


def _check_keys(override: Mapping[str, Any], base: Mapping[str, Any], *, path: Path, where: str, allow=frozenset()) -> None:
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
    import os

    script, root = os.path.abspath(script), os.path.abspath(experiment_root)
    return os.path.relpath(script, root) if script.startswith(root + os.sep) else os.path.basename(script)


def profiles_of(path: Path) -> list[str]:
    return list(load_config(path)["profiles"])
