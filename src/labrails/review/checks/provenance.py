"""Provenance check: synthetic data is a blocker outside the profiles the spec allows it in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


@check("data")
def _data(ctx: Context) -> list[Finding]:
    if ctx.data is None:
        return []
    allowed = ctx.spec.synthetic_allowed_in if ctx.spec is not None else ("de-risk",)
    if ctx.data.get("synthetic") and ctx.info.get("profile") not in allowed:
        return [Finding("data", "blocker", f"synthetic data in a '{ctx.info.get('profile')}' run ({ctx.data.get('source')})", "data.json")]
    if ctx.data.get("synthetic"):
        return [Finding("data", "note", "this run used synthetic data (allowed for its profile); its numbers say nothing about the real data", "data.json")]
    return []
