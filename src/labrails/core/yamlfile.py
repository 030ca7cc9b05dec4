"""Load YAML files with errors that name the file, the line and the fix.

PyYAML is imported on first use: core/ loads with the standard library alone, because the hook imports it.
The loader is libyaml's C parser when PyYAML was built with it (about ten times faster on the thousands
of run config.yaml files an analysis reads), and it refuses a key written twice in one mapping: plain
YAML keeps the last one silently, so `lr: 0.1` further down would quietly win over the `lr` a reader sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labrails.core.errors import ConfigError

_LOADER: Any = None


class DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int):
        super().__init__(f"key '{key}' is written twice (lines {first} and {line})")
        self.key, self.line, self.first = key, line, first


def loader() -> Any:
    """The strict safe loader class (built once): C parser where available, duplicate keys refused."""
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class StrictLoader(base):  # type: ignore[misc, valid-type]
            def construct_mapping(self, node, deep=False):
                if isinstance(node, yaml.MappingNode):
                    seen: dict[Any, int] = {}
                    for key_node, _ in node.value:
                        if key_node.tag == "tag:yaml.org,2002:merge":
                            continue
                        key = self.construct_object(key_node, deep=True)
                        line = key_node.start_mark.line + 1
                        try:
                            if key in seen:
                                raise DuplicateKey(key, line, seen[key])
                            seen[key] = line
                        except TypeError:  # an unhashable key: the base class reports it
                            continue
                return super().construct_mapping(node, deep=deep)

        _LOADER = StrictLoader
    return _LOADER


def parse_yaml(text: str) -> Any:
    """Parse YAML text with the strict loader (raises yaml.YAMLError or DuplicateKey)."""
    import yaml

    return yaml.load(text, Loader=loader())  # noqa: S506 - a SafeLoader subclass


def load_yaml(path: Path, *, what: str, must_be_mapping: bool = True) -> Any:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} not found", path=path, fix="create it, or run from the experiment directory")
    try:
        with open(path, encoding="utf-8") as fh:
            data = parse_yaml(fh.read())
    except DuplicateKey as dup:
        raise ConfigError(str(dup), path=path,
                          fix=f"keep one '{dup.key}' in that mapping (YAML would silently use the last one)") from None
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
