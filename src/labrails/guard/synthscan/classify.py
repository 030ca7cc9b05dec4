"""Whether an expression's value is fabricated, real data or a constant, as seen from one module."""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from labrails.guard.synthscan.astutil import (
    _base_name,
    _bind_loop,
    _dotted,
    _is_rangeish,
    _last_name,
)
from labrails.guard.synthscan.derisk import _polarity
from labrails.guard.synthscan.records import (
    _CONST,
    _CONST_R,
    _DATA,
    _DATA_R,
    _FAB,
    _Fab,
)
from labrails.guard.synthscan.sources import (
    _INTEGER_DRAWS,
    _bounded_by_existing_data,
    _content_like,
    _data_expr,
    _fmt_template,
    _is_sk_generator,
    _random_source,
    _scalar_draw,
    _source_text,
    _text_placeholder,
)
from labrails.guard.synthscan.vocabulary import (
    _CONFIG_BASES,
    _CONSTRUCTORS,
    _CONTAINERS,
    _DEFAULT_ALIASES,
    _FAKE_DATASET_RE,
    _GENERATOR_CTORS,
    _INPLACE_RANDOM,
    _LOADER_PREFIXES,
    _NUMERIC_MODULES,
    _RNG_NAMES,
    _SK_GENERATORS,
    _is_scalarish,
    _tokens,
)

# The hook path does not import typing; type checkers read this constant as typing.TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.guard.synthscan.records import _Ctx, _Taint


def _pick(fabs: list[_Fab]) -> _Fab:
    for fab in fabs:
        if fab.report:
            return fab
    return fabs[0]


def _elementwise(results) -> tuple[int, _Fab | None]:
    # Any real data in the mix makes it a perturbation of that data (augmentation, noise injection).
    fabs = []
    has_data = False
    for kind, fab in results:
        if kind == _DATA:
            has_data = True
        elif kind == _FAB:
            fabs.append(fab)
    if has_data:
        return _DATA_R
    if fabs:
        return _FAB, replace(_pick(fabs), direct_random=False, scalar=all(f.scalar for f in fabs))
    return _CONST_R


def _container(results) -> tuple[int, _Fab | None]:
    fabs = []
    has_data = False
    for kind, fab in results:
        if kind == _FAB:
            fabs.append(fab)
        elif kind == _DATA:
            has_data = True
    if fabs:
        return _FAB, replace(_pick(fabs), direct_random=False, scalar=False)
    return _DATA_R if has_data else _CONST_R


class _ValueClassifier:
    """Name resolution, taint lookup and value classification for one module; `_Analyzer` fills in the
    imports, bindings and taint this reads as it walks the module."""

    aliases: dict[str, str]
    bound: set[str]
    generators: dict[str, str]
    str_consts: dict[str, str]
    taint: list[dict[str, _Taint]]

    # ---- name resolution

    def _resolve_name(self, name: str) -> str:
        if name in self.aliases:
            return self.aliases[name]
        if "rng" in _tokens(name) or name in _RNG_NAMES:
            return "numpy.random.Generator"  # passed in as an argument or built by a helper
        if name in self.bound:
            return "<local>." + name
        if name in _DEFAULT_ALIASES:
            return _DEFAULT_ALIASES[name]
        if name in _SK_GENERATORS:
            return "sklearn.datasets." + name  # from sklearn.datasets import *
        return name

    def _qual(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        parts.reverse()
        if isinstance(node, ast.Name):
            names = [node.id, *parts]
            for i in range(len(names), 0, -1):
                kind = self.generators.get(".".join(names[:i]))
                if kind:
                    return ".".join([kind, *names[i:]])
            return ".".join([self._resolve_name(node.id), *parts])
        if isinstance(node, ast.Call):
            inner = self._qual(node.func)
            if inner is None:
                return None
            kind = _GENERATOR_CTORS.get(inner)
            if kind is None and inner.startswith("torch.distributions."):
                kind = "torch.distributions.Distribution"
            if kind:
                return ".".join([kind, *parts])
        return None

    # ---- taint

    @staticmethod
    def _from_taint(taint: _Taint) -> _Fab:
        desc = f"{taint.desc} (line {taint.line})"
        return _Fab(taint.rule, desc, taint.status == "unreported", scalar=taint.scalar)

    def _get_taint(self, key: str) -> _Taint | None:
        hit = self.taint[-1].get(key)
        if hit is None and len(self.taint) > 1:
            hit = self.taint[0].get(key)
        return hit

    # ---- expressions: is this value fabricated?

    def _classify(self, e: ast.AST, ctx: _Ctx, local: dict | None = None) -> tuple[int, _Fab | None]:
        if isinstance(e, ast.Constant):
            return _CONST_R
        if isinstance(e, ast.Name):
            if local and e.id in local:
                return local[e.id]
            taint = self._get_taint(e.id)
            if taint is not None:
                return _FAB, self._from_taint(taint)
            for name, iterable in reversed(ctx.loop_vars):
                if name == e.id:
                    return _CONST_R if iterable is None or _is_rangeish(iterable) else _DATA_R
            return _CONST_R if _is_scalarish(e.id) else _DATA_R
        if isinstance(e, ast.Attribute):
            key = _dotted(e)
            if key:
                taint = self._get_taint(key)
                if taint is not None:
                    return _FAB, self._from_taint(taint)
            inner = self._classify(e.value, ctx, local)
            if inner[0] == _FAB:
                return inner
            base = _base_name(e)
            if (
                base in _CONFIG_BASES
                or self._resolve_name(base or "").split(".")[0] in _NUMERIC_MODULES
                or _is_scalarish(e.attr)
                or (base == "self" and isinstance(e.value, ast.Attribute) and e.value.attr in _CONFIG_BASES)
            ):
                return _CONST_R
            return _DATA_R
        if isinstance(e, ast.Subscript):
            kind, fab = self._classify(e.value, ctx, local)
            return (kind, fab) if kind == _FAB else (kind, None)
        if isinstance(e, ast.Call):
            return self._classify_call(e, ctx, local)
        if isinstance(e, ast.BinOp):
            return _elementwise([self._classify(e.left, ctx, local), self._classify(e.right, ctx, local)])
        if isinstance(e, ast.UnaryOp):
            return self._classify(e.operand, ctx, local)
        if isinstance(e, ast.BoolOp):
            return _elementwise([self._classify(v, ctx, local) for v in e.values])
        if isinstance(e, ast.Compare):
            return _elementwise([self._classify(v, ctx, local) for v in (e.left, *e.comparators)])
        if isinstance(e, ast.IfExp):
            pos, neg = _polarity(e.test)
            body = _CONST_R if (pos or ctx.derisk) else self._classify(e.body, ctx, local)
            orelse = _CONST_R if (neg or ctx.derisk) else self._classify(e.orelse, ctx, local)
            return _container([body, orelse])
        if isinstance(e, (ast.List, ast.Tuple, ast.Set)):
            return _container([self._classify(v, ctx, local) for v in e.elts])
        if isinstance(e, ast.Dict):
            return _container([self._classify(v, ctx, local) for v in e.values if v is not None])
        if isinstance(e, ast.JoinedStr):
            kind, fab = _container(
                [self._classify(v.value, ctx, local) for v in e.values if isinstance(v, ast.FormattedValue)]
            )
            return (kind, fab) if kind == _FAB else _CONST_R
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._classify_comp(e, ctx, local)
        if isinstance(e, (ast.Starred, ast.NamedExpr, ast.Await)):
            return self._classify(e.value, ctx, local)
        if isinstance(e, ast.Lambda):
            return _CONST_R
        return _DATA_R

    def _classify_call(self, e: ast.Call, ctx: _Ctx, local) -> tuple[int, _Fab | None]:
        func = e.func
        q = self._qual(func)
        fname = _last_name(func)
        style = _random_source(q) if q else None
        if style is not None:
            desc = f"`{_source_text(func)}`"
            if style:
                pop = e.args[0] if e.args else next(
                    (k.value for k in e.keywords if k.arg in ("a", "population", "input", "probs")), None
                )
                if pop is not None:
                    kind, fab = self._classify(pop, ctx, local)
                    if kind == _FAB:
                        return _FAB, fab
                    # Choosing from real data is subsampling; sampling from model output is generation.
                    if kind == _DATA and (style == "probs" or _data_expr(pop)):
                        return _DATA_R
            if q.rpartition(".")[2] in _INTEGER_DRAWS and _bounded_by_existing_data(e):
                return _DATA_R  # random row numbers into data that exists: minibatch or bootstrap indices
            return _FAB, _Fab("random-data", desc, True, True, _scalar_draw(q, e))
        if q and _is_sk_generator(q):
            return _FAB, _Fab("sklearn-generator", f"`{fname}`", False)
        if fname and _FAKE_DATASET_RE.match(fname):
            return _FAB, _Fab("fake-dataset", f"`{fname}`", False)
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in _INPLACE_RANDOM:
                kind, fab = self._classify(receiver, ctx, local)
                if kind == _FAB:
                    return _FAB, fab
                if kind == _CONST or isinstance(receiver, ast.Call):
                    return _FAB, _Fab("random-data", f"`.{func.attr}()`", True, True)
                return _DATA_R
            kind, fab = self._classify(receiver, ctx, local)
            if kind == _FAB:
                return _FAB, (replace(fab, scalar=True) if func.attr == "item" else fab)
            if func.attr in ("format", "join") and kind == _CONST:
                args = [self._classify(a, ctx, local) for a in (*e.args, *(k.value for k in e.keywords))]
                res = _container(args)
                return res if res[0] == _FAB else _CONST_R
        if fname == "map" and len(e.args) >= 2 and isinstance(e.args[0], ast.Lambda):
            return self._classify_map(e.args[0], e.args[1:], ctx, local)
        args = [self._classify(a, ctx, local) for a in (*e.args, *(k.value for k in e.keywords))]
        if fname in _CONTAINERS:
            return _container(args)
        if fname in _CONSTRUCTORS:
            return _CONST_R
        if fname and fname.startswith(_LOADER_PREFIXES):
            return _DATA_R
        if q and q.split(".")[0] in _NUMERIC_MODULES:
            return _elementwise(args) if args else _CONST_R
        return _DATA_R

    def _classify_comp(self, e, ctx: _Ctx, local) -> tuple[int, _Fab | None]:
        scope = dict(local or {})
        for gen in e.generators:
            it = self._classify(gen.iter, ctx, scope)
            for name, iterable in _bind_loop(gen.target, gen.iter):
                if it[0] == _FAB:
                    scope[name] = it
                elif iterable is None or _is_rangeish(iterable):
                    scope[name] = _CONST_R
                else:
                    scope[name] = _DATA_R
        elts = [e.key, e.value] if isinstance(e, ast.DictComp) else [e.elt]
        result = _container([self._classify(x, ctx, scope) for x in elts])
        if result[0] == _FAB:
            return result
        bindings = tuple(p for gen in e.generators for p in _bind_loop(gen.target, gen.iter))
        for x in elts:
            fab = self._templated(x, bindings)
            if fab is not None:
                return _FAB, fab
        return result

    def _classify_map(self, fn: ast.Lambda, iterables, ctx: _Ctx, local) -> tuple[int, _Fab | None]:
        """`map(lambda t: f"...{t}...", titles)` is a comprehension in another spelling."""
        params = [a.arg for a in fn.args.args]
        bindings = tuple(zip(params, iterables))
        scope = dict(local or {})
        for name, iterable in bindings:
            scope[name] = _CONST_R if _is_rangeish(iterable) else _DATA_R
        result = self._classify(fn.body, ctx, scope)
        if result[0] == _FAB:
            return _FAB, replace(result[1], scalar=False)
        fab = self._templated(fn.body, bindings)
        return (_FAB, fab) if fab else _DATA_R

    def _templated(self, node: ast.AST, bindings: tuple) -> _Fab | None:
        found = self._template(node)
        if found is None:
            return None
        static, placeholders = found
        loop_map = dict(bindings)
        over_range = any(it is None or _is_rangeish(it) for _, it in bindings)
        if not _content_like(static, over_range):
            return None
        if any(_text_placeholder(ph, loop_map) for ph in placeholders):
            return None
        return _Fab("templated-data", _fmt_template(static), True)

    def _template(self, node: ast.AST) -> tuple[str, list[ast.AST]] | None:
        if isinstance(node, ast.JoinedStr):
            parts, holes = [], []
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    parts.append(v.value)
                elif isinstance(v, ast.FormattedValue):
                    parts.append("{}")
                    holes.append(v.value)
            return ("".join(parts), holes) if holes else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            text = self._const_str(node.func.value)
            if text is not None:
                return re.sub(r"\{[^{}]*\}", "{}", text), [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            text = self._const_str(node.left)
            if text is not None:
                holes = list(node.right.elts) if isinstance(node.right, ast.Tuple) else [node.right]
                return re.sub(r"%[-+ #0-9.]*[sdifr]", "{}", text), holes
        if isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                found = self._template(elt)
                if found:
                    return found
        if isinstance(node, ast.Dict):
            for v in node.values:
                found = self._template(v) if v is not None else None
                if found:
                    return found
        return None

    def _const_str(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.str_consts.get(node.id)
