"""The evaluations in evals/ follow their documented formats (evals/README.md).

No model runs here: these tests keep the files usable by whoever runs them with one.
"""

from __future__ import annotations

import json

import pytest
from skillpack import EVALS_DIR

SKILLS = ["experiment-runner", "ml-experimentation", "evaluation-outputs", "spec-driven-experiments"]


def _load(path):
    assert path.is_file(), f"missing {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_skill_has_evals(skills):
    assert sorted(s.name for s in skills) == sorted(SKILLS)
    assert (EVALS_DIR / "README.md").is_file()
    for name in SKILLS:
        assert (EVALS_DIR / name / "trigger_queries.json").is_file(), name
        assert (EVALS_DIR / name / "evals.json").is_file(), name


@pytest.mark.parametrize("name", SKILLS)
def test_trigger_queries(name):
    queries = _load(EVALS_DIR / name / "trigger_queries.json")
    assert isinstance(queries, list) and len(queries) >= 10, f"{name}: at least 10 trigger queries"
    for q in queries:
        assert set(q) == {"query", "should_trigger"}, q
        assert isinstance(q["query"], str) and q["query"].strip(), q
        assert isinstance(q["should_trigger"], bool), q
    positives = sum(q["should_trigger"] for q in queries)
    assert 4 <= positives <= len(queries) - 4, f"{name}: mix queries that should and should not trigger"
    texts = [q["query"] for q in queries]
    assert len(set(texts)) == len(texts), f"{name}: duplicate queries"


@pytest.mark.parametrize("name", SKILLS)
def test_task_evals(name):
    data = _load(EVALS_DIR / name / "evals.json")
    assert set(data) == {"skill_name", "evals"}
    assert data["skill_name"] == name
    evals = data["evals"]
    assert len(evals) >= 3, f"{name}: at least 3 task evals"
    ids = [e["id"] for e in evals]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) for i in ids)
    for e in evals:
        assert set(e) == {"id", "prompt", "expected_output", "files", "assertions"}, e.keys()
        assert e["prompt"].strip() and e["expected_output"].strip()
        assert isinstance(e["assertions"], list) and len(e["assertions"]) >= 3
        assert all(isinstance(a, str) and a.strip() for a in e["assertions"])
        for rel in e["files"]:
            assert (EVALS_DIR / name / rel).is_file(), f"{name} eval {e['id']}: missing input file {rel}"


def test_trigger_sets_agree_across_the_pack():
    # A query written as a positive for one skill must not be a positive for another: each request has one owner.
    owners: dict[str, str] = {}
    for name in SKILLS:
        for q in _load(EVALS_DIR / name / "trigger_queries.json"):
            if q["should_trigger"]:
                assert q["query"] not in owners, f"{q['query']!r} should trigger both {owners[q['query']]} and {name}"
                owners[q["query"]] = name
