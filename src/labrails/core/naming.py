"""Run names: ``YYYY-MM-DDTHH-MM-SSZ-<descriptive-name>`` (UTC, marked ``Z``), and the profile a name implies.

The time is UTC so names sort the same on every machine and never repeat or run backwards at a
daylight-saving change. Names made before the ``Z`` (local time, no marker) are still read everywhere.
Which run is the latest comes from the registry's start order (:meth:`Registry.latest`), not from names.
"""

from __future__ import annotations

import re

# typing.TYPE_CHECKING without importing typing; datetime loads only where a name is made, since the
# hook imports this module to read names.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime

MAX_NAME = 80
_STAMP = "%Y-%m-%dT%H-%M-%SZ"
# With or without the "Z": names made before run names were in UTC carry local time and no marker.
_STAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z?-")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class NameProblem(ValueError):
    pass


def sanitize(descriptive: str) -> tuple[str, list[str]]:
    """Return a safe descriptive name and the list of changes made (empty when it was already safe).

    Path separators and ``..`` never survive; an empty result is an error because a run must say what
    it is for.
    """
    notes: list[str] = []
    import unicodedata  # only names need it; the hook imports this module for runs alone

    name = unicodedata.normalize("NFKC", descriptive).strip()
    if name != descriptive.strip():
        notes.append("look-alike characters replaced by their plain forms")
    if "/" in name or "\\" in name:
        notes.append("path separators replaced with '-'")
    if ".." in name:
        notes.append("'..' removed")
        name = name.replace("..", "")
    cleaned = _UNSAFE.sub("-", name).strip("-.")
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    if cleaned != name and not notes:
        notes.append("characters other than letters, digits, '.', '_' and '-' replaced with '-'")
    if len(cleaned) > MAX_NAME:
        notes.append(f"shortened to {MAX_NAME} characters")
        cleaned = cleaned[:MAX_NAME].rstrip("-.")
    if not cleaned:
        raise NameProblem(
            f"descriptive name {descriptive!r} has no usable characters; "
            "name the run for what it does, e.g. 'de-risk' or 'full-lr3e-4'"
        )
    return cleaned, notes


def timestamp(now: datetime | None = None) -> str:
    """``now`` (default: this instant) in UTC; a naive datetime is taken as UTC already."""
    from datetime import datetime, timezone

    now = now or datetime.now(timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc)
    return now.strftime(_STAMP)


def run_dir_name(descriptive: str, now: datetime | None = None) -> str:
    return f"{timestamp(now)}-{descriptive}"


def descriptive_part(run_name: str) -> str:
    return _STAMP_RE.sub("", run_name, count=1)


def is_run_name(name: str) -> bool:
    return bool(_STAMP_RE.match(name))


def profile_from_name(descriptive: str, profiles: list[str]) -> str | None:
    """The profile a descriptive name implies: the longest profile name it starts with.

    ``de-risk``, ``de-risk-lr-sweep`` -> de-risk; ``full-seed43`` -> full; ``tweak`` -> None. The name is
    tidied first, exactly as a run would tidy it (``'full '``, ``full@seed2``, a zero-width space -> full),
    so the guard and the library agree on what a launch is; case does not matter.
    """
    try:
        lowered = sanitize(descriptive)[0].lower()
    except NameProblem:
        return None
    for profile in sorted(profiles, key=len, reverse=True):
        p = profile.lower()
        if lowered == p or lowered.startswith(p + "-") or lowered.startswith(p + "_") or lowered.startswith(p + "."):
            return profile
    if "derisk" in profiles or "de-risk" in profiles:
        if lowered.startswith("derisk") or lowered.startswith("smoke"):
            return "de-risk" if "de-risk" in profiles else "derisk"
    return None


def did_you_mean(word: str, choices, *, prefix: bool = False) -> str | None:
    """The one of ``choices`` closest to a mistyped ``word`` (case ignored), or None when none is close.

    With ``prefix``, ``word`` is a run name that should start with a choice (``fulll-lr3`` -> full): each
    choice is compared with the name's start of about the same length.
    """
    import difflib  # only error messages need it; the hook imports this module

    best, best_ratio = None, 0.0
    lowered = str(word).lower()
    for choice in map(str, choices):
        target = choice.lower()
        spans = (len(target) - 1, len(target), len(target) + 1) if prefix else (len(lowered),)
        for span in spans:
            ratio = difflib.SequenceMatcher(None, lowered[:span], target).ratio()
            if ratio > best_ratio:
                best, best_ratio = choice, ratio
    return best if best_ratio >= 0.6 and best != word else None


def suggestion(word: str, choices, *, prefix: bool = False) -> str:
    """``"; did you mean 'full'?"`` for a message about ``word``, or ``""``."""
    close = did_you_mean(word, choices, prefix=prefix)
    return f"; did you mean '{close}'?" if close else ""
