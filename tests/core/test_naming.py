"""Run names: timestamped, sanitized, and the profile they imply."""

import pytest

from labrails.core.naming import NameProblem, profile_from_name, run_dir_name, sanitize


@pytest.mark.parametrize(
    "raw, clean",
    [("de-risk", "de-risk"), ("full lr=3e-4", "full-lr-3e-4"), ("../../etc/passwd", "etc-passwd"), ("a/b", "a-b")],
)
def test_sanitize(raw, clean):
    assert sanitize(raw)[0] == clean


def test_sanitize_reports_changes_and_shortens():
    name, notes = sanitize("x" * 300)
    assert len(name) == 80 and any("shortened" in n for n in notes)
    assert sanitize("../x")[1]  # the '..' removal is reported


def test_sanitize_rejects_names_with_nothing_left():
    with pytest.raises(NameProblem):
        sanitize("../..//")


def test_run_dir_name_is_iso_timestamped():
    from datetime import datetime

    assert run_dir_name("full", datetime(2026, 2, 3, 9, 0, 0)) == "2026-02-03T09-00-00-full"


@pytest.mark.parametrize(
    "name, profile",
    [("de-risk", "de-risk"), ("de-risk-lr-sweep", "de-risk"), ("full", "full"), ("full-seed43", "full"), ("derisk", "de-risk"),
     ("fullish", None), ("baseline", None)],
)
def test_profile_from_name(name, profile):
    assert profile_from_name(name, ["de-risk", "full"]) == profile
