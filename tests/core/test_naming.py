"""Run names: timestamped, sanitized, and the profile they imply."""

import pytest

from labrails.core.naming import NameProblem, did_you_mean, profile_from_name, run_dir_name, sanitize


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


def test_run_dir_name_is_a_utc_timestamp_with_its_marker():
    from datetime import datetime, timedelta, timezone

    assert run_dir_name("full", datetime(2026, 2, 3, 9, 0, 0, tzinfo=timezone.utc)) == "2026-02-03T09-00-00Z-full"
    paris = timezone(timedelta(hours=1))
    assert run_dir_name("full", datetime(2026, 2, 3, 10, 0, 0, tzinfo=paris)) == "2026-02-03T09-00-00Z-full"


@pytest.mark.parametrize("name", ["2026-02-03T09-00-00Z-de-risk-seed42", "2026-02-03T09-00-00-de-risk-seed42"])
def test_new_and_old_run_names_are_both_read(name):
    from labrails.core.naming import descriptive_part, is_run_name

    assert is_run_name(name) and descriptive_part(name) == "de-risk-seed42"


def test_names_before_and_after_the_marker_sort_by_time_of_day():
    from labrails.core.naming import run_dir_name

    old, new = "2026-02-03T09-00-00-full", run_dir_name("full")
    assert sorted([new, old]) == [old, new]


@pytest.mark.parametrize(
    "name, profile",
    [("de-risk", "de-risk"), ("de-risk-lr-sweep", "de-risk"), ("full", "full"), ("full-seed43", "full"), ("derisk", "de-risk"),
     ("fullish", None), ("baseline", None)],
)
def test_profile_from_name(name, profile):
    assert profile_from_name(name, ["de-risk", "full"]) == profile


@pytest.mark.parametrize("word, choices, prefix, expected", [
    ("ful", ["de-risk", "full"], False, "full"),
    ("de-rsk", ["de-risk", "full"], False, "de-risk"),
    ("Full", ["de-risk", "full"], False, "full"),        # case only: still the one meant
    ("fulll-lr3e-4", ["de-risk", "full"], True, "full"),  # a run name starts with its profile
    ("tweak", ["de-risk", "full"], True, None),          # nothing close: no guess
    ("full", ["de-risk", "full"], False, None),          # not a typo
])
def test_did_you_mean_picks_the_closest_known_name_or_none(word, choices, prefix, expected):
    assert did_you_mean(word, choices, prefix=prefix) == expected
