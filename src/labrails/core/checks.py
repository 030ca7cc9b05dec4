"""What a config value must be, checked before a run writes anything.

Two sources of rules, both data:

- the shared value a profile or override replaces: its type is the contract (``hidden: 128`` makes
  ``hidden: 12.5`` an error; an int may stand where a float is expected, not the reverse);
- config.yaml's optional ``checks:`` block, ``dotted.key: rule``, where a rule is a name from ``NAMED``
  or a mapping ``{type, min, max, min_exclusive, max_exclusive, choices, null}`` (``type`` one name or a
list: ``[bool, number]``); keys without a
  declaration get ``BUILTIN`` rules by their last name (``*fraction`` in [0, 1], ``batch_size`` >= 1,
  ``lr`` > 0). A declaration replaces both the built-in rule and the shared value's type.

Every error names config.yaml, the dotted key (and the profile or override that set it), the value and
the fix. Standard library only: config.py, which the hook imports, uses this.
"""

from __future__ import annotations

from labrails.core.errors import ConfigError
from labrails.core.schema import BOOL, LIST, MAP, NUMBER, TEXT, Key, Map

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Any

TYPES = {"integer": (int,), "number": (int, float), "text": (str,), "bool": (bool,), "list": (list,),
         "mapping": (dict,)}
TYPE_WORDS = {"integer": "an integer", "number": "a number", "text": "text", "bool": "true or false",
              "list": "a list", "mapping": "a mapping"}
NAMED: dict[str, dict[str, Any]] = {
    "fraction": {"type": "number", "min": 0, "max": 1},
    "count": {"type": "integer", "min": 1},
    "positive": {"type": "number", "min": 0, "min_exclusive": True},
    "non_negative": {"type": "number", "min": 0},
    **{name: {"type": name} for name in TYPES},
}
# Built-in rules by a key's last name, for keys config.yaml does not declare; a null value passes (unset).
BUILTIN_NAMES = {"batch_size": "count", "max_epochs": "count", "epochs": "count", "grad_accum_steps": "count",
                 "gradient_accumulation_steps": "count", "lr": "positive", "learning_rate": "positive"}
BUILTIN_SUFFIXES = (("fraction", "fraction"),)

CHECK_FIX = ("a rule is one of " + ", ".join(NAMED) + ", or a mapping such as "
             "`{type: number, min: 0, max: 1}` (keys: type, min, max, min_exclusive, max_exclusive, choices, null)")
RULE = Map(
    Key("type", (TEXT, LIST), items=TEXT, test=lambda kind: all(k in TYPES for k in ([kind] if isinstance(kind, str) else kind)),
        message="checks: type {value} is not one of " + ", ".join(TYPES), fix="e.g. `type: number` or `type: [bool, number]`"),
    Key("min", NUMBER), Key("max", NUMBER), Key("min_exclusive", BOOL), Key("max_exclusive", BOOL),
    Key("choices", LIST, nonempty=True), Key("null", BOOL),
    known="a rule's keys are",
)
CHECK = Key(None, (TEXT, MAP), schema=RULE, test=lambda rule: not isinstance(rule, str) or rule in NAMED,
            message="checks.{key} is {value}, not a rule", fix=CHECK_FIX)


def _is_type(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def _kind_of(value: Any) -> str | None:
    """The type word a shared value promises its overrides (None: anything goes)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    for word, kinds in (("text", (str,)), ("list", (list,)), ("mapping", (dict,))):
        if isinstance(value, kinds):
            return word
    return None


def _found(value: Any) -> str:
    word = next((w for w, kinds in TYPES.items() if _is_type(value, kinds) and w != "number"), None)
    if isinstance(value, float):
        word = "a number"
    return f"{value!r} ({TYPE_WORDS.get(word, word) if word else type(value).__name__})" if value is not None else "null"


def check_types(value: Any, shared: Any, *, path: Path | str | None, where: str, declared: bool) -> None:
    """A profile or override ``value`` must keep the type of the ``shared`` value it replaces."""
    kind = _kind_of(shared)
    if declared or kind is None or _is_type(value, TYPES[kind]):
        return
    raise ConfigError(
        f"{where} is {_found(value)}, but the shared value it overrides is {TYPE_WORDS[kind]} ({shared!r})",
        path=path,
        fix=f"write {TYPE_WORDS[kind]} there, like the shared value; if {TYPE_WORDS[kind]} is not what this key should be, change the shared "
            f"value or declare the key under `checks:` in config.yaml",
    )


def rule_for(dotted: str, checks: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The rule for a key and whether config.yaml declared it (else it is built in, or None)."""
    if dotted in checks:
        rule = checks[dotted]
        return (dict(NAMED[rule]) if isinstance(rule, str) else dict(rule)), True
    last = dotted.rsplit(".", 1)[-1].lower()
    name = BUILTIN_NAMES.get(last) or next((r for suffix, r in BUILTIN_SUFFIXES if last.endswith(suffix)), None)
    return (dict(NAMED[name], null=True) if name else None), False


def _types(rule: Mapping[str, Any]) -> list[str]:
    kind = rule.get("type")
    return [] if kind is None else [kind] if isinstance(kind, str) else list(kind)


def describe(rule: Mapping[str, Any]) -> str:
    text = " or ".join(TYPE_WORDS[k] for k in _types(rule)) or "a value"
    low, high = rule.get("min"), rule.get("max")
    if low is not None and high is not None:
        text += f" in {'(' if rule.get('min_exclusive') else '['}{low}, {high}{')' if rule.get('max_exclusive') else ']'}"
    elif low is not None:
        text += f" {'>' if rule.get('min_exclusive') else '>='} {low}"
    elif high is not None:
        text += f" {'<' if rule.get('max_exclusive') else '<='} {high}"
    if rule.get("choices"):
        text += " (one of " + ", ".join(map(str, rule["choices"])) + ")"
    return text


def breaks(value: Any, rule: Mapping[str, Any]) -> bool:
    if value is None:
        return not rule.get("null", False)
    kinds = _types(rule)
    if kinds and not any(_is_type(value, TYPES[k]) for k in kinds):
        return True
    if rule.get("choices") and value not in rule["choices"]:
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = rule.get("min"), rule.get("max")
        if low is not None and (value < low or (rule.get("min_exclusive") and value == low)):
            return True
        if high is not None and (value > high or (rule.get("max_exclusive") and value == high)):
            return True
        if value != value:  # NaN passes no comparison, so it is caught here
            return low is not None or high is not None
    return False


def _leaves(values: Mapping[str, Any], prefix: str = ""):
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(value, dotted + ".")
        else:
            yield dotted, value


def _lookup(values: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    cursor: Any = values
    for part in dotted.split("."):
        if not isinstance(cursor, dict) or part not in cursor:
            return False, None
        cursor = cursor[part]
    return True, cursor


def check_values(values: Mapping[str, Any], checks: Mapping[str, Any], *, path: Path | str | None,
                 origin: Callable[[str], str]) -> None:
    """Every resolved value against its declared or built-in rule; ``origin`` names where a key was set."""
    for dotted in checks:
        found, _ = _lookup(values, dotted)
        if not found:
            known = ", ".join(d for d, _ in _leaves(values) if d not in ("profile", "script"))
            raise ConfigError(f"checks names '{dotted}', which config.yaml does not have", path=path,
                              fix=f"use a dotted key that exists ({known}), or remove that line")
    seen = set()
    for dotted, value in [*_leaves(values), *((d, _lookup(values, d)[1]) for d in checks)]:
        if dotted in seen or dotted in ("profile", "script"):
            continue
        seen.add(dotted)
        rule, declared = rule_for(dotted, checks)
        if rule is None or not breaks(value, rule):
            continue
        source = "declared under `checks:`" if declared else "a built-in rule for this name"
        raise ConfigError(
            f"{origin(dotted)} is {_found(value)}, but it must be {describe(rule)} ({source})",
            path=path,
            fix=f"set {dotted} to {describe(rule)}" + ("" if declared else
                "; if this key means something else here, declare its rule under `checks:` in config.yaml"),
        )
