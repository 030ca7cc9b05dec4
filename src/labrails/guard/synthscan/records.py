"""The records the per-file analysis passes around: fabricated values, taint, context, definitions, uses."""

from __future__ import annotations

from dataclasses import dataclass

_FAB, _DATA, _CONST = 2, 1, 0


@dataclass(frozen=True)
class _Fab:
    rule: str
    desc: str
    report: bool  # nobody has flagged this source yet
    direct_random: bool = False
    scalar: bool = False  # one draw, e.g. a crop offset; only a collection of draws is a dataset


@dataclass
class _Taint:
    rule: str
    desc: str
    line: int
    status: str  # "reported", "exempt" or "unreported"
    scalar: bool = False


@dataclass(frozen=True)
class _Ctx:
    derisk: bool = False
    handler: bool = False
    try_assigned: frozenset = frozenset()
    chain: tuple = ()
    qual: tuple = ()
    data_func: bool = False
    module_method: bool = False
    class_body: bool = False
    class_module: bool = False
    loop_vars: tuple = ()
    body: tuple = ()


@dataclass(frozen=True)
class _Candidate:
    path: str
    line: int
    rule: str
    base_rule: str
    snippet: str
    message: str
    detail: str
    chain: tuple


@dataclass(frozen=True)
class _Def:
    key: tuple
    name: str
    path: str
    line: int


@dataclass(frozen=True)
class _Ref:
    name: str
    path: str
    line: int
    snippet: str
    chain: tuple
    derisk: bool
    handler: bool


_CONST_R = (_CONST, None)
_DATA_R = (_DATA, None)
