"""spec.yaml: what the human reviews and locks before the agent runs anything that matters.

It states the hypothesis and success criteria, declares the real data (source and fingerprint) and the
profiles allowed to use synthetic data, the evaluation requirements, and the phases of the work, each
with the commands that belong to it and whether a human must approve it before the next phase starts.
"""

from __future__ import annotations

import fnmatch

from labrails.core.digest import sha256_hex
from labrails.core.errors import ConfigError
from labrails.core.schema import ANY, BOOL, LIST, MAP, NULL, NUMBER, TEXT, Key, Map, validate

# typing.TYPE_CHECKING without importing typing (nor pathlib): the guard parses the spec on the hook path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

PLACEHOLDER = "TODO"


def _is_placeholder(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER))


# Values still reading TODO (or left empty) pass: `labrails new` writes them so, and `labrails status`
# lists them until the human fills them in.
PRIMARY_METRIC = Map(
    Key("name", (TEXT, NULL)),
    Key("direction", TEXT, choices=("higher", "lower"), accept=_is_placeholder,
        message="metrics.primary.direction is {value}", fix="write `higher` or `lower` (which way is better)"),
    Key("expected_range", LIST, items=NUMBER, test=lambda v: len(v) == 2, accept=_is_placeholder,
        message="metrics.primary.expected_range must be [low, high]", fix="e.g. `[0.90, 0.99]`, or null when unknown"),
    Key("meaning", (TEXT, NULL)),
)
METRICS = Map(Key("primary", (MAP, NULL), schema=PRIMARY_METRIC), extra=True)
DATA = Map(
    Key("source", (TEXT, NULL)),
    Key("fingerprint", (TEXT, NULL)),   # shows the pinned value; the signed .labrails/data_pin.json is the anchor
    Key("paths", (LIST, NULL), items=TEXT, message="data.paths must be a list of files or globs in the experiment",
        fix="e.g. [data/train.csv]: files here written after the pin are flagged"),
    Key("synthetic_allowed_in", (LIST, NULL), items=TEXT, message="data.synthetic_allowed_in must be a list of profile names",
        fix="e.g. `[de-risk]`, or `[]`"),
    Key("notes", ANY),
)
EVALUATION = Map(
    Key("split_file", (TEXT, NULL)),
    Key("min_test_size", NUMBER, accept=_is_placeholder, fix="the smallest test set that supports the claims, e.g. 500"),
    Key("notes", ANY),
)
PHASE = Map(
    Key("name", ANY, required=True, nonempty=True, message="{parent} needs a 'name'"),
    Key("description", ANY),
    Key("commands", (LIST, TEXT, NULL), items=TEXT, message="{where} must be a list of patterns", fix="e.g. ['train.py de-risk*']"),
    Key("profiles", (LIST, TEXT, NULL), items=TEXT, message="{where} must be a list of config.yaml profile names",
        fix="e.g. [full]: runs of these profiles belong to this phase, whatever their name"),
    Key("checkpoint", (BOOL, NULL), message="{where} must be true or false",
        fix="true when the human must approve this phase before the next one starts"),
    Key("outputs", (LIST, NULL), items=Key(None, (TEXT, MAP), test=lambda v: isinstance(v, str) or (len(v) == 1 and set(v) <= {"profile", "run"}),
                                           message="{where} must be a file glob or {profile: NAME} or {run: NAME-GLOB}",
                                           fix="e.g. ['split.json', {profile: de-risk}]: what the phase produces before its checkpoint"),
        message="{where} must be a list", fix="e.g. ['split.json', {profile: de-risk}]: what the phase produces before its checkpoint"),
    message="{where} needs a 'name'", fix="each phase: {name, commands: [...], checkpoint: true|false}",
)
# What the experiment tests, fixed before the runs: `claim` is read by labrails.analysis.hypotheses.
HYPOTHESIS = Map(
    Key("claim", TEXT, required=True, nonempty=True, message="{parent} needs a 'claim'",
        fix="e.g. 'full-mlp > full-logreg on test_accuracy' or 'full-mlp: test_accuracy >= 0.95'"),
    Key("name", (TEXT, NULL)),
    Key("min_effect", (NUMBER, NULL)),
    Key("margin", (NUMBER, NULL)),
    Key("alpha", (NUMBER, NULL), test=lambda v: v is None or 0 < v < 1, message="{where} must be between 0 and 1",
        fix="e.g. 0.05"),
    Key("notes", ANY),
    message="{where} needs a 'claim'", fix="each item: {claim: 'A > B on METRIC', min_effect: 0.0, alpha: 0.05}",
)
SPEC_SCHEMA = Map(
    Key("hypothesis", ANY),
    Key("hypotheses", (LIST, NULL), items=HYPOTHESIS, message="'hypotheses' must be a list",
        fix="each item: {claim: 'A > B on METRIC', min_effect: 0.0, alpha: 0.05}"),
    Key("success_criteria", ANY),
    Key("metrics", (MAP, NULL), schema=METRICS, message="'metrics' must be a mapping with a 'primary' entry"),
    Key("data", (MAP, NULL), schema=DATA, message="'data' must be a mapping",
        fix="see the data: section written by `labrails new`"),
    Key("evaluation", (MAP, NULL), schema=EVALUATION, message="'evaluation' must be a mapping",
        fix="see the evaluation: section written by `labrails new`"),
    Key("phases", (LIST, NULL), items=PHASE, message="'phases' must be a list",
        fix="each item: {name, commands: [...], checkpoint: true|false}"),
)


class Phase:
    # A plain class, not a dataclass: importing dataclasses costs more than the whole guard decision.
    __slots__ = ("name", "commands", "checkpoint", "description", "profiles", "outputs")

    def __init__(self, name: str, commands: tuple[str, ...], checkpoint: bool, description: str = "",
                 profiles: tuple[str, ...] = (), outputs: tuple = ()):
        self.name, self.commands, self.checkpoint, self.description = name, tuple(commands), bool(checkpoint), description
        self.profiles, self.outputs = tuple(profiles), tuple(outputs)  # outputs: read by core/gates.py

    def __repr__(self) -> str:
        return f"Phase({self.name!r}, commands={self.commands!r}, checkpoint={self.checkpoint})"

    def matches(self, launch_text: str) -> bool:
        """A command belongs to a phase when it matches one of its glob patterns (e.g. ``train.py full*``)."""
        return any(fnmatch.fnmatchcase(launch_text, pattern) for pattern in self.commands)


class Spec:
    __slots__ = ("_path", "raw", "sha256", "phases")

    def __init__(self, path: Path | str, raw: dict[str, Any], sha256: str, phases: tuple[Phase, ...] = ()):
        self._path, self.raw, self.sha256, self.phases = path, raw, sha256, tuple(phases)

    @property
    def path(self) -> Path:
        from pathlib import Path

        return Path(self._path)

    @property
    def folder(self) -> str:
        """The experiment folder spec.yaml sits in, as a string (no pathlib on the hook path)."""
        import os

        return os.path.dirname(os.path.abspath(os.fspath(self._path)))

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


def sha256_of(path: Path | str) -> str:
    with open(path, "rb") as fh:
        return sha256_hex(fh.read())


def parse_spec(raw: dict[str, Any], path: Path, sha256: str) -> Spec:
    validate(raw, SPEC_SCHEMA, path=path, fix="see the spec.yaml written by `labrails new`")
    phases: list[Phase] = []
    seen: set[str] = set()
    for item in raw.get("phases") or []:
        name = str(item["name"])
        if name in seen:
            raise ConfigError(f"phase '{name}' is listed twice", path=path, fix="give each phase a unique name")
        seen.add(name)
        commands = item.get("commands") or []
        if isinstance(commands, str):
            commands = [commands]
        profiles = item.get("profiles") or []
        phases.append(Phase(name=name, commands=tuple(commands), checkpoint=bool(item.get("checkpoint", False)),
                            description=str(item.get("description") or ""),
                            profiles=tuple([profiles] if isinstance(profiles, str) else profiles),
                            outputs=tuple(item.get("outputs") or ())))
    return Spec(path=path, raw=raw, sha256=sha256, phases=tuple(phases))


def load_spec(path: Path) -> Spec:
    from pathlib import Path

    from labrails.core.yamlfile import load_yaml

    path = Path(path)
    raw = load_yaml(path, what="spec.yaml")
    return parse_spec(raw, path, sha256_of(path))
