"""File and folder names built from user data (group labels, sample ids, input ids).

Those values can hold anything: slashes, ``..``, newlines, 2,000-character prompts, two labels that differ
only in case. Every name that becomes a path goes through here so that a drill-down can never write
outside its run folder, and so two different values never share a folder (also on case-insensitive
file systems such as macOS and Windows).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

# \w is Unicode-aware, so non-Latin labels stay readable; it excludes separators and control characters.
_UNSAFE = re.compile(r"[^\w.\-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)}
MAX_NAME_BYTES = 80


def short_hash(value: object, length: int = 8) -> str:
    return hashlib.sha1(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _truncate_bytes(text: str, limit: int) -> str:
    # Cut on the encoded length: file systems limit bytes (usually 255), and one character can be 4 bytes.
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def safe_name(name: object, *, max_len: int = MAX_NAME_BYTES) -> str:
    """A single path component for ``name``: no separators, no ``..``, no control characters, at most
    ``max_len`` UTF-8 bytes. Long names keep a readable prefix and end in a hash of the full value.

    Different values can map to the same safe name ("a/b" and "a_b"); use :func:`safe_names` when
    several names share a folder.
    """
    original = str(name)
    text = unicodedata.normalize("NFC", original)
    text = _UNSAFE.sub("_", text)
    # A leading dot would make ".." (the parent) or a hidden file; trailing dots vanish on Windows.
    text = re.sub(r"^\.+", "_", text)
    text = re.sub(r"\.+$", "_", text)
    if not text:
        text = "_"
    if text.split(".")[0].lower() in _WINDOWS_RESERVED:
        text = "_" + text
    if len(text.encode("utf-8")) > max_len:
        suffix = "-" + short_hash(original)
        text = _truncate_bytes(text, max_len - len(suffix)) + suffix
    return text


def safe_names(
    values: Iterable[object], *, max_len: int = MAX_NAME_BYTES, reserved: Iterable[str] = ()
) -> list[str]:
    """Safe names for values that will sit in one folder, aligned with ``values``.

    Equal values get equal names. Distinct values whose safe names would collide (case-insensitively)
    or hit a ``reserved`` name all get a short hash of their original value appended, so the result
    does not depend on which of them came first.
    """
    originals = [str(v) for v in values]
    distinct = list(dict.fromkeys(originals))
    base = {o: safe_name(o, max_len=max_len) for o in distinct}
    taken_by: dict[str, list[str]] = {}
    for o in distinct:
        taken_by.setdefault(base[o].casefold(), []).append(o)
    blocked = {r.casefold() for r in reserved}

    final: dict[str, str] = {}
    used: set[str] = set()
    for o in distinct:
        name = base[o]
        key = name.casefold()
        if len(taken_by[key]) > 1 or key in blocked or key in used:
            length = 8
            while True:
                suffix = "-" + short_hash(o, length)
                name = _truncate_bytes(base[o], max_len - len(suffix)) + suffix
                if name.casefold() not in used and name.casefold() not in blocked:
                    break
                length += 4
        final[o] = name
        used.add(name.casefold())
    return [final[o] for o in originals]


def bucket_of(value: object, width: int = 2) -> str:
    """A stable sub-folder for ``value`` (hex prefix of a hash), used to keep folders small."""
    return hashlib.md5(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:width]


def bucket_width(count: int, per_folder: int) -> int:
    """Hex characters of bucket prefix needed so ``count`` entries spread to about ``per_folder`` each."""
    width = 2
    while count / (16**width) > per_folder:
        width += 1
    return width
