"""SHA-256, SHA-1 and HMAC-SHA256 without loading OpenSSL.

``hashlib`` and ``hmac`` load ``_hashlib`` (OpenSSL), which costs a few milliseconds on every hook call
that hashes (the de-risk check, signed approvals, the YAML cache). CPython also ships its own small
implementations (``_sha2`` from 3.12, ``_sha256`` before; ``_sha1``); they give the same digests, and a
Python built without them falls back to ``hashlib``. HMAC is RFC 2104 over that SHA-256, so a signature
is the same bytes ``hmac.new(key, msg, hashlib.sha256)`` gives.
"""

from __future__ import annotations

try:
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:
        from hashlib import sha256
try:
    from _sha1 import sha1
except ImportError:
    from hashlib import sha1
try:
    from _operator import _compare_digest as compare_digest
except ImportError:
    from hmac import compare_digest

__all__ = ["compare_digest", "hmac_sha256", "sha1", "sha256", "sha256_hex"]

_BLOCK = 64  # SHA-256's block size in bytes
_OUTER = bytes(x ^ 0x5C for x in range(256))
_INNER = bytes(x ^ 0x36 for x in range(256))


def sha256_hex(data: bytes) -> str:
    return sha256(data).hexdigest()


def hmac_sha256(key: bytes, message: bytes) -> str:
    """The hex HMAC-SHA256 of ``message`` under ``key``, as ``hmac.new(key, message, hashlib.sha256).hexdigest()``."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_INNER) + message).digest()
    return sha256(key.translate(_OUTER) + inner).hexdigest()
