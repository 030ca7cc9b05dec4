"""File shapes declared as data, and the one function that checks a loaded document against them.

A schema is a :class:`Map` of :class:`Key` entries (types, required or optional with a default, allowed
values, nested maps, list items). :func:`validate` walks a document through it and raises ``ConfigError``
naming the file, the key path and the fix; :func:`apply_defaults` fills the optional keys left out.
Standard library only: the hook validates spec.yaml on every call.
"""

from __future__ import annotations

from labrails.core.errors import ConfigError

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any, NoReturn

# Kinds: a type or a tuple of types. Booleans count as numbers only where BOOL is listed, because YAML
# reads `yes` as true and a flag is never a learning rate.
ANY = object
MAP = dict
LIST = list
TEXT = str
INT = int
BOOL = bool
NULL = type(None)
NUMBER = (int, float)

_MISSING = object()
_NAMES = {dict: "a mapping", list: "a list", str: "text", int: "an integer", float: "a number", bool: "true or false",
          type(None): "null"}


class Key:
    """One key of a mapping, or (nameless) one item of a list or one value of a mapping.

    ``kind``: allowed types. ``required``: must be present. ``default``: filled in by :func:`apply_defaults`
    when absent. ``choices``: allowed values. ``nonempty``: must not be empty (or zero). ``test``: a predicate
    the value must satisfy. ``accept``: a predicate for values accepted as they are (placeholders such as
    ``TODO``). ``schema``: the :class:`Map` a mapping value must fit. ``items`` / ``values``: what each
    item of a list value / each value of a mapping value must be (a kind, a Map or a Key).
    ``message`` / ``fix``: the error text when this value is wrong, with ``{where}`` (its key path),
    ``{parent}``, ``{key}``, ``{value}`` (its repr) and ``{type}`` filled in.
    """

    __slots__ = ("name", "kind", "required", "default", "choices", "nonempty", "test", "accept", "schema", "items",
                 "values", "message", "fix", "speaks_for_owner")

    def __init__(self, name: str | None, kind: type | tuple[Any, ...] = ANY, *, required: bool = False,
                 default: Any = _MISSING, choices: tuple[Any, ...] | None = None, nonempty: bool = False,
                 test: Callable[[Any], Any] | None = None, accept: Callable[[Any], bool] | None = None,
                 schema: Map | None = None, items: Any = None, values: Any = None, message: str | None = None,
                 fix: str | None = None):
        self.name, self.kind, self.required, self.default = name, _kinds(kind), required, default
        self.choices, self.nonempty, self.test, self.accept, self.schema = choices, nonempty, test, accept, schema
        self.message, self.fix = message, fix
        self.speaks_for_owner = False
        self.items = _element(items, self)
        self.values = _element(values, self)


class Map:
    """A mapping's keys. ``extra``: keys not declared are allowed (open formats such as config values).
    ``message`` / ``fix``: the error when the value is not a mapping; ``fix`` is also the advice for any
    problem inside that has no fix of its own.
    ``missing``: the error for absent required keys, with ``{missing}`` and ``{present}`` filled in (without
    it, the first absent key with a message reports itself).
    ``known``: how the fix for an unknown key introduces the keys that exist."""

    __slots__ = ("keys", "extra", "message", "fix", "missing", "known")

    def __init__(self, *keys: Key, extra: bool = False, message: str | None = None, fix: str | None = None,
                 missing: str | None = None, known: str = "known keys here"):
        self.keys = {key.name: key for key in keys}
        self.extra, self.message, self.fix, self.missing, self.known = extra, message, fix, missing, known

    def names(self) -> tuple[str, ...]:
        return tuple(self.keys)


def _kinds(kind: type | tuple[Any, ...]) -> tuple[type, ...]:
    """``(NUMBER, NULL)`` -> ``(int, float, NoneType)``."""
    if not isinstance(kind, tuple):
        return (kind,)
    return tuple(k for part in kind for k in _kinds(part))


def _element(spec: Any, owner: Key) -> Key | None:
    """Items given as a bare kind share their owner's message; a Map brings its own."""
    if spec is None or isinstance(spec, Key):
        return spec
    if isinstance(spec, Map):
        return Key(None, MAP, schema=spec, message=spec.message, fix=spec.fix)
    element = Key(None, spec, message=owner.message, fix=owner.fix)
    element.speaks_for_owner = True  # "x must be a list of patterns" is about x, not x[3]
    return element


def validate(document: Any, schema: Map, *, path: Path | str | None = None, fix: str | None = None) -> Any:
    """Check ``document`` against ``schema`` and return it unchanged; the first problem raises ConfigError
    naming ``path``, the key path and the fix (``fix`` is the advice where the schema gives none)."""
    top = Key(None, MAP, schema=schema, message=schema.message or "must be a mapping of keys to values, found {type}",
              fix=schema.fix)
    _check(document, top, _At("", "", ""), _Context(path, fix))
    return document


def apply_defaults(document: dict[str, Any], schema: Map) -> dict[str, Any]:
    """A copy of a valid ``document`` with every absent optional key set to its default (in nested maps and
    in the maps of a list too)."""
    out = dict(document)
    for name, key in schema.keys.items():
        if name not in out:
            if key.default is not _MISSING:
                import copy  # (apply_defaults is not on the hook path)

                out[name] = copy.deepcopy(key.default)
        elif key.schema is not None and isinstance(out[name], dict):
            out[name] = apply_defaults(out[name], key.schema)
        elif key.items is not None and key.items.schema is not None and isinstance(out[name], list):
            out[name] = [apply_defaults(item, key.items.schema) if isinstance(item, dict) else item for item in out[name]]
    return out


class _Context:
    __slots__ = ("path", "fix")

    def __init__(self, path: Path | str | None, fix: str | None):
        self.path, self.fix = path, fix


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    if object in kinds:
        return True
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def _describe(kinds: tuple[type, ...]) -> str:
    if int in kinds and float in kinds:
        kinds = tuple(k for k in kinds if k is not int)
    return " or ".join(_NAMES.get(k, k.__name__) for k in kinds)


def _join(where: str, name: Any) -> str:
    return f"{where}.{name}" if where else str(name)


def _fill(template: str, **tokens: str) -> str:
    # Plain replacement, not str.format: fixes quote YAML such as `{name: baseline}` verbatim.
    for token, text in tokens.items():
        template = template.replace("{" + token + "}", text)
    return template


class _At:
    """Where a value sits: its key path, its parent's, and the name a message calls it by."""

    __slots__ = ("where", "parent", "name")

    def __init__(self, where: str, parent: str, name: str):
        self.where, self.parent, self.name = where, parent, name


def _fail(key: Key, at: _At, value: Any, default: str, ctx: _Context, fix: str | None = None) -> NoReturn:
    where = at.parent if key.speaks_for_owner and key.message else at.where
    tokens = {"where": where, "parent": at.parent, "key": at.name, "value": repr(value), "type": type(value).__name__}
    message = _fill(key.message, **tokens) if key.message else default
    fix_text = key.fix or fix or ctx.fix
    raise ConfigError(message, path=ctx.path, fix=_fill(fix_text, **tokens) if fix_text else None)


def _check(value: Any, key: Key, at: _At, ctx: _Context) -> None:
    label = at.where or "the file"
    if key.accept is not None and key.accept(value):
        return
    if not _is(value, key.kind):
        _fail(key, at, value, f"{label} must be {_describe(key.kind)}, found {type(value).__name__}", ctx)
    if key.choices is not None and value not in key.choices:
        allowed = ", ".join(map(str, key.choices))
        _fail(key, at, value, f"{label} is {value!r}, not one of: {allowed}", ctx, fix=f"write one of: {allowed}")
    if key.nonempty and not value:
        _fail(key, at, value, f"{label} is empty", ctx)
    if key.test is not None and not key.test(value):
        _fail(key, at, value, f"{label} is {value!r}, which is not usable here", ctx)
    if isinstance(value, list) and key.items is not None:
        for i, item in enumerate(value):
            _check(item, key.items, _At(f"{at.where}[{i}]", at.where, at.name), ctx)
    if isinstance(value, dict):
        if key.schema is not None:
            _check_map(value, key.schema, at.where, ctx)
        if key.values is not None:
            for name, item in value.items():
                _check(item, key.values, _At(_join(at.where, name), at.where, str(name)), ctx)


def _check_map(document: dict[str, Any], schema: Map, where: str, ctx: _Context) -> None:
    if schema.fix:  # the innermost map's fix is the best general advice for anything inside it
        ctx = _Context(ctx.path, schema.fix)
    if not schema.extra:
        for name in document:
            if name not in schema.keys:
                raise ConfigError(f"unknown key '{_join(where, name)}'", path=ctx.path,
                                  fix=f"{schema.known}: {', '.join(schema.keys)}")
    absent = [key for name, key in schema.keys.items() if key.required and name not in document]
    # A map's own `missing` text names every absent key at once; otherwise a key's message speaks for it.
    for key in absent if schema.missing is None else ():
        if key.message:
            _fail(key, _At(_join(where, key.name), where, key.name), None, "", ctx)
    if absent:
        missing = ", ".join(key.name for key in absent)
        present = ", ".join(map(str, document)) or "(none)"
        default = f"{where + ' ' if where else ''}is missing key(s) {missing}"
        message = _fill(schema.missing, missing=missing, present=present, where=where) if schema.missing else default
        raise ConfigError(message, path=ctx.path, fix=_fill(ctx.fix, where=where) if ctx.fix else None)
    for name, key in schema.keys.items():
        if name in document:
            _check(document[name], key, _At(_join(where, name), where, name), ctx)
