"""Signatures on the records only the human or the library may write: approvals, data pins, run verdicts.

A record is signed with HMAC-SHA256 under a key kept in the user's configuration directory, outside every
project (``$LABRAILS_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/labrails``, else ``~/.config/labrails``), created on
first use with mode 0600. An agent that edits a signed file, or writes a record of its own, cannot produce a
matching signature without reading that key, and the hook refuses reads of the key directory; so a record
whose signature is missing or wrong counts as absent and is reported as tampering.
"""

from __future__ import annotations

import json
import os

from labrails.core.digest import compare_digest, hmac_sha256
from labrails.core.errors import LabrailsError

# typing.TYPE_CHECKING without importing typing: the hook verifies signatures on every launch check, and
# pathlib, typing, hmac and secrets would cost it more than the check itself.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path
    from typing import Any

KEY_FILE = "signing.key"
SIGNATURE_FIELD = "signature"


def _config_dir() -> str:
    explicit = os.environ.get("LABRAILS_CONFIG_DIR")
    if explicit:
        return os.path.expanduser(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "labrails")


def config_dir() -> Path:
    from pathlib import Path

    return Path(_config_dir())


def key_path() -> Path:
    return config_dir() / KEY_FILE


def _read_key(path: str) -> bytes:
    try:
        with open(path, encoding="ascii") as fh:
            key = bytes.fromhex(fh.read().strip())
    except (OSError, ValueError) as exc:
        raise LabrailsError(
            f"the signing key is unreadable ({exc})", path=path,
            fix="restore it from a backup; deleting it voids every approval and verdict signed with it",
        ) from None
    if len(key) < 16:
        raise LabrailsError("the signing key is too short", path=path, fix="restore it from a backup")
    return key


def load_key(*, create: bool = False) -> bytes | None:
    """The key, or None when it does not exist and ``create`` is false (nothing signed here yet)."""
    path = os.path.join(_config_dir(), KEY_FILE)
    if os.path.isfile(path):
        return _read_key(path)
    if not create:
        return None
    import secrets

    os.makedirs(os.path.dirname(path), exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return _read_key(path)


def _payload(record: Mapping[str, Any], fields: Iterable[str] | None) -> bytes:
    keys = sorted(fields) if fields is not None else sorted(k for k in record if k != SIGNATURE_FIELD)
    return json.dumps({k: record.get(k) for k in keys}, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(record: Mapping[str, Any], fields: Iterable[str] | None = None) -> str:
    """The signature of ``record`` (its ``fields``, or every field but the signature itself)."""
    key = load_key(create=True)
    assert key is not None
    return hmac_sha256(key, _payload(record, fields))


def verify(record: Mapping[str, Any], fields: Iterable[str] | None = None, signature: str | None = None) -> bool:
    """True when ``record`` carries a signature made with this user's key; False for missing or forged ones."""
    signature = signature if signature is not None else record.get(SIGNATURE_FIELD)
    if not isinstance(signature, str) or not signature:
        return False
    key = load_key(create=False)
    if key is None:
        return False
    return compare_digest(hmac_sha256(key, _payload(record, fields)), signature)


def signed(record: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A copy of ``record`` with its signature added."""
    out = dict(record)
    out.pop(SIGNATURE_FIELD, None)
    out[SIGNATURE_FIELD] = sign(out, fields)
    return out


def signed_by_human(record: Mapping[str, Any], *, action: str) -> dict[str, Any]:
    """:func:`signed`, for the records only the human may make (approvals, data pins).

    :func:`labrails.core.human.require_human` asks the person first; this repeats its agent check at the
    moment of signing, so a script that calls the writer behind it (skipping the question) still cannot
    produce a valid approval from inside a coding agent's session.
    """
    from labrails.core.human import NotHuman, agent_detected

    why = agent_detected()
    if why:
        raise NotHuman(f"refusing to {action}: {why}", fix=f"{action} is for the human, in their own terminal: ask them to run it there")
    return signed(record)


def read_rows(path: Path | str, key: str, *, what: str, fix: str) -> list[dict[str, Any]]:
    """The records under ``key`` in a signed-record file (approvals, checkpoints, the data pin); [] when the
    file does not exist. An unreadable file is an error naming it, never an empty list: that would read as
    "nothing was ever approved", which is the one answer an agent could exploit."""
    if not os.path.isfile(path):
        return []
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError) as exc:
        raise LabrailsError(f"{what} is unreadable ({type(exc).__name__}: {exc})", path=path, fix=fix) from None
    rows = data.get(key) if isinstance(data, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
