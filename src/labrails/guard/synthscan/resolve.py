"""Cross-module resolution: exempt helpers used only under de-risk, and report fabricating helpers
where they are called rather than where they are defined."""

from __future__ import annotations

from pathlib import Path

from labrails.guard.synthscan.hit import Hit
from labrails.guard.synthscan.vocabulary import _is_fab_name

# The hook path does not import typing; type checkers read this constant as typing.TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.guard.synthscan.analyser import _Analyzer
    from labrails.guard.synthscan.records import _Def, _Ref


def _resolve(analyzers: list[_Analyzer]) -> list[Hit]:
    defs = [d for a in analyzers for d in a.defs]
    by_key = {d.key: d for d in defs}
    refs_by_name: dict[str, list[_Ref]] = {}
    for a in analyzers:
        for r in a.refs:
            refs_by_name.setdefault(r.name, []).append(r)

    def external(d: _Def) -> list[_Ref]:
        return [r for r in refs_by_name.get(d.name, ()) if d.key not in r.chain]

    # A helper is de-risk only if every use sits in a de-risk branch or in another de-risk-only helper.
    exempt: set = set()
    changed = True
    while changed:
        changed = False
        for d in defs:
            if d.key in exempt:
                continue
            uses = external(d)
            if uses and all(r.derisk or any(k in exempt for k in r.chain) for r in uses):
                exempt.add(d.key)
                changed = True

    direct: list[Hit] = []
    moved: list[Hit] = []
    for a in analyzers:
        for c in a.candidates:
            if any(k in exempt for k in c.chain):
                continue
            at_call_sites = False
            for k in reversed(c.chain):
                d = by_key.get(k)
                if d is None or not _is_fab_name(d.name):
                    continue
                # A helper named as a data fabricator is reported where it is used, since the fix
                # is at the call: move it under the de-risk branch or call the real loader.
                live = [r for r in external(d) if not (r.derisk or any(kk in exempt for kk in r.chain))]
                for r in live:
                    rule = "fallback-to-generated" if r.handler else c.rule
                    message = (
                        f"`{d.name}` ({Path(d.path).name}:{d.line}) fabricates data ({c.detail}) "
                        "and is used here outside a de-risk branch."
                    )
                    moved.append(Hit(r.path, r.line, rule, r.snippet, message))
                    at_call_sites = True
                break
            if not at_call_sites:
                direct.append(Hit(c.path, c.line, c.rule, c.snippet, c.message))

    order = {a.path: i for i, a in enumerate(analyzers)}
    taken = {(f.path, f.line) for f in direct}
    seen: set = set()
    out: list[Hit] = []
    for f in [*direct, *(m for m in moved if (m.path, m.line) not in taken)]:
        key = (f.path, f.line, f.rule)
        if key not in seen:
            seen.add(key)
            out.append(f)
    out.sort(key=lambda f: (order.get(f.path, 0), f.line))
    return out
