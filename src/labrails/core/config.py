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

Values are checked before anything is written (core/checks.py): a profile or override value keeps the type
of the shared value it replaces (an int may stand where a float is expected, not the reverse), and the
optional ``checks:`` block declares what a key must be (``fraction``, ``count``, ``positive``, a range):

```yaml
checks:
  data.test_fraction: fraction          # a number in [0, 1]
  optim.batch_size: count               # an integer >= 1
  optim.lr: {type: number, min: 0, min_exclusive: true}
```

A run reads the result through :class:`ConfigView`: a plain dict, except that a key the file lacks is a
``ConfigError`` naming config.yaml, the key and the keys that exist, not a bare ``KeyError``.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Mapping

from labrails.core.checks import CHECK, CHECK_FIX, check_values, check_types
from labrails.core.digest import sha256_hex
from labrails.core.errors import ConfigError
from labrails.core.naming import suggestion
from labrails.core.schema import ANY, MAP, NULL, Key, Map, validate

# typing.TYPE_CHECKING without importing typing (nor pathlib): the guard resolves configs on the hook path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# Allowed in a profile without a shared default. ``args``: command-line arguments a wrapped script gets
# (`labrails run de-risk -- python main.py`), e.g. `de-risk: {args: {--epochs: 1}}`; see tracking/wrap.py.
PROFILE_KEYS = {"budget_seconds", "args"}
ARGS = Map(Key("args", MAP, values=(str, int, float, bool, list, type(None)),
               message="'args' must map command-line options to values, e.g. `args: {--epochs: 1, --dry-run: true}`",
               fix="one option per key; true passes a bare flag, false or null leaves it out"), extra=True)
RESERVED = ("profiles", "checks")  # the file's structure, not values a run sees
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
    Key("checks", (MAP, NULL), values=CHECK,
        message="`checks` must map dotted keys to rules, e.g. `optim.lr: positive`", fix=CHECK_FIX),
    extra=True,
)


class ResolvedConfig:
    """The config a run sees: ``values`` (profile applied, includes "profile"), its budget and source."""

    __slots__ = ("profile", "values", "budget_seconds", "_source")

    def __init__(self, profile: str, values: dict[str, Any], budget_seconds: float | None, source: Path | str):
        self.profile, self.values, self.budget_seconds, self._source = profile, values, budget_seconds, source

    @property
    def source(self) -> Path:
        from pathlib import Path

        return Path(self._source)

    @property
    def hash(self) -> str:
        return config_hash(self.values)


def config_hash(values: Mapping[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return sha256_hex(canonical.encode())


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return sha256_hex(fh.read())


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
    base = shared_values(data)
    for name, body in profiles.items():
        _check_keys(body, base, path=path, where=f"profiles.{name}", allow=PROFILE_KEYS, checks=data.get("checks"))
    for body in (base, *profiles.values()):
        if "args" in body:
            validate(body, ARGS, path=path)
    return data


def shared_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The values every profile starts from: the file without ``profiles`` and ``checks``."""
    return {k: v for k, v in data.items() if k not in RESERVED}


def _check_keys(override: Mapping[str, Any], base: Mapping[str, Any], *, path: Path, where: str,
                allow: set[str] | frozenset[str] = frozenset(), checks: Mapping[str, Any] | None = None,
                prefix: str = "") -> None:
    """Every key of ``override`` exists in ``base`` and keeps its value's type (unless ``checks`` declares it)."""
    for key, value in override.items():
        if key in allow and not prefix:
            continue
        if key not in base:
            known = ", ".join(sorted(str(k) for k in base)) or "(none)"
            raise ConfigError(
                f"unknown key '{where}.{key}'{suggestion(str(key), map(str, base))}",
                path=path,
                fix=f"known keys at this level: {known}. Add '{key}' to the shared part first, or fix the spelling",
            )
        dotted = f"{prefix}{key}"
        check_types(value, base[key], path=path, where=f"{where}.{key}", declared=dotted in (checks or {}))
        if isinstance(value, dict) and isinstance(base[key], dict):
            _check_keys(value, base[key], path=path, where=f"{where}.{key}", checks=checks, prefix=dotted + ".")


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
            f"unknown profile '{profile}'{suggestion(profile, profiles)}",
            path=path,
            fix=f"use one of: {', '.join(profiles)} (or add a profile under `profiles:`)",
        )
    base = shared_values(data)
    body = dict(profiles[profile])
    budget = body.pop("budget_seconds", None)
    values = deep_merge(base, body)
    nested: dict[str, Any] = {}
    if overrides:
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"overrides must be a mapping of dotted keys to values, got {type(overrides).__name__}",
                              path=path, fix='e.g. {"optim.lr": 0.01}')
        nested = dotted_to_nested(overrides)
        _check_keys(nested, base, path=path, where="override", checks=data.get("checks"))
        values = deep_merge(values, nested)
    check_values(values, data.get("checks") or {}, path=path,
                 origin=lambda dotted: _origin(dotted, profile, body, nested))
    values["profile"] = profile
    if script is not None:
        values["script"] = script
    if budget is not None:
        try:
            budget = float(budget)
        except (TypeError, ValueError):
            raise ConfigError(f"profiles.{profile}.budget_seconds must be a number of seconds", path=path) from None
    return ResolvedConfig(profile=profile, values=values, budget_seconds=budget, source=path)


def _origin(dotted: str, profile: str, body: Mapping[str, Any], nested: Mapping[str, Any]) -> str:
    """Where a resolved value was written: an override, the profile, or the shared part."""
    parts = dotted.split(".")
    for source, label in ((nested, "override"), (body, f"profiles.{profile}")):
        cursor: Any = source
        for part in parts:
            if not isinstance(cursor, Mapping) or part not in cursor:
                break
            cursor = cursor[part]
        else:
            return f"{label}.{dotted}"
    return dotted


def parse_overrides(text: str, *, source: str) -> dict[str, Any]:
    """Overrides given as JSON text (``LABRAILS_OVERRIDES``): a mapping of dotted keys to values."""
    import json as _json

    example = '{"optim.lr": 0.01, "seed": 43}'
    try:
        data = _json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source} is not valid JSON ({exc}): {text!r}", fix=f"set it to a JSON object, e.g. {example}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must be a JSON object of dotted keys to values, got {type(data).__name__}: {text!r}",
                          fix=f"set it to a JSON object, e.g. {example}")
    return data


class MissingConfigKey(ConfigError, KeyError):
    """A key the script reads that config.yaml lacks; still a KeyError for code that catches one."""

    def __init__(self, message: str, *, key: str, fix: str, path: Path | str | None):
        self.key = key
        super().__init__(message, fix=fix, path=path)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.render()


class ConfigView(dict):
    """A resolved config as a run reads it: a dict (JSON- and YAML-serialisable, pickled as a plain dict)
    whose missing keys are errors naming config.yaml, the dotted key and the keys that exist."""

    __slots__ = ("_source", "_where")

    def __init__(self, values: Mapping[str, Any], source: Path | str | None = None, where: str = ""):
        super().__init__()
        self._source, self._where = source, where
        if not where:
            _let_yaml_dump_views()
        for key, value in values.items():
            dict.__setitem__(self, key, ConfigView(value, source, f"{where}{key}.") if type(value) is dict else value)

    def __missing__(self, key: Any) -> Any:
        dotted = f"{self._where}{key}"
        level = f"under '{self._where[:-1]}'" if self._where else "at the top level"
        known = ", ".join(str(k) for k in self if k not in ("profile", "script") or self._where) or "(none)"
        raise MissingConfigKey(
            f"the script reads '{dotted}', which config.yaml does not have",
            path=self._source, key=dotted,
            fix=f"keys {level}: {known}. Fix the spelling in the script, or add '{key}' to the shared part of config.yaml",
        )

    def __reduce__(self):  # a checkpoint stores a plain dict, loadable without labrails
        return (dict, (_plain(self),))

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(_plain(self), memo)


def _let_yaml_dump_views() -> None:
    """yaml.safe_dump(run.config) writes a mapping (PyYAML matches representers by exact type). Registered
    when PyYAML is already loaded, as it is in a run (start_run writes config.yaml with it)."""
    yaml = sys.modules.get("yaml")
    if yaml is None:
        return
    for representer in (yaml.representer.SafeRepresenter, yaml.representer.Representer):
        if ConfigView not in representer.yaml_representers:
            representer.add_representer(ConfigView, lambda dumper, data: dumper.represent_dict(dict(data)))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def script_name(script: Path | str | None, experiment_root: Path | str) -> str | None:
    """How a script is named in the config: relative to the experiment when inside it."""
    if script is None:
        return None
    script, root = os.path.abspath(script), os.path.abspath(experiment_root)
    return os.path.relpath(script, root) if script.startswith(root + os.sep) else os.path.basename(script)


def profiles_of(path: Path) -> list[str]:
    return list(load_config(path)["profiles"])
