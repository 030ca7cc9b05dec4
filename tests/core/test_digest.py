"""The hook's own SHA-256 and HMAC give the bytes hashlib and hmac give, so no signature changes."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from labrails.core import digest

MESSAGES = [b"", b"a", b"abc", b"x" * 55, b"x" * 56, b"x" * 64, b"x" * 65, bytes(range(256)) * 40]
KEYS = [b"", b"k", b"k" * 16, b"k" * 32, b"k" * 64, b"k" * 65, bytes(range(200))]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{len(m)}-bytes")
def test_sha256_and_sha1_match_hashlib(message):
    assert digest.sha256(message).hexdigest() == hashlib.sha256(message).hexdigest()
    assert digest.sha256_hex(message) == hashlib.sha256(message).hexdigest()
    assert digest.sha1(message).hexdigest() == hashlib.sha1(message).hexdigest()


def test_sha256_hashes_in_pieces_like_hashlib():
    h = digest.sha256()
    for piece in MESSAGES:
        h.update(piece)
    assert h.hexdigest() == hashlib.sha256(b"".join(MESSAGES)).hexdigest()


@pytest.mark.parametrize("key", KEYS, ids=lambda k: f"key-{len(k)}-bytes")
@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{len(m)}-bytes")
def test_hmac_sha256_matches_the_hmac_module(key, message):
    assert digest.hmac_sha256(key, message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_compare_digest_tells_equal_from_different():
    a = digest.hmac_sha256(b"key", b"record")
    assert digest.compare_digest(a, hmac.new(b"key", b"record", hashlib.sha256).hexdigest())
    assert not digest.compare_digest(a, digest.hmac_sha256(b"key", b"record!"))
