"""Run verdicts the library signs, and the check that a registry row's verdict is genuine.

Two facts about a run decide whether a later run may start: it *completed* (with its duration, budget,
code version, config and data), and its *review passed*. The library writes each as a signed record in the
run's registry row (``completed_verdict`` at ``run.finish``, ``review_verdict`` at ``review_run``), signed
with :mod:`labrails.core.signing`. Whoever reads them (the policy, ``labrails status``, the review) calls
:func:`completion` / :func:`review`: a verdict that is missing, signed with another key, or that disagrees
with the row it sits in counts as absent, and the reason is reported as tampering. So an edited run.json,
a rebuilt registry or a row appended by a script never turns into a passing de-risk run.
"""

from __future__ import annotations

from labrails.core import signing

COMPLETED = "completed_verdict"
REVIEWED = "review_verdict"
# What a completion verdict vouches for; a row whose copy of these differs was edited after signing.
_COMPLETION_KEYS = ("run", "identity", "profile", "code_version", "config_file_sha256", "status")
_REVIEW_KEYS = ("run", "identity")


def sign_completion(info: dict) -> dict:
    """The registry fields that record ``info`` (a run.json that just reached completed) as signed."""
    record = {k: info.get(k) for k in _COMPLETION_KEYS}
    record.update(kind="completed", duration_s=info.get("duration_s"), budget_seconds=info.get("budget_seconds"),
                  data_fingerprint=info.get("data_fingerprint"), finished_at=info.get("finished_at"))
    return {COMPLETED: signing.signed(record)}


def sign_review(info: dict, *, passed: bool, reviewed_at: str, headline: str) -> dict:
    """The registry fields that record a finished review of the run ``info`` as signed."""
    record = {k: info.get(k) for k in _REVIEW_KEYS}
    record.update(kind="review", passed=bool(passed), reviewed_at=reviewed_at, headline=headline)
    return {REVIEWED: signing.signed(record)}


def _check(row: dict, field: str, keys: tuple[str, ...]) -> tuple[dict | None, str | None]:
    verdict = row.get(field)
    what = "completion" if field == COMPLETED else "review"
    if not isinstance(verdict, dict):
        return None, f"its {what} verdict is not signed"
    if not signing.verify(verdict):
        if signing.load_key(create=False) is None:
            return None, (f"its {what} verdict cannot be checked: the signing key {signing.key_path()} is missing "
                          "(restore it from a backup)")
        return None, f"its {what} verdict's signature does not match (edited, or signed with another key)"
    differs = [k for k in keys if k in row and row.get(k) != verdict.get(k)]
    if differs:
        return None, f"its row was edited after its {what} verdict was signed ({', '.join(differs)})"
    return verdict, None


def completion(row: dict) -> tuple[dict | None, str | None]:
    """(the signed completion verdict, None), or (None, why it does not count) for a row marked completed.

    A row not marked completed has no completion to vouch for: (None, None).
    """
    if row.get("status") != "completed":
        return None, None
    return _check(row, COMPLETED, _COMPLETION_KEYS)


def review(row: dict) -> tuple[dict | None, str | None]:
    """(the signed review verdict, None), (None, None) when never reviewed, or (None, why it does not count)."""
    if row.get(REVIEWED) is None:
        return None, None
    return _check(row, REVIEWED, _REVIEW_KEYS)


def tampering(rows: dict) -> list[str]:
    """One line per registry row whose verdicts do not hold (each names the run and what is wrong)."""
    out = []
    for name, row in sorted(rows.items()):
        if not isinstance(row, dict):
            out.append(f"registry row {name!r} is not a record")
            continue
        for check in (completion, review):
            _, problem = check(row)
            if problem:
                out.append(f"run {name}: {problem}")
    return out
