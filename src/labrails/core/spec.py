"""spec.yaml: what the human reviews and locks before the agent runs anything that matters.

It states the hypothesis and success criteria, declares the real data (source and fingerprint) and the
profiles allowed to use synthetic data, the evaluation requirements, and the phases of the work, each
with the commands that belong to it and whether a human must approve it before the next phase starts.
"""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path

from labrails.core.errors import ConfigError

PLACEHOLDER = "TODO"
TOP_KEYS = {"hypothesis", "success_criteria", "metrics", "data", "evaluation", "phases"}
DATA_KEYS = {"source", "fingerprint", "synthetic_allowed_in", "notes"}
EVAL_KEYS = {"split_file", "min_test_size", "notes"}
METRIC_KEYS = {"name", "direction", "expected_range", "meaning"}
PHASE_KEYS = {"name", "description", "commands", "checkpoint"}


class Phase:
    # A plain class, not a dataclass: importing dataclasses costs more than the whole guard decision.
    __slots__ = ("name", "commands", "checkpoint", "description")

    def __init__(self, name: str, commands: tuple[str, ...], checkpoint: bool, description: str = ""):
        self.name, self.commands, self.checkpoint, self.description = name, tuple(commands), bool(checkpoint), description

    def __repr__(self) -> str:
        return f"Phase({self.name!r}, commands={self.commands!r}, checkpoint={self.checkpoint})"

    def matches(self, launch_text: str) -> bool:
        """A command belongs to a phase when it matches one of its glob patterns (e.g. ``train.py full*``)."""
        return any(fnmatch.fnmatchcase(launch_text, pattern) for pattern in self.commands)


class Spec:
    __slots__ = ("path", "raw", "sha256", "phases")

    def __init__(self, path: Path, raw: dict[str, Any], sha256: str, phases: tuple[Phase, ...] = ()):
        self.path, self.raw, self.sha256, self.phases = Path(path), raw, sha256, tuple(phases)

    @property
    def synthetic_allowed_in(self) -> tuple[str, ...]:
        declared = (self.raw.get("data") or {}).get("synthetic_allowed_in")
        return ("de-risk",) if declared is None else tuple(declared)  # an explicit [] means: nowhere

    @property
    def data_fingerprint(self) -> str | None:
        fp = (self.raw.get("data") or {}).get("fingerprint")
        return None if _is_placeholder(fp) else str(fp)

    @property
    def primary_metric(self) -> dict[str, Any]:
        return dict(((self.raw.get("metrics") or {}).get("primary")) or {})

    @property
    def min_test_size(self) -> int | None:
        value = (self.raw.get("evaluation") or {}).get("min_test_size")
        return int(value) if isinstance(value, (int, float)) else None

    def phase_of(self, launch_text: str) -> Phase | None:
        for phase in self.phases:
            if phase.matches(launch_text):
                return phase
        return None

    def earlier_checkpoints(self, phase: Phase) -> list[Phase]:
        earlier = []
        for p in self.phases:
            if p.name == phase.name:
                break
            if p.checkpoint:
                earlier.append(p)
        return earlier

    def placeholders(self) -> list[str]:
        return sorted(_find_placeholders(self.raw, ""))


def _is_placeholder(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER))


def _find_placeholders(node: Any, where: str) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _find_placeholders(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _find_placeholders(value, f"{where}[{i}]")
    elif isinstance(node, str) and node.strip().upper().startswith(PLACEHOLDER):
        out.append(where)
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parse_spec(raw: dict[str, Any], path: Path, sha256: str) -> Spec:
    _unknown(raw, TOP_KEYS, path, "")
    for section, keys in (("data", DATA_KEYS), ("evaluation", EVAL_KEYS)):
        value = raw.get(section)
        if value is not None and not isinstance(value, dict):
            raise ConfigError(f"'{section}' must be a mapping", path=path, fix=f"see the {section}: section written by `labrails new`")
        _unknown(value or {}, keys, path, section)
    metrics = raw.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise ConfigError("'metrics' must be a mapping with a 'primary' entry", path=path)
    primary = metrics.get("primary") or {}
    _unknown(primary, METRIC_KEYS, path, "metrics.primary")
    direction = primary.get("direction")
    if direction is not None and direction not in ("higher", "lower") and not _is_placeholder(direction):
        raise ConfigError(
            f"metrics.primary.direction is {direction!r}", path=path, fix="write `higher` or `lower` (which way is better)"
        )
    allowed = (raw.get("data") or {}).get("synthetic_allowed_in")
    if allowed is not None and not (isinstance(allowed, list) and all(isinstance(p, str) for p in allowed)):
        raise ConfigError("data.synthetic_allowed_in must be a list of profile names", path=path, fix="e.g. `[de-risk]`, or `[]`")
    phases_raw = raw.get("phases") or []
    if not isinstance(phases_raw, list):
        raise ConfigError("'phases' must be a list", path=path, fix="each item: {name, commands: [...], checkpoint: true|false}")
    phases: list[Phase] = []
    seen: set[str] = set()
    for i, item in enumerate(phases_raw):
        if not isinstance(item, dict) or not item.get("name"):
            raise ConfigError(f"phases[{i}] needs a 'name'", path=path, fix="each phase: {name, commands: [...], checkpoint: true|false}")
        _unknown(item, PHASE_KEYS, path, f"phases[{i}]")
        name = str(item["name"])
        if name in seen:
            raise ConfigError(f"phase '{name}' is listed twice", path=path, fix="give each phase a unique name")
        seen.add(name)
        commands = item.get("commands") or []
        if isinstance(commands, str):
            commands = [commands]
        if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
            raise ConfigError(f"phases[{i}].commands must be a list of patterns", path=path, fix="e.g. ['train.py de-risk*']")
        phases.append(Phase(name=name, commands=tuple(commands), checkpoint=bool(item.get("checkpoint", False)), description=str(item.get("description") or "")))
    return Spec(path=Path(path), raw=raw, sha256=sha256, phases=tuple(phases))


def _unknown(section: dict[str, Any], known: set[str], path: Path, where: str) -> None:
    for key in section:
        if key not in known:
            label = f"{where}.{key}" if where else str(key)
            raise ConfigError(f"unknown key '{label}'", path=path, fix=f"known keys here: {', '.join(sorted(known))}")


def load_spec(path: Path) -> Spec:
    from labrails.core.yamlfile import load_yaml

    path = Path(path)
    raw = load_yaml(path, what="spec.yaml")
    return parse_spec(raw, path, sha256_of(path))
