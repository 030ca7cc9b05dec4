"""The per-file analysis: walks one module's statements, tracks which names hold fabricated values,
and records candidate hits plus the definitions and uses that cross-module resolution needs."""

from __future__ import annotations

import ast
from dataclasses import replace

from labrails.guard.synthscan.astutil import (
    _all_statements,
    _assigned_names,
    _bind_loop,
    _bound_names,
    _children,
    _dotted,
    _is_module_class,
    _last_name,
    _lines,
    _loop_updated,
    _target_names,
)
from labrails.guard.synthscan.classify import _ValueClassifier
from labrails.guard.synthscan.derisk import (
    _exists_fallback,
    _is_main_guard,
    _mentions,
    _pattern_derisk,
    _polarity,
)
from labrails.guard.synthscan.records import _FAB, _Candidate, _Ctx, _Def, _Ref, _Taint
from labrails.guard.synthscan.sources import _is_sk_generator
from labrails.guard.synthscan.vocabulary import (
    _APPEND_METHODS,
    _DATASET_DUNDERS,
    _FAKE_DATASET_RE,
    _GENERATOR_CTORS,
    _SINK_FUNCS,
    _is_data_name,
    _is_fab_name,
    _tokens,
)

# The hook path does not import typing; type checkers read this constant as typing.TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.guard.synthscan.records import _Fab


class _Analyzer(_ValueClassifier):
    """One file: collects candidate hits plus the definitions and uses that `_resolve` needs
    to exempt de-risk-only helpers and to report fabricating helpers where they are called."""

    def __init__(self, tree: ast.Module, source: str, path: str, entry: bool = True):
        self.tree = tree
        self.path = path
        self.entry = entry  # the launched script; in imported modules `if __name__ == "__main__":` never runs
        self.lines = _lines(source)
        self.aliases: dict[str, str] = {}
        self.bound: set[str] = set()
        self.generators: dict[str, str] = {}
        self.str_consts: dict[str, str] = {}
        self.def_names: set[str] = set()
        self.global_def_names: frozenset[str] = frozenset()
        self.candidates: list[_Candidate] = []
        self.defs: list[_Def] = []
        self.refs: list[_Ref] = []
        self.taint: list[dict[str, _Taint]] = [{}]
        self.imports: list[ast.AST] = []
        self._loops: dict[int, frozenset[str]] = {}
        self._prepass(source)

    # ---- setup

    def _prepass(self, source: str) -> None:
        assigns = []
        for node in _all_statements(self.tree):
            if isinstance(node, ast.Import):
                self.imports.append(node)
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                self.imports.append(node)
                module = ("." * node.level) + (node.module or "")
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{module}.{a.name}" if module else a.name
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bound.add(node.name)
                self.def_names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assigns.append((targets, node.value))
                for t in targets:
                    self.bound.update(_bound_names(t))
                if (
                    len(targets) == 1
                    and isinstance(targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                ):
                    self.str_consts[targets[0].id] = node.value.value
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self.bound.update(_bound_names(node.target))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self.bound.update(_bound_names(item.optional_vars))
        if "import_module(" in source or "__import__(" in source:
            for node in ast.walk(self.tree):
                if (
                    isinstance(node, ast.Call)
                    and _last_name(node.func) in ("import_module", "__import__")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    self.imports.append(node)
        for targets, value in assigns:
            if isinstance(value, ast.Call):
                q = self._qual(value.func)
                kind = _GENERATOR_CTORS.get(q or "")
                if kind is None and q and q.startswith("torch.distributions."):
                    kind = "torch.distributions.Distribution"
                if kind:
                    for t in targets:
                        key = _dotted(t)
                        if key:
                            self.generators[key] = kind

    def run(self) -> None:
        self._stmts(self.tree.body, _Ctx(body=tuple(self.tree.body)))

    def _loop_updated(self, ctx: _Ctx) -> frozenset[str]:
        key = id(ctx.body[0]) if ctx.body else 0
        if key not in self._loops:
            self._loops[key] = _loop_updated(list(ctx.body))
        return self._loops[key]

    # ---- recording

    def _snippet(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].strip()[:120]
        return ""

    def _candidate(self, line: int, rule: str, message: str, detail: str, ctx: _Ctx) -> None:
        final = rule
        if ctx.handler:
            final = "fallback-to-generated"
            message = (
                f"When loading real data fails, this code falls back to generated data ({detail}); "
                "a full run must fail loudly instead of training on fabricated data."
            )
        self.candidates.append(
            _Candidate(self.path, line, final, rule, self._snippet(line), message, detail, ctx.chain)
        )

    def _fab_candidate(self, line: int, fab: _Fab, subject: str, ctx: _Ctx) -> None:
        """`subject` names the receiver: "`X_train`", "the value returned by `get_data()`"..."""
        if fab.rule == "templated-data":
            message = (
                f"{subject} is filled in from the string template {fab.desc}, which invents text "
                "instead of using real examples."
            )
        elif fab.rule in ("sklearn-generator", "fake-dataset"):
            message = f"{subject} comes from {fab.desc}, a generator of synthetic samples, not real data."
        else:
            message = (
                f"{subject} is filled with random values from {fab.desc}, which stands in for real "
                "data or labels."
            )
        self._candidate(line, fab.rule, message, f"{fab.desc} into {subject}", ctx)

    # ---- statements

    def _stmts(self, body: list[ast.stmt], ctx: _Ctx) -> None:
        for stmt in body:
            self._stmt(stmt, ctx)

    def _stmt(self, node: ast.stmt, ctx: _Ctx) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node, ctx)
        elif isinstance(node, ast.ClassDef):
            self._class(node, ctx)
        elif isinstance(node, ast.Assign):
            self._walk(node.value, ctx)
            for t in node.targets:
                self._walk(t, ctx)
            self._assign(node.targets, node.value, node.lineno, ctx)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._walk(node.value, ctx)
                self._assign([node.target], node.value, node.lineno, ctx)
        elif isinstance(node, ast.AugAssign):
            self._walk(node.value, ctx)
            self._walk(node.target, ctx)
            # `data += [random.random() for ...]` grows the dataset; `x += noise` only perturbs it.
            if isinstance(node.op, ast.Add) and isinstance(
                node.value, (ast.List, ast.ListComp, ast.GeneratorExp, ast.Tuple)
            ):
                self._assign([node.target], node.value, node.lineno, ctx, update_taint=False)
        elif isinstance(node, ast.If):
            self._walk(node.test, ctx)
            pos, neg = _polarity(node.test)
            if not self.entry and _is_main_guard(node.test):
                pos = True
            fb_body, fb_else = _exists_fallback(node.test)
            self._stmts(node.body, self._branch(ctx, pos, fb_body, node.orelse))
            self._stmts(node.orelse, self._branch(ctx, neg, fb_else, node.body))
        elif isinstance(node, (ast.Try, ast.TryStar)):
            self._stmts(node.body, ctx)
            hctx = replace(ctx, handler=True, try_assigned=ctx.try_assigned | _assigned_names(node.body))
            for handler in node.handlers:
                if handler.type is not None:
                    self._walk(handler.type, ctx)
                self._stmts(handler.body, hctx)
            self._stmts(node.orelse, ctx)
            self._stmts(node.finalbody, ctx)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._walk(node.iter, ctx)
            lctx = replace(ctx, loop_vars=ctx.loop_vars + tuple(_bind_loop(node.target, node.iter)))
            self._stmts(node.body, lctx)
            self._stmts(node.orelse, ctx)
        elif isinstance(node, ast.While):
            self._walk(node.test, ctx)
            pos, _ = _polarity(node.test)
            self._stmts(node.body, replace(ctx, derisk=True) if pos else ctx)
            self._stmts(node.orelse, ctx)
        elif isinstance(node, ast.Match):
            self._walk(node.subject, ctx)
            subject = _mentions(node.subject)
            for case in node.cases:
                pos = _pattern_derisk(case.pattern, subject)
                if case.guard is not None:
                    self._walk(case.guard, ctx)
                    pos = pos or _polarity(case.guard)[0]
                self._stmts(case.body, replace(ctx, derisk=True) if pos else ctx)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self._walk(node.value, ctx)
                self._produced(node.value, node.lineno, ctx, "returned")
        else:
            for child in _children(node):
                if isinstance(child, ast.stmt):
                    self._stmt(child, ctx)
                else:
                    self._walk(child, ctx)

    def _branch(self, ctx: _Ctx, derisk: bool, fallback: bool, other: list[ast.stmt]) -> _Ctx:
        if not derisk and not fallback:
            return ctx
        if fallback:
            return replace(
                ctx,
                derisk=ctx.derisk or derisk,
                handler=True,
                try_assigned=ctx.try_assigned | _assigned_names(other),
            )
        return replace(ctx, derisk=True)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        for dec in node.decorator_list:
            self._walk(dec, ctx)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self._walk(default, ctx)
        name = node.name
        qual = ctx.qual + (name,)
        key = (self.path, ".".join(qual))
        self.defs.append(_Def(key, name, self.path, node.lineno))
        # nn.Module methods draw weights and sampling noise; only their data hooks can fabricate data.
        module_method = ctx.module_method or (
            ctx.class_body
            and ctx.class_module
            and not (_is_data_name(name) or "loader" in name or name in ("setup", "prepare_data"))
        )
        data_func = _is_data_name(name) or _is_fab_name(name) or (ctx.class_body and name in _DATASET_DUNDERS)
        fctx = replace(
            ctx,
            chain=ctx.chain + (key,),
            qual=qual,
            data_func=data_func,
            module_method=module_method,
            class_body=False,
            loop_vars=(),
            body=tuple(node.body),
        )
        self.taint.append({})
        self._stmts(node.body, fctx)
        self.taint.pop()

    def _class(self, node: ast.ClassDef, ctx: _Ctx) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self._walk(expr, ctx)
        qual = ctx.qual + (node.name,)
        key = (self.path, ".".join(qual))
        self.defs.append(_Def(key, node.name, self.path, node.lineno))
        cctx = replace(
            ctx,
            chain=ctx.chain + (key,),
            qual=qual,
            data_func=False,
            module_method=False,
            class_body=True,
            class_module=_is_module_class(node),
            loop_vars=(),
        )
        self.taint.append({})
        self._stmts(node.body, cctx)
        self.taint.pop()

    def _assign(self, targets, value, line: int, ctx: _Ctx, update_taint: bool = True) -> None:
        pairs = []
        for t in targets:
            if (
                isinstance(t, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(t.elts) == len(value.elts)
                and not any(isinstance(e, ast.Starred) for e in (*t.elts, *value.elts))
            ):
                pairs.extend(zip(t.elts, value.elts))
            else:
                pairs.append((t, value))
        reported = False
        cache: dict[int, tuple] = {}
        for target, val in pairs:
            if id(val) not in cache:
                cache[id(val)] = self._classify(val, ctx)
            kind, fab = cache[id(val)]
            names = list(_target_names(target))
            if kind != _FAB:
                if update_taint:
                    for key, _ in names:
                        if key:
                            self.taint[-1].pop(key, None)
                continue
            exempt = ctx.derisk or ctx.module_method
            status = "exempt" if exempt else ("unreported" if fab.report else "reported")
            if fab.report and not exempt and not fab.scalar:
                for key, shown in names:
                    if not (_is_data_name(shown) or (ctx.handler and shown in ctx.try_assigned)):
                        continue
                    if fab.direct_random and key in self._loop_updated(ctx):
                        status = "exempt"
                        continue
                    if not reported:
                        self._fab_candidate(line, fab, f"`{shown}`", ctx)
                        reported = True
                    status = "reported"
            if update_taint:
                for key, _ in names:
                    if key:
                        self.taint[-1][key] = _Taint(fab.rule, fab.desc, line, status, fab.scalar)

    def _produced(self, value: ast.AST, line: int, ctx: _Ctx, verb: str) -> None:
        """A return/yield of fabricated values from a function that hands out data."""
        # In an except branch, whatever is returned replaces the data the try failed to produce.
        if not (ctx.data_func or ctx.handler) or ctx.derisk or ctx.module_method:
            return
        kind, fab = self._classify(value, ctx)
        if kind == _FAB and fab.report:
            func = ctx.qual[-1] if ctx.qual else "<module>"
            self._fab_candidate(line, fab, f"the value {verb} by `{func}()`", ctx)

    # ---- expressions: references and sinks

    def _walk(self, node: ast.AST, ctx: _Ctx) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self._reference(node.id, node, ctx)
            return
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                self._reference(node.attr, node, ctx)
            self._walk(node.value, ctx)
            return
        if isinstance(node, ast.IfExp):
            self._walk(node.test, ctx)
            pos, neg = _polarity(node.test)
            self._walk(node.body, replace(ctx, derisk=True) if pos else ctx)
            self._walk(node.orelse, replace(ctx, derisk=True) if neg else ctx)
            return
        if isinstance(node, ast.Call):
            self._sinks(node, ctx)
        elif isinstance(node, (ast.Yield, ast.YieldFrom)) and node.value is not None:
            self._produced(node.value, node.lineno, ctx, "yielded")
        for child in _children(node):
            self._walk(child, ctx)

    def _reference(self, name: str, node: ast.Name | ast.Attribute, ctx: _Ctx) -> None:
        line = node.lineno
        if name in self.global_def_names:
            self.refs.append(
                _Ref(name, self.path, line, self._snippet(line), ctx.chain, ctx.derisk, ctx.handler)
            )
        if ctx.derisk:
            return
        maybe_generator = name.startswith("make_") or (isinstance(node, ast.Name) and name in self.aliases)
        qual = self._qual(node) if maybe_generator else None
        if qual and _is_sk_generator(qual):
            real = qual.rpartition(".")[2]
            shown = f"`{name}`" if real == name else f"`{name}` ({real})"
            self._candidate(
                line,
                "sklearn-generator",
                f"{shown} is a scikit-learn synthetic sample generator; outside a de-risk branch "
                "it replaces the real dataset with generated points.",
                shown,
                ctx,
            )
        elif _FAKE_DATASET_RE.match(name):
            self._candidate(
                line,
                "fake-dataset",
                f"`{name}` is a fake dataset class that yields generated samples instead of real data.",
                f"`{name}`",
                ctx,
            )

    def _sinks(self, call: ast.Call, ctx: _Ctx) -> None:
        if ctx.derisk or ctx.module_method:
            return
        func = call.func
        fname = _last_name(func)
        if isinstance(func, ast.Attribute) and func.attr in _APPEND_METHODS and call.args:
            receiver = _last_name(func.value)
            if receiver and (
                _is_data_name(receiver) or (ctx.handler and receiver in ctx.try_assigned)
            ):
                for arg in call.args:
                    kind, fab = self._classify(arg, ctx)
                    if kind != _FAB and ctx.loop_vars:
                        fab = self._templated(arg, ctx.loop_vars)
                        kind = _FAB if fab else kind
                    if kind == _FAB and fab.report:
                        self._fab_candidate(call.lineno, fab, f"`{receiver}`", ctx)
                        return
        if fname in _SINK_FUNCS:
            for arg in call.args:
                kind, fab = self._classify(arg, ctx)
                if kind == _FAB and fab.report:
                    self._fab_candidate(call.lineno, fab, f"the data passed to `{fname}()`", ctx)
                    return
        for kw in call.keywords:
            if kw.arg and _is_data_name(kw.arg) and not _tokens(kw.arg) & {"input", "inputs"}:
                kind, fab = self._classify(kw.value, ctx)
                if kind == _FAB and fab.report:
                    self._fab_candidate(call.lineno, fab, f"`{kw.arg}=`", ctx)
                    return
