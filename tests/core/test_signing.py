"""Signed records: what the library or the human signs verifies; an edit or a record made elsewhere does not."""

from __future__ import annotations

import stat

import pytest

from labrails.core import signing


def test_a_signed_record_verifies_and_an_edited_one_does_not():
    record = signing.signed({"run": "2026-01-01T00-00-00Z-de-risk", "status": "completed", "review_passed": True})
    assert signing.verify(record)
    assert not signing.verify({**record, "status": "failed"})
    assert not signing.verify({k: v for k, v in record.items() if k != "signature"})


def test_a_signature_covers_only_the_named_fields():
    record = {"phase": "data-prep", "spec_sha256": "ab" * 32, "note": "looks good"}
    sig = signing.sign(record, fields=["phase", "spec_sha256"])
    assert signing.verify({**record, "note": "edited later"}, fields=["phase", "spec_sha256"], signature=sig)
    assert not signing.verify({**record, "phase": "full"}, fields=["phase", "spec_sha256"], signature=sig)


def test_the_key_is_private_and_made_once(tmp_path, monkeypatch):
    monkeypatch.setenv("LABRAILS_CONFIG_DIR", str(tmp_path / "config"))
    assert signing.load_key() is None  # nothing is created by merely checking
    first = signing.load_key(create=True)
    assert signing.load_key() == first
    assert stat.S_IMODE(signing.key_path().stat().st_mode) == 0o600


def test_a_record_signed_with_another_key_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("LABRAILS_CONFIG_DIR", str(tmp_path / "agent-made"))
    forged = signing.signed({"phase": "full", "by": "someone"})
    monkeypatch.setenv("LABRAILS_CONFIG_DIR", str(tmp_path / "human"))
    signing.load_key(create=True)
    assert not signing.verify(forged)


def test_a_script_that_skips_the_question_still_cannot_sign_an_approval_inside_an_agent(tmp_path, monkeypatch):
    # The writers behind `labrails approve` and `labrails data pin`, called directly, as a script could.
    from labrails.core import approvals, datapin
    from labrails.core.human import NotHuman

    monkeypatch.setenv("CLAUDECODE", "1")
    state = tmp_path / ".labrails"
    with pytest.raises(NotHuman, match="Claude Code environment"):
        approvals._append_approval(state, "full", "ab" * 32, checkpoints=None, by="human", note="")
    with pytest.raises(NotHuman, match="Claude Code environment"):
        datapin._write_pin(state, tmp_path, "2026-01-01T00-00-00Z-de-risk", {"fingerprint": "f" * 64}, by="human")
    assert not approvals.approvals_path(state).exists() and not datapin.pin_path(state).exists()
    with pytest.raises(NotHuman):
        signing.signed_by_human({"phase": "full"}, action="approve phase 'full'")
    monkeypatch.delenv("CLAUDECODE")
    assert signing.verify(signing.signed_by_human({"phase": "full"}, action="approve phase 'full'"))
